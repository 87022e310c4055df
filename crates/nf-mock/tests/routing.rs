//! Routing: every answer's envelope, 404 and 405, literal and parameter segments, team
//! routes, HTTP/2 and keep-alive.

mod support;

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use support::{call, get, server};

#[tokio::test]
async fn known_routes_answer_200_with_the_data_envelope() {
    let server = server().await;
    let reply = get(&server, "/v1/projects").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body = reply.json();
    assert_eq!(body["data"]["projects"], serde_json::json!([]));
    assert_eq!(body["pagination"]["hasNextPage"], false);
    assert_eq!(body["pagination"]["count"], 0);
    assert!(body.get("error").is_none());

    let team = get(&server, "/v1/teams/my%20team/projects").await;
    assert_eq!(team.status, StatusCode::OK);
    let entries = server.journal().entries();
    assert_eq!(entries[1].operation, Some("list.projects"));
    assert_eq!(entries[1].path, "/v1/teams/my%20team/projects");
}

#[tokio::test]
async fn unknown_routes_answer_404_in_the_error_envelope() {
    let server = server().await;
    for target in [
        "/v1/nothing",
        "/",
        "/v1/projects/",
        "/v2/projects",
        "/v1/projects//services",
    ] {
        let reply = get(&server, target).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{target}");
        let error = &reply.json()["error"];
        assert_eq!(error["status"], 404);
        assert_eq!(error["id"], "route-not-found");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|text| !text.is_empty())
        );
        assert_eq!(server.journal().last().unwrap().operation, None);
    }
}

#[tokio::test]
async fn known_paths_with_another_method_answer_405_with_allow() {
    let server = server().await;
    let reply = call(&server, Method::PATCH, "/v1/projects").send().await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.error_id(), "method-not-allowed");
    let allow = reply.header("allow").unwrap();
    for method in ["GET", "POST", "PUT"] {
        assert!(allow.contains(method), "{allow}");
    }
    assert!(!allow.contains("PATCH"));
}

#[tokio::test]
async fn literal_segments_win_and_parameters_catch_the_rest() {
    let server = server().await;
    let operation = |target: &'static str, method: Method| {
        let server = &server;
        async move {
            call(server, method, target).send().await;
            server.journal().last().unwrap().operation
        }
    };
    assert_eq!(
        operation("/v1/billing/invoices/details", Method::GET).await,
        Some("get.invoice.details")
    );
    assert_eq!(
        operation("/v1/billing/invoices/inv-1", Method::GET).await,
        Some("get.invoice")
    );
    // `services/build` is a literal for POST and PUT only; GET reads a service named build.
    assert_eq!(
        operation("/v1/projects/p/services/build", Method::GET).await,
        Some("get.service")
    );
    assert_eq!(
        operation("/v1/projects/p/services/build", Method::PUT).await,
        Some("put.service.build")
    );
    // An encoded slash stays inside its segment.
    assert_eq!(
        operation("/v1/projects/a%2Fb", Method::GET).await,
        Some("get.project")
    );
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let server = server().await;
    let reply = call(&server, Method::GET, "/v1/projects").send_h2().await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.number("x-ratelimit-limit"), 1000);
    assert_eq!(
        server.journal().last().unwrap().operation,
        Some("list.projects")
    );
}

#[tokio::test]
async fn one_connection_serves_many_requests() {
    let server = server().await;
    let stream = tokio::net::TcpStream::connect(server.address())
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    for _ in 0..20 {
        sender.ready().await.unwrap();
        let request = http::Request::get(format!("{}/v1/projects", server.base_url()))
            .header("authorization", format!("Bearer {}", support::TOKEN))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.into_body().collect().await.unwrap();
    }
    assert_eq!(server.journal().len(), 20);
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let server = server().await;
    let address = server.address();
    assert_eq!(get(&server, "/v1/projects").await.status, StatusCode::OK);
    server.shutdown().await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = server().await;
    let address = server.address();
    drop(server);
    // The accept loop notices the drop on its next poll.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("still listening after drop");
}
