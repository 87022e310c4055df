//! The operation tree of `nf-client` (`client.get().addon().backups(…)`) and its end-to-end
//! test, from the request types of every group.
//!
//! Operation ids are paths (`get.addon.backup.download`). Each path prefix is a node: a
//! marker type in `generated/nodes.rs` and an `impl Namespace<Marker>` block in the file of
//! its root verb. The root verbs are methods of `ApiClient`. A segment with children is a
//! method returning the child's namespace; an operation without children is a method
//! returning its `Call`; an operation with children is a namespace whose own operation is
//! `call(…)`. Every item is gated on the features of the groups below it, so `nf-client`
//! builds with any set of group features.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::HEADER;
use super::meta::{BodyKind, method_name};
use super::names::{self, Scope};
use super::types::{Group, Request, RequestField, RustTy};
use crate::spec::model::Method;

/// Where the tree goes, relative to the workspace root.
pub(crate) const GENERATED_DIR: &str = "crates/nf-client/src/generated";

/// Where its generated test goes (`generated_namespaces.rs`), relative to the workspace root.
pub(crate) const TESTS_DIR: &str = "crates/nf-client/tests";

/// The name a call's own operation takes on a node that also has children.
const OWN_OPERATION: &str = "call";

/// Methods of `Namespace<N>` and `ApiClient` a segment must not shadow.
const TAKEN: &[&str] = &[
    "new",
    "client",
    "child",
    "clone",
    OWN_OPERATION,
    "from_env",
    "builder",
    "call_typed",
    "send",
    "rate_limit",
    "transport",
    "error_style",
];

/// One node of the tree.
#[derive(Debug, Default)]
struct Node<'r> {
    /// The segments from the root: `["get", "addon"]`.
    path: Vec<String>,
    /// The marker type's name, unique in `nodes`.
    marker: String,
    /// The operation whose id is this path, with its group.
    op: Option<(&'static str, &'r Request<'r>)>,
    children: BTreeMap<String, Node<'r>>,
}

impl Node<'_> {
    fn id(&self) -> String {
        self.path.join(".")
    }

    /// The groups of every operation at or below this node.
    fn groups(&self) -> BTreeSet<&'static str> {
        let mut groups: BTreeSet<&'static str> = self.op.iter().map(|(group, _)| *group).collect();
        for child in self.children.values() {
            groups.extend(child.groups());
        }
        groups
    }

    /// Every node of the subtree, this one first.
    fn walk<'n>(&'n self, out: &mut Vec<&'n Self>) {
        out.push(self);
        for child in self.children.values() {
            child.walk(out);
        }
    }
}

/// The `cfg` attribute enabling an item when any of `groups` is on.
fn cfg(groups: &BTreeSet<&'static str>) -> String {
    let features: Vec<String> = groups
        .iter()
        .map(|group| format!("feature = \"{group}\""))
        .collect();
    if features.len() == 1 {
        format!("#[cfg({})]", features[0])
    } else {
        format!("#[cfg(any({}))]", features.join(", "))
    }
}

/// The method name of a segment: snake case, with a trailing `_` on Rust keywords. `import`
/// is not one, so it keeps the JS client's spelling: `client.import()`.
fn method(segment: &str) -> String {
    names::snake(segment)
}

