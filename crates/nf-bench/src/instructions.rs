//! Instructions and simulated first-level cache misses per `get.project` call, counted by
//! cachegrind: figures that, unlike rates and CPU times, do not move with other load on the
//! machine.
//!
//! This binary is started again under `valgrind --tool=cachegrind` with a hidden flag and sends
//! a number of sequential calls on a single-threaded runtime; two runs of different lengths
//! are subtracted, so start-up and connecting cancel out and what is left is the user-space
//! cost of a call in this process (the caller's task, hyper's connection wherever it runs, and the runtime;
//! the kernel and the emulator are not counted). The same binary and inputs give the same
//! count. Skipped when valgrind is not installed.
//!
//! Four configurations, each adding to the one before, show where northflank-rs's cost over
//! bare hyper-util goes ([`Counted`]). The caches simulated are those of the machine the
//! README's figures come from, 32 KiB and 8-way each for instructions and data: a call whose
//! code or data does not fit in them finds much of both evicted by the time it is used
//! again, and pays a second-level access for each line it touches.
//!
//! The same two runs under callgrind, which records how often each instruction ran, give the
//! call's code footprint: the 64-byte lines of code holding an instruction that ran in
//! (nearly) every call. Between two calls the kernel's network path runs and evicts much of
//! the first-level caches, so each of those lines is fetched again in every call, whatever
//! its instructions cost once there; that makes the footprint the best single predictor of
//! a configuration's time per call.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use http::header::{ACCEPT, HeaderValue};
use nf_client::ApiClient;
use nf_client::nf_transport::{Body, HttpConfig, HttpService};
use tower::ServiceExt as _;

use crate::emulator::TOKEN;
use crate::requests::{Bare, Target, sent_headers};

/// The hidden flag of the counted child:
/// `--count-calls <bare|http|transport|client> <base URL> <project> <calls>`.
pub(crate) const COUNT_FLAG: &str = "--count-calls";

/// Calls in the shorter and the longer counted run.
const SHORT_RUN: usize = 300;
const LONG_RUN: usize = 1_300;

/// The first-level caches simulated, as cachegrind's `<size>,<associativity>,<line size>`.
const L1_CACHE: &str = "32768,8,64";

/// What a counted child sends its calls through; each configuration adds to the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    /// hyper-util's client alone, reading the body whole.
    Bare,
    /// northflank-rs's HTTP service: its own pool of hyper connections behind its
    /// TLS-capable connector, with its request and response body types.
    Http,
    /// The transport's default stack over that service (base URL, spans, timeouts, retry,
    /// rate limit, auth, the record of the request sent), reading the body whole.
    Transport,
    /// The whole client: the typed request built, the response read and decoded.
    Client,
}

impl Counted {
    /// Every configuration, in the order each adds to the one before.
    pub(crate) const ALL: [Self; 4] = [Self::Bare, Self::Http, Self::Transport, Self::Client];

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|counted| counted.flag() == text)
    }

    fn flag(self) -> &'static str {
        match self {
            Self::Bare => "bare",
            Self::Http => "http",
            Self::Transport => "transport",
            Self::Client => "client",
        }
    }

    /// How the report names the configuration.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Bare => "bare hyper-util",
            Self::Http => "+ northflank-rs's HTTP service (its pool, connector, body types)",
            Self::Transport => "+ the transport's default stack (body read, not decoded)",
            Self::Client => "+ the client (typed request, response, decoding) = northflank-rs",
        }
    }
}

/// Per-call costs of one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallCost {
    /// Instructions executed.
    pub(crate) instructions: u64,
    /// Misses of the simulated first-level instruction cache.
    pub(crate) code_misses: u64,
    /// Misses of the simulated first-level data cache.
    pub(crate) data_misses: u64,
    /// Distinct 64-byte lines of code run in at least 90% of the calls.
    pub(crate) code_lines: u64,
}

