//! The transport's error type.

use std::fmt;
use std::time::Duration;

use nf_context::ContextError;

use crate::rate_limit::RateLimitSnapshot;

/// A boxed error that can cross threads: the cause of a [`TransportError`] and what user
/// transports return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a request could not be completed by the transport.
///
/// `Display` is one short phrase; the underlying cause is only reachable through
/// [`std::error::Error::source`], so it is never printed twice. No variant carries a token.
/// An HTTP error status is not a `TransportError`: the response is returned as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection could be made (refused, DNS, TLS handshake, connect timeout): the
    /// request was never sent, so any method may be retried.
    #[error("could not connect to the API")]
    #[non_exhaustive]
    Connect {
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// The server's TLS certificate was rejected: signed by an authority the transport does
    /// not trust (add it with
    /// [`TransportBuilder::add_root_certificates`](crate::TransportBuilder::add_root_certificates)),
    /// expired, or issued for another host. Nothing was sent, and it is not retried: another
    /// attempt would meet the same certificate. The rustls backend reports it; native-tls
    /// does not say why a handshake failed, so there it is a [`TransportError::Connect`].
    #[error("the server's TLS certificate was rejected")]
    #[non_exhaustive]
    Certificate {
        /// The cause, with the TLS library's verdict in its chain.
        #[source]
        source: BoxError,
    },
    /// The connection failed after the request may have been sent (reset, closed before the
    /// response completed). Only idempotent requests are retried.
    #[error("connection failed after the request was sent")]
    #[non_exhaustive]
    Io {
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// One attempt took longer than the attempt timeout.
    #[error("request attempt timed out after {after:?}")]
    #[non_exhaustive]
    AttemptTimeout {
        /// The attempt timeout.
        after: Duration,
    },
    /// The whole call, retries and waits included, took longer than the call timeout.
    #[error("call timed out after {after:?}")]
    #[non_exhaustive]
    CallTimeout {
        /// The call timeout.
        after: Duration,
    },
    /// The rate-limit budget is spent and the transport does not wait: it fails fast, or
    /// the reset is further away than the longest wait allowed. Nothing was sent.
    #[error("rate limit exhausted")]
    #[non_exhaustive]
    RateLimited {
        /// The rate-limit state when the request was refused.
        snapshot: RateLimitSnapshot,
        /// How long until the budget resets, when the API said.
        reset_in: Option<Duration>,
    },
    /// The transport is misconfigured; nothing was sent.
    #[error("{kind}")]
    #[non_exhaustive]
    Config {
        /// What is wrong.
        kind: ConfigErrorKind,
        /// The cause, when there is one (a URL parse error, a TLS library error).
        #[source]
        source: Option<BoxError>,
    },
    /// The context provider could not supply the token or base URL; nothing was sent.
    #[error("context provider failed")]
    #[non_exhaustive]
    Context {
        /// The provider's error.
        #[source]
        source: ContextError,
    },
    /// An error of a transport or layer supplied by the user.
    #[error("custom transport failed")]
    #[non_exhaustive]
    Custom {
        /// The user's error.
        #[source]
        source: BoxError,
    },
}

/// What is wrong with the transport's configuration; see [`TransportError::Config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The base URL is not an absolute `http://` or `https://` URL without query or
    /// credentials.
    InvalidBaseUrl,
    /// A request URI is neither absolute nor a path starting with `/`.
    InvalidRequestUri,
    /// No API token is configured, or it is empty.
    MissingToken,
    /// The token contains characters that cannot appear in an HTTP header.
    InvalidToken,
    /// The `User-Agent` suffix contains characters that cannot appear in an HTTP header.
    InvalidUserAgent,
    /// An `https://` URL was requested but no TLS backend is compiled in (features
    /// `rustls`, `native-tls`).
    TlsUnavailable,
    /// The TLS backend could not be initialised.
    Tls,
    /// A root certificate given to
    /// [`TransportBuilder::add_root_certificates`](crate::TransportBuilder::add_root_certificates)
    /// is not valid PEM or DER, or the TLS backend cannot use it.
    InvalidRootCertificate,
}

impl fmt::Display for ConfigErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidBaseUrl => "invalid API base URL",
            Self::InvalidRequestUri => "invalid request URI",
            Self::MissingToken => "no API token is configured",
            Self::InvalidToken => "the API token is not a valid header value",
            Self::InvalidUserAgent => "the User-Agent suffix is not a valid header value",
            Self::TlsUnavailable => "https needs the `rustls` or `native-tls` feature",
            Self::Tls => "the TLS backend could not be initialised",
            Self::InvalidRootCertificate => "invalid root certificate",
        })
    }
}

