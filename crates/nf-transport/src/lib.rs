//! The tower middleware stack of northflank-rs: base URL, authentication, rate limits,
//! retries, timeouts and tracing over hyper.
//!
//! A [`Transport`] takes `http::Request<`[`Body`]`>`s whose URI is a path and query
//! (`/v1/projects?per_page=50`) and returns `http::Response<`[`ResponseBody`]`>`s. An HTTP
//! error status is a response, not an error; [`TransportError`] is for what kept a response
//! from arriving. Build one with [`TransportBuilder`]; clones are cheap and share the
//! connection pool, the rate-limit state and the retry budget.
//!
//! # Layer order
//!
//! The default stack, outermost first, and why each layer sits where it does:
//!
//! 1. **Outer user layers** ([`TransportBuilder::outer_layer`]): see the call as the caller
//!    made it, and its final outcome.
//! 2. **Base URL and `User-Agent`** ([`base_url`]): once per call, so the spans, the retries
//!    and the host check of the auth layer all see the same absolute URL.
//! 3. **Call span** ([`trace`], `northflank.call`): covers everything below, retries and
//!    waits included.
//! 4. **Call timeout** ([`timeout`]): bounds the whole call, backoff and rate-limit waits
//!    included.
//! 5. **Retry** ([`retry`]): everything below runs afresh for each attempt.
//! 6. **Attempt span** ([`trace`], `northflank.attempt`): one per attempt, with
//!    `retry.attempt`.
//! 7. **Rate limit** ([`rate_limit`]): inside retry, so every attempt is counted against
//!    the budget and waits for it; outside auth, so a token is read after any wait.
//! 8. **Auth** ([`auth`]): inside retry, so each attempt carries a freshly read token.
//! 9. **Attempt user layers** ([`TransportBuilder::layer`]): see each attempt as it is
//!    sent, token included.
//! 10. **Request record** ([`TransportBuilder::record_sent_requests`], off by default):
//!     below the user layers, so the [`SentRequest`] in a response holds what they added;
//!     secrets redacted.
//! 11. **Attempt timeout** ([`timeout`]): bounds one exchange with the server, not the
//!     waits above it.
//! 12. **HTTP service** ([`HttpService`], or the service given to
//!     [`TransportBuilder::transport`]).
//!
//! The built-in layers compose statically: a call through a stack without user layers
//! allocates nothing for them beyond what their futures need. User layers and a user
//! transport are boxed where they sit ([`BoxTransportService`]).
//!
//! # Connections
//!
//! [`HttpService`] keeps a pool of hyper connections per scheme, host and port. An HTTP/1.1
//! connection carries one exchange at a time and is driven by the task of the call using
//! it, with no task of its own: while the call waits for the response head, and then while
//! the response body is read. It goes back to the pool when the body has been read to the
//! end; a body dropped unread closes it. A pooled connection the server has closed is
//! passed over, and a request hyper refused on it goes to another connection, as it never
//! left. Idle connections close after [`HttpConfig::pool_idle_timeout`]. An HTTP/2
//! connection, negotiated by ALPN, is shared by all calls to its origin and runs in a task
//! of its own.
//!
//! # Retries
//!
//! A connection that never opened is retried for every method, unless rustls rejected the
//! server's certificate ([`TransportError::Certificate`]), which another attempt would
//! only repeat. `429`, `502`, `503`, `504`, failures after the request was sent and
//! attempt timeouts are retried only for idempotent methods (`GET`, `HEAD`, `PUT`,
//! `DELETE`, `OPTIONS`), never `POST` or `PATCH`. Waits use capped exponential backoff with full jitter, or the server's
//! `Retry-After` / `x-ratelimit-reset` bounded by [`RetryConfig::max_server_delay`]. A
//! [`RetryBudget`] shared by all clones caps the extra load a failing server sees. Requests
//! with a streaming body are sent once.
//!
//! # Rate limits
//!
//! Every response's `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
//! update a [`RateLimitState`] readable at any time through [`Transport::rate_limit`]. Each
//! request reserves a unit of the remaining budget before it is sent, so concurrent callers
//! cannot overshoot it. When it is spent, requests wait for the reset
//! ([`RateLimitMode::Wait`], up to a maximum) or fail at once with
//! [`TransportError::RateLimited`] ([`RateLimitMode::FailFast`]).
//!
//! # Secrets
//!
//! The token is read from the [`ContextProvider`](nf_context::ContextProvider) for every
//! attempt, sent only to the API's scheme, host and port, in a header marked sensitive. It
//! appears in no `Debug` output, error or log line. Spans carry method, URL without query,
//! status, attempt and rate-limit fields; never a header value or a body.
//!
//! # Time
//!
//! Backoff, rate-limit waits and timeouts run on a [`Clock`]: [`TokioClock`] by default,
//! [`ManualClock`] in tests, where a 30-second wait takes no time and is recorded. The TCP
//! connect timeout is hyper-util's and runs on tokio's clock.
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls with ring and the Mozilla roots.
//! - `native-tls`: TLS through the platform's library.
//!
//! They combine freely; with both, rustls is used unless [`TlsBackend::NativeTls`] is
//! chosen. With neither, plain `http://` works and `https://` fails with
//! [`ConfigErrorKind::TlsUnavailable`].
//!
//! # TLS
//!
//! Both backends offer `h2` and `http/1.1` by ALPN: HTTP/2 where the server agrees,
//! HTTP/1.1 otherwise. A private CA or a corporate proxy's CA is trusted with
//! [`TransportBuilder::add_root_certificates`], on top of the backend's own roots; a
//! certificate that cannot be read is a [`ConfigErrorKind::InvalidRootCertificate`]. With
//! rustls, a server certificate that fails verification is a
//! [`TransportError::Certificate`], which is not retried; native-tls does not say why a
//! handshake failed, so there it is a [`TransportError::Connect`], retried like any failed
//! connection.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use nf_context::ContextProvider;
//! use nf_transport::{Body, RateLimitMode, Transport, TransportError};
//!
//! async fn list_projects(provider: Arc<dyn ContextProvider>) -> Result<(), TransportError> {
//!     let transport = Transport::builder(provider)
//!         .user_agent_suffix("my-tool/1.0")
//!         .call_timeout(Some(Duration::from_secs(60)))
//!         .rate_limit(RateLimitMode::FailFast)
//!         .build()?;
//!
//!     let request = http::Request::get("/v1/projects").body(Body::empty()).map_err(TransportError::custom)?;
//!     let response = transport.send(request).await?;
//!     let status = response.status();
//!     let body = response.into_body().bytes().await?;
//!     println!("{status}: {} bytes", body.len());
//!     println!("rate limit: {:?}", transport.rate_limit().snapshot());
//!     Ok(())
//! }
//! ```

