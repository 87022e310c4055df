//! The API description under `spec/`: its model, its importer and its listing.

pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod model;

use std::path::PathBuf;

use anyhow::{Context, Result};

/// Path of the committed API description.
pub(crate) fn spec_path() -> PathBuf {
    crate::project_root().join("spec").join("api.json")
}

/// Reads and parses the committed API description.
pub(crate) fn load() -> Result<model::Spec> {
    let path = spec_path();
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
