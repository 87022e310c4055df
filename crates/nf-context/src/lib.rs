//! Credential contexts for the Northflank API.
//!
//! A [`Context`] names an API token, the API host it is for and the defaults the official CLI
//! keeps beside them (project, service, job, plan, region). A [`ContextProvider`] holds
//! contexts and says which one is current; the transport asks it for the token on every
//! request attempt, so a provider can rotate tokens without rebuilding the client.
//!
//! # Providers
//!
//! - [`FileContextProvider`]: the official CLI's file, `~/.northflank/config.json`, shared
//!   with the CLI. Reads are cached and reloaded when the file changes; writes are atomic and
//!   serialised between threads and processes by a lock file.
//! - [`EnvContextProvider`]: one read-only context from `NORTHFLANK_API_TOKEN` or
//!   `NF_API_TOKEN`, on the host from `NORTHFLANK_API_BASE_URL`, `NF_API_HOST` or `NF_HOST`.
//! - [`InMemoryContextProvider`]: the same structure as the file, in memory only.
//! - [`ChainContextProvider`]: several providers asked in turn; [`default_chain`] asks an
//!   explicit token, then the environment, then the CLI's file, and writes to the file.
//!
//! # The file
//!
//! The CLI's file is JSON, indented with tabs (shown here with spaces):
//!
//! ```json
//! {
//!     "current": "work",
//!     "contexts": [
//!         {
//!             "name": "work",
//!             "token": "<api token>",
//!             "host": "https://api.northflank.com",
//!             "tokenScope": "team",
//!             "project": "<project id>"
//!         }
//!     ],
//!     "lastUpdateCheck": "2024-01-01T00:00:00.000Z"
//! }
//! ```
//!
//! `current` names the current context; each context has a `name`, a `token`, a `host`
//! ([`DEFAULT_HOST`] when absent), an optional `tokenScope` (`team` or `org`) and optional
//! `project`, `service`, `job`, `plan` and `region` defaults. Other keys, such as
//! `lastUpdateCheck`, are kept as they are, in their order, whenever this crate rewrites the
//! file. A missing file holds no contexts.
//!
//! Every change is a read-modify-write done while holding an exclusive lock on
//! `config.json.lock` beside the file ([`LOCK_SUFFIX`]). The new text is written to a temporary
//! file in the same directory, flushed to disk, given mode `0600` and renamed over the file,
//! so readers never see a partial file and no concurrent writer's update is lost. A file that
//! is not valid JSON is reported with its line and column and never overwritten. See
//! [`FileContextProvider`] for the details and limits.
//!
//! # Example
//!
//! ```no_run
//! use nf_context::{Context, ContextProvider, FileContextProvider, default_chain};
//!
//! # fn main() -> Result<(), nf_context::ContextError> {
//! // Store a context in the CLI's file, as `northflank login` would.
//! let file = FileContextProvider::open_default()?;
//! file.add_context(Context::new("work", "nf-api-token"), true)?;
//! file.set_project(Some("my-project".to_owned()))?;
//!
//! // A program's usual source: an explicit token, else the environment, else the file.
//! let provider = default_chain(None);
//! match provider.current()? {
//!     Some(context) => {
//!         let (base_url, scope) = (context.base_url()?, context.token_scope());
//!         eprintln!("context {} on {base_url}, {scope:?} token", context.name);
//!     }
//!     None => eprintln!("no token: set NORTHFLANK_API_TOKEN or run `northflank login`"),
//! }
//! # Ok(())
//! # }
//! ```

mod chain;
mod context;
mod document;
mod env;
mod error;
mod file;
mod memory;
mod scope;
mod token;

pub use chain::{ChainContextProvider, default_chain};
pub use context::{Context, ContextDefaults, DEFAULT_HOST, TokenScope};
pub use env::{
    BASE_URL_VARIABLES, ENVIRONMENT_CONTEXT, EXPLICIT_CONTEXT, EnvContextProvider, TOKEN_VARIABLES,
};
pub use error::ContextError;
pub use file::{CONFIG_DIRECTORY, CONFIG_FILE, FileContextProvider, LOCK_SUFFIX};
pub use memory::InMemoryContextProvider;
pub use token::Token;

