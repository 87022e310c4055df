//! Responses: the decoded envelope with what came with it.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::{HeaderMap, Method, StatusCode};
use nf_types::Pagination;
use serde_json::Value;

use crate::error::Error;

/// The rate-limit state one response reported in its `x-ratelimit-limit`,
/// `x-ratelimit-remaining` and `x-ratelimit-reset` headers. A header that is absent or
/// malformed gives `None`.
///
/// This is what that response said; the transport's shared view, which also counts the
/// requests in flight, is [`ApiClient::rate_limit`](crate::ApiClient::rate_limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// Time until the window resets, counted from when the response was sent.
    pub reset: Option<Duration>,
}

/// The longest reset a response may announce; longer values are taken as malformed.
const MAX_RESET: Duration = Duration::from_secs(366 * 24 * 3600);

impl RateLimit {
    /// What the transport read from a response's headers.
    pub(crate) fn from_transport(said: &nf_transport::ResponseRateLimit) -> Self {
        Self {
            limit: said.limit,
            remaining: said.remaining,
            reset: said.reset.filter(|reset| *reset <= MAX_RESET),
        }
    }

    /// Reads the `x-ratelimit-*` headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
        };
        let count = |name: &str| text(name).and_then(|text| text.parse::<u64>().ok());
        let reset = text(nf_transport::rate_limit::RESET_HEADER)
            .and_then(|text| text.parse::<f64>().ok())
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .filter(|reset| *reset <= MAX_RESET);
        Self {
            limit: count(nf_transport::rate_limit::LIMIT_HEADER),
            remaining: count(nf_transport::rate_limit::REMAINING_HEADER),
            reset,
        }
    }
}

/// The request a response answers, as it was sent: method, absolute URL, headers and body.
///
/// The `Authorization` header, and any header the transport marked sensitive, reads
/// `[redacted]`. `Debug` prints the body's length only, as bodies may carry secrets
/// (environment variables, registry credentials).
#[derive(Clone)]
#[non_exhaustive]
pub struct RequestInfo {
    /// The operation id, such as `list.projects`.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL of the last attempt, query included.
    pub url: String,
    /// The headers of the last attempt, secrets redacted.
    pub headers: HeaderMap,
    /// The JSON body, when one was sent.
    pub body: Option<Bytes>,
}

impl fmt::Debug for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestInfo")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

/// An error the API answered with: a status outside `2xx` and the envelope's `error`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The API's message; empty when the body carried none.
    pub message: String,
    /// The API's error id, such as `not-found`, when given.
    pub id: Option<String>,
    /// The API's details (validation problems, say), when given.
    pub details: Option<Value>,
    /// The start of the body when it was not the API's JSON envelope (an HTML page from a
    /// proxy), at most [`SNIPPET_LIMIT`](crate::SNIPPET_LIMIT) bytes.
    pub body_snippet: Option<String>,
    /// The rate-limit state the response reported.
    pub rate_limit: RateLimit,
    /// The response headers.
    pub headers: HeaderMap,
    /// The request that was sent.
    pub request: RequestInfo,
}

/// Fetches the page after a response: given the cursor, the same request with it.
pub(crate) type NextPage<T> =
    Arc<dyn Fn(String) -> BoxFuture<'static, Result<ApiResponse<T>, Error>> + Send + Sync>;

/// A response with data, or an error response converted to another data type.
pub(crate) enum Split<T, U> {
    Data(ApiResponse<T>),
    Error(ApiResponse<U>),
}

/// A response of the API: its data, or the error it answered with, and what came with it.
///
/// # Data or error
///
/// With the default [`ErrorStyle::Error`](crate::ErrorStyle::Error) a status outside `2xx`
/// is returned as [`Error::Api`], so a response in hand always has data:
/// [`ApiResponse::into_data`] cannot fail and [`ApiResponse::data`] is `Some`. With
/// [`ErrorStyle::Response`](crate::ErrorStyle::Response), the official JS client's default,
/// such answers come back as responses whose [`ApiResponse::error`] is set and whose data is
/// absent.
///
/// # Empty bodies
///
/// Any `2xx` status is a success. When the body is empty (a `204`, a `201` without a body)
/// or the envelope has no `data` member (or `data` is `null`), the data is decoded from
/// `null` and, if the type refuses `null`, from `{}`: `()`, `Option<_>`, `Value`, maps and
/// models without required members decode; any other type gives [`Error::Decode`] with
/// [`DecodeCause::MissingData`](crate::DecodeCause::MissingData).
///
/// # Pages
///
/// For paginated operations, [`ApiResponse::pagination`] holds the envelope's `pagination`
/// and [`ApiResponse::next_page`] fetches the next page with the same request.
#[non_exhaustive]
pub struct ApiResponse<T> {
    outcome: Result<T, Box<ApiError>>,
    /// The envelope's `pagination`, on paginated operations.
    pub pagination: Option<Pagination>,
    /// The rate-limit state this response reported.
    pub rate_limit: RateLimit,
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The request that was sent.
    pub request: RequestInfo,
    next: Option<NextPage<T>>,
}

