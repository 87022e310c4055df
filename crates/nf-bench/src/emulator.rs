//! The emulator, run as a child process: this same binary started with
//! [`SERVE_FLAG`], which starts `nf-mock` on loopback, seeds projects, prints its base URL
//! and serves until its standard input closes.
//!
//! A separate process keeps the emulator's CPU time (`/proc/<pid>/stat`) and its heap out
//! of the client's measurements, while the seeding still happens without any request.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use nf_mock::{MockConfig, MockServer};

use crate::procfs;

/// The hidden command-line flag that turns the binary into the emulator.
pub(crate) const SERVE_FLAG: &str = "--serve-emulator";

/// The bearer token the emulator accepts and both clients send.
pub(crate) const TOKEN: &str = "nf-bench-token";

/// A running emulator process; it exits when this is dropped.
pub(crate) struct Emulator {
    child: Child,
    /// Closing it tells the child to stop.
    stdin: Option<ChildStdin>,
    base_url: String,
}

impl Emulator {
    /// Starts the emulator with `projects` seeded projects (`project-1` …) and waits until it
    /// listens.
    ///
    /// # Errors
    /// When the child cannot start or does not report its address.
    pub(crate) fn spawn(projects: usize) -> Result<Self> {
        let exe = std::env::current_exe().context("locating the benchmark binary")?;
        let mut child = Command::new(exe)
            .args([SERVE_FLAG, &projects.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the emulator process")?;
        let stdin = child.stdin.take();
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .context("reading the emulator's address")?;
        }
        let base_url = line.trim().to_owned();
        if !base_url.starts_with("http://127.0.0.1:") {
            // Reap the child before reporting; it has failed or printed something else.
            let _ = child.kill();
            let _ = child.wait();
            bail!("the emulator did not report a loopback address (got {base_url:?})");
        }
        Ok(Self {
            child,
            stdin,
            base_url,
        })
    }

    /// Its base URL, such as `http://127.0.0.1:39417`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The CPU time the emulator process has used so far.
    ///
    /// # Errors
    /// When its `/proc` entry cannot be read.
    pub(crate) fn cpu_time(&self) -> Result<Duration> {
        procfs::cpu_time(Some(self.child.id()))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // End of input is the stop signal; then reap the child so no zombie is left.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The child's side: serves until standard input reaches its end.
///
/// # Errors
/// When the runtime or the emulator cannot start.
pub(crate) fn serve(projects: usize) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("nf-mock")
        .build()
        .context("building the emulator's runtime")?;
    let config = MockConfig::new()
        .token(TOKEN)
        // A budget no benchmark can spend, so neither side ever waits for a window.
        .rate_limit(u32::MAX, Duration::from_secs(3600))
        .journal_capacity(0);
    let server = runtime
        .block_on(MockServer::start(config))
        .context("starting the emulator")?;
    let seeded = server.seed_projects(projects);
    if seeded.len() != projects {
        bail!("seeded {} projects instead of {projects}", seeded.len());
    }

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", server.base_url()).context("reporting the address")?;
    stdout.flush().context("reporting the address")?;
    drop(stdout);

    // The runtime's workers serve connections while this thread waits for the parent.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    runtime.block_on(server.shutdown());
    Ok(())
}
