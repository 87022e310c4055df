//! The client's use of the transport stack: rate-limit and timeout errors, user layers and
//! transports, and what reaches the logs.

mod support;

use std::future::IntoFuture;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use nf_client::{Error, RateLimitMode, TimeoutKind};
use nf_transport::{Request, TransportError};
use nf_types::projects::ListProjectsRequest;
use serde_json::json;
use support::{Reply, TOKEN, TestServer, builder, client, page, raw_server};
use tracing_subscriber::fmt::MakeWriter;

#[tokio::test]
async fn a_spent_rate_limit_fails_fast_without_sending() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, &page(&["p1"], None))
            .header("x-ratelimit-limit", 10)
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", 60)
    })
    .await;
    let client = builder(&server.url())
        .rate_limit(RateLimitMode::FailFast)
        .build()
        .expect("client");
    let first = client
        .send(ListProjectsRequest::new())
        .await
        .expect("first call");
    assert_eq!(first.rate_limit.remaining, Some(0));

    let error = client
        .send(ListProjectsRequest::new())
        .await
        .expect_err("the budget is spent");
    let Error::RateLimited {
        snapshot, reset_in, ..
    } = &error
    else {
        panic!("expected a rate-limit error, got {error:?}");
    };
    assert_eq!(snapshot.remaining, Some(0));
    assert!(reset_in.is_some_and(|reset| reset <= Duration::from_secs(60)));
    assert!(error.is_retryable());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_server_that_never_answers_times_the_call_out() {
    let url = raw_server(b"", true).await;
    let client = builder(&url)
        .call_timeout(Some(Duration::from_millis(200)))
        .build()
        .expect("client");
    let error = client
        .send(ListProjectsRequest::new())
        .await
        .expect_err("no answer");
    assert!(
        matches!(
            error,
            Error::Timeout {
                kind: TimeoutKind::Call | TimeoutKind::Attempt,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // Bind and drop a listener to find a port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let error = client(&url)
        .send(ListProjectsRequest::new())
        .await
        .expect_err("refused");
    assert!(
        matches!(error, Error::Transport { status: None, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn user_transports_and_layers_see_each_attempt() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let recorded = seen.clone();
    let transport = tower::service_fn(move |request: Request| {
        let recorded = recorded.clone();
        async move {
            recorded
                .lock()
                .expect("lock")
                .push(request.uri().to_string());
            let body = json!({ "data": { "projects": [support::project("in-process")] } });
            let mut response = http::Response::new(Full::new(Bytes::from(body.to_string())));
            response
                .headers_mut()
                .insert("x-ratelimit-remaining", http::HeaderValue::from_static("5"));
            Ok::<_, TransportError>(response)
        }
    });
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let layer = tower::layer::layer_fn(move |inner: nf_transport::BoxTransportService| {
        let counter = counter.clone();
        tower::ServiceExt::map_request(inner, move |mut request: Request| {
            counter.fetch_add(1, Ordering::SeqCst);
            request
                .headers_mut()
                .insert("x-added-by-layer", http::HeaderValue::from_static("yes"));
            request
        })
    });
    let client = builder("http://api.test")
        .transport(transport)
        .layer(layer)
        .build()
        .expect("client");

    let response = client
        .send(ListProjectsRequest::new().with_per_page(1))
        .await
        .expect("in-process answer");
    assert_eq!(
        response.data().map(|data| data.projects[0].id.as_str()),
        Some("in-process")
    );
    assert_eq!(response.rate_limit.remaining, Some(5));
    assert_eq!(
        response.request.url,
        "http://api.test/v1/projects?per_page=1"
    );
    assert_eq!(response.request.headers["authorization"], "[redacted]");
    // Recorded below the attempt layers: what they add is part of what was sent.
    assert_eq!(response.request.headers["x-added-by-layer"], "yes");
    assert_eq!(
        *seen.lock().expect("lock"),
        ["http://api.test/v1/projects?per_page=1"]
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

/// Log lines written by a test's subscriber.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Logs {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

async fn logs_of_one_call(level: tracing::Level) -> String {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::json(200, &page(&["body-marker"], None)),
        _ => Reply::json(
            404,
            &json!({ "error": { "message": "gone", "id": "not-found" } }),
        ),
    })
    .await;
    let client = client(&server.url());
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    client
        .send(ListProjectsRequest::new())
        .await
        .expect("first call");
    client
        .send(ListProjectsRequest::new())
        .await
        .expect_err("second call");
    logs.text()
}

#[tokio::test]
async fn logs_name_the_operation_and_never_show_the_token_or_a_body_above_trace() {
    let debug = logs_of_one_call(tracing::Level::DEBUG).await;
    assert!(debug.contains("northflank.call"), "{debug}");
    assert!(debug.contains("nf.operation=\"list.projects\""), "{debug}");
    assert!(debug.contains("API error"), "{debug}");
    assert!(!debug.contains(TOKEN));
    assert!(!debug.contains("body-marker"), "no body at debug: {debug}");

    let trace = logs_of_one_call(tracing::Level::TRACE).await;
    assert!(trace.contains("body-marker"), "bodies at trace: {trace}");
    assert!(!trace.contains(TOKEN));
}

#[test]
fn the_public_types_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<nf_client::ApiClient>();
    send_sync::<Error>();
    send_sync::<nf_client::ApiResponse<serde_json::Value>>();
    send_sync::<nf_client::Call<ListProjectsRequest>>();
    fn send<T: Send>() {}
    send::<nf_client::ItemStream<serde_json::Value>>();
}

#[tokio::test]
async fn calls_run_on_spawned_tasks() {
    let server = TestServer::start(|_, _| Reply::json(200, &page(&["p1"], None))).await;
    let client = client(&server.url());
    let call = client.call_typed(ListProjectsRequest::new());
    let task = tokio::spawn(call.clone().into_future());
    let response = task.await.expect("task").expect("response");
    assert_eq!(response.data().map(|data| data.projects.len()), Some(1));
    let awaited = call.await.expect("awaited directly");
    assert_eq!(awaited.status.as_u16(), 200);
}

#[tokio::test]
async fn the_provider_supplies_token_and_host() {
    let server = TestServer::start(|_, _| Reply::json(200, &page(&["p1"], None))).await;
    let provider = nf_context::EnvContextProvider::from_vars([
        ("NORTHFLANK_API_TOKEN", TOKEN.to_owned()),
        ("NORTHFLANK_API_BASE_URL", format!("{}/", server.url())),
    ]);
    let client = nf_client::ApiClient::new(Arc::new(provider)).expect("client");
    let response = client
        .send(ListProjectsRequest::new())
        .await
        .expect("a page");
    assert_eq!(
        response.request.url,
        format!("{}/v1/projects", server.url())
    );
    assert_eq!(
        server.received()[0].headers["authorization"],
        format!("Bearer {TOKEN}")
    );
}

#[tokio::test]
async fn without_a_token_nothing_is_sent() {
    let server = TestServer::start(|_, _| Reply::json(200, &page(&["p1"], None))).await;
    let provider =
        nf_context::EnvContextProvider::from_vars([("NORTHFLANK_API_BASE_URL", server.url())]);
    let client = nf_client::ApiClient::builder()
        .provider(Arc::new(provider))
        .build()
        .expect("client");
    let error = client
        .send(ListProjectsRequest::new())
        .await
        .expect_err("no token");
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(server.count(), 0);
}