/// What cachegrind counted over a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Totals {
    instructions: u64,
    code_misses: u64,
    data_misses: u64,
}

/// Per-call costs of every configuration, in the order of [`Counted::ALL`].
pub(crate) type Costs = Vec<(Counted, CallCost)>;

/// The child's side: `calls` sequential `get.project` calls of `project` through `counted`.
///
/// # Errors
/// When the runtime or the client cannot start, or a call fails.
pub(crate) fn count_calls(
    counted: Counted,
    base_url: &str,
    project: &str,
    calls: usize,
) -> Result<()> {
    // One thread: a multi-threaded runtime's idle workers spin for a varying number of
    // instructions while they look for work, which would blur the count.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    let path = format!("/v1/projects/{project}");
    runtime.block_on(async {
        match counted {
            Counted::Bare => {
                let target = Target::Bare(Arc::new(Bare::new(base_url, &path)?));
                for _ in 0..calls {
                    target.call().await?;
                }
            }
            Counted::Http => {
                let service = HttpService::new(&HttpConfig::default())?;
                let uri: http::Uri = format!("{base_url}{path}").parse()?;
                let headers = sent_headers()?;
                for _ in 0..calls {
                    let mut request = http::Request::new(Body::empty());
                    *request.uri_mut() = uri.clone();
                    *request.headers_mut() = headers.clone();
                    let response = service.clone().oneshot(request).await?;
                    std::hint::black_box(checked(response)?.into_body().bytes().await?);
                }
            }
            Counted::Transport => {
                let client = client(base_url)?;
                let uri: http::Uri = path.parse()?;
                for _ in 0..calls {
                    // The transport adds the base URL, `User-Agent` and `Authorization`.
                    let mut request = http::Request::new(Body::empty());
                    *request.uri_mut() = uri.clone();
                    request
                        .headers_mut()
                        .insert(ACCEPT, HeaderValue::from_static("application/json"));
                    let response = client.transport().send(request).await?;
                    std::hint::black_box(checked(response)?.into_body().bytes().await?);
                }
            }
            Counted::Client => {
                let target = Target::Client(client(base_url)?, Arc::from(project));
                for _ in 0..calls {
                    target.call().await?;
                }
            }
        }
        Ok(())
    })
}

/// A client as the request-rate runs build it.
fn client(base_url: &str) -> Result<ApiClient> {
    Ok(ApiClient::builder()
        .token(TOKEN)
        .base_url(base_url)
        .build()?)
}

/// `response`, unless its status is outside `2xx`.
fn checked<B>(response: http::Response<B>) -> Result<http::Response<B>> {
    if !response.status().is_success() {
        bail!("get.project answered {}", response.status());
    }
    Ok(response)
}

/// Counts every configuration against the emulator at `base_url`; `None` when valgrind is
/// missing.
///
/// # Errors
/// When a counted run fails or valgrind's output cannot be read.
pub(crate) fn measure(base_url: &str, project: &str) -> Result<Option<Costs>> {
    let installed = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        return Ok(None);
    }
    let calls = (LONG_RUN - SHORT_RUN) as u64;
    let mut costs = Vec::new();
    for counted in Counted::ALL {
        let short = counted_run(counted, base_url, project, SHORT_RUN)?;
        let long = counted_run(counted, base_url, project, LONG_RUN)?;
        let per_call =
            |field: fn(&Totals) -> u64| field(&long).saturating_sub(field(&short)) / calls;
        let short_runs = instruction_runs(counted, base_url, project, SHORT_RUN)?;
        let long_runs = instruction_runs(counted, base_url, project, LONG_RUN)?;
        costs.push((
            counted,
            CallCost {
                instructions: per_call(|cost| cost.instructions),
                code_misses: per_call(|cost| cost.code_misses),
                data_misses: per_call(|cost| cost.data_misses),
                code_lines: code_lines(&short_runs, &long_runs, calls),
            },
        ));
    }
    Ok(Some(costs))
}

