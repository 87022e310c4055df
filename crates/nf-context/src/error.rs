//! Errors of context providers.

use std::path::PathBuf;

/// Why a context provider could not answer or change its contexts.
///
/// No variant carries a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// No context has the given name.
    #[error("no context is named {name:?}")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// A context of that name exists and replacing it was not allowed.
    #[error("a context named {name:?} already exists")]
    AlreadyExists {
        /// The name of the existing context.
        name: String,
    },
    /// The operation needs a current context and none is selected.
    #[error("no context is current")]
    NoCurrentContext,
    /// The provider cannot be changed (the environment provider, for instance).
    #[error("the {provider} context provider is read-only")]
    ReadOnly {
        /// Which provider refused.
        provider: &'static str,
    },
    /// A context is not usable as it stands (an empty name, token or host).
    #[error("invalid context {name:?}: {reason}")]
    Invalid {
        /// The context's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The config file could not be read, written or locked.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done: `read`, `write`, `lock`, ...
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid JSON of the expected shape; it was left untouched.
    #[error("invalid config file {} at line {line}, column {column}", path.display())]
    Parse {
        /// The file concerned.
        path: PathBuf,
        /// One-based line of the first error.
        line: usize,
        /// One-based column of the first error.
        column: usize,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The home directory, needed to find the default config file, is unknown.
    #[error("cannot locate the home directory for the default config file")]
    NoHomeDirectory,
}
