//! The scripted HTTP server.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use crate::tls::{Alpn, ServerIdentity, TlsSettings};

/// What the server received for one request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Received {
    /// The request method.
    pub method: Method,
    /// The path and query, as sent (`/v1/projects?cursor=c1`).
    pub target: String,
    /// The HTTP version the request came in: `HTTP/2.0` on a TLS connection where ALPN
    /// chose `h2`, `HTTP/1.1` otherwise.
    pub version: Version,
    /// The request headers (for HTTP/2, without pseudo-headers).
    pub headers: HeaderMap,
    /// The whole request body; empty when the client sent none or it could not be read.
    pub body: Bytes,
}

impl Received {
    /// The percent-decoded value of the first query option named `name`, if the target has
    /// one. A `+` is kept as it is: the transport encodes a space as `%20`.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| {
                percent_encoding::percent_decode_str(value)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }

    /// The value of header `name` when it is present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer with this reply.
    Reply(Reply),
    /// Read the whole request, then fail it without an answer: on HTTP/1.1 the connection
    /// is closed, on HTTP/2 the stream is reset. The client cannot tell whether the request
    /// took effect.
    DropAfterRead,
    /// Read the whole request and never answer (until the test's runtime stops).
    Hang,
}

impl From<Reply> for Action {
    fn from(reply: Reply) -> Self {
        Self::Reply(reply)
    }
}

/// A scripted response: status, headers, body, and how long to wait before sending it.
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    delay: Duration,
}

impl Reply {
    /// A reply with `status`, no headers and an empty body.
    ///
    /// # Panics
    /// When `status` is outside `100..=999`.
    pub fn status(status: u16) -> Self {
        let Ok(status) = StatusCode::from_u16(status) else {
            panic!("{status} is not an HTTP status code");
        };
        Self {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: Duration::ZERO,
        }
    }

