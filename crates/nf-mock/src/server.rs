//! The HTTP side: accepting connections, and turning one request into one answer.
//!
//! Order of checks for a request: read the body, route it, count it against its token's rate
//! limit, apply fault rules, then answer 429 past the limit, 401 without an accepted token,
//! 404 or 405 for unknown routes, 400 for bad options or bodies, and finally the operation.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use nf_types::registry::BodyKind;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::catalog::{Behaviour, Catalog, Operation, pagination};
use crate::config::MockConfig;
use crate::cursor::Cursors;
use crate::faults::{Fault, Faults};
use crate::journal::{Journal, JournalEntry, Outcome};
use crate::ratelimit::{RateLimiter, RateState};
use crate::router::Routed;
use crate::schema::Problem;
use crate::store::{Action, ResourceKind, Start, Store, StoreError};

/// How long a shutdown waits for requests in flight before cutting their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long a [`Fault::DropMidBody`] answer waits after its first half, so that the half is
/// written out before the connection closes.
const MID_BODY_PAUSE: Duration = Duration::from_millis(50);

/// The state one emulator's connections share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) catalog: &'static Catalog,
    pub(crate) config: MockConfig,
    pub(crate) store: RwLock<Store>,
    pub(crate) limiter: RateLimiter,
    pub(crate) cursors: Cursors,
    pub(crate) faults: Faults,
    pub(crate) journal: Journal,
}

impl Shared {
    pub(crate) fn new(catalog: &'static Catalog, config: MockConfig) -> Self {
        Self {
            catalog,
            limiter: RateLimiter::new(config.rate_limit, config.rate_window),
            journal: Journal::new(config.journal_capacity),
            store: RwLock::new(Store::default()),
            cursors: Cursors::default(),
            faults: Faults::default(),
            config,
        }
    }

    /// Reads the store; a panic elsewhere while it was held leaves it usable.
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the store.
    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Accepts connections until `shutdown` turns true, then lets requests in flight finish for
/// up to [`SHUTDOWN_GRACE`].
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, shared.clone(), shutdown.clone()));
                }
                Err(error) => {
                    // Out of descriptors or a connection reset while queued: wait a little
                    // instead of spinning, then go on.
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        connections.abort_all();
    }
}

/// Resolves once `shutdown` is true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it before the caller goes on.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Serves one connection, HTTP/1.1 with keep-alive or HTTP/2 (prior knowledge).
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Small answers go out at once instead of waiting for Nagle's delay.
    let _ = stream.set_nodelay(true);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new());
    builder.http2().timer(TokioTimer::new());
    let service = service_fn(move |request| handle(shared.clone(), request));
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stopped(&mut shutdown) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        // Expected after dropped-connection faults and clients that hang up.
        tracing::trace!(%peer, %error, "connection ended with an error");
    }
}

/// The error that makes hyper close a connection (or reset an HTTP/2 stream) on purpose.
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl StdError for Dropped {}

/// The body of every answer: whole, or half and then an error that cuts the connection.
#[derive(Debug)]
pub(crate) struct MockBody {
    state: BodyState,
    size: u64,
}

#[derive(Debug)]
enum BodyState {
    Whole(Option<Bytes>),
    Half {
        first: Option<Bytes>,
        pause: Pin<Box<tokio::time::Sleep>>,
    },
}

impl MockBody {
    fn whole(bytes: Bytes) -> Self {
        Self {
            size: bytes.len() as u64,
            state: BodyState::Whole(Some(bytes)).normalise(),
        }
    }

    fn half_then_drop(bytes: &Bytes) -> Self {
        Self {
            size: bytes.len() as u64,
            state: BodyState::Half {
                first: Some(bytes.slice(..bytes.len() / 2)),
                pause: Box::pin(tokio::time::sleep(MID_BODY_PAUSE)),
            },
        }
    }
}

