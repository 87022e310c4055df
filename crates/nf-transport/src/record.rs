//! Records what each attempt put on the wire, secrets redacted, in its response: see
//! [`SentRequest`] and
//! [`TransportBuilder::record_sent_requests`](crate::TransportBuilder::record_sent_requests).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::ready;
use http::header::{AUTHORIZATION, PROXY_AUTHORIZATION};
use http::{HeaderMap, HeaderValue};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::error::TransportError;
use crate::{Request, Response};

/// The text that replaces secret header values in a [`SentRequest`].
pub const REDACTED: &str = "[redacted]";

/// What the attempt that produced a response sent: its absolute URL and its headers as they
/// went on the wire, with `Authorization`, `Proxy-Authorization` and every value marked
/// sensitive replaced by [`REDACTED`].
///
/// Found in the extensions of responses from a transport built with
/// [`record_sent_requests`](crate::TransportBuilder::record_sent_requests).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SentRequest {
    /// The absolute URL, query included.
    pub url: String,
    /// The headers, secrets redacted.
    pub headers: HeaderMap,
}

impl SentRequest {
    /// The record of `request`.
    pub(crate) fn of(request: &Request) -> Self {
        Self {
            url: url_of(request.uri()),
            headers: redacted(request.headers()),
        }
    }
}

/// The innermost attempt service above the attempt timeout: records each attempt when
/// switched on, and passes it through untouched otherwise.
#[derive(Debug, Clone)]
pub(crate) struct Record<S> {
    inner: S,
    enabled: bool,
}

impl<S> Record<S> {
    pub(crate) fn new(inner: S, enabled: bool) -> Self {
        Self { inner, enabled }
    }
}

impl<S> Service<Request> for Record<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<TransportError>,
{
    type Response = Response;
    type Error = TransportError;
    type Future = RecordFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let sent = self.enabled.then(|| SentRequest::of(&request));
        RecordFuture {
            response: self.inner.call(request),
            sent,
        }
    }
}

pin_project! {
    /// The future of a [`Record`] call.
    pub(crate) struct RecordFuture<F> {
        #[pin]
        response: F,
        sent: Option<SentRequest>,
    }
}

impl<F, E> Future for RecordFuture<F>
where
    F: Future<Output = Result<Response, E>>,
    E: Into<TransportError>,
{
    type Output = Result<Response, TransportError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.response.poll(cx)).map_err(Into::into)?;
        if let Some(sent) = this.sent.take() {
            response.extensions_mut().insert(sent);
        }
        Poll::Ready(Ok(response))
    }
}

/// The URI as text, as its `Display` writes it, without the formatting machinery.
fn url_of(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or_default();
    let authority = uri.authority().map_or("", http::uri::Authority::as_str);
    let (path, query) = (uri.path(), uri.query());
    let mut url = String::with_capacity(
        scheme.len() + 3 + authority.len() + path.len() + query.map_or(0, |q| q.len() + 1),
    );
    if !scheme.is_empty() {
        url.push_str(scheme);
        url.push_str("://");
    }
    url.push_str(authority);
    url.push_str(path);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A copy of `headers` with credentials and every header marked sensitive replaced.
fn redacted(headers: &HeaderMap) -> HeaderMap {
    let mut copy = headers.clone();
    for (name, value) in copy.iter_mut() {
        let secret = value.is_sensitive() || name == AUTHORIZATION || name == PROXY_AUTHORIZATION;
        if secret {
            let mut hidden = HeaderValue::from_static(REDACTED);
            hidden.set_sensitive(true);
            *value = hidden;
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;
    use tower_test::mock;

    use super::*;
    use crate::ResponseBody;
    use crate::body::Body;

    #[test]
    fn urls_read_as_their_display() {
        for text in [
            "https://api.northflank.com/v1/projects?per_page=5&cursor=a%20b",
            "http://127.0.0.1:8080/v1/projects",
            "http://[::1]:80/",
            "/v1/projects?x=1",
        ] {
            let uri: http::Uri = text.parse().expect("a URI");
            assert_eq!(url_of(&uri), uri.to_string());
        }
    }

    #[test]
    fn credentials_and_sensitive_values_are_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer secret"));
        let mut cookie = HeaderValue::from_static("session=secret");
        cookie.set_sensitive(true);
        headers.insert(http::header::COOKIE, cookie);
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );

        let copy = redacted(&headers);
        assert_eq!(copy[AUTHORIZATION], REDACTED);
        assert_eq!(copy[http::header::COOKIE], REDACTED);
        assert_eq!(copy[http::header::ACCEPT], "application/json");
        assert!(!format!("{copy:?}").contains("secret"));
    }

    async fn recorded(enabled: bool) -> Option<SentRequest> {
        let (service, mut handle) = mock::pair::<Request, Response>();
        let mut request = http::Request::new(Body::empty());
        *request.uri_mut() = http::Uri::from_static("https://api.example.com/v1/x?y=1");
        request
            .headers_mut()
            .insert(AUTHORIZATION, HeaderValue::from_static("Bearer secret"));
        let call = tokio::spawn(Record::new(service, enabled).oneshot(request));
        let (_, send) = handle.next_request().await.expect("the request");
        send.send_response(http::Response::new(ResponseBody::empty()));
        let response = call.await.expect("the call").expect("a response");
        response.extensions().get::<SentRequest>().cloned()
    }

    #[tokio::test]
    async fn responses_carry_the_redacted_request_when_recording() {
        let sent = recorded(true).await.expect("a record");
        assert_eq!(sent.url, "https://api.example.com/v1/x?y=1");
        assert_eq!(sent.headers[AUTHORIZATION], REDACTED);
        assert!(recorded(false).await.is_none());
    }
}
