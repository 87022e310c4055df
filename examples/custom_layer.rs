//! A tower layer of your own in the client's stack: a log of requests with their outcome.
//!
//! The same layer is added twice: once around each attempt (`layer`), where it sees what
//! goes on the wire, retries included, and once around the whole call (`outer_layer`), where
//! it sees the request as the client made it and its final outcome. The embedded emulator
//! (`nf-mock`) is told to fail the first `list.projects` with 503, so the call is retried and
//! the two logs differ.
//!
//! ```text
//! cargo run --example custom_layer
//! ```

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use http::StatusCode;
use nf_client::{ApiClient, BoxError};
use nf_mock::{Fault, FaultRule, MockConfig, MockServer};
use nf_transport::{Attempt, Request, Response};
use tower::{Layer, Service};

/// The token the embedded emulator accepts.
const EMULATOR_TOKEN: &str = "nf-layer-token";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(&mut std::io::stdout()).await
}

/// Makes two calls through a client with both logs, writing the logs to `out`.
pub(crate) async fn run(out: &mut impl Write) -> Result<(), BoxError> {
    let server = MockServer::start(MockConfig::new().token(EMULATOR_TOKEN)).await?;
    server.seed_projects(3);
    // The first `list.projects` fails with 503; the client retries it, as it is a GET.
    server.faults().add(
        FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
            .operation("list.projects")
            .times(1),
    );

    let calls = RequestLog::default();
    let attempts = RequestLog::default();
    let client = ApiClient::builder()
        .token(EMULATOR_TOKEN)
        .base_url(server.base_url())
        .outer_layer(calls.clone())
        .layer(attempts.clone())
        .build()?;

    let projects = client.list().projects().await?.into_data()?;
    writeln!(out, "Listed {} projects", projects.projects.len())?;
    let again = client.list().projects().await?.into_data()?;
    writeln!(out, "Listed {} projects again", again.projects.len())?;

    writeln!(out, "Calls, as the outer layer saw them:")?;
    for line in calls.lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out, "Attempts, as the attempt layer saw them:")?;
    for line in attempts.lines() {
        writeln!(out, "  {line}")?;
    }

    server.shutdown().await;
    Ok(())
}

/// A layer that logs each request it sees, with its outcome and how long it took.
///
/// Clones share one log, so the program keeps a clone to read what the stack's copy wrote.
#[derive(Clone, Default)]
struct RequestLog {
    lines: Arc<Mutex<Vec<String>>>,
}

impl RequestLog {
    /// The lines logged so far.
    fn lines(&self) -> Vec<String> {
        // A panic while the lock was held cannot leave a half-written line behind.
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl<S> Layer<S> for RequestLog {
    type Service = Logged<S>;

    fn layer(&self, inner: S) -> Logged<S> {
        Logged {
            inner,
            lines: self.lines.clone(),
        }
    }
}

/// The service [`RequestLog`] wraps around the rest of the stack.
#[derive(Clone)]
struct Logged<S> {
    inner: S,
    lines: Arc<Mutex<Vec<String>>>,
}

impl<S> Service<Request> for Logged<S>
where
    S: Service<Request, Response = Response>,
    S::Error: std::fmt::Display,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Only the method, URI and attempt number: headers hold the token, bodies may hold
        // secrets.
        let mut line = format!("{} {}", request.method(), request.uri());
        if let Some(Attempt(attempt)) = request.extensions().get::<Attempt>() {
            line.push_str(&format!(" (attempt {attempt})"));
        }
        let lines = self.lines.clone();
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            let outcome = match &result {
                Ok(response) => response.status().to_string(),
                Err(error) => format!("failed: {error}"),
            };
            let elapsed = started.elapsed().as_millis();
            lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!("{line} -> {outcome} in {elapsed} ms"));
            result
        })
    }
}
