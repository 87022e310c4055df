//! The error of starting an emulator.

use std::io;

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {address}")]
    Bind {
        /// The address asked for.
        address: std::net::SocketAddr,
        /// The system's reason.
        #[source]
        source: io::Error,
    },
    /// The configuration is inconsistent.
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// The embedded API description or the registry could not be read; this is a defect of
    /// the build, not of the caller.
    #[error("the embedded API description is unusable: {0}")]
    Spec(String),
}
