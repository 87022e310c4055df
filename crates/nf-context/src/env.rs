//! A read-only context taken from environment variables.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::context::check_base_url;
use crate::{Context, ContextDefaults, ContextError, ContextProvider, DEFAULT_HOST, Token};

/// The variables that may hold the API token, in the order they are tried.
pub const TOKEN_VARIABLES: [&str; 2] = ["NORTHFLANK_API_TOKEN", "NF_API_TOKEN"];

/// The variables that may hold the API base URL, in the order they are tried; without any,
/// the base URL is [`DEFAULT_HOST`].
pub const BASE_URL_VARIABLES: [&str; 3] = ["NORTHFLANK_API_BASE_URL", "NF_API_HOST", "NF_HOST"];

/// The name of the context the environment provider answers with.
pub const ENVIRONMENT_CONTEXT: &str = "environment";

/// The name of the context when a token was given with [`EnvContextProvider::with_token`].
pub const EXPLICIT_CONTEXT: &str = "explicit";

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// One context made of environment variables, as the official Python SDK reads them.
///
/// - The token is the first of [`TOKEN_VARIABLES`] that is set and not empty.
/// - The host is the first of [`BASE_URL_VARIABLES`] that is set and not empty, else
///   [`DEFAULT_HOST`].
///
/// Values are trimmed of surrounding whitespace, and a variable whose value is not valid
/// Unicode counts as unset. Variables are read on every call, so a change the process makes to
/// its own environment is seen at once. Without a token there is no current context. The
/// context is called [`ENVIRONMENT_CONTEXT`] and has no defaults.
///
/// The provider is read-only: every change fails with [`ContextError::ReadOnly`].
///
/// ```
/// use nf_context::{ContextProvider, EnvContextProvider, Token};
///
/// # fn main() -> Result<(), nf_context::ContextError> {
/// let provider = EnvContextProvider::from_vars([
///     ("NF_API_TOKEN", "nf-api-token"),
///     ("NF_HOST", "https://api.example.test/"),
/// ]);
/// assert_eq!(provider.token()?.as_ref().map(Token::expose), Some("nf-api-token"));
/// assert_eq!(provider.base_url()?, "https://api.example.test");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct EnvContextProvider {
    lookup: Arc<Lookup>,
    token: Option<Token>,
}

impl EnvContextProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`, which returns a variable's value or `None` when it is
    /// unset. Lets tests and embedders supply variables without touching the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            lookup: Arc::new(lookup),
            token: None,
        }
    }

    /// Reads variables from a fixed set of name and value pairs.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        Self::from_lookup(move |name| vars.get(name).cloned())
    }

    /// Uses `token` instead of the token variables; the host still comes from the
    /// environment. The context is then called [`EXPLICIT_CONTEXT`]. An empty token is ignored,
    /// as an empty variable would be.
    #[must_use]
    pub fn with_token(mut self, token: Token) -> Self {
        self.token = (!token.is_empty()).then_some(token);
        self
    }

    /// The first of `names` that is set to something other than whitespace, trimmed.
    fn first_set(&self, names: &[&'static str]) -> Option<(&'static str, String)> {
        names.iter().find_map(|&name| {
            let value = (self.lookup)(name)?;
            let value = value.trim();
            (!value.is_empty()).then(|| (name, value.to_owned()))
        })
    }
}

impl Default for EnvContextProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ContextProvider for EnvContextProvider {
    fn current(&self) -> Result<Option<Context>, ContextError> {
        let (name, token) = match &self.token {
            Some(token) => (EXPLICIT_CONTEXT, token.clone()),
            None => match self.first_set(&TOKEN_VARIABLES) {
                Some((_, token)) => (ENVIRONMENT_CONTEXT, Token::new(token)),
                None => return Ok(None),
            },
        };
        let host = match self.first_set(&BASE_URL_VARIABLES) {
            Some((_, host)) => host,
            None => DEFAULT_HOST.to_owned(),
        };
        Ok(Some(Context::new(name, token).with_host(host)))
    }

    /// The host variable, checked, so the error names the variable at fault.
    fn base_url(&self) -> Result<String, ContextError> {
        let Some(context) = self.current()? else {
            return Ok(DEFAULT_HOST.to_owned());
        };
        let Some((variable, host)) = self.first_set(&BASE_URL_VARIABLES) else {
            return Ok(DEFAULT_HOST.to_owned());
        };
        check_base_url(&host)
            .map(str::to_owned)
            .map_err(|reason| ContextError::Invalid {
                name: context.name,
                reason: format!("{variable}: {reason}"),
            })
    }

    fn contexts(&self) -> Result<Vec<Context>, ContextError> {
        Ok(self.current()?.into_iter().collect())
    }

    fn add_context(&self, _context: Context, _allow_override: bool) -> Result<(), ContextError> {
        Err(read_only())
    }

    fn remove_context(&self, _name: &str) -> Result<(), ContextError> {
        Err(read_only())
    }

    fn use_context(&self, _name: &str) -> Result<(), ContextError> {
        Err(read_only())
    }

    fn update_context(&self, _context: Context) -> Result<(), ContextError> {
        Err(read_only())
    }

    fn update_token(&self, _token: Token) -> Result<(), ContextError> {
        Err(read_only())
    }

    fn update_defaults(
        &self,
        _change: &mut dyn FnMut(&mut ContextDefaults),
    ) -> Result<(), ContextError> {
        Err(read_only())
    }
}

fn read_only() -> ContextError {
    ContextError::ReadOnly {
        provider: "environment",
    }
}

/// Says which variables are set, never their values.
impl fmt::Debug for EnvContextProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvContextProvider")
            .field("explicit_token", &self.token.is_some())
            .field(
                "token_variable",
                &self.first_set(&TOKEN_VARIABLES).map(|(name, _)| name),
            )
            .field(
                "base_url_variable",
                &self.first_set(&BASE_URL_VARIABLES).map(|(name, _)| name),
            )
            .finish()
    }
}
