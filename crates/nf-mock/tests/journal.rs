//! The journal: what tests can read of each request, with the token kept out.

mod support;

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use nf_mock::Outcome;
use serde_json::json;
use support::{TOKEN, call, get, server};

#[tokio::test]
async fn entries_record_each_request_without_the_token() {
    let server = server().await;
    let before = SystemTime::now();
    call(
        &server,
        Method::POST,
        "/v1/teams/acme/projects?dryRun=true&note=a%20b",
    )
    .header("x-request-id", "r-1")
    .header("user-agent", "nf-test/1")
    .json(&json!({"name": "Journal"}))
    .send()
    .await;
    get(&server, "/v1/nothing").await;
    call(&server, Method::GET, "/v1/projects")
        .token(Some("other"))
        .send()
        .await;

    let entries = server.journal().entries();
    assert_eq!(entries.len(), 3);

    let create = &entries[0];
    assert_eq!(create.method, Method::POST);
    assert_eq!(create.path, "/v1/teams/acme/projects");
    assert_eq!(create.query.as_deref(), Some("dryRun=true&note=a%20b"));
    assert_eq!(create.query_value("note").as_deref(), Some("a b"));
    assert_eq!(create.header("x-request-id"), Some("r-1"));
    assert_eq!(create.header("User-Agent"), Some("nf-test/1"));
    assert_eq!(create.header("authorization"), Some("Bearer <redacted>"));
    assert_eq!(create.json(), Some(json!({"name": "Journal"})));
    assert_eq!(create.operation, Some("create.project"));
    assert_eq!(create.outcome, Outcome::Answered(StatusCode::OK));
    let after = SystemTime::now() + Duration::from_millis(1);
    assert!(before <= create.received_at && create.received_at <= after);

    assert_eq!(entries[1].operation, None);
    assert_eq!(entries[1].outcome.status(), Some(StatusCode::NOT_FOUND));
    assert!(entries[1].body.is_empty());
    assert_eq!(
        entries[2].outcome,
        Outcome::Answered(StatusCode::UNAUTHORIZED)
    );

    let printed = format!("{entries:?}");
    assert!(
        !printed.contains(TOKEN) && !printed.contains("other"),
        "{printed}"
    );

    server.journal().clear();
    assert!(server.journal().is_empty());
    get(&server, "/v1/projects").await;
    assert_eq!(server.journal().take().len(), 1);
    assert!(server.journal().is_empty());
}

#[tokio::test]
async fn the_journal_keeps_only_the_latest_entries() {
    let config = nf_mock::MockConfig::new().journal_capacity(2);
    let server = support::server_with(config).await;
    for path in ["/v1/a", "/v1/b", "/v1/c"] {
        get(&server, path).await;
    }
    let paths: Vec<_> = server
        .journal()
        .entries()
        .into_iter()
        .map(|entry| entry.path)
        .collect();
    assert_eq!(paths, ["/v1/b", "/v1/c"]);

    let silent = support::server_with(nf_mock::MockConfig::new().journal_capacity(0)).await;
    get(&silent, "/v1/projects").await;
    assert!(silent.journal().is_empty());
}
