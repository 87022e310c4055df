//! Fault injection: each kind of fault, rule matching, counts and seeded probabilities, and
//! what the journal says of each.

mod support;

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use nf_mock::{Fault, FaultRule, Outcome, ResourceKind};
use serde_json::json;
use support::{Failure, call, get, server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn latency_delays_matching_requests_only() {
    let server = server().await;
    server
        .faults()
        .add(FaultRule::new(Fault::Latency(Duration::from_millis(800))).operation("list.projects"));
    let started = Instant::now();
    assert_eq!(get(&server, "/v1/projects").await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(800));

    let started = Instant::now();
    get(&server, "/v1/projects/p").await;
    assert!(started.elapsed() < Duration::from_millis(800));
}

#[tokio::test]
async fn status_faults_answer_the_error_envelope_the_next_n_times() {
    let server = server().await;
    server.faults().add(
        FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
            .method(Method::GET)
            .times(2),
    );
    for _ in 0..2 {
        let reply = get(&server, "/v1/projects").await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.json()["error"]["status"], 503);
        assert_eq!(
            reply.number("x-ratelimit-limit"),
            1000,
            "faults keep the headers"
        );
    }
    assert_eq!(get(&server, "/v1/projects").await.status, StatusCode::OK);
    assert!(server.faults().is_empty(), "a used-up rule retires");
}

#[tokio::test]
async fn injected_429_says_when_to_retry() {
    let server = server().await;
    server
        .faults()
        .add(FaultRule::new(Fault::RateLimited { retry_after: 7 }).times(1));
    let reply = get(&server, "/v1/projects").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.number("retry-after"), 7);
    assert_eq!(reply.number("x-ratelimit-reset"), 7);
    assert_eq!(reply.number("x-ratelimit-remaining"), 0);
    assert_eq!(reply.error_id(), "rate-limited");
}

#[tokio::test]
async fn dropping_before_the_answer_changes_nothing() {
    let server = server().await;
    server.faults().add(
        FaultRule::new(Fault::DropBeforeAnswer)
            .path("/v1/projects")
            .times(1),
    );
    let request = call(&server, Method::POST, "/v1/projects").json(&json!({"name": "lost"}));
    match request.try_send().await {
        Err(Failure::NoAnswer(_)) => {}
        other => panic!("expected no answer, got {other:?}"),
    }
    assert_eq!(
        server.count(ResourceKind::Project, None),
        0,
        "not processed"
    );
    let entry = server.journal().last().unwrap();
    assert_eq!(entry.outcome, Outcome::DroppedBeforeAnswer);
    assert_eq!(entry.operation, Some("create.project"));
    assert_eq!(
        entry.json(),
        Some(json!({"name": "lost"})),
        "the body was read"
    );
}

#[tokio::test]
async fn dropping_mid_body_sends_headers_and_half_the_body() {
    let server = server().await;
    server.seed_projects(5);
    server
        .faults()
        .add(FaultRule::new(Fault::DropMidBody).times(1));
    match call(&server, Method::GET, "/v1/projects").try_send().await {
        Err(Failure::Body { status, .. }) => assert_eq!(status, StatusCode::OK),
        other => panic!("expected a broken body, got {other:?}"),
    }
    assert_eq!(
        server.journal().last().unwrap().outcome,
        Outcome::DroppedMidBody(StatusCode::OK)
    );

    // On the wire: a Content-Length promise, half of it, then the end of the connection.
    server
        .faults()
        .add(FaultRule::new(Fault::DropMidBody).times(1));
    let mut stream = tokio::net::TcpStream::connect(server.address())
        .await
        .unwrap();
    let request = format!(
        "GET /v1/projects HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n\r\n",
        support::TOKEN
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received));
    // A reset instead of a clean close is fine too: the bytes before it were read.
    let _ = read.await.expect("the connection ends");
    let text = String::from_utf8_lossy(&received);
    let (head, body) = text.split_once("\r\n\r\n").expect("headers arrived");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .expect("a content-length")
        .parse()
        .unwrap();
    assert!(
        !body.is_empty() && body.len() < length,
        "{} of {length}",
        body.len()
    );
}