impl BodyState {
    fn normalise(self) -> Self {
        match self {
            Self::Whole(Some(bytes)) if bytes.is_empty() => Self::Whole(None),
            state => state,
        }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = Dropped;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Dropped>>> {
        match &mut self.state {
            BodyState::Whole(bytes) => {
                Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes))))
            }
            BodyState::Half { first, pause } => {
                if let Some(bytes) = first.take() {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                pause.as_mut().poll(cx).map(|()| Some(Err(Dropped)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.state, BodyState::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.size)
    }
}

/// An answer before it becomes a response.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Answer {
    fn json(body: Bytes) -> Self {
        Self {
            status: StatusCode::OK,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }

    /// `{"data": …}` with `pagination` when given.
    fn data(data: Value, pagination: Option<Value>) -> Self {
        let mut envelope = Map::new();
        envelope.insert("data".to_owned(), data);
        if let Some(pagination) = pagination {
            envelope.insert("pagination".to_owned(), pagination);
        }
        Self::json(to_bytes(&Value::Object(envelope)))
    }
}

/// An error answer in the API's envelope:
/// `{"error": {"status": 404, "id": "not-found", "message": "…", "details": …}}`.
#[derive(Debug)]
pub(crate) struct ApiError(Box<ErrorParts>);

#[derive(Debug)]
struct ErrorParts {
    status: StatusCode,
    id: &'static str,
    message: String,
    details: Option<Value>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    fn new(status: StatusCode, id: &'static str, message: impl Into<String>) -> Self {
        Self(Box::new(ErrorParts {
            status,
            id,
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }))
    }

    fn invalid(problems: &[Problem]) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "validation-error",
            "the request is not valid",
        );
        error.0.details = Some(Value::Array(
            problems.iter().map(Problem::to_json).collect(),
        ));
        error
    }

    fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    fn into_answer(self) -> Answer {
        let parts = *self.0;
        let mut error = Map::new();
        error.insert("status".to_owned(), Value::from(parts.status.as_u16()));
        error.insert("id".to_owned(), Value::String(parts.id.to_owned()));
        error.insert("message".to_owned(), Value::String(parts.message));
        if let Some(details) = parts.details {
            error.insert("details".to_owned(), details);
        }
        let mut envelope = Map::new();
        envelope.insert("error".to_owned(), Value::Object(error));
        Answer {
            status: parts.status,
            content_type: "application/json",
            body: to_bytes(&Value::Object(envelope)),
            headers: parts.headers,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { kind, id } => Self::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("{kind} `{id}` not found"),
            ),
            StoreError::Conflict { kind, id } => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("a {kind} with the id `{id}` already exists"),
            ),
            StoreError::Invalid { path, message } => Self::invalid(&[Problem { path, message }]),
        }
    }
}

fn to_bytes(value: &Value) -> Bytes {
    // Serialising a `Value` cannot fail: its keys are strings and its numbers finite.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

/// Answers one request.
async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<MockBody>, Dropped> {
    let (parts, body) = request.into_parts();
    let received_at = SystemTime::now();
    let (body, too_large) = match Limited::new(body, shared.config.max_body_bytes)
        .collect()
        .await
    {
        Ok(collected) => (collected.to_bytes(), false),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => (Bytes::new(), true),
        // The client went away mid-body: nobody is left to answer.
        Err(_) => return Err(Dropped),
    };

    let path = parts.uri.path();
    let routed = shared.catalog.router.route(&parts.method, path);
    let operation = match &routed {
        Routed::Found { operation, .. } => Some(&shared.catalog.operations[*operation]),
        _ => None,
    };
    let operation_id = operation.map(|operation| operation.info.id);
    let token = bearer(&parts.headers);
    let mut rate = shared.limiter.hit(token.unwrap_or(""), Instant::now());

    let decision = shared.faults.decide(&parts.method, operation_id, path);
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }

    let request = Received {
        method: &parts.method,
        query: parts.uri.query(),
        body: &body,
        token,
        too_large,
    };
    let (answer, mid_body_drop) = match decision.fault {
        None => (answer(&shared, &request, routed, &rate), false),
        Some(Fault::Latency(_)) => (answer(&shared, &request, routed, &rate), false),
        Some(Fault::DropBeforeAnswer) => {
            journal(
                &shared,
                &parts,
                body,
                received_at,
                operation_id,
                Outcome::DroppedBeforeAnswer,
            );
            return Err(Dropped);
        }
        Some(Fault::DropMidBody) => (answer(&shared, &request, routed, &rate), true),
        Some(Fault::TruncatedBody) => {
            let mut whole = answer(&shared, &request, routed, &rate);
            whole.body = whole.body.slice(..whole.body.len() / 2);
            (whole, false)
        }
        Some(Fault::Status(status)) => {
            let message = format!("injected fault: {status}");
            (
                ApiError::new(status, "injected-fault", message).into_answer(),
                false,
            )
        }
        Some(Fault::RateLimited { retry_after }) => {
            rate.remaining = 0;
            rate.reset = retry_after;
            let error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "too many requests (injected fault)",
            )
            .header(header::RETRY_AFTER, HeaderValue::from(retry_after));
            (error.into_answer(), false)
        }
        Some(Fault::MalformedJson) => (
            Answer::json(Bytes::from_static(b"{\"data\": {\"id\": 'not json', }")),
            false,
        ),
        Some(Fault::HtmlErrorPage(status)) => (html_page(status), false),
    };

    let outcome = if mid_body_drop {
        Outcome::DroppedMidBody(answer.status)
    } else {
        Outcome::Answered(answer.status)
    };
    tracing::debug!(
        http.method = %parts.method,
        http.url = %parts.uri,
        http.status_code = answer.status.as_u16(),
        nf.operation = operation_id.unwrap_or(""),
        ratelimit.remaining = rate.remaining,
        "answered"
    );
    let response = response(answer, &rate, mid_body_drop);
    journal(&shared, &parts, body, received_at, operation_id, outcome);
    Ok(response)
}

