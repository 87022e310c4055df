//! Assembles the default stack.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::future::Either;
use nf_context::ContextProvider;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;
use tower_layer::Layer;
use tower_service::Service;

use crate::auth::{Auth, AuthLayer};
use crate::base_url::{BaseUrl, BaseUrlLayer, BaseUrlService, BaseUrlSource, user_agent};
use crate::body::ResponseBody;
use crate::clock::{Clock, TokioClock};
use crate::error::{BoxError, TransportError};
use crate::http_service::{HttpConfig, HttpService, TlsBackend};
use crate::rate_limit::{RateLimit, RateLimitLayer, RateLimitMode, RateLimitState};
use crate::record::Record;
use crate::retry::{DefaultRetryPolicy, Retry, RetryBudget, RetryConfig, RetryLayer, RetryPolicy};
use crate::timeout::{Timeout, TimeoutKind, TimeoutLayer};
use crate::tls::RootCertificate;
use crate::trace::{SpanKind, Trace, TraceLayer};
use crate::{Request, Response};

/// A type-erased service of the stack: what user layers wrap and what they must return.
pub type BoxTransportService = BoxCloneSyncService<Request, Response, TransportError>;

type BoxedLayer = Box<dyn Fn(BoxTransportService) -> BoxTransportService + Send + Sync>;

/// The assembled stack: a cheap-to-clone handle that sends requests.
///
/// Clones share the connection pool, the rate-limit state and the retry budget. Requests
/// carry a path-and-query URI (`/v1/projects?per_page=50`), or an absolute URI for a host
/// other than the API's (which then gets no token).
#[derive(Clone)]
pub struct Transport {
    service: OneOf<Stack, BoxTransportService>,
    rate_limit: RateLimitState,
    retry_budget: Arc<RetryBudget>,
}

/// The built-in layers, composed statically: boxed only when the caller adds outer layers.
type Stack = BaseUrlService<Trace<Timeout<Retry<Trace<RateLimit<Auth<AttemptStack>>>>>>>;

/// Below auth: the wire directly, or through the caller's attempt layers (boxed).
type AttemptStack = OneOf<Wire, BoxTransportService>;

/// The innermost services of an attempt: the request record, the attempt timeout, and the
/// built-in HTTP service or the caller's transport.
type Wire = Record<Timeout<OneOf<HttpService, BoxTransportService>>>;

impl Transport {
    /// A builder taking tokens (and, unless a base URL is set, the API host) from `provider`.
    pub fn builder(provider: Arc<dyn ContextProvider>) -> TransportBuilder {
        TransportBuilder::new(provider)
    }

    /// Sends `request` through the stack.
    ///
    /// # Errors
    /// Any [`TransportError`]; an HTTP error status is a response, not an error.
    pub async fn send(&self, request: Request) -> Result<Response, TransportError> {
        // Each call gets its own clone, as tower's services are called through `&mut`; the
        // built-in layers clone a handful of reference counts and allocate nothing. They are
        // called directly rather than through `oneshot`, whose state would be one more copy
        // of the stack's future per call.
        match &self.service {
            OneOf::Left(stack) => {
                let mut stack = stack.clone();
                std::future::poll_fn(|cx| stack.poll_ready(cx)).await?;
                stack.call(request).await
            }
            OneOf::Right(layered) => layered.clone().oneshot(request).await,
        }
    }

    /// The rate-limit state shared by this transport and its clones.
    pub fn rate_limit(&self) -> &RateLimitState {
        &self.rate_limit
    }

    /// The retry budget shared by this transport and its clones.
    pub fn retry_budget(&self) -> &RetryBudget {
        &self.retry_budget
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("rate_limit", &self.rate_limit)
            .field("retry_budget", &self.retry_budget)
            .finish_non_exhaustive()
    }
}

