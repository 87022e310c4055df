//! Benchmarks of northflank-rs against the in-repo emulator, printed as a Markdown table:
//! `cargo xtask bench [--quick] [--requests N]`.
//!
//! # What is measured, and how
//!
//! Everything runs in one invocation. The emulator (`nf-mock`, release build, journal off,
//! a rate limit no run can spend) runs in a **child process** on `127.0.0.1`: this binary
//! started again with a hidden flag. A separate process keeps its CPU time and its heap out
//! of the client's numbers, and its CPU time is read from `/proc/<pid>/stat`. The clients
//! run on a multi-threaded Tokio runtime in this process. The machine's cores are shared by
//! both processes, as on a developer's laptop.
//!
//! 1. **Request rate.** `get.project` on a seeded project, `--requests` times (20,000 by
//!    default) sequentially and with 32 in flight (32 tasks, each sending its next request
//!    when its last is answered), through (a) an [`nf_client::ApiClient`] with its default
//!    stack (base URL, tracing spans, timeouts, retry, rate limit, auth, body reading and
//!    typed decoding) and (b) a bare hyper-util legacy client sending the same headers
//!    (`Accept`, `User-Agent`, `Authorization`) and reading the whole body without decoding
//!    it. Both get the same warm-up, then the runs alternate between the clients for several
//!    rounds and the best round of each counts, which filters out other load on a shared
//!    machine. The table shows the rate, wall time per request (at 32 in flight the inverse
//!    rate, not the latency), the client's overhead against bare hyper and the ratio of
//!    rates, against the goals: at least 90% of bare hyper's rate sequentially and 80% at
//!    32 in flight. As rates swing with other load, it also shows what holds steadier: this
//!    process's CPU time per request, the allocations per request (counted over 1,000
//!    sequential requests by the allocator below) and the cost of decoding one answer.
//! 2. **Streaming.** `list.projects` with `per_page` 100 through `.stream()` over 100,000
//!    seeded projects, counting items, for the first 10,000 items and for all of them. Memory
//!    is measured by a counting global allocator ([`alloc`]) switched on only during the
//!    run: the peak of bytes live above the run's start (precise, and only this process),
//!    with the peak RSS above the RSS at the start (`VmHWM` reset through
//!    `/proc/self/clear_refs`, then read from `/proc/self/status`) beside it. Equal peaks at
//!    both sizes show memory does not grow with the number of items.
//! 3. **Decoding.** A `list.projects` envelope of about 5 MB is built in memory and decoded
//!    with the typed model, as the client does (straight from the text with
//!    [`nf_types::json::Reader`]), next to a plain `Value` parse and to a whole
//!    `ApiClient::send` over an in-memory transport, taking turns in each iteration; mean
//!    and best throughput in MB/s (10^6 bytes).
//! 4. **Emulator CPU.** Sections 1 and 2 show the emulator's CPU time divided by wall time
//!    (in cores), and section 1 this process's, so a reader can see whether the emulator or
//!    the machine was the limit.
//! 5. **Where a call's cost goes** ([`instructions`]). Under cachegrind and callgrind, when
//!    valgrind is installed: instructions, simulated first-level cache misses and the lines
//!    of code run in every call, per sequential call, for bare hyper-util, then
//!    northflank-rs's HTTP service, its transport's default stack and the whole client, each
//!    adding to the one before.
//!
//! `--quick` runs smaller counts, for smoke runs. Timings are printed, never asserted.
//!
//! # Limits
//!
//! Linux only (`/proc`). The emulator shares the cores with the clients, so absolute rates
//! depend on the machine; the ratios between the two clients are what carry over. CPU times
//! have a resolution of 10 ms.

mod alloc;
mod decode;
mod emulator;
mod instructions;
mod procfs;
mod requests;
mod streaming;

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use nf_client::ApiClient;

use crate::alloc::HeapStats;
use crate::decode::{DecodeRun, SmallDecode};
use crate::emulator::{Emulator, SERVE_FLAG, TOKEN};
use crate::instructions::{COUNT_FLAG, Costs, Counted};
use crate::requests::{Bare, Run, Target};
use crate::streaming::StreamRun;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

const USAGE: &str = "\
usage: nf-bench [--quick] [--requests N]

