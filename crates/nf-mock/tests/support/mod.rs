//! Test support: one-shot HTTP/1.1 and HTTP/2 requests to an emulator over loopback.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test file uses part of the support"
)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use nf_mock::{MockConfig, MockServer, ResourceKind};
use nf_types::registry::{BodyKind, OperationInfo, ValueKind};
use serde_json::{Map, Value, json};
use tokio::net::TcpStream;

/// The token every test emulator accepts.
pub const TOKEN: &str = "test-token";

/// An emulator that accepts [`TOKEN`].
pub async fn server() -> MockServer {
    server_with(MockConfig::new()).await
}

/// An emulator on `config` plus [`TOKEN`].
pub async fn server_with(config: MockConfig) -> MockServer {
    MockServer::start(config.token(TOKEN))
        .await
        .expect("the emulator starts")
}

/// A complete answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON; panics with the body text when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `data` member.
    pub fn data(&self) -> Value {
        self.json()["data"].clone()
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// A header as a number.
    pub fn number(&self, name: &str) -> u64 {
        self.header(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("header {name} is a number: {:?}", self.headers))
    }

    /// The error envelope's `id`.
    pub fn error_id(&self) -> String {
        self.json()["error"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("an error envelope: {}", self.json()))
            .to_owned()
    }
}

/// How a request went wrong below HTTP.
#[derive(Debug)]
pub enum Failure {
    /// No answer at all: the connection closed first.
    NoAnswer(hyper::Error),
    /// Status and headers came, the body broke off.
    Body {
        status: StatusCode,
        error: hyper::Error,
    },
}

/// A request under construction.
pub struct Call {
    address: SocketAddr,
    method: Method,
    target: String,
    token: Option<String>,
    body: Option<Bytes>,
    headers: Vec<(&'static str, String)>,
}

/// A request of `method` to `target` (path and query) on `server`, with [`TOKEN`].
pub fn call(server: &MockServer, method: Method, target: &str) -> Call {
    Call {
        address: server.address(),
        method,
        target: target.to_owned(),
        token: Some(TOKEN.to_owned()),
        body: None,
        headers: Vec::new(),
    }
}

/// `GET target` with [`TOKEN`], answered.
pub async fn get(server: &MockServer, target: &str) -> Reply {
    call(server, Method::GET, target).send().await
}

impl Call {
    /// Sends this bearer token instead, or none.
    pub fn token(mut self, token: Option<&str>) -> Self {
        self.token = token.map(str::to_owned);
        self
    }

    /// A JSON body.
    pub fn json(self, body: &Value) -> Self {
        self.raw(body.to_string())
    }

    /// A body of any bytes, sent as `application/json`.
    pub fn raw(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// An extra header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn request(&self) -> Request<Full<Bytes>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(format!("http://{}{}", self.address, self.target))
            .header("host", self.address.to_string());
        if let Some(token) = &self.token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if self.body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        builder
            .body(Full::new(self.body.clone().unwrap_or_default()))
            .expect("a valid request")
    }

    /// Sends it on a new HTTP/1.1 connection; panics unless a whole answer comes back.
    pub async fn send(self) -> Reply {
        match self.try_send().await {
            Ok(reply) => reply,
            Err(failure) => panic!("{} {}: {failure:?}", self.method, self.target),
        }
    }

    /// Sends it on a new HTTP/1.1 connection.
    pub async fn try_send(&self) -> Result<Reply, Failure> {
        let stream = TcpStream::connect(self.address)
            .await
            .expect("the emulator accepts connections");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("an HTTP/1.1 handshake");
        tokio::spawn(connection);
        let response = sender
            .send_request(self.request())
            .await
            .map_err(Failure::NoAnswer)?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|error| Failure::Body {
                status: parts.status,
                error,
            })?
            .to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Sends it over HTTP/2 with prior knowledge.
    pub async fn send_h2(self) -> Reply {
        let stream = TcpStream::connect(self.address)
            .await
            .expect("the emulator accepts connections");
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .expect("an HTTP/2 handshake");
        tokio::spawn(connection);
        let mut request = self.request();
        *request.version_mut() = http::Version::HTTP_2;
        request.headers_mut().remove("host");
        let response = sender
            .send_request(request)
            .await
            .expect("an HTTP/2 answer");
        assert_eq!(response.version(), http::Version::HTTP_2);
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a whole body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// The id every path parameter names, and of every seeded resource.
pub const ID: &str = "example";

/// A value of this kind.
pub fn value(kind: &ValueKind) -> Value {
    match kind {
        ValueKind::Enum(values) => json!(values.first().copied().unwrap_or(ID)),
        ValueKind::Integer | ValueKind::Number => json!(1),
        ValueKind::Boolean => json!(false),
        ValueKind::Array(item) => json!([value(item)]),
        _ => json!(ID),
    }
}

/// The path parameters of the operation's first route, the required query options, and
/// the body.
pub fn arguments(info: &OperationInfo) -> (Value, Value, Option<Value>) {
    let mut params = Map::new();
    for name in info.routes[0].params {
        let kind = info
            .path_params
            .iter()
            .find(|param| param.name == *name)
            .map_or(&ValueKind::String, |param| &param.kind);
        let value = match (*name, kind) {
            ("teamId", _) => json!("acme"),
            (_, ValueKind::Integer | ValueKind::Number) => json!(1),
            _ => json!(ID),
        };
        params.insert((*name).to_owned(), value);
    }
    let mut options = Map::new();
    for option in info.query.iter().filter(|option| option.required) {
        options.insert(option.name.to_owned(), value(&option.kind));
    }
    let body = match info.body {
        BodyKind::None => None,
        _ => {
            let mut body = nf_mock::example_body(info.id).unwrap_or_else(|| json!({}));
            // Creations must not collide with the seeded resources or with each other.
            if let Some(name) = body.get_mut("name").filter(|name| name.is_string()) {
                *name = json!(info.id.replace('.', "-"));
            }
            Some(body)
        }
    };
    (Value::Object(params), Value::Object(options), body)
}

/// Deletions last, and the project's own deletion after everything inside it.
pub fn order(info: &OperationInfo) -> u8 {
    match (info.method == http::Method::DELETE, info.id) {
        (false, _) => 0,
        (true, "delete.project") => 2,
        (true, _) => 1,
    }
}

/// An emulator with a generous rate limit holding a project named [`ID`] and, inside it, a
/// service, job, addon, secret and volume of that name.
pub async fn seeded_server() -> MockServer {
    let config = MockConfig::new().rate_limit(100_000, Duration::from_secs(3600));
    let server = server_with(config).await;
    server
        .seed(ResourceKind::Project, None, json!({"name": ID}))
        .unwrap();
    for kind in ResourceKind::ALL.into_iter().skip(1) {
        server.seed(kind, Some(ID), json!({"name": ID})).unwrap();
    }
    server
}