/// What cachegrind counted over a whole child run of `calls` calls.
fn counted_run(counted: Counted, base_url: &str, project: &str, calls: usize) -> Result<Totals> {
    let log = under_valgrind(
        &[
            "--tool=cachegrind".into(),
            "--cache-sim=yes".into(),
            "--cachegrind-out-file=/dev/null".into(),
            format!("--I1={L1_CACHE}"),
            format!("--D1={L1_CACHE}"),
        ],
        counted,
        base_url,
        project,
        calls,
    )?;
    summary(&log).with_context(|| format!("no counts in cachegrind's output: {}", log.trim()))
}

/// How many times each instruction ran over a whole child run of `calls` calls, by object and
/// address, as callgrind counts them.
fn instruction_runs(
    counted: Counted,
    base_url: &str,
    project: &str,
    calls: usize,
) -> Result<HashMap<(Arc<str>, u64), u64>> {
    let file = std::env::temp_dir().join(format!(
        "nf-bench-callgrind-{}-{}-{calls}.out",
        std::process::id(),
        counted.flag()
    ));
    let run = under_valgrind(
        &[
            "--tool=callgrind".into(),
            "--dump-instr=yes".into(),
            "--compress-pos=no".into(),
            "--compress-strings=no".into(),
            format!("--callgrind-out-file={}", file.display()),
        ],
        counted,
        base_url,
        project,
        calls,
    );
    let text = std::fs::read_to_string(&file);
    let _ = std::fs::remove_file(&file);
    run?;
    Ok(executions(&text.context("reading callgrind's output")?))
}

/// Runs this program as a counted child of `calls` calls through `counted` under valgrind with
/// `tool` (the tool and its options), and returns valgrind's log.
fn under_valgrind(
    tool: &[String],
    counted: Counted,
    base_url: &str,
    project: &str,
    calls: usize,
) -> Result<String> {
    let program = std::env::current_exe().context("finding this program")?;
    let output = Command::new("valgrind")
        .args(tool)
        .arg(program)
        .args([COUNT_FLAG, counted.flag(), base_url, project])
        .arg(calls.to_string())
        .output()
        .context("running valgrind")?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        bail!("the counted run failed: {}", log.trim());
    }
    Ok(log)
}

/// The self cost of each instruction in a callgrind profile written with `--dump-instr=yes
/// --compress-pos=no --compress-strings=no`, by object and address.
///
/// A cost line is `<address> <source line> <count>`. The line after `calls=` is the inclusive
/// cost of a call made from that address, already counted where the callee's instructions
/// are, so it is passed over.
fn executions(profile: &str) -> HashMap<(Arc<str>, u64), u64> {
    let mut counts = HashMap::new();
    // Shared by every key of the object, rather than copied into each.
    let mut object: Arc<str> = Arc::from("");
    let mut after_call = false;
    for line in profile.lines() {
        if let Some(name) = line.strip_prefix("ob=") {
            object = Arc::from(name);
            continue;
        }
        if line.starts_with("calls=") {
            after_call = true;
            continue;
        }
        let mut fields = line.split_whitespace();
        let Some(address) = fields.next().and_then(|text| text.strip_prefix("0x")) else {
            continue;
        };
        if std::mem::take(&mut after_call) {
            continue;
        }
        let (Ok(address), Some(Ok(count))) = (
            u64::from_str_radix(address, 16),
            fields.nth(1).map(str::parse::<u64>),
        ) else {
            continue;
        };
        *counts.entry((object.clone(), address)).or_insert(0) += count;
    }
    counts
}

