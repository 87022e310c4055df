//! Rate-limit tracking: reads `x-ratelimit-*` from every response into state shared by all
//! clones, and holds requests back while the budget is spent.
//!
//! Concurrent callers cannot overshoot the budget: each request reserves one unit of the
//! last reported `remaining` before it is sent, and stays reserved until its response
//! arrives. A response never raises `remaining` within one window (responses may arrive out
//! of order). The window's end is placed conservatively: `x-ratelimit-reset` counted from
//! when the response arrived, so the budget is never refilled before the API refills it. A
//! response starts a new window only when even the earliest end it can mean (counted from
//! when its request was sent, less a second of rounding) lies after the current one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, select};
use futures_util::ready;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::clock::Clock;
use crate::error::TransportError;
use crate::{Request, Response};

/// The header with the number of requests allowed per window.
pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
/// The header with the number of requests left in the current window.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
/// The header with the number of seconds until the window resets.
pub const RESET_HEADER: &str = "x-ratelimit-reset";

/// The same names parsed once, so a lookup need not parse and check the text again.
pub(crate) const REMAINING: HeaderName = HeaderName::from_static(REMAINING_HEADER);
pub(crate) const RESET: HeaderName = HeaderName::from_static(RESET_HEADER);

/// How much the API may round the seconds it reports in `x-ratelimit-reset`.
const RESET_ROUNDING: Duration = Duration::from_secs(1);

/// What to do with a request when the rate-limit budget is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitMode {
    /// Wait until the window resets, for at most `max_wait` in all; a longer wait fails with
    /// [`TransportError::RateLimited`].
    Wait {
        /// The longest a request may be held back.
        max_wait: Duration,
    },
    /// Fail at once with [`TransportError::RateLimited`].
    FailFast,
}

impl Default for RateLimitMode {
    /// Waiting, for up to 60 seconds.
    fn default() -> Self {
        Self::Wait {
            max_wait: Duration::from_secs(60),
        }
    }
}

/// The rate-limit state at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitSnapshot {
    /// Requests allowed per window, as last reported.
    pub limit: Option<u64>,
    /// Requests left in the window, as last reported (or the limit after a reset).
    pub remaining: Option<u64>,
    /// Requests that may still be sent now: `remaining` less those sent and not yet
    /// accounted for by a response. `None` when the API has not reported a budget.
    pub available: Option<u64>,
    /// When the window resets, if known and still ahead.
    pub reset_at: Option<Instant>,
    /// How long until the window resets, if known.
    pub reset_in: Option<Duration>,
}

/// A handle on the rate-limit state shared by a transport and all its clones. Cheap to clone.
#[derive(Clone)]
pub struct RateLimitState {
    shared: Arc<Shared>,
}

struct Shared {
    clock: Arc<dyn Clock>,
    retry_after_ceiling: Duration,
    window: Mutex<Window>,
    changed: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct Window {
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    /// Reserved by requests being sent, whose responses have not arrived.
    in_flight: u64,
    /// Requests that failed after they may have reached the server, since the last update.
    unsettled: u64,
    /// Calls waiting for budget: only when there are some is a change announced, which
    /// spares every response a second lock.
    waiting: u64,
}

impl Window {
    fn roll(&mut self, now: Instant) {
        if self.reset_at.is_some_and(|reset_at| reset_at <= now) {
            self.remaining = self.limit;
            self.reset_at = None;
            self.unsettled = 0;
        }
    }

    fn available(&self) -> Option<u64> {
        self.remaining
            .map(|remaining| remaining.saturating_sub(self.in_flight + self.unsettled))
    }

    fn snapshot(&self, now: Instant) -> RateLimitSnapshot {
        let reset_at = self.reset_at.filter(|reset_at| *reset_at > now);
        RateLimitSnapshot {
            limit: self.limit,
            remaining: self.remaining,
            available: self.available(),
            reset_at,
            reset_in: reset_at.map(|reset_at| reset_at - now),
        }
    }
}

/// A call counted in [`Window::waiting`] until it stops waiting, however it stops.
struct Waiting<'a>(&'a RateLimitState);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut window = self.0.window();
        window.waiting = window.waiting.saturating_sub(1);
    }
}

/// Why a reservation was refused.
struct Spent {
    snapshot: RateLimitSnapshot,
    reset_in: Option<Duration>,
}

