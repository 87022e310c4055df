//! Fault injection: rules, set at run time through [`Faults`], that delay or spoil answers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{Method, StatusCode};

/// What a fault rule does to a request it applies to.
///
/// [`DropMidBody`](Self::DropMidBody) and [`TruncatedBody`](Self::TruncatedBody) spoil the
/// normal answer, so the request takes effect (a create creates); the other faults answer
/// instead of the operation, which then never runs. Every fault still counts against the
/// token's rate limit and appears in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Waits this long, then goes on: later rules and the normal answer still apply.
    Latency(Duration),
    /// Answers with this status and the API's error envelope.
    Status(StatusCode),
    /// Answers 429 with `Retry-After` and `x-ratelimit-reset` set to this many seconds and
    /// `x-ratelimit-remaining: 0`, as the API does past its limit.
    RateLimited {
        /// Seconds the client is told to wait.
        retry_after: u64,
    },
    /// Reads the request, then closes the connection without answering (on HTTP/2, resets
    /// the stream).
    DropBeforeAnswer,
    /// Sends the normal status, headers and `Content-Length`, then half the body, then closes
    /// the connection (on HTTP/2, resets the stream).
    DropMidBody,
    /// Sends the first half of the normal body as a complete response whose
    /// `Content-Length` matches: the framing is valid, the JSON ends early.
    TruncatedBody,
    /// Answers 200 with `Content-Type: application/json` and a body that is not JSON.
    MalformedJson,
    /// Answers with this status and an HTML page, as a proxy in front of the API would.
    HtmlErrorPage(StatusCode),
}

impl Fault {
    fn is_latency(&self) -> bool {
        matches!(self, Self::Latency(_))
    }
}

/// Which requests a rule applies to, and how often.
///
/// A new rule applies to every request; each matcher narrows it, and all must match.
///
/// ```
/// use std::time::Duration;
/// use nf_mock::{Fault, FaultRule};
///
/// // The next two `list.projects` calls fail with 503.
/// let outage = FaultRule::new(Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE))
///     .operation("list.projects")
///     .times(2);
/// // About one GET in ten is slow, the same ones on every run.
/// let slow = FaultRule::new(Fault::Latency(Duration::from_millis(300)))
///     .method(http::Method::GET)
///     .probability(0.1, 7);
/// # let _ = (outage, slow);
/// ```
#[derive(Debug, Clone)]
pub struct FaultRule {
    fault: Fault,
    method: Option<Method>,
    operation: Option<String>,
    path: Option<PathMatch>,
    times: Option<u64>,
    probability: Option<(f64, u64)>,
}

#[derive(Debug, Clone)]
enum PathMatch {
    Exact(String),
    Prefix(String),
}

impl FaultRule {
    /// A rule that applies `fault` to every request.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            method: None,
            operation: None,
            path: None,
            times: None,
            probability: None,
        }
    }

    /// Only requests of this method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only requests routed to this operation, such as `list.projects`.
    pub fn operation(mut self, id: impl Into<String>) -> Self {
        self.operation = Some(id.into());
        self
    }

    /// Only requests whose path (as sent, without the query) is exactly `path`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(PathMatch::Exact(path.into()));
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path = Some(PathMatch::Prefix(prefix.into()));
        self
    }

    /// Applies to the next `count` matching requests only, then retires.
    pub fn times(mut self, count: u64) -> Self {
        self.times = Some(count);
        self
    }

    /// Applies to each matching request with this probability (clamped to 0..=1), drawn from
    /// a generator seeded with `seed`: the same requests in the same order meet the same
    /// faults on every run.
    pub fn probability(mut self, probability: f64, seed: u64) -> Self {
        let probability = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0)
        };
        self.probability = Some((probability, seed));
        self
    }

    fn matches(&self, method: &Method, operation: Option<&str>, path: &str) -> bool {
        self.method.as_ref().is_none_or(|wanted| wanted == method)
            && self
                .operation
                .as_deref()
                .is_none_or(|wanted| Some(wanted) == operation)
            && self.path.as_ref().is_none_or(|wanted| match wanted {
                PathMatch::Exact(exact) => exact == path,
                PathMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
            })
    }
}

/// Identifies a rule added with [`Faults::add`], to remove it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(u64);

#[derive(Debug)]
struct ActiveRule {
    id: FaultId,
    rule: FaultRule,
    rng: Option<fastrand::Rng>,
}

#[derive(Debug, Default)]
struct Rules {
    next_id: u64,
    active: Vec<ActiveRule>,
}

/// The fault rules of one emulator; cheap to clone, and every clone changes the same rules.
///
/// Rules are tried in the order they were added. Every applicable [`Fault::Latency`] adds its
/// delay; the first applicable other fault decides the answer.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<FaultsInner>,
}

