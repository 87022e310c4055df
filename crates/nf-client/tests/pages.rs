//! Pagination over loopback HTTP: one page, the next page, streams and `all()`.

mod support;

use futures_util::StreamExt;
use nf_client::{Error, ErrorStyle};
use nf_types::projects::ListProjectsRequest;
use serde_json::json;
use support::{Reply, TestServer, builder, client, page, paging_server};

const THREE_PAGES: &[&[&str]] = &[&["p1", "p2"], &["p3", "p4"], &["p5"]];

#[tokio::test]
async fn send_fetches_one_page_and_next_page_walks_to_the_end() {
    let server = paging_server(THREE_PAGES).await;
    let client = client(&server.url());

    let first = client
        .call_typed(ListProjectsRequest::new().with_per_page(2))
        .send()
        .await
        .expect("first page");
    assert_eq!(server.count(), 1, "send fetches one page only");
    let pagination = first.pagination.clone().expect("pagination");
    assert!(pagination.has_next_page);
    assert_eq!(pagination.cursor.as_deref(), Some("c1"));
    assert_eq!(pagination.count, Some(2));
    assert!(first.has_next_page());
    let ids = |response: &nf_client::ApiResponse<nf_types::projects::ListProjectsResponse>| {
        response
            .data()
            .expect("data")
            .projects
            .iter()
            .map(|project| project.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ["p1", "p2"]);

    let second = first
        .next_page()
        .await
        .expect("call")
        .expect("a second page");
    assert_eq!(ids(&second), ["p3", "p4"]);
    let third = second
        .next_page()
        .await
        .expect("call")
        .expect("a third page");
    assert_eq!(ids(&third), ["p5"]);
    assert!(!third.has_next_page());
    assert!(third.next_page().await.expect("call").is_none());
    assert_eq!(server.count(), 3, "the end of pagination sends nothing");

    // The next pages repeat the request with the cursor, keeping its other options.
    let targets: Vec<String> = server.received().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1/projects?per_page=2",
            "/v1/projects?per_page=2&cursor=c1",
            "/v1/projects?per_page=2&cursor=c2",
        ]
    );
}

#[tokio::test]
async fn a_page_without_a_cursor_or_with_has_next_page_false_is_the_last() {
    let bodies = [
        json!({ "data": { "projects": [] }, "pagination": { "hasNextPage": true } }),
        json!({ "data": { "projects": [] }, "pagination": { "hasNextPage": false, "cursor": "c" } }),
        json!({ "data": { "projects": [] }, "pagination": { "hasNextPage": true, "cursor": null } }),
        json!({ "data": { "projects": [] } }),
    ];
    for body in bodies {
        let reply = Reply::json(200, &body);
        let server = TestServer::start(move |_, _| reply.clone()).await;
        let client = client(&server.url());
        let response = client.send(ListProjectsRequest::new()).await.expect("page");
        assert!(!response.has_next_page(), "{body}");
        assert!(
            response.next_page().await.expect("call").is_none(),
            "{body}"
        );
        let items: Vec<_> = client
            .call_typed(ListProjectsRequest::new())
            .stream()
            .collect()
            .await;
        assert!(items.is_empty(), "{body}");
        assert_eq!(
            server.count(),
            2,
            "one request each for send and stream: {body}"
        );
    }
}

