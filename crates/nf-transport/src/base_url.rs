//! Joins the API base URL to request paths and sets the `User-Agent`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Uri};
use nf_context::ContextProvider;
use tower_layer::Layer;
use tower_service::Service;

use crate::error::{ConfigErrorKind, TransportError};
use crate::prepared::{self, PreparedFuture};
use crate::{Request, Response};

/// The product name sent in the `User-Agent` header.
pub const USER_AGENT_PRODUCT: &str = "northflank-rs";

/// The `User-Agent` of this crate: `northflank-rs/<version>`, then ` (<suffix>)` when a
/// suffix is given.
///
/// # Errors
/// [`ConfigErrorKind::InvalidUserAgent`] when the suffix cannot appear in a header.
pub fn user_agent(suffix: Option<&str>) -> Result<HeaderValue, TransportError> {
    let version = env!("CARGO_PKG_VERSION");
    let text = match suffix {
        Some(suffix) => format!("{USER_AGENT_PRODUCT}/{version} ({suffix})"),
        None => format!("{USER_AGENT_PRODUCT}/{version}"),
    };
    HeaderValue::from_str(&text)
        .map_err(|error| TransportError::config_caused(ConfigErrorKind::InvalidUserAgent, error))
}

/// An API base URL: `http` or `https`, a host, an optional port and an optional path
/// prefix, kept without its trailing slash. Credentials, queries and fragments are refused.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    scheme: Scheme,
    authority: Authority,
    prefix: String,
}

impl BaseUrl {
    /// Parses a base URL such as `https://api.northflank.com` or `http://127.0.0.1:8080/api/`.
    ///
    /// # Errors
    /// [`ConfigErrorKind::InvalidBaseUrl`] when it is not such a URL.
    pub fn parse(text: &str) -> Result<Self, TransportError> {
        let invalid = || TransportError::config(ConfigErrorKind::InvalidBaseUrl);
        let uri = Uri::from_str(text.trim()).map_err(|error| {
            TransportError::config_caused(ConfigErrorKind::InvalidBaseUrl, error)
        })?;
        let scheme = uri.scheme().cloned().ok_or_else(invalid)?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid());
        }
        let authority = uri.authority().cloned().ok_or_else(invalid)?;
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return Err(invalid());
        }
        if uri.query().is_some() || text.contains('#') {
            return Err(invalid());
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            scheme,
            authority,
            prefix,
        })
    }

    /// The path prefix, empty or starting with `/`, without a trailing slash.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The base URL joined to `path_and_query`, which must start with `/`.
    ///
    /// # Errors
    /// [`ConfigErrorKind::InvalidRequestUri`] when the result is not a valid URI.
    pub fn join(&self, path_and_query: &str) -> Result<Uri, TransportError> {
        if !path_and_query.starts_with('/') {
            return Err(TransportError::config(ConfigErrorKind::InvalidRequestUri));
        }
        if self.prefix.is_empty() {
            // The common case needs no new string: the parsed path is reused as it is.
            let path = PathAndQuery::try_from(path_and_query).map_err(|error| {
                TransportError::config_caused(ConfigErrorKind::InvalidRequestUri, error)
            })?;
            return self.with_path(path);
        }
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(format!("{}{path_and_query}", self.prefix))
            .build()
            .map_err(|error| {
                TransportError::config_caused(ConfigErrorKind::InvalidRequestUri, error)
            })
    }

    /// [`BaseUrl::join`] for a path already parsed: without a prefix the path is shared,
    /// not copied.
    fn join_parsed(&self, path_and_query: &PathAndQuery) -> Result<Uri, TransportError> {
        if self.prefix.is_empty() && path_and_query.as_str().starts_with('/') {
            return self.with_path(path_and_query.clone());
        }
        self.join(path_and_query.as_str())
    }

    fn with_path(&self, path_and_query: PathAndQuery) -> Result<Uri, TransportError> {
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query);
        Uri::from_parts(parts).map_err(|error| {
            TransportError::config_caused(ConfigErrorKind::InvalidRequestUri, error)
        })
    }

    /// Whether `uri` points at this base URL's scheme, host and port (default ports
    /// included), which is where the token may be sent.
    pub fn same_origin(&self, uri: &Uri) -> bool {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return false;
        };
        // The common case, a URI this base URL made, matches as written.
        if *scheme == self.scheme && authority.as_str() == self.authority.as_str() {
            return true;
        }
        *scheme == self.scheme
            && authority.host().eq_ignore_ascii_case(self.authority.host())
            && effective_port(scheme, authority) == effective_port(&self.scheme, &self.authority)
    }
}