/// The 64-byte lines of code holding an instruction that ran at least `0.9 * calls` times
/// more in the longer run than in the shorter, `calls` being the difference in calls: the
/// code of a call, start-up and connecting left out.
fn code_lines(
    short: &HashMap<(Arc<str>, u64), u64>,
    long: &HashMap<(Arc<str>, u64), u64>,
    calls: u64,
) -> u64 {
    let lines: HashSet<(&str, u64)> = long
        .iter()
        .filter(|(key, count)| {
            let before = short.get(*key).copied().unwrap_or(0);
            count.saturating_sub(before) * 10 >= calls * 9
        })
        .map(|((object, address), _)| (&**object, address / 64))
        .collect();
    lines.len() as u64
}

/// The totals of cachegrind's summary: the lines `==1== I refs: 362,596,019`,
/// `==1== I1 misses: 1,234` and `==1== D1 misses: 5,678 ( 1,000 rd + 4,678 wr)`.
fn summary(log: &str) -> Option<Totals> {
    let total = |label: &str| -> Option<u64> {
        log.lines().find_map(|line| {
            let (_, rest) = line.split_once("== ")?;
            let (name, value) = rest.split_once(':')?;
            let name: Vec<&str> = name.split_whitespace().collect();
            if name.join(" ") != label {
                return None;
            }
            value
                .split_whitespace()
                .next()?
                .replace(',', "")
                .parse()
                .ok()
        })
    };
    Some(Totals {
        instructions: total("I refs")?,
        code_misses: total("I1 misses")?,
        data_misses: total("D1 misses")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_read() {
        let log = "==7== Cachegrind, a high-precision tracing profiler\n\
                   ==7== \n==7== I   refs:      362,596,019\n\
                   ==7== I1  misses:        1,234\n\
                   ==7== LLi misses:           56\n\
                   ==7== I1  miss rate:      0.00%\n\
                   ==7== D1  misses:        5,678  ( 1,000 rd   + 4,678 wr)\n";
        assert_eq!(
            summary(log),
            Some(Totals {
                instructions: 362_596_019,
                code_misses: 1_234,
                data_misses: 5_678,
            })
        );
        assert_eq!(summary("==7== I   refs:      12\n"), None);
        assert_eq!(summary("==7== nothing here\n"), None);
    }

    #[test]
    fn instructions_are_counted_without_the_costs_of_calls() {
        let profile = "positions: instr line\nevents: Ir\n\nob=/bin/a\nfl=???\nfn=main\n\
                       0x1000 0 5\n0x1004 0 5\ncfn=f\ncalls=5 0x2000 0\n0x1008 0 900\n\
                       0x1008 0 5\n\nob=/lib/b\nfn=f\n0x1000 0 7\nfn=main\n0x1000 0 1\n";
        let counts = executions(profile);
        let key = |object: &str, address: u64| (Arc::<str>::from(object), address);
        assert_eq!(counts.get(&key("/bin/a", 0x1000)), Some(&5));
        assert_eq!(counts.get(&key("/bin/a", 0x1008)), Some(&5), "{counts:?}");
        assert_eq!(counts.get(&key("/lib/b", 0x1000)), Some(&8));
        assert_eq!(counts.len(), 4);
    }

    #[test]
    fn code_lines_are_those_run_in_nearly_every_call() {
        let key = |address: u64| (Arc::<str>::from("/bin/a"), address);
        // Start-up code runs as often in both runs; a call's code 100 more times in the
        // longer one, in 100 more calls.
        let short = HashMap::from([(key(0x00), 3000), (key(0x40), 10), (key(0x48), 10)]);
        let long = HashMap::from([
            (key(0x00), 3000),
            (key(0x40), 110),
            (key(0x48), 110),
            (key(0x80), 95),
            (key(0xc0), 89),
        ]);
        // 0x40 and 0x48 share a line; 0x80 ran in 95% of the calls; 0xc0 in 89%.
        assert_eq!(code_lines(&short, &long, 100), 2);
    }

    #[test]
    fn configurations_are_named_both_ways() {
        for counted in Counted::ALL {
            assert_eq!(Counted::parse(counted.flag()), Some(counted));
        }
        assert_eq!(Counted::parse("curl"), None);
    }
}
