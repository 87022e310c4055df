//! The client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use nf_context::{Context, ContextProvider, InMemoryContextProvider, Token, default_chain};
use nf_transport::{
    BaseUrl, BaseUrlSource, Body, BoxError, BoxTransportService, OperationName, RateLimitMode,
    RateLimitState, Request, Response, RetryConfig, SentRequest, Transport, TransportBuilder,
    TransportError,
};
use nf_types::json::{Kind, Reader};
use nf_types::registry::OperationInfo;
use nf_types::{DecodeError, DecodeErrorKind, Json, Operation, Pagination, RequestParts};
use serde_json::Value;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{self, BodyError};
use crate::call::Call;
use crate::error::{ConfigProblem, DecodeCause, Error};
use crate::pages;
use crate::response::{ApiError, ApiResponse, RateLimit, RequestInfo};

/// How a status outside `2xx` reaches the caller; see [`ApiResponse`] for the two shapes.
///
/// ```no_run
/// use nf_client::{ApiClient, ErrorStyle};
/// use nf_types::projects::ListProjectsRequest;
///
/// # async fn example() -> Result<(), nf_client::Error> {
/// let client = ApiClient::builder().error_style(ErrorStyle::Response).build()?;
/// let response = client.send(ListProjectsRequest::new()).await?;
/// if let Some(error) = response.error() {
///     println!("{}: {}", error.status, error.message);
/// } else if let Some(data) = response.data() {
///     println!("{} projects", data.projects.len());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ErrorStyle {
    /// As [`Error::Api`]: `send()` returns `Err`. The default, and the official clients'
    /// `throwErrorOnHttpErrorCode: true`.
    #[default]
    Error,
    /// As a response with [`ApiResponse::error`] set and no data: the official JS client's
    /// default. Streams still end with [`Error::Api`], as an item cannot be an error
    /// response.
    Response,
}

/// The default limit on response bodies: 64 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024 * 1024;

/// The default limit on reading a response body once its headers arrived: 60 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// A client of the Northflank API. Cheap to clone: clones share the connection pool, the
/// rate-limit state and the retry budget.
///
/// `Debug` shows the configuration, never the token.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    base_url: BaseUrlSource,
    error_style: ErrorStyle,
    max_body_size: usize,
    body_timeout: Option<Duration>,
}

impl ApiClient {
    /// A client with the default settings, taking tokens and the API host from `provider`
    /// (the official JS client's `new ApiClient(provider)`).
    ///
    /// # Errors
    /// [`Error::Config`] when the TLS backend cannot start.
    pub fn new(provider: Arc<dyn ContextProvider>) -> Result<Self, Error> {
        Self::builder().provider(provider).build()
    }

    /// A client on the default chain of contexts: `NORTHFLANK_API_TOKEN` or `NF_API_TOKEN`
    /// (with the host from `NORTHFLANK_API_BASE_URL`, `NF_API_HOST` or `NF_HOST`), then the
    /// CLI's current context in `~/.northflank/config.json`. Nothing is read until the first
    /// call, which fails with [`Error::Config`] when no token is found.
    ///
    /// # Errors
    /// [`Error::Config`] when the TLS backend cannot start.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A builder, with the default chain of contexts unless a provider or token is given.
    pub fn builder() -> ApiClientBuilder {
        ApiClientBuilder::new()
    }

    /// A call of the typed request `request`, to adjust and then send, stream or collect.
    pub fn call_typed<Op: Operation>(&self, request: Op) -> Call<Op> {
        Call::new(self.clone(), request)
    }

    /// Sends the typed request `request` and returns its response (one page, for paginated
    /// operations).
    ///
    /// # Errors
    /// See [`Call::send`].
    pub async fn send<Op>(&self, request: Op) -> Result<ApiResponse<Op::Response>, Error>
    where
        Op: Operation,
        Op::Response: Send + 'static,
    {
        let parts = request.to_parts().map_err(|source| Error::Build {
            operation: Op::ID,
            source,
        })?;
        self.send_parts(Op::info(), parts).await
    }

