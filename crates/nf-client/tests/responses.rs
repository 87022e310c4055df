//! Responses and errors over loopback HTTP: envelopes, error styles, API error fields, rate
//! limits, request echoes, and bodies that are broken, empty or huge.

mod support;

use std::error::Error as _;
use std::time::Duration;

use nf_client::{DecodeCause, Error, ErrorStyle, TimeoutKind};
use nf_types::Json;
use nf_types::projects::{
    CreateProjectBody, CreateProjectRequest, DeleteProjectRequest, ListProjectsRequest,
};
use serde_json::{Value, json};
use support::{Reply, TOKEN, TestServer, builder, client, page, project, raw_server};

fn not_found() -> Reply {
    Reply::json(
        404,
        &json!({ "error": {
            "status": 404,
            "message": "Project not found",
            "id": "not-found",
            "details": { "projectId": "missing" }
        } }),
    )
    .header("x-ratelimit-limit", 1000)
    .header("x-ratelimit-remaining", 997)
    .header("x-ratelimit-reset", 42)
}

/// A project body; built from JSON so the test fits every version of the generated model.
fn create_body(json: Value) -> CreateProjectBody {
    CreateProjectBody::from_json(json).expect("a project body")
}

#[tokio::test]
async fn api_errors_carry_status_message_id_details_request_and_rate_limit() {
    let server = TestServer::start(|_, _| not_found()).await;
    let client = client(&server.url());
    let error = client
        .send(DeleteProjectRequest::new("missing").with_team_id("t1"))
        .await
        .expect_err("a 404 is an error by default");

    assert_eq!(error.to_string(), "API error 404: Project not found");
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    assert!(!error.is_retryable());
    let api = error.api_error().expect("an API error");
    assert_eq!(api.message, "Project not found");
    assert_eq!(api.id.as_deref(), Some("not-found"));
    assert_eq!(api.details, Some(json!({ "projectId": "missing" })));
    assert_eq!(api.body_snippet, None);
    assert_eq!(api.rate_limit.limit, Some(1000));
    assert_eq!(api.rate_limit.remaining, Some(997));
    assert_eq!(api.rate_limit.reset, Some(Duration::from_secs(42)));
    assert_eq!(api.request.operation, "delete.project");
    assert_eq!(api.request.method, http::Method::DELETE);
    assert_eq!(
        api.request.url,
        format!("{}/v1/teams/t1/projects/missing", server.url())
    );
    assert_eq!(api.request.headers["authorization"], "[redacted]");
    assert!(!format!("{error:?}").contains(TOKEN));
}

