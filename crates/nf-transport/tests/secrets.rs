//! The token appears in no log line (at TRACE), no `Debug` output and no error message.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use http::Method;
use nf_transport::{ManualClock, RateLimitMode, RetryConfig, Transport, TransportError};
use support::{Action, Reply, TestProvider, TestServer, request};

const TOKEN: &str = "nfsecret-7d1e0b9a44c2";

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

/// Everything printable about an error: Display, Debug and every cause.
fn describe(error: &TransportError) -> String {
    let mut text = format!("{error} | {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" | {cause} | {cause:?}"));
        source = cause.source();
    }
    text
}

// A current-thread runtime keeps every task (hyper's connection tasks included) on the
// thread where the subscriber is the default.
#[tokio::test(flavor = "current_thread")]
async fn token_never_appears_in_logs_debug_output_or_errors() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(captured.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let server = TestServer::start(|_, received| match received.target.as_str() {
        "/v1/flaky" => Reply::status(503).header("retry-after", 1).action(),
        "/v1/drop" => Action::DropAfterRead,
        "/v1/limited" => Reply::status(200)
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", 30)
            .action(),
        _ => Reply::status(200).body("{\"data\":{}}").action(),
    })
    .await;
    let provider = TestProvider::new(TOKEN, "http://127.0.0.1");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let clock = ManualClock::auto_advance();
    let mut retry = RetryConfig::default();
    retry.max_attempts = 2;
    let builder = Transport::builder(provider.clone())
        .base_url(server.url())
        .clock(Arc::new(clock))
        .attempt_timeout(None)
        .call_timeout(None)
        .retry(retry)
        .rate_limit(RateLimitMode::FailFast)
        .layer(tower::layer::layer_fn({
            let seen = seen.clone();
            move |inner: nf_transport::BoxTransportService| {
                let seen = seen.clone();
                tower::ServiceExt::map_request(inner, move |request: nf_transport::Request| {
                    seen.lock().expect("lock").push(format!("{request:?}"));
                    request
                })
            }
        }));
    let mut printed = vec![format!("{builder:?}"), format!("{provider:?}")];
    let transport = builder.build().expect("transport");

    let mut outcomes = Vec::new();
    for (method, target) in [
        (Method::GET, "/v1/projects".to_owned()),
        (Method::GET, "/v1/flaky".to_owned()),
        (Method::POST, "/v1/flaky".to_owned()),
        (Method::POST, "/v1/drop".to_owned()),
        (Method::GET, "/v1/limited".to_owned()),
        (Method::GET, "/v1/refused-by-rate-limit".to_owned()),
        (Method::GET, "http://127.0.0.1:9/v1/elsewhere".to_owned()),
    ] {
        outcomes.push(transport.send(request(method, &target)).await);
    }

    // Failures of other kinds: a refused connection and a missing token.
    let refused = Transport::builder(provider.clone())
        .base_url("http://127.0.0.1:9")
        .clock(Arc::new(ManualClock::auto_advance()))
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
        .expect("transport");
    outcomes.push(refused.send(request(Method::GET, "/v1/x")).await);
    let timing_out = Transport::builder(provider.clone())
        .base_url(server.url())
        .clock(Arc::new(ManualClock::auto_advance()))
        .build()
        .expect("transport");
    outcomes.push(timing_out.send(request(Method::GET, "/v1/x")).await);
    provider.set_token("");
    outcomes.push(transport.send(request(Method::GET, "/v1/x")).await);

    let mut errors = 0;
    for outcome in &outcomes {
        match outcome {
            Ok(response) => printed.push(format!("{response:?}")),
            Err(error) => {
                errors += 1;
                printed.push(describe(error));
            }
        }
    }
    printed.push(format!("{transport:?}"));
    printed.push(format!("{:?}", transport.rate_limit()));
    printed.extend(seen.lock().expect("lock").iter().cloned());
    let logs = captured.text();

    // The capture really holds the spans and requests it is meant to check.
    assert!(errors >= 5, "{errors} errors");
    assert!(
        logs.contains("northflank.call") && logs.contains("retry.attempt"),
        "{logs}"
    );
    assert!(seen.lock().expect("lock").len() >= 6);
    assert!(server.received().iter().any(|r| {
        r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(format!("Bearer {TOKEN}").as_str())
    }));

    assert!(!logs.contains(TOKEN), "token in logs:\n{logs}");
    for text in &printed {
        assert!(!text.contains(TOKEN), "token printed: {text}");
    }
    // Requests are printed with the header's value hidden.
    assert!(printed.iter().any(|t| t.contains("Sensitive")));
}
