//! End to end against the emulator `nf-mock`: pages, streams and API errors as it serves
//! them.

use futures_util::TryStreamExt;
use nf_client::{ApiClient, Error, RetryConfig};
use nf_mock::{MockConfig, MockServer};
use nf_types::projects::{DeleteProjectRequest, ListProjectsRequest};

const TOKEN: &str = "nf-mock-token-93b2";

async fn start() -> (MockServer, ApiClient) {
    let server = MockServer::start(MockConfig::new().token(TOKEN))
        .await
        .expect("emulator");
    let client = ApiClient::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    (server, client)
}

#[tokio::test]
async fn streams_and_all_cover_every_project_of_the_emulator() {
    let (server, client) = start().await;
    let ids = server.seed_projects(120);

    let streamed: Vec<_> = client
        .call_typed(ListProjectsRequest::new().with_per_page(50))
        .stream()
        .map_ok(|project| project.id)
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(streamed, ids);
    assert_eq!(server.journal().len(), 3, "120 projects in pages of 50");

    let all = client
        .call_typed(ListProjectsRequest::new().with_per_page(50))
        .all()
        .await
        .expect("every page");
    let collected: Vec<_> = all
        .into_data()
        .expect("data")
        .projects
        .into_iter()
        .map(|project| project.id)
        .collect();
    assert_eq!(collected, ids);

    let first = client
        .send(ListProjectsRequest::new().with_per_page(100))
        .await
        .expect("first page");
    let second = first
        .next_page()
        .await
        .expect("call")
        .expect("a second page");
    assert_eq!(second.data().map(|data| data.projects.len()), Some(20));
    assert!(second.next_page().await.expect("call").is_none());
    assert!(second.rate_limit.remaining.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn emulator_errors_arrive_as_api_errors() {
    let (server, client) = start().await;
    let error = client
        .send(DeleteProjectRequest::new("missing"))
        .await
        .expect_err("no such project");
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status.as_u16(), 404);
    assert_eq!(api.id.as_deref(), Some("not-found"));
    assert!(!api.message.is_empty());

    let stranger = ApiClient::builder()
        .token("another-token")
        .base_url(server.base_url())
        .build()
        .expect("client");
    let error = stranger
        .send(ListProjectsRequest::new())
        .await
        .expect_err("a wrong token");
    assert!(matches!(&error, Error::Api(api) if api.status.as_u16() == 401));
    server.shutdown().await;
}