impl Service<Request> for Transport {
    type Response = Response;
    type Error = TransportError;
    type Future = BoxFuture<'static, Result<Response, TransportError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match &mut self.service {
            OneOf::Left(stack) => Box::pin(stack.call(request)),
            OneOf::Right(layered) => layered.call(request),
        }
    }
}

/// One of two services with the transport's request, response and error types: which of
/// the stack's parts are boxed depends on what the caller adds, and this keeps the rest
/// static either way.
#[derive(Clone)]
enum OneOf<A, B> {
    Left(A),
    Right(B),
}

impl<A, B> Service<Request> for OneOf<A, B>
where
    A: Service<Request, Response = Response, Error = TransportError>,
    B: Service<Request, Response = Response, Error = TransportError>,
{
    type Response = Response;
    type Error = TransportError;
    type Future = Either<A::Future, B::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        match self {
            Self::Left(service) => service.poll_ready(cx),
            Self::Right(service) => service.poll_ready(cx),
        }
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self {
            Self::Left(service) => Either::Left(service.call(request)),
            Self::Right(service) => Either::Right(service.call(request)),
        }
    }
}

/// Configures and builds a [`Transport`]; see the [crate docs](crate) for the layer order.
pub struct TransportBuilder {
    provider: Arc<dyn ContextProvider>,
    base_url: Option<String>,
    user_agent_suffix: Option<String>,
    http: HttpConfig,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    retry: RetryConfig,
    retry_policy: Arc<dyn RetryPolicy>,
    retry_budget: Option<Arc<RetryBudget>>,
    rate_limit: RateLimitMode,
    /// `None` for tokio's clock, which the timeouts then use without boxing their sleeps.
    clock: Option<Arc<dyn Clock>>,
    attempt_layers: Vec<BoxedLayer>,
    outer_layers: Vec<BoxedLayer>,
    transport: Option<BoxTransportService>,
    record_sent_requests: bool,
}

impl TransportBuilder {
    /// A builder with the defaults: base URL from the provider's current context, 10 s
    /// connect timeout, 30 s per attempt, 120 s per call, [`RetryConfig::default`],
    /// [`RetryBudget::default`], waiting up to 60 s for a spent rate limit, tokio's clock.
    pub fn new(provider: Arc<dyn ContextProvider>) -> Self {
        Self {
            provider,
            base_url: None,
            user_agent_suffix: None,
            http: HttpConfig::default(),
            attempt_timeout: Some(Duration::from_secs(30)),
            call_timeout: Some(Duration::from_secs(120)),
            retry: RetryConfig::default(),
            retry_policy: Arc::new(DefaultRetryPolicy),
            retry_budget: None,
            rate_limit: RateLimitMode::default(),
            clock: None,
            attempt_layers: Vec::new(),
            outer_layers: Vec::new(),
            transport: None,
            record_sent_requests: false,
        }
    }

