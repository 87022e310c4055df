//! Test support: the loopback servers of nf-testkit, client builders with the test token,
//! and page bodies of `list.projects`.

#![allow(
    dead_code,
    unused_imports,
    unreachable_pub,
    reason = "each test file uses part of the support"
)]

use nf_client::{ApiClient, ApiClientBuilder, RetryConfig};
use nf_testkit::{AfterResponse, RawServer};
pub use nf_testkit::{Received, Reply, TestServer};
use serde_json::{Value, json};

/// The token the test clients send.
pub const TOKEN: &str = "nf-secret-token-7d41c9";

/// A loopback server that reads one request per connection, writes `response` as raw
/// bytes, then either closes the connection or keeps it open without writing more.
pub async fn raw_server(response: &'static [u8], then_hang: bool) -> String {
    let after = if then_hang {
        AfterResponse::Hang
    } else {
        AfterResponse::Close
    };
    RawServer::start(response, after).await.url()
}

/// A client on `url` with the test token, no retries, and the given settings.
pub fn builder(url: &str) -> ApiClientBuilder {
    ApiClient::builder()
        .token(TOKEN)
        .base_url(url)
        .retry(RetryConfig::disabled())
}

pub fn client(url: &str) -> ApiClient {
    builder(url).build().expect("client")
}

/// One project of a `list.projects` page.
pub fn project(id: &str) -> Value {
    json!({
        "id": id,
        "name": format!("Project {id}"),
        "uid": format!("uid-{id}"),
        "lifecycleStatus": "active",
        "description": "a test project"
    })
}

/// A `list.projects` page holding `ids`, with a next cursor when given.
pub fn page(ids: &[&str], cursor: Option<&str>) -> Value {
    let projects: Vec<Value> = ids.iter().map(|id| project(id)).collect();
    let mut pagination = json!({ "hasNextPage": cursor.is_some(), "count": ids.len() });
    if let Some(cursor) = cursor {
        pagination["cursor"] = json!(cursor);
    }
    json!({ "data": { "projects": projects }, "pagination": pagination })
}

/// A server paging `pages` of `list.projects` by cursor: page `n` answers the cursor
/// `c<n>` (no cursor for the first) and points at `c<n+1>` unless it is the last.
pub async fn paging_server(pages: &'static [&'static [&'static str]]) -> TestServer {
    TestServer::start(move |_, received| {
        let index = match received.query("cursor") {
            None => 0,
            Some(cursor) => cursor
                .trim_start_matches('c')
                .parse::<usize>()
                .unwrap_or(usize::MAX),
        };
        match pages.get(index) {
            Some(ids) => {
                let next = format!("c{}", index + 1);
                let cursor = (index + 1 < pages.len()).then_some(next.as_str());
                Reply::json(200, &page(ids, cursor))
                    .header("x-ratelimit-limit", 1000)
                    .header("x-ratelimit-remaining", 1000 - index)
                    .header("x-ratelimit-reset", 60)
            }
            None => Reply::json(400, &json!({ "error": { "message": "bad cursor" } })),
        }
    })
    .await
}