#[derive(Debug, Default)]
struct FaultsInner {
    // Lets requests skip the lock when no rule is set, the usual case in benchmarks.
    any: AtomicBool,
    rules: Mutex<Rules>,
}

/// What the rules decided for one request.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    pub(crate) fault: Option<Fault>,
}

impl Faults {
    /// Adds a rule after the existing ones.
    pub fn add(&self, rule: FaultRule) -> FaultId {
        let mut rules = self.lock();
        rules.next_id += 1;
        let id = FaultId(rules.next_id);
        let rng = rule
            .probability
            .map(|(_, seed)| fastrand::Rng::with_seed(seed));
        rules.active.push(ActiveRule { id, rule, rng });
        self.inner.any.store(true, Ordering::Release);
        id
    }

    /// Removes a rule; returns whether it was still there (a [`FaultRule::times`] rule leaves
    /// by itself once used up).
    pub fn remove(&self, id: FaultId) -> bool {
        let mut rules = self.lock();
        let before = rules.active.len();
        rules.active.retain(|active| active.id != id);
        self.inner
            .any
            .store(!rules.active.is_empty(), Ordering::Release);
        rules.active.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut rules = self.lock();
        rules.active.clear();
        self.inner.any.store(false, Ordering::Release);
    }

    /// How many rules are active.
    pub fn len(&self) -> usize {
        self.lock().active.len()
    }

    /// Whether no rule is active.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.inner
            .rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies the rules to one request, using up `times` counts and random draws.
    pub(crate) fn decide(&self, method: &Method, operation: Option<&str>, path: &str) -> Decision {
        let mut decision = Decision::default();
        if !self.inner.any.load(Ordering::Acquire) {
            return decision;
        }
        let mut rules = self.lock();
        let mut spent = false;
        for active in &mut rules.active {
            let rule = &active.rule;
            if (decision.fault.is_some() && !rule.fault.is_latency())
                || rule.times == Some(0)
                || !rule.matches(method, operation, path)
            {
                continue;
            }
            if let (Some((probability, _)), Some(rng)) = (rule.probability, active.rng.as_mut())
                && rng.f64() >= probability
            {
                continue;
            }
            if let Some(times) = active.rule.times.as_mut() {
                *times -= 1;
                spent |= *times == 0;
            }
            match &active.rule.fault {
                Fault::Latency(delay) => decision.delay += *delay,
                fault => decision.fault = Some(fault.clone()),
            }
        }
        if spent {
            rules.active.retain(|active| active.rule.times != Some(0));
            self.inner
                .any
                .store(!rules.active.is_empty(), Ordering::Release);
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Fault {
        Fault::Status(StatusCode::from_u16(code).unwrap())
    }

    #[test]
    fn rules_match_count_down_and_retire() {
        let faults = Faults::default();
        faults.add(
            FaultRule::new(status(503))
                .operation("list.projects")
                .times(2),
        );
        faults.add(FaultRule::new(Fault::Latency(Duration::from_millis(5))).method(Method::GET));
        faults.add(FaultRule::new(status(500)).path_prefix("/v1/projects"));

        let get = |path| faults.decide(&Method::GET, Some("list.projects"), path);
        assert_eq!(get("/v1/x").fault, Some(status(503)));
        assert_eq!(get("/v1/x").delay, Duration::from_millis(5));
        assert_eq!(get("/v1/x").fault, None, "the 503 rule is used up");
        assert_eq!(faults.len(), 2);
        assert_eq!(get("/v1/projects").fault, Some(status(500)));
        let post = faults.decide(&Method::POST, None, "/v1/teams");
        assert_eq!(post, Decision::default());

        faults.clear();
        assert!(faults.is_empty());
    }

    #[test]
    fn probabilities_are_reproducible() {
        let draws = || {
            let faults = Faults::default();
            faults.add(FaultRule::new(Fault::DropBeforeAnswer).probability(0.3, 99));
            (0..200)
                .map(|_| faults.decide(&Method::GET, None, "/").fault.is_some())
                .collect::<Vec<_>>()
        };
        let first = draws();
        assert_eq!(first, draws());
        let hits = first.iter().filter(|hit| **hit).count();
        assert!((30..90).contains(&hits), "{hits} of 200 at p = 0.3");
    }

    #[test]
    fn removing_a_rule_by_id() {
        let faults = Faults::default();
        let id = faults.add(FaultRule::new(Fault::MalformedJson).path("/v1/projects"));
        assert_eq!(
            faults.decide(&Method::GET, None, "/v1/projects").fault,
            Some(Fault::MalformedJson)
        );
        assert!(faults.remove(id));
        assert!(!faults.remove(id));
        assert_eq!(
            faults.decide(&Method::GET, None, "/v1/projects").fault,
            None
        );
    }
}