/// Builds the tree of every request, checking that no two segments share a method name.
fn tree<'r>(groups: &'r [Group<'r>]) -> Result<Node<'r>> {
    let mut root = Node::default();
    for group in groups {
        for request in &group.requests {
            let mut node = &mut root;
            for segment in request.meta.op.id.split('.') {
                let mut path = node.path.clone();
                path.push(segment.to_owned());
                node = node.children.entry(segment.to_owned()).or_default();
                node.path = path;
            }
            if node.op.is_some() {
                bail!("two operations are named {}", request.meta.op.id);
            }
            node.op = Some((group.name, request));
        }
    }
    let mut scope = Scope::default();
    let mut nodes = Vec::new();
    root.walk(&mut nodes);
    for node in &nodes {
        let mut methods = BTreeSet::new();
        for segment in node.children.keys() {
            let name = method(segment);
            if TAKEN.contains(&name.as_str()) || !methods.insert(name.clone()) {
                bail!(
                    "segment {segment} under {} names a taken method {name}",
                    node.id()
                );
            }
        }
    }
    assign_markers(&mut root, &mut scope);
    Ok(root)
}

fn assign_markers(node: &mut Node<'_>, scope: &mut Scope) {
    if !node.path.is_empty() {
        node.marker = scope.claim(&names::pascal(&node.id()), "");
    }
    for child in node.children.values_mut() {
        assign_markers(child, scope);
    }
}

/// The generated files of `nf-client`: the tree and its test, unformatted.
pub(crate) fn files(groups: &[Group<'_>]) -> Result<BTreeMap<PathBuf, String>> {
    let root = tree(groups)?;
    let dir = Path::new(GENERATED_DIR);
    let mut files = BTreeMap::new();
    files.insert(dir.join("mod.rs"), mod_module(&root));
    files.insert(dir.join("nodes.rs"), nodes_module(&root));
    for verb in root.children.values() {
        files.insert(
            dir.join(format!("{}.rs", module_name(verb))),
            verb_module(verb),
        );
    }
    files.insert(
        Path::new(TESTS_DIR).join("generated_namespaces.rs"),
        test(&root)?,
    );
    Ok(files)
}

/// The module of a root verb; `import` stays a plain name there, as it is no keyword.
fn module_name(verb: &Node<'_>) -> String {
    names::snake(&verb.path[0])
}

fn mod_module(root: &Node<'_>) -> String {
    let mut out = format!("{HEADER}\n");
    out!(
        out,
        "//! The operation tree: the root verbs as methods of [`ApiClient`](crate::ApiClient),"
    );
    out!(
        out,
        "//! one module of `impl Namespace<…>` blocks per root verb, and the marker types in"
    );
    out!(
        out,
        "//! [`nodes`]. See [`crate::namespace`] for the spelling rules."
    );
    out!(out);
    out!(out, "pub mod nodes;");
    out!(out);
    for verb in root.children.values() {
        out!(out, "mod {};", module_name(verb));
    }
    out
}

fn nodes_module(root: &Node<'_>) -> String {
    let mut out = format!("{HEADER}\n");
    out!(
        out,
        "//! The marker types naming the nodes of the operation tree: `Namespace<GetAddon>` is"
    );
    out!(
        out,
        "//! the node `client.get().addon()`. They have no values; each exists when a feature"
    );
    out!(out, "//! of an operation below it is on.");
    let mut nodes = Vec::new();
    root.walk(&mut nodes);
    for node in nodes
        .iter()
        .filter(|node| node.op.is_none() || !node.children.is_empty())
    {
        if node.path.is_empty() {
            continue;
        }
        out!(out);
        let id = node.id();
        if node.op.is_some() {
            out!(
                out,
                "/// The node `{id}`: the operation `{id}` (its `call` method) and those below it."
            );
        } else {
            out!(
                out,
                "/// The node `{id}`: the operations whose ids start with `{id}.`."
            );
        }
        out!(out, "{}", cfg(&node.groups()));
        out!(out, "#[derive(Debug)]");
        out!(out, "pub enum {} {{}}", node.marker);
    }
    out
}

/// The type a parameter of `ty` is taken as, with group types qualified by their module.
fn param_ty(group: &str, ty: &RustTy) -> String {
    match ty {
        RustTy::String => "impl Into<String>".to_owned(),
        RustTy::CompactString => "impl Into<nf_types::CompactString>".to_owned(),
        other => qualified(group, other),
    }
}

/// `ty` as written outside `nf_types::<group>`.
fn qualified(group: &str, ty: &RustTy) -> String {
    match ty {
        RustTy::Value => "serde_json::Value".to_owned(),
        RustTy::CompactString => "nf_types::CompactString".to_owned(),
        RustTy::Named(name) => format!("nf_types::{group}::{name}"),
        RustTy::Vec(item) => format!("Vec<{}>", qualified(group, item)),
        RustTy::Map(value) => format!(
            "std::collections::BTreeMap<nf_types::CompactString, {}>",
            qualified(group, value)
        ),
        RustTy::JsonMap => "serde_json::Map<String, serde_json::Value>".to_owned(),
        RustTy::Option(inner) => format!("Option<{}>", qualified(group, inner)),
        other => other.render(),
    }
}

/// The values a request's constructor takes: required path parameters, required options,
/// then a required body, as (name, type).
fn constructor_params<'r>(request: &'r Request<'_>) -> Vec<(String, &'r RustTy)> {
    let mut params: Vec<(String, &'r RustTy)> = request
        .path_fields
        .iter()
        .chain(&request.query_fields)
        .filter(|field| field.required)
        .map(|field: &RequestField| (field.rust.clone(), &field.ty))
        .collect();
    if let Some((field, ty)) = &request.body
        && request.meta.body == BodyKind::Required
    {
        params.push((field.clone(), ty));
    }
    params
}

/// The routes of an operation for its docs: `GET /v1/projects/{projectId}`.
fn route_text(request: &Request<'_>) -> String {
    let method = method_name(request.meta.op.method);
    let routes: Vec<String> = request
        .meta
        .op
        .routes
        .iter()
        .map(|route| format!("`{method} {}`", route.path))
        .collect();
    routes.join(" or ")
}

/// Writes `text` as `///` lines of about 90 characters, breaking between words outside code.
fn doc(out: &mut String, text: &str) {
    // A code span (a route) is one unbreakable token.
    let mut tokens: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match tokens.last_mut() {
            Some(token) if token.matches('`').count() % 2 == 1 => {
                token.push(' ');
                token.push_str(word);
            }
            _ => tokens.push(word.to_owned()),
        }
    }
    let mut line = String::new();
    for token in tokens {
        if !line.is_empty() && line.len() + 1 + token.len() > 90 {
            out!(out, "/// {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&token);
    }
    out!(out, "/// {line}");
}

/// A leaf method: `name(&self, values…) -> Call<Request>`; `gated` when the enclosing
/// block is not already gated on its group alone.
fn leaf_method(
    out: &mut String,
    name: &str,
    group: &'static str,
    request: &Request<'_>,
    gated: bool,
) {
    let id = &request.meta.op.id;
    let request_path = format!("nf_types::{group}::{}", request.name);
    doc(out, &format!("`{id}`: {}.", route_text(request)));
    out!(out, "///");
    let article = if request.name.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    doc(
        out,
        &format!(
            "Builds {article} [`{}`]({request_path}) from the required values; the optional ones are set on the returned call.",
            request.name
        ),
    );
    // The same condition under which nf-types implements `Paginated` for the request.
    let pages = request.page.is_some()
        && request
            .query_fields
            .iter()
            .any(|field| field.wire == "cursor" && field.ty == RustTy::String && !field.required);
    if pages {
        doc(
            out,
            "The call pages: [`Call::stream`](crate::Call::stream) yields the items of every page and [`Call::all`](crate::Call::all) collects them.",
        );
    }
    if gated {
        out!(out, "#[cfg(feature = \"{group}\")]");
    }
    let params = constructor_params(request);
    if params.len() > 7 {
        out!(out, "#[allow(clippy::too_many_arguments)]");
    }
    let signature: Vec<String> = params
        .iter()
        .map(|(param, ty)| format!("{param}: {}", param_ty(group, ty)))
        .collect();
    let arguments: Vec<&str> = params.iter().map(|(param, _)| param.as_str()).collect();
    out!(
        out,
        "pub fn {name}(&self, {}) -> crate::Call<{request_path}> {{",
        signature.join(", ")
    );
    out!(
        out,
        "crate::Call::new(self.client().clone(), {request_path}::new({}))",
        arguments.join(", ")
    );
    out!(out, "}}");
}

/// The method of `child` on its parent (or on `ApiClient` for a root verb), gated unless
/// the parent's block already is on the same features.
fn child_method(
    out: &mut String,
    parent: &BTreeSet<&'static str>,
    child: &Node<'_>,
    on_client: bool,
) {
    let name = method(child.path.last().map_or("", String::as_str));
    let groups = child.groups();
    let gated = groups != *parent;
    match (&child.op, child.children.is_empty()) {
        (Some((group, request)), true) => leaf_method(out, &name, group, request, gated),
        _ => {
            let id = child.id();
            if child.op.is_some() {
                out!(
                    out,
                    "/// `{id}`: the node of the operation `{id}` (its `call` method) and of"
                );
                out!(out, "/// the operations below it.");
            } else {
                out!(
                    out,
                    "/// `{id}`: the operations whose ids start with `{id}.`."
                );
            }
            if gated {
                out!(out, "{}", cfg(&groups));
            }
            out!(
                out,
                "pub fn {name}(&self) -> crate::Namespace<super::nodes::{}> {{",
                child.marker
            );
            if on_client {
                out!(out, "crate::Namespace::new(self.clone())");
            } else {
                out!(out, "self.child()");
            }
            out!(out, "}}");
        }
    }
}

/// The file of one root verb: its method on `ApiClient` and the blocks of its subtree.
fn verb_module(verb: &Node<'_>) -> String {
    let mut out = format!("{HEADER}\n");
    let id = verb.id();
    out!(
        out,
        "//! The `{id}` branch of the operation tree: `client.{}()` and the nodes below it.",
        method(&id)
    );
    out!(out);
    let groups = verb.groups();
    out!(out, "{}", cfg(&groups));
    out!(out, "impl crate::ApiClient {{");
    child_method(&mut out, &groups, verb, true);
    out!(out, "}}");
    let mut nodes = Vec::new();
    verb.walk(&mut nodes);
    for node in nodes.iter().filter(|node| !node.children.is_empty()) {
        out!(out);
        let groups = node.groups();
        out!(out, "{}", cfg(&groups));
        out!(
            out,
            "impl crate::Namespace<super::nodes::{}> {{",
            node.marker
        );
        let mut first = true;
        if let Some((group, request)) = &node.op {
            let gated = groups.len() > 1;
            leaf_method(&mut out, OWN_OPERATION, group, request, gated);
            first = false;
        }
        for child in node.children.values() {
            if !first {
                out!(out);
            }
            first = false;
            child_method(&mut out, &groups, child, false);
        }
        out!(out, "}}");
    }
    out
}

/// The test's expression calling an operation through the tree, and the route it must
/// reach with its numbers filled in (`check` fills the strings).
fn call_expression(node: &Node<'_>, request: &Request<'_>) -> Result<(String, String)> {
    let mut expression = "client".to_owned();
    let last = node.path.len() - 1;
    for (index, segment) in node.path.iter().enumerate() {
        let _ = write!(expression, ".{}()", method(segment));
        if index == last && !node.children.is_empty() {
            let _ = write!(expression, ".{OWN_OPERATION}()");
        }
    }
    // The values go in the last pair of parentheses.
    expression.truncate(expression.len() - 1);

    let mut arguments = Vec::new();
    let mut values = BTreeMap::new();
    for field in request.path_fields.iter().chain(&request.query_fields) {
        if !field.required {
            continue;
        }
        // Strings differ per parameter (filled in at run time), so that swapped arguments
        // reach another route; numbers and flags are fixed here.
        let argument = match (&field.ty, field.wire.as_str()) {
            (RustTy::String, name) => format!("value(\"{name}\")"),
            (RustTy::I64, name) => {
                values.insert(name.to_owned(), "1".to_owned());
                "1".to_owned()
            }
            (RustTy::Bool, name) => {
                values.insert(name.to_owned(), "false".to_owned());
                "false".to_owned()
            }
            (other, name) => bail!(
                "{}: no sample for {name} of type {}",
                request.meta.op.id,
                other.render()
            ),
        };
        arguments.push(argument);
    }
    let required_body = request.meta.body == BodyKind::Required;
    if required_body {
        arguments.push(format!("body(\"{}\")", request.meta.op.id));
    }
    let _ = write!(expression, "{})", arguments.join(", "));
    if request.meta.body == BodyKind::Optional {
        let Some((field, _)) = &request.body else {
            bail!("{}: an optional body without a field", request.meta.op.id);
        };
        let _ = write!(
            expression,
            ".map(|request| request.with_{field}(body(\"{}\")))",
            request.meta.op.id
        );
    }

    // The request fills the route whose parameters are exactly the values given.
    let given: BTreeSet<&str> = request
        .path_fields
        .iter()
        .filter(|field| field.required)
        .map(|field| field.wire.as_str())
        .collect();
    let Some(route) = request.meta.op.routes.iter().find(|route| {
        route
            .params
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            == given
    }) else {
        bail!(
            "{}: no route takes exactly the required parameters",
            request.meta.op.id
        );
    };
    let mut path = route.path.clone();
    for (name, text) in &values {
        path = path.replace(&format!("{{{name}}}"), text);
    }
    Ok((expression, path))
}

/// Deletions last, and the project's own deletion after everything inside it.
fn order(request: &Request<'_>) -> u8 {
    match (request.meta.op.method, request.meta.op.id.as_str()) {
        (Method::Delete, "delete.project") => 2,
        (Method::Delete, _) => 1,
        _ => 0,
    }
}

fn test(root: &Node<'_>) -> Result<String> {
    let mut nodes = Vec::new();
    root.walk(&mut nodes);
    let mut by_group: BTreeMap<&'static str, Vec<(&Node<'_>, &Request<'_>)>> = BTreeMap::new();
    for node in &nodes {
        if let Some((group, request)) = &node.op {
            by_group.entry(group).or_default().push((node, request));
        }
    }

    let features: Vec<String> = root
        .groups()
        .iter()
        .map(|group| format!("feature = \"{group}\""))
        .collect();
    let mut out = format!("{HEADER}\n");
    for line in [
        "//! Every operation called through its node of the operation tree against the emulator:",
        "//! the request must reach the emulator as that operation, by its method and on the",
        "//! route its required values fill, and the answer must decode into the typed response.",
        "//! One emulator per API group, each holding a project and one resource of every kind.",
        "",
        "// With every group feature off no test is left to use the helpers.",
        "#![cfg_attr(not(any(FEATURES)), allow(dead_code))]",
        "",
        "use nf_client::{ApiClient, Call, RetryConfig};",
        "use nf_mock::{MockConfig, MockServer, ResourceKind};",
        "use nf_types::{Json, Operation};",
        "use serde_json::json;",
        "",
        "const TOKEN: &str = \"nf-mock-token-5e1c\";",
        "",
        "/// The id of the seeded project.",
        "const PROJECT: &str = \"example\";",
        "",
        "/// The value of the path parameter `name`: the seeded resource it names, else a value",
        "/// of its own, so that no two parameters of one call get the same value.",
        "fn value(name: &str) -> String {",
        "match ResourceKind::ALL.into_iter().find(|kind| kind.id_param() == name) {",
        "Some(ResourceKind::Project) => PROJECT.to_owned(),",
        "Some(kind) => format!(\"{PROJECT}-{}\", kind.name()),",
        "None if name == \"teamId\" => \"acme\".to_owned(),",
        "None => format!(\"{}-7\", name.to_ascii_lowercase()),",
        "}",
        "}",
        "",
        "/// `route` with each `{name}` replaced by [`value`] of it.",
        "fn fill(route: &str) -> String {",
        "let mut path = String::new();",
        "let mut rest = route;",
        "while let Some((before, after)) = rest.split_once('{') {",
        "let (name, after) = after.split_once('}').expect(\"a closed parameter\");",
        "path.push_str(before);",
        "path.push_str(&value(name));",
        "rest = after;",
        "}",
        "path.push_str(rest);",
        "path",
        "}",
        "",
        "async fn start() -> (MockServer, ApiClient) {",
        "let config = MockConfig::new().token(TOKEN).rate_limit(100_000, std::time::Duration::from_secs(3600));",
        "let server = MockServer::start(config).await.expect(\"the emulator starts\");",
        "server.seed(ResourceKind::Project, None, json!({\"name\": PROJECT})).expect(\"the project\");",
        "for kind in ResourceKind::ALL.into_iter().skip(1) {",
        "let id = value(kind.id_param());",
        "let record = server.seed(kind, Some(PROJECT), json!({\"name\": id})).expect(\"a resource\");",
        "assert_eq!(record[\"id\"], json!(id), \"seeded ids are their names\");",
        "}",
        "let client = ApiClient::builder().token(TOKEN).base_url(server.base_url()).retry(RetryConfig::disabled()).build().expect(\"the client\");",
        "(server, client)",
        "}",
        "",
        "/// The emulator's example body of `id`; a creation gets a name of its own.",
        "fn body<T: Json>(id: &str) -> T {",
        "let mut body = nf_mock::example_body(id).unwrap_or_else(|| json!({}));",
        "if let Some(name) = body.get_mut(\"name\").filter(|name| name.is_string()) {",
        "*name = json!(id.replace('.', \"-\"));",
        "}",
        "T::from_json(body).unwrap_or_else(|error| panic!(\"{id}: the example body decodes: {error}\"))",
        "}",
        "",
        "/// Sends `call` and checks what the emulator received and what came back; `route` has",
        "/// its string parameters still to fill.",
        "async fn check<O>(server: &MockServer, call: Call<O>, method: &str, route: &str)",
        "where",
        "O: Operation,",
        "O::Response: Send + 'static,",
        "{",
        "let id = O::ID;",
        "let response = call.send().await.unwrap_or_else(|error| panic!(\"{id}: {error}\"));",
        "if let Err(error) = response.into_data() {",
        "panic!(\"{id}: {error}\");",
        "}",
        "let entry = server.journal().last().unwrap_or_else(|| panic!(\"{id}: nothing arrived\"));",
        "assert_eq!(entry.operation, Some(id), \"{id}: routed as another operation\");",
        "assert_eq!(entry.method.as_str(), method, \"{id}: method\");",
        "assert_eq!(entry.path, fill(route), \"{id}: route\");",
        "}",
    ] {
        out!(out, "{}", line.replace("FEATURES", &features.join(", ")));
    }

    let mut all_ids = Vec::new();
    for (group, mut operations) in by_group {
        operations.sort_by_key(|(node, request)| (order(request), node.id()));
        out!(out);
        out!(
            out,
            "/// Every operation of the `{group}` group, deletions last."
        );
        out!(out, "#[cfg(feature = \"{group}\")]");
        out!(out, "#[tokio::test]");
        out!(out, "async fn {group}() {{");
        out!(out, "let (server, client) = start().await;");
        for (node, request) in &operations {
            let (expression, path) = call_expression(node, request)?;
            out!(
                out,
                "check(&server, {expression}, \"{}\", \"{path}\").await;",
                method_name(request.meta.op.method)
            );
            all_ids.push(request.meta.op.id.clone());
        }
        out!(
            out,
            "assert_eq!(server.journal().len(), {}, \"one request per operation\");",
            operations.len()
        );
        out!(out, "}}");
    }

    all_ids.sort();
    // Without this the checks above would pass on a decoder that accepts anything.
    out!(out);
    out!(
        out,
        "/// Typed answers are decoded strictly: an answer lacking required members fails."
    );
    out!(out, "#[cfg(feature = \"projects\")]");
    out!(out, "#[test]");
    out!(out, "fn answers_lacking_members_do_not_decode() {{");
    out!(
        out,
        "let decoded = <nf_types::projects::GetProjectRequest as Operation>::Response::from_json(json!({{}}));"
    );
    out!(out, "assert!(decoded.is_err());");
    out!(out, "}}");
    out!(out);
    out!(
        out,
        "/// The operations the tests above call are those of the registry of `nf-types`."
    );
    out!(out, "#[cfg(all({}))]", features.join(", "));
    out!(out, "#[test]");
    out!(out, "fn every_operation_of_the_registry_is_called() {{");
    out!(out, "let called = [");
    for id in &all_ids {
        out!(out, "\"{id}\",");
    }
    out!(out, "];");
    out!(
        out,
        "let mut registry: Vec<&str> = nf_types::registry::operations().iter().map(|info| info.id).collect();"
    );
    out!(out, "registry.sort_unstable();");
    out!(out, "assert_eq!(called.as_slice(), registry.as_slice());");
    out!(out, "}}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_become_method_names() {
        assert_eq!(method("import"), "import");
        assert_eq!(method("backupSchedules"), "backup_schedules");
        assert_eq!(method("type"), "type_");
        let groups = BTreeSet::from(["addons"]);
        assert_eq!(cfg(&groups), "#[cfg(feature = \"addons\")]");
        let groups = BTreeSet::from(["addons", "jobs"]);
        assert_eq!(
            cfg(&groups),
            "#[cfg(any(feature = \"addons\", feature = \"jobs\"))]"
        );
    }

    #[test]
    fn docs_wrap_between_code_spans() {
        let mut out = String::new();
        doc(
            &mut out,
            "`get.auditLogSink`: `GET /v1/teams/{teamId}/integrations/audit-log-sinks/{sinkId}` or `GET /v1/integrations/audit-log-sinks/{sinkId}`.",
        );
        assert_eq!(
            out,
            "/// `get.auditLogSink`: `GET /v1/teams/{teamId}/integrations/audit-log-sinks/{sinkId}` or\n\
             /// `GET /v1/integrations/audit-log-sinks/{sinkId}`.\n"
        );
    }
}