    /// Fixes the API base URL (`https://api.northflank.com`, or a path prefix such as
    /// `http://127.0.0.1:8080/api`) instead of reading it from the provider for each call.
    /// It is checked by [`TransportBuilder::build`].
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Appends ` (<suffix>)` to the `User-Agent`, to name the application.
    #[must_use]
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The TCP connect timeout; `None` for the OS's.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// How long idle pooled connections are kept; `None` for ever.
    #[must_use]
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.http.pool_idle_timeout = timeout;
        self
    }

    /// The TLS library for `https://`.
    #[must_use]
    pub fn tls(mut self, backend: TlsBackend) -> Self {
        self.http.tls = backend;
        self
    }

    /// Trusts `certificates` for `https://` in addition to the TLS backend's own roots (the
    /// Mozilla set for rustls, the platform's store for native-tls): for an API behind a
    /// private CA or a TLS-inspecting proxy. Adds to what earlier calls added. Read them
    /// with [`RootCertificate::from_pem`] or [`RootCertificate::from_der`]; a certificate the
    /// backend cannot use fails [`TransportBuilder::build`].
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// # use nf_transport::{RootCertificate, Transport, TransportError};
    /// # fn build(provider: Arc<dyn nf_context::ContextProvider>) -> Result<Transport, TransportError> {
    /// let pem = std::fs::read("corporate-ca.pem").map_err(TransportError::custom)?;
    /// let transport = Transport::builder(provider)
    ///     .add_root_certificates(RootCertificate::from_pem(&pem)?)
    ///     .build()?;
    /// # Ok(transport)
    /// # }
    /// ```
    #[must_use]
    pub fn add_root_certificates(
        mut self,
        certificates: impl IntoIterator<Item = RootCertificate>,
    ) -> Self {
        self.http.root_certificates.extend(certificates);
        self
    }

    /// The longest one attempt may take, from sending to response headers; `None` for no
    /// limit. A timed-out attempt of an idempotent request is retried.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The longest a whole call may take, retries and waits included; `None` for no limit.
    #[must_use]
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Attempts, backoff and the ceiling on server-requested waits.
    #[must_use]
    pub fn retry(mut self, config: RetryConfig) -> Self {
        self.retry = config;
        self
    }

    /// Which outcomes are retried; [`DefaultRetryPolicy`] unless set.
    #[must_use]
    pub fn retry_policy(mut self, policy: impl RetryPolicy) -> Self {
        self.retry_policy = Arc::new(policy);
        self
    }

    /// The retry budget; pass one `Arc` to several builders to share it between
    /// transports.
    #[must_use]
    pub fn retry_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// What happens while the rate limit is spent.
    #[must_use]
    pub fn rate_limit(mut self, mode: RateLimitMode) -> Self {
        self.rate_limit = mode;
        self
    }

    /// The clock for backoff, rate-limit waits and timeouts.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Adds a layer around each attempt, inside authentication and outside the attempt
    /// timeout: it sees every attempt, with its `Authorization` header (marked sensitive)
    /// and its [`Attempt`](crate::retry::Attempt) number. Layers added first are outermost.
    /// Errors of the layer's service become [`TransportError::Custom`] unless they are
    /// boxed `TransportError`s.
    #[must_use]
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxTransportService> + Send + Sync + 'static,
        L::Service: Service<Request, Response = Response> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Error: Into<BoxError>,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.attempt_layers.push(boxed_layer(layer));
        self
    }

    /// Adds a layer around the whole call, outside everything else: it sees the request as
    /// the caller sent it (path-and-query URI, no token) and the final outcome. Layers added
    /// first are outermost.
    #[must_use]
    pub fn outer_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxTransportService> + Send + Sync + 'static,
        L::Service: Service<Request, Response = Response> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Error: Into<BoxError>,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.outer_layers.push(boxed_layer(layer));
        self
    }

    /// Whether each response carries a [`SentRequest`](crate::SentRequest) in its
    /// extensions: the URL and headers its attempt sent, recorded innermost among the
    /// attempt layers (so with what they added) and with secrets redacted. Off by default;
    /// it costs a copy of the headers per attempt.
    #[must_use]
    pub fn record_sent_requests(mut self, record: bool) -> Self {
        self.record_sent_requests = record;
        self
    }

    /// Replaces the HTTP service with `service` (a recording transport, another HTTP
    /// library): it receives each attempt with an absolute URI and every header set.
    /// [`HttpConfig`] settings are then unused. Its errors become
    /// [`TransportError::Custom`] unless they are boxed `TransportError`s: return
    /// [`TransportError::connect`] for a request that never left, so it can be retried.
    #[must_use]
    pub fn transport<S, B>(mut self, service: S) -> Self
    where
        S: Service<Request, Response = http::Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let service = service
            .map_response(|response: http::Response<B>| response.map(ResponseBody::new))
            .map_err(|error: S::Error| TransportError::from_boxed(error.into()));
        self.transport = Some(BoxCloneSyncService::new(service));
        self
    }

    /// Builds the transport. Needs no runtime; sending needs tokio.
    ///
    /// # Errors
    /// [`TransportError::Config`] for an invalid base URL or `User-Agent` suffix, or a TLS
    /// backend that is not compiled in or cannot start.
    pub fn build(self) -> Result<Transport, TransportError> {
        let user_agent = user_agent(self.user_agent_suffix.as_deref())?;
        let source = match &self.base_url {
            Some(url) => BaseUrlSource::Fixed(BaseUrl::parse(url)?),
            None => BaseUrlSource::Context(self.provider.clone()),
        };
        let clock: Arc<dyn Clock> = self.clock.clone().unwrap_or_else(|| Arc::new(TokioClock));
        let rate_limit = RateLimitState::with_ceiling(clock.clone(), self.retry.max_server_delay);
        let retry_budget = self.retry_budget.unwrap_or_default();
        // Built from the inside out; the crate docs list the same order from the outside in.
        // The built-in layers compose statically, so a call allocates nothing for them; the
        // caller's layers and transport are boxed where they sit.
        let sender = match self.transport {
            Some(custom) => OneOf::Right(custom),
            None => OneOf::Left(HttpService::new(&self.http)?),
        };
        let wire = Record::new(
            TimeoutLayer::optional(
                self.attempt_timeout,
                TimeoutKind::Attempt,
                self.clock.clone(),
            )
            .layer(sender),
            self.record_sent_requests,
        );
        let attempt = under_layers(wire, &self.attempt_layers);

        let auth = AuthLayer::new(self.provider.clone(), source.clone()).layer(attempt);
        let limited = RateLimitLayer::new(rate_limit.clone(), self.rate_limit).layer(auth);
        let attempt = TraceLayer::new(SpanKind::Attempt).layer(limited);
        let retried = RetryLayer::new(self.retry, self.retry_policy, retry_budget.clone(), clock)
            .layer(attempt);
        let bounded =
            TimeoutLayer::optional(self.call_timeout, TimeoutKind::Call, self.clock).layer(retried);
        let call = TraceLayer::new(SpanKind::Call).layer(bounded);
        let stack = BaseUrlLayer::new(source, user_agent).layer(call);
        let service = under_layers(stack, &self.outer_layers);

        Ok(Transport {
            service,
            rate_limit,
            retry_budget,
        })
    }
}

