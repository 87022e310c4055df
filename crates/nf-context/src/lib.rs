//! Credential contexts for the Northflank API.
//!
//! A [`Context`] names an API token, the API host it is for and the defaults the official CLI
//! keeps beside them (project, service, job, plan, region). A [`ContextProvider`] holds
//! contexts and says which one is current; the transport asks it for the token on every
//! request attempt, so a provider can rotate tokens without rebuilding the client.

mod context;
mod error;
mod token;

pub use context::{Context, ContextDefaults, DEFAULT_HOST, TokenScope};
pub use error::ContextError;
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

    /// The token of the current context; `None` when there is no current context.
    ///
    /// # Errors
    /// As [`ContextProvider::current`].
    fn token(&self) -> Result<Option<Token>, ContextError> {
        Ok(self.current()?.map(|context| context.token))
    }

    /// The API base URL of the current context, [`DEFAULT_HOST`] when there is no context.
    ///
    /// # Errors
    /// As [`ContextProvider::current`].
    fn base_url(&self) -> Result<String, ContextError> {
        Ok(self
            .current()?
            .map_or_else(|| DEFAULT_HOST.to_owned(), |context| context.host))
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
}
