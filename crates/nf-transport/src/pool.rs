//! The connection pool under [`HttpService`](crate::HttpService), over hyper's connection
//! API.
//!
//! An HTTP/1.1 connection carries one exchange at a time, and the task of the call using it
//! drives it: hyper's connection is polled by the call's future while it waits for the
//! response head, then by the response body while it is read. Neither the request nor the
//! response crosses to another task, so an exchange costs no task switch and no wake-up
//! beyond the socket's. The connection goes back to the pool when its response body has been
//! read to the end. An HTTP/2 connection (negotiated by ALPN on TLS), shared by every request
//! to its host, runs in a task of its own. Which protocol an origin speaks is known only once
//! a connection to it is open, so calls made at once to an origin the pool has no connection
//! to yet each open one; after that, HTTP/2 calls share the last connection opened.
//!
//! A pooled connection the server has closed is noticed when it is taken and polled, or when
//! hyper refuses the request on it; the request then goes to another connection, as it
//! never left. Idle connections are closed after the idle timeout by a task that wakes once
//! per timeout and holds the pool only weakly.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::task::AtomicWaker;
use http::Uri;
use http::header::{HOST, HeaderValue};
use http::uri::{Authority, PathAndQuery, Scheme};
use http_body::{Body as _, Frame};
use hyper::client::conn::{TrySendError, http1, http2};
use hyper::rt::{Read, Write};
use hyper_util::client::legacy::connect::Connection;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower_service::Service;

use crate::body::{Body, ResponseBody};
use crate::error::{BoxError, ConfigErrorKind, TransportError};
use crate::{Request, Response};

/// Opens a connection to the origin of a URI and hands back its sender.
type Connect = Box<
    dyn Fn(Uri) -> Pin<Box<dyn Future<Output = Result<Sender, TransportError>> + Send>>
        + Send
        + Sync,
>;

/// A cheap-to-clone handle on the pool.
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    connect: Connect,
    idle_timeout: Option<Duration>,
    /// The origins called, few in practice (the API, now and then a download host): looked
    /// up by comparison, which costs less than hashing the host.
    origins: Mutex<Vec<Arc<OriginPool>>>,
    reaper_started: AtomicBool,
}

/// Where connections go: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: Scheme,
    authority: Authority,
}

/// The pooled connections of one origin. A response body holds it to bring its connection
/// back without looking the origin up again.
pub(crate) struct OriginPool {
    origin: Origin,
    /// The `Host` header of HTTP/1.1 requests to the origin.
    host: HeaderValue,
    connections: Mutex<Connections>,
}

#[derive(Default)]
struct Connections {
    /// HTTP/1.1 connections with no exchange, the most recently used last.
    idle: Vec<Idle>,
    /// The HTTP/2 connection, when the origin negotiated it.
    multiplexed: Option<http2::SendRequest<Body>>,
}

struct Idle {
    connection: Http1,
    since: Instant,
}

/// A connection to send on.
enum Sender {
    Http1(Http1),
    Http2(http2::SendRequest<Body>),
}

/// What the connector hands back, boxed once per connection so the pool has one type.
trait Io: Read + Write + Unpin + Send {}

impl<T: Read + Write + Unpin + Send> Io for T {}

/// An HTTP/1.1 connection: the handle requests are sent through, and hyper's connection,
/// which the task waiting on it polls.
pub(crate) struct Http1 {
    sender: http1::SendRequest<Body>,
    /// `None` once it has ended.
    connection: Option<Pin<Box<Http1Connection>>>,
    signal: Arc<Signal>,
    /// The waker of `signal`, given to everything polled in [`Http1::poll_with`].
    waker: Waker,
}

/// hyper's side of an HTTP/1.1 connection.
type Http1Connection = http1::Connection<Box<dyn Io>, Body>;

/// How many times [`Http1::poll_with`] polls again at once when the connection's progress
/// woke it during a round, before it yields to the runtime instead.
const ROUNDS: usize = 8;

