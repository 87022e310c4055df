//! What the generator and `cargo xtask spec list` know of each operation beyond the spec: its
//! group, the kind of each parameter, how its body and pagination work.
//!
//! The registry of `nf-types` is generated from these records, and `spec list` prints them,
//! so the two cannot disagree.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::groups;
use super::names;
use super::ty::{Ty, normalize};
use crate::spec::model::{Method, Operation, Spec};

/// One operation with everything derived from it.
#[derive(Debug)]
pub(crate) struct OperationMeta<'a> {
    /// The operation as the spec describes it.
    pub(crate) op: &'a Operation,
    /// Its group.
    pub(crate) group: &'static str,
    /// The id in PascalCase, the stem of its type names: `ListProjects`.
    pub(crate) base: String,
    /// Path parameters in the order the most specific route uses them.
    pub(crate) path_params: Vec<ParamMeta>,
    /// Query options in declaration order.
    pub(crate) query: Vec<ParamMeta>,
    /// Whether a body is taken.
    pub(crate) body: BodyKind,
    /// The body's type, when there is a body.
    pub(crate) body_ty: Option<Ty>,
    /// The response data's type, when there is response data.
    pub(crate) response_ty: Option<Ty>,
    /// For paginated operations whose pages hold one list, where it is.
    pub(crate) items: Option<Items>,
}

/// A path parameter or query option.
#[derive(Debug)]
pub(crate) struct ParamMeta {
    /// The name on the wire.
    pub(crate) name: String,
    /// The type of its value.
    pub(crate) ty: Ty,
    /// Its kind, as the registry states it.
    pub(crate) kind: Kind,
    /// For a path parameter, whether every route needs it; for an option, whether the API
    /// requires it.
    pub(crate) required: bool,
}

/// The JSON type of a parameter or option, as the registry states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Enum(Vec<String>),
    Integer,
    Number,
    Boolean,
    Array(Box<Kind>),
    Any,
}

/// Whether an operation takes a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    None,
    Optional,
    Required,
}

/// Where the items of a page are in its data.
#[derive(Debug)]
pub(crate) struct Items {
    /// The members leading from the response data to the array: none when the data is the
    /// array, one (`projects`) in most listings, more when the list is nested.
    pub(crate) path: Vec<String>,
}

impl Items {
    /// The one member holding the array, when the path is one member long.
    pub(crate) fn key(&self) -> Option<&str> {
        match self.path.as_slice() {
            [key] => Some(key),
            _ => None,
        }
    }
}

impl Kind {
    /// The kind of a query option's value.
    pub(crate) fn of(ty: &Ty) -> Kind {
        match ty.strip_nullable().0 {
            Ty::Str => Kind::String,
            Ty::Enum(values) => Kind::Enum(values.clone()),
            Ty::Int => Kind::Integer,
            Ty::Num => Kind::Number,
            Ty::Bool => Kind::Boolean,
            // An array of arrays or of open values travels as one open value, as the Rust
            // type of such an option is a JSON value.
            Ty::Array(items) => match Kind::of(items) {
                Kind::Any | Kind::Array(_) => Kind::Any,
                item => Kind::Array(Box::new(item)),
            },
            _ => Kind::Any,
        }
    }

    /// The kind of a path parameter: a number, or else text.
    fn of_path(ty: &Ty) -> Kind {
        match ty.strip_nullable().0 {
            Ty::Int => Kind::Integer,
            Ty::Num => Kind::Number,
            _ => Kind::String,
        }
    }

    /// The name `spec list` prints: `string`, `array<integer>`, `enum(a|b)`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Kind::String => "string".to_owned(),
            Kind::Enum(values) => format!("enum({})", values.join("|")),
            Kind::Integer => "integer".to_owned(),
            Kind::Number => "number".to_owned(),
            Kind::Boolean => "boolean".to_owned(),
            Kind::Array(item) => format!("array<{}>", item.describe()),
            Kind::Any => "any".to_owned(),
        }
    }
}

impl BodyKind {
    /// `none`, `optional` or `required`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            BodyKind::None => "none",
            BodyKind::Optional => "optional",
            BodyKind::Required => "required",
        }
    }
}

/// The upper-case method name.
pub(crate) fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}

/// Derives the records of every operation, checking what the generated code relies on: ids
/// sorted and unique, distinct type stems, routes that use only declared parameters.
pub(crate) fn operations(spec: &Spec) -> Result<Vec<OperationMeta<'_>>> {
    let mut stems = BTreeSet::new();
    let mut metas = Vec::with_capacity(spec.operations.len());
    for pair in spec.operations.windows(2) {
        if pair[0].id >= pair[1].id {
            bail!(
                "operations must be sorted by unique id: {} before {}",
                pair[0].id,
                pair[1].id
            );
        }
    }
    for op in &spec.operations {
        let meta = operation(op).with_context(|| format!("operation {}", op.id))?;
        if !stems.insert(meta.base.clone()) {
            bail!("two operations are both named {} in Rust", meta.base);
        }
        metas.push(meta);
    }
    Ok(metas)
}

