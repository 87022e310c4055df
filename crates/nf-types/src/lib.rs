//! Request and response models of the Northflank API, and the pure functions that turn
//! requests into HTTP parts.
//!
//! This crate does no I/O: it knows what to send and how to read what comes back, and leaves
//! sending to the transport.
//!
//! # Operations
//!
//! Every API operation has a request type in the module of its group, named after the
//! operation id: `list.projects` is [`projects::ListProjectsRequest`] (when the `projects`
//! feature is on). A request holds the path parameters, query options and body; required
//! values are arguments of `new`, the others are set with `with_…` methods. Its
//! [`Operation`] implementation gives the operation id, the response type, and the HTTP parts
//! ([`RequestParts`]) through [`Operation::to_parts`]. Paginated operations also implement
//! [`Paginated`], which says where a page's list is ([`Paginated::ITEMS_PATH`]): in one
//! member of the data, in the data itself, or nested deeper.
//!
//! ```
//! # #[cfg(feature = "projects")] {
//! use nf_types::Operation;
//! use nf_types::projects::ListProjectsRequest;
//!
//! let request = ListProjectsRequest::new().with_team_id("my-team").with_per_page(20);
//! let parts = request.to_parts()?;
//! assert_eq!(parts.method, http::Method::GET);
//! assert_eq!(parts.path_and_query(), "/v1/teams/my-team/projects?per_page=20");
//! # }
//! # Ok::<(), nf_types::BuildError>(())
//! ```
//!
//! The [`registry`] lists every operation as data and builds requests from JSON values, for
//! tools and for operations the typed API does not know yet; both ways give identical bytes.
//!
//! # Wire format
//!
//! - The route is the most specific one whose path parameters are all set: setting a team id
//!   selects the team route (`/v1/teams/{teamId}/…`).
//! - Each path value is percent-encoded as exactly one segment: `/`, `?`, `#`, `%` and space
//!   never change the route. An empty value and the dot segments `.` and `..` are rejected
//!   with [`BuildError::InvalidParameter`] before anything is sent.
//! - Query keys and values are percent-encoded with only `A–Z a–z 0–9 - . _ ~` left raw (a
//!   space is `%20`), arrays repeat their key, absent options are omitted and booleans are
//!   `true`/`false`.
//! - The body is compact JSON.
//!
//! # Models
//!
//! Models are plain structs with `snake_case` fields for the API's `camelCase` members
//! (`type` becomes `type_`, a leading digit gets an `n`). They follow one pattern, so that
//! the API can grow without breaking users:
//!
//! - Structs are `#[non_exhaustive]`: create them with `new`, which takes the required
//!   members, and set optional ones with `with_…` methods; read and change the public fields
//!   directly. Structs without required members also implement `Default`.
//! - An optional member is an `Option`, omitted when `None` (the API rejects `null` where it
//!   wants absence). A member that may be `null` is an `Option` inside (`Option<Option<T>>`
//!   when it is optional too).
//! - Unknown members are ignored when decoding. An object declaring both members and a type
//!   for others keeps the others in an `additional` map.
//! - String enumerations have a variant per known value and `Unknown(CompactString)` for
//!   values added to the API later, which decode and encode back unchanged.
//! - A value that may have several JSON types is an enum with one variant per JSON type
//!   (`Number(f64)`, `String(CompactString)`, …). Alternatives of the same JSON type are merged
//!   first: objects into one struct whose members are those of all alternatives, required
//!   only when all require them; strings into one enumeration; integers into numbers. So the
//!   variant is chosen by the JSON type alone and decoding is never ambiguous.
//! - Types the API leaves open are [`serde_json::Value`]; objects with only a value type are
//!   `BTreeMap<CompactString, T>`.
//!
//! Models convert to and from JSON through [`Json`], and implement `serde`'s traits through
//! it. Nested types are named after the operation, the body (`…Body…`) or response data
//! (`…Response…`) and the member path: `billing.gpu` in the body of
//! `create.service.deployment` is `CreateServiceDeploymentBodyBillingGpu`, array elements add
//! `Item` and map values `Value`. Names that would exceed 60 characters keep only the last
//! members of the path. Structurally identical types within a group are generated once,
//! named after the first place they occur, and every operation's `…Body` and `…Response`
//! names exist (as aliases where the type is shared or not a struct).
//!
//! # Strings
//!
//! The strings of models (members, enumeration values kept as `Unknown`, map keys) are
//! [`CompactString`]s, re-exported here from the `compact_str` crate: a string of up to 24
//! bytes is stored inline, so the ids, names and timestamps that make up most of an answer
//! are decoded without an allocation each, and dropped without a free each. A longer string
//! is on the heap, as a `String` is.
//!
//! It derefs to `&str`, compares with `str` and `String`, and converts both ways:
//! `CompactString::from(string)` and `String::from(compact)` (a long string keeps its buffer),
//! `.into()` for either, and `as_str()`. Constructors and setters take
//! `impl Into<CompactString>`, so `&str`, `String` and `CompactString` all fit.
//!
//! ```
//! # #[cfg(feature = "projects")] {
//! use nf_types::CompactString;
//! use nf_types::projects::CreateProjectBody;
//!
//! let body = CreateProjectBody::new("my-project").with_description(String::from("A project"));
//! assert_eq!(body.name, "my-project");
//! let name: &str = &body.name;
//! let owned: String = body.name.clone().into();
//! assert_eq!(CompactString::from(owned), name);
//! # }
//! ```
//!
//! Request parameters and query options stay `String`s, as does [`Pagination`]'s cursor
//! (which becomes a query option): they only ever become the URL.
//!
//! # Groups and features
//!
//! The types of each API group live in a module of that name behind a cargo feature of the
//! same name; all are on by default, and any combination builds. The group of an operation
//! comes from its shortest route: after `/v1/` and the optional `teams/{teamId}/` and
//! `projects/{projectId}/` prefixes, the first path segment (the first two under
//! `integrations/` and `cloud-providers/`) maps to a group:
//!
//! | Group | Path segments |
//! |---|---|
//! | `addons` | `addons`, `addon-types`, `external-addons`, `backup-destinations` |
//! | `ai` | `harnesses`, `llm-model-deployments` |
//! | `billing` | `billing`, `plans` |
//! | `cloud` | `cloud-providers`, `regions` |
//! | `integrations` | `integrations/vcs`, `integrations/ssh-identities`, other `integrations` |
//! | `jobs` | `jobs` |
//! | `logs` | `integrations/log-sinks`, `integrations/audit-log-sinks`, `integrations/notifications` |
//! | `networking` | `domains`, `dns-id`, `load-balancers`, `egress-ips`, `network-policies` |
//! | `pipelines` | `pipelines`, `gradual-rollout-strategies` |
//! | `projects` | `projects` (and `/v1/projects/{projectId}` itself), `initialize` |
//! | `registries` | `integrations/registries` |
//! | `secrets` | `secrets` |
//! | `security` | `encryption`, `workload-identities` |
//! | `services` | `services`, `container-snapshots` |
//! | `teams` | `teams` (and `/v1/teams/{teamId}` itself), `members`, `roles`, `org-roles`, `org-members`, `directory-groups`, `tokens`, `auth`, `tags` |
//! | `templates` | `templates`, `workflows`, `preview-blueprints` |
//! | `volumes` | `volumes` |
//!
//! The [`registry`] always covers every operation, whatever features are enabled.

pub mod json;
mod operation;
pub mod registry;
mod request;

mod generated;

/// The string type of the models; see [Strings](crate#strings).
pub use compact_str::CompactString;
#[allow(
    unused_imports,
    unreachable_pub,
    reason = "with every group feature off, the glob finds only crate-private items"
)]
pub use generated::*;
pub use json::{DecodeError, DecodeErrorKind, Json};
pub use operation::{Operation, Paginated, Pagination};
pub use request::{BuildError, QueryValue, RequestParts};
