//! Quickstart: the first steps of the official JS client, in Rust.
//!
//! A context holding a token goes into an in-memory provider, the client is built on it, and
//! then the program lists projects, creates one, lists again, prints the rate limit the API
//! reported, and deletes the project it created.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Without `NORTHFLANK_API_TOKEN` or `NF_API_TOKEN` in the environment it starts the embedded
//! emulator (`nf-mock`) on loopback and says so on its first line, so it runs anywhere, with
//! no account and no network. With one of them set, it talks to the real API through the
//! default chain of contexts, and creates (then deletes) a project in that account.

use std::io::Write;
use std::sync::Arc;

use nf_client::{ApiClient, ApiResponse, BoxError};
use nf_context::{Context, ContextProvider, EnvContextProvider, InMemoryContextProvider};
use nf_mock::{MockConfig, MockServer};
use nf_types::projects::{CreateProjectBody, ListProjectsResponse};

/// The token the embedded emulator accepts; any other is refused with 401.
const EMULATOR_TOKEN: &str = "nf-quickstart-token";

/// The project this example creates and deletes again.
const PROJECT_NAME: &str = "quickstart-example";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // The same test the default chain makes: a non-empty token in either variable.
    let real_api = EnvContextProvider::new().token()?.is_some();
    run(real_api, &mut std::io::stdout()).await
}

/// Runs the quickstart against the real API (`real_api`) or the embedded emulator, writing
/// what it sees to `out`.
pub(crate) async fn run(real_api: bool, out: &mut impl Write) -> Result<(), BoxError> {
    // Kept until the end: dropping the emulator stops it.
    let mut emulator = None;
    let client = if real_api {
        // The token and host come from the environment, else from ~/.northflank/config.json.
        writeln!(
            out,
            "Using the Northflank API with the token from the environment"
        )?;
        ApiClient::from_env()?
    } else {
        let server = MockServer::start(MockConfig::new().token(EMULATOR_TOKEN)).await?;
        // Two projects already there, as in an account in use.
        server.seed_projects(2);
        writeln!(
            out,
            "No NORTHFLANK_API_TOKEN or NF_API_TOKEN: using the embedded nf-mock emulator at {}",
            server.base_url()
        )?;

        // As in JS: a context with a token (and here a host) in an in-memory provider.
        let context = Context::new("quickstart", EMULATOR_TOKEN).with_host(server.base_url());
        let provider = InMemoryContextProvider::with_context(context)?;
        emulator = Some(server);
        ApiClient::new(Arc::new(provider))?
    };

    let before = client.list().projects().await?;
    print_projects(out, "Projects before", &before)?;

    let body = CreateProjectBody::new(PROJECT_NAME)
        .with_description("Created by the northflank-rs quickstart");
    // The operation tree mirrors the JS client's `apiClient.create.project({ data })`;
    // `client.send(CreateProjectRequest::new(body))` sends the same request.
    let created = client.create().project(body).await?.into_data()?;
    writeln!(
        out,
        "Created project `{}` ({})",
        created.id, created.lifecycle_status
    )?;

    let after = client.list().projects().await?;
    print_projects(out, "Projects after", &after)?;

    // Every response carries the x-ratelimit-* headers the API sent with it.
    let rate_limit = after.rate_limit;
    writeln!(
        out,
        "Rate limit: limit {}, remaining {}, reset in {}",
        show(rate_limit.limit),
        show(rate_limit.remaining),
        show(
            rate_limit
                .reset
                .map(|reset| format!("{}s", reset.as_secs()))
        ),
    )?;

    client.delete().project(created.id.as_str()).await?;
    writeln!(out, "Deleted project `{}`", created.id)?;

    if let Some(server) = emulator {
        server.shutdown().await;
    }
    Ok(())
}

/// Writes the projects of one page of `list.projects`.
fn print_projects(
    out: &mut impl Write,
    title: &str,
    page: &ApiResponse<ListProjectsResponse>,
) -> std::io::Result<()> {
    let projects = page.data().map_or(&[][..], |data| &data.projects[..]);
    writeln!(out, "{title} ({}):", projects.len())?;
    for project in projects {
        writeln!(out, "  - {} ({})", project.name, project.id)?;
    }
    if page.has_next_page() {
        writeln!(out, "  … and more on the next pages")?;
    }
    Ok(())
}

/// A header value, or `-` when the response did not carry it.
fn show(value: Option<impl std::fmt::Display>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| value.to_string())
}