/// A source of credential contexts: what the official JS client's context providers offer.
///
/// Reads happen on every request attempt and must be cheap; writes are rare. Implementations
/// are shared between tasks behind an `Arc`, so every method takes `&self`.
pub trait ContextProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The current context, or `None` when no context is selected.
    ///
    /// # Errors
    /// Fails when the provider's storage cannot be read or is malformed.
    fn current(&self) -> Result<Option<Context>, ContextError>;

    /// The token of the current context; `None` when there is no current context or its
    /// token is empty (a file may hold a context without one).
    ///
    /// # Errors
    /// As [`ContextProvider::current`].
    fn token(&self) -> Result<Option<Token>, ContextError> {
        Ok(self
            .current()?
            .map(|context| context.token)
            .filter(|token| !token.is_empty()))
    }

    /// The API base URL of the current context without trailing slashes ([`Context::base_url`]),
    /// [`DEFAULT_HOST`] when there is no context.
    ///
    /// # Errors
    /// As [`ContextProvider::current`], and [`ContextError::Invalid`] when the current
    /// context's host is not an `http(s)` URL.
    fn base_url(&self) -> Result<String, ContextError> {
        match self.current()? {
            Some(context) => context.base_url(),
            None => Ok(DEFAULT_HOST.to_owned()),
        }
    }

    /// Whether the current context's token is a team's or an organisation's
    /// ([`Context::token_scope`]); [`TokenScope::Team`] when there is no current context.
    /// Nothing is written back.
    ///
    /// # Errors
    /// As [`ContextProvider::current`].
    fn token_scope(&self) -> Result<TokenScope, ContextError> {
        Ok(self
            .current()?
            .map_or(TokenScope::Team, |context| context.token_scope()))
    }

    /// Every context the provider holds, in storage order.
    ///
    /// # Errors
    /// As [`ContextProvider::current`].
    fn contexts(&self) -> Result<Vec<Context>, ContextError>;

    /// Adds `context` and makes it current. A context of the same name is replaced when
    /// `allow_override` is true; otherwise the call fails with [`ContextError::AlreadyExists`].
    ///
    /// # Errors
    /// [`ContextError::AlreadyExists`], [`ContextError::ReadOnly`], or a storage failure.
    fn add_context(&self, context: Context, allow_override: bool) -> Result<(), ContextError>;

    /// Removes the context called `name`; when it was current, no context is current after.
    ///
    /// # Errors
    /// [`ContextError::NotFound`], [`ContextError::ReadOnly`], or a storage failure.
    fn remove_context(&self, name: &str) -> Result<(), ContextError>;

    /// Makes the context called `name` current.
    ///
    /// # Errors
    /// [`ContextError::NotFound`], [`ContextError::ReadOnly`], or a storage failure.
    fn use_context(&self, name: &str) -> Result<(), ContextError>;

    /// Replaces the context called `context.name` with `context`, keeping which one is current.
    ///
    /// # Errors
    /// [`ContextError::NotFound`], [`ContextError::ReadOnly`], or a storage failure.
    fn update_context(&self, context: Context) -> Result<(), ContextError>;

    /// Replaces the token of the current context.
    ///
    /// # Errors
    /// [`ContextError::NoCurrentContext`], [`ContextError::ReadOnly`], or a storage failure.
    fn update_token(&self, token: Token) -> Result<(), ContextError>;

    /// Changes the defaults (project, service, job, plan, region) of the current context:
    /// `change` receives them and edits them in place.
    ///
    /// # Errors
    /// [`ContextError::NoCurrentContext`], [`ContextError::ReadOnly`], or a storage failure.
    fn update_defaults(
        &self,
        change: &mut dyn FnMut(&mut ContextDefaults),
    ) -> Result<(), ContextError>;

    /// Sets (`Some`) or clears (`None`) the current context's default project.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] for an empty project, and as
    /// [`ContextProvider::update_defaults`].
    fn set_project(&self, project: Option<String>) -> Result<(), ContextError> {
        set_default(self, "project", project, |defaults| &mut defaults.project)
    }

    /// Sets (`Some`) or clears (`None`) the current context's default service.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] for an empty service, and as
    /// [`ContextProvider::update_defaults`].
    fn set_service(&self, service: Option<String>) -> Result<(), ContextError> {
        set_default(self, "service", service, |defaults| &mut defaults.service)
    }

    /// Sets (`Some`) or clears (`None`) the current context's default job.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] for an empty job, and as
    /// [`ContextProvider::update_defaults`].
    fn set_job(&self, job: Option<String>) -> Result<(), ContextError> {
        set_default(self, "job", job, |defaults| &mut defaults.job)
    }

    /// Sets (`Some`) or clears (`None`) the current context's default plan.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] for an empty plan, and as
    /// [`ContextProvider::update_defaults`].
    fn set_plan(&self, plan: Option<String>) -> Result<(), ContextError> {
        set_default(self, "plan", plan, |defaults| &mut defaults.plan)
    }

    /// Sets (`Some`) or clears (`None`) the current context's default region.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] for an empty region, and as
    /// [`ContextProvider::update_defaults`].
    fn set_region(&self, region: Option<String>) -> Result<(), ContextError> {
        set_default(self, "region", region, |defaults| &mut defaults.region)
    }
}

/// Stores one default through [`ContextProvider::update_defaults`]; an empty value is refused
/// rather than stored, since no API ID is empty.
fn set_default<P: ContextProvider + ?Sized>(
    provider: &P,
    field: &str,
    value: Option<String>,
    slot: fn(&mut ContextDefaults) -> &mut Option<String>,
) -> Result<(), ContextError> {
    if value
        .as_deref()
        .is_some_and(|value| value.trim().is_empty())
    {
        let name = provider
            .current()
            .ok()
            .flatten()
            .map(|context| context.name)
            .unwrap_or_default();
        return Err(ContextError::Invalid {
            name,
            reason: format!("the {field} is empty"),
        });
    }
    provider.update_defaults(&mut |defaults| slot(defaults).clone_from(&value))
}