/// What [`answer`] needs of the request besides its route.
struct Received<'a> {
    method: &'a Method,
    query: Option<&'a str>,
    body: &'a Bytes,
    token: Option<&'a str>,
    too_large: bool,
}

/// The normal answer, without faults.
fn answer(shared: &Shared, request: &Received<'_>, routed: Routed, rate: &RateState) -> Answer {
    let result = (|| {
        if rate.exceeded {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!("rate limit of {} requests exceeded", rate.limit),
            )
            .header(header::RETRY_AFTER, HeaderValue::from(rate.reset.max(1))));
        }
        let authorized = match request.token {
            None => false,
            Some(token) => shared.config.tokens.is_empty() || shared.config.tokens.contains(token),
        };
        if !authorized {
            let message = match request.token {
                None => "a bearer token is required",
                Some(_) => "the bearer token is not valid",
            };
            return Err(
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
                    .header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")),
            );
        }
        match routed {
            Routed::NotFound => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "route-not-found",
                "no API route has this path",
            )),
            Routed::MethodNotAllowed(allowed) => {
                let allow = allowed
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                let message = format!("{} is not allowed here; allowed: {allow}", request.method);
                let error = ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method-not-allowed",
                    message,
                );
                Err(match HeaderValue::from_str(&allow) {
                    Ok(value) => error.header(header::ALLOW, value),
                    Err(_) => error,
                })
            }
            Routed::Found { operation, params } => {
                if request.too_large {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload-too-large",
                        format!(
                            "bodies are limited to {} bytes",
                            shared.config.max_body_bytes
                        ),
                    ));
                }
                run(
                    shared,
                    &shared.catalog.operations[operation],
                    &params,
                    request,
                )
            }
        }
    })();
    result.unwrap_or_else(ApiError::into_answer)
}

/// Pagination options of one request.
struct Paging {
    per_page: usize,
    cursor: Option<String>,
    page: Option<usize>,
}

