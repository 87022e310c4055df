//! How an emulator is set up.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The settings of an emulator, built by chaining methods on [`MockConfig::new`].
///
/// ```
/// use std::time::Duration;
/// use nf_mock::MockConfig;
///
/// let config = MockConfig::new()
///     .token("test-token")
///     .rate_limit(1000, Duration::from_secs(2))
///     .page_size(20, 100);
/// assert_eq!(config.default_page_size(), 20);
/// ```
#[derive(Clone)]
pub struct MockConfig {
    pub(crate) address: SocketAddr,
    pub(crate) tokens: BTreeSet<String>,
    pub(crate) rate_limit: u32,
    pub(crate) rate_window: Duration,
    pub(crate) default_page_size: u32,
    pub(crate) max_page_size: u32,
    pub(crate) journal_capacity: usize,
    pub(crate) max_body_bytes: usize,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl MockConfig {
    /// The defaults: `127.0.0.1` on a port the system picks, any non-empty token accepted,
    /// 1000 requests per hour per token, pages of 50 and at most 100 items, a journal of the
    /// last 10,000 requests, bodies up to 16 MiB.
    pub fn new() -> Self {
        Self {
            address: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tokens: BTreeSet::new(),
            rate_limit: 1000,
            rate_window: Duration::from_secs(3600),
            default_page_size: 50,
            max_page_size: 100,
            journal_capacity: 10_000,
            max_body_bytes: 16 << 20,
        }
    }

    /// Listens on this address instead of `127.0.0.1:0`.
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// Accepts this bearer token. Once any token is added, only added tokens are accepted;
    /// with none, every non-empty token is.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.tokens.insert(token.into());
        self
    }

    /// Accepts each of these tokens, as [`token`](Self::token) does.
    pub fn tokens<I, T>(mut self, tokens: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.tokens.extend(tokens.into_iter().map(Into::into));
        self
    }

    /// Allows `limit` requests per token in each `window` (from the token's first request);
    /// past that, requests get 429 until the window ends.
    pub fn rate_limit(mut self, limit: u32, window: Duration) -> Self {
        self.rate_limit = limit;
        self.rate_window = window;
        self
    }

    /// Pages hold `default` items when `per_page` is not given, and `per_page` may be at most
    /// `max`; a larger value is answered with 400.
    pub fn page_size(mut self, default: u32, max: u32) -> Self {
        self.default_page_size = default;
        self.max_page_size = max;
        self
    }

    /// Keeps the last `capacity` requests in the journal; 0 records none.
    pub fn journal_capacity(mut self, capacity: usize) -> Self {
        self.journal_capacity = capacity;
        self
    }

    /// Answers 413 to bodies longer than this.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The address to listen on.
    pub fn listen_address(&self) -> SocketAddr {
        self.address
    }

    /// The number of items of a page when `per_page` is not given.
    pub fn default_page_size(&self) -> u32 {
        self.default_page_size
    }

    /// The largest `per_page` accepted.
    pub fn max_page_size(&self) -> u32 {
        self.max_page_size
    }

    /// Requests allowed per token in each window, and the window.
    pub fn rate_limit_settings(&self) -> (u32, Duration) {
        (self.rate_limit, self.rate_window)
    }

    /// Checks the settings before an emulator starts.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.default_page_size == 0 || self.max_page_size < self.default_page_size {
            return Err(format!(
                "page sizes must satisfy 1 <= default <= max, got default {} and max {}",
                self.default_page_size, self.max_page_size
            ));
        }
        if self.rate_window.is_zero() {
            return Err("the rate-limit window must be longer than zero".to_owned());
        }
        if self.tokens.iter().any(String::is_empty) {
            return Err("an accepted token must not be empty".to_owned());
        }
        Ok(())
    }
}

impl fmt::Debug for MockConfig {
    // Tokens are credentials even in tests: show how many, never which.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("address", &self.address)
            .field("tokens", &format_args!("<{} redacted>", self.tokens.len()))
            .field("rate_limit", &self.rate_limit)
            .field("rate_window", &self.rate_window)
            .field("default_page_size", &self.default_page_size)
            .field("max_page_size", &self.max_page_size)
            .field("journal_capacity", &self.journal_capacity)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_tokens_and_check_rejects_nonsense() {
        let config = MockConfig::new().token("s3cr3t-value");
        assert!(!format!("{config:?}").contains("s3cr3t"));
        assert!(config.check().is_ok());
        assert!(MockConfig::new().page_size(0, 10).check().is_err());
        assert!(MockConfig::new().page_size(20, 10).check().is_err());
        assert!(
            MockConfig::new()
                .rate_limit(5, Duration::ZERO)
                .check()
                .is_err()
        );
        assert!(MockConfig::new().token("").check().is_err());
    }
}