    /// Calls operation `id` (`list.projects`) with JSON values, as the official clients take
    /// them: `parameters` holds the path parameters (`{"teamId": …}`), `options` the query
    /// options (both objects, or `null`) and `data` the body. The request goes through the
    /// same stack, with the same bytes, as the typed request of the same values.
    ///
    /// # Errors
    /// [`Error::Build`] for an unknown operation or values that do not fit it (nothing is
    /// sent); otherwise as [`Call::send`].
    pub async fn call(
        &self,
        id: &str,
        parameters: Value,
        options: Value,
        data: Option<Value>,
    ) -> Result<ApiResponse<Value>, Error> {
        let Some(info) = nf_types::registry::get(id) else {
            return Err(Error::Build {
                operation: "unknown",
                source: nf_types::BuildError::UnknownOperation { id: id.to_owned() },
            });
        };
        let parts = info
            .build(&parameters, &options, data.as_ref())
            .map_err(|source| Error::Build {
                operation: info.id,
                source,
            })?;
        self.send_parts(info, parts).await
    }

    /// The rate-limit state shared by this client and its clones, kept up to date from every
    /// response and counting the requests in flight.
    pub fn rate_limit(&self) -> &RateLimitState {
        self.inner.transport.rate_limit()
    }

    /// The transport under the client, to send requests the API's operations do not cover.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// How a status outside `2xx` reaches the caller.
    pub fn error_style(&self) -> ErrorStyle {
        self.inner.error_style
    }

    /// Sends built parts and decodes the response into `T`, attaching a pager when the
    /// operation is paginated.
    pub(crate) async fn send_parts<T>(
        &self,
        info: &'static OperationInfo,
        parts: RequestParts,
    ) -> Result<ApiResponse<T>, Error>
    where
        T: Json + Send + 'static,
    {
        let next = pages::pager::<T>(self, info, &parts);
        let raw = self.execute(parts).await?;
        let response = self.decode::<T>(raw)?;
        Ok(response.with_next(next))
    }

