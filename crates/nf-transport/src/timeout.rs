//! Timeouts on the injected clock: one layer type, used once around each attempt and once
//! around the whole call.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::ready;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::clock::{Clock, Sleep};
use crate::error::TransportError;
use crate::{Request, Response};

/// Which deadline a [`TimeoutLayer`] enforces; it picks the error returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One exchange with the server; fails with [`TransportError::AttemptTimeout`].
    Attempt,
    /// The whole call with its retries and waits; fails with [`TransportError::CallTimeout`].
    Call,
}

/// Fails a request that takes longer than a duration on the transport's clock.
#[derive(Debug, Clone)]
pub struct TimeoutLayer {
    duration: Option<Duration>,
    kind: TimeoutKind,
    timer: Timer,
}

/// Where a timeout's sleep comes from.
#[derive(Debug, Clone)]
enum Timer {
    /// tokio's timer, held in the timeout's future itself: the default clock's sleeps
    /// would otherwise be boxed, at two allocations per call.
    Tokio,
    /// An injected clock's sleep.
    Clock(Arc<dyn Clock>),
}

impl TimeoutLayer {
    /// A timeout of `duration`, measured on `clock`.
    pub fn new(duration: Duration, kind: TimeoutKind, clock: Arc<dyn Clock>) -> Self {
        Self::optional(Some(duration), kind, Some(clock))
    }

    /// A timeout of `duration`, or none at all: the stack keeps one type either way. Without
    /// a `clock`, tokio's timer.
    pub(crate) fn optional(
        duration: Option<Duration>,
        kind: TimeoutKind,
        clock: Option<Arc<dyn Clock>>,
    ) -> Self {
        Self {
            duration,
            kind,
            timer: clock.map_or(Timer::Tokio, Timer::Clock),
        }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout {
            inner,
            duration: self.duration,
            kind: self.kind,
            timer: self.timer.clone(),
        }
    }
}

/// The service of [`TimeoutLayer`].
#[derive(Debug, Clone)]
pub struct Timeout<S> {
    inner: S,
    duration: Option<Duration>,
    kind: TimeoutKind,
    timer: Timer,
}

impl<S> Service<Request> for Timeout<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<TransportError>,
{
    type Response = Response;
    type Error = TransportError;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let response = self.inner.call(request);
        // The sleep starts now, with the call, not when the future is first polled.
        let deadline = match (self.duration, &self.timer) {
            (None, _) => Deadline::None,
            (Some(duration), Timer::Tokio) => Deadline::Tokio {
                sleep: tokio::time::sleep(duration),
            },
            (Some(duration), Timer::Clock(clock)) => Deadline::Clock {
                sleep: clock.sleep(duration),
            },
        };
        TimeoutFuture {
            response,
            deadline,
            duration: self.duration.unwrap_or_default(),
            kind: self.kind,
        }
    }
}

pin_project! {
    /// The future of a [`Timeout`]: the inner call, unless its deadline passes first.
    pub struct TimeoutFuture<F> {
        #[pin]
        response: F,
        #[pin]
        deadline: Deadline,
        duration: Duration,
        kind: TimeoutKind,
    }
}

pin_project! {
    /// The sleep a [`TimeoutFuture`] races its call against.
    #[project = DeadlineProjection]
    enum Deadline {
        None,
        Tokio { #[pin] sleep: tokio::time::Sleep },
        Clock { sleep: Sleep },
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project() {
            DeadlineProjection::None => Poll::Pending,
            DeadlineProjection::Tokio { sleep } => sleep.poll(cx),
            DeadlineProjection::Clock { sleep } => sleep.as_mut().poll(cx),
        }
    }
}

impl<F, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<Response, E>>,
    E: Into<TransportError>,
{
    type Output = Result<Response, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // The response first: one that is ready wins over a deadline that passed meanwhile.
        if let Poll::Ready(result) = this.response.poll(cx) {
            return Poll::Ready(result.map_err(Into::into));
        }
        ready!(this.deadline.poll(cx));
        let after = *this.duration;
        tracing::debug!(timeout_ms = after.as_millis() as u64, kind = ?this.kind, "timed out");
        Poll::Ready(Err(match this.kind {
            TimeoutKind::Attempt => TransportError::AttemptTimeout { after },
            TimeoutKind::Call => TransportError::CallTimeout { after },
        }))
    }
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;
    use tower_test::mock;

    use super::*;
    use crate::ResponseBody;
    use crate::body::Body;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn fires_after_the_duration_on_the_clock() {
        let clock = ManualClock::new();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let layer = TimeoutLayer::new(
            Duration::from_secs(30),
            TimeoutKind::Attempt,
            Arc::new(clock.clone()),
        );
        let call = tokio::spawn(
            layer
                .layer(service)
                .oneshot(http::Request::new(Body::empty())),
        );
        let _pending = handle.next_request().await;
        clock.wait_for_sleeps(1).await;
        clock.advance(Duration::from_secs(29));
        tokio::task::yield_now().await;
        assert!(!call.is_finished());
        clock.advance(Duration::from_secs(1));
        match call.await {
            Ok(Err(TransportError::AttemptTimeout { after })) => {
                assert_eq!(after, Duration::from_secs(30));
            }
            other => panic!("expected an attempt timeout, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_clock_tokio_s_timer_fires() {
        let (service, mut handle) = mock::pair::<Request, Response>();
        let layer = TimeoutLayer::optional(Some(Duration::from_secs(30)), TimeoutKind::Call, None);
        let call = tokio::spawn(
            layer
                .layer(service)
                .oneshot(http::Request::new(Body::empty())),
        );
        let _pending = handle.next_request().await;
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(!call.is_finished());
        match call.await {
            Ok(Err(TransportError::CallTimeout { after })) => {
                assert_eq!(after, Duration::from_secs(30));
            }
            other => panic!("expected a call timeout, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn passes_a_timely_response_through() {
        let clock = ManualClock::new();
        let (service, mut handle) = mock::pair::<Request, Response>();
        let layer = TimeoutLayer::new(Duration::from_secs(5), TimeoutKind::Call, Arc::new(clock));
        let call = tokio::spawn(
            layer
                .layer(service)
                .oneshot(http::Request::new(Body::empty())),
        );
        if let Some((_, send)) = handle.next_request().await {
            send.send_response(http::Response::new(ResponseBody::empty()));
        }
        assert!(matches!(call.await, Ok(Ok(_))));
    }
}
