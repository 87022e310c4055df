//! `cargo xtask spec list [--json]`: prints the operations of the API description.
//!
//! It prints the records the registry of `nf-types` is generated from: plain, a table with
//! one operation per line; with `--json`, one JSON object per operation per line.

use std::io::Write as _;

use anyhow::{Context, Result, bail};

use crate::codegen::meta::{self, OperationMeta, method_name};

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let json = match args {
        [] => false,
        ["--json"] => true,
        _ => bail!("usage: cargo xtask spec list [--json]"),
    };
    let spec = super::load()?;
    let metas = meta::operations(&spec)?;
    let text = if json {
        json_lines(&metas)
    } else {
        table(&metas)
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to stdout")
}

/// One JSON object per operation per line.
fn json_lines(metas: &[OperationMeta<'_>]) -> String {
    metas
        .iter()
        .map(|meta| meta.to_json().to_string() + "\n")
        .collect()
}

/// A table: id, group, method, flags and the least specific route.
fn table(metas: &[OperationMeta<'_>]) -> String {
    let rows: Vec<[String; 5]> = metas
        .iter()
        .map(|meta| {
            let mut flags = String::new();
            flags.push(match meta.body {
                meta::BodyKind::None => '-',
                meta::BodyKind::Optional => 'b',
                meta::BodyKind::Required => 'B',
            });
            flags.push(if meta.op.paginated { 'P' } else { '-' });
            let route = meta
                .op
                .routes
                .iter()
                .min_by_key(|route| route.params.len())
                .map(|route| route.path.clone())
                .unwrap_or_default();
            [
                meta.op.id.clone(),
                meta.group.to_owned(),
                method_name(meta.op.method).to_owned(),
                flags,
                route,
            ]
        })
        .collect();
    let header = ["ID", "GROUP", "METHOD", "FLAGS", "ROUTE"].map(str::to_owned);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    text.push_str(&format!(
        "\n{} operations. FLAGS: B body required, b body optional, P paginated.\n",
        metas.len()
    ));
    text
}