Benchmarks northflank-rs against the nf-mock emulator on loopback and prints a Markdown report.

  --quick          smaller counts, for a smoke run
  --requests N     requests per request-rate run (default 20000; 2000 with --quick)
  -h, --help       show this help";

/// The project every `get.project` reads.
const PROJECT: &str = "project-1";
/// Requests in flight in the concurrent runs.
const IN_FLIGHT: usize = 32;
/// Requests over which allocations are counted.
const ALLOCATION_REQUESTS: usize = 1_000;
/// The goals, as the lowest acceptable ratio of northflank-rs's rate to bare hyper's.
const GOAL_SEQUENTIAL: f64 = 0.90;
const GOAL_CONCURRENT: f64 = 0.80;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Mode {
    Bench(Settings),
    /// The child process: serve an emulator with this many projects.
    Serve(usize),
    /// A child run under valgrind: this many calls through one configuration.
    Count {
        counted: Counted,
        base_url: String,
        project: String,
        calls: usize,
    },
    Help,
}

/// The sizes of one benchmark run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    requests: usize,
    warm_up: usize,
    rounds: usize,
    stream_sizes: Vec<usize>,
    document_bytes: usize,
    decode_iterations: u32,
}

impl Settings {
    fn new(quick: bool, requests: Option<usize>) -> Self {
        let mut settings = if quick {
            Self {
                requests: 2_000,
                warm_up: 500,
                rounds: 1,
                stream_sizes: vec![1_000, 10_000],
                document_bytes: 5_000_000,
                decode_iterations: 3,
            }
        } else {
            Self {
                requests: 20_000,
                warm_up: 4_000,
                rounds: 3,
                stream_sizes: vec![10_000, 100_000],
                document_bytes: 5_000_000,
                decode_iterations: 12,
            }
        };
        if let Some(requests) = requests {
            settings.requests = requests;
        }
        settings
    }
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Mode, String> {
    let mut quick = false;
    let mut requests = None;
    let mut args = args.into_iter().peekable();
    if args.peek().map(String::as_str) == Some(COUNT_FLAG) {
        let rest: Vec<String> = args.skip(1).collect();
        let [client, base_url, project, calls] = rest.as_slice() else {
            return Err(format!(
                "{COUNT_FLAG} needs a client, a base URL, a project and a count"
            ));
        };
        let counted = Counted::parse(client)
            .ok_or_else(|| format!("{COUNT_FLAG} needs `bare` or `client`, got `{client}`"))?;
        let calls = calls
            .parse()
            .map_err(|_| format!("{COUNT_FLAG} needs a number of calls, got `{calls}`"))?;
        return Ok(Mode::Count {
            counted,
            base_url: base_url.clone(),
            project: project.clone(),
            calls,
        });
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Mode::Help),
            "--quick" => quick = true,
            "--requests" | SERVE_FLAG => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a number"))?;
                let number = value
                    .parse::<usize>()
                    .ok()
                    .filter(|number| *number > 0)
                    .ok_or_else(|| format!("{arg} needs a positive number, got `{value}`"))?;
                if arg == SERVE_FLAG {
                    return Ok(Mode::Serve(number));
                }
                requests = Some(number);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Mode::Bench(Settings::new(quick, requests)))
}

