//! Maintenance tasks of northflank-rs, run as `cargo xtask <task>`.
//!
//! - `spec import --js <dir> --python <dir>`: rebuilds `spec/api.json` from the official packages.
//! - `spec list [--json]`: prints every operation of the API description.
//! - `codegen [--check]`: writes the generated code of `nf-types` from `spec/`, or checks it is fresh.
//! - `ci`: runs the same steps as `.ci/run`.
//! - `bench`: runs the client and a bare hyper client against the emulator and prints a table.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

mod bench;
mod codegen;
mod spec;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["spec", "import", rest @ ..] => spec::import::run(rest),
        ["spec", "list", rest @ ..] => spec::list::run(rest),
        ["codegen", rest @ ..] => codegen::run(rest),
        ["ci"] => ci(),
        ["bench", rest @ ..] => bench::run(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 spec import --js <dir> --python <dir>   rebuild spec/api.json from the official packages\n  \
                 spec list [--json]                      list every operation\n  \
                 codegen [--check]                       generate nf-types from spec/, or check it is fresh\n  \
                 ci                                      run the checks and tests CI runs\n  \
                 bench                                   benchmark the client against the emulator"
            );
            bail!("unknown task: {}", args.join(" "))
        }
    }
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Runs `.ci/run`, the one definition of what CI checks, from the workspace root.
fn ci() -> Result<()> {
    let status = Command::new("bash")
        .arg(".ci/run")
        .current_dir(project_root())
        .status()
        .context("starting bash .ci/run")?;
    if !status.success() {
        bail!(".ci/run failed with {status}");
    }
    Ok(())
}

/// Runs one cargo command in the workspace root, failing when it fails.
pub(crate) fn cargo(args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .current_dir(project_root())
        .status()
        .with_context(|| format!("starting cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed with {status}", args.join(" "));
    }
    Ok(())
}
