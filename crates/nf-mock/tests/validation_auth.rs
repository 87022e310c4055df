//! Validation (400 with details naming the problem) and bearer-token authentication (401).

mod support;

use http::{Method, StatusCode};
use nf_mock::{MockConfig, MockServer};
use serde_json::{Value, json};
use support::{call, get, server};

/// The `path` of every problem in a 400 answer's details.
fn problem_paths(reply: &support::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.json());
    assert_eq!(reply.error_id(), "validation-error");
    reply.json()["error"]["details"]
        .as_array()
        .expect("details list the problems")
        .iter()
        .map(|problem| {
            assert!(
                problem["message"]
                    .as_str()
                    .is_some_and(|text| !text.is_empty())
            );
            problem["path"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn bodies_that_are_not_json_are_refused() {
    let server = server().await;
    let reply = call(&server, Method::POST, "/v1/projects")
        .raw("{\"name\": ")
        .send()
        .await;
    assert_eq!(problem_paths(&reply), ["body"]);
    let message = reply.json()["error"]["details"][0]["message"].clone();
    assert!(message.as_str().unwrap().contains("not JSON"), "{message}");
    assert_eq!(server.count(nf_mock::ResourceKind::Project, None), 0);
}

#[tokio::test]
async fn missing_and_mistyped_members_are_named() {
    let server = server().await;
    let reply = call(&server, Method::POST, "/v1/projects")
        .json(&json!({"description": 5}))
        .send()
        .await;
    let paths = problem_paths(&reply);
    assert!(paths.contains(&"body.name".to_owned()), "{paths:?}");
    assert!(paths.contains(&"body.description".to_owned()), "{paths:?}");

    server
        .seed(nf_mock::ResourceKind::Project, None, json!({"name": "p"}))
        .unwrap();
    let mut body = nf_mock::example_body("create.service.deployment").unwrap();
    body["name"] = json!("svc");
    body["billing"] = json!({"deploymentPlan": 7});
    let nested = call(&server, Method::POST, "/v1/projects/p/services/deployment")
        .json(&body)
        .send()
        .await;
    assert_eq!(problem_paths(&nested), ["body.billing.deploymentPlan"]);

    let not_object = call(&server, Method::PATCH, "/v1/projects/p")
        .json(&json!([1]))
        .send()
        .await;
    assert_eq!(problem_paths(&not_object), ["body"]);
}

#[tokio::test]
async fn a_required_body_must_be_sent() {
    let server = server().await;
    let reply = call(&server, Method::POST, "/v1/projects").send().await;
    assert_eq!(problem_paths(&reply), ["body"]);
    assert_eq!(
        reply.json()["error"]["details"][0]["message"],
        "is required"
    );
}

#[tokio::test]
async fn a_valid_example_body_is_accepted() {
    let server = server().await;
    let body: Value = nf_mock::example_body("create.project").unwrap();
    let reply = call(&server, Method::POST, "/v1/projects")
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
}

#[tokio::test]
async fn requests_without_an_accepted_token_get_401() {
    let server = server().await;
    for token in [None, Some("wrong"), Some(" ")] {
        let reply = call(&server, Method::GET, "/v1/projects")
            .token(token)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(reply.error_id(), "unauthorized");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }
    let basic = call(&server, Method::GET, "/v1/projects")
        .token(None)
        .header("authorization", "Basic dGVzdC10b2tlbg==")
        .send()
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    // Authentication comes before routing: an unknown route is not revealed.
    let hidden = call(&server, Method::GET, "/v1/nothing")
        .token(None)
        .send()
        .await;
    assert_eq!(hidden.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn several_tokens_or_any_token() {
    let config = MockConfig::new().tokens(["a", "b"]);
    let server = MockServer::start(config).await.unwrap();
    for (token, status) in [("a", 200), ("b", 200), ("c", 401)] {
        let reply = call(&server, Method::GET, "/v1/projects")
            .token(Some(token))
            .send()
            .await;
        assert_eq!(reply.status.as_u16(), status, "{token}");
    }

    let open = MockServer::start(MockConfig::new()).await.unwrap();
    let any = call(&open, Method::GET, "/v1/projects")
        .token(Some("whatever"))
        .send()
        .await;
    assert_eq!(any.status, StatusCode::OK);
    let none = call(&open, Method::GET, "/v1/projects")
        .token(None)
        .send()
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&open, "/v1/projects").await.status, StatusCode::OK);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let config = MockConfig::new().max_body_bytes(64);
    let server = support::server_with(config).await;
    let body = json!({"name": "x".repeat(100)});
    let reply = call(&server, Method::POST, "/v1/projects")
        .json(&body)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_id(), "payload-too-large");
}