/// Runs an operation: checks options and body, then answers from state or canned data.
fn run(
    shared: &Shared,
    operation: &Operation,
    params: &[(&'static str, String)],
    request: &Received<'_>,
) -> Result<Answer, ApiError> {
    let query = query_pairs(request.query.unwrap_or(""));
    let mut problems = Vec::new();
    for option in operation.info.query {
        if option.required && !query.iter().any(|(name, _)| name == option.name) {
            problems.push(Problem {
                path: format!("query.{}", option.name),
                message: "is required".to_owned(),
            });
        }
    }

    let data = match operation.info.body {
        BodyKind::None => None,
        kind if request.body.iter().all(u8::is_ascii_whitespace) => {
            if kind == BodyKind::Required {
                problems.push(Problem {
                    path: "body".to_owned(),
                    message: "is required".to_owned(),
                });
            }
            None
        }
        _ => match serde_json::from_slice::<Value>(request.body) {
            Ok(value) => {
                if let Some(schema) = &operation.body {
                    schema.validate(&value, "body", &mut problems);
                }
                Some(value)
            }
            Err(error) => {
                problems.push(Problem {
                    path: "body".to_owned(),
                    message: format!("is not JSON: {error}"),
                });
                None
            }
        },
    };

    let paging = operation
        .info
        .paginated
        .then(|| paging(&query, &shared.config, &mut problems));
    if !problems.is_empty() {
        return Err(ApiError::invalid(&problems));
    }

    match &operation.behaviour {
        Behaviour::Canned(body) => {
            // Canned pages are single last pages: no cursor of theirs was ever issued.
            if paging
                .as_ref()
                .is_some_and(|paging| paging.cursor.is_some())
            {
                return Err(invalid_cursor());
            }
            Ok(Answer::json(body.clone()))
        }
        &Behaviour::Resource {
            kind,
            action,
            fixed,
        } => resource(shared, operation, kind, action, fixed, params, data, paging),
    }
}

fn paging(query: &[(String, String)], config: &MockConfig, problems: &mut Vec<Problem>) -> Paging {
    let value = |names: &[&str]| {
        query
            .iter()
            .find(|(name, _)| names.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
    };
    let max = config.max_page_size as usize;
    let per_page = match value(&["per_page", "perPage"]) {
        None => config.default_page_size as usize,
        Some((name, text)) => match text.parse::<usize>() {
            Ok(size) if (1..=max).contains(&size) => size,
            _ => {
                problems.push(Problem {
                    path: format!("query.{name}"),
                    message: format!("must be an integer from 1 to {max}"),
                });
                0
            }
        },
    };
    let page = match value(&["page"]) {
        None => None,
        Some((_, text)) => match text.parse::<usize>() {
            Ok(page) if page >= 1 => Some(page),
            _ => {
                problems.push(Problem {
                    path: "query.page".to_owned(),
                    message: "must be an integer of 1 or more".to_owned(),
                });
                None
            }
        },
    };
    Paging {
        per_page,
        cursor: value(&["cursor"]).map(|(_, cursor)| cursor),
        page,
    }
}

fn invalid_cursor() -> ApiError {
    ApiError::invalid(&[Problem {
        path: "query.cursor".to_owned(),
        message: "is not a cursor of this listing".to_owned(),
    }])
}

/// Answers a stateful operation.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site, every value is needed"
)]
fn resource(
    shared: &Shared,
    operation: &Operation,
    kind: ResourceKind,
    action: Action,
    fixed: Option<(&'static str, &'static str)>,
    params: &[(&'static str, String)],
    data: Option<Value>,
    paging: Option<Paging>,
) -> Result<Answer, ApiError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    };
    let missing = |name: &str| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("route of `{}` lacks `{name}`", operation.info.id),
        )
    };
    let project = match kind {
        ResourceKind::Project => None,
        _ => Some(param("projectId").ok_or_else(|| missing("projectId"))?),
    };
    let id = || param(kind.id_param()).ok_or_else(|| missing(kind.id_param()));
    let body = data.unwrap_or_else(|| Value::Object(Map::new()));
    let now = SystemTime::now();

    let record = match action {
        Action::Create => shared.write().create(kind, project, &body, fixed, now)?,
        Action::Put => shared.write().put(kind, project, &body, fixed, now)?,
        Action::Get => {
            // Reads are the hot path of benchmarks: the shaped bytes are kept per record.
            let render = |record: &Map<String, Value>| {
                let record = Value::Object(record.clone());
                to_bytes(&match &operation.response {
                    Some(schema) => schema.conform(record, "data"),
                    None => record,
                })
            };
            let data = shared
                .read()
                .render(kind, project, id()?, operation.index, &render)?;
            let mut body = Vec::with_capacity(data.len() + 10);
            body.extend_from_slice(b"{\"data\":");
            body.extend_from_slice(&data);
            body.push(b'}');
            return Ok(Answer::json(Bytes::from(body)));
        }
        Action::Patch => shared.write().patch(kind, project, id()?, &body, now)?,
        Action::Delete => {
            shared.write().delete(kind, project, id()?)?;
            let data = operation.response.as_ref().map_or_else(
                || Value::Object(Map::new()),
                |schema| schema.example("data"),
            );
            return Ok(Answer::data(data, None));
        }
        Action::List => {
            return list(
                shared,
                operation,
                kind,
                project,
                paging.unwrap_or(Paging {
                    per_page: shared.config.default_page_size as usize,
                    cursor: None,
                    page: None,
                }),
            );
        }
    };
    let record = Value::Object(record);
    let data = match &operation.response {
        Some(schema) => schema.conform(record, "data"),
        None => record,
    };
    Ok(Answer::data(data, None))
}

