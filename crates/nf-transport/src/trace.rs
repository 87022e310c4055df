//! `tracing` spans: one per call and one per attempt, at debug level, with field names in
//! the OpenTelemetry style. Spans never carry a header value or a body, and URLs are logged
//! without their query, which may hold the signature of a pre-signed link.

use std::task::{Context, Poll};

use futures_util::TryFutureExt;
use futures_util::future::{BoxFuture, Either, MapErr};
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;
use tracing::field::Empty;

use crate::error::TransportError;
use crate::retry::Attempt;
use crate::{Request, Response};

/// The name of an API operation (`list.projects`), which a client may put in a request's
/// extensions to have it recorded as `nf.operation` on the call span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationName(pub &'static str);

/// Which span a [`TraceLayer`] opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpanKind {
    /// `northflank.call`: the whole call, with `http.method`, `http.url`, `nf.operation`,
    /// and `http.status_code` once answered.
    Call,
    /// `northflank.attempt`: one attempt, with `retry.attempt`, `http.status_code` and
    /// `ratelimit.remaining`.
    Attempt,
}

/// Opens a debug span around each request and records its outcome in it.
#[derive(Debug, Clone, Copy)]
pub struct TraceLayer {
    kind: SpanKind,
}

impl TraceLayer {
    /// A layer opening spans of `kind`.
    pub fn new(kind: SpanKind) -> Self {
        Self { kind }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace {
            inner,
            kind: self.kind,
        }
    }
}

/// The service of [`TraceLayer`].
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
    kind: SpanKind,
}

/// The URL without its query.
fn url_without_query(uri: &http::Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}{}", uri.path()),
        _ => uri.path().to_owned(),
    }
}

/// The error and its causes on one line, for a debug event.
fn error_chain(error: &TransportError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<TransportError>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = TransportError;
    type Future = Either<
        MapErr<S::Future, fn(S::Error) -> TransportError>,
        BoxFuture<'static, Result<Response, TransportError>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let span = match self.kind {
            SpanKind::Call => tracing::debug_span!(
                "northflank.call",
                http.method = %request.method(),
                http.url = %url_without_query(request.uri()),
                nf.operation = request.extensions().get::<OperationName>().map(|o| o.0),
                http.status_code = Empty,
            ),
            SpanKind::Attempt => tracing::debug_span!(
                "northflank.attempt",
                retry.attempt = request.extensions().get::<Attempt>().map_or(1, |a| a.0),
                http.status_code = Empty,
                ratelimit.remaining = Empty,
            ),
        };
        if span.is_disabled() {
            // Nobody listens (no subscriber, or one that filters this span out, and with it
            // this layer's debug events): the call goes through as it is, at no cost.
            return Either::Left(self.inner.call(request).map_err(Into::into as fn(_) -> _));
        }
        let future = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        let kind = self.kind;
        Either::Right(Box::pin(
            async move {
                let result = future.await.map_err(Into::into);
                let span = tracing::Span::current();
                match &result {
                    Ok(response) => {
                        span.record("http.status_code", response.status().as_u16());
                        tracing::debug!(http.status_code = response.status().as_u16(), "response");
                    }
                    // Reported at debug only: the error is also returned to the caller.
                    Err(error) if kind == SpanKind::Attempt => {
                        tracing::debug!(error = %error_chain(error), "attempt failed");
                    }
                    Err(error) => tracing::debug!(error = %error_chain(error), "call failed"),
                }
                result
            }
            .instrument(span),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_logged_without_query() {
        let uri = http::Uri::from_static("https://files.example.com/a/b?signature=abc");
        assert_eq!(url_without_query(&uri), "https://files.example.com/a/b");
    }

    #[test]
    fn error_chain_lists_causes() {
        let error = TransportError::connect(std::io::Error::other("refused"));
        assert_eq!(error_chain(&error), "could not connect to the API: refused");
    }
}
