//! Test support: a scripted HTTP/1.1 server on loopback and a context provider whose token
//! can be rotated.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test file uses part of the support"
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use nf_context::{Context, ContextDefaults, ContextError, ContextProvider, Token};
use tokio::net::TcpListener;

/// What the server received for one request.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: http::Method,
    /// Path and query.
    pub target: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer with this reply.
    Reply(Reply),
    /// Read the request, then close the connection without answering.
    DropAfterRead,
    /// Read the request and never answer.
    Hang,
}

/// A scripted response.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Real time to wait before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn action(self) -> Action {
        Action::Reply(self)
    }
}

type Script = dyn Fn(usize, &Received) -> Action + Send + Sync;

/// A loopback HTTP/1.1 server answering each request as its script says. The script gets
/// the request's index (0 for the first) and the request.
#[derive(Clone)]
pub struct TestServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
    drop_before_read: Arc<AtomicUsize>,
}

impl TestServer {
    pub async fn start(
        script: impl Fn(usize, &Received) -> Action + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        Self::serve(listener, Arc::new(script))
    }

    /// A server on a given address (to bring one up where a connection was refused).
    pub async fn start_on(
        addr: SocketAddr,
        script: impl Fn(usize, &Received) -> Action + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind loopback address");
        Self::serve(listener, Arc::new(script))
    }

    fn serve(listener: TcpListener, script: Arc<Script>) -> Self {
        let server = Self {
            addr: listener.local_addr().expect("local address"),
            received: Arc::default(),
            connections: Arc::default(),
            drop_before_read: Arc::default(),
        };
        let state = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                state.connections.fetch_add(1, Ordering::SeqCst);
                let dropping = state
                    .drop_before_read
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if dropping {
                    drop(stream);
                    continue;
                }
                let state = state.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        let script = script.clone();
                        async move { state.answer(request, script.as_ref()).await }
                    });
                    let _closed = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        server
    }

    async fn answer(
        &self,
        request: http::Request<hyper::body::Incoming>,
        script: &Script,
    ) -> Result<http::Response<Full<Bytes>>, std::io::Error> {
        let (parts, body) = request.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let received = Received {
            method: parts.method,
            target: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |pq| pq.to_string()),
            headers: parts.headers,
            body,
        };
        let index = {
            let mut all = self.received.lock().expect("lock");
            all.push(received.clone());
            all.len() - 1
        };
        match script(index, &received) {
            Action::Reply(reply) => {
                if !reply.delay.is_zero() {
                    tokio::time::sleep(reply.delay).await;
                }
                let mut response = http::Response::new(Full::new(Bytes::from(reply.body)));
                *response.status_mut() = http::StatusCode::from_u16(reply.status).expect("status");
                for (name, value) in reply.headers {
                    response
                        .headers_mut()
                        .append(name, value.parse().expect("header value"));
                }
                Ok(response)
            }
            // An error from the service makes hyper close the connection unanswered.
            Action::DropAfterRead => Err(std::io::Error::other("dropping the connection")),
            Action::Hang => std::future::pending().await,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().expect("lock").len()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Closes the next `n` connections as soon as they are accepted.
    pub fn drop_next_connections(&self, n: usize) {
        self.drop_before_read.store(n, Ordering::SeqCst);
    }

    /// Waits (real time, at most 5 s) until the server has received `n` requests.
    pub async fn wait_for_requests(&self, n: usize) {
        for _ in 0..500 {
            if self.count() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("server received {} requests, expected {n}", self.count());
    }
}

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