    /// A reply with `status`, `content-type: application/json` and `body` serialised.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(body.to_string())
    }

    /// Adds a header; a name may be added several times.
    ///
    /// # Panics
    /// When `name` or `value` cannot appear in an HTTP header.
    pub fn header(mut self, name: impl AsRef<str>, value: impl ToString) -> Self {
        let name = name.as_ref();
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            panic!("{name:?} is not a valid header name");
        };
        let value = value.to_string();
        let Ok(value) = HeaderValue::try_from(value.as_str()) else {
            panic!("{value:?} is not a valid value for header {name}");
        };
        self.headers.append(header, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Waits `delay` of real (tokio) time after reading the request, before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// This reply as an [`Action`], for scripts whose branches mix replies and other
    /// actions.
    pub fn action(self) -> Action {
        Action::Reply(self)
    }

    fn into_response(self) -> http::Response<Full<Bytes>> {
        let mut response = http::Response::new(Full::new(self.body));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// A script: given the index of a request (0 for the first the server received, counted
/// over all connections) and the request, what to do.
type Script = dyn Fn(usize, &Received) -> Action + Send + Sync;

/// State shared by the handles of one server and its connection tasks.
struct Shared {
    script: Box<Script>,
    received: Mutex<Vec<Received>>,
    connections: AtomicUsize,
    drop_before_read: AtomicUsize,
    handshake_failures: AtomicUsize,
}

impl Shared {
    fn received(&self) -> MutexGuard<'_, Vec<Received>> {
        // A test that panicked while holding the lock leaves a usable list behind.
        self.received.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A scripted HTTP server on loopback.
///
/// Each request is read whole, recorded, then answered as the script says. Handles are
/// cheap clones of one server. Start one with [`TestServer::start`] (plain HTTP/1.1) or
/// [`TestServer::builder`] (a fixed address, TLS).
#[derive(Clone)]
pub struct TestServer {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
}

impl fmt::Debug for TestServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .field("requests", &self.count())
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

/// Configures a [`TestServer`] before it starts.
#[derive(Debug, Default)]
pub struct ServerBuilder {
    addr: Option<SocketAddr>,
    tls: Option<TlsSettings>,
}

impl ServerBuilder {
    /// Listens on `addr` instead of an ephemeral port of `127.0.0.1`: to bring a server up
    /// where a connection was just refused.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Serves TLS with `identity`, offering `alpn` in the handshake. A connection whose
    /// client and server agree on `h2` speaks HTTP/2; any other speaks HTTP/1.1.
    pub fn tls(mut self, identity: &ServerIdentity, alpn: Alpn) -> Self {
        self.tls = Some(TlsSettings::new(identity, alpn));
        self
    }

    /// Binds the listener and starts serving with `script`; see [`TestServer::start`].
    ///
    /// # Panics
    /// When the address cannot be bound or the TLS identity is unusable.
    pub async fn start<F, A>(self, script: F) -> TestServer
    where
        F: Fn(usize, &Received) -> A + Send + Sync + 'static,
        A: Into<Action>,
    {
        let addr = self
            .addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = match TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot bind {addr}: {error}"),
        };
        let addr = match listener.local_addr() {
            Ok(addr) => addr,
            Err(error) => panic!("no local address: {error}"),
        };
        let acceptor = self.tls.map(|tls| tls.acceptor());
        let tls = acceptor.is_some();

        let shared = Arc::new(Shared {
            script: Box::new(move |index, received| script(index, received).into()),
            received: Mutex::default(),
            connections: AtomicUsize::new(0),
            drop_before_read: AtomicUsize::new(0),
            handshake_failures: AtomicUsize::new(0),
        });
        tokio::spawn(accept_loop(listener, acceptor, shared.clone()));
        TestServer { addr, tls, shared }
    }
}

impl TestServer {
    /// A plain HTTP/1.1 server on an ephemeral port of `127.0.0.1`, answering each request
    /// as `script` says. The script gets the request's index (0 for the first, counted over
    /// all connections) and the request, and returns a [`Reply`] or any [`Action`].
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start<F, A>(script: F) -> Self
    where
        F: Fn(usize, &Received) -> A + Send + Sync + 'static,
        A: Into<Action>,
    {
        Self::builder().start(script).await
    }

    /// A plain HTTP/1.1 server listening on `addr`; see [`ServerBuilder::bind`].
    ///
    /// # Panics
    /// When `addr` cannot be bound.
    pub async fn start_on<F, A>(addr: SocketAddr, script: F) -> Self
    where
        F: Fn(usize, &Received) -> A + Send + Sync + 'static,
        A: Into<Action>,
    {
        Self::builder().bind(addr).start(script).await
    }

    /// A builder, for a fixed address or TLS.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's base URL: `http://127.0.0.1:<port>`, or `https://` when it serves TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received().clone()
    }

    /// How many requests the server has received.
    pub fn count(&self) -> usize {
        self.shared.received().len()
    }

    /// How many TCP connections the server has accepted, including those it dropped and
    /// those whose TLS handshake failed.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many TLS handshakes failed (the client rejected the certificate, or spoke no
    /// TLS).
    pub fn handshake_failures(&self) -> usize {
        self.shared.handshake_failures.load(Ordering::SeqCst)
    }

    /// Closes the next `n` connections as soon as they are accepted, before reading
    /// anything (and before any TLS handshake).
    pub fn drop_next_connections(&self, n: usize) {
        self.shared.drop_before_read.store(n, Ordering::SeqCst);
    }

    /// Waits until the server has received `n` requests, polling every 10 ms of tokio
    /// time.
    ///
    /// # Panics
    /// When fewer than `n` arrived within 5 s (500 polls).
    pub async fn wait_for_requests(&self, n: usize) {
        for _ in 0..500 {
            if self.count() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("server received {} requests, expected {n}", self.count());
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let dropping = shared
            .drop_before_read
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if dropping {
            drop(stream);
            continue;
        }
        tokio::spawn(connection(stream, acceptor.clone(), shared.clone()));
    }
}

async fn connection(
    stream: TcpStream,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let Some(acceptor) = acceptor else {
        return serve(stream, false, shared).await;
    };
    match acceptor.accept(stream).await {
        Ok(stream) => {
            let http2 = stream.get_ref().1.alpn_protocol() == Some(Alpn::H2);
            serve(stream, http2, shared).await;
        }
        Err(_) => {
            shared.handshake_failures.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Serves one connection until the client closes it.
async fn serve<I>(io: I, http2: bool, shared: Arc<Shared>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| answer(request, shared.clone()));
    let io = TokioIo::new(io);
    // The connection's outcome is the client's business; the test checks what was received.
    let _closed = if http2 {
        hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .serve_connection(io, service)
            .await
    } else {
        hyper::server::conn::http1::Builder::new()
            .serve_connection(io, service)
            .await
    };
}

/// The error that makes hyper end an exchange unanswered.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the script dropped this request")
    }
}

impl std::error::Error for Dropped {}

async fn answer(
    request: http::Request<hyper::body::Incoming>,
    shared: Arc<Shared>,
) -> Result<http::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let received = Received {
        method: parts.method,
        target: parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string),
        version: parts.version,
        headers: parts.headers,
        body,
    };
    let index = {
        let mut all = shared.received();
        all.push(received.clone());
        all.len() - 1
    };

    match (shared.script)(index, &received) {
        Action::Reply(reply) => {
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            Ok(reply.into_response())
        }
        Action::DropAfterRead => Err(Dropped),
        Action::Hang => match std::future::pending::<Infallible>().await {},
    }
}
