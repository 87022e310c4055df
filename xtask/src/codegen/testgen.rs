//! Rust source of the generated tests of `nf-types`: every operation built through its typed
//! request and through the registry, and every body and response model decoded from samples.
//!
//! The expected paths and queries are encoded here, independently of `nf-types`, so a
//! mistake in the crate's encoder shows up as a difference.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::HEADER;
use super::meta::{BodyKind, OperationMeta, method_name};
use super::names;
use super::samples::{Flavour, sample};
use super::ty::Ty;
use super::types::{Group, Request, RequestField, RustTy};

/// The value of the one path parameter per operation that exercises encoding.
const AWKWARD_SEGMENT: &str = "a/b?c#d%e f";

/// The value of every string query option.
const AWKWARD_QUERY: &str = "a b&c=d+e#f%g/h";

/// The source of `tests/generated_requests.rs`.
pub(crate) fn requests_test(groups: &[Group<'_>]) -> String {
    let mut source = String::new();
    out!(source, "{HEADER}");
    out!(
        source,
        "//! Every operation built through its typed request and through the registry from the"
    );
    out!(
        source,
        "//! same values: both must give the expected method, route, path and query, and identical"
    );
    out!(source, "//! bytes.");
    out!(source);
    out!(
        source,
        "#![allow(unused_imports, reason = \"a build with few group features uses few of them\")]"
    );
    out!(source);
    out!(source, "use nf_types::Operation;");
    out!(source, "use nf_types::*;");
    out!(source);
    out!(
        source,
        "/// Builds `typed` and the same request through the registry, and compares."
    );
    out!(source, "#[track_caller]");
    out!(
        source,
        "#[allow(dead_code, reason = \"a build without group features has no test using it\")]"
    );
    out!(
        source,
        "fn check<O: Operation>(typed: &O, parameters: &str, options: &str, data: Option<&str>, expected: [&str; 4]) {{"
    );
    out!(
        source,
        "let typed = typed.to_parts().expect(\"the typed request builds\");"
    );
    out!(
        source,
        "let parameters: serde_json::Value = serde_json::from_str(parameters).expect(\"parameters are JSON\");"
    );
    out!(
        source,
        "let options: serde_json::Value = serde_json::from_str(options).expect(\"options are JSON\");"
    );
    out!(
        source,
        "let data: Option<serde_json::Value> = data.map(|data| serde_json::from_str(data).expect(\"data is JSON\"));"
    );
    out!(
        source,
        "let dynamic = registry::build(O::ID, &parameters, &options, data.as_ref()).expect(\"the dynamic request builds\");"
    );
    out!(
        source,
        "assert_eq!(typed, dynamic, \"typed and dynamic requests of {{}} differ\", O::ID);"
    );
    out!(source, "let [method, route, path, query] = expected;");
    out!(source, "assert_eq!(typed.operation, O::ID);");
    out!(source, "assert_eq!(typed.method.as_str(), method);");
    out!(source, "assert_eq!(typed.route, route);");
    out!(source, "assert_eq!(typed.path, path);");
    out!(source, "assert_eq!(typed.query, query);");
    out!(
        source,
        "let expected_body = data.map(|data| data.to_string().into_bytes());"
    );
    out!(
        source,
        "assert_eq!(typed.body, expected_body, \"body of {{}}\", O::ID);"
    );
    out!(source, "}}");
    out!(source);
    out!(source, "/// Decodes a model from JSON text.");
    out!(
        source,
        "#[allow(dead_code, reason = \"a build without group features has no test using it\")]"
    );
    out!(source, "fn model<T: Json>(text: &str) -> T {{");
    out!(
        source,
        "json::from_slice(text.as_bytes()).expect(\"the sample decodes\")"
    );
    out!(source, "}}");
    out!(source);
    out!(source, "/// A JSON value from text.");
    out!(
        source,
        "#[allow(dead_code, reason = \"a build without group features has no test using it\")]"
    );
    out!(source, "fn value(text: &str) -> serde_json::Value {{");
    out!(
        source,
        "serde_json::from_str(text).expect(\"the sample is JSON\")"
    );
    out!(source, "}}");
    for group in groups {
        for request in &group.requests {
            out!(source);
            request_test(&mut source, group.name, request);
        }
    }
    source
}

/// The typed expression and the JSON value of a sample for one parameter or option.
struct SampleValue {
    rust: String,
    json: Value,
}

fn request_test(out: &mut String, group: &str, request: &Request<'_>) {
    let meta = request.meta;
    let most_specific = meta.op.routes.first();
    let awkward_param = most_specific.and_then(|route| {
        route.params.iter().rev().find(|name| {
            request
                .path_fields
                .iter()
                .any(|field| field.wire == **name && field.ty == RustTy::String)
        })
    });

    out!(out, "#[cfg(feature = {})]", super::emit::literal(group));
    out!(out, "#[test]");
    out!(out, "fn {}() {{", names::snake(&meta.op.id));

    // Every value set: the most specific route.
    let path_values: Vec<SampleValue> = request
        .path_fields
        .iter()
        .map(|field| {
            let awkward = awkward_param == Some(&field.wire);
            path_sample(field, awkward)
        })
        .collect();
    let query_values: Vec<SampleValue> = request
        .query_fields
        .iter()
        .zip(&meta.query)
        .map(|(field, option)| query_sample(group, field, &option.ty))
        .collect();
    let body = meta.body_ty.as_ref().map(|ty| sample(ty, Flavour::Full));
    emit_case(
        out,
        group,
        request,
        &path_values,
        &query_values,
        body.as_ref(),
        true,
    );

    // Only the required values: the least specific route the request can take.
    if meta.op.routes.len() > 1 || meta.query.iter().any(|option| !option.required) {
        let body = body.filter(|_| meta.body == BodyKind::Required);
        emit_case(
            out,
            group,
            request,
            &path_values,
            &query_values,
            body.as_ref(),
            false,
        );
    }
    out!(out, "}}");
}

fn emit_case(
    out: &mut String,
    group: &str,
    request: &Request<'_>,
    path_values: &[SampleValue],
    query_values: &[SampleValue],
    body: Option<&Value>,
    everything: bool,
) {
    let meta = request.meta;
    let set = |field: &RequestField| everything || field.required;

    let mut args = Vec::new();
    let mut setters = Vec::new();
    let mut parameters = Map::new();
    let mut options = Map::new();
    for (field, value) in request.path_fields.iter().zip(path_values) {
        if !set(field) {
            continue;
        }
        parameters.insert(field.wire.clone(), value.json.clone());
        if field.required {
            args.push(value.rust.clone());
        } else {
            setters.push(format!(".{}({})", field.setter(), value.rust));
        }
    }
    for (field, value) in request.query_fields.iter().zip(query_values) {
        if !set(field) {
            continue;
        }
        options.insert(field.wire.clone(), value.json.clone());
        if field.required {
            args.push(value.rust.clone());
        } else {
            setters.push(format!(".{}({})", field.setter(), value.rust));
        }
    }
    if let (Some(body), Some((_, ty))) = (body, &request.body) {
        // The minimal case reuses the body of the full one.
        if everything {
            out!(out, "let body = {};", raw_string(&body.to_string()));
        }
        let decoded = format!("model::<{group}::{}>(body)", ty.render());
        if meta.body == BodyKind::Required {
            args.push(decoded);
        } else {
            setters.push(format!(".with_body({decoded})"));
        }
    }
    let variable = if everything { "request" } else { "minimal" };
    out!(
        out,
        "let {variable} = {group}::{}::new({}){};",
        request.name,
        args.join(", "),
        setters.join("")
    );

    // The expected parts, computed here rather than by the crate.
    let is_set = |name: &str| {
        request
            .path_fields
            .iter()
            .any(|field| field.wire == name && set(field))
    };
    let Some(route) = meta
        .op
        .routes
        .iter()
        .find(|route| route.params.iter().all(|name| is_set(name)))
    else {
        return;
    };
    let path = fill(&route.path, |name| {
        parameters.get(name).map(json_text).unwrap_or_default()
    });
    let mut query = Vec::new();
    for (field, value) in request.query_fields.iter().zip(query_values) {
        if !set(field) {
            continue;
        }
        let texts = match &value.json {
            Value::Array(items) => items.iter().map(json_text).collect(),
            other => vec![json_text(other)],
        };
        for text in texts {
            query.push(format!(
                "{}={}",
                encode(&field.wire, QUERY_RAW),
                encode(&text, QUERY_RAW)
            ));
        }
    }
    let expected = [
        method_name(meta.op.method).to_owned(),
        route.path.clone(),
        path,
        query.join("&"),
    ]
    .map(|text| super::emit::literal(&text));
    out!(
        out,
        "check(&{variable}, {}, {}, {}, [{}]);",
        raw_string(&Value::Object(parameters).to_string()),
        raw_string(&Value::Object(options).to_string()),
        if body.is_some() { "Some(body)" } else { "None" },
        expected.join(", ")
    );
}

fn path_sample(field: &RequestField, awkward: bool) -> SampleValue {
    match field.ty {
        RustTy::I64 => SampleValue {
            rust: "42".to_owned(),
            json: json!(42),
        },
        RustTy::F64 => SampleValue {
            rust: "4.5".to_owned(),
            json: json!(4.5),
        },
        _ => {
            let text = if awkward {
                AWKWARD_SEGMENT.to_owned()
            } else {
                field.wire.clone()
            };
            SampleValue {
                rust: super::emit::literal(&text),
                json: json!(text),
            }
        }
    }
}

fn query_sample(group: &str, field: &RequestField, ty: &Ty) -> SampleValue {
    let scalar = |rust_ty: &RustTy, ty: &Ty, second: bool| -> SampleValue {
        match (rust_ty, ty) {
            (RustTy::Bool, _) => SampleValue {
                rust: "true".to_owned(),
                json: json!(true),
            },
            (RustTy::I64, _) => SampleValue {
                rust: if second { "8" } else { "7" }.to_owned(),
                json: json!(if second { 8 } else { 7 }),
            },
            (RustTy::F64, _) => SampleValue {
                rust: if second { "0.25" } else { "2.5" }.to_owned(),
                json: json!(if second { 0.25 } else { 2.5 }),
            },
            (RustTy::Named(name), Ty::Enum(values)) => {
                let value = values
                    .get(usize::from(second))
                    .or_else(|| values.first())
                    .cloned()
                    .unwrap_or_default();
                SampleValue {
                    rust: format!("{group}::{name}::from({})", super::emit::literal(&value)),
                    json: json!(value),
                }
            }
            _ => {
                let text = if second { "second" } else { AWKWARD_QUERY };
                SampleValue {
                    rust: format!("{}.to_owned()", super::emit::literal(text)),
                    json: json!(text),
                }
            }
        }
    };
    let ty = ty.strip_nullable().0;
    match (&field.ty, ty) {
        (RustTy::Vec(item_rust), Ty::Array(item_ty)) => {
            let item_ty = item_ty.strip_nullable().0;
            let values = [
                scalar(item_rust, item_ty, false),
                scalar(item_rust, item_ty, true),
            ];
            SampleValue {
                rust: format!(
                    "vec![{}]",
                    values
                        .iter()
                        .map(|value| value.rust.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                json: Value::Array(values.into_iter().map(|value| value.json).collect()),
            }
        }
        (RustTy::Value, _) => SampleValue {
            rust: format!("value({})", raw_string(&json!(AWKWARD_QUERY).to_string())),
            json: json!(AWKWARD_QUERY),
        },
        (RustTy::String, _) => SampleValue {
            rust: super::emit::literal(AWKWARD_QUERY),
            json: json!(AWKWARD_QUERY),
        },
        (rust_ty, ty) => scalar(rust_ty, ty, false),
    }
}

/// The text a scalar sample sends: strings as they are, numbers and booleans as JSON.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Characters sent raw in a path segment.
const SEGMENT_RAW: &str = "-_.!~*()";

/// Characters sent raw in a query key or value.
const QUERY_RAW: &str = "-._~";

/// Percent-encodes `text`, keeping ASCII letters, digits and `raw`.
fn encode(text: &str, raw: &str) -> String {
    let mut encoded = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || raw.as_bytes().contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// Fills the `{name}` placeholders of `template` with encoded values.
fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        path.push_str(&encode(&value(&rest[open + 1..open + close]), SEGMENT_RAW));
        rest = &rest[open + close + 1..];
    }
    path.push_str(rest);
    path
}

/// `text` as a raw string literal with enough `#` marks.
pub(crate) fn raw_string(text: &str) -> String {
    let mut hashes = 0;
    let mut run: Option<usize> = None;
    for c in text.chars() {
        run = match (c, run) {
            ('"', _) => Some(0),
            ('#', Some(count)) => Some(count + 1),
            _ => None,
        };
        if let Some(count) = run {
            hashes = hashes.max(count + 1);
        }
    }
    let marks = "#".repeat(hashes);
    format!("r{marks}\"{text}\"{marks}")
}

/// The source of `tests/generated_models.rs`.
pub(crate) fn models_test(groups: &[Group<'_>]) -> String {
    let mut source = String::new();
    out!(source, "{HEADER}");
    out!(
        source,
        "//! Every body and response model decoded from a sample of its schema: the sample must"
    );
    out!(
        source,
        "//! encode back to equal JSON, and a sample with unknown members and unknown enumeration"
    );
    out!(source, "//! values must decode too, keeping the values.");
    out!(source);
    out!(
        source,
        "#![allow(unused_imports, reason = \"a build with few group features uses few of them\")]"
    );
    out!(source);
    out!(source, "use nf_types::*;");
    out!(source);
    out!(
        source,
        "/// Decodes `full` and `lenient` as `T`, through `Json` and through serde, and compares"
    );
    out!(source, "/// their encodings with `full` and `reencoded`.");
    out!(source, "#[track_caller]");
    out!(
        source,
        "#[allow(dead_code, reason = \"a build without group features has no test using it\")]"
    );
    out!(
        source,
        "fn roundtrip<T: Json + serde::Serialize + serde::de::DeserializeOwned>(full: &str, lenient: &str, reencoded: &str) {{"
    );
    out!(
        source,
        "let parse = |text: &str| -> serde_json::Value {{ serde_json::from_str(text).expect(\"samples are JSON\") }};"
    );
    out!(
        source,
        "let decoded = T::from_json(parse(full)).expect(\"the full sample decodes\");"
    );
    out!(
        source,
        "assert_eq!(decoded.to_json(), parse(full), \"the full sample encodes back unchanged\");"
    );
    out!(
        source,
        "let through_serde: T = serde_json::from_str(full).expect(\"the full sample decodes through serde\");"
    );
    out!(
        source,
        "assert_eq!(serde_json::to_value(&through_serde).expect(\"models serialise\"), parse(full));"
    );
    out!(
        source,
        "let lenient = T::from_json(parse(lenient)).expect(\"unknown members and values decode\");"
    );
    out!(
        source,
        "assert_eq!(lenient.to_json(), parse(reencoded), \"unknown values are kept\");"
    );
    out!(source, "}}");
    for group in groups {
        let mut seen = BTreeSet::new();
        let mut cases = String::new();
        for request in &group.requests {
            let meta: &OperationMeta<'_> = request.meta;
            let roots = [
                (
                    meta.body_ty.as_ref(),
                    format!("{}Body", meta.base),
                    &request.aliases,
                    "body",
                ),
                (
                    meta.response_ty.as_ref(),
                    format!("{}Response", meta.base),
                    &request.aliases,
                    "response data",
                ),
            ];
            for (ty, name, aliases, role) in roots {
                let Some(ty) = ty else { continue };
                // Test each distinct model once, under the first name it has.
                let target = aliases
                    .iter()
                    .find(|(alias, _, alias_role)| *alias == name && *alias_role == role)
                    .map_or_else(|| name.clone(), |(_, target, _)| target.render());
                if !seen.insert(target) {
                    continue;
                }
                out!(
                    cases,
                    "roundtrip::<{}::{name}>({}, {}, {});",
                    group.name,
                    raw_string(&sample(ty, Flavour::Full).to_string()),
                    raw_string(&sample(ty, Flavour::Lenient).to_string()),
                    raw_string(&sample(ty, Flavour::LenientReencoded).to_string()),
                );
            }
        }
        if cases.is_empty() {
            continue;
        }
        out!(source);
        out!(
            source,
            "#[cfg(feature = {})]",
            super::emit::literal(group.name)
        );
        out!(source, "#[test]");
        out!(source, "fn {}_models() {{", group.name);
        source.push_str(&cases);
        out!(source, "}}");
    }
    source
}
