//! Retries that cannot make an outage worse: capped exponential backoff with full jitter, a
//! retry budget shared by every clone, server pacing honoured up to our own ceiling, and no
//! second attempt of a request that may have reached the server unless its method is
//! idempotent. A request with a streaming body is sent once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::ready;
use http::{Method, StatusCode};
use pin_project_lite::pin_project;
use tower::ServiceExt;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::Body;
use crate::clock::Clock;
use crate::error::TransportError;
use crate::rate_limit::{REMAINING, RESET, retry_after};
use crate::trace::OperationName;
use crate::{Request, Response};

/// The attempt number (1 for the first) that the retry layer stores in each attempt's
/// request extensions, for layers that run per attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempt(pub u32);

/// Limits of the retry layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, the first included; 1 switches retries off (see
    /// [`RetryConfig::disabled`]). Default 4.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles for each retry after. Default
    /// 200 ms.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling. Default 10 s.
    pub max_backoff: Duration,
    /// The longest wait a server may ask for with `Retry-After` or `x-ratelimit-reset`; a
    /// longer request is shortened to this. Default 60 s.
    pub max_server_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_server_delay: Duration::from_secs(60),
        }
    }
}

impl RetryConfig {
    /// A configuration that never retries: the layer then keeps nothing per call for later
    /// attempts, and its calls neither draw on nor replenish the retry budget.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first): a uniformly random duration
    /// between zero and `min(max_backoff, initial_backoff * 2^(retry - 1))` ("full jitter").
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// A budget of retries shared by all clones of a transport, so that a failing server sees at
/// most a bounded number of extra requests however many callers there are. It starts full;
/// each retry withdraws one retry, each successful call deposits a fraction of one, up to
/// the maximum.
pub struct RetryBudget {
    /// Thousandths of a retry.
    balance: AtomicU64,
    max: u64,
    deposit: u64,
}

const UNIT: u64 = 1000;

impl RetryBudget {
    /// A budget of at most `max_retries` retries, refilled by `retries_per_success` (between
    /// 0 and 1, say 0.1: one retry earned per ten successes) for each successful call.
    pub fn new(max_retries: u32, retries_per_success: f32) -> Self {
        let max = u64::from(max_retries) * UNIT;
        let ratio = if retries_per_success.is_finite() {
            retries_per_success.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Self {
            balance: AtomicU64::new(max),
            max,
            // A ratio in [0, 1] times 1000 always fits.
            deposit: (ratio * UNIT as f32).round() as u64,
        }
    }

    /// Whole retries available now.
    pub fn available(&self) -> u64 {
        self.balance.load(Ordering::Acquire) / UNIT
    }

    /// Takes one retry out of the budget; `false` when it is spent.
    fn withdraw(&self) -> bool {
        self.balance
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |balance| {
                balance.checked_sub(UNIT)
            })
            .is_ok()
    }

    fn deposit(&self) {
        let _unchanged_when_full =
            self.balance
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |balance| {
                    (balance < self.max).then(|| (balance + self.deposit).min(self.max))
                });
    }
}

impl Default for RetryBudget {
    /// 50 retries, one earned back per ten successful calls.
    fn default() -> Self {
        Self::new(50, 0.1)
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("available", &self.available())
            .field("max", &(self.max / UNIT))
            .finish()
    }
}

/// What the retry layer should do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Send the request again (if attempts, budget and body allow).
    Retry,
    /// Return this outcome to the caller.
    DoNotRetry,
}

/// The request an attempt was made for, shown to a [`RetryPolicy`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptInfo<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The request URI.
    pub uri: &'a http::Uri,
    /// The attempt that just ended, 1 for the first.
    pub attempt: u32,
}

/// Decides which outcomes are worth another attempt. The retry layer still enforces the
/// attempt limit, the budget and replayable bodies, and computes the delay.
pub trait RetryPolicy: Send + Sync + fmt::Debug + 'static {
    /// The decision for one attempt's outcome.
    fn decide(
        &self,
        attempt: &AttemptInfo<'_>,
        outcome: Result<&Response, &TransportError>,
    ) -> RetryDecision;
}

