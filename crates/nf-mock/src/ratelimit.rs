//! Fixed-window request counting per token, reported in `x-ratelimit-*` headers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before expired ones are swept, so unknown tokens cannot grow memory forever.
const SWEEP_THRESHOLD: usize = 10_000;

/// Counts requests per key in windows of a fixed length, each starting at its key's first
/// request.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    started: Instant,
    used: u32,
}

/// The state of one key after counting a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateState {
    /// Requests allowed per window.
    pub(crate) limit: u32,
    /// Requests left in this window.
    pub(crate) remaining: u32,
    /// Whole seconds, rounded up, until the window resets.
    pub(crate) reset: u64,
    /// Whether this request went past the limit.
    pub(crate) exceeded: bool,
}

impl RateLimiter {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key` at `now`.
    pub(crate) fn hit(&self, key: &str, now: Instant) -> RateState {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= SWEEP_THRESHOLD && !buckets.contains_key(key) {
            let window = self.window;
            buckets.retain(|_, bucket| now.duration_since(bucket.started) < window);
        }
        let bucket = match buckets.get_mut(key) {
            Some(bucket) => bucket,
            None => buckets.entry(key.to_owned()).or_insert(Bucket {
                started: now,
                used: 0,
            }),
        };
        if now.duration_since(bucket.started) >= self.window {
            *bucket = Bucket {
                started: now,
                used: 0,
            };
        }
        bucket.used = bucket.used.saturating_add(1);
        let left = self
            .window
            .saturating_sub(now.duration_since(bucket.started));
        RateState {
            limit: self.limit,
            remaining: self.limit.saturating_sub(bucket.used),
            reset: left.as_secs() + u64::from(left.subsec_nanos() > 0),
            exceeded: bucket.used > self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_resets_after_the_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(10));
        let start = Instant::now();
        let first = limiter.hit("a", start);
        assert_eq!(
            (first.remaining, first.reset, first.exceeded),
            (1, 10, false)
        );
        let second = limiter.hit("a", start + Duration::from_millis(1500));
        assert_eq!(
            (second.remaining, second.reset, second.exceeded),
            (0, 9, false)
        );
        let third = limiter.hit("a", start + Duration::from_secs(2));
        assert_eq!((third.remaining, third.reset, third.exceeded), (0, 8, true));
        assert!(!limiter.hit("b", start).exceeded, "keys count apart");
        let later = limiter.hit("a", start + Duration::from_secs(10));
        assert_eq!(
            (later.remaining, later.reset, later.exceeded),
            (1, 10, false)
        );
    }
}