/// The waker of a connection's exchanges: it passes wake-ups on to the task driving the
/// connection, except those that come while that task is polling it, which only make it
/// poll again at once.
///
/// hyper's side of a connection wakes what waits on it (the sender's readiness, the response
/// head, the body's frames) while the connection is driven, in the same task. Passed on,
/// such a wake-up would make tokio requeue the running task and wake another worker to take
/// it: a thread woken for nothing, on every exchange.
struct Signal {
    state: AtomicU8,
    task: AtomicWaker,
}

/// [`Signal::state`]: no poll under way.
const IDLE: u8 = 0;
/// A poll is under way.
const POLLING: u8 = 1;
/// A poll is under way and something woke it.
const WOKEN: u8 = 2;

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Either the poll under way sees the mark when it ends, or it has ended and the
        // task is woken: a wake-up is never lost.
        match self
            .state
            .compare_exchange(POLLING, WOKEN, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) | Err(WOKEN) => {}
            Err(_) => self.task.wake(),
        }
    }
}

impl Http1 {
    fn new(sender: http1::SendRequest<Body>, connection: Http1Connection) -> Self {
        let signal = Arc::new(Signal {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        Self {
            sender,
            connection: Some(Box::pin(connection)),
            waker: Waker::from(signal.clone()),
            signal,
        }
    }

    /// Drives the connection (hyper reads and writes what it can) and then polls `poll`,
    /// something the connection completes, until `poll` is ready or nothing moved; see
    /// [`Signal`] for the waker both get.
    fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut poll: impl FnMut(&mut http1::SendRequest<Body>, &mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.signal.task.register(cx.waker());
        let mut inner = Context::from_waker(&self.waker);
        for _ in 0..ROUNDS {
            self.signal.state.store(POLLING, Ordering::Release);
            if let Some(connection) = &mut self.connection
                && let Poll::Ready(outcome) = connection.as_mut().poll(&mut inner)
            {
                if let Err(error) = outcome {
                    tracing::debug!(%error, "HTTP/1.1 connection ended with an error");
                }
                self.connection = None;
            }
            let polled = poll(&mut self.sender, &mut inner);
            let woken = self.signal.state.swap(IDLE, Ordering::AcqRel) == WOKEN;
            if polled.is_ready() || !woken {
                return polled;
            }
        }
        // Still moving: go round the runtime's queue, so other tasks get their turn.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Runs `f` on the sender with wake-ups of the connection held back: for what the
    /// caller follows at once with [`Http1::poll_with`], which drives the connection and
    /// polls what it completes whatever woke.
    fn quietly<T>(&mut self, f: impl FnOnce(&mut http1::SendRequest<Body>) -> T) -> T {
        self.signal.state.store(POLLING, Ordering::Release);
        let out = f(&mut self.sender);
        self.signal.state.store(IDLE, Ordering::Release);
        out
    }

    /// Whether the connection may carry another exchange.
    fn is_open(&self) -> bool {
        self.connection.is_some() && !self.sender.is_closed()
    }
}

impl Pool {
    /// A pool opening its connections with `connector` (hyper-util's connector, or a TLS
    /// connector over it); idle HTTP/1.1 connections are closed after `idle_timeout`.
    pub(crate) fn new<C, T>(connector: C, idle_timeout: Option<Duration>) -> Self
    where
        C: Service<Uri, Response = T> + Clone + Send + Sync + 'static,
        C::Future: Send + 'static,
        C::Error: Into<BoxError>,
        T: Read + Write + Connection + Unpin + Send + 'static,
    {
        let connect: Connect = Box::new(move |uri| Box::pin(open(connector.clone(), uri)));
        Self {
            shared: Arc::new(Shared {
                connect,
                idle_timeout,
                origins: Mutex::new(Vec::new()),
                reaper_started: AtomicBool::new(false),
            }),
        }
    }

    /// Sends `request`, whose URI must be absolute, on a pooled or a new connection.
    pub(crate) fn send(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response, TransportError>> + Send + 'static {
        Shared::send(self.shared.clone(), request)
    }

    /// How many HTTP/1.1 connections wait idle for `uri`'s origin.
    #[cfg(test)]
    fn idle_count(&self, uri: &Uri) -> usize {
        let origin = self.shared.origin_pool(uri).ok();
        origin.map_or(0, |pool| pool.connections().idle.len())
    }
}

impl Origin {
    /// The `Host` header HTTP/1.1 needs: the host, and the port unless it is the scheme's
    /// default.
    fn host_header(&self) -> Result<HeaderValue, TransportError> {
        let default_port = match self.scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        };
        let value = match self.authority.port_u16() {
            Some(port) if Some(port) != default_port => {
                HeaderValue::from_str(&format!("{}:{port}", self.authority.host()))
            }
            _ => HeaderValue::from_str(self.authority.host()),
        };
        value.map_err(|_| TransportError::config(ConfigErrorKind::InvalidRequestUri))
    }
}

/// Locks `mutex`, whose content (connections and timestamps) stays valid whatever a
/// panicking holder did.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl OriginPool {
    fn connections(&self) -> MutexGuard<'_, Connections> {
        lock(&self.connections)
    }