fn effective_port(scheme: &Scheme, authority: &Authority) -> Option<u16> {
    authority.port_u16().or(if *scheme == Scheme::HTTPS {
        Some(443)
    } else if *scheme == Scheme::HTTP {
        Some(80)
    } else {
        None
    })
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.prefix)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({self})")
    }
}

impl FromStr for BaseUrl {
    type Err = TransportError;

    fn from_str(text: &str) -> Result<Self, TransportError> {
        Self::parse(text)
    }
}

/// Where the API base URL comes from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BaseUrlSource {
    /// A URL fixed when the transport is built.
    Fixed(BaseUrl),
    /// The current context of a provider, read for every call (`ContextProvider::base_url`).
    Context(Arc<dyn ContextProvider>),
}

impl BaseUrlSource {
    /// The base URL to use now.
    ///
    /// # Errors
    /// [`TransportError::Context`] when the provider fails, or
    /// [`ConfigErrorKind::InvalidBaseUrl`] when its URL is malformed.
    pub fn resolve(&self) -> Result<BaseUrl, TransportError> {
        self.current().map(Cow::into_owned)
    }

    /// As [`BaseUrlSource::resolve`], borrowing a fixed URL rather than copying it.
    fn current(&self) -> Result<Cow<'_, BaseUrl>, TransportError> {
        match self {
            Self::Fixed(base) => Ok(Cow::Borrowed(base)),
            Self::Context(provider) => BaseUrl::parse(&provider.base_url()?).map(Cow::Owned),
        }
    }
}

/// Turns a request's path-and-query URI into an absolute one on the API base URL, and sets
/// the `User-Agent` when the request has none. Absolute request URIs are left as they are.
#[derive(Debug, Clone)]
pub struct BaseUrlLayer {
    source: BaseUrlSource,
    user_agent: HeaderValue,
}

impl BaseUrlLayer {
    /// A layer joining URLs from `source` and sending `user_agent` (see [`user_agent`]).
    pub fn new(source: BaseUrlSource, user_agent: HeaderValue) -> Self {
        Self { source, user_agent }
    }
}

impl<S> Layer<S> for BaseUrlLayer {
    type Service = BaseUrlService<S>;

    fn layer(&self, inner: S) -> BaseUrlService<S> {
        BaseUrlService {
            inner,
            shared: Arc::new(self.clone()),
        }
    }
}

/// The service of [`BaseUrlLayer`].
#[derive(Debug, Clone)]
pub struct BaseUrlService<S> {
    inner: S,
    /// One reference count to clone with the service, as every call does.
    shared: Arc<BaseUrlLayer>,
}

impl BaseUrlLayer {
    fn prepare(&self, request: &mut Request) -> Result<(), TransportError> {
        let uri = request.uri();
        if uri.scheme().is_none() {
            if uri.authority().is_some() {
                return Err(TransportError::config(ConfigErrorKind::InvalidRequestUri));
            }
            let joined = match uri.path_and_query() {
                Some(path_and_query) => self.source.current()?.join_parsed(path_and_query)?,
                None => self.source.current()?.join("/")?,
            };
            *request.uri_mut() = joined;
        }
        request
            .headers_mut()
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        Ok(())
    }
}

