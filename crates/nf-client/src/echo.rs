//! Records each attempt's URL and headers, secrets redacted, in its response, so that a
//! response can say what was sent for it.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::header::{AUTHORIZATION, PROXY_AUTHORIZATION};
use http::{HeaderMap, HeaderValue};
use nf_transport::{BoxTransportService, Request, Response, TransportError};
use tower_layer::Layer;
use tower_service::Service;

/// What an attempt sent, stored in its response's extensions.
#[derive(Debug, Clone)]
pub(crate) struct SentRequest {
    pub(crate) url: String,
    pub(crate) headers: HeaderMap,
}

/// The layer, added innermost among the attempt layers so it sees what goes on the wire.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EchoLayer;

impl Layer<BoxTransportService> for EchoLayer {
    type Service = Echo;

    fn layer(&self, inner: BoxTransportService) -> Echo {
        Echo { inner }
    }
}

#[derive(Clone)]
pub(crate) struct Echo {
    inner: BoxTransportService,
}

impl Service<Request> for Echo {
    type Response = Response;
    type Error = TransportError;
    type Future = BoxFuture<'static, Result<Response, TransportError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let sent = SentRequest {
            url: url_of(request.uri()),
            headers: redacted(request.headers()),
        };
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            response.extensions_mut().insert(sent);
            Ok(response)
        })
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

/// The text that replaces secret header values.
pub(crate) const REDACTED: &str = "[redacted]";

/// A copy of `headers` with credentials and every header marked sensitive replaced.
pub(crate) fn redacted(headers: &HeaderMap) -> HeaderMap {
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
    use super::*;

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
}
