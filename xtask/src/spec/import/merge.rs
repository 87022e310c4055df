//! Matches the operations of the two packages and merges them into one description, noting
//! every disagreement and how it was resolved. The rules are stated in `spec/README.md`.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};

use super::schema::{self, Difference};
use super::{ClientOp, Package};
use crate::spec::model::{Body, Operation, QueryOption, Route};

/// What a disagreement is about; the order is the order of the report's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// The namespace path is spelled differently.
    Naming,
    /// The HTTP method differs.
    Method,
    /// Only one package paginates the operation.
    Pagination,
    /// The sets of URL templates differ.
    Routes,
    /// JS declares a path parameter that no URL template uses.
    UnusedPathParam,
    /// A path parameter's type differs.
    PathParamType,
    /// A query option exists in one package only.
    QueryName,
    /// A query option is required in one package only.
    QueryRequired,
    /// A query option's type differs.
    QueryType,
    /// Only one package sends a body.
    BodyPresence,
    /// The body is required in one package only.
    BodyRequired,
    /// The body's schema differs.
    BodySchema,
    /// PY leaves part of the body's schema open and JS declares it.
    BodyFromJs,
    /// The response schema differs.
    ResponseSchema,
    /// PY leaves part of the response schema open and JS declares it.
    ResponseFromJs,
    /// The required permission differs.
    Permission,
}

impl Kind {
    /// The kind's name in the report.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Naming => "namespace spelling",
            Kind::Method => "method",
            Kind::Pagination => "pagination",
            Kind::Routes => "URL templates",
            Kind::UnusedPathParam => "path parameter unused by the URL",
            Kind::PathParamType => "path parameter type",
            Kind::QueryName => "query option present in one package",
            Kind::QueryRequired => "query option requiredness",
            Kind::QueryType => "query option type",
            Kind::BodyPresence => "body presence",
            Kind::BodyRequired => "body requiredness",
            Kind::BodySchema => "body schema",
            Kind::BodyFromJs => "body detail taken from JS",
            Kind::ResponseSchema => "response schema",
            Kind::ResponseFromJs => "response detail taken from JS",
            Kind::Permission => "permission",
        }
    }
}

/// One disagreement on one operation, with its resolution in words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Note {
    /// What it is about.
    pub(crate) kind: Kind,
    /// The facts on each side and the resolution.
    pub(crate) text: String,
}

/// The merged operations and what the merge found.
pub(crate) struct Merged {
    /// Every operation, sorted by id.
    pub(crate) operations: Vec<Operation>,
    /// Disagreements of shared operations, by operation id.
    pub(crate) notes: BTreeMap<String, Vec<Note>>,
    /// Ids of the operations only the JS package has.
    pub(crate) only_js: Vec<String>,
    /// Ids of the operations only the PY package has, with the PY spelling of each.
    pub(crate) only_py: Vec<(String, String)>,
}

/// The key operations are matched by: the namespace path, lower case, without underscores.
fn match_key(segments: &[String]) -> String {
    segments
        .iter()
        .map(|s| s.to_lowercase().replace('_', ""))
        .collect::<Vec<_>>()
        .join(".")
}

