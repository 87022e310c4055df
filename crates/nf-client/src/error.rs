//! The client's error type.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use nf_transport::{RateLimitSnapshot, TransportError};
use nf_types::BuildError;

use crate::response::{ApiError, RequestInfo};

/// A boxed error that can cross threads: the cause of a configuration error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a call failed.
///
/// `Display` is one short phrase; the cause, when there is one, is reachable only through
/// [`std::error::Error::source`], so it is never printed twice. No variant carries the
/// token: request headers are kept with `Authorization` redacted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a status outside `2xx`. Returned as an error with
    /// [`ErrorStyle::Error`](crate::ErrorStyle::Error), the default.
    #[error("{}", api_error_phrase(.0))]
    Api(Box<ApiError>),

    /// The request could not be built from the values given; nothing was sent.
    #[error("invalid request for `{operation}`")]
    #[non_exhaustive]
    Build {
        /// The operation id, such as `get.project`.
        operation: &'static str,
        /// What was wrong.
        #[source]
        source: BuildError,
    },

    /// No response arrived: the connection failed, or the response body could not be read
    /// to its end (a reset, a truncated body).
    #[error("request to the API failed")]
    #[non_exhaustive]
    Transport {
        /// The status, when the failure happened while reading the body.
        status: Option<StatusCode>,
        /// The transport's error.
        #[source]
        source: TransportError,
    },

    /// The call, an attempt or the read of the response body took too long.
    #[error("{kind} timed out after {after:?}")]
    #[non_exhaustive]
    Timeout {
        /// What timed out.
        kind: TimeoutKind,
        /// The limit that was reached.
        after: Duration,
    },

    /// The rate-limit budget is spent and the client does not wait for it (or not that
    /// long); nothing was sent.
    #[error("rate limit exhausted")]
    #[non_exhaustive]
    RateLimited {
        /// The rate-limit state when the request was refused.
        snapshot: RateLimitSnapshot,
        /// How long until the budget resets, when the API said.
        reset_in: Option<Duration>,
    },

    /// The response body is larger than the client's limit
    /// ([`ApiClientBuilder::max_body_size`](crate::ApiClientBuilder::max_body_size)); it was
    /// not read further.
    #[error("response body exceeds {limit} bytes")]
    #[non_exhaustive]
    BodyTooLarge {
        /// The response status.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
        /// The request that was sent.
        request: Box<RequestInfo>,
    },

    /// A `2xx` response whose body is not what the operation returns: not JSON, not an
    /// envelope object, or data of another shape than the model.
    #[error("could not decode the response")]
    #[non_exhaustive]
    Decode {
        /// The response status.
        status: StatusCode,
        /// The start of the body (at most [`SNIPPET_LIMIT`](crate::SNIPPET_LIMIT) bytes, cut on
        /// a character boundary), for diagnosis; empty when the error is about the pages
        /// merged by [`Call::all`](crate::Call::all) rather than one body.
        snippet: String,
        /// The request that was sent.
        request: Box<RequestInfo>,
        /// What was wrong.
        #[source]
        source: DecodeCause,
    },

    /// The client is misconfigured (no usable token, an invalid base URL or `User-Agent`
    /// suffix, a TLS backend that is missing or fails to start, a provider that cannot be
    /// read); nothing was sent.
    #[error("invalid client configuration")]
    #[non_exhaustive]
    Config {
        /// What is wrong.
        #[source]
        source: BoxError,
    },
}

/// What timed out; see [`Error::Timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The whole call, retries and waits included, up to the response headers.
    Call,
    /// The last attempt, from sending to response headers.
    Attempt,
    /// Reading the response body after its headers arrived.
    BodyRead,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Call => "call",
            Self::Attempt => "request attempt",
            Self::BodyRead => "reading the response body",
        })
    }
}

/// Why a `2xx` response could not be decoded; the source of [`Error::Decode`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeCause {
    /// The body is not JSON (an HTML page, truncated or malformed text).
    #[error("the body is not JSON (line {line}, column {column})")]
    #[non_exhaustive]
    NotJson {
        /// The line where parsing stopped, from 1.
        line: usize,
        /// The column where parsing stopped, from 1.
        column: usize,
    },
    /// The body is JSON but not an object, so not the API's `{data, pagination, error}`
    /// envelope.
    #[error("the body is not an envelope object")]
    NotAnEnvelope,
    /// The data is absent (an empty body, or no `data` member) and the operation's
    /// response type cannot be empty.
    #[error("the response has no data")]
    MissingData,
    /// The list of a paginated response is not an array under its member.
    #[error("{}", missing_items(path))]
    #[non_exhaustive]
    MissingItems {
        /// The members leading from the data to the page's items (none when the data
        /// itself should be the array).
        path: &'static [&'static str],
    },
    /// The data or pagination does not have the shape of the model.
    #[error("unexpected shape")]
    Shape(#[source] nf_types::DecodeError),
}

fn api_error_phrase(error: &ApiError) -> String {
    if error.message.is_empty() {
        format!("API error {}", error.status.as_u16())
    } else {
        format!("API error {}: {}", error.status.as_u16(), error.message)
    }
}

impl Error {
    /// The HTTP status of the response, when one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(error) => Some(error.status),
            Self::BodyTooLarge { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::Transport { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether the same call, made again later, could succeed: `429`, `502`, `503` and
    /// `504` answers, connection failures, timeouts and a spent rate limit. The transport
    /// already retried what was safe to retry before this error was returned.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(error) => nf_transport::retry::is_retryable_status(error.status),
            Self::Transport { source, .. } => source.is_retryable(),
            Self::Timeout { .. } | Self::RateLimited { .. } => true,
            _ => false,
        }
    }

    /// The API's error, for [`Error::Api`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The request that was sent, when a response arrived.
    pub fn request(&self) -> Option<&RequestInfo> {
        match self {
            Self::Api(error) => Some(&error.request),
            Self::BodyTooLarge { request, .. } | Self::Decode { request, .. } => Some(request),
            _ => None,
        }
    }

    pub(crate) fn config(source: impl Into<BoxError>) -> Self {
        Self::Config {
            source: source.into(),
        }
    }

    /// Sorts a transport error into the client's variants. `status` is set when the error
    /// happened while the body of a response was read.
    pub(crate) fn from_transport(error: TransportError, status: Option<StatusCode>) -> Self {
        match error {
            TransportError::CallTimeout { after, .. } => Self::Timeout {
                kind: TimeoutKind::Call,
                after,
            },
            TransportError::AttemptTimeout { after, .. } => Self::Timeout {
                kind: TimeoutKind::Attempt,
                after,
            },
            TransportError::RateLimited {
                snapshot, reset_in, ..
            } => Self::RateLimited { snapshot, reset_in },
            error @ (TransportError::Config { .. } | TransportError::Context { .. }) => {
                Self::config(error)
            }
            source => Self::Transport { status, source },
        }
    }
}

/// A configuration problem found by the client itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ConfigProblem(pub(crate) &'static str);

/// The message of [`DecodeCause::MissingItems`].
fn missing_items(path: &[&str]) -> String {
    if path.is_empty() {
        "the page data is not an array".to_owned()
    } else {
        format!("the page has no `{}` array", path.join("."))
    }
}
