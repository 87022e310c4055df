//! Rust source of `src/generated/operations.rs` and `src/generated/mod.rs`.

use std::fmt::Write as _;

use super::HEADER;
use super::emit::literal;
use super::meta::{BodyKind, Kind, OperationMeta, method_name};
use super::names;

/// The source of `src/generated/operations.rs`: one static per operation and the sorted list.
pub(crate) fn registry_module(metas: &[OperationMeta<'_>]) -> String {
    let mut source = String::new();
    out!(source, "{HEADER}");
    out!(
        source,
        "//! The registry's data: one static per operation, and all of them sorted by id."
    );
    out!(source);
    out!(source, "use http::Method;");
    out!(source);
    out!(
        source,
        "use crate::registry::{{BodyKind, OperationInfo, ParamInfo, QueryInfo, RouteInfo, ValueKind}};"
    );
    out!(source);
    out!(source, "/// Every operation, sorted by id.");
    out!(
        source,
        "pub(crate) static OPERATIONS: &[&OperationInfo] = &["
    );
    for meta in metas {
        out!(source, "&{},", names::screaming(&meta.op.id));
    }
    out!(source, "];");
    for meta in metas {
        let op = meta.op;
        out!(source);
        out!(source, "/// `{}`.", op.id);
        out!(
            source,
            "pub(crate) static {}: OperationInfo = OperationInfo {{",
            names::screaming(&op.id)
        );
        out!(source, "id: {},", literal(&op.id));
        out!(source, "group: {},", literal(meta.group));
        out!(source, "method: Method::{},", method_name(op.method));
        out!(source, "routes: &[");
        for route in &op.routes {
            let params: Vec<String> = route.params.iter().map(|param| literal(param)).collect();
            out!(
                source,
                "RouteInfo {{ path: {}, params: &[{}] }},",
                literal(&route.path),
                params.join(", ")
            );
        }
        out!(source, "],");
        out!(source, "path_params: &[");
        for param in &meta.path_params {
            out!(
                source,
                "ParamInfo {{ name: {}, kind: {}, required: {} }},",
                literal(&param.name),
                kind_source(&param.kind),
                param.required
            );
        }
        out!(source, "],");
        out!(source, "query: &[");
        for option in &meta.query {
            out!(
                source,
                "QueryInfo {{ name: {}, kind: {}, required: {} }},",
                literal(&option.name),
                kind_source(&option.kind),
                option.required
            );
        }
        out!(source, "],");
        let body = match meta.body {
            BodyKind::None => "None",
            BodyKind::Optional => "Optional",
            BodyKind::Required => "Required",
        };
        out!(source, "body: BodyKind::{body},");
        out!(source, "paginated: {},", op.paginated);
        out!(
            source,
            "items_key: {},",
            option_source(meta.items.as_ref().and_then(|items| items.key()))
        );
        let path = meta.items.as_ref().map(|items| {
            let members: Vec<String> = items.path.iter().map(|name| literal(name)).collect();
            format!("&[{}]", members.join(", "))
        });
        out!(
            source,
            "items_path: {},",
            path.map_or_else(|| "None".to_owned(), |path| format!("Some({path})"))
        );
        out!(
            source,
            "permission: {},",
            option_source(op.permission.as_deref())
        );
        out!(source, "}};");
    }
    source
}

fn option_source(value: Option<&str>) -> String {
    value.map_or_else(
        || "None".to_owned(),
        |value| format!("Some({})", literal(value)),
    )
}

fn kind_source(kind: &Kind) -> String {
    match kind {
        Kind::String => "ValueKind::String".to_owned(),
        Kind::Enum(values) => {
            let values: Vec<String> = values.iter().map(|value| literal(value)).collect();
            format!("ValueKind::Enum(&[{}])", values.join(", "))
        }
        Kind::Integer => "ValueKind::Integer".to_owned(),
        Kind::Number => "ValueKind::Number".to_owned(),
        Kind::Boolean => "ValueKind::Boolean".to_owned(),
        Kind::Array(item) => format!("ValueKind::Array(&{})", kind_source(item)),
        Kind::Any => "ValueKind::Any".to_owned(),
    }
}

/// The source of `src/generated/mod.rs`: the registry and one module per group.
pub(crate) fn mod_module(groups: &[&str]) -> String {
    let mut source = String::new();
    out!(source, "{HEADER}");
    out!(
        source,
        "//! The generated part of the crate: the registry's data and one module per API group."
    );
    out!(source);
    out!(source, "pub(crate) mod operations;");
    for group in groups {
        out!(source);
        out!(source, "#[cfg(feature = {})]", literal(group));
        out!(source, "pub mod {group};");
    }
    source
}