/// The default policy.
///
/// - A connection that never opened ([`TransportError::Connect`]) is retried for every
///   method: the request never left.
/// - `429`, `502`, `503`, `504`, a connection failure after sending and an attempt timeout
///   are retried only for idempotent methods (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`,
///   `TRACE`), never `POST` or `PATCH`, which may already have taken effect.
/// - Nothing else is retried.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultRetryPolicy;

/// Whether sending `method` twice has the effect of sending it once (RFC 9110, 9.2.2).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a status says "try again later": `429`, `502`, `503` or `504`.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

impl RetryPolicy for DefaultRetryPolicy {
    fn decide(
        &self,
        attempt: &AttemptInfo<'_>,
        outcome: Result<&Response, &TransportError>,
    ) -> RetryDecision {
        let idempotent = is_idempotent(attempt.method);
        let retry = match outcome {
            Ok(response) => idempotent && is_retryable_status(response.status()),
            Err(TransportError::Connect { .. }) => true,
            Err(TransportError::Io { .. } | TransportError::AttemptTimeout { .. }) => idempotent,
            Err(_) => false,
        };
        if retry {
            RetryDecision::Retry
        } else {
            RetryDecision::DoNotRetry
        }
    }
}

/// Retries failed attempts; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct RetryLayer {
    config: RetryConfig,
    policy: Arc<dyn RetryPolicy>,
    budget: Arc<RetryBudget>,
    clock: Arc<dyn Clock>,
}

impl RetryLayer {
    /// A layer with `config`, deciding with `policy`, drawing on `budget` (share the `Arc`
    /// to share the budget) and sleeping on `clock`.
    pub fn new(
        config: RetryConfig,
        policy: Arc<dyn RetryPolicy>,
        budget: Arc<RetryBudget>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            config,
            policy,
            budget,
            clock,
        }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            layer: Arc::new(self.clone()),
        }
    }
}

/// The service of [`RetryLayer`].
#[derive(Debug, Clone)]
pub struct Retry<S> {
    inner: S,
    /// One reference count to clone with the service, as every call does, not three.
    layer: Arc<RetryLayer>,
}

/// What later attempts need of the request: its method and URI, and, when its body can be
/// replayed, the rest of it. Boxed once per call, beside the first attempt.
struct Template {
    method: Method,
    uri: http::Uri,
    replay: Option<Replay>,
}

/// The parts of a request with a replayable body, to send it again.
struct Replay {
    version: http::Version,
    /// A list rather than a map: a request carries a few headers, and a second map (with its
    /// index table) would be built for every call only to be dropped unused.
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
    extensions: KeptExtensions,
    body: Body,
}

/// A request's extensions, kept for later attempts.
enum KeptExtensions {
    /// At most the operation's name, as the client's requests carry: kept by value, as a
    /// copy of the map would cost three allocations per call for an attempt that rarely
    /// comes.
    Name(Option<OperationName>),
    /// Anything else, copied.
    All(http::Extensions),
}

impl KeptExtensions {
    fn of(extensions: &http::Extensions) -> Self {
        match extensions.len() {
            0 => Self::Name(None),
            1 => match extensions.get::<OperationName>() {
                Some(name) => Self::Name(Some(*name)),
                None => Self::All(extensions.clone()),
            },
            _ => Self::All(extensions.clone()),
        }
    }

    fn restore(&self, extensions: &mut http::Extensions) {
        match self {
            Self::Name(None) => {}
            Self::Name(Some(name)) => {
                extensions.insert(*name);
            }
            Self::All(all) => *extensions = all.clone(),
        }
    }
}

