//! A local emulator of the Northflank REST API, for end-to-end tests and benchmarks of
//! northflank-rs, in process or as a standalone program (`cargo run -p nf-mock -- --help`).
//!
//! It serves every operation of the API registry ([`nf_types::registry`]) on all its routes,
//! over HTTP/1.1 with keep-alive and HTTP/2 (prior knowledge), on loopback by default:
//!
//! - **State.** Projects and, inside them, services, jobs, addons, secrets and volumes are
//!   kept in memory: create, put, list, get, patch and delete work on them, a duplicate
//!   create answers 409 and a missing resource 404. A resource's id is the slug of its
//!   `name`; its data echoes its body plus generated members (`id`, `uid`, `createdAt`,
//!   `updatedAt`, and `projectId` / `appId` inside a project), shaped to each operation's
//!   response schema so that the typed models of `nf-types` decode it.
//! - **Other operations** answer a fixed example made from their response schema (required
//!   members only, first enumeration values, `0`, `false`, one-element arrays). They keep no
//!   state and do not check that the resources they name exist.
//! - **Envelope.** Success is 200 with `{"data": …}`, plus `"pagination": {"hasNextPage",
//!   "cursor", "count"}` on paginated operations. Errors carry
//!   `{"error": {"status", "id", "message", "details"}}`: 400 `validation-error` (details
//!   list `{path, message}` for each problem), 401 `unauthorized`, 404 `not-found` or
//!   `route-not-found`, 405 `method-not-allowed` (with `Allow`), 409 `conflict`, 413
//!   `payload-too-large`, 429 `rate-limited` (with `Retry-After`).
//! - **Validation.** A body that is not JSON, or does not match the body schema (JSON types,
//!   literals and required members at every depth; enumeration values are not checked), and
//!   a missing required query option answer 400.
//! - **Auth.** `Authorization: Bearer <token>`, with a token of [`MockConfig::token`], or
//!   any non-empty token when none is configured.
//! - **Rate limit.** Per token, `x-ratelimit-limit`, `x-ratelimit-remaining` and
//!   `x-ratelimit-reset` (seconds until the window ends) on every answer, errors included;
//!   1000 requests per hour unless [`MockConfig::rate_limit`] says otherwise.
//! - **Pagination.** 50 items by default, `per_page` up to 100 (more answers 400, it is not
//!   clamped), opaque cursors bound to their listing (any other cursor answers 400), no
//!   cursor on the last page. `page` (from 1) is accepted when no cursor is given. Pages
//!   follow creation order and resume after the last item seen, so resources created or
//!   deleted between pages neither repeat nor hide others.
//! - **Faults** ([`Faults`]) and the **journal** of requests ([`Journal`]) are reachable at
//!   run time through the server.
//!
//! Team routes and plain routes share one state: the team id is not part of it.
//!
//! # Performance
//!
//! Routing walks a tree of path segments, the description is parsed once per process, no
//! lock is held across an await, and each record keeps its encoded answer per operation
//! until it changes. On the 2-core development machine, with the load generator on the same
//! cores and 32 keep-alive connections, a release build answers about 30,000 requests/s for
//! an operation without state or a project read, and 20,000 pages of 50 projects/s. For
//! benchmarks, raise the rate limit and turn the journal off
//! ([`MockConfig::journal_capacity`] 0): it copies every request's headers and keeps them.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use nf_mock::{Fault, FaultRule, MockConfig, MockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = MockConfig::new()
//!     .token("test-token")
//!     .rate_limit(1000, Duration::from_secs(2));
//! let server = MockServer::start(config).await?;
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//!
//! // A thousand projects without a thousand requests.
//! let ids = server.seed_projects(1000);
//! assert_eq!(ids[0], "project-1");
//!
//! // The next call of `list.projects` fails with a 503.
//! server.faults().add(
//!     FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE))
//!         .operation("list.projects")
//!         .times(1),
//! );
//!
//! // … point a client at `server.base_url()` and run it …
//! assert!(server.journal().is_empty());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod catalog;
mod config;
mod cursor;
mod error;
mod faults;
mod journal;
mod ratelimit;
mod router;
mod schema;
mod server;
mod store;
mod time;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::MockConfig;
pub use error::MockError;
pub use faults::{Fault, FaultId, FaultRule, Faults};
pub use journal::{Journal, JournalEntry, Outcome};
pub use store::ResourceKind;

use catalog::Catalog;
use server::Shared;
use store::StoreError;

/// A running emulator. It stops when [`shutdown`](Self::shutdown) is awaited or when it is
/// dropped (then without waiting for requests in flight to finish).
#[derive(Debug)]
pub struct MockServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Why seeding state failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// The project to put the resources in does not exist.
    #[error("project `{0}` does not exist")]
    ProjectNotFound(String),
    /// A resource of that id already exists.
    #[error("a {kind} with the id `{id}` already exists")]
    Conflict {
        /// Its kind.
        kind: ResourceKind,
        /// Its id.
        id: String,
    },
    /// A project-scoped kind was seeded without a project, or a project with one.
    #[error("a {0} {1}")]
    Scope(ResourceKind, &'static str),
    /// The body cannot make a resource (not an object, or no usable `name`).
    #[error("invalid seed body: {path} {message}")]
    InvalidBody {
        /// Where in the body.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl From<StoreError> for SeedError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { id, .. } => Self::ProjectNotFound(id),
            StoreError::Conflict { kind, id } => Self::Conflict { kind, id },
            StoreError::Invalid { path, message } => Self::InvalidBody { path, message },
        }
    }
}