    /// Sends `parts` and reads the whole response body.
    async fn execute(&self, parts: RequestParts) -> Result<RawResponse, Error> {
        // The path's own buffer becomes the URI's, with the query appended: no copy.
        let mut path = parts.path;
        if !parts.query.is_empty() {
            path.push('?');
            path.push_str(&parts.query);
        }
        let uri = http::Uri::from_maybe_shared(Bytes::from(path))
            .map_err(|error: http::uri::InvalidUri| Error::config(error))?;
        let body = parts.body.map(Bytes::from);
        let mut request = Request::new(body.clone().map_or_else(Body::empty, Body::from));
        *request.method_mut() = parts.method.clone();
        *request.uri_mut() = uri.clone();
        *request.headers_mut() = client_headers(body.is_some());
        request
            .extensions_mut()
            .insert(OperationName(parts.operation));
        if let Some(sent) = &body {
            tracing::trace!(
                nf.operation = parts.operation,
                body.len = sent.len(),
                body = %body::excerpt(sent, body::TRACE_LIMIT),
                "request body"
            );
        }

        let response = self
            .inner
            .transport
            .send(request)
            .await
            .map_err(|error| Error::from_transport(error, None))?;
        let (mut head, response_body) = response.into_parts();

        // The transport recorded the last attempt; a user transport that drops extensions
        // leaves only what the client itself set.
        let (url, sent_headers) = match head.extensions.remove::<SentRequest>() {
            Some(sent) => (sent.url, sent.headers),
            None => (self.absolute_url(&uri), client_headers(body.is_some())),
        };
        let request = RequestInfo {
            operation: parts.operation,
            method: parts.method,
            url,
            headers: sent_headers,
            body,
        };
        let declared = head
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.parse::<u64>().ok());
        let read = body::read(
            response_body,
            declared,
            self.inner.max_body_size,
            self.inner.body_timeout,
        )
        .await;
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                tracing::debug!(
                    nf.operation = request.operation,
                    http.status_code = head.status.as_u16(),
                    limit = self.inner.max_body_size,
                    "response body too large"
                );
                return Err(Error::BodyTooLarge {
                    status: head.status,
                    limit: self.inner.max_body_size,
                    request: Box::new(request),
                });
            }
            Err(BodyError::Timeout(after)) => {
                return Err(Error::Timeout {
                    kind: crate::TimeoutKind::BodyRead,
                    after,
                });
            }
            Err(BodyError::Transport(error)) => {
                return Err(Error::from_transport(error, Some(head.status)));
            }
        };
        tracing::trace!(
            nf.operation = request.operation,
            body.len = bytes.len(),
            body = %body::excerpt(&bytes, body::TRACE_LIMIT),
            "response body"
        );
        Ok(RawResponse {
            status: head.status,
            // The transport's rate-limit layer has read the headers already; a response
            // that did not pass through it is read here.
            rate_limit: head
                .extensions
                .get::<nf_transport::ResponseRateLimit>()
                .map_or_else(
                    || RateLimit::from_headers(&head.headers),
                    RateLimit::from_transport,
                ),
            headers: head.headers,
            body: bytes,
            request,
        })
    }

    /// The URL a path goes to, for requests whose attempt was not recorded.
    fn absolute_url(&self, path: &http::Uri) -> String {
        let text = path.path_and_query().map_or("/", |path| path.as_str());
        self.inner
            .base_url
            .resolve()
            .and_then(|base| base.join(text))
            .map_or_else(|_| text.to_owned(), |uri| uri.to_string())
    }

    /// Reads the envelope of `raw` into a response of `T`, or an error.
    fn decode<T: Json>(&self, raw: RawResponse) -> Result<ApiResponse<T>, Error> {
        let RawResponse {
            status,
            headers,
            body,
            request,
            rate_limit,
        } = raw;
        if !status.is_success() {
            let error = api_error(status, &headers, &body, request.clone(), rate_limit);
            tracing::debug!(
                nf.operation = request.operation,
                http.status_code = status.as_u16(),
                error.id = error.id.as_deref(),
                "API error"
            );
            return match self.inner.error_style {
                ErrorStyle::Error => Err(Error::Api(Box::new(error))),
                ErrorStyle::Response => Ok(ApiResponse::new(
                    Err(Box::new(error)),
                    None,
                    rate_limit,
                    status,
                    headers,
                    request,
                )),
            };
        }

        let fail = |source: DecodeCause, request: RequestInfo| {
            tracing::debug!(
                nf.operation = request.operation,
                http.status_code = status.as_u16(),
                "could not decode the response"
            );
            Error::Decode {
                status,
                snippet: body::snippet(&body),
                request: Box::new(request),
                source,
            }
        };
        let (data, pagination) = match envelope::<T>(&body) {
            Ok(parts) => parts,
            Err(cause) => return Err(fail(cause, request)),
        };
        Ok(ApiResponse::new(
            Ok(data),
            pagination,
            rate_limit,
            status,
            headers,
            request,
        ))
    }
}

/// The headers the client itself sets on a request.
fn client_headers(has_body: bool) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if has_body {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    headers
}

/// A response read whole, before its envelope is decoded.
struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    request: RequestInfo,
    rate_limit: RateLimit,
}