impl<T> ApiResponse<T> {
    pub(crate) fn new(
        outcome: Result<T, Box<ApiError>>,
        pagination: Option<Pagination>,
        rate_limit: RateLimit,
        status: StatusCode,
        headers: HeaderMap,
        request: RequestInfo,
    ) -> Self {
        Self {
            outcome,
            pagination,
            rate_limit,
            status,
            headers,
            request,
            next: None,
        }
    }

    pub(crate) fn with_next(mut self, next: Option<NextPage<T>>) -> Self {
        self.next = next;
        self
    }

    /// The data; `None` when the API answered with an error
    /// ([`ErrorStyle::Response`](crate::ErrorStyle::Response) only).
    pub fn data(&self) -> Option<&T> {
        self.outcome.as_ref().ok()
    }

    /// The data, to change in place; `None` as for [`ApiResponse::data`].
    pub fn data_mut(&mut self) -> Option<&mut T> {
        self.outcome.as_mut().ok()
    }

    /// The API's error, when it answered with one
    /// ([`ErrorStyle::Response`](crate::ErrorStyle::Response) only).
    pub fn error(&self) -> Option<&ApiError> {
        self.outcome.as_ref().err().map(|error| &**error)
    }

    /// Whether the API answered with data rather than an error.
    pub fn is_success(&self) -> bool {
        self.outcome.is_ok()
    }

    /// The data.
    ///
    /// # Errors
    /// [`Error::Api`] when the API answered with an error, which happens only with
    /// [`ErrorStyle::Response`](crate::ErrorStyle::Response).
    pub fn into_data(self) -> Result<T, Error> {
        self.outcome.map_err(Error::Api)
    }

    /// The data or the API's error, with the rest of the response dropped.
    pub fn into_result(self) -> Result<T, Box<ApiError>> {
        self.outcome
    }

    /// Whether a next page can be fetched: the operation is paginated, `hasNextPage` is true
    /// and a cursor came back.
    pub fn has_next_page(&self) -> bool {
        self.continuation().is_some()
    }

    /// The pager and cursor of the next page, if there is one.
    pub(crate) fn continuation(&self) -> Option<(NextPage<T>, String)> {
        let cursor = self.pagination.as_ref()?.next_cursor()?;
        // A cursor that names the page just fetched would fetch it again, without end.
        if self.request_cursor().as_deref() == Some(cursor) {
            tracing::debug!(
                nf.operation = self.request.operation,
                "pagination returned the cursor it was given; treating this page as the last"
            );
            return None;
        }
        Some((self.next.clone()?, cursor.to_owned()))
    }

    /// The `cursor` query option of the request, decoded.
    fn request_cursor(&self) -> Option<String> {
        let query = self.request.url.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let value = pair.strip_prefix("cursor=")?;
            crate::pages::percent_decode(value)
        })
    }

    /// Fetches the next page: the same request with this page's cursor. `Ok(None)` when
    /// this page is the last: `hasNextPage` is false, no cursor came back, or the cursor is
    /// the one this page was asked with.
    ///
    /// The future holds what it needs, so it may outlive the response.
    ///
    /// # Errors
    /// As the call that made this response; with
    /// [`ErrorStyle::Response`](crate::ErrorStyle::Response) an API error comes back as a
    /// response.
    pub fn next_page(
        &self,
    ) -> impl Future<Output = Result<Option<ApiResponse<T>>, Error>> + Send + 'static
    where
        T: Send + 'static,
    {
        let continuation = self.continuation();
        async move {
            match continuation {
                Some((next, cursor)) => next(cursor).await.map(Some),
                None => Ok(None),
            }
        }
    }

    /// The same error response with another data type, when this is an error response;
    /// otherwise the response itself.
    pub(crate) fn split_error<U>(self) -> Split<T, U> {
        match self.outcome {
            Err(error) => Split::Error(ApiResponse {
                outcome: Err(error),
                pagination: self.pagination,
                rate_limit: self.rate_limit,
                status: self.status,
                headers: self.headers,
                request: self.request,
                next: None,
            }),
            Ok(data) => Split::Data(Self {
                outcome: Ok(data),
                ..self
            }),
        }
    }

    /// The response with its data converted by `f`; the error, if any, is kept. The result
    /// has no next page.
    pub fn map_data<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            outcome: self.outcome.map(f),
            pagination: self.pagination,
            rate_limit: self.rate_limit,
            status: self.status,
            headers: self.headers,
            request: self.request,
            next: None,
        }
    }
}

impl<T: Clone> Clone for ApiResponse<T> {
    fn clone(&self) -> Self {
        Self {
            outcome: self.outcome.clone(),
            pagination: self.pagination.clone(),
            rate_limit: self.rate_limit,
            status: self.status,
            headers: self.headers.clone(),
            request: self.request.clone(),
            next: self.next.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ApiResponse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("data", &self.outcome.as_ref().ok())
            .field("error", &self.outcome.as_ref().err())
            .field("pagination", &self.pagination)
            .field("rate_limit", &self.rate_limit)
            .field("headers", &self.headers)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}
