//! `cargo xtask spec import`: builds `spec/api.json` and `spec/DISAGREEMENTS.md` from the two
//! official client packages.
//!
//! Both packages are read by small parsers written for the subsets of TypeScript, minified
//! JavaScript and Python they use ([`ts`], [`jsbundle`], [`python`]); nothing is executed. The
//! JS reading ([`js`]) and the PY reading ([`py`]) each give a list of [`ClientOp`]s, which
//! [`merge`] matches by namespace path and merges by the rules of `spec/README.md`.

mod js;
mod jsbundle;
mod merge;
mod py;
mod python;
mod report;
mod schema;
#[cfg(test)]
mod tests;
mod ts;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::spec::model::{Body, Method, QueryOption, Route, Schema, Spec};

/// Format version written to `spec/api.json`.
const FORMAT: u32 = 1;

/// One operation as one package describes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClientOp {
    /// Namespace path in the package's own spelling.
    pub(crate) segments: Vec<String>,
    /// HTTP method.
    pub(crate) method: Method,
    /// URL templates in the package's order.
    pub(crate) routes: Vec<Route>,
    /// Types of the path parameters the templates use.
    pub(crate) path_params: BTreeMap<String, Schema>,
    /// Path parameters the package declares but no template uses.
    pub(crate) unused_params: Vec<String>,
    /// Query options in declaration order.
    pub(crate) query: Vec<QueryOption>,
    /// The request body.
    pub(crate) body: Option<Body>,
    /// The response's `data` schema.
    pub(crate) response: Schema,
    /// Whether the package paginates the operation.
    pub(crate) paginated: bool,
    /// The permission string as written.
    pub(crate) permission: Option<String>,
    /// `file:line` of the declaration, for messages.
    pub(crate) source: String,
}

/// What the readers noticed while translating types, for the report.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Recursive types, each cut at its second occurrence (which became `any`).
    pub(crate) cycles: BTreeSet<String>,
    /// JS declarations read differently from their literal TypeScript meaning, and why.
    pub(crate) repairs: BTreeSet<String>,
}

/// One package: its name, version and operations.
#[derive(Debug)]
pub(crate) struct Package {
    /// Package name.
    pub(crate) name: String,
    /// Package version.
    pub(crate) version: String,
    /// Every REST operation.
    pub(crate) operations: Vec<ClientOp>,
}

/// Counts that characterise an import; compared with the wire reference's for the known
/// package versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    /// JS operations.
    pub(crate) js: usize,
    /// PY operations.
    pub(crate) py: usize,
    /// Operations in the union.
    pub(crate) union: usize,
    /// Operations both packages have.
    pub(crate) shared: usize,
    /// JS URL templates.
    pub(crate) js_templates: usize,
    /// PY URL templates.
    pub(crate) py_templates: usize,
    /// JS paginated operations.
    pub(crate) js_paginated: usize,
    /// PY paginated operations.
    pub(crate) py_paginated: usize,
    /// JS operations taking a body.
    pub(crate) js_bodies: usize,
    /// PY operations taking a body.
    pub(crate) py_bodies: usize,
    /// JS operations per method: GET, POST, PUT, PATCH, DELETE.
    pub(crate) js_methods: [usize; 5],
    /// PY operations per method: GET, POST, PUT, PATCH, DELETE.
    pub(crate) py_methods: [usize; 5],
}

/// What `northflank-wire.md` §2 and §11 state for `@northflank/js-client` 0.9.5 and
/// `northflank` 2.1.0.
pub(crate) const REFERENCE_COUNTS: Counts = Counts {
    js: 331,
    py: 407,
    union: 408,
    shared: 330,
    js_templates: 627,
    py_templates: 777,
    js_paginated: 63,
    py_paginated: 73,
    js_bodies: 137,
    py_bodies: 161,
    js_methods: [130, 116, 20, 23, 42],
    py_methods: [159, 143, 24, 29, 52],
};

/// The package versions [`REFERENCE_COUNTS`] describes.
const REFERENCE_SOURCES: [&str; 2] = ["@northflank/js-client@0.9.5", "northflank@2.1.0"];

impl Counts {
    fn of(js: &Package, py: &Package, union: usize) -> Self {
        let methods = |p: &Package| {
            let mut m = [0; 5];
            for op in &p.operations {
                m[match op.method {
                    Method::Get => 0,
                    Method::Post => 1,
                    Method::Put => 2,
                    Method::Patch => 3,
                    Method::Delete => 4,
                }] += 1;
            }
            m
        };
        let templates = |p: &Package| p.operations.iter().map(|o| o.routes.len()).sum();
        let paginated = |p: &Package| p.operations.iter().filter(|o| o.paginated).count();
        let bodies = |p: &Package| p.operations.iter().filter(|o| o.body.is_some()).count();
        Counts {
            js: js.operations.len(),
            py: py.operations.len(),
            union,
            shared: js.operations.len() + py.operations.len() - union,
            js_templates: templates(js),
            py_templates: templates(py),
            js_paginated: paginated(js),
            py_paginated: paginated(py),
            js_bodies: bodies(js),
            py_bodies: bodies(py),
            js_methods: methods(js),
            py_methods: methods(py),
        }
    }