/// The `data` and `pagination` of a `2xx` body, decoded straight from the text.
///
/// Absent or `null` data decodes as `null`, then, if `T` refuses that, as `{}`: so an empty
/// body suits operations that return nothing. Members other than `data` and `pagination`
/// are checked to be JSON and passed over.
fn envelope<T: Json>(body: &[u8]) -> Result<(T, Option<Pagination>), DecodeCause> {
    let mut data = None;
    let mut pagination = None;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let mut reader = Reader::new(body);
        let mut object = match reader.peek().map_err(cause)? {
            Kind::Object => reader.object().map_err(cause)?,
            _ => {
                // Anything else that is JSON is not an envelope; text that is not JSON says so.
                reader.skip().and_then(|()| reader.end()).map_err(cause)?;
                return Err(DecodeCause::NotAnEnvelope);
            }
        };
        while let Some(key) = object.next_key(&mut reader).map_err(cause)? {
            match &*key {
                "data" => data = Option::<T>::decode(&mut reader).map_err(cause)?,
                "pagination" => {
                    pagination = Option::<Pagination>::decode(&mut reader).map_err(cause)?;
                }
                _ => reader.skip().map_err(cause)?,
            }
        }
        reader.end().map_err(cause)?;
    }
    let data = match data {
        Some(data) => data,
        None => nf_types::json::from_slice::<T>(b"null")
            .or_else(|_| nf_types::json::from_slice::<T>(b"{}"))
            .map_err(|_| DecodeCause::MissingData)?,
    };
    Ok((data, pagination))
}

/// The cause of a decoding error: text that is not JSON, or JSON of the wrong shape.
fn cause(error: DecodeError) -> DecodeCause {
    match *error.kind() {
        DecodeErrorKind::Syntax { line, column, .. } => DecodeCause::NotJson { line, column },
        _ => DecodeCause::Shape(error),
    }
}

/// The API error of a status outside `2xx`: the envelope's `error` when the body has one,
/// else the start of the body.
fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    request: RequestInfo,
    rate_limit: RateLimit,
) -> ApiError {
    let mut error = ApiError {
        status,
        message: String::new(),
        id: None,
        details: None,
        body_snippet: None,
        rate_limit,
        headers: headers.clone(),
        request,
    };
    let member = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut members)) => members.remove("error"),
        _ => None,
    };
    match member {
        Some(Value::Object(mut members)) => {
            if let Some(Value::String(message)) = members.remove("message") {
                error.message = message;
            }
            error.id = match members.remove("id") {
                Some(Value::String(id)) => Some(id),
                Some(Value::Number(id)) => Some(id.to_string()),
                _ => None,
            };
            error.details = members.remove("details").filter(|value| !value.is_null());
        }
        Some(Value::String(message)) => error.message = message,
        _ if body.is_empty() => {}
        _ => error.body_snippet = Some(body::snippet(body)),
    }
    error
}

type TransportStep = Box<dyn FnOnce(TransportBuilder) -> TransportBuilder + Send + Sync>;

/// Configures and builds an [`ApiClient`].
///
/// Without [`provider`](Self::provider) or [`token`](Self::token), tokens come from the
/// default chain ([`ApiClient::from_env`]). The transport's defaults apply unless changed:
/// 10 s to connect, 30 s per attempt, 120 s per call up to the response headers, retries
/// per [`RetryConfig::default`], waiting up to 60 s for a spent rate limit; then the body is
/// read within [`DEFAULT_BODY_TIMEOUT`] and [`DEFAULT_MAX_BODY_SIZE`].
pub struct ApiClientBuilder {
    provider: Option<Arc<dyn ContextProvider>>,
    token: Option<Token>,
    base_url: Option<String>,
    error_style: ErrorStyle,
    max_body_size: usize,
    body_timeout: Option<Duration>,
    steps: Vec<TransportStep>,
}