fn list(
    shared: &Shared,
    operation: &Operation,
    kind: ResourceKind,
    project: Option<&str>,
    paging: Paging,
) -> Result<Answer, ApiError> {
    let scope = format!("{}:{}", operation.info.id, project.unwrap_or(""));
    let start = match (&paging.cursor, paging.page) {
        (Some(cursor), _) => Start::After(
            shared
                .cursors
                .check(&scope, cursor)
                .ok_or_else(invalid_cursor)?,
        ),
        (None, Some(page)) => Start::Skip((page - 1).saturating_mul(paging.per_page)),
        (None, None) => Start::Skip(0),
    };
    let render = |record: &Map<String, Value>| {
        let record = Value::Object(record.clone());
        to_bytes(&match &operation.item {
            Some(schema) => schema.conform(record, "item"),
            None => record,
        })
    };
    let page = shared.read().page(
        kind,
        project,
        start,
        paging.per_page,
        operation.index,
        &render,
    )?;
    let cursor = page
        .next_after
        .map(|after| shared.cursors.issue(&scope, after));
    let count = page.items.len();

    // The envelope is written around the items' kept bytes rather than re-encoding them.
    let size = page.items.iter().map(Bytes::len).sum::<usize>() + page.items.len() + 128;
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(b"{\"data\":");
    match operation.info.items_key {
        // A few listings answer the bare array.
        None => write_items(&mut body, &page.items),
        Some(key) => {
            let mut skeleton = Map::new();
            skeleton.insert(key.to_owned(), Value::Array(Vec::new()));
            let skeleton = match &operation.response {
                Some(schema) => schema.conform(Value::Object(skeleton), "data"),
                None => Value::Object(skeleton),
            };
            let members = match skeleton {
                Value::Object(members) => members,
                _ => Map::new(),
            };
            body.push(b'{');
            write_json(&mut body, &Value::String(key.to_owned()));
            body.push(b':');
            write_items(&mut body, &page.items);
            for (name, value) in members.iter().filter(|(name, _)| *name != key) {
                body.push(b',');
                write_json(&mut body, &Value::String(name.clone()));
                body.push(b':');
                write_json(&mut body, value);
            }
            body.push(b'}');
        }
    }
    body.extend_from_slice(b",\"pagination\":");
    write_json(&mut body, &pagination(cursor.is_some(), cursor, count));
    body.push(b'}');
    Ok(Answer::json(Bytes::from(body)))
}

/// Appends a JSON array of already encoded items.
fn write_items(out: &mut Vec<u8>, items: &[Bytes]) {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
}

/// Appends the JSON encoding of `value`.
fn write_json(out: &mut Vec<u8>, value: &Value) {
    // Writing a `Value` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(out, value);
}

fn html_page(status: StatusCode) -> Answer {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let page = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    Answer {
        status,
        content_type: "text/html",
        body: Bytes::from(page),
        headers: Vec::new(),
    }
}

fn response(answer: Answer, rate: &RateState, mid_body_drop: bool) -> Response<MockBody> {
    let body = if mid_body_drop {
        MockBody::half_then_drop(&answer.body)
    } else {
        MockBody::whole(answer.body.clone())
    };
    let mut response = Response::new(body);
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(answer.content_type),
    );
    if mid_body_drop {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(answer.body.len()));
    }
    headers.insert(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(rate.limit),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(rate.remaining),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-reset"),
        HeaderValue::from(rate.reset),
    );
    for (name, value) in answer.headers {
        headers.insert(name, value);
    }
    response
}

fn journal(
    shared: &Shared,
    parts: &http::request::Parts,
    body: Bytes,
    received_at: SystemTime,
    operation: Option<&'static str>,
    outcome: Outcome,
) {
    if !shared.journal.is_recording() {
        return;
    }
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = if name == header::AUTHORIZATION {
                redact(value)
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    shared.journal.record(JournalEntry {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body,
        received_at,
        operation,
        outcome,
    });
}

/// The scheme of an `Authorization` value, with the credentials replaced.
fn redact(value: &HeaderValue) -> String {
    let text = String::from_utf8_lossy(value.as_bytes());
    match text.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_owned(),
    }
}

/// The bearer token of a request, if it has a non-empty one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Query pairs, percent-decoded; `+` reads as a space, as form decoders read it.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let spaced = text.replace('+', " ");
        percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_and_redaction() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
        assert_eq!(
            redact(&HeaderValue::from_static("Bearer xyz")),
            "Bearer <redacted>"
        );
        assert_eq!(redact(&HeaderValue::from_static("xyz")), "<redacted>");
    }

    #[test]
    fn query_pairs_decode() {
        assert_eq!(
            query_pairs("a=1&b=x%20y+z&&flag&c=%E2%9C%93"),
            [
                ("a".to_owned(), "1".to_owned()),
                ("b".to_owned(), "x y z".to_owned()),
                ("flag".to_owned(), String::new()),
                ("c".to_owned(), "✓".to_owned()),
            ]
        );
    }
}
