//! Instructions per `get.project` call, counted by callgrind: a figure that, unlike rates and
//! CPU times, does not move with other load on the machine.
//!
//! This binary is started again under `valgrind --tool=callgrind` with a hidden flag and sends
//! a number of sequential calls through one client on a single-threaded runtime; two runs of
//! different lengths are subtracted, so start-up and connecting cancel out and what is left is
//! the user-space cost of a call in this process (the client's task, the connection's task and
//! the runtime; the kernel and the emulator are not counted). The same binary and inputs give
//! the same count. Skipped when valgrind is not installed.

use std::process::Command;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use nf_client::ApiClient;

use crate::emulator::TOKEN;
use crate::requests::{Bare, Target};

/// The hidden flag of the counted child: `--count-calls <bare|client> <base URL> <calls>`.
pub(crate) const COUNT_FLAG: &str = "--count-calls";

/// Calls in the shorter and the longer counted run.
const SHORT_RUN: usize = 300;
const LONG_RUN: usize = 1_300;

/// Which client a counted child uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    Bare,
    Client,
}

impl Counted {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "bare" => Some(Self::Bare),
            "client" => Some(Self::Client),
            _ => None,
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Self::Bare => "bare",
            Self::Client => "client",
        }
    }
}

/// Instructions per call of each client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instructions {
    pub(crate) bare: u64,
    pub(crate) client: u64,
}

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
    runtime.block_on(async {
        let target = match counted {
            Counted::Bare => Target::Bare(Arc::new(Bare::new(
                base_url,
                &format!("/v1/projects/{project}"),
            )?)),
            Counted::Client => Target::Client(
                ApiClient::builder()
                    .token(TOKEN)
                    .base_url(base_url)
                    .build()?,
                Arc::from(project),
            ),
        };
        for _ in 0..calls {
            target.call().await?;
        }
        Ok(())
    })
}

/// Counts both clients against the emulator at `base_url`; `None` when valgrind is missing.
///
/// # Errors
/// When a counted run fails or valgrind's summary cannot be read.
pub(crate) fn measure(base_url: &str, project: &str) -> Result<Option<Instructions>> {
    let installed = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        return Ok(None);
    }
    let per_call = |counted: Counted| -> Result<u64> {
        let short = counted_run(counted, base_url, project, SHORT_RUN)?;
        let long = counted_run(counted, base_url, project, LONG_RUN)?;
        let calls = (LONG_RUN - SHORT_RUN) as u64;
        Ok(long.saturating_sub(short) / calls)
    };
    Ok(Some(Instructions {
        bare: per_call(Counted::Bare)?,
        client: per_call(Counted::Client)?,
    }))
}

/// The instructions callgrind counted over a whole child run of `calls` calls.
fn counted_run(counted: Counted, base_url: &str, project: &str, calls: usize) -> Result<u64> {
    let program = std::env::current_exe().context("finding this program")?;
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(program)
        .args([COUNT_FLAG, counted.flag(), base_url, project])
        .arg(calls.to_string())
        .output()
        .context("running valgrind")?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("the counted run failed: {}", log.trim());
    }
    refs(&log).with_context(|| format!("no instruction count in valgrind's output: {}", log.trim()))
}

/// The total from callgrind's summary line `==123== I   refs:      362,596,019`.
fn refs(log: &str) -> Option<u64> {
    let line = log.lines().find(|line| line.contains("I   refs:"))?;
    let digits: String = line
        .rsplit(':')
        .next()?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_is_read() {
        let log = "==7== Callgrind, a call-graph generating cache profiler\n\
                   ==7== \n==7== Events    : Ir\n==7== Collected : 362596019\n==7== \n\
                   ==7== I   refs:      362,596,019\n";
        assert_eq!(refs(log), Some(362_596_019));
        assert_eq!(refs("==7== nothing here\n"), None);
    }

    #[test]
    fn clients_are_named_both_ways() {
        for counted in [Counted::Bare, Counted::Client] {
            assert_eq!(Counted::parse(counted.flag()), Some(counted));
        }
        assert_eq!(Counted::parse("curl"), None);
    }
}