impl ApiClientBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self {
            provider: None,
            token: None,
            base_url: None,
            error_style: ErrorStyle::default(),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            body_timeout: Some(DEFAULT_BODY_TIMEOUT),
            steps: Vec::new(),
        }
    }

    /// Takes tokens, and the API host unless [`base_url`](Self::base_url) is set, from
    /// `provider`, read for every attempt. Replaces a [`token`](Self::token).
    #[must_use]
    pub fn provider(mut self, provider: Arc<dyn ContextProvider>) -> Self {
        self.provider = Some(provider);
        self.token = None;
        self
    }

    /// Uses this token, on [`base_url`](Self::base_url) or `https://api.northflank.com`.
    /// Replaces a [`provider`](Self::provider).
    #[must_use]
    pub fn token(mut self, token: impl Into<Token>) -> Self {
        self.token = Some(token.into());
        self.provider = None;
        self
    }

    /// Fixes the API base URL (`https://api.northflank.com`, or one with a path prefix such
    /// as `http://127.0.0.1:8080/api`) instead of reading the provider's host.
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Appends ` (<suffix>)` to the `User-Agent` (`northflank-rs/<version>`), to name the
    /// application.
    #[must_use]
    pub fn user_agent_suffix(self, suffix: impl Into<String>) -> Self {
        let suffix = suffix.into();
        self.step(move |builder| builder.user_agent_suffix(suffix))
    }

    /// How a status outside `2xx` reaches the caller; [`ErrorStyle::Error`] by default.
    #[must_use]
    pub fn error_style(mut self, style: ErrorStyle) -> Self {
        self.error_style = style;
        self
    }

    /// The largest response body read, in bytes; a larger one fails with
    /// [`Error::BodyTooLarge`]. [`DEFAULT_MAX_BODY_SIZE`] unless set.
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The longest reading a response body may take once its headers arrived; `None` for
    /// no limit. [`DEFAULT_BODY_TIMEOUT`] unless set.
    #[must_use]
    pub fn body_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The TCP connect timeout; `None` for the operating system's.
    #[must_use]
    pub fn connect_timeout(self, timeout: Option<Duration>) -> Self {
        self.step(move |builder| builder.connect_timeout(timeout))
    }

    /// The longest one attempt may take, up to the response headers; `None` for no limit.
    #[must_use]
    pub fn attempt_timeout(self, timeout: Option<Duration>) -> Self {
        self.step(move |builder| builder.attempt_timeout(timeout))
    }

    /// The longest a call may take up to the response headers, retries and waits included;
    /// `None` for no limit. The body is then bounded by [`body_timeout`](Self::body_timeout).
    #[must_use]
    pub fn call_timeout(self, timeout: Option<Duration>) -> Self {
        self.step(move |builder| builder.call_timeout(timeout))
    }

    /// Attempts and backoff; [`RetryConfig::disabled`] switches retries off.
    #[must_use]
    pub fn retry(self, config: RetryConfig) -> Self {
        self.step(move |builder| builder.retry(config))
    }

    /// What happens while the rate limit is spent: wait (the default, up to 60 s) or fail
    /// at once with [`Error::RateLimited`].
    #[must_use]
    pub fn rate_limit(self, mode: RateLimitMode) -> Self {
        self.step(move |builder| builder.rate_limit(mode))
    }

    /// Adds a tower layer around each attempt, as [`TransportBuilder::layer`]: it sees
    /// every attempt with its headers. Layers added first are outermost.
    #[must_use]
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: Layer<BoxTransportService> + Send + Sync + 'static,
        L::Service: Service<Request, Response = Response> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Error: Into<BoxError>,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.step(move |builder| builder.layer(layer))
    }

    /// Adds a tower layer around the whole call, as [`TransportBuilder::outer_layer`].
    /// Layers added first are outermost.
    #[must_use]
    pub fn outer_layer<L>(self, layer: L) -> Self
    where
        L: Layer<BoxTransportService> + Send + Sync + 'static,
        L::Service: Service<Request, Response = Response> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Error: Into<BoxError>,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.step(move |builder| builder.outer_layer(layer))
    }

    /// Replaces the HTTP service, as [`TransportBuilder::transport`]: `service` receives
    /// each attempt with an absolute URI and every header set.
    #[must_use]
    pub fn transport<S, B>(self, service: S) -> Self
    where
        S: Service<Request, Response = http::Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.step(move |builder| builder.transport(service))
    }

    /// Any other transport setting (the TLS backend, extra root certificates, the retry
    /// policy or budget, the clock, the connection pool), applied after the others.
    ///
    /// To reach the API through a private CA or a TLS-inspecting proxy, trust its
    /// certificate with [`TransportBuilder::add_root_certificates`]. Unreadable PEM is a
    /// [`TransportError::Config`] from [`RootCertificate::from_pem`]; a certificate the TLS
    /// backend cannot use is an [`Error::Config`] from [`ApiClientBuilder::build`].
    ///
    /// ```no_run
    /// use nf_client::ApiClient;
    /// use nf_client::nf_transport::RootCertificate;
    ///
    /// # fn build() -> Result<ApiClient, Box<dyn std::error::Error>> {
    /// let pem = std::fs::read("corporate-ca.pem")?;
    /// let roots = RootCertificate::from_pem(&pem)?;
    /// let client = ApiClient::builder()
    ///     .token("nf-token")
    ///     .configure_transport(move |transport| transport.add_root_certificates(roots))
    ///     .build()?;
    /// # Ok(client)
    /// # }
    /// ```
    ///
    /// [`RootCertificate::from_pem`]: nf_transport::RootCertificate::from_pem
    #[must_use]
    pub fn configure_transport(
        self,
        configure: impl FnOnce(TransportBuilder) -> TransportBuilder + Send + Sync + 'static,
    ) -> Self {
        self.step(configure)
    }

    fn step(
        mut self,
        step: impl FnOnce(TransportBuilder) -> TransportBuilder + Send + Sync + 'static,
    ) -> Self {
        self.steps.push(Box::new(step));
        self
    }

    /// Builds the client. Needs no runtime; calls need tokio.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty token, an invalid base URL or `User-Agent` suffix, or
    /// a TLS backend that is not compiled in or cannot start.
    pub fn build(self) -> Result<ApiClient, Error> {
        let provider: Arc<dyn ContextProvider> = match (self.provider, self.token) {
            (Some(provider), _) => provider,
            (None, Some(token)) => {
                if token.is_empty() {
                    return Err(Error::config(ConfigProblem("the API token is empty")));
                }
                let context = Context::new("explicit", token);
                Arc::new(InMemoryContextProvider::with_context(context).map_err(Error::config)?)
            }
            (None, None) => Arc::new(default_chain(None)),
        };
        let base_url = match &self.base_url {
            Some(url) => BaseUrlSource::Fixed(
                BaseUrl::parse(url).map_err(|error| Error::from_transport(error, None))?,
            ),
            None => BaseUrlSource::Context(provider.clone()),
        };

        let mut builder = Transport::builder(provider);
        if let Some(url) = self.base_url {
            builder = builder.base_url(url);
        }
        for step in self.steps {
            builder = step(builder);
        }
        // Each response says what its last attempt put on the wire, token redacted.
        let transport = builder
            .record_sent_requests(true)
            .build()
            .map_err(|error: TransportError| Error::from_transport(error, None))?;

        Ok(ApiClient {
            inner: Arc::new(Inner {
                transport,
                base_url,
                error_style: self.error_style,
                max_body_size: self.max_body_size,
                body_timeout: self.body_timeout,
            }),
        })
    }
}