fn operation(op: &Operation) -> Result<OperationMeta<'_>> {
    let Some(least_specific) = op.routes.iter().min_by_key(|route| route.params.len()) else {
        bail!("no routes");
    };
    let group = groups::group_of(&least_specific.path)?;

    let mut path_params: Vec<ParamMeta> = Vec::new();
    for route in &op.routes {
        let in_template: Vec<&str> = route
            .path
            .split('{')
            .skip(1)
            .filter_map(|part| part.split('}').next())
            .collect();
        if in_template != route.params.iter().map(String::as_str).collect::<Vec<_>>() {
            bail!("route {} lists params {:?}", route.path, route.params);
        }
        for name in &route.params {
            if path_params.iter().any(|param| param.name == *name) {
                continue;
            }
            let Some(schema) = op.path_params.get(name) else {
                bail!("route {} uses undeclared parameter {name}", route.path);
            };
            let ty = normalize(schema);
            path_params.push(ParamMeta {
                name: name.clone(),
                kind: Kind::of_path(&ty),
                ty,
                required: op.routes.iter().all(|route| route.params.contains(name)),
            });
        }
    }

    let query = op
        .query
        .iter()
        .map(|option| {
            let ty = normalize(&option.schema);
            ParamMeta {
                name: option.name.clone(),
                kind: Kind::of(&ty),
                ty,
                required: option.required,
            }
        })
        .collect::<Vec<_>>();

    let body = match &op.body {
        None => BodyKind::None,
        Some(body) if body.required => BodyKind::Required,
        Some(_) => BodyKind::Optional,
    };
    let body_ty = op.body.as_ref().map(|body| normalize(&body.schema));
    let response_ty = op.response.as_ref().map(normalize);

    let takes_cursor = query
        .iter()
        .any(|option| option.name == "cursor" && option.kind == Kind::String && !option.required);
    let items = if op.paginated && takes_cursor {
        page_items(response_ty.as_ref())
    } else {
        None
    };

    Ok(OperationMeta {
        op,
        group,
        base: names::pascal(&op.id),
        path_params,
        query,
        body,
        body_ty,
        response_ty,
        items,
    })
}

/// Where a page's list is: the data itself when it is an array, else its one array member,
/// else the list inside its one required object member (`{data: {externalAddons: [...]}}`).
fn page_items(response: Option<&Ty>) -> Option<Items> {
    let mut path = Vec::new();
    let mut ty = response?;
    // Bounded, so a self-similar schema cannot loop.
    for _ in 0..4 {
        let object = match ty.strip_nullable().0 {
            Ty::Array(_) => return Some(Items { path }),
            Ty::Object(object) => object,
            _ => return None,
        };
        let mut arrays = object
            .props
            .iter()
            .filter(|prop| matches!(prop.ty.strip_nullable().0, Ty::Array(_)));
        if let Some(array) = arrays.next() {
            if arrays.next().is_some() {
                return None;
            }
            path.push(array.name.clone());
            return Some(Items { path });
        }
        let mut objects = object
            .props
            .iter()
            .filter(|prop| matches!(prop.ty.strip_nullable().0, Ty::Object(_)));
        let inner = objects.next().filter(|prop| prop.required)?;
        if objects.next().is_some() {
            return None;
        }
        path.push(inner.name.clone());
        ty = &inner.ty;
    }
    None
}

impl OperationMeta<'_> {
    /// The record `spec list --json` prints for the operation.
    pub(crate) fn to_json(&self) -> Value {
        let params = |params: &[ParamMeta]| -> Vec<Value> {
            params
                .iter()
                .map(|param| {
                    json!({
                        "name": param.name,
                        "kind": param.kind.describe(),
                        "required": param.required,
                    })
                })
                .collect()
        };
        json!({
            "id": self.op.id,
            "group": self.group,
            "method": method_name(self.op.method),
            "routes": self.op.routes.iter().map(|route| json!({
                "path": route.path,
                "params": route.params,
            })).collect::<Vec<_>>(),
            "pathParams": params(&self.path_params),
            "query": params(&self.query),
            "body": self.body.name(),
            "paginated": self.op.paginated,
            "itemsKey": self.items.as_ref().and_then(Items::key),
            "itemsPath": self.items.as_ref().map(|items| &items.path),
            "permission": self.op.permission,
        })
    }
}
