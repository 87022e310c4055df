//! `cargo xtask spec import`: builds `spec/api.json` from the official packages.

use anyhow::{Result, bail};

pub(crate) fn run(_args: &[&str]) -> Result<()> {
    bail!("spec import is being written")
}
