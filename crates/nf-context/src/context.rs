//! One credential context.

use serde::{Deserialize, Serialize};

use crate::{ContextError, Token};

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

    /// Whether the token belongs to a team or an organisation.
    ///
    /// The stored [`Context::scope`] wins. Without one, the token is read as a JWT: the claim
    /// `entityType` of its payload gives the scope. A token that is not a JWT, a payload that
    /// is not JSON, and a missing or unrecognised claim all give [`TokenScope::Team`]. Nothing
    /// is written back; the official JS client stores the derived scope, this does not.
    pub fn token_scope(&self) -> TokenScope {
        self.scope
            .unwrap_or_else(|| crate::scope::scope_from_token(self.token.expose()))
    }

    /// Checks that the context is usable: a name, a token without whitespace, and an
    /// `http://` or `https://` host.
    ///
    /// Providers call this before they store a context.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] saying what is wrong; the reason never quotes the token.
    pub fn validate(&self) -> Result<(), ContextError> {
        if self.name.trim().is_empty() {
            return Err(self.invalid("the name is empty"));
        }
        check_token(self.token.expose()).map_err(|reason| self.invalid(reason))?;
        check_base_url(&self.host).map_err(|reason| self.invalid(reason))?;
        Ok(())
    }

    /// The API base URL: the host, checked to be an `http(s)` URL, without trailing slashes.
    ///
    /// # Errors
    /// [`ContextError::Invalid`] when the host is empty or not an `http(s)` URL.
    pub fn base_url(&self) -> Result<String, ContextError> {
        check_base_url(&self.host)
            .map(str::to_owned)
            .map_err(|reason| self.invalid(reason))
    }

    fn invalid(&self, reason: &str) -> ContextError {
        ContextError::Invalid {
            name: self.name.clone(),
            reason: reason.to_owned(),
        }
    }
}

/// Checks a token: not empty, and free of whitespace and control characters, which no
/// `Authorization` header can carry. The reason never quotes the token.
pub(crate) fn check_token(token: &str) -> Result<(), &'static str> {
    if token.is_empty() {
        return Err("the token is empty");
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the token contains whitespace or control characters");
    }
    Ok(())
}

/// Checks that `url` is an `http://` or `https://` URL fit to be a base URL and returns it
/// without trailing slashes. The reason never quotes the URL, which could hold credentials.
pub(crate) fn check_base_url(url: &str) -> Result<&str, &'static str> {
    if url.is_empty() {
        return Err("the host is empty");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the host contains whitespace or control characters");
    }
    let rest = strip_prefix_ignore_case(url, "https://")
        .or_else(|| strip_prefix_ignore_case(url, "http://"))
        .ok_or("the host is not an http:// or https:// URL")?;
    if rest.contains(['?', '#']) {
        return Err("the host has a query or a fragment");
    }
    if rest.contains('\\') {
        return Err("the host contains a backslash");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err("the host carries user credentials");
    }
    check_authority(authority)?;
    Ok(url.trim_end_matches('/'))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Checks `server[:port]`, where the server may be a bracketed IPv6 address.
fn check_authority(authority: &str) -> Result<(), &'static str> {
    let (server, port) = match authority.strip_prefix('[') {
        Some(bracketed) => {
            let (address, after) = bracketed
                .split_once(']')
                .ok_or("the host has an unclosed IPv6 bracket")?;
            if after.is_empty() {
                (address, None)
            } else {
                let port = after
                    .strip_prefix(':')
                    .ok_or("the host has text after its IPv6 address")?;
                (address, Some(port))
            }
        }
        None => match authority.split_once(':') {
            Some((server, port)) => (server, Some(port)),
            None => (authority, None),
        },
    };
    if server.is_empty() {
        return Err("the host has no server name");
    }
    if let Some(port) = port
        && (port.is_empty()
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u16>().is_err())
    {
        return Err("the host has an invalid port");
    }
    Ok(())
}