    /// A pooled connection that the server has not closed, if there is one.
    fn take(&self, idle_timeout: Option<Duration>) -> Option<Sender> {
        let mut connections = self.connections();
        if let Some(shared) = &connections.multiplexed {
            if !shared.is_closed() {
                return Some(Sender::Http2(shared.clone()));
            }
            connections.multiplexed = None;
        }
        // The most recent connection is the likeliest to be open; when it has outlived the
        // idle timeout, so have all the older ones.
        if let Some(last) = connections.idle.last()
            && idle_timeout.is_some_and(|timeout| last.since.elapsed() >= timeout)
        {
            connections.idle.clear();
        }
        while let Some(idle) = connections.idle.pop() {
            if idle.connection.is_open() {
                return Some(Sender::Http1(idle.connection));
            }
        }
        None
    }

    fn check_in(&self, connection: Http1) {
        if !connection.is_open() {
            return;
        }
        // Nothing waits on a pooled connection: whoever takes it drives it first.
        connection.signal.task.register(Waker::noop());
        let idle = Idle {
            connection,
            since: Instant::now(),
        };
        self.connections().idle.push(idle);
    }

    fn forget_multiplexed(&self, closed: &http2::SendRequest<Body>) {
        let mut connections = self.connections();
        if connections
            .multiplexed
            .as_ref()
            .is_some_and(|shared| shared.is_closed() || closed.is_closed())
        {
            connections.multiplexed = None;
        }
    }

    /// Drops connections idle for `timeout` or closed; whether any connection is left.
    fn prune(&self, timeout: Duration) -> bool {
        let mut connections = self.connections();
        connections
            .idle
            .retain(|idle| idle.since.elapsed() < timeout && idle.connection.is_open());
        if connections
            .multiplexed
            .as_ref()
            .is_some_and(http2::SendRequest::is_closed)
        {
            connections.multiplexed = None;
        }
        !connections.idle.is_empty() || connections.multiplexed.is_some()
    }
}

