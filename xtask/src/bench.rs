//! `cargo xtask bench`: builds and runs the benchmark binary in release mode.

use anyhow::Result;

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let mut command = vec!["run", "--release", "--package", "nf-bench", "--"];
    command.extend_from_slice(args);
    crate::cargo(&command)
}
