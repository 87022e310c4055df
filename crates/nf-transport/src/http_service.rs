//! The inner HTTP service: pooled hyper connections, HTTP/1.1 and HTTP/2 (chosen by ALPN on
//! TLS connections; plain `http://` speaks HTTP/1.1), with TLS from rustls or the
//! platform's library.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

use crate::error::{ConfigErrorKind, TransportError};
use crate::pool::Pool;
use crate::tls::RootCertificate;
#[cfg(feature = "native-tls")]
use crate::tls::native_tls_connector;
#[cfg(feature = "rustls")]
use crate::tls::rustls_connector;
use crate::{Request, Response};

/// Which TLS library makes `https://` connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsBackend {
    /// rustls when the `rustls` feature is on, else native-tls when `native-tls` is, else
    /// none: `https://` URLs then fail with [`ConfigErrorKind::TlsUnavailable`].
    #[default]
    Auto,
    /// rustls with the ring provider and the Mozilla roots (feature `rustls`).
    Rustls,
    /// The platform's TLS library with its trust store (feature `native-tls`).
    NativeTls,
}

/// Settings of the HTTP service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpConfig {
    /// How long to wait for a TCP connection (and, for hyper-util, nothing more; the TLS
    /// handshake is bounded by the attempt timeout). `None` waits as long as the OS does.
    /// This timer is hyper-util's and runs on tokio's clock, not the transport's. Default
    /// 10 s.
    pub connect_timeout: Option<Duration>,
    /// How long an idle pooled connection is kept. Default 90 s.
    pub pool_idle_timeout: Option<Duration>,
    /// The TLS library.
    pub tls: TlsBackend,
    /// Certificate authorities trusted in addition to the backend's own roots; see
    /// [`RootCertificate`]. Empty by default.
    pub root_certificates: Vec<RootCertificate>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            tls: TlsBackend::Auto,
            root_certificates: Vec::new(),
        }
    }
}

/// The HTTP service: a cheap-to-clone handle on one connection pool.
///
/// Connections are hyper's, pooled by this crate (see the `pool` module): hyper-util's pooled
/// client spawns a task and makes a channel for every request to hand its connection back,
/// which cost about a third of the CPU of a loopback request in our benchmark.
#[derive(Clone)]
pub struct HttpService {
    pool: Pool,
    /// The TLS library's name; `None` when none is compiled in.
    tls: Option<&'static str>,
}

impl HttpService {
    /// A service with its own connection pool.
    ///
    /// Needs a tokio runtime when requests are sent, not when it is built.
    ///
    /// # Errors
    /// [`ConfigErrorKind::TlsUnavailable`] when the chosen TLS backend is not compiled in,
    /// [`ConfigErrorKind::Tls`] when it cannot be initialised,
    /// [`ConfigErrorKind::InvalidRootCertificate`] when it cannot use one of
    /// [`HttpConfig::root_certificates`].
    pub fn new(config: &HttpConfig) -> Result<Self, TransportError> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(config.connect_timeout);
        http.set_nodelay(true);
        // The TLS wrappers hand `https://` URIs to this connector.
        http.enforce_http(false);
        let idle = config.pool_idle_timeout;

        let (pool, tls) = match config.tls {
            #[cfg(feature = "rustls")]
            TlsBackend::Auto | TlsBackend::Rustls => (
                Pool::new(rustls_connector(http, &config.root_certificates)?, idle),
                Some("rustls"),
            ),
            #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
            TlsBackend::Auto => (
                Pool::new(native_tls_connector(http, &config.root_certificates)?, idle),
                Some("native-tls"),
            ),
            #[cfg(feature = "native-tls")]
            TlsBackend::NativeTls => (
                Pool::new(native_tls_connector(http, &config.root_certificates)?, idle),
                Some("native-tls"),
            ),
            #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
            TlsBackend::Auto => (Pool::new(http, idle), None),
            #[allow(
                unreachable_patterns,
                reason = "reached only without some TLS features"
            )]
            TlsBackend::Rustls | TlsBackend::NativeTls => {
                return Err(TransportError::config(ConfigErrorKind::TlsUnavailable));
            }
        };
        Ok(Self { pool, tls })
    }
}

impl fmt::Debug for HttpService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpService")
            .field("tls", &self.tls.unwrap_or("none"))
            .finish()
    }
}

/// The future of one exchange with the server.
pub struct HttpFuture {
    inner: BoxFuture<'static, Result<Response, TransportError>>,
}

impl Future for HttpFuture {
    type Output = Result<Response, TransportError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl fmt::Debug for HttpFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpFuture").finish_non_exhaustive()
    }
}

fn refuse(error: TransportError) -> HttpFuture {
    HttpFuture {
        inner: Box::pin(std::future::ready(Err(error))),
    }
}

impl Service<Request> for HttpService {
    type Response = Response;
    type Error = TransportError;
    type Future = HttpFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        // The pool opens connections on demand; there is no capacity to wait for.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let uri = request.uri();
        if uri.scheme().is_none() || uri.authority().is_none() {
            return refuse(TransportError::config(ConfigErrorKind::InvalidRequestUri));
        }
        if self.tls.is_none() && uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
            return refuse(TransportError::config(ConfigErrorKind::TlsUnavailable));
        }
        HttpFuture {
            inner: Box::pin(self.pool.send(request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Body;

    fn config(tls: TlsBackend) -> HttpConfig {
        HttpConfig {
            tls,
            ..HttpConfig::default()
        }
    }

    fn backend(tls: TlsBackend) -> Result<String, Option<ConfigErrorKind>> {
        HttpService::new(&config(tls))
            .map(|service| format!("{service:?}"))
            .map_err(|error| error.config_kind())
    }

    #[test]
    fn auto_prefers_rustls_then_native_tls() {
        let expected = if cfg!(feature = "rustls") {
            "rustls"
        } else if cfg!(feature = "native-tls") {
            "native-tls"
        } else {
            "none"
        };
        assert_eq!(
            backend(TlsBackend::Auto).map(|d| d.contains(expected)),
            Ok(true)
        );
    }

    #[test]
    fn an_explicit_backend_needs_its_feature() {
        for (tls, compiled, name) in [
            (TlsBackend::Rustls, cfg!(feature = "rustls"), "rustls"),
            (
                TlsBackend::NativeTls,
                cfg!(feature = "native-tls"),
                "native-tls",
            ),
        ] {
            let result = backend(tls);
            if compiled {
                assert_eq!(result.map(|d| d.contains(name)), Ok(true));
            } else {
                assert_eq!(result, Err(Some(ConfigErrorKind::TlsUnavailable)));
            }
        }
    }

    #[tokio::test]
    async fn relative_uris_are_refused_before_connecting() {
        let Ok(mut service) = HttpService::new(&HttpConfig::default()) else {
            panic!("the default configuration builds");
        };
        let mut request = http::Request::new(Body::empty());
        *request.uri_mut() = http::Uri::from_static("/v1/projects");
        let error = service.call(request).await.err();
        assert_eq!(
            error.and_then(|e| e.config_kind()),
            Some(ConfigErrorKind::InvalidRequestUri)
        );
    }
}
