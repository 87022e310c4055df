//! Cursor pagination: walking every page, page sizes, forged and foreign cursors.

mod support;

use std::collections::HashSet;

use http::StatusCode;
use nf_mock::{MockConfig, ResourceKind};
use serde_json::{Value, json};
use support::{get, server, server_with};

/// Every id of `path`, page by page, checking each page's pagination record.
/// `key` names the member holding the items, or `None` when `data` is the array itself.
async fn walk(
    server: &nf_mock::MockServer,
    path: &str,
    per_page: usize,
    key: Option<&str>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let target = match &cursor {
            Some(cursor) => format!("{path}?per_page={per_page}&cursor={cursor}"),
            None => format!("{path}?per_page={per_page}"),
        };
        let reply = get(server, &target).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        let body = reply.json();
        let data = &body["data"];
        let items = key
            .map_or(data, |key| &data[key])
            .as_array()
            .unwrap()
            .clone();
        let pagination = &body["pagination"];
        assert_eq!(pagination["count"], items.len());
        ids.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        match pagination.get("cursor") {
            Some(Value::String(next)) => {
                assert_eq!(pagination["hasNextPage"], true);
                assert_eq!(items.len(), per_page, "only the last page is short");
                cursor = Some(next.clone());
            }
            _ => {
                assert_eq!(pagination["hasNextPage"], false);
                break;
            }
        }
        assert!(pages < 1000, "pagination does not end");
    }
    ids
}

#[tokio::test]
async fn walking_230_projects_seven_at_a_time_sees_each_once() {
    let server = server().await;
    let seeded = server.seed_projects(230);
    let ids = walk(&server, "/v1/projects", 7, Some("projects")).await;
    assert_eq!(ids.len(), 230);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 230, "no repeats");
    assert_eq!(ids, seeded, "creation order");
}

#[tokio::test]
async fn items_inside_a_project_page_too() {
    let server = server().await;
    server
        .seed(ResourceKind::Project, None, json!({"name": "p"}))
        .unwrap();
    let seeded = server
        .seed_many(ResourceKind::Secret, Some("p"), 25)
        .unwrap();
    let ids = walk(
        &server,
        "/v1/teams/t/projects/p/secrets",
        10,
        Some("secrets"),
    )
    .await;
    assert_eq!(ids, seeded);
    // `list.volumes` answers the bare array of the page's volumes.
    let seeded = server
        .seed_many(ResourceKind::Volume, Some("p"), 12)
        .unwrap();
    let ids = walk(&server, "/v1/teams/t/projects/p/volumes", 5, None).await;
    assert_eq!(ids, seeded);
}

#[tokio::test]
async fn changes_between_pages_neither_repeat_nor_hide_items() {
    let server = server().await;
    server.seed_projects(10);
    let first = get(&server, "/v1/projects?per_page=4").await.json();
    let cursor = first["pagination"]["cursor"].as_str().unwrap().to_owned();
    // Deleting a seen item and adding a new one must not shift the next page.
    support::call(&server, http::Method::DELETE, "/v1/projects/project-2")
        .send()
        .await;
    server
        .seed(ResourceKind::Project, None, json!({"name": "late"}))
        .unwrap();
    let second = get(&server, &format!("/v1/projects?per_page=4&cursor={cursor}"))
        .await
        .json();
    let ids: Vec<_> = second["data"]["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [
            json!("project-5"),
            json!("project-6"),
            json!("project-7"),
            json!("project-8")
        ]
    );
}

#[tokio::test]
async fn page_sizes_default_to_50_and_stop_at_100() {
    let server = server().await;
    server.seed_projects(120);
    let default = get(&server, "/v1/projects").await.json();
    assert_eq!(default["pagination"]["count"], 50);
    let largest = get(&server, "/v1/projects?per_page=100").await.json();
    assert_eq!(largest["pagination"]["count"], 100);
    for bad in ["101", "0", "-1", "ten"] {
        let reply = get(&server, &format!("/v1/projects?per_page={bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "per_page={bad}");
        assert_eq!(
            reply.json()["error"]["details"][0]["path"],
            "query.per_page"
        );
    }
    let second = get(&server, "/v1/projects?per_page=30&page=2").await.json();
    assert_eq!(second["data"]["projects"][0]["id"], "project-31");

    let small = server_with(MockConfig::new().page_size(5, 8)).await;
    small.seed_projects(9);
    assert_eq!(
        get(&small, "/v1/projects").await.json()["pagination"]["count"],
        5
    );
    assert_eq!(
        get(&small, "/v1/projects?per_page=9").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn cursors_cannot_be_forged_or_reused_elsewhere() {
    let server = server().await;
    server.seed_projects(3);
    server
        .seed_many(ResourceKind::Secret, Some("project-1"), 3)
        .unwrap();
    let page = get(&server, "/v1/projects?per_page=1").await.json();
    let cursor = page["pagination"]["cursor"].as_str().unwrap().to_owned();

    let foreign = get(
        &server,
        &format!("/v1/projects/project-1/secrets?cursor={cursor}"),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        foreign.json()["error"]["details"][0]["path"],
        "query.cursor"
    );

    let mut edited = cursor.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    for bad in [edited.as_str(), "garbage", "AAAAAAAAAAAAAAAAAAAAAA"] {
        let reply = get(&server, &format!("/v1/projects?cursor={bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    let other_server = support::server().await;
    other_server.seed_projects(3);
    let elsewhere = get(
        &other_server,
        &format!("/v1/projects?per_page=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
}
