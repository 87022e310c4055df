//! Adds `Authorization: Bearer <token>` to requests for the API host, reading the token from
//! the context provider on every attempt so a rotated token is picked up without a rebuild.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use http::HeaderValue;
use nf_context::{ContextProvider, DEFAULT_HOST, Token};
use tower_layer::Layer;
use tower_service::Service;

use crate::base_url::{BaseUrl, BaseUrlSource};
use crate::error::{ConfigErrorKind, TransportError};
use crate::prepared::{self, PreparedFuture};
use crate::{Request, Response};

/// Authenticates requests whose scheme, host and port are the API's, and only those: a
/// request to any other host (a download link, say) never carries the token.
///
/// With a base URL from the provider ([`BaseUrlSource::Context`]) the host and the token are
/// read together from `ContextProvider::current`, so a context switch between two reads
/// cannot send one context's token to another context's host. With a fixed base URL the
/// token comes from `ContextProvider::token`.
#[derive(Clone)]
pub struct AuthLayer {
    provider: Arc<dyn ContextProvider>,
    api: BaseUrlSource,
    header: HeaderCache,
}

impl AuthLayer {
    /// A layer taking tokens from `provider` for the API at `api`.
    pub fn new(provider: Arc<dyn ContextProvider>, api: BaseUrlSource) -> Self {
        Self {
            provider,
            api,
            header: HeaderCache::default(),
        }
    }
}

impl fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthLayer")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Auth<S> {
        Auth {
            inner,
            shared: Arc::new(self.clone()),
        }
    }
}

/// The service of [`AuthLayer`].
#[derive(Clone)]
pub struct Auth<S> {
    inner: S,
    /// One reference count to clone with the service, as every call does.
    shared: Arc<AuthLayer>,
}

impl<S: fmt::Debug> fmt::Debug for Auth<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("inner", &self.inner)
            .field("api", &self.shared.api)
            .finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// The token to send with `request`, or `None` when it is not for the API.
    fn token_for(&self, request: &Request) -> Result<Option<Token>, TransportError> {
        let uri = request.uri();
        let token = match &self.api {
            BaseUrlSource::Fixed(base) => {
                if !base.same_origin(uri) {
                    return Ok(None);
                }
                self.provider.token()?
            }
            BaseUrlSource::Context(_) => {
                let context = self.provider.current()?;
                let host = context.as_ref().map_or(DEFAULT_HOST, |c| c.host.as_str());
                if !BaseUrl::parse(host)?.same_origin(uri) {
                    return Ok(None);
                }
                context.map(|context| context.token)
            }
        };
        match token {
            Some(token) if !token.is_empty() => Ok(Some(token)),
            _ => Err(TransportError::config(ConfigErrorKind::MissingToken)),
        }
    }

    fn authorize(&self, request: &mut Request) -> Result<(), TransportError> {
        let Some(token) = self.token_for(request)? else {
            return Ok(());
        };
        let value = self.header.value(&token)?;
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value);
        Ok(())
    }
}

/// The `Authorization` value of the last token sent, shared by clones, so that a token that
/// has not changed is not formatted and copied again for every attempt.
#[derive(Clone, Default)]
struct HeaderCache(Arc<Mutex<Option<(Token, HeaderValue)>>>);

impl HeaderCache {
    /// The header value for `token`, marked sensitive.
    fn value(&self, token: &Token) -> Result<HeaderValue, TransportError> {
        let mut cached = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((known, value)) = cached.as_ref()
            && known.expose() == token.expose()
        {
            return Ok(value.clone());
        }
        let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|error| TransportError::config_caused(ConfigErrorKind::InvalidToken, error))?;
        value.set_sensitive(true);
        *cached = Some((token.clone(), value.clone()));
        Ok(value)
    }
}

