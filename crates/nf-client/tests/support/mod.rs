//! Test support: a scripted HTTP/1.1 server on loopback, a raw TCP server for broken
//! responses, and page bodies of `list.projects`.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test file uses part of the support"
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use nf_client::{ApiClient, ApiClientBuilder, RetryConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The token the test clients send.
pub const TOKEN: &str = "nf-secret-token-7d41c9";

/// What the server received for one request.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: http::Method,
    /// Path and query.
    pub target: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Received {
    /// The decoded value of query option `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.replace("%20", " "))
        })
    }
}

/// A scripted response.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    pub fn json(status: u16, body: &Value) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(body.to_string())
    }

    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

type Script = dyn Fn(usize, &Received) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server answering each request as its script says. The script gets
/// the request's index (0 for the first) and the request.
#[derive(Clone)]
pub struct TestServer {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl TestServer {
    pub async fn start(script: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let script: Arc<Script> = Arc::new(script);
        let server = Self {
            addr: listener.local_addr().expect("local address"),
            received: Arc::default(),
        };
        let state = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
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
        let reply = script(index, &received);
        let mut response = http::Response::new(Full::new(reply.body));
        *response.status_mut() = http::StatusCode::from_u16(reply.status).expect("status");
        for (name, value) in reply.headers {
            response
                .headers_mut()
                .append(name, value.parse().expect("header value"));
        }
        Ok(response)
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
}

/// A loopback server that reads one request per connection, writes `response` as raw
/// bytes, then either closes the connection or keeps it open without writing more.
pub async fn raw_server(response: &'static [u8], then_hang: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 64 * 1024];
                let mut read = Vec::new();
                // The request has no body: it ends at the blank line after the headers.
                while !read.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read.extend_from_slice(&buffer[..n]),
                    }
                }
                let _written = stream.write_all(response).await;
                if then_hang {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    format!("http://{addr}")
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