impl Default for ApiClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ApiClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClientBuilder")
            .field("provider", &self.provider.is_some())
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("error_style", &self.error_style)
            .field("max_body_size", &self.max_body_size)
            .field("body_timeout", &self.body_timeout)
            .field("transport_settings", &self.steps.len())
            .finish()
    }
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_url = match &self.inner.base_url {
            BaseUrlSource::Fixed(base) => base.to_string(),
            _ => "from the context provider".to_owned(),
        };
        f.debug_struct("ApiClient")
            .field("base_url", &base_url)
            .field("error_style", &self.inner.error_style)
            .field("max_body_size", &self.inner.max_body_size)
            .field("body_timeout", &self.inner.body_timeout)
            .field("transport", &self.inner.transport)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request() -> RequestInfo {
        RequestInfo {
            operation: "list.projects",
            method: http::Method::GET,
            url: "https://api.northflank.com/v1/projects".to_owned(),
            headers: HeaderMap::new(),
            body: None,
        }
    }

    #[test]
    fn envelopes_are_objects_with_optional_data_and_pagination() {
        assert!(matches!(envelope::<()>(b" \n"), Ok(((), None))));
        assert!(matches!(
            envelope::<Value>(b"[1, 2]"),
            Err(DecodeCause::NotAnEnvelope)
        ));
        assert!(matches!(
            envelope::<Value>(b"<html>"),
            Err(DecodeCause::NotJson { line: 1, column: 1 })
        ));
        assert!(matches!(
            envelope::<Value>(b"{\"data\": {\"a\": [1,\n 2"),
            Err(DecodeCause::NotJson { line: 2, column: 3 })
        ));
        assert!(matches!(
            envelope::<Value>(br#"{"data": 1, "pagination": {"hasNextPage": "yes"}}"#),
            Err(DecodeCause::Shape(_))
        ));
        assert!(matches!(
            envelope::<Value>(br#"{"data": 1} trailing"#),
            Err(DecodeCause::NotJson { .. })
        ));
        let (data, pagination) = envelope::<Value>(
            br#"{"data": {"a": 1}, "extra": [{}], "pagination": {"hasNextPage": true, "cursor": "c"}}"#,
        )
        .expect("envelope");
        assert_eq!(data, json!({ "a": 1 }));
        assert_eq!(
            pagination.and_then(|p| p.next_cursor().map(str::to_owned)),
            Some("c".to_owned())
        );
    }

    #[test]
    fn absent_data_reads_as_null_then_as_an_empty_object() {
        assert!(envelope::<()>(b"{}").is_ok());
        assert_eq!(
            envelope::<Value>(b"").ok().map(|(data, _)| data),
            Some(Value::Null)
        );
        assert_eq!(
            envelope::<serde_json::Map<String, Value>>(br#"{"data": null}"#)
                .ok()
                .map(|(data, _)| data),
            Some(serde_json::Map::new())
        );
        assert!(matches!(
            envelope::<String>(b"{}"),
            Err(DecodeCause::MissingData)
        ));
        assert!(matches!(
            envelope::<String>(br#"{"data": 5}"#),
            Err(DecodeCause::Shape(_))
        ));
    }

    #[test]
    fn api_errors_take_what_the_body_offers() {
        let status = StatusCode::BAD_REQUEST;
        let headers = HeaderMap::new();
        let read = |body: &[u8]| api_error(status, &headers, body, request(), RateLimit::default());

        let error = read(br#"{"error": {"message": "bad", "id": 42, "details": null}}"#);
        assert_eq!(error.message, "bad");
        assert_eq!(error.id.as_deref(), Some("42"));
        assert_eq!(error.details, None);
        assert_eq!(error.body_snippet, None);

        let error = read(br#"{"error": "plain text"}"#);
        assert_eq!(error.message, "plain text");

        let error = read(b"");
        assert_eq!((error.message.as_str(), error.body_snippet), ("", None));

        let error = read(b"upstream connect error");
        assert_eq!(
            error.body_snippet.as_deref(),
            Some("upstream connect error")
        );
    }

    #[test]
    fn rate_limits_ignore_malformed_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", HeaderValue::from_static("100"));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("-1"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("inf"));
        let rate_limit = RateLimit::from_headers(&headers);
        assert_eq!(rate_limit.limit, Some(100));
        assert_eq!(rate_limit.remaining, None);
        assert_eq!(rate_limit.reset, None);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let builder = ApiClient::builder().token("nf-secret-in-builder");
        assert!(!format!("{builder:?}").contains("nf-secret-in-builder"));
        let client = builder
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("client");
        assert!(!format!("{client:?}").contains("nf-secret-in-builder"));
        assert!(format!("{client:?}").contains("http://127.0.0.1:9"));
    }
}
