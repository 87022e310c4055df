//! The assembled stack over loopback HTTP against a scripted server.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::Method;
use nf_transport::{
    ConfigErrorKind, ManualClock, RateLimitMode, RetryBudget, RetryConfig, Transport,
    TransportBuilder, TransportError,
};
use support::{Action, Reply, TestProvider, TestServer, request, within};

const TOKEN: &str = "nf-test-token-5f0c2a";

/// A transport on `server` with a manual clock and no timeouts, so every wait the test
/// sees is a backoff or rate-limit wait.
fn builder(
    server: &TestServer,
    provider: Arc<TestProvider>,
    clock: &ManualClock,
) -> TransportBuilder {
    Transport::builder(provider)
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(None)
        .call_timeout(None)
}

fn provider() -> Arc<TestProvider> {
    TestProvider::new(TOKEN, "http://127.0.0.1")
}

async fn status_of(
    transport: &Transport,
    method: Method,
    target: &str,
) -> Result<u16, TransportError> {
    let response = transport.send(request(method, target)).await?;
    Ok(response.status().as_u16())
}

#[tokio::test]
async fn get_503_then_200_succeeds_in_exactly_two_attempts() {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::status(503).action(),
        _ => Reply::status(200).body("{}").action(),
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/projects")
            .await
            .ok(),
        Some(200)
    );
    assert_eq!(server.count(), 2);
    assert_eq!(clock.sleeps().len(), 1, "one backoff between the attempts");
}

