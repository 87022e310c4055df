//! Contexts in the official CLI's file: add them, switch between them, set a default
//! project, read them back, and let a client follow the current one.
//!
//! The file is `config.json` in a temporary directory, never your `~/.northflank`: the
//! program writes it through `FileContextProvider::new(path)`, where a real program would
//! use `FileContextProvider::open_default()` (or `ApiClient::from_env()`, whose default
//! chain ends with that file). Two embedded emulators (`nf-mock`) stand in for two API
//! hosts, one per context.
//!
//! ```text
//! cargo run --example contexts
//! ```

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use nf_client::{ApiClient, BoxError};
use nf_context::{Context, ContextProvider, FileContextProvider};
use nf_mock::{MockConfig, MockServer};
use serde_json::Value;

/// The tokens of the two contexts; each emulator accepts its own.
const WORK_TOKEN: &str = "nf-work-token";
const STAGING_TOKEN: &str = "nf-staging-token";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(&mut std::io::stdout()).await
}

/// Writes two contexts to a temporary file and uses them, writing what it sees to `out`.
pub(crate) async fn run(out: &mut impl Write) -> Result<(), BoxError> {
    let work_api = MockServer::start(MockConfig::new().token(WORK_TOKEN)).await?;
    let staging_api = MockServer::start(MockConfig::new().token(STAGING_TOKEN)).await?;
    work_api.seed_projects(3);
    staging_api.seed_projects(1);

    // Removed, with the file, when `home` is dropped.
    let home = tempfile::tempdir()?;
    let path = home.path().join(".northflank").join("config.json");
    let file = FileContextProvider::new(&path);

    // Adding a context makes it current, as `northflank login` does; the directory is
    // created on the first write.
    file.add_context(
        Context::new("work", WORK_TOKEN).with_host(work_api.base_url()),
        false,
    )?;
    file.add_context(
        Context::new("staging", STAGING_TOKEN).with_host(staging_api.base_url()),
        false,
    )?;
    writeln!(out, "Wrote {}; its contexts (* current):", path.display())?;
    print_contexts(out, &file)?;

    // Switch back to `work` and give it a default project.
    file.use_context("work")?;
    file.set_project(Some("project-2".to_owned()))?;
    writeln!(out, "Switched to `work` and set its default project")?;

    // Read back with a second provider on the same path, as another program would.
    let reader = FileContextProvider::new(&path);
    if let Some(current) = reader.current()? {
        writeln!(
            out,
            "Read back: current `{}` on {}, default project {}",
            current.name,
            current.base_url()?,
            current.defaults.project.as_deref().unwrap_or("-")
        )?;
    }
    writeln!(out, "The file, tokens redacted:")?;
    writeln!(out, "{}", redacted(&path)?)?;

    // A client on the file follows the current context: token and host are read for every
    // request, so switching contexts needs no new client.
    let file = Arc::new(file);
    let client = ApiClient::new(file.clone())?;
    if let Some(project) = file.current()?.and_then(|context| context.defaults.project) {
        let project = client.get().project(project).await?;
        if let Some(project) = project.data() {
            writeln!(out, "Default project through `work`: {}", project.name)?;
        }
    }
    let listed = client.list().projects().await?.into_data()?;
    writeln!(out, "Projects through `work`: {}", listed.projects.len())?;

    file.use_context("staging")?;
    let listed = client.list().projects().await?.into_data()?;
    writeln!(out, "Projects through `staging`: {}", listed.projects.len())?;

    work_api.shutdown().await;
    staging_api.shutdown().await;
    Ok(())
}

/// Writes the contexts `provider` holds, marking the current one.
fn print_contexts(out: &mut impl Write, provider: &dyn ContextProvider) -> Result<(), BoxError> {
    let current = provider.current()?.map(|context| context.name);
    for context in provider.contexts()? {
        let mark = if current.as_ref() == Some(&context.name) {
            "*"
        } else {
            " "
        };
        writeln!(out, "  {mark} {} on {}", context.name, context.host)?;
    }
    Ok(())
}

/// The file's JSON with every token replaced, so that it can be shown.
fn redacted(path: &Path) -> Result<String, BoxError> {
    let mut document: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    if let Some(contexts) = document.get_mut("contexts").and_then(Value::as_array_mut) {
        for context in contexts {
            if let Some(token) = context.get_mut("token") {
                *token = Value::from("[redacted]");
            }
        }
    }
    Ok(serde_json::to_string_pretty(&document)?)
}
