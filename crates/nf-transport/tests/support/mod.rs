//! Test support: the scripted loopback server of nf-testkit, a context provider whose token
//! can be rotated, and request helpers.

#![allow(
    dead_code,
    unused_imports,
    unreachable_pub,
    reason = "each test file uses part of the support"
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nf_context::{Context, ContextDefaults, ContextError, ContextProvider, Token};
pub use nf_testkit::{Action, Received, Reply, TestServer};

/// A provider with one context whose token can be changed; it counts token reads.
#[derive(Debug, Default)]
pub struct TestProvider {
    context: Mutex<Option<Context>>,
    reads: AtomicUsize,
}

impl TestProvider {
    pub fn new(token: &str, host: &str) -> Arc<Self> {
        Arc::new(Self {
            context: Mutex::new(Some(Context::new("test", token).with_host(host))),
            reads: AtomicUsize::new(0),
        })
    }

    pub fn empty() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn set_token(&self, token: &str) {
        if let Some(context) = self.context.lock().expect("lock").as_mut() {
            context.token = Token::new(token);
        }
    }

    pub fn token_reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl ContextProvider for TestProvider {
    fn current(&self) -> Result<Option<Context>, ContextError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.context.lock().expect("lock").clone())
    }

    fn contexts(&self) -> Result<Vec<Context>, ContextError> {
        Ok(self.current()?.into_iter().collect())
    }

    fn add_context(&self, _: Context, _: bool) -> Result<(), ContextError> {
        Err(ContextError::ReadOnly { provider: "test" })
    }

    fn remove_context(&self, _: &str) -> Result<(), ContextError> {
        Err(ContextError::ReadOnly { provider: "test" })
    }

    fn use_context(&self, _: &str) -> Result<(), ContextError> {
        Err(ContextError::ReadOnly { provider: "test" })
    }

    fn update_context(&self, _: Context) -> Result<(), ContextError> {
        Err(ContextError::ReadOnly { provider: "test" })
    }

    fn update_token(&self, token: Token) -> Result<(), ContextError> {
        self.set_token(token.expose());
        Ok(())
    }

    fn update_defaults(&self, _: &mut dyn FnMut(&mut ContextDefaults)) -> Result<(), ContextError> {
        Err(ContextError::ReadOnly { provider: "test" })
    }
}

/// A GET (or other method) request for `target` with an empty body.
pub fn request(method: http::Method, target: &str) -> nf_transport::Request {
    http::Request::builder()
        .method(method)
        .uri(target)
        .body(nf_transport::Body::empty())
        .expect("valid request")
}

/// Runs `future` for at most 10 s of real time, so a broken behaviour fails instead of
/// hanging the test run.
pub async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("timed out waiting (10 s real time)")
}
