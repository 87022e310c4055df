//! Pagination: one page, the next page, a stream of every item, and every page at once.
//!
//! The embedded emulator (`nf-mock`) is seeded with 120 projects, which `list.projects`
//! returns in pages of 50: 50, 50, then 20.
//!
//! ```text
//! cargo run --example pagination
//! ```
//!
//! - `send()` fetches one page; its `next_page()` fetches the page after it, or gives `None`
//!   after the last.
//! - `stream()` yields every project, fetching a page only when the one before is used up.
//! - `all()` fetches every page and merges them into one response, as the official clients'
//!   `all()` does.

use std::io::Write;

use futures_util::{StreamExt, TryStreamExt};
use nf_client::{ApiClient, BoxError};
use nf_mock::{MockConfig, MockServer};

/// The token the embedded emulator accepts.
const EMULATOR_TOKEN: &str = "nf-pagination-token";

/// How many projects the emulator holds.
const PROJECTS: usize = 120;

/// Projects per page.
const PER_PAGE: i64 = 50;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(&mut std::io::stdout()).await
}

/// Walks the projects of a seeded emulator in the four ways, writing what it sees to `out`.
pub(crate) async fn run(out: &mut impl Write) -> Result<(), BoxError> {
    let server = MockServer::start(MockConfig::new().token(EMULATOR_TOKEN)).await?;
    // Seeding writes to the emulator's state directly, without 120 requests.
    server.seed_projects(PROJECTS);
    let client = ApiClient::builder()
        .token(EMULATOR_TOKEN)
        .base_url(server.base_url())
        .build()?;
    writeln!(
        out,
        "Emulator at {} holds {PROJECTS} projects",
        server.base_url()
    )?;

    // One page: a single request.
    let first = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE))
        .send()
        .await?;
    let count = first.data().map_or(0, |data| data.projects.len());
    writeln!(
        out,
        "First page: {count} projects, next page: {}",
        first.has_next_page()
    )?;

    // The next page: the same request with the cursor the first page returned.
    if let Some(second) = first.next_page().await? {
        let ids: Vec<&str> = second
            .data()
            .map(|data| {
                data.projects
                    .iter()
                    .map(|project| project.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        writeln!(
            out,
            "Second page: {} projects, from {} to {}",
            ids.len(),
            ids.first().unwrap_or(&"-"),
            ids.last().unwrap_or(&"-")
        )?;
    }

    // Walk to the end by hand: `next_page()` gives `None` after the last page.
    let mut pages = 1;
    let mut page = first;
    while let Some(next) = page.next_page().await? {
        pages += 1;
        page = next;
    }
    writeln!(out, "Pages by next_page(): {pages}")?;

    // A stream of projects: pages are fetched as the stream is polled, one at a time.
    let requests_before = server.journal().len();
    let mut projects = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE))
        .stream();
    let mut streamed = 0;
    let mut last = String::new();
    while let Some(project) = projects.try_next().await? {
        streamed += 1;
        last = project.id.into();
    }
    writeln!(
        out,
        "Streamed: {streamed} projects in {} requests, the last `{last}`",
        server.journal().len() - requests_before
    )?;

    // The stream is an ordinary `Stream`, so the combinators of futures apply. Taking five
    // items stops polling inside the first page: no second page is requested.
    let requests_before = server.journal().len();
    let first_five: Vec<String> = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE))
        .stream()
        .take(5)
        .map_ok(|project| String::from(project.name))
        .try_collect()
        .await?;
    writeln!(
        out,
        "First five: {} ({} request)",
        first_five.join(", "),
        server.journal().len() - requests_before
    )?;

    // Every page, merged into one response.
    let all = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE))
        .all()
        .await?;
    let total = all
        .pagination
        .as_ref()
        .and_then(|pagination| pagination.count);
    let projects = all.into_data()?.projects;
    writeln!(
        out,
        "All: {} projects (pagination count {})",
        projects.len(),
        total.map_or_else(|| "-".to_owned(), |count| count.to_string())
    )?;

    server.shutdown().await;
    Ok(())
}