impl Template {
    fn capture(request: &Request) -> Box<Self> {
        let replay = request.body().try_clone().map(|body| Replay {
            version: request.version(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
            extensions: KeptExtensions::of(request.extensions()),
            body,
        });
        Box::new(Self {
            method: request.method().clone(),
            uri: request.uri().clone(),
            replay,
        })
    }

    fn can_replay(&self) -> bool {
        self.replay.is_some()
    }

    fn rebuild(&self) -> Option<Request> {
        let replay = self.replay.as_ref()?;
        let mut request = http::Request::new(replay.body.try_clone()?);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.version_mut() = replay.version;
        let headers = request.headers_mut();
        headers.reserve(replay.headers.len());
        for (name, value) in &replay.headers {
            headers.append(name.clone(), value.clone());
        }
        replay.extensions.restore(request.extensions_mut());
        Some(request)
    }
}

/// The wait a response asks for: `Retry-After`, else the rate-limit reset when the budget
/// is spent.
fn server_delay(response: &Response, clock: &dyn Clock) -> Option<Duration> {
    let headers = response.headers();
    retry_after(headers, clock).or_else(|| {
        let remaining = headers.get(&REMAINING)?.to_str().ok()?.trim();
        if remaining != "0" {
            return None;
        }
        let reset: u64 = headers.get(&RESET)?.to_str().ok()?.trim().parse().ok()?;
        Some(Duration::from_secs(reset))
    })
}

/// What a finished attempt leads to.
enum Step {
    /// The call's outcome.
    Done(Result<Response, TransportError>),
    /// Another attempt, after this wait.
    Again(Duration),
}

/// What later attempts need: kept beside the first attempt, used only if it fails.
struct Rest<S> {
    inner: S,
    layer: Arc<RetryLayer>,
    /// Boxed: it is read only when retrying, and keeps the future small.
    template: Box<Template>,
}

impl<S> Rest<S>
where
    S: Service<Request, Response = Response> + Send + 'static,
    S::Error: Into<TransportError>,
    S::Future: Send,
{
    /// Decides what follows attempt `attempt`, which ended in `result`.
    fn after(&self, attempt: u32, result: Result<Response, TransportError>) -> Step {
        let layer = &self.layer;
        let info = AttemptInfo {
            method: &self.template.method,
            uri: &self.template.uri,
            attempt,
        };
        if layer.policy.decide(&info, result.as_ref()) == RetryDecision::DoNotRetry {
            if let Ok(response) = &result
                && !is_retryable_status(response.status())
                && !response.status().is_server_error()
            {
                layer.budget.deposit();
            }
            return Step::Done(result);
        }
        if attempt >= layer.config.max_attempts {
            tracing::debug!(retry.attempt = attempt, "no attempts left");
            return Step::Done(result);
        }
        if !self.template.can_replay() {
            tracing::debug!("streaming request body cannot be sent again; not retrying");
            return Step::Done(result);
        }
        let delay = match &result {
            Ok(response) => server_delay(response, layer.clock.as_ref())
                .map(|delay| delay.min(layer.config.max_server_delay)),
            Err(_) => None,
        }
        .unwrap_or_else(|| layer.config.backoff(attempt));
        if !layer.budget.withdraw() {
            tracing::debug!("retry budget spent; not retrying");
            return Step::Done(result);
        }

        match &result {
            Ok(response) => tracing::debug!(
                retry.attempt = attempt,
                http.status_code = response.status().as_u16(),
                retry.delay_ms = delay.as_millis() as u64,
                "retrying"
            ),
            Err(error) => tracing::debug!(
                retry.attempt = attempt,
                error = %error,
                retry.delay_ms = delay.as_millis() as u64,
                "retrying"
            ),
        }
        // The failed response and its connection are released before the wait.
        drop(result);
        Step::Again(delay)
    }

    /// The attempts after the first, which ended asking for another after `delay`.
    async fn retry(mut self, mut delay: Duration) -> Result<Response, TransportError> {
        let mut attempt = 1u32;
        loop {
            self.layer.clock.sleep(delay).await;
            attempt += 1;
            let Some(mut request) = self.template.rebuild() else {
                // Unreachable: a retry is only scheduled for a request that can be replayed.
                return Err(TransportError::custom("request cannot be replayed"));
            };
            request.extensions_mut().insert(Attempt(attempt));
            // Converted at once: the inner error type need not be `Send`.
            let ready: Result<&mut S, TransportError> =
                self.inner.ready().await.map_err(Into::into);
            let result = match ready {
                Ok(service) => service.call(request).await.map_err(Into::into),
                Err(error) => Err(error),
            };
            match self.after(attempt, result) {
                Step::Done(result) => return result,
                Step::Again(next) => delay = next,
            }
        }
    }
}

impl<S> Service<Request> for Retry<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Error: Into<TransportError>,
    S::Future: Send,
{
    type Response = Response;
    type Error = TransportError;
    type Future = RetryFuture<S>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if self.layer.config.max_attempts <= 1 {
            // Retries are off: nothing is kept for an attempt that cannot come.
            request.extensions_mut().insert(Attempt(1));
            return RetryFuture {
                stage: Stage::First {
                    response: self.inner.call(request),
                    rest: None,
                },
            };
        }
        // Captured before the attempt number goes in, which each later attempt sets anew.
        let template = Template::capture(&request);
        request.extensions_mut().insert(Attempt(1));
        // The first attempt goes to the ready service now; later ones, if any, to a clone.
        let response = self.inner.call(request);
        let rest = Rest {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
            template,
        };
        RetryFuture {
            stage: Stage::First {
                response,
                rest: Some(rest),
            },
        }
    }
}

