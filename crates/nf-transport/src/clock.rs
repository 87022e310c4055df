//! Injected time: every wait of the transport (backoff, rate-limit waits, timeouts) reads
//! and sleeps through a [`Clock`], so tests can replace real time with a [`ManualClock`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

/// A sleep returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A source of time for the transport.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current monotonic instant.
    fn now(&self) -> Instant;

    /// The current wall-clock time, to read HTTP-date `Retry-After` values.
    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The default clock: tokio's timer. Sleeps need a tokio runtime with time enabled, and
/// follow tokio's paused time in tests that pause it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when told, for tests: waits of minutes take no real time and
/// every requested sleep is recorded.
///
/// In the default mode a sleep completes when [`ManualClock::advance`] moves the clock past
/// its deadline. With [`ManualClock::auto_advance`] every sleep completes at once and moves
/// the clock forward by its length, which suits tests of backoff and rate-limit waits but
/// makes every timeout fire immediately: use it with timeouts switched off.
///
/// Clones share one time line.
#[derive(Clone)]
pub struct ManualClock {
    shared: Arc<Shared>,
}

struct Shared {
    start: Instant,
    system_start: SystemTime,
    auto: bool,
    state: Mutex<State>,
    registered: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    elapsed: Duration,
    requested: Vec<Duration>,
    sleepers: Vec<Weak<Sleeper>>,
}

struct Sleeper {
    deadline: Duration,
    waker: Mutex<Option<Waker>>,
}

impl ManualClock {
    /// A clock that moves only through [`ManualClock::advance`].
    pub fn new() -> Self {
        Self::with_mode(false)
    }

    /// A clock on which every sleep completes at once, moving the clock by its length.
    pub fn auto_advance() -> Self {
        Self::with_mode(true)
    }

    fn with_mode(auto: bool) -> Self {
        Self {
            shared: Arc::new(Shared {
                start: Instant::now(),
                system_start: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                auto,
                state: Mutex::new(State::default()),
                registered: tokio::sync::Notify::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves plain data that is still valid.
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How much time has passed on this clock since it was made.
    pub fn elapsed(&self) -> Duration {
        self.state().elapsed
    }

    /// Every sleep requested so far, in order, with the length asked for.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().requested.clone()
    }

    /// How many sleeps are waiting for the clock to reach their deadline.
    pub fn pending_sleeps(&self) -> usize {
        let mut state = self.state();
        let elapsed = state.elapsed;
        state.sleepers.retain(|sleeper| sleeper.strong_count() > 0);
        state
            .sleepers
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|sleeper| sleeper.deadline > elapsed)
            .count()
    }

    /// Waits (in real time) until at least `count` sleeps are pending.
    pub async fn wait_for_sleeps(&self, count: usize) {
        loop {
            let registered = self.shared.registered.notified();
            tokio::pin!(registered);
            registered.as_mut().enable();
            if self.pending_sleeps() >= count {
                return;
            }
            registered.await;
        }
    }

    /// Moves the clock forward and wakes every sleep whose deadline has come.
    pub fn advance(&self, duration: Duration) {
        let due: Vec<Arc<Sleeper>> = {
            let mut state = self.state();
            state.elapsed += duration;
            let elapsed = state.elapsed;
            state.sleepers.retain(|sleeper| sleeper.strong_count() > 0);
            state
                .sleepers
                .iter()
                .filter_map(Weak::upgrade)
                .filter(|sleeper| sleeper.deadline <= elapsed)
                .collect()
        };
        for sleeper in due {
            let waker = sleeper
                .waker
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .field("auto_advance", &self.shared.auto)
            .finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.shared.start + self.elapsed()
    }

    fn system_time(&self) -> SystemTime {
        self.shared.system_start + self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let mut state = self.state();
        state.requested.push(duration);
        if self.shared.auto {
            state.elapsed += duration;
            return Box::pin(std::future::ready(()));
        }
        let sleeper = Arc::new(Sleeper {
            deadline: state.elapsed + duration,
            waker: Mutex::new(None),
        });
        state.sleepers.push(Arc::downgrade(&sleeper));
        drop(state);
        self.shared.registered.notify_waiters();
        Box::pin(ManualSleep {
            clock: self.clone(),
            sleeper,
        })
    }
}

struct ManualSleep {
    clock: ManualClock,
    sleeper: Arc<Sleeper>,
}

impl Future for ManualSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The waker is stored before the deadline is checked so an `advance` in between
        // cannot be missed.
        *self
            .sleeper
            .waker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(cx.waker().clone());
        if self.clock.elapsed() >= self.sleeper.deadline {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleep_completes_only_after_advance() {
        let clock = ManualClock::new();
        let start = clock.now();
        let sleep = tokio::spawn(clock.sleep(Duration::from_secs(30)));
        clock.wait_for_sleeps(1).await;
        clock.advance(Duration::from_secs(29));
        tokio::task::yield_now().await;
        assert!(!sleep.is_finished());
        clock.advance(Duration::from_secs(1));
        assert!(sleep.await.is_ok());
        assert_eq!(clock.now() - start, Duration::from_secs(30));
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
    }

    #[tokio::test]
    async fn auto_advance_moves_time_by_each_sleep() {
        let clock = ManualClock::auto_advance();
        clock.sleep(Duration::from_secs(2)).await;
        clock.sleep(Duration::from_millis(500)).await;
        assert_eq!(clock.elapsed(), Duration::from_millis(2500));
        assert_eq!(clock.pending_sleeps(), 0);
    }
}
