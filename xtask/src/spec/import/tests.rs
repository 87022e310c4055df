//! Imports of the miniature packages under `xtask/tests/fixtures/import/`, and of the real
//! packages when `NF_JS_CLIENT_DIR` and `NF_PY_WHEEL_DIR` point at them.

use std::path::{Path, PathBuf};

use super::{Counts, REFERENCE_COUNTS, import, options};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

/// Compares `actual` with the file at `path`; with `XTASK_BLESS=1` rewrites the file instead.
fn check_file(path: &Path, actual: &str) {
    if std::env::var_os("XTASK_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the import, first at line {} (expected {:?}, got {:?}); \
             if the change is intended, re-run with XTASK_BLESS=1 and review the diff",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line),
        );
    }
}

#[test]
fn fixture_import_matches_the_expected_description_and_report() {
    let dir = fixtures();
    let imported = import(&dir.join("js"), &dir.join("py")).unwrap();
    check_file(
        &dir.join("expected/api.json"),
        &imported.spec.to_pretty_json(),
    );
    check_file(
        &dir.join("expected/DISAGREEMENTS.md"),
        &imported.disagreements,
    );
}

#[test]
fn fixture_counts() {
    let dir = fixtures();
    let imported = import(&dir.join("js"), &dir.join("py")).unwrap();
    assert_eq!(
        imported.counts,
        Counts {
            js: 5,
            py: 6,
            union: 7,
            shared: 4,
            js_templates: 8,
            py_templates: 10,
            js_paginated: 1,
            py_paginated: 1,
            js_bodies: 1,
            py_bodies: 2,
            js_methods: [3, 1, 0, 0, 1],
            py_methods: [3, 2, 0, 0, 1],
        }
    );
    let mismatches = imported.counts.mismatches(&REFERENCE_COUNTS);
    assert_eq!(mismatches.len(), 12, "{mismatches:?}");
    assert!(mismatches[0].starts_with("JS operations: got 5, the reference says 331"));
}

#[test]
fn importing_twice_gives_the_same_bytes() {
    let dir = fixtures();
    let first = import(&dir.join("js"), &dir.join("py")).unwrap();
    let second = import(&dir.join("js"), &dir.join("py")).unwrap();
    assert_eq!(first.spec.to_pretty_json(), second.spec.to_pretty_json());
    assert_eq!(first.disagreements, second.disagreements);
}

#[test]
fn missing_packages_are_reported_with_their_path() {
    let dir = fixtures();
    let err = import(&dir.join("nowhere"), &dir.join("py")).err().unwrap();
    let text = format!("{err:#}");
    assert!(
        text.contains("nowhere") && text.contains("package.json"),
        "{text}"
    );
    let err = import(&dir.join("js"), &dir.join("js")).err().unwrap();
    assert!(format!("{err:#}").contains("dist-info"), "{err:#}");
}

#[test]
fn arguments_are_checked() {
    assert!(options(&["--js", "a"]).is_err_and(|e| e.to_string().contains("--python")));
    assert!(options(&["--js"]).is_err_and(|e| e.to_string().contains("needs a directory")));
    assert!(options(&["--frobnicate"]).is_err_and(|e| e.to_string().contains("unknown argument")));
    let o = options(&["--python", "p", "--js", "j", "--out", "o", "--relax-counts"]).unwrap();
    assert_eq!(
        (o.js, o.python, o.out, o.relax_counts),
        ("j".into(), "p".into(), "o".into(), true)
    );
}

/// The real packages give the counts of the wire reference and exactly the committed files.
/// Needs `NF_JS_CLIENT_DIR` (unpacked `@northflank/js-client`) and `NF_PY_WHEEL_DIR`
/// (unpacked `northflank` wheel); see `spec/README.md`. Run it with `--ignored`.
#[test]
#[ignore = "needs the official packages: set NF_JS_CLIENT_DIR and NF_PY_WHEEL_DIR"]
fn real_packages_match_the_reference_and_the_committed_files() {
    let js = std::env::var_os("NF_JS_CLIENT_DIR").expect("NF_JS_CLIENT_DIR names the JS package");
    let py = std::env::var_os("NF_PY_WHEEL_DIR").expect("NF_PY_WHEEL_DIR names the unpacked wheel");
    let imported = import(Path::new(&js), Path::new(&py)).unwrap();
    assert_eq!(imported.counts, REFERENCE_COUNTS);
    let spec_dir = crate::project_root().join("spec");
    check_file(&spec_dir.join("api.json"), &imported.spec.to_pretty_json());
    check_file(&spec_dir.join("DISAGREEMENTS.md"), &imported.disagreements);
    let again = import(Path::new(&js), Path::new(&py)).unwrap();
    assert_eq!(again.spec.to_pretty_json(), imported.spec.to_pretty_json());
}
