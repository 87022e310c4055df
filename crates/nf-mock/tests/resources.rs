//! Stateful resources: create, list, get, patch, put and delete of projects and of services
//! inside them, 409 for duplicates, 404 for missing resources, and answers that the typed
//! models of nf-types decode.

mod support;

use http::{Method, StatusCode};
use nf_mock::ResourceKind;
use nf_types::{Json, Operation};
use serde_json::{Value, json};
use support::{call, get, server};

/// Decodes `data` as the response model of operation `O`, failing the test with the reason.
#[track_caller]
fn decodes<O: Operation>(data: &Value) {
    if let Err(error) = O::Response::from_json(data.clone()) {
        panic!("{} answer does not decode: {error}\n{data:#}", O::ID);
    }
}

#[tokio::test]
async fn project_lifecycle() {
    use nf_types::projects::{
        CreateProjectRequest, GetProjectRequest, ListProjectsRequest, PatchProjectRequest,
        PutProjectRequest,
    };
    let server = server().await;

    let created = call(&server, Method::POST, "/v1/projects")
        .json(&json!({"name": "Demo Project", "description": "first", "color": "#ff0000"}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let data = created.data();
    assert_eq!(data["id"], "demo-project");
    assert_eq!(data["name"], "Demo Project");
    assert_eq!(data["description"], "first");
    assert!(
        data["createdAt"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    decodes::<CreateProjectRequest>(&data);

    let duplicate = call(&server, Method::POST, "/v1/teams/t/projects")
        .json(&json!({"name": "demo project"}))
        .send()
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.error_id(), "conflict");

    let fetched = get(&server, "/v1/projects/demo-project").await;
    assert_eq!(fetched.status, StatusCode::OK);
    let data = fetched.data();
    assert_eq!(data["description"], "first");
    assert_eq!(data["uid"], created.data()["uid"]);
    decodes::<GetProjectRequest>(&data);

    let patched = call(&server, Method::PATCH, "/v1/projects/demo-project")
        .json(&json!({"description": "second"}))
        .send()
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.data()["description"], "second");
    assert_eq!(
        patched.data()["color"],
        "#ff0000",
        "a patch keeps other members"
    );
    decodes::<PatchProjectRequest>(&patched.data());

    let put = call(&server, Method::PUT, "/v1/projects")
        .json(&json!({"name": "Demo Project", "description": "third"}))
        .send()
        .await;
    assert_eq!(put.status, StatusCode::OK);
    assert_eq!(put.data()["id"], "demo-project");
    assert!(put.data().get("color").is_none(), "a put replaces the body");
    decodes::<PutProjectRequest>(&put.data());
    let upserted = call(&server, Method::PUT, "/v1/projects")
        .json(&json!({"name": "other"}))
        .send()
        .await;
    assert_eq!(upserted.status, StatusCode::OK);

    let listed = get(&server, "/v1/projects").await;
    let projects = listed.data()["projects"].clone();
    let ids: Vec<_> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, [json!("demo-project"), json!("other")]);
    assert_eq!(listed.json()["pagination"]["count"], 2);
    decodes::<ListProjectsRequest>(&listed.data());

    let deleted = call(&server, Method::DELETE, "/v1/projects/demo-project")
        .send()
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let gone = get(&server, "/v1/projects/demo-project").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_id(), "not-found");
    let again = call(&server, Method::DELETE, "/v1/projects/demo-project")
        .send()
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let patch_gone = call(&server, Method::PATCH, "/v1/projects/demo-project")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(patch_gone.status, StatusCode::NOT_FOUND);
    assert_eq!(server.count(ResourceKind::Project, None), 1);
}

