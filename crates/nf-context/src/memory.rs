//! Contexts held in memory.

use std::fmt;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use crate::document::Document;
use crate::{Context, ContextDefaults, ContextError, ContextProvider, Token};

/// Contexts kept in memory, in the same structure as the CLI's file; nothing is persisted.
///
/// Useful for programs that get their token from elsewhere (a secret store, a flag) and for
/// tests. Every change is all or nothing: a failed operation leaves the contexts as they were.
///
/// ```
/// use nf_context::{Context, ContextProvider, InMemoryContextProvider};
///
/// # fn main() -> Result<(), nf_context::ContextError> {
/// let provider = InMemoryContextProvider::with_context(Context::new("ci", "nf-api-token"))?;
/// provider.set_project(Some("my-project".to_owned()))?;
/// assert_eq!(provider.base_url()?, "https://api.northflank.com");
/// assert_eq!(
///     provider.current()?.and_then(|context| context.defaults.project).as_deref(),
///     Some("my-project")
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct InMemoryContextProvider {
    document: RwLock<Document>,
}

impl InMemoryContextProvider {
    /// A provider with no contexts.
    pub fn new() -> Self {
        Self::default()
    }

    /// A provider holding `context`, which is current.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] when the context has an empty name or token, or a host that is
    /// not an `http(s)` URL.
    pub fn with_context(context: Context) -> Result<Self, ContextError> {
        let provider = Self::new();
        provider.add_context(context, false)?;
        Ok(provider)
    }

    fn read(&self) -> RwLockReadGuard<'_, Document> {
        // Operations commit a finished copy, so a poisoned lock still guards a whole document.
        self.document.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` to a copy and commits the copy only when `change` succeeds.
    fn change(
        &self,
        change: impl FnOnce(&mut Document) -> Result<(), ContextError>,
    ) -> Result<(), ContextError> {
        let mut document = self
            .document
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut next = document.clone();
        change(&mut next)?;
        *document = next;
        Ok(())
    }
}

impl ContextProvider for InMemoryContextProvider {
    fn current(&self) -> Result<Option<Context>, ContextError> {
        Ok(self.read().current_context())
    }

    fn token(&self) -> Result<Option<Token>, ContextError> {
        Ok(self.read().current_token())
    }

    fn contexts(&self) -> Result<Vec<Context>, ContextError> {
        Ok(self.read().contexts())
    }

    fn add_context(&self, context: Context, allow_override: bool) -> Result<(), ContextError> {
        self.change(|document| document.add(context, allow_override))
    }

    fn remove_context(&self, name: &str) -> Result<(), ContextError> {
        self.change(|document| document.remove(name))
    }

    fn use_context(&self, name: &str) -> Result<(), ContextError> {
        self.change(|document| document.select(name))
    }

    fn update_context(&self, context: Context) -> Result<(), ContextError> {
        self.change(|document| document.update(context))
    }

    fn update_token(&self, token: Token) -> Result<(), ContextError> {
        self.change(|document| document.update_token(token))
    }

    fn update_defaults(
        &self,
        change: &mut dyn FnMut(&mut ContextDefaults),
    ) -> Result<(), ContextError> {
        self.change(|document| document.update_defaults(change))
    }
}

impl fmt::Debug for InMemoryContextProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let document = self.read();
        f.debug_struct("InMemoryContextProvider")
            .field("current", &document.current_name())
            .field("contexts", &document.names())
            .finish()
    }
}