#[tokio::test]
async fn a_cursor_pointing_at_the_same_page_ends_pagination() {
    let server = TestServer::start(|_, _| Reply::json(200, &page(&["p1"], Some("same")))).await;
    let client = client(&server.url());
    let items: Vec<_> = client
        .call_typed(ListProjectsRequest::new())
        .stream()
        .collect()
        .await;
    assert_eq!(
        items.len(),
        2,
        "the first page, then the page of cursor `same`, once"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn stream_fetches_pages_only_when_polled_past_the_current_one() {
    let server = paging_server(THREE_PAGES).await;
    let client = client(&server.url());
    let mut stream = client.call_typed(ListProjectsRequest::new()).stream();
    assert_eq!(
        server.count(),
        0,
        "nothing is sent before the stream is polled"
    );

    let mut seen = Vec::new();
    let mut requests_at_item = Vec::new();
    while let Some(item) = stream.next().await {
        seen.push(item.expect("item").id);
        requests_at_item.push(server.count());
    }
    assert_eq!(seen, ["p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(requests_at_item, [1, 1, 2, 2, 3]);
}

#[tokio::test]
async fn all_merges_every_page_under_the_list_member() {
    let server = paging_server(THREE_PAGES).await;
    let client = client(&server.url());
    let all = client
        .call_typed(ListProjectsRequest::new().with_team_id("my-team"))
        .all()
        .await
        .expect("all pages");
    let ids: Vec<_> = all
        .data()
        .expect("data")
        .projects
        .iter()
        .map(|project| project.id.clone())
        .collect();
    assert_eq!(ids, ["p1", "p2", "p3", "p4", "p5"]);
    let pagination = all.pagination.clone().expect("pagination");
    assert!(!pagination.has_next_page);
    assert_eq!(pagination.count, Some(5));
    assert!(all.next_page().await.expect("call").is_none());
    assert_eq!(
        all.request.url,
        format!("{}/v1/teams/my-team/projects", server.url())
    );
    assert_eq!(
        all.rate_limit.remaining,
        Some(998),
        "the last page's rate limit"
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_stream_error_comes_after_the_items_already_yielded_then_the_stream_ends() {
    let server = TestServer::start(|_, received| match received.query("cursor") {
        None => Reply::json(200, &page(&["p1", "p2"], Some("c1"))),
        Some(_) => Reply::json(
            500,
            &json!({ "error": { "message": "boom", "id": "internal" } }),
        ),
    })
    .await;
    for style in [ErrorStyle::Error, ErrorStyle::Response] {
        let client = builder(&server.url())
            .error_style(style)
            .build()
            .expect("client");
        let items: Vec<Result<_, Error>> = client
            .call_typed(ListProjectsRequest::new())
            .stream()
            .collect()
            .await;
        assert_eq!(items.len(), 3, "{style:?}");
        assert_eq!(items[0].as_ref().expect("item").id, "p1");
        assert_eq!(items[1].as_ref().expect("item").id, "p2");
        let error = items[2].as_ref().expect_err("an error last");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
        assert_eq!(error.api_error().map(|e| e.message.as_str()), Some("boom"));
    }
}

#[tokio::test]
async fn all_returns_the_first_error() {
    let server = TestServer::start(|index, _| match index {
        0 => Reply::json(200, &page(&["p1"], Some("c1"))),
        _ => Reply::json(404, &json!({ "error": { "message": "gone" } })),
    })
    .await;
    let client = client(&server.url());
    let error = client
        .call_typed(ListProjectsRequest::new())
        .all()
        .await
        .expect_err("the second page fails");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));

    // In the response style the failing page comes back as a response.
    let client = builder(&server.url())
        .error_style(ErrorStyle::Response)
        .build()
        .expect("client");
    let response = client
        .call_typed(ListProjectsRequest::new())
        .all()
        .await
        .expect("a response");
    assert!(response.data().is_none());
    assert_eq!(response.error().map(|e| e.status.as_u16()), Some(404));
}

#[tokio::test]
async fn dynamic_calls_page_like_typed_calls() {
    let server = paging_server(THREE_PAGES).await;
    let client = client(&server.url());
    let mut page = client
        .call("list.projects", json!({}), json!({ "per_page": 2 }), None)
        .await
        .expect("first page");
    let mut ids = Vec::new();
    loop {
        for project in page.data().expect("data")["projects"]
            .as_array()
            .expect("array")
        {
            ids.push(project["id"].as_str().expect("id").to_owned());
        }
        match page.next_page().await.expect("call") {
            Some(next) => page = next,
            None => break,
        }
    }
    assert_eq!(ids, ["p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(
        server.received()[1].target,
        "/v1/projects?per_page=2&cursor=c1"
    );
}

#[tokio::test]
async fn all_merges_a_list_nested_two_members_deep() {
    // `list.externalAddons` holds its list at `data.externalAddons` inside the data.
    let addon = |name: &str| json!({ "name": name, "unknownMember": true });
    let server = TestServer::start(move |_, received| {
        let (names, pagination) = match received.query("cursor").as_deref() {
            None => (
                vec![addon("a1"), addon("a2")],
                json!({ "hasNextPage": true, "cursor": "c1", "count": 2 }),
            ),
            _ => (
                vec![addon("a3")],
                json!({ "hasNextPage": false, "count": 1 }),
            ),
        };
        Reply::json(
            200,
            &json!({
                "data": { "data": {
                    "externalAddons": names,
                    "pagination": { "page": 1, "perPage": 2, "total": 3 },
                } },
                "pagination": pagination,
            }),
        )
    })
    .await;
    let client = client(&server.url());

    let all = client
        .list()
        .external_addons("project-1")
        .all()
        .await
        .expect("every page");
    assert_eq!(all.pagination.as_ref().and_then(|page| page.count), Some(3));
    let names: Vec<_> = all
        .into_data()
        .expect("data")
        .data
        .external_addons
        .into_iter()
        .map(|addon| addon.name)
        .collect();
    assert_eq!(names, ["a1", "a2", "a3"]);

    let streamed: Vec<_> = client
        .list()
        .external_addons("project-1")
        .stream()
        .map(|addon| addon.expect("an addon").name)
        .collect()
        .await;
    assert_eq!(streamed, ["a1", "a2", "a3"]);
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn a_page_without_its_list_is_a_typed_error() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, &json!({ "data": { "data": {} }, "pagination": null }))
    })
    .await;
    let client = client(&server.url());
    let error = client
        .list()
        .external_addons("project-1")
        .all()
        .await
        .expect_err("no list");
    let Error::Decode { source, .. } = error else {
        panic!("expected a decode error");
    };
    assert_eq!(
        source.to_string(),
        "the page has no `data.externalAddons` array"
    );
}
