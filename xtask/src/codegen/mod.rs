//! `cargo xtask codegen`: writes the generated code of `nf-types` from `spec/`.

use anyhow::{Result, bail};

pub(crate) fn run(_args: &[&str]) -> Result<()> {
    bail!("codegen is being written")
}