fn main() -> ExitCode {
    let result = match parse_args(std::env::args().skip(1)) {
        Ok(Mode::Help) => {
            eprintln!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("nf-bench: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        Ok(Mode::Serve(projects)) => emulator::serve(projects),
        Ok(Mode::Count {
            counted,
            base_url,
            project,
            calls,
        }) => instructions::count_calls(counted, &base_url, &project, calls),
        Ok(Mode::Bench(settings)) => bench(&settings),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("nf-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Everything measured, for the report.
struct Results {
    settings: Settings,
    /// Load averages at the start and the end, as other work on the machine skews rates.
    load: [Option<String>; 2],
    /// Best run of bare hyper and of northflank-rs, sequential then concurrent.
    rates: Vec<(usize, Run, Run)>,
    /// Instructions, cache misses and code lines per sequential call of each configuration,
    /// when valgrind is installed.
    instructions: Option<Costs>,
    /// Heap use of bare hyper and of northflank-rs over [`ALLOCATION_REQUESTS`] requests.
    heap: Vec<(&'static str, HeapStats)>,
    /// Decoding one `get.project` answer as the client does.
    small_decode: SmallDecode,
    /// The same calls through an in-memory transport.
    in_memory: SmallDecode,
    streams: Vec<StreamRun>,
    document_bytes: usize,
    document_projects: usize,
    decodes: Vec<DecodeRun>,
}

fn bench(settings: &Settings) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    let results = runtime.block_on(measure(settings))?;
    let report = report(&results)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(report.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

async fn measure(settings: &Settings) -> Result<Results> {
    let load_before = procfs::load_average();
    let projects = settings.stream_sizes.iter().copied().max().unwrap_or(1);
    eprintln!("starting the emulator with {projects} projects");
    let emulator = Emulator::spawn(projects)?;
    let client = ApiClient::builder()
        .token(TOKEN)
        .base_url(emulator.base_url())
        .build()?;
    let bare = Target::Bare(Arc::new(Bare::new(
        emulator.base_url(),
        &format!("/v1/projects/{PROJECT}"),
    )?));
    let typed = Target::Client(client.clone(), Arc::from(PROJECT));

    eprintln!("warming up with {} requests per client", settings.warm_up);
    for target in [&bare, &typed] {
        requests::run(target, &emulator, settings.warm_up, IN_FLIGHT).await?;
    }

    let mut rates = Vec::new();
    for in_flight in [1, IN_FLIGHT] {
        let mut best: [Option<Run>; 2] = [None, None];
        for round in 1..=settings.rounds {
            for (slot, target) in [&bare, &typed].into_iter().enumerate() {
                let run = requests::run(target, &emulator, settings.requests, in_flight).await?;
                eprintln!(
                    "round {round}, {in_flight} in flight, {}: {:.0} requests/s",
                    target.label(),
                    run.rate()
                );
                if best[slot].is_none_or(|kept| run.wall < kept.wall) {
                    best[slot] = Some(run);
                }
            }
        }
        if let [Some(bare_run), Some(typed_run)] = best {
            rates.push((in_flight, bare_run, typed_run));
        }
    }

    eprintln!("counting instructions, cache misses and code lines per call under valgrind");
    let base_url = emulator.base_url().to_owned();
    let instructions =
        tokio::task::spawn_blocking(move || instructions::measure(&base_url, PROJECT))
            .await
            .context("the valgrind runs panicked")??;

    let mut heap = Vec::new();
    for target in [&bare, &typed] {
        let stats = requests::allocations(target, &emulator, ALLOCATION_REQUESTS).await?;
        heap.push((target.label(), stats));
    }
    let answer = Bare::new(emulator.base_url(), &format!("/v1/projects/{PROJECT}"))?
        .get()
        .await?;
    let small_decode = decode::small(&answer, 10_000).await?;
    let in_memory = decode::in_memory_calls(&answer, 10_000).await?;

    // One page first, so the streams start warm.
    streaming::run(&client, &emulator, 100).await?;
    let mut streams = Vec::new();
    for &items in &settings.stream_sizes {
        let run = streaming::run(&client, &emulator, items).await?;
        eprintln!(
            "streamed {items} projects in {:.2} s",
            run.wall.as_secs_f64()
        );
        streams.push(run);
    }

    let (document, document_projects) =
        decode::document(emulator.base_url(), settings.document_bytes).await?;
    eprintln!(
        "decoding a {} byte answer of {document_projects} projects",
        document.len()
    );
    let decodes = decode::run(&document, document_projects, settings.decode_iterations).await?;
    drop(emulator);

    Ok(Results {
        settings: settings.clone(),
        load: [load_before, procfs::load_average()],
        rates,
        instructions,
        heap,
        small_decode,
        in_memory,
        streams,
        document_bytes: document.len(),
        document_projects,
        decodes,
    })
}

/// A count with thousands separated by commas, as the README writes them.
fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// CPU time over wall time: how many cores were busy on average.
fn cores(cpu: Duration, wall: Duration) -> f64 {
    cpu.as_secs_f64() / wall.as_secs_f64()
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores ({model})")
}

fn report(results: &Results) -> Result<String, std::fmt::Error> {
    let settings = &results.settings;
    let mut out = String::new();
    writeln!(out, "## northflank-rs benchmarks\n")?;
    writeln!(
        out,
        "Machine: {}. Emulator: nf-mock in a child process on 127.0.0.1, HTTP/1.1 keep-alive, \
         journal off. Request rates: best of {} round(s) of {} requests per client, after {} \
         warm-up requests each. CPU columns: CPU time / wall time, in cores. Load average \
         (1, 5, 15 min) {} at the start, {} at the end.\n",
        machine(),
        settings.rounds,
        settings.requests,
        settings.warm_up,
        results.load[0].as_deref().unwrap_or("unknown"),
        results.load[1].as_deref().unwrap_or("unknown"),
    )?;

    writeln!(out, "### 1. `get.project` request rate\n")?;
    writeln!(
        out,
        "| In flight | Client | Requests/s | µs per request | Emulator CPU | Bench CPU |"
    )?;
    writeln!(out, "|---:|---|---:|---:|---:|---:|")?;
    for (in_flight, bare, typed) in &results.rates {
        for (label, run) in [("bare hyper-util", bare), ("northflank-rs", typed)] {
            writeln!(
                out,
                "| {in_flight} | {label} | {:.0} | {:.1} | {:.2} | {:.2} |",
                run.rate(),
                run.micros_per_request(),
                cores(run.emulator_cpu, run.wall),
                cores(run.bench_cpu, run.wall),
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "| In flight | northflank-rs overhead per request (µs) | Rate vs bare hyper | Goal | Met |"
    )?;
    writeln!(out, "|---:|---:|---:|---|---|")?;
    for (in_flight, bare, typed) in &results.rates {
        let goal = if *in_flight == 1 {
            GOAL_SEQUENTIAL
        } else {
            GOAL_CONCURRENT
        };
        let ratio = typed.rate() / bare.rate();
        writeln!(
            out,
            "| {in_flight} | {:.1} | {:.1}% | ≥ {:.0}% (within {:.0}%) | {} |",
            typed.micros_per_request() - bare.micros_per_request(),
            ratio * 100.0,
            goal * 100.0,
            (1.0 - goal) * 100.0,
            if ratio >= goal { "yes" } else { "no" },
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "| Client | Bench CPU per request, 1 in flight (µs) | Bench CPU per request, {IN_FLIGHT} in \
         flight (µs) | Allocations per request | Bytes allocated per request |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for (slot, (label, heap)) in results.heap.iter().enumerate() {
        let cpu = |in_flight: usize| {
            results
                .rates
                .iter()
                .find(|(flight, ..)| *flight == in_flight)
                .map_or_else(
                    || "n/a".to_owned(),
                    |(_, bare, typed)| {
                        let run = if slot == 0 { bare } else { typed };
                        format!("{:.1}", run.cpu_micros_per_request())
                    },
                )
        };
        writeln!(
            out,
            "| {label} | {} | {} | {:.0} | {:.0} |",
            cpu(1),
            cpu(IN_FLIGHT),
            heap.count as f64 / ALLOCATION_REQUESTS as f64,
            heap.total as f64 / ALLOCATION_REQUESTS as f64,
        )?;
    }
    match &results.instructions {
        Some(costs) => {
            writeln!(
                out,
                "\nPer sequential call, counted by cachegrind in this process on one thread (user \
                 space: the caller's task, hyper's connection wherever it runs, the runtime), with first-level \
                 caches of 32 KiB, 8-way, for code and for data; each row adds to the one before:\n"
            )?;
            writeln!(
                out,
                "| Configuration | Instructions | L1 code misses | L1 data misses | Code lines |\n\
                 |---|---:|---:|---:|---:|"
            )?;
            for (counted, cost) in costs {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    counted.label(),
                    thousands(cost.instructions),
                    thousands(cost.code_misses),
                    thousands(cost.data_misses),
                    thousands(cost.code_lines),
                )?;
            }
            writeln!(
                out,
                "\nCode lines: the distinct 64-byte lines of code that run in (nearly) every call \
                 (callgrind). The kernel's network path evicts most of them between two calls, \
                 so a call fetches each again: the footprint, more than the instruction count, \
                 sets the time per call."
            )?;
            let first = costs.first().map(|(_, cost)| cost.instructions);
            let last = costs.last().map(|(_, cost)| cost.instructions);
            if let (Some(bare), Some(client)) = (first, last) {
                writeln!(
                    out,
                    "\nnorthflank-rs executes {:.2} times as many instructions per call as bare \
                     hyper-util.",
                    client as f64 / bare.max(1) as f64
                )?;
            }
        }
        None => writeln!(
            out,
            "\nInstructions per call were not counted: valgrind is not installed."
        )?,
    }
    let small = &results.small_decode;
    writeln!(
        out,
        "\nOf which decoding the {}-byte `get.project` answer as the client does (envelope and \
         `GetProjectResponse` read from the text): {:.1} µs and {} allocations.\n",
        small.bytes, small.micros, small.allocations
    )?;
    writeln!(
        out,
        "The same call through northflank-rs with an in-memory transport answering those bytes \
         (no socket, no emulator): {:.1} µs and {} allocations per call.\n",
        results.in_memory.micros, results.in_memory.allocations
    )?;

    writeln!(
        out,
        "### 2. Streaming `list.projects` (per_page {}) with `.stream()`\n",
        streaming::PER_PAGE
    )?;
    writeln!(
        out,
        "| Items | Wall (s) | Items/s | Peak heap above start (KiB) | Allocated in total (MiB) | \
         Peak RSS above start (KiB) | Emulator CPU |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|")?;
    for run in &results.streams {
        let rss = run
            .rss_kib
            .map_or_else(|| "n/a".to_owned(), |kib| kib.to_string());
        writeln!(
            out,
            "| {} | {:.2} | {:.0} | {:.0} | {:.1} | {rss} | {:.2} |",
            run.items,
            run.wall.as_secs_f64(),
            run.items as f64 / run.wall.as_secs_f64(),
            run.heap.peak as f64 / 1024.0,
            run.heap.total as f64 / (1024.0 * 1024.0),
            cores(run.emulator_cpu, run.wall),
        )?;
    }
    writeln!(
        out,
        "\nPeak heap: the most bytes live above the run's start, counted by the global \
         allocator (this process only). Peak RSS: the kernel's view, coarser; pages the \
         allocator kept from earlier runs are reused without raising it.\n"
    )?;

    writeln!(
        out,
        "### 3. Decoding a {:.1} MB `list.projects` answer ({} projects)\n",
        results.document_bytes as f64 / 1e6,
        results.document_projects
    )?;
    writeln!(
        out,
        "| Decoder | Iterations | Mean time (ms) | Mean MB/s | Best time (ms) | Best MB/s |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    for run in &results.decodes {
        let (mean, best) = (run.mean(), run.best());
        writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} | {:.1} | {:.0} |",
            run.label,
            run.times.len(),
            mean.as_secs_f64() * 1e3,
            decode::megabytes_per_second(results.document_bytes, mean),
            best.as_secs_f64() * 1e3,
            decode::megabytes_per_second(results.document_bytes, best),
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Mode, String> {
        parse_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn counts_are_written_with_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(60_412), "60,412");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn arguments_choose_sizes_and_reject_nonsense() {
        assert_eq!(parse(&[]), Ok(Mode::Bench(Settings::new(false, None))));
        let Ok(Mode::Bench(quick)) = parse(&["--quick", "--requests", "500"]) else {
            panic!("--quick --requests 500 should parse");
        };
        assert_eq!(quick.requests, 500);
        assert_eq!(quick.rounds, 1);
        assert_eq!(parse(&[SERVE_FLAG, "10"]), Ok(Mode::Serve(10)));
        assert_eq!(
            parse(&[COUNT_FLAG, "client", "http://127.0.0.1:1", "p", "5"]),
            Ok(Mode::Count {
                counted: Counted::Client,
                base_url: "http://127.0.0.1:1".to_owned(),
                project: "p".to_owned(),
                calls: 5,
            })
        );
        assert!(parse(&[COUNT_FLAG, "curl", "http://127.0.0.1:1", "p", "5"]).is_err());
        assert!(parse(&[COUNT_FLAG, "bare"]).is_err());
        assert_eq!(parse(&["--help"]), Ok(Mode::Help));
        assert!(parse(&["--requests"]).is_err());
        assert!(parse(&["--requests", "0"]).is_err());
        assert!(parse(&["--requests", "many"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