/// `service` as it is when the caller added no `layers`, else boxed and wrapped in them (the
/// first added outermost).
fn under_layers<S>(service: S, layers: &[BoxedLayer]) -> OneOf<S, BoxTransportService>
where
    S: Service<Request, Response = Response, Error = TransportError>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    if layers.is_empty() {
        return OneOf::Left(service);
    }
    let mut boxed = BoxCloneSyncService::new(service);
    for layer in layers.iter().rev() {
        boxed = layer(boxed);
    }
    OneOf::Right(boxed)
}

fn boxed_layer<L>(layer: L) -> BoxedLayer
where
    L: Layer<BoxTransportService> + Send + Sync + 'static,
    L::Service: Service<Request, Response = Response> + Clone + Send + Sync + 'static,
    <L::Service as Service<Request>>::Error: Into<BoxError>,
    <L::Service as Service<Request>>::Future: Send + 'static,
{
    Box::new(move |inner| {
        let service = layer
            .layer(inner)
            .map_err(|error| TransportError::from_boxed(error.into()));
        BoxCloneSyncService::new(service)
    })
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("base_url", &self.base_url)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("http", &self.http)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("retry", &self.retry)
            .field("retry_policy", &self.retry_policy)
            .field("rate_limit", &self.rate_limit)
            .field("clock", &self.clock)
            .field("attempt_layers", &self.attempt_layers.len())
            .field("outer_layers", &self.outer_layers.len())
            .field("custom_transport", &self.transport.is_some())
            .field("record_sent_requests", &self.record_sent_requests)
            .finish_non_exhaustive()
    }
}