impl Shared {
    /// The pool of `uri`'s origin, made on first use.
    fn origin_pool(&self, uri: &Uri) -> Result<Arc<OriginPool>, TransportError> {
        let invalid = || TransportError::config(ConfigErrorKind::InvalidRequestUri);
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(invalid());
        };
        let mut origins = lock(&self.origins);
        let known = origins
            .iter()
            .find(|pool| pool.origin.authority == *authority && pool.origin.scheme == *scheme);
        if let Some(pool) = known {
            return Ok(pool.clone());
        }
        let origin = Origin {
            scheme: scheme.clone(),
            authority: authority.clone(),
        };
        let pool = Arc::new(OriginPool {
            host: origin.host_header()?,
            origin,
            connections: Mutex::default(),
        });
        origins.push(pool.clone());
        Ok(pool)
    }

    async fn send(self: Arc<Self>, mut request: Request) -> Result<Response, TransportError> {
        let pool = self.origin_pool(request.uri())?;
        loop {
            let (sender, reused) = match pool.take(self.idle_timeout) {
                Some(sender) => (sender, true),
                None => (self.open(&pool, request.uri().clone()).await?, false),
            };
            let outcome = match sender {
                Sender::Http2(sender) => send_http2(&pool, sender, request).await,
                Sender::Http1(sender) => send_http1(&pool, sender, request).await,
            };
            match outcome {
                Ok(response) => return Ok(response),
                // A connection found closed before the request went out: it never left,
                // so another connection may carry it, or a new one.
                Err(Unsent::Closed(unsent, _)) if reused => request = unsent,
                Err(Unsent::Closed(_, error)) => return Err(TransportError::connect(error)),
                Err(Unsent::Failed(error)) => return Err(error),
            }
        }
    }

    /// Opens a connection; an HTTP/2 one is shared at once with the requests that follow.
    async fn open(self: &Arc<Self>, pool: &OriginPool, uri: Uri) -> Result<Sender, TransportError> {
        self.start_reaper();
        let sender = (self.connect)(uri).await?;
        if let Sender::Http2(shared) = &sender {
            pool.connections().multiplexed = Some(shared.clone());
        }
        Ok(sender)
    }

    /// Starts, once per pool, the task that closes connections idle for longer than the
    /// timeout.
    fn start_reaper(self: &Arc<Self>) {
        let Some(timeout) = self.idle_timeout else {
            return;
        };
        if self.reaper_started.swap(true, Ordering::Relaxed) {
            return;
        }
        tokio::spawn(reap(Arc::downgrade(self), timeout));
    }
}

async fn send_http1(
    pool: &Arc<OriginPool>,
    mut connection: Http1,
    mut request: Request,
) -> Result<Response, Unsent> {
    // A connection just back from an exchange may still be finishing it; a closed one is
    // found here, and the request goes elsewhere.
    let ready = poll_fn(|cx| connection.poll_with(cx, |sender, cx| sender.poll_ready(cx))).await;
    if let Err(error) = ready {
        return Err(Unsent::Closed(request, error));
    }
    if !request.headers().contains_key(HOST) {
        request.headers_mut().insert(HOST, pool.host.clone());
    }
    // HTTP/1.1 asks for the path and query alone; the absolute form is kept in case the
    // request has to go to another connection.
    let relative = origin_form(request.uri());
    let absolute = std::mem::replace(request.uri_mut(), relative);
    let mut exchange = pin!(connection.quietly(|sender| sender.try_send_request(request)));
    let outcome = poll_fn(|cx| connection.poll_with(cx, |_, cx| exchange.as_mut().poll(cx))).await;
    match outcome {
        Ok(response) => {
            let checkin = Checkin {
                connection: Some(connection),
                pool: pool.clone(),
            };
            Ok(response.map(|body| ResponseBody::pooled(body, checkin)))
        }
        Err(error) => Err(Unsent::from_try_send(error, |unsent| {
            *unsent.uri_mut() = absolute;
        })),
    }
}

async fn send_http2(
    pool: &OriginPool,
    mut sender: http2::SendRequest<Body>,
    request: Request,
) -> Result<Response, Unsent> {
    if let Err(error) = sender.ready().await {
        pool.forget_multiplexed(&sender);
        return Err(Unsent::Closed(request, error));
    }
    match sender.try_send_request(request).await {
        Ok(response) => Ok(response.map(ResponseBody::hyper)),
        Err(error) => {
            let unsent = Unsent::from_try_send(error, |_| {});
            if matches!(unsent, Unsent::Closed(..)) {
                pool.forget_multiplexed(&sender);
            }
            Err(unsent)
        }
    }
}

/// Closes idle connections older than `timeout`, waking once per `timeout`, until the pool
/// is dropped. An origin with no connection left is forgotten unless a call holds it.
async fn reap(pool: Weak<Shared>, timeout: Duration) {
    loop {
        tokio::time::sleep(timeout).await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        lock(&pool.origins).retain(|origin| origin.prune(timeout) || Arc::strong_count(origin) > 1);
    }
}

/// Why a request got no response from a connection.
enum Unsent {
    /// The connection was closed before the request was written: the request, to send on
    /// another connection, and hyper's error.
    Closed(Request, hyper::Error),
    /// Anything else, including a failure after the request may have been written.
    Failed(TransportError),
}