impl RateLimitState {
    /// Empty state: no budget known, so nothing is held back until a response reports one.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_ceiling(clock, Duration::from_secs(60))
    }

    /// Empty state where a 429's `Retry-After` blocks the budget for at most `ceiling`.
    pub(crate) fn with_ceiling(clock: Arc<dyn Clock>, ceiling: Duration) -> Self {
        Self {
            shared: Arc::new(Shared {
                clock,
                retry_after_ceiling: ceiling,
                window: Mutex::new(Window::default()),
                changed: tokio::sync::Notify::new(),
            }),
        }
    }

    fn window(&self) -> MutexGuard<'_, Window> {
        // The window holds plain counters that stay valid if a holder panicked.
        self.shared
            .window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The state now.
    pub fn snapshot(&self) -> RateLimitSnapshot {
        let now = self.shared.clock.now();
        let mut window = self.window();
        window.roll(now);
        window.snapshot(now)
    }

    /// Reserves one request of the budget, or says how long until it resets. A spent budget
    /// with an unknown reset does not hold requests back: the API's 429 will say when.
    fn try_reserve(&self) -> Result<Reservation, Spent> {
        let now = self.shared.clock.now();
        let mut window = self.window();
        window.roll(now);
        match (window.available(), window.reset_at) {
            (Some(0), Some(reset_at)) => Err(Spent {
                snapshot: window.snapshot(now),
                reset_in: Some(reset_at.saturating_duration_since(now)),
            }),
            _ => {
                window.in_flight += 1;
                Ok(Reservation {
                    state: Some(self.clone()),
                    sent_at: now,
                })
            }
        }
    }

    /// Records what a response says about the budget. Malformed headers are ignored.
    pub fn observe(&self, status: StatusCode, headers: &HeaderMap) {
        let reported = self.reported(status, headers, ResponseRateLimit::from_headers(headers));
        let now = self.shared.clock.now();
        let mut window = self.window();
        window.roll(now);
        Self::apply(&mut window, now, now, reported);
        let waiting = window.waiting > 0;
        drop(window);
        if waiting {
            self.shared.changed.notify_waiters();
        }
    }

    /// What a response says about the budget, read before the state is locked. A 429
    /// without the budget headers still means the budget is spent, until its Retry-After
    /// (bounded by our ceiling, as the retry layer bounds its wait).
    fn reported(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        said: ResponseRateLimit,
    ) -> ResponseRateLimit {
        let mut reported = said;
        if status == StatusCode::TOO_MANY_REQUESTS {
            reported.remaining = reported.remaining.or(Some(0));
            if reported.reset.is_none() {
                reported.reset = retry_after(headers, self.shared.clock.as_ref())
                    .map(|wait| wait.min(self.shared.retry_after_ceiling));
            }
        }
        reported
    }

    /// Applies what a response reported; `sent_at` is when its request left, `now` when the
    /// response arrived.
    fn apply(window: &mut Window, now: Instant, sent_at: Instant, reported: ResponseRateLimit) {
        let ResponseRateLimit {
            limit,
            remaining,
            reset: reset_in,
        } = reported;
        if limit.is_none() && remaining.is_none() && reset_in.is_none() {
            return;
        }
        if limit.is_some() {
            window.limit = limit;
        }

        let reset_at = reset_in.and_then(|reset_in| now.checked_add(reset_in));
        let earliest_end = reset_in.and_then(|reset_in| {
            sent_at
                .checked_add(reset_in)
                .map(|end| end.checked_sub(RESET_ROUNDING).unwrap_or(sent_at))
        });
        let new_window = match (window.reset_at, earliest_end) {
            (None, _) => true,
            (Some(current), Some(earliest_end)) => earliest_end > current,
            (Some(_), None) => false,
        };
        if new_window {
            window.remaining = remaining.or(window.remaining);
            window.reset_at = reset_at.or(window.reset_at);
        } else {
            // Same window: responses can arrive out of order, so the budget only shrinks.
            if let Some(remaining) = remaining {
                window.remaining = Some(window.remaining.map_or(remaining, |r| r.min(remaining)));
            }
            if let (Some(current), Some(reported)) = (window.reset_at, reset_at) {
                window.reset_at = Some(current.max(reported));
            }
        }
        window.unsettled = 0;
    }
}

impl fmt::Debug for RateLimitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RateLimitState")
            .field(&self.snapshot())
            .finish()
    }
}

/// One reserved unit of the budget, settled by the outcome of its request. Dropped unsettled
/// (the call was cancelled), it counts as possibly sent.
struct Reservation {
    state: Option<RateLimitState>,
    sent_at: Instant,
}