#[tokio::test]
async fn the_response_style_returns_api_errors_as_responses() {
    let server = TestServer::start(|_, _| not_found()).await;
    let client = builder(&server.url())
        .error_style(ErrorStyle::Response)
        .build()
        .expect("client");
    assert_eq!(client.error_style(), ErrorStyle::Response);
    let response = client
        .send(DeleteProjectRequest::new("missing"))
        .await
        .expect("a response");
    assert!(!response.is_success());
    assert!(response.data().is_none());
    assert_eq!(response.status, http::StatusCode::NOT_FOUND);
    let api = response.error().expect("the error");
    assert_eq!(api.id.as_deref(), Some("not-found"));
    assert_eq!(response.rate_limit.remaining, Some(997));
    let error = response.into_data().expect_err("no data");
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn success_responses_carry_rate_limit_status_headers_and_the_request() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, &page(&["p1"], None))
            .header("x-ratelimit-limit", 1000)
            .header("x-ratelimit-remaining", 999)
            .header("x-ratelimit-reset", "2.5")
            .header("x-request-id", "r-1")
    })
    .await;
    let client = builder(&server.url())
        .user_agent_suffix("client-tests/1.0")
        .build()
        .expect("client");
    let response = client
        .send(ListProjectsRequest::new().with_per_page(5))
        .await
        .expect("page");
    assert_eq!(response.status, http::StatusCode::OK);
    assert_eq!(response.headers["x-request-id"], "r-1");
    assert_eq!(response.rate_limit.limit, Some(1000));
    assert_eq!(response.rate_limit.remaining, Some(999));
    assert_eq!(response.rate_limit.reset, Some(Duration::from_millis(2500)));
    assert_eq!(client.rate_limit().snapshot().limit, Some(1000));

    let request = &response.request;
    assert_eq!(request.operation, "list.projects");
    assert_eq!(
        request.url,
        format!("{}/v1/projects?per_page=5", server.url())
    );
    assert_eq!(request.headers["authorization"], "[redacted]");
    assert_eq!(request.headers["accept"], "application/json");
    let agent = request.headers["user-agent"].to_str().expect("text");
    assert!(agent.starts_with("northflank-rs/") && agent.ends_with(" (client-tests/1.0)"));
    assert!(request.body.is_none());

    // The server did get the token; nothing the caller holds shows it.
    let received = &server.received()[0];
    assert_eq!(received.headers["authorization"], format!("Bearer {TOKEN}"));
    assert!(!format!("{response:?}").contains(TOKEN));
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[tokio::test]
async fn dynamic_and_typed_calls_send_the_same_bytes() {
    let server = TestServer::start(|_, received| {
        if received.method == http::Method::POST {
            Reply::json(201, &json!({ "data": project("new") }))
        } else {
            Reply::json(200, &page(&["p1"], None))
        }
    })
    .await;
    let client = client(&server.url());

    let body = create_body(
        json!({ "name": "New project", "description": "made by a test", "region": "europe-west" }),
    );
    // The dynamic body is given in the model's member order, as JSON keeps the order given.
    let dynamic_data = body.to_json();
    let typed = client
        .send(CreateProjectRequest::new(body).with_team_id("team one"))
        .await
        .expect("typed create");
    assert_eq!(typed.status, http::StatusCode::CREATED);
    assert_eq!(typed.data().map(|data| data.id.as_str()), Some("new"));
    let dynamic = client
        .call(
            "create.project",
            json!({ "teamId": "team one" }),
            Value::Null,
            Some(dynamic_data),
        )
        .await
        .expect("dynamic create");
    assert_eq!(
        dynamic.data().map(|data| data["id"].clone()),
        Some(json!("new"))
    );

    client
        .send(
            ListProjectsRequest::new()
                .with_per_page(3)
                .with_cursor("a b"),
        )
        .await
        .expect("typed list");
    client
        .call(
            "list.projects",
            json!({}),
            json!({ "cursor": "a b", "per_page": 3 }),
            None,
        )
        .await
        .expect("dynamic list");

    let received = server.received();
    assert_eq!(received.len(), 4);
    for pair in received.chunks(2) {
        let (typed, dynamic) = (&pair[0], &pair[1]);
        assert_eq!(typed.method, dynamic.method);
        assert_eq!(typed.target, dynamic.target);
        assert_eq!(typed.body, dynamic.body);
        assert_eq!(
            typed.headers.get("content-type"),
            dynamic.headers.get("content-type")
        );
    }
    assert_eq!(received[0].target, "/v1/teams/team%20one/projects");
    assert_eq!(received[0].headers["content-type"], "application/json");
    assert_eq!(received[2].target, "/v1/projects?per_page=3&cursor=a%20b");
    assert!(received[2].headers.get("content-type").is_none());
    assert_eq!(typed.request.body.as_deref(), Some(&received[0].body[..]));
}

#[tokio::test]
async fn malformed_json_on_success_is_a_decode_error_with_a_snippet() {
    let server =
        TestServer::start(|_, _| Reply::status(200).body("{\"data\": {\"projects\": [")).await;
    let error = client(&server.url())
        .send(ListProjectsRequest::new())
        .await
        .expect_err("malformed");
    let Error::Decode {
        status,
        snippet,
        source,
        ..
    } = &error
    else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(status.as_u16(), 200);
    assert_eq!(snippet, "{\"data\": {\"projects\": [");
    assert!(matches!(source, DecodeCause::NotJson { .. }));
    assert_eq!(error.to_string(), "could not decode the response");
    assert!(error.source().is_some());
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn data_of_the_wrong_shape_is_a_decode_error_naming_the_member() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, &json!({ "data": { "projects": [{ "id": 7 }] } }))
    })
    .await;
    let error = client(&server.url())
        .send(ListProjectsRequest::new())
        .await
        .expect_err("wrong shape");
    let Error::Decode {
        source: DecodeCause::Shape(cause),
        ..
    } = &error
    else {
        panic!("expected a shape error, got {error:?}");
    };
    assert!(cause.path().starts_with("projects[0]"), "{}", cause.path());
}

#[tokio::test]
async fn an_html_502_is_an_api_error_with_a_bounded_snippet() {
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "é".repeat(600)
    );
    let server = TestServer::start(move |_, _| {
        Reply::status(502)
            .header("content-type", "text/html")
            .body(html.clone())
    })
    .await;
    let error = client(&server.url())
        .send(ListProjectsRequest::new())
        .await
        .expect_err("a 502");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert!(error.is_retryable());
    let api = error.api_error().expect("an API error");
    assert_eq!(api.message, "");
    let snippet = api.body_snippet.as_deref().expect("a snippet");
    assert!(snippet.starts_with("<html><head><title>502 Bad Gateway"));
    assert!(snippet.len() <= nf_client::SNIPPET_LIMIT);
    assert!(!snippet.contains('\u{FFFD}'), "cut between characters");
}