/// A PY segment in the JS style: `build_metrics` becomes `buildMetrics`, `import_` `import`.
pub(crate) fn camel_case(segment: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in segment.trim_end_matches('_').chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Merges the two packages' operations.
///
/// # Errors
///
/// Fails when two operations of one package share a namespace path (ignoring case and
/// underscores), or two merged operations end up with the same id.
pub(crate) fn merge(js: &Package, py: &Package) -> Result<Merged> {
    let mut js_by_key: BTreeMap<String, &ClientOp> = BTreeMap::new();
    for op in &js.operations {
        if let Some(other) = js_by_key.insert(match_key(&op.segments), op) {
            bail!(
                "JS operations at {} and {} share a namespace path",
                other.source,
                op.source
            );
        }
    }
    let mut py_by_key: BTreeMap<String, &ClientOp> = BTreeMap::new();
    for op in &py.operations {
        if let Some(other) = py_by_key.insert(match_key(&op.segments), op) {
            bail!(
                "PY operations at {} and {} share a namespace path",
                other.source,
                op.source
            );
        }
    }

    // The JS spelling of every namespace node, by matching key of its path.
    let mut js_spelling: BTreeMap<String, String> = BTreeMap::new();
    for op in &js.operations {
        for i in 0..op.segments.len() {
            js_spelling
                .entry(match_key(&op.segments[..=i]))
                .or_insert_with(|| op.segments[i].clone());
        }
    }

    let mut operations = Vec::new();
    let mut notes = BTreeMap::new();
    let mut only_js = Vec::new();
    let mut only_py = Vec::new();
    let keys: BTreeSet<&String> = js_by_key.keys().chain(py_by_key.keys()).collect();
    for key in keys {
        match (js_by_key.get(key), py_by_key.get(key)) {
            (Some(j), Some(p)) => {
                let (op, op_notes) = merge_shared(j, p);
                if !op_notes.is_empty() {
                    notes.insert(op.id.clone(), op_notes);
                }
                operations.push(op);
            }
            (Some(j), None) => {
                let op = single(j, j.segments.join("."), "js");
                only_js.push(op.id.clone());
                operations.push(op);
            }
            (None, Some(p)) => {
                let id = (0..p.segments.len())
                    .map(|i| {
                        js_spelling
                            .get(&match_key(&p.segments[..=i]))
                            .cloned()
                            .unwrap_or_else(|| camel_case(&p.segments[i]))
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                only_py.push((id.clone(), p.segments.join(".")));
                operations.push(single(p, id, "python"));
            }
            (None, None) => {}
        }
    }
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in operations.windows(2) {
        if pair[0].id == pair[1].id {
            bail!("two operations have the id `{}`", pair[0].id);
        }
    }
    only_js.sort();
    only_py.sort();
    Ok(Merged {
        operations,
        notes,
        only_js,
        only_py,
    })
}

/// Sorts templates most path parameters first, then by path.
fn sort_routes(routes: &mut [Route]) {
    routes.sort_by(|a, b| {
        b.params
            .len()
            .cmp(&a.params.len())
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// The permission as the API names it; the JS text `undefined` means none.
fn permission(op: &ClientOp) -> Option<String> {
    op.permission
        .clone()
        .filter(|p| p != "undefined" && !p.is_empty())
}

/// An operation one package alone has: its facts as they are.
fn single(op: &ClientOp, id: String, client: &str) -> Operation {
    let mut routes = op.routes.clone();
    sort_routes(&mut routes);
    Operation {
        id,
        method: op.method,
        routes,
        path_params: op.path_params.clone(),
        query: op.query.clone(),
        body: op.body.clone(),
        response: Some(op.response.clone()),
        paginated: op.paginated,
        permission: permission(op),
        clients: vec![client.to_owned()],
    }
}

/// How a schema conflict is resolved.
const KEPT: &str = "; PY's schema is kept";

fn code(s: &str) -> String {
    format!("`{s}`")
}

fn codes<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().map(code).collect::<Vec<_>>().join(", ")
}

/// Notes for schema differences; `kept` says how each was resolved.
fn schema_notes(
    kind: Kind,
    prefix: &str,
    diffs: Vec<Difference>,
    kept: &str,
    notes: &mut Vec<Note>,
) {
    for d in diffs {
        let place = match (prefix.is_empty(), d.path.is_empty()) {
            (true, true) => "at the root".to_owned(),
            (true, false) => format!("at `{}`", d.path),
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix} at `{}`", d.path),
        };
        notes.push(Note {
            kind,
            text: format!("{place}: {}{kept}", d.what),
        });
    }
}

/// Merges an operation both packages have; the JS namespace spelling is the id.
fn merge_shared(js: &ClientOp, py: &ClientOp) -> (Operation, Vec<Note>) {
    let mut notes = Vec::new();
    let id = js.segments.join(".");

    let py_camel = py
        .segments
        .iter()
        .map(|s| camel_case(s))
        .collect::<Vec<_>>()
        .join(".");
    if py_camel != id {
        notes.push(Note {
            kind: Kind::Naming,
            text: format!(
                "PY spells the path `{}` (`{py_camel}` in the JS style), JS `{id}`; the JS spelling is the id",
                py.segments.join(".")
            ),
        });
    }
    if js.method != py.method {
        notes.push(Note {
            kind: Kind::Method,
            text: format!(
                "JS sends {:?}, PY {:?}; PY's method is kept",
                js.method, py.method
            ),
        });
    }
    if js.paginated != py.paginated {
        notes.push(Note {
            kind: Kind::Pagination,
            text: format!(
                "only {} paginates the operation; PY's flag is kept",
                if js.paginated { "JS" } else { "PY" }
            ),
        });
    }

    let mut routes = py.routes.clone();
    for r in &js.routes {
        if !routes.iter().any(|p| p.path == r.path) {
            routes.push(r.clone());
        }
    }
    sort_routes(&mut routes);
    let only_py: Vec<&str> = py
        .routes
        .iter()
        .filter(|r| !js.routes.iter().any(|j| j.path == r.path))
        .map(|r| r.path.as_str())
        .collect();
    let only_js: Vec<&str> = js
        .routes
        .iter()
        .filter(|r| !py.routes.iter().any(|p| p.path == r.path))
        .map(|r| r.path.as_str())
        .collect();
    if !only_py.is_empty() || !only_js.is_empty() {
        let mut sides = Vec::new();
        if !only_py.is_empty() {
            sides.push(format!("only PY has {}", codes(only_py)));
        }
        if !only_js.is_empty() {
            sides.push(format!("only JS has {}", codes(only_js)));
        }
        notes.push(Note {
            kind: Kind::Routes,
            text: format!("{}; both are kept", sides.join("; ")),
        });
    }

    for (side, op) in [("JS", js), ("PY", py)] {
        for name in &op.unused_params {
            notes.push(Note {
                kind: Kind::UnusedPathParam,
                text: format!(
                    "{side} declares the parameter `{name}`, which none of its URL templates or query options uses; it is left out"
                ),
            });
        }
    }
    let mut path_params = js.path_params.clone();
    for (name, p_schema) in &py.path_params {
        if let Some(j_schema) = js.path_params.get(name) {
            let diffs = schema::diff(j_schema, p_schema);
            schema_notes(
                Kind::PathParamType,
                &format!("path parameter `{name}`"),
                diffs,
                KEPT,
                &mut notes,
            );
        }
        path_params.insert(name.clone(), p_schema.clone());
    }
    // Only parameters some kept template uses remain.
    let used: BTreeSet<&String> = routes.iter().flat_map(|r| r.params.iter()).collect();
    path_params.retain(|k, _| used.contains(k));

    let mut query: Vec<QueryOption> = py.query.clone();
    for j in &js.query {
        match py.query.iter().find(|p| p.name == j.name) {
            Some(p) => {
                if p.required != j.required {
                    notes.push(Note {
                        kind: Kind::QueryRequired,
                        text: format!(
                            "query option `{}` is required in {} only; PY's flag is kept",
                            j.name,
                            if p.required { "PY" } else { "JS" }
                        ),
                    });
                }
                let diffs = schema::diff(&j.schema, &p.schema);
                schema_notes(
                    Kind::QueryType,
                    &format!("query option `{}`", j.name),
                    diffs,
                    KEPT,
                    &mut notes,
                );
            }
            None => {
                notes.push(Note {
                    kind: Kind::QueryName,
                    text: format!("only JS declares the query option `{}`; it is kept", j.name),
                });
                query.push(j.clone());
            }
        }
    }
    for p in &py.query {
        if !js.query.iter().any(|j| j.name == p.name) {
            notes.push(Note {
                kind: Kind::QueryName,
                text: format!("only PY declares the query option `{}`; it is kept", p.name),
            });
        }
    }

    let body = match (&js.body, &py.body) {
        (Some(j), Some(p)) => {
            if j.required != p.required {
                notes.push(Note {
                    kind: Kind::BodyRequired,
                    text: format!(
                        "the body is required in {} only; PY's flag is kept",
                        if p.required { "PY" } else { "JS" }
                    ),
                });
            }
            let (schema, filled) = schema::refine(&j.schema, &p.schema);
            schema_notes(Kind::BodyFromJs, "", filled, "", &mut notes);
            schema_notes(
                Kind::BodySchema,
                "",
                schema::diff(&j.schema, &schema),
                KEPT,
                &mut notes,
            );
            Some(Body {
                required: p.required,
                schema,
            })
        }
        (None, None) => None,
        (j, p) => {
            notes.push(Note {
                kind: Kind::BodyPresence,
                text: format!(
                    "only {} sends a body; PY is followed",
                    if j.is_some() { "JS" } else { "PY" }
                ),
            });
            p.clone()
        }
    };
    let (response, filled) = schema::refine(&js.response, &py.response);
    schema_notes(Kind::ResponseFromJs, "", filled, "", &mut notes);
    schema_notes(
        Kind::ResponseSchema,
        "",
        schema::diff(&js.response, &response),
        KEPT,
        &mut notes,
    );

    let js_permission = permission(js);
    let py_permission = permission(py);
    if js_permission != py_permission {
        let show = |raw: &Option<String>| match raw {
            None => "none".to_owned(),
            Some(p) if p == "undefined" => "the text `undefined`".to_owned(),
            Some(p) => code(p),
        };
        let kept = match (&py_permission, &js_permission) {
            (Some(_), _) => "PY's is kept",
            (None, Some(_)) => "JS's is kept",
            (None, None) => "none is recorded",
        };
        notes.push(Note {
            kind: Kind::Permission,
            text: format!(
                "JS gives {}, PY {}; {kept}",
                show(&js.permission),
                show(&py.permission)
            ),
        });
    }

    let op = Operation {
        id,
        method: py.method,
        routes,
        path_params,
        query,
        body,
        response: Some(response),
        paginated: py.paginated,
        permission: py_permission.or(js_permission),
        clients: vec!["js".to_owned(), "python".to_owned()],
    };
    (op, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_follows_the_js_style() {
        assert_eq!(camel_case("build_metrics"), "buildMetrics");
        assert_eq!(camel_case("import_"), "import");
        assert_eq!(
            camel_case("per_replica_volume_group"),
            "perReplicaVolumeGroup"
        );
        assert_eq!(camel_case("addon"), "addon");
    }

    #[test]
    fn keys_ignore_case_and_underscores() {
        let segs = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            match_key(&segs("get.backupDestination")),
            match_key(&segs("get.backup_destination"))
        );
        assert_eq!(
            match_key(&segs("import_.subdomain_certificate")),
            "import.subdomaincertificate"
        );
    }
}