impl Reservation {
    fn settle(mut self, outcome: Option<&mut Response>, sent: bool) -> Option<u64> {
        let state = self.state.take()?;
        // Read outside the lock, which every request takes twice.
        let reported = outcome.map(|response| {
            let said = ResponseRateLimit::from_headers(response.headers());
            let reported = state.reported(response.status(), response.headers(), said);
            // What this response said, for whoever reads it later without parsing again.
            response.extensions_mut().insert(said);
            reported
        });
        let now = state.shared.clock.now();
        let mut window = state.window();
        window.in_flight = window.in_flight.saturating_sub(1);
        match reported {
            Some(reported) => {
                window.roll(now);
                RateLimitState::apply(&mut window, now, self.sent_at, reported);
            }
            None if sent => window.unsettled += 1,
            None => {}
        }
        let remaining = window.remaining;
        let waiting = window.waiting > 0;
        drop(window);
        if waiting {
            state.shared.changed.notify_waiters();
        }
        remaining
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            let mut window = state.window();
            window.in_flight = window.in_flight.saturating_sub(1);
            window.unsettled += 1;
        }
    }
}

/// What one response's `x-ratelimit-*` headers say; malformed values are `None`.
///
/// The rate-limit layer stores it in each response's extensions, so that code above the
/// transport can read it without parsing the headers again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ResponseRateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// Time until the window resets, counted from when the response was sent.
    pub reset: Option<Duration>,
}

impl ResponseRateLimit {
    /// Reads the headers: counts as whole numbers, the reset as whole or fractional
    /// seconds.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        // One pass over the few headers of a response rather than three lookups; the first
        // value of a name counts, as `HeaderMap::get` would give it.
        let (mut limit, mut remaining, mut reset) = (None, None, None);
        for (name, value) in headers {
            let slot = match name.as_str() {
                LIMIT_HEADER => &mut limit,
                REMAINING_HEADER => &mut remaining,
                RESET_HEADER => &mut reset,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        Self {
            limit: limit.and_then(count),
            remaining: remaining.and_then(count),
            reset: reset.and_then(seconds),
        }
    }
}

/// A header value of ASCII digits alone, as the API writes its counts, read without the
/// general parser; `None` for anything else. At most 19 digits, so it cannot overflow.
fn plain_digits(value: &HeaderValue) -> Option<u64> {
    let digits = value.as_bytes();
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0, |number, digit| number * 10 + u64::from(digit - b'0')),
    )
}

/// Reads a header value as a non-negative integer; anything else is ignored.
fn count(value: &HeaderValue) -> Option<u64> {
    plain_digits(value).or_else(|| value.to_str().ok()?.trim().parse().ok())
}

/// Reads a header value as non-negative seconds, whole or fractional; anything else is
/// ignored.
fn seconds(value: &HeaderValue) -> Option<Duration> {
    if let Some(seconds) = count(value) {
        return Some(Duration::from_secs(seconds));
    }
    let seconds: f64 = value.to_str().ok()?.trim().parse().ok()?;
    Duration::try_from_secs_f64(seconds).ok()
}

/// The delay a `Retry-After` header asks for: delay-seconds or an HTTP date (a date in the
/// past means now). Malformed values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap, clock: &dyn Clock) -> Option<Duration> {
    let text = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(
        date.duration_since(clock.system_time())
            .unwrap_or(Duration::ZERO),
    )
}

/// Tracks the rate limit of every response and holds requests back while it is spent.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    state: RateLimitState,
    mode: RateLimitMode,
}

impl RateLimitLayer {
    /// A layer over `state` (share it with [`RateLimitState::clone`] to read it) in `mode`.
    pub fn new(state: RateLimitState, mode: RateLimitMode) -> Self {
        Self { state, mode }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            state: self.state.clone(),
            mode: self.mode,
        }
    }
}

/// Settles `reservation` with the outcome of its request and passes the outcome on.
fn settled(
    reservation: Reservation,
    result: Result<Response, TransportError>,
) -> Result<Response, TransportError> {
    match result {
        Ok(mut response) => {
            if let Some(remaining) = reservation.settle(Some(&mut response), true) {
                tracing::Span::current().record("ratelimit.remaining", remaining);
            }
            Ok(response)
        }
        Err(error) => {
            reservation.settle(None, error.request_may_have_been_sent());
            Err(error)
        }
    }
}

/// The service of [`RateLimitLayer`].
#[derive(Debug, Clone)]
pub struct RateLimit<S> {
    inner: S,
    state: RateLimitState,
    mode: RateLimitMode,
}

