//! Rate limiting per token: headers on every answer, 429 with Retry-After past the limit,
//! and a fresh window afterwards.

mod support;

use std::time::Duration;

use http::{Method, StatusCode};
use nf_mock::MockConfig;
use support::{call, get, server, server_with};

#[tokio::test]
async fn every_answer_carries_the_rate_limit_headers() {
    let server = server().await;
    let replies = [
        get(&server, "/v1/projects").await,
        get(&server, "/v1/nothing").await,
        call(&server, Method::PATCH, "/v1/projects").send().await,
        call(&server, Method::POST, "/v1/projects")
            .raw("nope")
            .send()
            .await,
        call(&server, Method::GET, "/v1/projects")
            .token(Some("unknown"))
            .send()
            .await,
    ];
    let mut remaining = Vec::new();
    for reply in &replies {
        assert_eq!(reply.number("x-ratelimit-limit"), 1000, "{}", reply.status);
        let reset = reply.number("x-ratelimit-reset");
        assert!((3599..=3600).contains(&reset), "reset {reset}");
        remaining.push(reply.number("x-ratelimit-remaining"));
    }
    // The four requests of the test token count down; the unknown token has its own count.
    assert_eq!(remaining, [999, 998, 997, 996, 999]);
}

#[tokio::test]
async fn past_the_limit_requests_get_429_until_the_window_ends() {
    // Long enough that a loaded machine still sends the first four requests in one window.
    let window = Duration::from_millis(2500);
    let server = server_with(MockConfig::new().rate_limit(3, window)).await;
    for left in [2, 1, 0] {
        let reply = get(&server, "/v1/projects").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.number("x-ratelimit-remaining"), left);
        let reset = reply.number("x-ratelimit-reset");
        assert!(
            (1..=3).contains(&reset),
            "2.5 s rounds up, then counts down: {reset}"
        );
    }
    let limited = get(&server, "/v1/projects").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_id(), "rate-limited");
    assert_eq!(limited.number("x-ratelimit-remaining"), 0);
    let retry_after = limited.number("retry-after");
    assert!((1..=3).contains(&retry_after), "{retry_after}");

    let other = call(&server, Method::GET, "/v1/projects")
        .token(Some("stranger"))
        .send()
        .await;
    assert_eq!(
        other.status,
        StatusCode::UNAUTHORIZED,
        "other tokens have their own window"
    );

    tokio::time::sleep(window).await;
    let fresh = get(&server, "/v1/projects").await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert_eq!(fresh.number("x-ratelimit-remaining"), 2);
}