impl Unsent {
    fn from_try_send(mut error: TrySendError<Request>, restore: impl FnOnce(&mut Request)) -> Self {
        match error.take_message() {
            Some(mut unsent) => {
                restore(&mut unsent);
                Self::Closed(unsent, error.into_error())
            }
            None => Self::Failed(TransportError::io(error.into_error())),
        }
    }
}

/// `uri` as HTTP/1.1 sends it to an origin server: its path and query.
fn origin_form(uri: &Uri) -> Uri {
    match uri.path_and_query() {
        Some(path) if path.as_str() != "/" => Uri::from(path.clone()),
        _ => Uri::from(PathAndQuery::from_static("/")),
    }
}

/// Connects to `uri`'s origin and shakes hands in the protocol the TLS layer negotiated: an
/// HTTP/2 connection is left to a task of its own, an HTTP/1.1 one to the calls that use it.
async fn open<C, T>(mut connector: C, uri: Uri) -> Result<Sender, TransportError>
where
    C: Service<Uri, Response = T> + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
    T: Read + Write + Connection + Unpin + Send + 'static,
{
    poll_fn(|cx| connector.poll_ready(cx))
        .await
        .map_err(|error| connect_error(error.into()))?;
    let io = connector
        .call(uri)
        .await
        .map_err(|error| connect_error(error.into()))?;

    if io.connected().is_negotiated_h2() {
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .handshake(io)
            .await
            .map_err(TransportError::connect)?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "HTTP/2 connection ended with an error");
            }
        });
        return Ok(Sender::Http2(sender));
    }
    let io: Box<dyn Io> = Box::new(io);
    let (sender, connection) = http1::handshake(io)
        .await
        .map_err(TransportError::connect)?;
    Ok(Sender::Http1(Http1::new(sender, connection)))
}

/// A failure to connect: a certificate rustls rejected is told apart, as another attempt
/// would be rejected again.
fn connect_error(error: BoxError) -> TransportError {
    if crate::tls::is_certificate_rejection(&*error) {
        TransportError::certificate(error)
    } else {
        TransportError::connect(error)
    }
}

/// The HTTP/1.1 connection a response body arrives on: the body drives it while it is read,
/// and returns it to the pool once it has been read to the end. Dropped earlier, the
/// connection is closed with it, as the rest of the body would be in the way of the next
/// exchange.
pub(crate) struct Checkin {
    connection: Option<Http1>,
    pool: Arc<OriginPool>,
}