impl<S> RateLimit<S> {
    async fn reserve(
        state: RateLimitState,
        mode: RateLimitMode,
    ) -> Result<Reservation, TransportError> {
        let clock = state.shared.clock.clone();
        let mut waited = Duration::ZERO;
        // Counted before the first check, so a response settling after it announces itself;
        // one settling before it is seen by the check.
        state.window().waiting += 1;
        let _waiting = Waiting(&state);
        loop {
            // Registered before the check, so a response settling in between wakes us.
            let changed = state.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();

            let spent = match state.try_reserve() {
                Ok(reservation) => return Ok(reservation),
                Err(spent) => spent,
            };
            let wait = spent.reset_in.unwrap_or(Duration::ZERO);
            let refuse = match mode {
                RateLimitMode::FailFast => true,
                RateLimitMode::Wait { max_wait } => waited + wait > max_wait,
            };
            if refuse {
                tracing::debug!(
                    ratelimit.remaining = spent.snapshot.remaining,
                    ratelimit.reset_in_ms = wait.as_millis() as u64,
                    "rate limit spent; refusing the request"
                );
                return Err(TransportError::RateLimited {
                    snapshot: spent.snapshot,
                    reset_in: spent.reset_in,
                });
            }

            tracing::debug!(
                ratelimit.reset_in_ms = wait.as_millis() as u64,
                "rate limit spent; waiting for the window to reset"
            );
            let started = clock.now();
            let _woken = select(changed.as_mut(), clock.sleep(wait)).await;
            waited += clock.now().saturating_duration_since(started);
        }
    }
}

impl<S> Service<Request> for RateLimit<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Error: Into<TransportError>,
    S::Future: Send,
{
    type Response = Response;
    type Error = TransportError;
    type Future = RateLimitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // Most calls find budget at once: they are sent now, on the ready service, with no
        // clone of it and nothing boxed.
        if let Ok(reservation) = self.state.try_reserve() {
            let response = self.inner.call(request);
            return RateLimitFuture {
                state: Stage::Reserved {
                    response,
                    reservation: Some(reservation),
                },
            };
        }
        // The ready service goes with this call; a clone is left for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        let mode = self.mode;
        let waiting = Box::pin(async move {
            let reservation = Self::reserve(state, mode).await?;
            let result = inner.call(request).await.map_err(Into::into);
            settled(reservation, result)
        });
        RateLimitFuture {
            state: Stage::Waiting { waiting },
        }
    }
}

pin_project! {
    /// The future of a [`RateLimit`] call.
    pub struct RateLimitFuture<F> {
        #[pin]
        state: Stage<F>,
    }
}

pin_project! {
    #[project = StageProjection]
    enum Stage<F> {
        /// Budget was found at once and the request is on its way.
        Reserved {
            #[pin]
            response: F,
            reservation: Option<Reservation>,
        },
        /// Waiting for budget first: the rare case, boxed.
        Waiting {
            waiting: BoxFuture<'static, Result<Response, TransportError>>,
        },
    }
}