#[tokio::test]
async fn service_lifecycle_inside_a_project() {
    use nf_types::services::{
        CreateServiceDeploymentRequest, GetServiceRequest, ListServicesRequest,
        PatchServiceDeploymentRequest,
    };
    let server = server().await;
    server
        .seed(ResourceKind::Project, None, json!({"name": "shop"}))
        .unwrap();

    let body = nf_mock::example_body("create.service.deployment").unwrap();
    let mut body = body.as_object().unwrap().clone();
    body.insert("name".into(), json!("Web API"));
    body.insert("description".into(), json!("front"));
    let created = call(
        &server,
        Method::POST,
        "/v1/teams/acme/projects/shop/services/deployment",
    )
    .json(&Value::Object(body.clone()))
    .send()
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.json());
    let data = created.data();
    assert_eq!(data["id"], "web-api");
    assert_eq!(data["serviceType"], "deployment");
    assert_eq!(data["appId"], "/shop/web-api");
    decodes::<CreateServiceDeploymentRequest>(&data);

    let duplicate = call(
        &server,
        Method::POST,
        "/v1/projects/shop/services/deployment",
    )
    .json(&Value::Object(body.clone()))
    .send()
    .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let missing_project = call(
        &server,
        Method::POST,
        "/v1/projects/nowhere/services/deployment",
    )
    .json(&Value::Object(body))
    .send()
    .await;
    assert_eq!(missing_project.status, StatusCode::NOT_FOUND);
    assert!(
        missing_project.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nowhere")
    );

    let fetched = get(&server, "/v1/projects/shop/services/web-api").await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.data()["description"], "front");
    assert_eq!(fetched.data()["serviceType"], "deployment");
    decodes::<GetServiceRequest>(&fetched.data());

    let patched = call(
        &server,
        Method::PATCH,
        "/v1/projects/shop/services/deployment/web-api",
    )
    .json(&json!({"description": "back"}))
    .send()
    .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.data()["description"], "back");
    decodes::<PatchServiceDeploymentRequest>(&patched.data());

    let listed = get(&server, "/v1/projects/shop/services").await;
    assert_eq!(listed.data()["services"][0]["id"], "web-api");
    decodes::<ListServicesRequest>(&listed.data());

    assert_eq!(
        get(&server, "/v1/projects/shop/services/nothing")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let deleted = call(
        &server,
        Method::DELETE,
        "/v1/projects/shop/services/web-api",
    )
    .send()
    .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        get(&server, "/v1/projects/shop/services/web-api")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_a_project_deletes_what_it_holds() {
    let server = server().await;
    server
        .seed(ResourceKind::Project, None, json!({"name": "p"}))
        .unwrap();
    server
        .seed_many(ResourceKind::Secret, Some("p"), 3)
        .unwrap();
    assert_eq!(server.count(ResourceKind::Secret, Some("p")), 3);
    let secret = get(&server, "/v1/projects/p/secrets/secret-2").await;
    assert_eq!(secret.status, StatusCode::OK);
    decodes::<nf_types::secrets::GetSecretRequest>(&secret.data());

    call(&server, Method::DELETE, "/v1/projects/p").send().await;
    assert_eq!(server.count(ResourceKind::Secret, Some("p")), 0);
    server
        .seed(ResourceKind::Project, None, json!({"name": "p"}))
        .unwrap();
    assert_eq!(
        get(&server, "/v1/projects/p/secrets/secret-2").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn seeding_checks_scope_and_names() {
    let server = server().await;
    assert!(server.seed_many(ResourceKind::Job, None, 1).is_err());
    assert!(
        server
            .seed_many(ResourceKind::Job, Some("none"), 1)
            .is_err()
    );
    assert!(
        server
            .seed(ResourceKind::Project, None, json!({"color": "x"}))
            .is_err()
    );
    let record = server
        .seed(ResourceKind::Project, None, json!({"name": "Seeded!"}))
        .unwrap();
    assert_eq!(record["id"], "seeded");
    assert!(
        server
            .seed(ResourceKind::Project, None, json!({"name": "seeded"}))
            .is_err()
    );
    assert!(
        server
            .resource(ResourceKind::Project, None, "seeded")
            .is_some()
    );

    let jobs = server
        .seed_many(ResourceKind::Job, Some("seeded"), 2)
        .unwrap();
    let job = get(&server, &format!("/v1/projects/seeded/jobs/{}", jobs[1])).await;
    assert_eq!(job.status, StatusCode::OK);
    assert_eq!(job.data()["jobType"], "manual");
}