pub mod auth;
pub mod base_url;
mod body;
mod builder;
pub mod clock;
mod error;
pub mod http_service;
mod pool;
mod prepared;
pub mod rate_limit;
mod record;
pub mod retry;
pub mod timeout;
mod tls;
pub mod trace;

pub use crate::base_url::{BaseUrl, BaseUrlSource};
pub use crate::body::{Body, ResponseBody};
pub use crate::builder::{BoxTransportService, Transport, TransportBuilder};
pub use crate::clock::{Clock, ManualClock, TokioClock};
pub use crate::error::{BoxError, ConfigErrorKind, TransportError};
pub use crate::http_service::{HttpConfig, HttpService, TlsBackend};
pub use crate::rate_limit::{RateLimitMode, RateLimitSnapshot, RateLimitState, ResponseRateLimit};
pub use crate::record::{REDACTED, SentRequest};
pub use crate::retry::{
    Attempt, AttemptInfo, DefaultRetryPolicy, RetryBudget, RetryConfig, RetryDecision, RetryPolicy,
};
pub use crate::tls::RootCertificate;
pub use crate::trace::OperationName;

/// A request as the transport takes it.
pub type Request = ::http::Request<Body>;

/// A response as the transport returns it.
pub type Response = ::http::Response<ResponseBody>;
