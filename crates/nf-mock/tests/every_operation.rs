//! Every operation of the registry answers 2xx on its first route, given valid-looking path
//! parameters, required query options and a body made from its body schema, and the
//! emulator routes each request to that very operation.

mod support;

use std::time::Duration;

use nf_mock::{MockConfig, ResourceKind};
use nf_types::registry::{self, BodyKind, OperationInfo, ValueKind};
use serde_json::{Map, Value, json};
use support::{call, server_with};

/// The id every path parameter names, and of every seeded resource.
const ID: &str = "example";

/// A value of this kind.
fn value(kind: &ValueKind) -> Value {
    match kind {
        ValueKind::Enum(values) => json!(values.first().copied().unwrap_or(ID)),
        ValueKind::Integer | ValueKind::Number => json!(1),
        ValueKind::Boolean => json!(false),
        ValueKind::Array(item) => json!([value(item)]),
        _ => json!(ID),
    }
}

/// The path parameters of the operation's first route, the required query options, and
/// the body.
fn arguments(info: &OperationInfo) -> (Value, Value, Option<Value>) {
    let mut params = Map::new();
    for name in info.routes[0].params {
        let kind = info
            .path_params
            .iter()
            .find(|param| param.name == *name)
            .map_or(&ValueKind::String, |param| &param.kind);
        let value = match (*name, kind) {
            ("teamId", _) => json!("acme"),
            (_, ValueKind::Integer | ValueKind::Number) => json!(1),
            _ => json!(ID),
        };
        params.insert((*name).to_owned(), value);
    }
    let mut options = Map::new();
    for option in info.query.iter().filter(|option| option.required) {
        options.insert(option.name.to_owned(), value(&option.kind));
    }
    let body = match info.body {
        BodyKind::None => None,
        _ => {
            let mut body = nf_mock::example_body(info.id).unwrap_or_else(|| json!({}));
            // Creations must not collide with the seeded resources or with each other.
            if let Some(name) = body.get_mut("name").filter(|name| name.is_string()) {
                *name = json!(info.id.replace('.', "-"));
            }
            Some(body)
        }
    };
    (Value::Object(params), Value::Object(options), body)
}

/// Deletions last, and the project's own deletion after everything inside it.
fn order(info: &OperationInfo) -> u8 {
    match (info.method == http::Method::DELETE, info.id) {
        (false, _) => 0,
        (true, "delete.project") => 2,
        (true, _) => 1,
    }
}

#[tokio::test]
async fn every_operation_answers_on_its_first_route() {
    let config = MockConfig::new().rate_limit(100_000, Duration::from_secs(3600));
    let server = server_with(config).await;
    server
        .seed(ResourceKind::Project, None, json!({"name": ID}))
        .unwrap();
    for kind in ResourceKind::ALL.into_iter().skip(1) {
        server.seed(kind, Some(ID), json!({"name": ID})).unwrap();
    }

    let mut operations: Vec<_> = registry::operations().to_vec();
    operations.sort_by_key(|info| order(info));
    let mut failures = Vec::new();
    for info in &operations {
        let (params, options, body) = arguments(info);
        let parts = match registry::build(info.id, &params, &options, body.as_ref()) {
            Ok(parts) => parts,
            Err(error) => {
                failures.push(format!("{}: cannot build the request: {error}", info.id));
                continue;
            }
        };
        assert_eq!(
            parts.route, info.routes[0].path,
            "{} takes its first route",
            info.id
        );

        let mut request = call(&server, parts.method.clone(), &parts.path_and_query());
        if let Some(bytes) = parts.body.clone() {
            request = request.raw(bytes);
        }
        let reply = request.send().await;
        let routed = server.journal().last().and_then(|entry| entry.operation);
        let text = String::from_utf8_lossy(&reply.body);
        if !reply.status.is_success() {
            failures.push(format!(
                "{} {}: {} {text}",
                info.id, parts.path, reply.status
            ));
        } else if routed != Some(info.id) {
            failures.push(format!("{} {}: routed to {routed:?}", info.id, parts.path));
        } else {
            let body = reply.json();
            assert!(body.get("data").is_some(), "{}: {text}", info.id);
            assert_eq!(
                body.get("pagination").is_some(),
                info.paginated,
                "{}",
                info.id
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} operations failed:\n{}",
        failures.len(),
        operations.len(),
        failures.join("\n")
    );
    assert_eq!(server.journal().len(), operations.len());
}
