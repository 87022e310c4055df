//! A transport of your own: a `tower::Service` in place of the client's HTTP service.
//!
//! `CannedApi` answers `list.projects` and `create.project` from memory, in the API's
//! envelope, and records every request it receives. Nothing leaves the process: there is no
//! server, not even the emulator. Such a transport suits tests of code that uses the client,
//! recording and replaying traffic, or sending through another HTTP library.
//!
//! The rest of the stack still runs above it: the base URL, the `Authorization` header, the
//! rate limit, retries and timeouts.
//!
//! ```text
//! cargo run --example custom_transport
//! ```

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use http::header::AUTHORIZATION;
use http::{Method, StatusCode};
use nf_client::{ApiClient, BoxError, Error};
use nf_transport::{Request, ResponseBody};
use nf_types::projects::CreateProjectBody;
use serde_json::{Value, json};
use tower::Service;

/// How many requests `CannedApi` says a window allows, in its rate-limit headers.
const CANNED_LIMIT: usize = 100;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run(&mut std::io::stdout()).await
}

/// Lists, creates and gets projects through `CannedApi`, writing what it sees to `out`.
pub(crate) async fn run(out: &mut impl Write) -> Result<(), BoxError> {
    let api = CannedApi::default();
    let client = ApiClient::builder()
        .token("nf-canned-token")
        .base_url("https://api.northflank.com")
        .transport(api.clone())
        .build()?;

    let before = client.list().projects().await?.into_data()?;
    writeln!(out, "Projects before: {}", before.projects.len())?;

    let created = client
        .create()
        .project(CreateProjectBody::new("canned"))
        .await?
        .into_data()?;
    writeln!(
        out,
        "Created `{}` ({})",
        created.id, created.lifecycle_status
    )?;

    let after = client.list().projects().await?;
    let names: Vec<&str> = after
        .data()
        .map(|data| {
            data.projects
                .iter()
                .map(|project| project.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    writeln!(out, "Projects after: {}", names.join(", "))?;
    // The client reads the rate-limit headers whatever sent them.
    if let (Some(remaining), Some(limit)) = (after.rate_limit.remaining, after.rate_limit.limit) {
        writeln!(
            out,
            "Rate limit from the canned headers: {remaining} of {limit} left"
        )?;
    }

    // An operation the canned API does not know: its 404 envelope becomes `Error::Api`.
    match client.get().project("canned").await {
        Err(Error::Api(error)) => writeln!(
            out,
            "get.project: {} {} ({})",
            error.status.as_u16(),
            error.message,
            error.id.as_deref().unwrap_or("-")
        )?,
        Err(other) => return Err(other.into()),
        Ok(_) => return Err("the canned API answered an unknown route".into()),
    }

    writeln!(out, "Requests the transport received:")?;
    for line in api.requests() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

/// An in-memory stand-in for the API: projects in a list, and a record of each request.
///
/// Clones share both, so the program keeps a clone to read what the client's copy saw.
#[derive(Clone, Default)]
struct CannedApi {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    projects: Vec<Value>,
    requests: Vec<String>,
}

impl CannedApi {
    /// One line per request received: method, URL and whether it carried a token.
    fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every change below is a single push, so a poisoned lock still guards whole data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The status and envelope answering `request`.
    fn answer(&self, request: &Request) -> (StatusCode, Value) {
        let mut state = self.lock();
        // The stack gives the transport an absolute URL and every header, the token
        // included; record only whether the token is there.
        let token = if request.headers().contains_key(AUTHORIZATION) {
            "with a token"
        } else {
            "without a token"
        };
        state
            .requests
            .push(format!("{} {} {token}", request.method(), request.uri()));

        match (request.method(), request.uri().path()) {
            (&Method::GET, "/v1/projects") => {
                let count = state.projects.len();
                let data = json!({
                    "data": { "projects": state.projects },
                    "pagination": { "hasNextPage": false, "count": count },
                });
                (StatusCode::OK, data)
            }
            (&Method::POST, "/v1/projects") => {
                let body = request
                    .body()
                    .as_bytes()
                    .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok());
                let Some(name) = body.as_ref().and_then(|body| body["name"].as_str()) else {
                    return error(StatusCode::BAD_REQUEST, "validation-error", "no name");
                };
                let project = json!({
                    "id": name,
                    "uid": format!("uid-{}", state.projects.len() + 1),
                    "name": name,
                    "lifecycleStatus": "created",
                });
                state.projects.push(project.clone());
                (StatusCode::OK, json!({ "data": project }))
            }
            _ => error(
                StatusCode::NOT_FOUND,
                "not-found",
                "the canned API has no such route",
            ),
        }
    }
}

/// An error in the API's envelope.
fn error(status: StatusCode, id: &str, message: &str) -> (StatusCode, Value) {
    let body = json!({
        "error": { "status": status.as_u16(), "id": id, "message": message }
    });
    (status, body)
}

impl Service<Request> for CannedApi {
    type Response = http::Response<ResponseBody>;
    // Every request gets an answer; a transport that can fail returns a `TransportError`
    // (`TransportError::connect` for a request that never left, so it can be retried).
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let (status, body) = self.answer(&request);
        let remaining = CANNED_LIMIT.saturating_sub(self.lock().requests.len());
        let mut response = http::Response::new(ResponseBody::from(body.to_string()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert("x-ratelimit-limit", CANNED_LIMIT.into());
        headers.insert("x-ratelimit-remaining", remaining.into());
        headers.insert("x-ratelimit-reset", 60.into());
        ready(Ok(response))
    }
}
