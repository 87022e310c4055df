//! Section 3: decoding a large `list.projects` answer with the typed model the client uses.
//!
//! The document is made in memory from a page the emulator served: its project items are
//! repeated (each with its own `id`, `name` and a description) until the envelope reaches
//! the requested size. It is then decoded three ways:
//!
//! 1. `serde_json::from_slice` into a `Value`: the parse alone, the floor of the others;
//! 2. the client's decoding path: the envelope read with a [`Reader`], `pagination` read,
//!    and `data` decoded by [`Json::decode`] into `ListProjectsResponse` with no `Value`
//!    between;
//! 3. end to end through an [`ApiClient`] whose transport is an in-memory service answering
//!    the document, so the whole stack and the body reading are included but no socket.
//!
//! The three take turns in each iteration; each iteration's time is kept.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use bytes::Bytes;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use http_body_util::Full;
use nf_client::ApiClient;
use nf_types::json::Reader;
use nf_types::projects::{
    GetProjectRequest, GetProjectResponse, ListProjectsRequest, ListProjectsResponse,
};
use nf_types::{Json, Pagination};
use serde_json::{Value, json};

use crate::alloc;
use crate::emulator::TOKEN;
use crate::requests::Bare;

/// One way of decoding, measured.
#[derive(Debug, Clone)]
pub(crate) struct DecodeRun {
    /// What was measured.
    pub(crate) label: &'static str,
    /// The time of each iteration.
    pub(crate) times: Vec<Duration>,
}

impl DecodeRun {
    /// The mean time of an iteration.
    pub(crate) fn mean(&self) -> Duration {
        let total: Duration = self.times.iter().sum();
        total / u32::try_from(self.times.len().max(1)).unwrap_or(u32::MAX)
    }

    /// The shortest iteration: the one least disturbed by other load.
    pub(crate) fn best(&self) -> Duration {
        self.times.iter().copied().min().unwrap_or_default()
    }
}

/// Throughput in MB/s (10^6 bytes) of decoding `bytes` in `time`.
pub(crate) fn megabytes_per_second(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}

/// Builds a `list.projects` envelope of at least `target` bytes from a page the emulator
/// at `base_url` serves, and returns it with its number of projects.
///
/// # Errors
/// When the page cannot be fetched or is not the expected envelope.
pub(crate) async fn document(base_url: &str, target: usize) -> Result<(Bytes, usize)> {
    let page = Bare::new(base_url, "/v1/projects?per_page=100")?
        .get()
        .await?;
    let page: Value = serde_json::from_slice(&page).context("decoding the sample page")?;
    let samples = page
        .pointer("/data/projects")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| anyhow!("the sample page has no projects"))?;

    let mut projects = Vec::new();
    let mut size = 0;
    while size < target {
        let index = projects.len();
        let mut item = samples[index % samples.len()].clone();
        if let Value::Object(members) = &mut item {
            let name = format!("project-{}", index + 1);
            members.insert("id".to_owned(), Value::String(name.clone()));
            members.insert(
                "description".to_owned(),
                Value::String(format!(
                    "Benchmark project number {} of a large listing",
                    index + 1
                )),
            );
            members.insert("name".to_owned(), Value::String(name));
        }
        // Each item plus its separating comma.
        size += serde_json::to_vec(&item)?.len() + 1;
        projects.push(item);
    }
    let count = projects.len();
    let envelope = json!({
        "data": {"projects": projects},
        "pagination": {"hasNextPage": false, "count": count},
    });
    Ok((Bytes::from(serde_json::to_vec(&envelope)?), count))
}

/// Decodes the envelope `body` into `T` as the client does: straight from the text with a
/// [`Reader`], `pagination` read when present, other members passed over.
fn client_path<T: Json>(body: &[u8]) -> Result<T> {
    let mut reader = Reader::new(body);
    let mut object = reader.object()?;
    let mut data = None;
    while let Some(key) = object.next_key(&mut reader)? {
        match &*key {
            "data" => data = Some(T::decode(&mut reader)?),
            "pagination" => {
                std::hint::black_box(Pagination::decode(&mut reader)?);
            }
            _ => reader.skip()?,
        }
    }
    reader.end()?;
    data.ok_or_else(|| anyhow!("no data"))
}

/// Decoding one small answer, measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SmallDecode {
    /// Size of the answer.
    pub(crate) bytes: usize,
    /// Mean time per decoding.
    pub(crate) micros: f64,
    /// Heap use per decoding.
    pub(crate) allocations: u64,
}