impl MockServer {
    /// Starts an emulator on `config`'s address (`127.0.0.1:0` by default, an ephemeral
    /// port). The API description is read on the first start in the process.
    ///
    /// Must be called within a Tokio runtime with its timer enabled (as `#[tokio::test]`
    /// and `#[tokio::main]` build it), which then runs the emulator.
    ///
    /// # Errors
    /// [`MockError::Bind`] when the address cannot be bound, [`MockError::Config`] for
    /// inconsistent settings, [`MockError::Spec`] if the embedded description is unusable.
    pub async fn start(config: MockConfig) -> Result<Self, MockError> {
        config.check().map_err(MockError::Config)?;
        let catalog = Catalog::get().map_err(MockError::Spec)?;
        let listener =
            TcpListener::bind(config.address)
                .await
                .map_err(|source| MockError::Bind {
                    address: config.address,
                    source,
                })?;
        let address = listener.local_addr().map_err(|source| MockError::Bind {
            address: config.address,
            source,
        })?;
        let shared = Arc::new(Shared::new(catalog, config));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared.clone(), stopped));
        tracing::debug!(%address, "emulator listening");
        Ok(Self {
            address,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The base URL to give a client, such as `http://127.0.0.1:39417`, without a trailing
    /// slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The journal of received requests.
    pub fn journal(&self) -> Journal {
        self.shared.journal.clone()
    }

    /// The fault rules, to change at run time.
    pub fn faults(&self) -> Faults {
        self.shared.faults.clone()
    }

    /// Creates `count` projects named `project-<n>` (numbers not taken yet) and returns their
    /// ids, without any request.
    pub fn seed_projects(&self, count: usize) -> Vec<String> {
        // Projects have no parent, and generated names are free by construction.
        self.seed_many(ResourceKind::Project, None, count)
            .unwrap_or_default()
    }

    /// Creates `count` resources of `kind` named `<kind>-<n>` in `project` (`None` for
    /// projects) and returns their ids. Services are deployment services and jobs manual
    /// jobs; members their bodies would require are filled in answers as for any record.
    ///
    /// # Errors
    /// [`SeedError::ProjectNotFound`] or [`SeedError::Scope`].
    pub fn seed_many(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
        count: usize,
    ) -> Result<Vec<String>, SeedError> {
        check_scope(kind, project)?;
        let ids = self.shared.write().seed(
            kind,
            project,
            count,
            &Map::new(),
            seed_fixed(kind),
            SystemTime::now(),
        )?;
        Ok(ids)
    }

    /// Creates one resource of `kind` from `body` (which needs a `name`) in `project`
    /// (`None` for projects), as its create operation would, and returns its record.
    ///
    /// # Errors
    /// [`SeedError::Conflict`] when the id is taken, [`SeedError::ProjectNotFound`],
    /// [`SeedError::Scope`], or [`SeedError::InvalidBody`].
    pub fn seed(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
        body: Value,
    ) -> Result<Value, SeedError> {
        check_scope(kind, project)?;
        let record = self.shared.write().create(
            kind,
            project,
            &body,
            seed_fixed(kind),
            SystemTime::now(),
        )?;
        Ok(Value::Object(record))
    }

    /// The stored record of a resource (not shaped to any response schema), if it exists.
    pub fn resource(&self, kind: ResourceKind, project: Option<&str>, id: &str) -> Option<Value> {
        check_scope(kind, project).ok()?;
        self.shared
            .read()
            .get(kind, project, id)
            .ok()
            .map(Value::Object)
    }

    /// How many resources of `kind` exist (in `project`, for kinds inside projects).
    pub fn count(&self, kind: ResourceKind, project: Option<&str>) -> usize {
        if check_scope(kind, project).is_err() {
            return 0;
        }
        self.shared.read().count(kind, project)
    }

    /// Stops accepting connections, lets requests in flight finish (for up to five
    /// seconds), and returns when the emulator has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            // A panic inside the accept loop has nothing left to report at this point.
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn check_scope(kind: ResourceKind, project: Option<&str>) -> Result<(), SeedError> {
    match (kind, project) {
        (ResourceKind::Project, Some(_)) => Err(SeedError::Scope(kind, "has no parent project")),
        (ResourceKind::Project, None) | (_, Some(_)) => Ok(()),
        (_, None) => Err(SeedError::Scope(kind, "needs a project")),
    }
}

/// The member seeded records of a kind carry, as their create operation would set it.
fn seed_fixed(kind: ResourceKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ResourceKind::Service => Some(("serviceType", "deployment")),
        ResourceKind::Job => Some(("jobType", "manual")),
        _ => None,
    }
}

/// An example body for an operation, made from its body schema as the emulator makes
/// answers: required members only, first enumeration values, `0`, `false`, one-element
/// arrays. `None` for an unknown operation or one without a typed body.
///
/// Tests use it to call every operation with a body the emulator accepts.
pub fn example_body(operation: &str) -> Option<Value> {
    let catalog = Catalog::get().ok()?;
    catalog
        .operation(operation)?
        .body
        .as_ref()
        .map(|schema| schema.example("body"))
}
