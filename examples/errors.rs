//! Errors: what the API answers outside `2xx`, in both of the client's error styles.
//!
//! Runs against the embedded emulator (`nf-mock`):
//!
//! ```text
//! cargo run --example errors
//! ```
//!
//! - With the default style, `ErrorStyle::Error`, a call answered with a status outside
//!   `2xx` returns `Err(Error::Api(..))`, as the official Python client raises.
//! - With `ErrorStyle::Response`, the official JS client's default, it returns
//!   `Ok(response)`, and the response carries the error instead of data.
//!
//! Either way the error has the status, the API's message, its error id (`not-found`,
//! `conflict`, `validation-error`, …) and details when the API gave any.

use std::io::Write;

use nf_client::{ApiClient, ApiError, BoxError, Error, ErrorStyle};
use nf_mock::{MockConfig, MockServer};
use nf_types::projects::CreateProjectBody;
use serde_json::json;

/// The token the embedded emulator accepts.
const EMULATOR_TOKEN: &str = "nf-errors-token";

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(&mut std::io::stdout()).await
}

/// Provokes a 404, a 409 and a 400 in both error styles, writing what comes back to `out`.
pub(crate) async fn run(out: &mut impl Write) -> Result<(), BoxError> {
    let server = MockServer::start(MockConfig::new().token(EMULATOR_TOKEN)).await?;
    let client = ApiClient::builder()
        .token(EMULATOR_TOKEN)
        .base_url(server.base_url())
        .build()?;

    writeln!(out, "Default style: API errors are `Err(Error::Api)`")?;

    // 404: a project that does not exist.
    match client.get().project("no-such-project").await {
        Err(Error::Api(error)) => print_api_error(out, "get a missing project", &error)?,
        // Anything else (no connection, a timeout) is not an answer of the API.
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the missing project was found".into()),
    }

    // 409: the same project created twice.
    let body = CreateProjectBody::new("duplicate");
    client.create().project(body.clone()).await?;
    let Err(error) = client.create().project(body.clone()).await else {
        return Err("the duplicate project was created".into());
    };
    // `api_error()` gives the API's answer when the error is one.
    if let Some(api_error) = error.api_error() {
        print_api_error(out, "create a duplicate", api_error)?;
    }
    // Retrying cannot help with a conflict; it can with 429, 502, 503, 504 and timeouts.
    writeln!(out, "    retryable: {}", error.is_retryable())?;

    // 400 with details: a body the API's schema refuses, sent through the dynamic interface
    // since a typed request cannot be built with a number as name.
    let refused = client
        .call(
            "create.project",
            json!({}),
            json!({}),
            Some(json!({ "name": 42 })),
        )
        .await;
    match refused {
        Err(Error::Api(error)) => print_api_error(out, "create with a number as name", &error)?,
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the invalid project was created".into()),
    }

    writeln!(
        out,
        "Response style: API errors are responses with `error()` set"
    )?;
    let client = ApiClient::builder()
        .token(EMULATOR_TOKEN)
        .base_url(server.base_url())
        .error_style(ErrorStyle::Response)
        .build()?;

    // Transport failures are still `Err`; only the API's answers become responses.
    let response = client.get().project("no-such-project").await?;
    match response.error() {
        Some(error) => print_api_error(out, "get a missing project", error)?,
        None => return Err("the missing project was found".into()),
    }

    let response = client.create().project(body).await?;
    match response.error() {
        Some(error) => print_api_error(out, "create a duplicate", error)?,
        None => return Err("the duplicate project was created".into()),
    }

    // Success looks the same in both styles.
    let response = client.get().project("duplicate").await?;
    if let Some(project) = response.data() {
        writeln!(
            out,
            "  get an existing project: {} `{}`",
            response.status.as_u16(),
            project.name
        )?;
    }

    server.shutdown().await;
    Ok(())
}

/// Writes the parts of an API error.
fn print_api_error(out: &mut impl Write, what: &str, error: &ApiError) -> std::io::Result<()> {
    writeln!(out, "  {what}:")?;
    writeln!(out, "    status:  {}", error.status.as_u16())?;
    writeln!(out, "    message: {}", error.message)?;
    writeln!(out, "    id:      {}", error.id.as_deref().unwrap_or("-"))?;
    match &error.details {
        Some(details) => writeln!(out, "    details: {details}")?,
        None => writeln!(out, "    details: -")?,
    }
    writeln!(
        out,
        "    request: {} {}",
        error.request.method, error.request.url
    )
}