/// Decodes the `get.project` answer `body` into `GetProjectResponse` `iterations` times as
/// the client does: the decoding part of each request of section 1.
///
/// # Errors
/// When the body does not decode.
pub(crate) async fn small(body: &Bytes, iterations: u32) -> Result<SmallDecode> {
    // Timed outside the counting window, whose atomic counters would slow it.
    client_path::<GetProjectResponse>(body)?;
    let started = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(client_path::<GetProjectResponse>(body)?);
    }
    let elapsed = started.elapsed();
    let (outcome, heap) = alloc::measure(async { client_path::<GetProjectResponse>(body) }).await;
    outcome?;
    Ok(SmallDecode {
        bytes: body.len(),
        micros: elapsed.as_secs_f64() * 1e6 / f64::from(iterations),
        allocations: heap.count,
    })
}

/// Sends `get.project` `iterations` times through a client whose transport answers `body`
/// from memory: the client's own cost per call, without sockets or the emulator.
///
/// # Errors
/// When a call fails.
pub(crate) async fn in_memory_calls(body: &Bytes, iterations: u32) -> Result<SmallDecode> {
    let client = in_memory_client(body.clone())?;
    let call = || async {
        let response = client.send(GetProjectRequest::new("project-1")).await?;
        anyhow::Ok(std::hint::black_box(response.into_data()?))
    };
    call().await?;
    let started = Instant::now();
    for _ in 0..iterations {
        call().await?;
    }
    let elapsed = started.elapsed();
    let (outcome, heap) = alloc::measure(call()).await;
    outcome?;
    Ok(SmallDecode {
        bytes: body.len(),
        micros: elapsed.as_secs_f64() * 1e6 / f64::from(iterations),
        allocations: heap.count,
    })
}

/// A client whose transport answers every request with `body`, without any socket.
fn in_memory_client(body: Bytes) -> Result<ApiClient> {
    let service = tower::service_fn(move |_request: nf_client::nf_transport::Request| {
        let mut response = http::Response::new(Full::new(body.clone()));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        async move { Ok::<_, Infallible>(response) }
    });
    Ok(ApiClient::builder()
        .token(TOKEN)
        // Never contacted: the transport below answers instead.
        .base_url("http://127.0.0.1:9")
        .transport(service)
        .build()?)
}

/// Decodes `body` (holding `count` projects) `iterations` times each way, after one
/// unmeasured round.
///
/// # Errors
/// When a decoding fails or finds another number of projects.
pub(crate) async fn run(body: &Bytes, count: usize, iterations: u32) -> Result<Vec<DecodeRun>> {
    let client = in_memory_client(body.clone())?;
    let through_client = || async {
        let response = client
            .send(ListProjectsRequest::new().with_per_page(100))
            .await?;
        anyhow::Ok(response.into_data()?.projects.len())
    };
    let check = |found: usize| {
        if found == count {
            Ok(())
        } else {
            Err(anyhow!("decoded {found} projects, expected {count}"))
        }
    };

    // Warm-up: page in the document and the code, and check all three agree.
    std::hint::black_box(serde_json::from_slice::<Value>(body)?);
    check(client_path::<ListProjectsResponse>(body)?.projects.len())?;
    check(through_client().await?)?;

    // The three ways take turns in each iteration, so load that comes and goes on a shared
    // machine falls on all of them alike.
    let mut runs = [
        "`serde_json::Value` parse only",
        "envelope + `ListProjectsResponse` from the text (client's path)",
        "`ApiClient::send`, in-memory transport (whole stack)",
    ]
    .map(|label| DecodeRun {
        label,
        times: Vec::new(),
    });
    for iteration in 0..iterations as usize {
        for turn in 0..runs.len() {
            // Rotating the order too, as the allocator's state after the previous way's
            // large frees favours or penalizes whichever way comes next.
            let way = (iteration + turn) % runs.len();
            let started = Instant::now();
            match way {
                0 => {
                    std::hint::black_box(serde_json::from_slice::<Value>(body)?);
                }
                1 => check(client_path::<ListProjectsResponse>(body)?.projects.len())?,
                _ => check(through_client().await?)?,
            }
            runs[way].times.push(started.elapsed());
        }
    }

    if runs.iter().any(|run| run.best().is_zero()) {
        bail!("a decode run took no measurable time");
    }
    Ok(runs.into())
}
