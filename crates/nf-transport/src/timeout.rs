//! Timeouts on the injected clock: one layer type, used once around each attempt and once
//! around the whole call.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::{Either, select};
use tower_layer::Layer;
use tower_service::Service;

use crate::clock::Clock;
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
    duration: Duration,
    kind: TimeoutKind,
    clock: Arc<dyn Clock>,
}

impl TimeoutLayer {
    /// A timeout of `duration`, measured on `clock`.
    pub fn new(duration: Duration, kind: TimeoutKind, clock: Arc<dyn Clock>) -> Self {
        Self {
            duration,
            kind,
            clock,
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
            clock: self.clock.clone(),
        }
    }
}

/// The service of [`TimeoutLayer`].
#[derive(Debug, Clone)]
pub struct Timeout<S> {
    inner: S,
    duration: Duration,
    kind: TimeoutKind,
    clock: Arc<dyn Clock>,
}

impl<S> Service<Request> for Timeout<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<TransportError>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, TransportError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let response = self.inner.call(request);
        // The sleep starts now, with the call, not when the future is first polled.
        let deadline = self.clock.sleep(self.duration);
        let (duration, kind) = (self.duration, self.kind);
        Box::pin(async move {
            // Pinned inside this future rather than boxed on its own: one allocation less.
            let response = std::pin::pin!(response);
            match select(response, deadline).await {
                Either::Left((result, _)) => result.map_err(Into::into),
                Either::Right(_) => {
                    tracing::debug!(timeout_ms = duration.as_millis() as u64, ?kind, "timed out");
                    Err(match kind {
                        TimeoutKind::Attempt => TransportError::AttemptTimeout { after: duration },
                        TimeoutKind::Call => TransportError::CallTimeout { after: duration },
                    })
                }
            }
        })
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
