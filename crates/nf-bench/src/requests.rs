//! Section 1: `get.project` request rates through northflank-rs and through a bare
//! hyper-util client, sequentially and with many requests in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, HeaderValue, USER_AGENT};
use http::{HeaderMap, Request, Uri};
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use nf_client::ApiClient;
use nf_types::projects::GetProjectRequest;
use tokio::task::JoinSet;

use crate::alloc::{self, HeapStats};
use crate::emulator::{Emulator, TOKEN};
use crate::procfs;

/// Which client sends the requests.
#[derive(Clone)]
pub(crate) enum Target {
    /// northflank-rs with its default stack.
    Client(ApiClient, Arc<str>),
    /// hyper-util's legacy client and nothing else.
    Bare(Arc<Bare>),
}

/// A bare hyper-util client and the one request it repeats.
pub(crate) struct Bare {
    client: Client<HttpConnector, Empty<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
}

impl Bare {
    /// A pooled HTTP/1.1 client sending `GET <base_url><path>` with the headers
    /// northflank-rs sends: `Accept`, `User-Agent` and `Authorization`.
    ///
    /// # Errors
    /// When the URL does not parse.
    pub(crate) fn new(base_url: &str, path: &str) -> Result<Self> {
        let mut connector = HttpConnector::new();
        // As the transport does, so both clients use the same TCP settings.
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        let uri = format!("{base_url}{path}").parse().context("request URL")?;
        Ok(Self {
            client,
            uri,
            headers: sent_headers()?,
        })
    }

    /// Sends the request and reads the whole body, without decoding it.
    ///
    /// # Errors
    /// On a failed exchange or a status outside `2xx`.
    pub(crate) async fn get(&self) -> Result<Bytes> {
        let mut request = Request::new(Empty::new());
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        let response = self.client.request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("bare GET answered {status}");
        }
        Ok(body)
    }
}

/// The headers northflank-rs sends on `get.project`: `Accept`, `User-Agent` and
/// `Authorization`, for the clients that set them themselves.
///
/// # Errors
/// Never in practice: the values are fixed ASCII.
pub(crate) fn sent_headers() -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(
        USER_AGENT,
        HeaderValue::from_str(&format!("northflank-rs/{}", env!("CARGO_PKG_VERSION")))?,
    );
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {TOKEN}"))?,
    );
    Ok(headers)
}

impl Target {
    /// The label of the table's client column.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Self::Client(..) => "northflank-rs",
            Self::Bare(_) => "bare hyper-util",
        }
    }

    /// One `get.project` call, its answer read whole (and, for northflank-rs, decoded).
    pub(crate) async fn call(&self) -> Result<()> {
        match self {
            Self::Client(client, project) => {
                let response = client.send(GetProjectRequest::new(&**project)).await?;
                std::hint::black_box(response.into_data()?);
            }
            Self::Bare(bare) => {
                std::hint::black_box(bare.get().await?);
            }
        }
        Ok(())
    }
}

/// One measured run: wall time and the CPU both processes used meanwhile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    /// Requests sent.
    pub(crate) requests: usize,
    /// Wall time of the run.
    pub(crate) wall: Duration,
    /// CPU time of the emulator process.
    pub(crate) emulator_cpu: Duration,
    /// CPU time of the benchmark process (the client under test).
    pub(crate) bench_cpu: Duration,
}

impl Run {
    /// Requests per second.
    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    /// CPU time of the benchmark process per request, in microseconds.
    pub(crate) fn cpu_micros_per_request(&self) -> f64 {
        self.bench_cpu.as_secs_f64() * 1e6 / self.requests as f64
    }

    /// Wall time per request in microseconds (at more than one in flight, the inverse
    /// rate, not the latency).
    pub(crate) fn micros_per_request(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.requests as f64
    }
}

/// Sends `total` requests from `in_flight` tasks, each starting its next request as soon
/// as its previous one is done, and measures the run.
///
/// # Errors
/// On the first failed request, or when `/proc` cannot be read.
pub(crate) async fn run(
    target: &Target,
    emulator: &Emulator,
    total: usize,
    in_flight: usize,
) -> Result<Run> {
    let emulator_before = emulator.cpu_time()?;
    let bench_before = procfs::cpu_time(None)?;
    let started = Instant::now();

    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..in_flight {
        let next = next.clone();
        let target = target.clone();
        tasks.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                target.call().await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.context("a request task panicked")??;
    }

    let wall = started.elapsed();
    Ok(Run {
        requests: total,
        wall,
        emulator_cpu: emulator.cpu_time()?.saturating_sub(emulator_before),
        bench_cpu: procfs::cpu_time(None)?.saturating_sub(bench_before),
    })
}

/// What the allocator sees while `target` sends `total` requests one after the other.
///
/// # Errors
/// As [`run`].
pub(crate) async fn allocations(
    target: &Target,
    emulator: &Emulator,
    total: usize,
) -> Result<HeapStats> {
    let (outcome, heap) = alloc::measure(run(target, emulator, total, 1)).await;
    outcome?;
    Ok(heap)
}