    /// One line per count that differs from `expected`.
    fn mismatches(&self, expected: &Counts) -> Vec<String> {
        let pairs: [(&str, String, String); 12] = [
            (
                "JS operations",
                self.js.to_string(),
                expected.js.to_string(),
            ),
            (
                "PY operations",
                self.py.to_string(),
                expected.py.to_string(),
            ),
            (
                "operations in the union",
                self.union.to_string(),
                expected.union.to_string(),
            ),
            (
                "shared operations",
                self.shared.to_string(),
                expected.shared.to_string(),
            ),
            (
                "JS URL templates",
                self.js_templates.to_string(),
                expected.js_templates.to_string(),
            ),
            (
                "PY URL templates",
                self.py_templates.to_string(),
                expected.py_templates.to_string(),
            ),
            (
                "JS paginated operations",
                self.js_paginated.to_string(),
                expected.js_paginated.to_string(),
            ),
            (
                "PY paginated operations",
                self.py_paginated.to_string(),
                expected.py_paginated.to_string(),
            ),
            (
                "JS operations with a body",
                self.js_bodies.to_string(),
                expected.js_bodies.to_string(),
            ),
            (
                "PY operations with a body",
                self.py_bodies.to_string(),
                expected.py_bodies.to_string(),
            ),
            (
                "JS GET/POST/PUT/PATCH/DELETE",
                format!("{:?}", self.js_methods),
                format!("{:?}", expected.js_methods),
            ),
            (
                "PY GET/POST/PUT/PATCH/DELETE",
                format!("{:?}", self.py_methods),
                format!("{:?}", expected.py_methods),
            ),
        ];
        pairs
            .into_iter()
            .filter(|(_, got, want)| got != want)
            .map(|(what, got, want)| format!("{what}: got {got}, the reference says {want}"))
            .collect()
    }
}

/// The result of an import.
pub(crate) struct Imported {
    /// The description to write to `spec/api.json`.
    pub(crate) spec: Spec,
    /// The text of `spec/DISAGREEMENTS.md`.
    pub(crate) disagreements: String,
    /// The import's counts.
    pub(crate) counts: Counts,
}

/// Reads both packages and merges them.
///
/// # Errors
///
/// Fails when either package cannot be read completely (the message names the file and line)
/// or the operations cannot be matched.
pub(crate) fn import(js_dir: &Path, py_dir: &Path) -> Result<Imported> {
    let mut findings = Findings::default();
    let js = js::read(js_dir, &mut findings)
        .with_context(|| format!("reading the JS package at {}", js_dir.display()))?;
    let py = py::read(py_dir, &mut findings)
        .with_context(|| format!("reading the PY wheel at {}", py_dir.display()))?;
    let merged = merge::merge(&js, &py)?;
    let sources = vec![
        format!("{}@{}", js.name, js.version),
        format!("{}@{}", py.name, py.version),
    ];
    let counts = Counts::of(&js, &py, merged.operations.len());
    let disagreements = report::render(&sources, &merged, &findings);
    let spec = Spec {
        format: FORMAT,
        sources,
        operations: merged.operations,
    };
    Ok(Imported {
        spec,
        disagreements,
        counts,
    })
}

/// Command-line options of `spec import`.
struct Options {
    js: PathBuf,
    python: PathBuf,
    out: PathBuf,
    relax_counts: bool,
}

fn options(args: &[&str]) -> Result<Options> {
    let mut js = None;
    let mut python = None;
    let mut out = None;
    let mut relax_counts = false;
    let mut it = args.iter();
    while let Some(&arg) = it.next() {
        let mut value = || {
            it.next()
                .map(PathBuf::from)
                .with_context(|| format!("{arg} needs a directory"))
        };
        match arg {
            "--js" => js = Some(value()?),
            "--python" => python = Some(value()?),
            "--out" => out = Some(value()?),
            "--relax-counts" => relax_counts = true,
            other => bail!(
                "unknown argument {other:?}\n\nusage: cargo xtask spec import --js <dir> --python <dir> [--out <dir>] [--relax-counts]"
            ),
        }
    }
    Ok(Options {
        js: js.context("missing --js <unpacked @northflank/js-client>")?,
        python: python.context("missing --python <unpacked northflank wheel>")?,
        out: out.unwrap_or_else(|| crate::project_root().join("spec")),
        relax_counts,
    })
}

/// Runs `spec import` with the arguments after `import`.
///
/// # Errors
///
/// Fails on bad arguments, an unreadable package, counts that differ from the wire reference
/// for the package versions it describes (unless `--relax-counts`), or a write error.
pub(crate) fn run(args: &[&str]) -> Result<()> {
    let opts = options(args)?;
    let imported = import(&opts.js, &opts.python)?;
    let c = &imported.counts;
    eprintln!(
        "imported {} operations ({} JS, {} PY, {} shared); templates {} JS / {} PY; paginated {} JS / {} PY",
        c.union,
        c.js,
        c.py,
        c.shared,
        c.js_templates,
        c.py_templates,
        c.js_paginated,
        c.py_paginated
    );

    let mut mismatches = c.mismatches(&REFERENCE_COUNTS);
    if imported.spec.sources != REFERENCE_SOURCES {
        mismatches.insert(
            0,
            format!(
                "packages: got {}, the reference counts {}",
                imported.spec.sources.join(" and "),
                REFERENCE_SOURCES.join(" and ")
            ),
        );
    }
    if !mismatches.is_empty() {
        let text = mismatches.join("\n  ");
        if opts.relax_counts {
            eprintln!("warning: the import differs from the wire reference:\n  {text}");
        } else {
            bail!(
                "the import differs from the wire reference (pass --relax-counts to write anyway):\n  {text}"
            );
        }
    }

    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("creating {}", opts.out.display()))?;
    let spec_path = opts.out.join("api.json");
    let report_path = opts.out.join("DISAGREEMENTS.md");
    std::fs::write(&spec_path, imported.spec.to_pretty_json())
        .with_context(|| format!("writing {}", spec_path.display()))?;
    std::fs::write(&report_path, &imported.disagreements)
        .with_context(|| format!("writing {}", report_path.display()))?;
    eprintln!(
        "wrote {} and {}",
        spec_path.display(),
        report_path.display()
    );
    Ok(())
}