impl Checkin {
    /// Polls `body` as [`Http1::poll_with`] does, driving the connection first; once the
    /// connection has gone back to the pool, the body alone.
    pub(crate) fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
        body: &mut hyper::body::Incoming,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match &mut self.connection {
            Some(connection) => {
                connection.poll_with(cx, |_, cx| Pin::new(&mut *body).poll_frame(cx))
            }
            None => Pin::new(body).poll_frame(cx),
        }
    }

    /// Hands the connection back: the body it carried has been read whole.
    pub(crate) fn release(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.pool.check_in(connection);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

    use http::Method;
    use http_body_util::BodyExt as _;
    use hyper_util::client::legacy::connect::HttpConnector;
    use nf_testkit::{Reply, TestServer};

    use super::*;

    fn request(method: Method, url: &str) -> Request {
        let mut request = http::Request::new(Body::from("{}"));
        *request.method_mut() = method;
        *request.uri_mut() = url.parse().expect("a URL");
        request
    }

    fn pool() -> Pool {
        Pool::new(HttpConnector::new(), Some(Duration::from_secs(90)))
    }

    async fn read(response: Response) -> Vec<u8> {
        let body = response.into_body().collect().await.expect("a body");
        body.to_bytes().to_vec()
    }

    /// A GET of `url` through `pool`, its body read whole.
    async fn get(pool: &Pool, url: &str) -> Vec<u8> {
        read(
            pool.send(request(Method::GET, url))
                .await
                .expect("an answer"),
        )
        .await
    }

    #[test]
    fn requests_go_out_in_origin_form_with_the_right_host() {
        let form = |url: &str| origin_form(&url.parse().expect("a URL")).to_string();
        assert_eq!(
            form("http://h:8080/v1/projects?per_page=5"),
            "/v1/projects?per_page=5"
        );
        assert_eq!(form("http://h"), "/");
        let host = |url: &str| {
            let uri: Uri = url.parse().expect("a URL");
            let origin = Origin {
                scheme: uri.scheme()?.clone(),
                authority: uri.authority()?.clone(),
            };
            Some(origin.host_header().ok())
        };
        let expected = |value| Some(Some(HeaderValue::from_static(value)));
        assert_eq!(host("https://api.example:443/x"), expected("api.example"));
        assert_eq!(host("http://api.example:80/x"), expected("api.example"));
        assert_eq!(host("http://127.0.0.1:8080/"), expected("127.0.0.1:8080"));
        assert_eq!(host("/relative"), None);
    }

    #[tokio::test]
    async fn a_connection_read_to_the_end_carries_the_next_request() {
        let server = TestServer::start(|_, _| Reply::status(200).body("ok")).await;
        let pool = pool();
        let url = format!("{}/v1/projects?per_page=5", server.url());
        let uri: Uri = url.parse().expect("a URL");

        let response = pool
            .send(request(Method::GET, &url))
            .await
            .expect("an answer");
        assert_eq!(pool.idle_count(&uri), 0, "busy until its body is read");
        assert_eq!(read(response).await, b"ok");
        assert_eq!(pool.idle_count(&uri), 1);
        assert_eq!(get(&pool, &url).await, b"ok");

        assert_eq!(server.connections(), 1);
        let received = server.received();
        assert_eq!(received.len(), 2);
        assert_eq!(received[0].target, "/v1/projects?per_page=5");
        let host = format!("127.0.0.1:{}", server.addr().port());
        assert_eq!(received[0].header("host"), Some(host.as_str()));
    }

    #[tokio::test]
    async fn a_body_dropped_unread_takes_its_connection_with_it() {
        let server = TestServer::start(|_, _| Reply::status(200).body("ok")).await;
        let pool = pool();
        let url = server.url();

        let unread = pool
            .send(request(Method::GET, &url))
            .await
            .expect("an answer");
        drop(unread);
        assert_eq!(get(&pool, &url).await, b"ok");
        assert_eq!(server.connections(), 2);
    }

    #[tokio::test]
    async fn a_connection_the_server_closed_is_replaced_without_sending_twice() {
        let server =
            TestServer::start(|_, _| Reply::status(200).header("connection", "close").body("ok"))
                .await;
        let pool = pool();
        let url = server.url();

        for _ in 0..3 {
            let response = pool
                .send(request(Method::POST, &url))
                .await
                .expect("an answer");
            assert_eq!(read(response).await, b"ok");
        }
        assert_eq!(server.count(), 3, "each POST reached the server once");
        assert_eq!(server.connections(), 3);
    }

    #[tokio::test]
    async fn many_requests_at_once_each_get_a_connection_and_share_them_after() {
        let server = TestServer::start(|_, _| Reply::status(200).body("ok")).await;
        let pool = pool();
        let url = server.url();
        let uri: Uri = url.parse().expect("a URL");

        let calls = (0..8).map(|_| {
            let pool = pool.clone();
            let url = url.clone();
            async move {
                read(pool.send(request(Method::GET, &url)).await?).await;
                Ok::<_, TransportError>(())
            }
        });
        for outcome in futures_util::future::join_all(calls).await {
            assert!(outcome.is_ok());
        }
        let opened = server.connections();
        assert!(
            (1..=8).contains(&opened),
            "{opened} connections for 8 calls"
        );
        assert_eq!(pool.idle_count(&uri), opened);
        for _ in 0..8 {
            get(&pool, &url).await;
        }
        assert_eq!(
            server.connections(),
            opened,
            "the pooled connections were reused"
        );
    }

    #[tokio::test]
    async fn idle_connections_are_closed_after_the_idle_timeout() {
        let server = TestServer::start(|_, _| Reply::status(200).body("ok")).await;
        let pool = Pool::new(HttpConnector::new(), Some(Duration::from_millis(100)));
        let url = server.url();
        let uri: Uri = url.parse().expect("a URL");

        get(&pool, &url).await;
        assert_eq!(pool.idle_count(&uri), 1);
        // The reaper wakes once per timeout: by its second wake-up, the connection has
        // outlived the timeout; the wait leaves room for a late one.
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(pool.idle_count(&uri), 0);
        get(&pool, &url).await;
        assert_eq!(server.connections(), 2);
    }

    /// A server answering one request per connection, allowing keep-alive, and closing the
    /// connection `linger` later, as a server does when its idle timeout runs out. Counts
    /// the requests it reads.
    async fn closing_server(linger: Duration) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let address = listener.local_addr().expect("an address");
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let counted = counted.clone();
                tokio::spawn(async move {
                    let mut received = Vec::new();
                    let mut buffer = [0; 1024];
                    // The requests of these tests carry a two-byte body.
                    while !received.windows(4).any(|w| w == b"\r\n\r\n")
                        || !received.ends_with(b"{}")
                    {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => received.extend_from_slice(&buffer[..read]),
                        }
                    }
                    counted.fetch_add(1, AtomicOrdering::SeqCst);
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                    let _ = stream.write_all(answer).await;
                    tokio::time::sleep(linger).await;
                });
            }
        });
        (address, requests)
    }

    #[tokio::test]
    async fn a_pooled_connection_the_server_has_since_closed_is_passed_over() {
        let (address, requests) = closing_server(Duration::from_millis(10)).await;
        let pool = pool();
        let url = format!("http://{address}/");
        let uri: Uri = url.parse().expect("a URL");

        for sent in 1..=3 {
            let response = pool
                .send(request(Method::POST, &url))
                .await
                .expect("an answer");
            assert_eq!(read(response).await, b"ok");
            assert_eq!(
                pool.idle_count(&uri),
                1,
                "pooled: the server allowed keep-alive"
            );
            assert_eq!(
                requests.load(AtomicOrdering::SeqCst),
                sent,
                "each POST sent once"
            );
            // The server closes the pooled connection meanwhile.
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streaming_request_body_fed_from_another_task_is_sent_whole() {
        let server = TestServer::start(|_, _| Reply::status(200).body("ok")).await;
        let (feed, chunks) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, BoxError>>(1);
        tokio::spawn(async move {
            for part in ["first ", "second ", "third"] {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let _ = feed.send(Ok(Frame::data(Bytes::from(part)))).await;
            }
        });
        let body = http_body_util::StreamBody::new(futures_util::stream::unfold(
            chunks,
            |mut chunks| async move { chunks.recv().await.map(|chunk| (chunk, chunks)) },
        ));
        let mut request = request(Method::POST, &server.url());
        *request.body_mut() = Body::streaming(body);

        let response = pool().send(request).await.expect("an answer");
        assert_eq!(read(response).await, b"ok");
        assert_eq!(&server.received()[0].body[..], b"first second third");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_body_read_in_another_task_arrives_whole_and_frees_the_connection() {
        let large = vec![b'x'; 3 * 1024 * 1024];
        let served = large.clone();
        let server = TestServer::start(move |_, _| Reply::status(200).body(served.clone())).await;
        let pool = pool();
        let url = server.url();
        let uri: Uri = url.parse().expect("a URL");

        let response = pool
            .send(request(Method::GET, &url))
            .await
            .expect("an answer");
        let body = tokio::spawn(read(response))
            .await
            .expect("the reading task");
        assert_eq!(body.len(), large.len());
        assert!(body == large);
        assert_eq!(pool.idle_count(&uri), 1);
        get(&pool, &url).await;
        assert_eq!(server.connections(), 1);
    }

    #[tokio::test]
    async fn an_unreachable_origin_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let address = listener.local_addr().expect("an address");
        drop(listener);
        let error = pool()
            .send(request(Method::POST, &format!("http://{address}/")))
            .await
            .err();
        assert!(
            matches!(error, Some(TransportError::Connect { .. })),
            "{error:?}"
        );
    }
}
