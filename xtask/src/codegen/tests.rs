//! Snapshot tests of the generator on a small fixture, and the freshness check of the
//! committed generated code.

use std::path::{Path, PathBuf};

use super::{generate, load, stale_files};

/// Set to `1` to rewrite the expected snapshots instead of comparing with them.
const BLESS: &str = "XTASK_BLESS";

fn fixtures() -> PathBuf {
    crate::project_root().join("xtask/tests/fixtures/codegen")
}

/// The generated code of the fixture, byte for byte, so that any change in generated code is
/// visible in review.
#[test]
fn generated_code_of_the_fixture_matches_the_snapshot() {
    let spec = load(&fixtures().join("mini.json")).expect("the fixture loads");
    let output = generate(&spec).expect("the fixture generates");
    let expected_dir = fixtures().join("expected");
    let mut files: Vec<(PathBuf, &str)> = output
        .files
        .iter()
        .map(|(path, source)| (path.clone(), source.as_str()))
        .collect();
    for (manifest, features) in &output.features {
        files.push((manifest.with_extension("features.toml"), features.as_str()));
    }

    if std::env::var(BLESS).is_ok_and(|value| value == "1") {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (path, source) in &files {
            let full = expected_dir.join(path);
            std::fs::create_dir_all(full.parent().expect("snapshot paths have a parent"))
                .expect("creating the snapshot directory");
            std::fs::write(&full, source).expect("writing a snapshot");
        }
        return;
    }

    let mut differences = Vec::new();
    for (path, source) in &files {
        let expected = std::fs::read_to_string(expected_dir.join(path)).unwrap_or_default();
        if expected != *source {
            differences.push(path.display().to_string());
        }
    }
    let expected_count = count_files(&expected_dir);
    assert!(
        differences.is_empty() && expected_count == files.len(),
        "generated code of the fixture differs from xtask/tests/fixtures/codegen/expected in \
         {differences:?} ({expected_count} files expected, {} generated); review the change \
         and run `{BLESS}=1 cargo test -p xtask` to accept it",
        files.len()
    );
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|entry| {
                let path = entry.path();
                if path.is_dir() { count_files(&path) } else { 1 }
            })
            .sum()
    })
}

/// Generation twice from the same description gives the same bytes.
#[test]
fn generation_is_deterministic() {
    let spec = load(&fixtures().join("mini.json")).expect("the fixture loads");
    let first = generate(&spec).expect("the fixture generates");
    let second = generate(&spec).expect("the fixture generates");
    assert_eq!(first.files, second.files);
    assert_eq!(first.features, second.features);
}

/// Every generated file opens with the line saying it is generated.
#[test]
fn generated_files_say_so_on_their_first_line() {
    let spec = load(&fixtures().join("mini.json")).expect("the fixture loads");
    let output = generate(&spec).expect("the fixture generates");
    for (path, source) in &output.files {
        assert!(
            source.starts_with(super::HEADER),
            "{} does not start with the header",
            path.display()
        );
    }
}

/// The committed generated code of `nf-types` is what `spec/api.json` gives today: the same
/// check as `cargo xtask codegen --check`.
#[test]
fn committed_generated_code_is_fresh() {
    let spec = crate::spec::load().expect("spec/api.json loads");
    let output = generate(&spec).expect("spec/api.json generates");
    let stale = stale_files(&crate::project_root(), &output).expect("the files can be compared");
    assert!(
        stale.is_empty(),
        "generated code is stale, run `cargo xtask codegen`: {stale:?}"
    );
}
