//! Section 2: streaming every project of a large listing, page by page, with the heap the
//! client holds meanwhile.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures_util::{StreamExt as _, TryStreamExt as _};
use nf_client::ApiClient;
use nf_types::projects::ListProjectsRequest;

use crate::alloc::{self, HeapStats};
use crate::emulator::Emulator;
use crate::procfs;

/// The largest page the API serves.
pub(crate) const PER_PAGE: i64 = 100;

/// One streamed listing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamRun {
    /// Items counted.
    pub(crate) items: usize,
    /// Wall time.
    pub(crate) wall: Duration,
    /// The heap allocator's view of the run.
    pub(crate) heap: HeapStats,
    /// Peak RSS above the RSS at the start, in KiB; `None` when the peak cannot be reset.
    pub(crate) rss_kib: Option<u64>,
    /// CPU time of the emulator process.
    pub(crate) emulator_cpu: Duration,
}

/// Streams the first `items` projects with `per_page` [`PER_PAGE`], counting them.
///
/// # Errors
/// On a failed page, or when fewer than `items` projects exist.
pub(crate) async fn run(
    client: &ApiClient,
    emulator: &Emulator,
    items: usize,
) -> Result<StreamRun> {
    let rss_reset = procfs::reset_peak_rss();
    let rss_before = procfs::status_kib("VmRSS");
    let emulator_before = emulator.cpu_time()?;
    let started = Instant::now();

    let (counted, heap) = alloc::measure(async {
        let mut stream = client
            .call_typed(ListProjectsRequest::new().with_per_page(PER_PAGE))
            .stream()
            .take(items);
        let mut counted = 0_usize;
        while let Some(project) = stream.try_next().await? {
            std::hint::black_box(&project.id);
            counted += 1;
        }
        anyhow::Ok(counted)
    })
    .await;
    let counted = counted?;

    let wall = started.elapsed();
    let emulator_cpu = emulator.cpu_time()?.saturating_sub(emulator_before);
    let rss_kib = match (rss_reset, rss_before, procfs::status_kib("VmHWM")) {
        (true, Some(before), Some(peak)) => Some(peak.saturating_sub(before)),
        _ => None,
    };
    if counted != items {
        bail!("streamed {counted} projects, expected {items}");
    }
    Ok(StreamRun {
        items: counted,
        wall,
        heap,
        rss_kib,
        emulator_cpu,
    })
}