#[tokio::test]
async fn post_503_is_not_retried() {
    let server = TestServer::start(|_, _| Reply::status(503).action()).await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::POST, "/v1/projects")
            .await
            .ok(),
        Some(503)
    );
    assert_eq!(server.count(), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn post_is_retried_when_the_connection_was_refused() {
    // A port nobody listens on, until the server is started there after the first attempt.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);

    let clock = ManualClock::new();
    let transport = Transport::builder(provider())
        .base_url(format!("http://{addr}"))
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
        .expect("transport");
    let call = tokio::spawn({
        let transport = transport.clone();
        async move { status_of(&transport, Method::POST, "/v1/projects").await }
    });

    // The refused attempt is followed by a backoff sleep; the server comes up meanwhile.
    within(clock.wait_for_sleeps(1)).await;
    let server = TestServer::start_on(addr, |_, _| Reply::status(201).action()).await;
    clock.advance(Duration::from_secs(1));

    assert_eq!(within(call).await.expect("join").ok(), Some(201));
    assert_eq!(server.count(), 1);
    assert_eq!(clock.sleeps().len(), 1);
}

#[tokio::test]
async fn post_whose_connection_drops_after_sending_is_not_retried() {
    let server = TestServer::start(|index, _| match index {
        0 => Action::DropAfterRead,
        _ => Reply::status(200).action(),
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    let error = status_of(&transport, Method::POST, "/v1/projects")
        .await
        .err();
    assert!(
        matches!(error, Some(TransportError::Io { .. })),
        "{error:?}"
    );
    assert_eq!(server.count(), 1, "the server saw the POST exactly once");
}

#[tokio::test]
async fn get_whose_connection_drops_after_sending_is_retried() {
    let server = TestServer::start(|index, _| match index {
        0 => Action::DropAfterRead,
        _ => Reply::status(200).action(),
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/projects")
            .await
            .ok(),
        Some(200)
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn connection_dropped_before_reading_is_retried_for_get() {
    let server = TestServer::start(|_, _| Reply::status(200).action()).await;
    server.drop_next_connections(1);
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/projects")
            .await
            .ok(),
        Some(200)
    );
    assert_eq!(server.count(), 1);
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn retry_after_two_seconds_waits_exactly_two_seconds() {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::status(429).header("retry-after", 2).action(),
        _ => Reply::status(200).action(),
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/projects")
            .await
            .ok(),
        Some(200)
    );
    assert_eq!(server.count(), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    assert_eq!(clock.elapsed(), Duration::from_secs(2));
}

#[tokio::test]
async fn huge_retry_after_is_clamped_to_the_ceiling() {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::status(503)
            .header("retry-after", 10_000_000)
            .action(),
        _ => Reply::status(200).action(),
    })
    .await;
    let clock = ManualClock::auto_advance();
    let mut retry = RetryConfig::default();
    retry.max_server_delay = Duration::from_secs(15);
    let transport = builder(&server, provider(), &clock)
        .retry(retry)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/projects")
            .await
            .ok(),
        Some(200)
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(15)]);
}

#[tokio::test]
async fn retry_after_as_http_date_is_honoured() {
    let clock = ManualClock::auto_advance();
    let date =
        httpdate::fmt_http_date(nf_transport::Clock::system_time(&clock) + Duration::from_secs(7));
    let server = TestServer::start(move |index, _| match index {
        0 => Reply::status(503).header("retry-after", &date).action(),
        _ => Reply::status(200).action(),
    })
    .await;
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/x").await.ok(),
        Some(200)
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_failures_stays_within_the_retry_budget() {
    const CALLERS: usize = 16;
    const BUDGET: u32 = 10;
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    let failing = tower::service_fn(move |_request: nf_transport::Request| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::task::yield_now().await;
            let mut response = http::Response::new(nf_transport::ResponseBody::empty());
            *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
            Ok::<_, TransportError>(response)
        }
    });
    let clock = ManualClock::auto_advance();
    let mut retry = RetryConfig::default();
    retry.max_attempts = 5;
    let transport = Transport::builder(provider())
        .base_url("http://127.0.0.1:9")
        .clock(Arc::new(clock))
        .attempt_timeout(None)
        .call_timeout(None)
        .retry(retry)
        .retry_budget(Arc::new(RetryBudget::new(BUDGET, 0.0)))
        .transport(failing)
        .build()
        .expect("transport");

    let calls: Vec<_> = (0..CALLERS)
        .map(|_| {
            let transport = transport.clone();
            tokio::spawn(async move { status_of(&transport, Method::GET, "/v1/x").await })
        })
        .collect();
    for call in calls {
        assert_eq!(within(call).await.expect("join").ok(), Some(503));
    }
    // Without the budget, 16 callers with 5 attempts each would send 80 requests.
    assert_eq!(attempts.load(Ordering::SeqCst), CALLERS + BUDGET as usize);
    assert_eq!(transport.retry_budget().available(), 0);
}

#[tokio::test]
async fn spent_rate_limit_waits_for_the_reset() {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::status(200)
            .header("x-ratelimit-limit", 1000)
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", 30)
            .action(),
        _ => Reply::status(200)
            .header("x-ratelimit-limit", 1000)
            .header("x-ratelimit-remaining", 999)
            .header("x-ratelimit-reset", 60)
            .action(),
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    let snapshot = transport.rate_limit().snapshot();
    assert_eq!(snapshot.remaining, Some(0));
    assert_eq!(snapshot.limit, Some(1000));
    assert_eq!(snapshot.reset_in, Some(Duration::from_secs(30)));
    assert!(clock.sleeps().is_empty());

    // A clone shares the state, so it waits too.
    let clone = transport.clone();
    assert_eq!(
        status_of(&clone, Method::GET, "/v1/b").await.ok(),
        Some(200)
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
    assert_eq!(server.count(), 2);
    assert_eq!(transport.rate_limit().snapshot().remaining, Some(999));
}

#[tokio::test]
async fn spent_rate_limit_fails_fast_when_asked() {
    let server = TestServer::start(|_, _| {
        Reply::status(200)
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", 30)
            .action()
    })
    .await;
    let clock = ManualClock::new();
    let transport = builder(&server, provider(), &clock)
        .rate_limit(RateLimitMode::FailFast)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    for caller in [transport.clone(), transport] {
        let error = status_of(&caller, Method::GET, "/v1/b").await.err();
        let Some(error @ TransportError::RateLimited { .. }) = error else {
            panic!("expected a rate-limit error, got {error:?}");
        };
        assert_eq!(error.rate_limit_reset_in(), Some(Duration::from_secs(30)));
        assert_eq!(error.rate_limit().and_then(|s| s.remaining), Some(0));
        assert!(!error.request_may_have_been_sent());
    }
    assert_eq!(server.count(), 1, "refused requests are never sent");
    assert!(clock.sleeps().is_empty());
    clock.advance(Duration::from_secs(30));
}

#[tokio::test]
async fn rate_limit_wait_longer_than_the_maximum_fails() {
    let server = TestServer::start(|_, _| {
        Reply::status(200)
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", 3600)
            .action()
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .rate_limit(RateLimitMode::Wait {
            max_wait: Duration::from_secs(60),
        })
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    let error = status_of(&transport, Method::GET, "/v1/b").await.err();
    assert!(
        matches!(error, Some(TransportError::RateLimited { .. })),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn token_is_read_for_every_attempt() {
    let provider = provider();
    let rotating = provider.clone();
    let server = TestServer::start(move |index, _| {
        if index == 0 {
            rotating.set_token("rotated-token");
            Reply::status(503).action()
        } else {
            Reply::status(200).action()
        }
    })
    .await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider, &clock)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    let authorizations: Vec<_> = server
        .received()
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        authorizations,
        vec![
            Some(format!("Bearer {TOKEN}")),
            Some("Bearer rotated-token".to_owned())
        ]
    );
}

#[tokio::test]
async fn token_is_not_sent_to_another_host() {
    let api = TestServer::start(|_, _| Reply::status(200).action()).await;
    let other = TestServer::start(|_, _| Reply::status(200).action()).await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&api, provider(), &clock)
        .build()
        .expect("transport");

    let elsewhere = format!("{}/download/file.tar", other.url());
    assert_eq!(
        status_of(&transport, Method::GET, &elsewhere).await.ok(),
        Some(200)
    );
    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    assert!(other.received()[0].headers.get("authorization").is_none());
    assert!(api.received()[0].headers.get("authorization").is_some());
}

#[tokio::test]
async fn token_follows_the_context_host_when_no_base_url_is_fixed() {
    let api = TestServer::start(|_, _| Reply::status(200).action()).await;
    let provider = TestProvider::new(TOKEN, &format!("{}/", api.url()));
    let clock = ManualClock::auto_advance();
    let transport = Transport::builder(provider)
        .clock(Arc::new(clock))
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    let seen = &api.received()[0];
    assert_eq!(seen.target, "/v1/a");
    assert_eq!(
        seen.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn missing_token_is_a_typed_error_and_nothing_is_sent() {
    let server = TestServer::start(|_, _| Reply::status(200).action()).await;
    let clock = ManualClock::auto_advance();
    for provider in [
        TestProvider::empty(),
        TestProvider::new("", "http://127.0.0.1"),
    ] {
        let transport = builder(&server, provider, &clock)
            .build()
            .expect("transport");
        let error = status_of(&transport, Method::GET, "/v1/a").await.err();
        assert_eq!(
            error.and_then(|e| e.config_kind()),
            Some(ConfigErrorKind::MissingToken)
        );
    }
    assert_eq!(server.count(), 0);
    assert!(
        clock.sleeps().is_empty(),
        "configuration errors are not retried"
    );
}

#[tokio::test]
async fn base_url_prefix_and_user_agent_reach_the_server() {
    let server = TestServer::start(|_, _| Reply::status(200).action()).await;
    let clock = ManualClock::auto_advance();
    let transport = Transport::builder(provider())
        .base_url(format!("{}/api/", server.url()))
        .user_agent_suffix("acme-deployer/2.0")
        .clock(Arc::new(clock))
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/projects?per_page=5")
            .await
            .ok(),
        Some(200)
    );
    let seen = &server.received()[0];
    assert_eq!(seen.target, "/api/v1/projects?per_page=5");
    assert_eq!(
        seen.headers.get("user-agent").and_then(|v| v.to_str().ok()),
        Some(
            format!(
                "northflank-rs/{} (acme-deployer/2.0)",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
}

#[tokio::test]
async fn invalid_base_url_fails_the_build() {
    let error = Transport::builder(provider())
        .base_url("localhost:8080")
        .build()
        .err();
    assert_eq!(
        error.and_then(|e| e.config_kind()),
        Some(ConfigErrorKind::InvalidBaseUrl)
    );
}

#[tokio::test]
async fn attempt_timeout_then_success_on_retry() {
    let server = TestServer::start(|index, _| match index {
        0 => Action::Hang,
        _ => Reply::status(200).action(),
    })
    .await;
    let clock = ManualClock::new();
    let transport = builder(&server, provider(), &clock)
        .attempt_timeout(Some(Duration::from_secs(5)))
        .build()
        .expect("transport");
    let call = tokio::spawn({
        let transport = transport.clone();
        async move { status_of(&transport, Method::GET, "/v1/slow").await }
    });

    server.wait_for_requests(1).await;
    within(clock.wait_for_sleeps(1)).await;
    clock.advance(Duration::from_secs(5));
    // The timed-out attempt is followed by a backoff of at most 200 ms.
    within(clock.wait_for_sleeps(1)).await;
    clock.advance(Duration::from_millis(200));

    assert_eq!(within(call).await.expect("join").ok(), Some(200));
    assert_eq!(server.count(), 2);
    assert_eq!(clock.sleeps()[0], Duration::from_secs(5));
}

#[tokio::test]
async fn call_timeout_bounds_the_whole_call() {
    let server = TestServer::start(|_, _| Action::Hang).await;
    let clock = ManualClock::new();
    let transport = builder(&server, provider(), &clock)
        .call_timeout(Some(Duration::from_secs(10)))
        .build()
        .expect("transport");
    let call = tokio::spawn({
        let transport = transport.clone();
        async move { status_of(&transport, Method::GET, "/v1/slow").await }
    });

    server.wait_for_requests(1).await;
    within(clock.wait_for_sleeps(1)).await;
    clock.advance(Duration::from_secs(10));

    let error = within(call).await.expect("join").err();
    assert!(
        matches!(error, Some(TransportError::CallTimeout { after, .. }) if after == Duration::from_secs(10)),
        "{error:?}"
    );
}

#[tokio::test]
async fn user_layers_see_attempts_and_calls() {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::status(502).action(),
        _ => Reply::status(200).action(),
    })
    .await;
    let attempts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .layer(tower::layer::layer_fn({
            let attempts = attempts.clone();
            move |inner: nf_transport::BoxTransportService| {
                let attempts = attempts.clone();
                tower::ServiceExt::map_request(inner, move |request: nf_transport::Request| {
                    let auth = request.headers().get("authorization");
                    attempts.lock().expect("lock").push((
                        request
                            .extensions()
                            .get::<nf_transport::Attempt>()
                            .map(|a| a.0),
                        auth.is_some_and(|v| v.is_sensitive()),
                    ));
                    request
                })
            }
        }))
        .outer_layer(tower::layer::layer_fn({
            let calls = calls.clone();
            move |inner: nf_transport::BoxTransportService| {
                let calls = calls.clone();
                tower::ServiceExt::map_request(inner, move |request: nf_transport::Request| {
                    calls.lock().expect("lock").push(request.uri().to_string());
                    request
                })
            }
        }))
        .build()
        .expect("transport");

    assert_eq!(
        status_of(&transport, Method::GET, "/v1/a").await.ok(),
        Some(200)
    );
    assert_eq!(
        *attempts.lock().expect("lock"),
        vec![(Some(1), true), (Some(2), true)]
    );
    assert_eq!(*calls.lock().expect("lock"), vec!["/v1/a".to_owned()]);
}

#[tokio::test]
async fn clones_share_the_connection_pool() {
    let server = TestServer::start(|_, _| Reply::status(200).body("ok").action()).await;
    let clock = ManualClock::auto_advance();
    let transport = builder(&server, provider(), &clock)
        .build()
        .expect("transport");
    for _ in 0..3 {
        let clone = transport.clone();
        let response = clone
            .send(request(Method::GET, "/v1/a"))
            .await
            .expect("response");
        // Reading the body to its end returns the connection to the pool.
        assert_eq!(
            response.into_body().bytes().await.ok().as_deref(),
            Some(&b"ok"[..])
        );
    }
    assert_eq!(server.count(), 3);
    assert_eq!(server.connections(), 1);
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[tokio::test]
async fn https_to_a_plain_server_is_a_connect_failure() {
    let server = TestServer::start(|_, _| Reply::status(200).action()).await;
    let clock = ManualClock::auto_advance();
    let mut retry = RetryConfig::default();
    retry.max_attempts = 1;
    let transport = Transport::builder(provider())
        .base_url(format!("https://{}", server.addr()))
        .clock(Arc::new(clock))
        .attempt_timeout(None)
        .call_timeout(None)
        .retry(retry)
        .build()
        .expect("transport");
    let error = status_of(&transport, Method::POST, "/v1/a").await.err();
    assert!(
        matches!(error, Some(TransportError::Connect { .. })),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
#[tokio::test]
async fn https_without_a_tls_feature_is_a_configuration_error() {
    let clock = ManualClock::auto_advance();
    let transport = Transport::builder(provider())
        .base_url("https://127.0.0.1:9")
        .clock(Arc::new(clock))
        .build()
        .expect("transport");
    let error = status_of(&transport, Method::GET, "/v1/a").await.err();
    assert_eq!(
        error.and_then(|e| e.config_kind()),
        Some(ConfigErrorKind::TlsUnavailable)
    );
}

/// A user transport that is not ready until its gate opens, and fails any call made before.
#[derive(Clone, Default)]
struct Gated {
    open: Arc<std::sync::atomic::AtomicBool>,
    waiting: Arc<std::sync::Mutex<Option<std::task::Waker>>>,
    calls: Arc<AtomicUsize>,
}

impl Gated {
    fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
        let waker = self.waiting.lock().map(|mut slot| slot.take());
        if let Ok(Some(waker)) = waker {
            waker.wake();
        }
    }
}

impl tower::Service<nf_transport::Request> for Gated {
    type Response = http::Response<nf_transport::ResponseBody>;
    type Error = TransportError;
    type Future = std::future::Ready<Result<Self::Response, TransportError>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), TransportError>> {
        if let Ok(mut slot) = self.waiting.lock() {
            *slot = Some(cx.waker().clone());
        }
        if self.open.load(Ordering::SeqCst) {
            std::task::Poll::Ready(Ok(()))
        } else {
            std::task::Poll::Pending
        }
    }

    fn call(&mut self, _request: nf_transport::Request) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(if self.open.load(Ordering::SeqCst) {
            Ok(http::Response::new(nf_transport::ResponseBody::empty()))
        } else {
            Err(TransportError::custom("called before it was ready"))
        })
    }
}

#[tokio::test]
async fn a_call_waits_until_the_transport_is_ready() {
    let gated = Gated::default();
    let transport = Transport::builder(provider())
        .base_url("http://127.0.0.1:9")
        .attempt_timeout(None)
        .call_timeout(None)
        .transport(gated.clone())
        .build()
        .expect("transport");

    let call = tokio::spawn({
        let transport = transport.clone();
        async move { status_of(&transport, Method::GET, "/v1/projects").await }
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(!call.is_finished(), "the call waits for readiness");
    assert_eq!(gated.calls.load(Ordering::SeqCst), 0, "nothing is sent yet");

    gated.open();
    let status = within(call).await.expect("join");
    assert_eq!(status.ok(), Some(200));
    assert_eq!(gated.calls.load(Ordering::SeqCst), 1);
}
