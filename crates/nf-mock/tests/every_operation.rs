//! Every operation of the registry answers 2xx on its first route, given valid-looking path
//! parameters, required query options and a body made from its body schema, and the
//! emulator routes each request to that very operation.

mod support;

use nf_types::registry;
use support::{arguments, call, order, seeded_server};

#[tokio::test]
async fn every_operation_answers_on_its_first_route() {
    let server = seeded_server().await;

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
