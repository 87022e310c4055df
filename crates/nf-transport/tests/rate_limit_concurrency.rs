//! Many tasks sharing one transport never exceed the API's rate-limit budget.

mod support;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use nf_transport::{ManualClock, RateLimitMode, ResponseBody, Transport, TransportError};
use support::{Reply, TestProvider, TestServer, request, within};

const LIMIT: u64 = 1000;
const WINDOW: Duration = Duration::from_secs(60);

/// An in-process API with a fixed-window rate limit on the test's clock: it counts requests
/// per window and remembers the most it ever saw in one.
#[derive(Clone)]
struct LimitedApi {
    clock: ManualClock,
    window: Arc<Mutex<(u64, u64)>>,
    most_in_a_window: Arc<AtomicU64>,
    rejected: Arc<AtomicUsize>,
}

impl LimitedApi {
    fn new(clock: ManualClock) -> Self {
        Self {
            clock,
            window: Arc::default(),
            most_in_a_window: Arc::default(),
            rejected: Arc::default(),
        }
    }

    /// Counts one request and returns (status, remaining, seconds until reset).
    fn count(&self) -> (u16, u64, u64) {
        let now = self.clock.elapsed();
        let index = now.as_secs() / WINDOW.as_secs();
        let mut window = self.window.lock().expect("lock");
        if window.0 != index {
            *window = (index, 0);
        }
        window.1 += 1;
        self.most_in_a_window.fetch_max(window.1, Ordering::SeqCst);
        let end = Duration::from_secs((index + 1) * WINDOW.as_secs());
        // Whole seconds, rounded up, as an API that never under-reports would send.
        let reset = (end - now).as_secs_f64().ceil() as u64;
        if window.1 > LIMIT {
            self.rejected.fetch_add(1, Ordering::SeqCst);
            (429, 0, reset)
        } else {
            (200, LIMIT - window.1, reset)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_tasks_making_1500_calls_never_exceed_a_budget_of_1000() {
    const TASKS: usize = 8;
    const CALLS: usize = 1500;
    let clock = ManualClock::auto_advance();
    let api = LimitedApi::new(clock.clone());
    let service = {
        let api = api.clone();
        tower::service_fn(move |_request: nf_transport::Request| {
            let api = api.clone();
            async move {
                // Interleave the tasks at random points before and after the count.
                for _ in 0..fastrand::usize(0..4) {
                    tokio::task::yield_now().await;
                }
                let (status, remaining, reset) = api.count();
                for _ in 0..fastrand::usize(0..4) {
                    tokio::task::yield_now().await;
                }
                let response = http::Response::builder()
                    .status(status)
                    .header("x-ratelimit-limit", LIMIT)
                    .header("x-ratelimit-remaining", remaining)
                    .header("x-ratelimit-reset", reset)
                    .body(ResponseBody::empty())
                    .map_err(TransportError::custom)?;
                Ok::<_, TransportError>(response)
            }
        })
    };
    let transport = Transport::builder(TestProvider::new("token", "http://127.0.0.1"))
        .base_url("http://127.0.0.1:9")
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(None)
        .call_timeout(None)
        .rate_limit(RateLimitMode::Wait {
            max_wait: Duration::from_secs(120),
        })
        .transport(service)
        .build()
        .expect("transport");

    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let transport = transport.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while next.fetch_add(1, Ordering::SeqCst) < CALLS {
                    let response = transport.send(request(Method::GET, "/v1/x")).await;
                    statuses.push(
                        response
                            .map(|r| r.status().as_u16())
                            .map_err(|e| e.to_string()),
                    );
                }
                statuses
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.extend(within(task).await.expect("join"));
    }

    assert_eq!(statuses.len(), CALLS);
    assert!(
        statuses.iter().all(|s| *s == Ok(200)),
        "every call succeeds"
    );
    assert_eq!(
        api.rejected.load(Ordering::SeqCst),
        0,
        "the API never had to refuse"
    );
    assert!(api.most_in_a_window.load(Ordering::SeqCst) <= LIMIT);
    // 1,500 calls need a second window, so some task waited for the reset.
    assert!(
        clock.elapsed() >= Duration::from_secs(59),
        "{:?}",
        clock.elapsed()
    );
}

#[tokio::test]
async fn concurrent_callers_share_the_last_units_of_the_budget() {
    // The first response leaves 3 units; 10 concurrent callers follow. Exactly 3 reach the
    // server before the window resets.
    let clock = ManualClock::new();
    let server = TestServer::start({
        let clock = clock.clone();
        move |index, _| {
            // Requests 1 to 3 use up the window ending at 30 s; later ones open the next.
            let (remaining, reset) = if clock.elapsed() < Duration::from_secs(30) {
                (3u64.saturating_sub(index as u64), 30)
            } else {
                (100 - (index as u64 - 3), 60)
            };
            Reply::status(200)
                .header("x-ratelimit-limit", 100)
                .header("x-ratelimit-remaining", remaining)
                .header("x-ratelimit-reset", reset)
                .action()
        }
    })
    .await;
    let transport = Transport::builder(TestProvider::new("token", "http://127.0.0.1"))
        .base_url(server.url())
        .clock(Arc::new(clock.clone()))
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
        .expect("transport");

    assert!(
        transport
            .send(request(Method::GET, "/v1/first"))
            .await
            .is_ok()
    );
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let transport = transport.clone();
            tokio::spawn(async move { transport.send(request(Method::GET, "/v1/x")).await.is_ok() })
        })
        .collect();

    server.wait_for_requests(4).await;
    // The other seven wait for the reset, and send nothing meanwhile.
    within(clock.wait_for_sleeps(7)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.count(), 4);

    clock.advance(Duration::from_secs(30));
    for call in calls {
        assert!(within(call).await.expect("join"));
    }
    assert_eq!(server.count(), 11);
}