impl<S> Service<Request> for Auth<S>
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
        let prepared = self.shared.authorize(&mut request);
        prepared::call(&mut self.inner, request, prepared)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use http::Uri;
    use nf_context::{Context as NfContext, ContextDefaults, ContextError};
    use tower::ServiceExt;
    use tower_test::mock;

    use super::*;
    use crate::ResponseBody;
    use crate::body::Body;

    /// A provider with one optional context whose token the test can change.
    #[derive(Debug, Default)]
    struct OneContext(Mutex<Option<NfContext>>);

    impl OneContext {
        fn with(token: &str, host: &str) -> Arc<Self> {
            Arc::new(Self(Mutex::new(Some(
                NfContext::new("test", token).with_host(host),
            ))))
        }

        fn set_token(&self, token: &str) {
            if let Ok(mut context) = self.0.lock()
                && let Some(context) = context.as_mut()
            {
                context.token = Token::new(token);
            }
        }
    }

    impl ContextProvider for OneContext {
        fn current(&self) -> Result<Option<NfContext>, ContextError> {
            Ok(self.0.lock().map(|c| c.clone()).unwrap_or(None))
        }
        fn contexts(&self) -> Result<Vec<NfContext>, ContextError> {
            Ok(self.current()?.into_iter().collect())
        }
        fn add_context(&self, _: NfContext, _: bool) -> Result<(), ContextError> {
            Err(ContextError::ReadOnly { provider: "test" })
        }
        fn remove_context(&self, _: &str) -> Result<(), ContextError> {
            Err(ContextError::ReadOnly { provider: "test" })
        }
        fn use_context(&self, _: &str) -> Result<(), ContextError> {
            Err(ContextError::ReadOnly { provider: "test" })
        }
        fn update_context(&self, _: NfContext) -> Result<(), ContextError> {
            Err(ContextError::ReadOnly { provider: "test" })
        }
        fn update_token(&self, _: Token) -> Result<(), ContextError> {
            Err(ContextError::ReadOnly { provider: "test" })
        }
        fn update_defaults(
            &self,
            _: &mut dyn FnMut(&mut ContextDefaults),
        ) -> Result<(), ContextError> {
            Err(ContextError::ReadOnly { provider: "test" })
        }
    }

    fn request(uri: &'static str) -> Request {
        let mut request = http::Request::new(Body::empty());
        *request.uri_mut() = Uri::from_static(uri);
        request
    }

    async fn sent_authorization(layer: &AuthLayer, uri: &'static str) -> Option<HeaderValue> {
        let (service, mut handle) = mock::pair::<Request, Response>();
        let call = tokio::spawn(layer.layer(service).oneshot(request(uri)));
        let (seen, send) = handle.next_request().await?;
        send.send_response(http::Response::new(ResponseBody::empty()));
        let _response = call.await;
        seen.headers().get(http::header::AUTHORIZATION).cloned()
    }

    fn fixed(url: &str) -> BaseUrlSource {
        match BaseUrl::parse(url) {
            Ok(base) => BaseUrlSource::Fixed(base),
            Err(error) => panic!("{error}"),
        }
    }

    #[tokio::test]
    async fn bearer_header_is_sensitive_and_read_per_request() {
        let provider = OneContext::with("first-token", "https://api.example.com");
        let layer = AuthLayer::new(provider.clone(), fixed("https://api.example.com"));

        let header = sent_authorization(&layer, "https://api.example.com/v1/x").await;
        assert_eq!(
            header.as_ref().and_then(|h| h.to_str().ok()),
            Some("Bearer first-token")
        );
        assert!(header.is_some_and(|h| h.is_sensitive()));

        provider.set_token("second-token");
        let header = sent_authorization(&layer, "https://api.example.com/v1/x").await;
        assert_eq!(
            header.as_ref().and_then(|h| h.to_str().ok()),
            Some("Bearer second-token")
        );
    }

    #[tokio::test]
    async fn token_never_goes_to_another_host() {
        let provider = OneContext::with("secret", "https://api.example.com");
        for api in [
            fixed("https://api.example.com"),
            BaseUrlSource::Context(provider.clone()),
        ] {
            let layer = AuthLayer::new(provider.clone(), api);
            for uri in [
                "https://evil.example.com/v1/x",
                "http://api.example.com/v1/x",
                "https://api.example.com:444/v1/x",
            ] {
                assert_eq!(sent_authorization(&layer, uri).await, None, "{uri}");
            }
            assert!(
                sent_authorization(&layer, "https://api.example.com/v1/x")
                    .await
                    .is_some()
            );
        }
    }

    #[tokio::test]
    async fn missing_or_empty_token_fails_before_sending() {
        // Without a context the provider's base URL is the default host.
        let empty = OneContext::with("", DEFAULT_HOST);
        let none: Arc<OneContext> = Arc::new(OneContext::default());
        for provider in [empty, none] {
            for api in [
                fixed(DEFAULT_HOST),
                BaseUrlSource::Context(provider.clone()),
            ] {
                let (service, mut handle) = mock::pair::<Request, Response>();
                handle.allow(1);
                let layer = AuthLayer::new(provider.clone(), api);
                let result = layer
                    .layer(service)
                    .oneshot(request("https://api.northflank.com/v1/x"))
                    .await;
                assert_eq!(
                    result.err().and_then(|e| e.config_kind()),
                    Some(ConfigErrorKind::MissingToken)
                );
                let sent = futures_util::FutureExt::now_or_never(handle.next_request());
                assert!(!matches!(sent, Some(Some(_))), "nothing may be sent");
            }
        }
    }
}
