//! The Northflank API client of northflank-rs: typed and dynamic calls, responses, errors
//! and pagination, over the tower stack of [`nf_transport`].
//!
//! # Example
//!
//! ```no_run
//! use nf_client::{ApiClient, Error};
//! use nf_types::projects::ListProjectsRequest;
//! use futures_util::TryStreamExt;
//!
//! # async fn example() -> Result<(), Error> {
//! // Token and host from NORTHFLANK_API_TOKEN, else the CLI's current context.
//! let client = ApiClient::from_env()?;
//!
//! // The operation tree of the official clients: `list.projects` with an option set.
//! let projects = client.list().projects().map(|request| request.with_per_page(5)).await?;
//! for project in projects.into_data()?.projects {
//!     println!("{}", project.id);
//! }
//!
//! // One call, one response: the first page.
//! let page = client.send(ListProjectsRequest::new().with_per_page(10)).await?;
//! println!("{:?} calls left", page.rate_limit.remaining);
//! if let Some(next) = page.next_page().await? {
//!     println!("{} more projects", next.into_data()?.projects.len());
//! }
//!
//! // Every project, one page at a time.
//! let mut projects = client.call_typed(ListProjectsRequest::new()).stream();
//! while let Some(project) = projects.try_next().await? {
//!     println!("{}", project.id);
//! }
//!
//! // An operation by name, with JSON values.
//! let project = client
//!     .call("get.project", serde_json::json!({"projectId": "my-project"}), serde_json::Value::Null, None)
//!     .await?;
//! println!("{}", project.into_data()?["name"]);
//! # Ok(())
//! # }
//! ```
//!
//! # Calls
//!
//! [`ApiClient::call_typed`] wraps a typed request of [`nf_types`] in a [`Call`], which
//! [`Call::send`]s it (or is awaited), or for paginated operations [`Call::stream`]s the
//! items of every page or collects them with [`Call::all`]. [`ApiClient::send`] sends a
//! typed request at once, and [`ApiClient::call`] takes an operation id and JSON values
//! ([`nf_types::registry`]), producing the same bytes as the typed request. The operation
//! tree of the official clients (`client.list().projects()`) is made of [`Namespace`]
//! nodes; see [`namespace`] for how its paths map to Rust.
//!
//! # Responses
//!
//! An [`ApiResponse`] holds the data (or, on request, the API's error), the pagination,
//! the rate limit this response reported, status and headers, and the request that was
//! sent, with the token redacted. Every `2xx` status is a success; the rules for empty
//! bodies are on [`ApiResponse`]. The body is the API's envelope `{data, pagination,
//! error}`.
//!
//! # Errors
//!
//! One [`Error`] type. By default ([`ErrorStyle::Error`]) a status outside `2xx` is
//! [`Error::Api`], with status, message, error id, details, request and rate limit. With
//! [`ErrorStyle::Response`], the official JS client's default, it is a response whose
//! [`ApiResponse::error`] is set. A body that is not the envelope (an HTML page, malformed
//! or truncated JSON) is [`Error::Decode`] on success statuses, and an [`Error::Api`] with
//! [`ApiError::body_snippet`] on error statuses; a body larger than
//! [`ApiClientBuilder::max_body_size`] is [`Error::BodyTooLarge`]. None of them panics.
//!
//! # Pagination
//!
//! A page is the last when `hasNextPage` is false, no cursor comes back, or the cursor is
//! the one the page was asked with. [`ApiResponse::next_page`] then returns `Ok(None)`
//! rather than an empty page, and streams end.
//!
//! # Time limits
//!
//! The transport's call timeout stops at the response headers; the body is then read
//! within [`ApiClientBuilder::body_timeout`] ([`TimeoutKind::BodyRead`]).
//!
//! # Tracing
//!
//! Each call runs in the transport's debug span `northflank.call`, which carries
//! `nf.operation`, with one `northflank.attempt` span per attempt. The client adds debug
//! events (with `nf.operation`) for API errors and undecodable bodies, and a trace event
//! with the response body. No event or span carries the token, and no body is logged
//! above trace level. Reading the body happens after the call span has closed.
//!
//! # Features
//!
//! - `rustls` (default) and `native-tls`: the TLS backends of [`nf_transport`].
//! - `full` (default): the typed requests and models of every API group; or one feature
//!   per group (`projects`, `services`, …) for builds that need only some. The dynamic
//!   [`ApiClient::call`] covers every operation whatever the features.

mod body;
mod call;
mod client;
mod error;
mod generated;
pub mod namespace;
mod pages;
mod response;

pub use body::SNIPPET_LIMIT;
pub use call::{Call, ItemStream};
pub use client::{
    ApiClient, ApiClientBuilder, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_SIZE, ErrorStyle,
};
pub use error::{BoxError, DecodeCause, Error, TimeoutKind};
pub use generated::nodes;
pub use namespace::Namespace;
pub use response::{ApiError, ApiResponse, RateLimit, RequestInfo};

/// Credential contexts: the `nf-context` crate.
pub use nf_context;
pub use nf_context::{ContextProvider, Token};
/// The tower stack under the client: the `nf-transport` crate.
pub use nf_transport;
pub use nf_transport::{RateLimitMode, RateLimitSnapshot, RetryConfig};
/// Request and response models: the `nf-types` crate.
pub use nf_types;
pub use nf_types::CompactString;
pub use nf_types::Pagination;