#[tokio::test]
async fn empty_success_bodies_decode_when_the_type_allows_it() {
    let server = TestServer::start(|index, _| match index {
        0 | 1 => Reply::status(201),
        _ => Reply::status(204),
    })
    .await;
    let client = client(&server.url());

    // `Value` accepts the absent data as `null`.
    let created = client
        .call(
            "create.project",
            json!({}),
            json!({}),
            Some(json!({ "name": "x", "region": "europe-west" })),
        )
        .await
        .expect("a 201 without a body");
    assert_eq!(created.status.as_u16(), 201);
    assert_eq!(created.data(), Some(&Value::Null));

    // A model with required members cannot be empty: a typed decode error.
    let error = client
        .send(CreateProjectRequest::new(create_body(
            json!({ "name": "x", "region": "europe-west" }),
        )))
        .await
        .expect_err("no data for a required model");
    assert!(matches!(
        error,
        Error::Decode {
            source: DecodeCause::MissingData,
            ..
        }
    ));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(201));

    let deleted = client
        .call(
            "delete.project",
            json!({ "projectId": "p1" }),
            json!({}),
            None,
        )
        .await
        .expect("a 204");
    assert_eq!(deleted.status.as_u16(), 204);
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_with_the_status() {
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"data\":",
        false,
    )
    .await;
    let error = client(&url)
        .send(ListProjectsRequest::new())
        .await
        .expect_err("truncated");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert!(error.source().is_some());
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    let url = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"data\":",
        true,
    )
    .await;
    let client = builder(&url)
        .body_timeout(Some(Duration::from_millis(200)))
        .build()
        .expect("client");
    let error = client
        .send(ListProjectsRequest::new())
        .await
        .expect_err("stalled");
    assert!(matches!(
        error,
        Error::Timeout {
            kind: TimeoutKind::BodyRead,
            ..
        }
    ));
    assert!(error.is_retryable());
}

/// A `list.projects` page of about 10 MB.
fn ten_megabytes() -> String {
    let description = "x".repeat(1000);
    let projects: Vec<Value> = (0..10_000)
        .map(|index| {
            let mut project = project(&format!("p{index}"));
            project["description"] = json!(description);
            project
        })
        .collect();
    json!({ "data": { "projects": projects } }).to_string()
}

#[tokio::test]
async fn a_ten_megabyte_body_is_read_or_refused_by_the_configured_limit() {
    let body = ten_megabytes();
    assert!(body.len() > 10_000_000);
    let server = TestServer::start(move |_, _| {
        Reply::status(200)
            .header("content-type", "application/json")
            .body(body.clone())
    })
    .await;

    let response = client(&server.url())
        .send(ListProjectsRequest::new())
        .await
        .expect("within the default limit");
    assert_eq!(
        response.data().map(|data| data.projects.len()),
        Some(10_000)
    );

    let limited = builder(&server.url())
        .max_body_size(1024 * 1024)
        .build()
        .expect("client");
    let error = limited
        .send(ListProjectsRequest::new())
        .await
        .expect_err("over the limit");
    assert!(matches!(
        error,
        Error::BodyTooLarge {
            limit: 1_048_576,
            ..
        }
    ));
    assert_eq!(error.to_string(), "response body exceeds 1048576 bytes");
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = TestServer::start(|_, _| Reply::status(200)).await;
    let client = client(&server.url());
    let error = client
        .send(DeleteProjectRequest::new(""))
        .await
        .expect_err("an empty path value");
    assert!(matches!(
        error,
        Error::Build {
            operation: "delete.project",
            ..
        }
    ));
    let error = client
        .call("list.nothing", json!({}), json!({}), None)
        .await
        .expect_err("an unknown operation");
    assert!(matches!(error, Error::Build { .. }));
    let error = client
        .call(
            "list.projects",
            json!({}),
            json!({ "per_page": "many" }),
            None,
        )
        .await
        .expect_err("a value of the wrong type");
    assert!(matches!(error, Error::Build { .. }));
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn configuration_problems_are_config_errors() {
    assert!(matches!(
        nf_client::ApiClient::builder().token("").build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        nf_client::ApiClient::builder()
            .token(TOKEN)
            .base_url("ftp://example.com")
            .build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        nf_client::ApiClient::builder()
            .token(TOKEN)
            .user_agent_suffix("bad\nsuffix")
            .build(),
        Err(Error::Config { .. })
    ));
}