#[tokio::test]
async fn truncated_bodies_are_well_framed_but_cut() {
    let server = server().await;
    server.seed_projects(3);
    let whole = get(&server, "/v1/projects").await;
    server
        .faults()
        .add(FaultRule::new(Fault::TruncatedBody).times(1));
    let cut = get(&server, "/v1/projects").await;
    assert_eq!(cut.status, StatusCode::OK);
    assert_eq!(cut.number("content-length"), cut.body.len() as u64);
    assert_eq!(cut.body.len(), whole.body.len() / 2);
    assert!(whole.body.starts_with(&cut.body));
    assert!(serde_json::from_slice::<serde_json::Value>(&cut.body).is_err());
}

#[tokio::test]
async fn malformed_json_and_html_pages() {
    let server = server().await;
    server
        .faults()
        .add(FaultRule::new(Fault::MalformedJson).times(1));
    let malformed = get(&server, "/v1/projects").await;
    assert_eq!(malformed.status, StatusCode::OK);
    assert_eq!(malformed.header("content-type"), Some("application/json"));
    assert!(serde_json::from_slice::<serde_json::Value>(&malformed.body).is_err());

    server
        .faults()
        .add(FaultRule::new(Fault::HtmlErrorPage(StatusCode::BAD_GATEWAY)).times(1));
    let html = get(&server, "/v1/projects").await;
    assert_eq!(html.status, StatusCode::BAD_GATEWAY);
    assert_eq!(html.header("content-type"), Some("text/html"));
    assert!(html.body.starts_with(b"<html>"));
    assert_eq!(
        server.journal().last().unwrap().outcome,
        Outcome::Answered(StatusCode::BAD_GATEWAY)
    );
}

#[tokio::test]
async fn rules_match_by_method_operation_and_path() {
    let server = server().await;
    let faults = server.faults();
    faults
        .add(FaultRule::new(Fault::Status(StatusCode::INTERNAL_SERVER_ERROR)).method(Method::POST));
    faults.add(FaultRule::new(Fault::Status(StatusCode::BAD_GATEWAY)).path_prefix("/v1/teams/"));
    let id = faults
        .add(FaultRule::new(Fault::Status(StatusCode::GATEWAY_TIMEOUT)).operation("get.project"));

    assert_eq!(get(&server, "/v1/projects").await.status, StatusCode::OK);
    assert_eq!(
        get(&server, "/v1/teams/t/projects").await.status,
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(
        get(&server, "/v1/projects/p").await.status,
        StatusCode::GATEWAY_TIMEOUT
    );
    let post = call(&server, Method::POST, "/v1/projects").json(&json!({"name": "x"}));
    assert_eq!(post.send().await.status, StatusCode::INTERNAL_SERVER_ERROR);

    assert!(faults.remove(id));
    assert_eq!(
        get(&server, "/v1/projects/p").await.status,
        StatusCode::NOT_FOUND
    );
    faults.clear();
    assert_eq!(
        get(&server, "/v1/teams/t/projects").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn seeded_probabilities_repeat_exactly() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let server = server().await;
        server.faults().add(
            FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE)).probability(0.5, seed),
        );
        let mut hits = Vec::new();
        for _ in 0..40 {
            hits.push(get(&server, "/v1/projects").await.status == StatusCode::SERVICE_UNAVAILABLE);
        }
        hits
    }
    let first = pattern(11).await;
    assert_eq!(first, pattern(11).await);
    let hits = first.iter().filter(|hit| **hit).count();
    assert!((5..=35).contains(&hits), "{hits} of 40 at p = 0.5");
    assert_ne!(first, pattern(12).await, "another seed, another pattern");
}
