//! One credential context.

use serde::{Deserialize, Serialize};

use crate::Token;

/// The API base URL used when a context names none.
pub const DEFAULT_HOST: &str = "https://api.northflank.com";

/// Whether an API token belongs to a team or to an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TokenScope {
    /// A team's token: requests use team routes.
    Team,
    /// An organisation's token.
    Org,
}

/// Per-context defaults for calls, as the official CLI keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContextDefaults {
    /// Default project ID.
    pub project: Option<String>,
    /// Default service ID.
    pub service: Option<String>,
    /// Default job ID.
    pub job: Option<String>,
    /// Default plan ID.
    pub plan: Option<String>,
    /// Default region.
    pub region: Option<String>,
}

/// A named API token with the host it is for and the defaults kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The context's unique name.
    pub name: String,
    /// The API token.
    pub token: Token,
    /// The API base URL, such as [`DEFAULT_HOST`].
    pub host: String,
    /// The scope stored with the context, if any; see [`Context::token_scope`].
    pub scope: Option<TokenScope>,
    /// Defaults for calls.
    pub defaults: ContextDefaults,
}

impl Context {
    /// A context for `token` on the default host, with no defaults.
    pub fn new(name: impl Into<String>, token: impl Into<Token>) -> Self {
        Self {
            name: name.into(),
            token: token.into(),
            host: DEFAULT_HOST.to_owned(),
            scope: None,
            defaults: ContextDefaults::default(),
        }
    }

    /// Sets the API base URL.
    #[must_use]
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// Sets the stored token scope.
    #[must_use]
    pub fn with_scope(mut self, scope: TokenScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Sets the defaults.
    #[must_use]
    pub fn with_defaults(mut self, defaults: ContextDefaults) -> Self {
        self.defaults = defaults;
        self
    }
}