impl TransportError {
    /// A connection failure where the request was never sent, for user transports.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::Connect {
            source: source.into(),
        }
    }

    /// A failure after the request may have been sent, for user transports.
    pub fn io(source: impl Into<BoxError>) -> Self {
        Self::Io {
            source: source.into(),
        }
    }

    /// A rejected server certificate; see [`TransportError::Certificate`].
    pub(crate) fn certificate(source: impl Into<BoxError>) -> Self {
        Self::Certificate {
            source: source.into(),
        }
    }

    /// Any other failure of a user transport or layer; it is not retried.
    pub fn custom(source: impl Into<BoxError>) -> Self {
        Self::Custom {
            source: source.into(),
        }
    }

    pub(crate) fn config(kind: ConfigErrorKind) -> Self {
        Self::Config { kind, source: None }
    }

    pub(crate) fn config_caused(kind: ConfigErrorKind, source: impl Into<BoxError>) -> Self {
        Self::Config {
            kind,
            source: Some(source.into()),
        }
    }

    /// Converts a user error: a boxed `TransportError` is unwrapped, anything else is
    /// [`TransportError::Custom`].
    pub(crate) fn from_boxed(error: BoxError) -> Self {
        match error.downcast::<Self>() {
            Ok(error) => *error,
            Err(error) => Self::Custom { source: error },
        }
    }

    /// Converts an error met while reading a response body: a boxed `TransportError` is
    /// unwrapped, anything else is [`TransportError::Io`].
    pub(crate) fn from_body_error(error: BoxError) -> Self {
        match error.downcast::<Self>() {
            Ok(error) => *error,
            Err(error) => Self::Io { source: error },
        }
    }

    /// Whether sending the same request again, later, could succeed: connection failures,
    /// attempt timeouts and rate limiting. The retry layer also checks the method: after an
    /// [`TransportError::Io`] or [`TransportError::AttemptTimeout`] only idempotent requests
    /// are retried.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. }
                | Self::Io { .. }
                | Self::AttemptTimeout { .. }
                | Self::RateLimited { .. }
        )
    }

    /// Whether the request may have reached the server. `false` means it certainly did not.
    pub fn request_may_have_been_sent(&self) -> bool {
        matches!(
            self,
            Self::Io { .. }
                | Self::AttemptTimeout { .. }
                | Self::CallTimeout { .. }
                | Self::Custom { .. }
        )
    }

    /// Whether this is an attempt or call timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::AttemptTimeout { .. } | Self::CallTimeout { .. })
    }

    /// The rate-limit state, for [`TransportError::RateLimited`].
    pub fn rate_limit(&self) -> Option<&RateLimitSnapshot> {
        match self {
            Self::RateLimited { snapshot, .. } => Some(snapshot),
            _ => None,
        }
    }

    /// How long until the rate limit resets, for [`TransportError::RateLimited`] when the
    /// API said.
    pub fn rate_limit_reset_in(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { reset_in, .. } => *reset_in,
            _ => None,
        }
    }

    /// The configuration problem, for [`TransportError::Config`].
    pub fn config_kind(&self) -> Option<ConfigErrorKind> {
        match self {
            Self::Config { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

impl From<ContextError> for TransportError {
    fn from(source: ContextError) -> Self {
        Self::Context { source }
    }
}

impl From<BoxError> for TransportError {
    /// A boxed `TransportError` is unwrapped; any other error becomes
    /// [`TransportError::Custom`].
    fn from(error: BoxError) -> Self {
        Self::from_boxed(error)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn display_is_short_and_cause_only_in_source() {
        let error = TransportError::connect(std::io::Error::other("refused by peer"));
        assert_eq!(error.to_string(), "could not connect to the API");
        assert!(
            error
                .source()
                .is_some_and(|s| s.to_string() == "refused by peer")
        );
        assert!(error.is_retryable());
        assert!(!error.request_may_have_been_sent());
    }

    #[test]
    fn boxed_transport_errors_round_trip() {
        let boxed: BoxError = Box::new(TransportError::io(std::io::Error::other("reset")));
        assert!(matches!(
            TransportError::from(boxed),
            TransportError::Io { .. }
        ));
        let other: BoxError = "weird".into();
        assert!(matches!(
            TransportError::from(other),
            TransportError::Custom { .. }
        ));
    }

    #[test]
    fn config_kinds_display_their_reason() {
        let error = TransportError::config(ConfigErrorKind::MissingToken);
        assert_eq!(error.to_string(), "no API token is configured");
        assert_eq!(error.config_kind(), Some(ConfigErrorKind::MissingToken));
        assert!(!error.is_retryable());
    }
}