impl<S> Service<Request> for BaseUrlService<S>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<TransportError>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = TransportError;
    type Future = PreparedFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let prepared = self.shared.prepare(&mut request);
        prepared::call(&mut self.inner, request, prepared)
    }
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;
    use tower_test::mock;

    use super::*;
    use crate::ResponseBody;
    use crate::body::Body;

    #[test]
    fn trailing_slash_is_stripped_and_prefix_kept() {
        let base = BaseUrl::parse("https://api.example.com/prefix/").ok();
        let joined = base.and_then(|b| b.join("/v1/projects?per_page=5").ok());
        assert_eq!(
            joined.map(|u| u.to_string()),
            Some("https://api.example.com/prefix/v1/projects?per_page=5".to_owned())
        );
        let plain = BaseUrl::parse("http://127.0.0.1:8080/").ok();
        assert_eq!(
            plain
                .and_then(|b| b.join("/v1/x").ok())
                .map(|u| u.to_string()),
            Some("http://127.0.0.1:8080/v1/x".to_owned())
        );
    }

    #[test]
    fn bad_base_urls_are_typed_errors() {
        for text in [
            "",
            "api.example.com",
            "ftp://example.com",
            "https://user:pw@example.com",
            "https://example.com/?q=1",
            "https://example.com/#frag",
            "not a url",
        ] {
            let error = BaseUrl::parse(text).err();
            assert_eq!(
                error.and_then(|e| e.config_kind()),
                Some(ConfigErrorKind::InvalidBaseUrl),
                "{text:?}"
            );
        }
    }

    #[test]
    fn origin_comparison_handles_default_ports_and_case() {
        let Ok(base) = BaseUrl::parse("https://API.example.com") else {
            panic!("valid base URL");
        };
        let same = Uri::from_static("https://api.example.com:443/v1/x");
        let other_host = Uri::from_static("https://evil.example.com/v1/x");
        let other_scheme = Uri::from_static("http://api.example.com/v1/x");
        let other_port = Uri::from_static("https://api.example.com:8443/v1/x");
        assert!(base.same_origin(&same));
        assert!(!base.same_origin(&other_host));
        assert!(!base.same_origin(&other_scheme));
        assert!(!base.same_origin(&other_port));
        assert!(!base.same_origin(&Uri::from_static("/v1/x")));
    }

    #[test]
    fn user_agent_has_version_and_optional_suffix() {
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            user_agent(None).ok().as_ref().and_then(|v| v.to_str().ok()),
            Some(format!("northflank-rs/{version}").as_str())
        );
        assert_eq!(
            user_agent(Some("my-tool/1.2"))
                .ok()
                .as_ref()
                .and_then(|v| v.to_str().ok()),
            Some(format!("northflank-rs/{version} (my-tool/1.2)").as_str())
        );
        assert!(user_agent(Some("bad\nsuffix")).is_err());
    }

    #[tokio::test]
    async fn layer_joins_relative_and_keeps_absolute_uris() {
        let Ok(base) = BaseUrl::parse("https://api.example.com/p/") else {
            panic!("valid base URL");
        };
        let Ok(agent) = user_agent(Some("test")) else {
            panic!("valid user agent");
        };
        let (service, mut handle) = mock::pair::<Request, Response>();
        let service = BaseUrlLayer::new(BaseUrlSource::Fixed(base), agent.clone()).layer(service);

        for (sent, expected) in [
            ("/v1/projects", "https://api.example.com/p/v1/projects"),
            (
                "https://other.example.com/file",
                "https://other.example.com/file",
            ),
        ] {
            let mut request = http::Request::new(Body::empty());
            *request.uri_mut() = Uri::from_static(sent);
            let call = tokio::spawn(service.clone().oneshot(request));
            let Some((seen, send)) = handle.next_request().await else {
                panic!("request expected");
            };
            assert_eq!(seen.uri().to_string(), expected);
            assert_eq!(seen.headers().get(http::header::USER_AGENT), Some(&agent));
            send.send_response(http::Response::new(ResponseBody::empty()));
            assert!(matches!(call.await, Ok(Ok(_))));
        }
    }
}
