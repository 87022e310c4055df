//! `cargo xtask spec list`: prints the operations of the API description.

use anyhow::{Result, bail};

pub(crate) fn run(_args: &[&str]) -> Result<()> {
    bail!("spec list is being written")
}