impl<F, E> Future for RateLimitFuture<F>
where
    F: Future<Output = Result<Response, E>>,
    E: Into<TransportError>,
{
    type Output = Result<Response, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StageProjection::Reserved {
                response,
                reservation,
            } => {
                let result = ready!(response.poll(cx)).map_err(Into::into);
                match reservation.take() {
                    Some(reservation) => Poll::Ready(settled(reservation, result)),
                    // Polled again after it finished: the outcome was handed on already.
                    None => Poll::Ready(result),
                }
            }
            StageProjection::Waiting { waiting } => waiting.as_mut().poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use tower::ServiceExt;
    use tower_test::mock;

    use super::*;
    use crate::ResponseBody;
    use crate::body::Body;
    use crate::clock::ManualClock;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.insert(*name, value);
            }
        }
        map
    }

    fn response(status: u16, pairs: &[(&'static str, &str)]) -> Response {
        let mut response = http::Response::new(ResponseBody::empty());
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        *response.headers_mut() = headers(pairs);
        response
    }

    fn request() -> Request {
        http::Request::new(Body::empty())
    }

    #[test]
    fn malformed_headers_are_ignored() {
        let clock = ManualClock::new();
        let state = RateLimitState::new(Arc::new(clock));
        state.observe(
            StatusCode::OK,
            &headers(&[
                (LIMIT_HEADER, "lots"),
                (REMAINING_HEADER, "-3"),
                (RESET_HEADER, "1e400"),
            ]),
        );
        state.observe(StatusCode::OK, &headers(&[(RESET_HEADER, "NaN")]));
        let snapshot = state.snapshot();
        assert_eq!(snapshot.limit, None);
        assert_eq!(snapshot.remaining, None);
        assert_eq!(snapshot.reset_at, None);
    }

    #[test]
    fn remaining_only_shrinks_within_a_window_and_resets_after() {
        let clock = ManualClock::new();
        let state = RateLimitState::new(Arc::new(clock.clone()));
        let update = |remaining: &str, reset: &str| {
            state.observe(
                StatusCode::OK,
                &headers(&[
                    (LIMIT_HEADER, "100"),
                    (REMAINING_HEADER, remaining),
                    (RESET_HEADER, reset),
                ]),
            );
        };
        update("50", "30");
        update("60", "30");
        assert_eq!(state.snapshot().remaining, Some(50));
        clock.advance(Duration::from_secs(30));
        let snapshot = state.snapshot();
        assert_eq!(snapshot.remaining, Some(100));
        assert_eq!(snapshot.reset_in, None);
        update("99", "60");
        assert_eq!(state.snapshot().remaining, Some(99));
    }

    #[test]
    fn reservations_count_against_remaining() {
        let clock = ManualClock::new();
        let state = RateLimitState::new(Arc::new(clock));
        state.observe(
            StatusCode::OK,
            &headers(&[(REMAINING_HEADER, "2"), (RESET_HEADER, "10")]),
        );
        let first = state.try_reserve().ok();
        let second = state.try_reserve().ok();
        assert!(first.is_some() && second.is_some());
        assert!(state.try_reserve().is_err());
        // A connection that never opened gives its unit back.
        if let Some(first) = first {
            first.settle(None, false);
        }
        assert!(state.try_reserve().is_ok());
    }

    #[tokio::test]
    async fn waits_for_reset_when_spent() {
        let clock = ManualClock::auto_advance();
        let state = RateLimitState::new(Arc::new(clock.clone()));
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = RateLimitLayer::new(state.clone(), RateLimitMode::default()).layer(service);

        let first = tokio::spawn(service.clone().oneshot(request()));
        if let Some((_, send)) = handle.next_request().await {
            send.send_response(response(
                200,
                &[(REMAINING_HEADER, "0"), (RESET_HEADER, "30")],
            ));
        }
        assert!(matches!(first.await, Ok(Ok(_))));
        assert_eq!(state.snapshot().available, Some(0));

        let second = tokio::spawn(service.oneshot(request()));
        if let Some((_, send)) = handle.next_request().await {
            send.send_response(response(200, &[]));
        }
        assert!(matches!(second.await, Ok(Ok(_))));
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
    }

    #[test]
    fn counts_read_as_the_general_parser_reads_them() {
        for text in [
            "0",
            "5",
            "0012",
            " 7 ",
            "\t8",
            "+3",
            "",
            " ",
            "-1",
            "1e3",
            "1.5",
            "lots",
            "9999999999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
        ] {
            let value = HeaderValue::from_str(text).expect("a header value");
            let general: Option<u64> = text.trim().parse().ok();
            assert_eq!(count(&value), general, "{text:?}");
        }
        let seconds = |text: &str| seconds(&HeaderValue::from_str(text).expect("a value"));
        assert_eq!(seconds("30"), Some(Duration::from_secs(30)));
        assert_eq!(seconds(" 2.5 "), Some(Duration::from_millis(2500)));
        assert_eq!(seconds("-1"), None);
    }

    #[test]
    fn the_first_value_of_a_header_counts() {
        let mut map = headers(&[(REMAINING_HEADER, "oops"), (LIMIT_HEADER, "100")]);
        map.append(REMAINING_HEADER, HeaderValue::from_static("5"));
        map.append(LIMIT_HEADER, HeaderValue::from_static("7"));
        let said = ResponseRateLimit::from_headers(&map);
        assert_eq!(said.remaining, None);
        assert_eq!(said.limit, Some(100));
        assert_eq!(said.reset, None);
    }

    #[tokio::test]
    async fn a_unit_given_back_wakes_a_waiting_call() {
        let clock = ManualClock::new();
        let state = RateLimitState::new(Arc::new(clock.clone()));
        state.observe(
            StatusCode::OK,
            &headers(&[(REMAINING_HEADER, "1"), (RESET_HEADER, "30")]),
        );
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = RateLimitLayer::new(state.clone(), RateLimitMode::default()).layer(service);
        let patience = Duration::from_secs(5);

        let first = tokio::spawn(service.clone().oneshot(request()));
        let Some((_, first_reply)) = handle.next_request().await else {
            panic!("the first call is sent");
        };
        let second = tokio::spawn(service.oneshot(request()));
        tokio::time::timeout(patience, clock.wait_for_sleeps(1))
            .await
            .expect("the second call waits for the reset");

        // The first never left, so its unit goes back: the waiting call is sent at once,
        // without the clock reaching the reset.
        first_reply.send_error(TransportError::connect("refused"));
        assert!(matches!(first.await, Ok(Err(_))));
        let woken = tokio::time::timeout(patience, handle.next_request())
            .await
            .expect("the waiting call is woken by the settled reservation");
        let Some((_, second_reply)) = woken else {
            panic!("the second call is sent");
        };
        second_reply.send_response(response(200, &[]));
        assert!(matches!(second.await, Ok(Ok(_))));
        assert_eq!(clock.elapsed(), Duration::ZERO);
        assert_eq!(state.window().waiting, 0);
    }

    #[tokio::test]
    async fn each_response_carries_what_its_headers_said() {
        let state = RateLimitState::new(Arc::new(ManualClock::new()));
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = RateLimitLayer::new(state, RateLimitMode::default()).layer(service);
        let call = tokio::spawn(service.oneshot(request()));
        if let Some((_, send)) = handle.next_request().await {
            send.send_response(response(
                200,
                &[
                    (LIMIT_HEADER, "1000"),
                    (REMAINING_HEADER, "998"),
                    (RESET_HEADER, "1.5"),
                ],
            ));
        }
        let Ok(Ok(response)) = call.await else {
            panic!("the call succeeds");
        };
        let said = response.extensions().get::<ResponseRateLimit>().copied();
        assert_eq!(
            said,
            Some(ResponseRateLimit {
                limit: Some(1000),
                remaining: Some(998),
                reset: Some(Duration::from_millis(1500)),
            })
        );
    }

    #[tokio::test]
    async fn fail_fast_refuses_without_sending() {
        let clock = ManualClock::new();
        let state = RateLimitState::new(Arc::new(clock.clone()));
        state.observe(
            StatusCode::OK,
            &headers(&[(REMAINING_HEADER, "0"), (RESET_HEADER, "30")]),
        );
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = RateLimitLayer::new(state, RateLimitMode::FailFast).layer(service);
        let result = service.oneshot(request()).await;
        match result {
            Err(error) => {
                assert_eq!(error.rate_limit_reset_in(), Some(Duration::from_secs(30)));
                assert_eq!(error.rate_limit().and_then(|s| s.remaining), Some(0));
            }
            Ok(_) => panic!("a spent budget must fail fast"),
        }
        handle.allow(0);
        assert!(clock.sleeps().is_empty());
    }

    #[tokio::test]
    async fn too_long_a_wait_fails() {
        let clock = ManualClock::auto_advance();
        let state = RateLimitState::new(Arc::new(clock.clone()));
        state.observe(
            StatusCode::OK,
            &headers(&[(REMAINING_HEADER, "0"), (RESET_HEADER, "3600")]),
        );
        let (service, _handle) = mock::pair::<Request, Response>();
        let mode = RateLimitMode::Wait {
            max_wait: Duration::from_secs(60),
        };
        let result = RateLimitLayer::new(state, mode)
            .layer(service)
            .oneshot(request())
            .await;
        assert!(matches!(result, Err(TransportError::RateLimited { .. })));
        assert!(clock.sleeps().is_empty());
    }

    #[test]
    fn too_many_requests_blocks_until_retry_after() {
        let clock = ManualClock::new();
        let state = RateLimitState::new(Arc::new(clock.clone()));
        state.observe(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "2")]),
        );
        assert_eq!(state.snapshot().reset_in, Some(Duration::from_secs(2)));
        clock.advance(Duration::from_secs(2));
        assert!(state.try_reserve().is_ok());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let clock = ManualClock::new();
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), &clock),
            Some(Duration::from_secs(7))
        );
        let in_ten = httpdate::fmt_http_date(clock.system_time() + Duration::from_secs(10));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &in_ten)]), &clock),
            Some(Duration::from_secs(10))
        );
        let past = httpdate::fmt_http_date(clock.system_time() - Duration::from_secs(10));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)]), &clock),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "soon")]), &clock),
            None
        );
    }
}