pin_project! {
    /// The future of a [`Retry`] call: the first attempt in place, the rare later ones in a
    /// box of their own.
    pub struct RetryFuture<S: Service<Request>> {
        #[pin]
        stage: Stage<S>,
    }
}

pin_project! {
    #[project = StageProjection]
    enum Stage<S: Service<Request>> {
        First {
            #[pin]
            response: S::Future,
            rest: Option<Rest<S>>,
        },
        Again {
            attempts: BoxFuture<'static, Result<Response, TransportError>>,
        },
    }
}

impl<S> Future for RetryFuture<S>
where
    S: Service<Request, Response = Response> + Send + 'static,
    S::Error: Into<TransportError>,
    S::Future: Send,
{
    type Output = Result<Response, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut stage = self.project().stage;
        let (rest, delay) = match stage.as_mut().project() {
            StageProjection::First { response, rest } => {
                let result = ready!(response.poll(cx)).map_err(Into::into);
                let Some(rest) = rest.take() else {
                    // Retries are off.
                    return Poll::Ready(result);
                };
                match rest.after(1, result) {
                    Step::Done(result) => return Poll::Ready(result),
                    Step::Again(delay) => (rest, delay),
                }
            }
            StageProjection::Again { attempts } => return attempts.as_mut().poll(cx),
        };
        stage.set(Stage::Again {
            attempts: Box::pin(rest.retry(delay)),
        });
        match stage.project() {
            StageProjection::Again { attempts } => attempts.as_mut().poll(cx),
            StageProjection::First { .. } => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use tower_test::mock;

    use super::*;
    use crate::ResponseBody;
    use crate::clock::ManualClock;

    fn layer(clock: &ManualClock, budget: Arc<RetryBudget>) -> RetryLayer {
        RetryLayer::new(
            RetryConfig::default(),
            Arc::new(DefaultRetryPolicy),
            budget,
            Arc::new(clock.clone()),
        )
    }

    fn request(method: Method) -> Request {
        let mut request = http::Request::new(Body::from("{}"));
        *request.method_mut() = method;
        *request.uri_mut() = http::Uri::from_static("http://127.0.0.1/v1/x");
        request
    }

    fn status(code: u16, headers: &[(&'static str, &'static str)]) -> Response {
        let mut response = http::Response::new(ResponseBody::empty());
        *response.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
        for (name, value) in headers {
            response
                .headers_mut()
                .insert(*name, http::HeaderValue::from_static(value));
        }
        response
    }

    /// Runs one call, answering attempts in order from `answers`; returns the final status
    /// (or error) and the number of attempts.
    async fn run(
        service: Retry<mock::Mock<Request, Response>>,
        handle: &mut mock::Handle<Request, Response>,
        request: Request,
        answers: Vec<Result<Response, TransportError>>,
    ) -> (Result<u16, String>, usize) {
        let call = tokio::spawn(service.oneshot(request));
        let mut attempts = 0;
        for answer in answers {
            let next = tokio::select! {
                next = handle.next_request() => next,
                () = tokio::time::sleep(Duration::from_millis(200)) => None,
            };
            let Some((seen, send)) = next else { break };
            attempts += 1;
            assert_eq!(
                seen.extensions().get::<Attempt>(),
                Some(&Attempt(attempts as u32))
            );
            match answer {
                Ok(response) => send.send_response(response),
                Err(error) => send.send_error(error),
            }
        }
        let outcome = match call.await {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(join) => Err(join.to_string()),
        };
        (outcome, attempts)
    }

    #[tokio::test]
    async fn get_503_then_200_takes_two_attempts() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let (outcome, attempts) = run(
            service,
            &mut handle,
            request(Method::GET),
            vec![
                Ok(status(503, &[])),
                Ok(status(200, &[])),
                Ok(status(200, &[])),
            ],
        )
        .await;
        assert_eq!((outcome, attempts), (Ok(200), 2));
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 1);
        assert!(sleeps[0] <= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_retried_request_is_the_same_request() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let mut sent = request(Method::PUT);
        sent.headers_mut()
            .append("x-tag", http::HeaderValue::from_static("a"));
        sent.headers_mut()
            .append("x-tag", http::HeaderValue::from_static("b"));
        sent.headers_mut()
            .insert("accept", http::HeaderValue::from_static("application/json"));
        sent.extensions_mut()
            .insert(crate::OperationName("update.thing"));
        let call = tokio::spawn(service.oneshot(sent));

        let mut seen = Vec::new();
        for code in [503, 200] {
            let Some((request, send)) = handle.next_request().await else {
                panic!("attempt missing");
            };
            let (head, body) = request.into_parts();
            let body = http_body_util::BodyExt::collect(body)
                .await
                .map(|b| b.to_bytes());
            seen.push((head, body.ok()));
            send.send_response(status(code, &[]));
        }
        assert!(matches!(call.await, Ok(Ok(response)) if response.status() == StatusCode::OK));

        let (first, second) = (&seen[0], &seen[1]);
        assert_eq!(first.0.method, second.0.method);
        assert_eq!(first.0.uri, second.0.uri);
        assert_eq!(first.0.headers, second.0.headers);
        let tags: Vec<_> = second.0.headers.get_all("x-tag").iter().collect();
        assert_eq!(tags, ["a", "b"]);
        assert_eq!(
            second.0.extensions.get::<crate::OperationName>(),
            Some(&crate::OperationName("update.thing"))
        );
        assert_eq!(second.0.extensions.get::<Attempt>(), Some(&Attempt(2)));
        assert_eq!(first.1.as_deref(), Some(&b"{}"[..]));
        assert_eq!(first.1, second.1);
    }

    /// The extensions each of two attempts carried, for a request that carried `extensions`.
    async fn extensions_of_attempts(extensions: http::Extensions) -> Vec<http::Extensions> {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let mut sent = request(Method::GET);
        *sent.extensions_mut() = extensions;
        let call = tokio::spawn(service.oneshot(sent));
        let mut seen = Vec::new();
        for code in [503, 200] {
            let Some((request, send)) = handle.next_request().await else {
                panic!("attempt missing");
            };
            seen.push(request.into_parts().0.extensions);
            send.send_response(status(code, &[]));
        }
        assert!(matches!(call.await, Ok(Ok(response)) if response.status() == StatusCode::OK));
        seen
    }

    #[derive(Debug, Clone, PartialEq)]
    struct Marker(&'static str);

    #[tokio::test]
    async fn every_kind_of_extension_survives_a_retry() {
        let name = crate::OperationName("get.thing");

        // None at all.
        let seen = extensions_of_attempts(http::Extensions::new()).await;
        assert_eq!(seen[1].len(), 1, "only the attempt number");
        assert_eq!(seen[1].get::<Attempt>(), Some(&Attempt(2)));

        // The operation's name alone, as the client sends it.
        let mut only_name = http::Extensions::new();
        only_name.insert(name);
        let seen = extensions_of_attempts(only_name).await;
        assert_eq!(seen[1].get::<crate::OperationName>(), Some(&name));
        assert_eq!(seen[1].len(), 2);

        // Something else alone, and something else beside the name.
        let mut only_marker = http::Extensions::new();
        only_marker.insert(Marker("a"));
        let seen = extensions_of_attempts(only_marker).await;
        assert_eq!(seen[1].get::<Marker>(), Some(&Marker("a")));
        assert_eq!(seen[1].get::<Attempt>(), Some(&Attempt(2)));

        let mut both = http::Extensions::new();
        both.insert(name);
        both.insert(Marker("b"));
        let seen = extensions_of_attempts(both).await;
        for attempt in &seen {
            assert_eq!(attempt.get::<crate::OperationName>(), Some(&name));
            assert_eq!(attempt.get::<Marker>(), Some(&Marker("b")));
        }
        assert_eq!(seen[1].len(), 3);
    }

    #[tokio::test]
    async fn post_is_not_retried_after_sending() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let (outcome, attempts) = run(
            service.clone(),
            &mut handle,
            request(Method::POST),
            vec![Ok(status(503, &[])), Ok(status(200, &[]))],
        )
        .await;
        assert_eq!((outcome, attempts), (Ok(503), 1));

        let (outcome, attempts) = run(
            service,
            &mut handle,
            request(Method::PATCH),
            vec![Err(TransportError::io("reset")), Ok(status(200, &[]))],
        )
        .await;
        assert_eq!(attempts, 1);
        assert!(outcome.is_err());
    }

    #[tokio::test]
    async fn post_is_retried_when_the_connection_never_opened() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let (outcome, attempts) = run(
            service,
            &mut handle,
            request(Method::POST),
            vec![
                Err(TransportError::connect("refused")),
                Ok(status(201, &[])),
            ],
        )
        .await;
        assert_eq!((outcome, attempts), (Ok(201), 2));
    }

    #[tokio::test]
    async fn retry_after_is_honoured_and_clamped() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let answers = vec![
            Ok(status(429, &[("retry-after", "2")])),
            Ok(status(503, &[("retry-after", "86400")])),
            Ok(status(200, &[])),
        ];
        let (outcome, attempts) = run(service, &mut handle, request(Method::GET), answers).await;
        assert_eq!((outcome, attempts), (Ok(200), 3));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(2), Duration::from_secs(60)]
        );
    }

    #[tokio::test]
    async fn streaming_bodies_are_sent_once() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let mut request = request(Method::PUT);
        *request.body_mut() = Body::streaming(http_body_util::Full::new(bytes::Bytes::new()));
        let (outcome, attempts) = run(
            service,
            &mut handle,
            request,
            vec![Ok(status(503, &[])), Ok(status(200, &[]))],
        )
        .await;
        assert_eq!((outcome, attempts), (Ok(503), 1));
    }

    #[tokio::test]
    async fn attempts_stop_at_the_maximum() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = layer(&clock, Arc::default()).layer(service);
        let answers = (0..6).map(|_| Ok(status(502, &[]))).collect();
        let (outcome, attempts) = run(service, &mut handle, request(Method::DELETE), answers).await;
        assert_eq!((outcome, attempts), (Ok(502), 4));
        // Full jitter under a doubling ceiling: 200 ms, 400 ms, 800 ms.
        for (sleep, ceiling) in clock.sleeps().iter().zip([200, 400, 800]) {
            assert!(*sleep <= Duration::from_millis(ceiling));
        }
    }

    #[tokio::test]
    async fn disabled_retries_send_once_and_keep_no_budget_account() {
        let clock = ManualClock::auto_advance();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let budget = Arc::new(RetryBudget::new(2, 0.5));
        assert!(budget.withdraw());
        let service = RetryLayer::new(
            RetryConfig::disabled(),
            Arc::new(DefaultRetryPolicy),
            budget.clone(),
            Arc::new(clock.clone()),
        )
        .layer(service);
        let answers = vec![Ok(status(503, &[])), Ok(status(200, &[]))];
        let (outcome, attempts) =
            run(service.clone(), &mut handle, request(Method::GET), answers).await;
        assert_eq!((outcome, attempts), (Ok(503), 1));
        let (outcome, _) = run(
            service,
            &mut handle,
            request(Method::GET),
            vec![Ok(status(200, &[]))],
        )
        .await;
        assert_eq!(outcome, Ok(200));
        assert!(clock.sleeps().is_empty());
        assert_eq!(budget.available(), 1);
    }

    #[test]
    fn budget_withdraws_and_refills() {
        let budget = RetryBudget::new(2, 0.5);
        assert!(budget.withdraw());
        assert!(budget.withdraw());
        assert!(!budget.withdraw());
        budget.deposit();
        assert!(!budget.withdraw());
        budget.deposit();
        assert!(budget.withdraw());
        for _ in 0..10 {
            budget.deposit();
        }
        assert_eq!(budget.available(), 2);
    }

    #[test]
    fn backoff_never_exceeds_the_cap() {
        let config = RetryConfig::default();
        for retry in [1, 5, 20, 40, u32::MAX] {
            assert!(config.backoff(retry) <= config.max_backoff);
        }
    }
}
