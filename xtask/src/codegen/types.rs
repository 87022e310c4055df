//! The Rust types of one API group: every named model, shared where structurally identical,
//! and one request type per operation.

use std::collections::BTreeMap;

use super::meta::OperationMeta;
use super::names::{self, Scope};
use super::ty::{Object, Ty};

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RustTy {
    Value,
    Bool,
    I64,
    F64,
    /// `String`: path parameters and query options, which only ever become the URL.
    String,
    /// `CompactString`: the strings of models, which mostly fit inline and so need no
    /// allocation when decoded.
    CompactString,
    /// A type generated in the group.
    Named(String),
    Vec(Box<RustTy>),
    /// `BTreeMap<CompactString, T>`.
    Map(Box<RustTy>),
    /// `Map<String, Value>`, for objects about which nothing is declared.
    JsonMap,
    Option(Box<RustTy>),
    /// `()`: no response data.
    Unit,
}

impl RustTy {
    /// The type as Rust source.
    pub(crate) fn render(&self) -> String {
        match self {
            RustTy::Value => "Value".to_owned(),
            RustTy::Bool => "bool".to_owned(),
            RustTy::I64 => "i64".to_owned(),
            RustTy::F64 => "f64".to_owned(),
            RustTy::String => "String".to_owned(),
            RustTy::CompactString => "CompactString".to_owned(),
            RustTy::Named(name) => name.clone(),
            RustTy::Vec(item) => format!("Vec<{}>", item.render()),
            RustTy::Map(value) => format!("BTreeMap<CompactString, {}>", value.render()),
            RustTy::JsonMap => "Map<String, Value>".to_owned(),
            RustTy::Option(inner) => format!("Option<{}>", inner.render()),
            RustTy::Unit => "()".to_owned(),
        }
    }
}

/// Longest type name made from a full member path; longer ones drop leading path segments.
const NAME_LIMIT: usize = 60;

/// Where a type first occurs, for its name and its documentation.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// The name of the root type: `CreateServiceDeploymentBody`.
    pub(crate) root: String,
    /// The path below the root in name form: `["Billing", "Gpu"]`.
    pub(crate) segments: Vec<String>,
    /// The JSON path below the root: `billing.gpu`; empty at the root.
    pub(crate) path: String,
    /// `body`, `response data` or `query options`.
    pub(crate) role: &'static str,
    /// The operation id.
    pub(crate) op: String,
}

impl Place {
    /// A place at the root of a body, response or option.
    fn root(root: String, path: &str, role: &'static str, op: &str) -> Place {
        Place {
            root,
            segments: Vec::new(),
            path: path.to_owned(),
            role,
            op: op.to_owned(),
        }
    }

    /// The type name this place suggests: the root and every path segment
    /// (`CreateServiceDeploymentBodyBillingGpu`), or when that is longer than
    /// [`NAME_LIMIT`], the root and as few of the last segments as fit, at least two.
    pub(crate) fn stem(&self) -> String {
        let mut skip = 0;
        let length = |skip: usize| {
            self.root.len() + self.segments[skip..].iter().map(String::len).sum::<usize>()
        };
        while skip + 2 < self.segments.len() && length(skip) > NAME_LIMIT {
            skip += 1;
        }
        let mut stem = self.root.clone();
        for segment in &self.segments[skip..] {
            stem.push_str(segment);
        }
        stem
    }

    fn member(&self, name: &str) -> Place {
        let mut segments = self.segments.clone();
        segments.push(names::pascal(name));
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        };
        Place {
            segments,
            path,
            ..self.clone()
        }
    }

    fn nested(&self, segment: &str, path_suffix: &str) -> Place {
        let mut segments = self.segments.clone();
        if !segment.is_empty() {
            segments.push(segment.to_owned());
        }
        Place {
            segments,
            path: format!("{}{path_suffix}", self.path),
            ..self.clone()
        }
    }

    /// "the object at `billing.gpu` in the body of `create.service`", or "the body of
    /// `create.service`".
    pub(crate) fn describe_object(&self) -> String {
        if self.path.is_empty() {
            self.describe()
        } else {
            format!("the object at {}", self.describe())
        }
    }

    /// "`billing.gpu` in the body of `create.service`", or "the body of `create.service`".
    pub(crate) fn describe(&self) -> String {
        if self.path.is_empty() {
            format!("the {} of `{}`", self.role, self.op)
        } else {
            format!("`{}` in the {} of `{}`", self.path, self.role, self.op)
        }
    }
}

/// How a struct field is read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldMode {
    /// Always present and never `null`: `T`.
    Required,
    /// Always present, possibly `null`: `Option<T>`, written as `null` when `None`.
    RequiredNullable,
    /// May be absent: `Option<T>`, omitted when `None`.
    Optional,
    /// May be absent or `null`: `Option<Option<T>>`.
    OptionalNullable,
}

/// One field of a generated struct.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The JSON member name.
    pub(crate) json: String,
    /// The Rust field name.
    pub(crate) rust: String,
    /// The type of the value without the `Option` wrappers of `mode`.
    pub(crate) inner: RustTy,
    pub(crate) mode: FieldMode,
}

impl Field {
    /// The field's full type.
    pub(crate) fn ty(&self) -> RustTy {
        let inner = self.inner.clone();
        match self.mode {
            FieldMode::Required => inner,
            FieldMode::RequiredNullable | FieldMode::Optional => RustTy::Option(Box::new(inner)),
            FieldMode::OptionalNullable => {
                RustTy::Option(Box::new(RustTy::Option(Box::new(inner))))
            }
        }
    }

    /// Whether the constructor takes it.
    pub(crate) fn is_required(&self) -> bool {
        matches!(self.mode, FieldMode::Required | FieldMode::RequiredNullable)
    }

    /// The name of its setter: `with_type` for field `type_`.
    pub(crate) fn setter(&self) -> String {
        format!("with_{}", self.rust.trim_end_matches('_'))
    }
}

/// A generated model.
#[derive(Debug)]
pub(crate) enum Model {
    Struct {
        name: String,
        place: Place,
        fields: Vec<Field>,
        /// The field keeping undeclared members, and their type.
        additional: Option<(String, RustTy)>,
    },
    Enum {
        name: String,
        place: Place,
        /// Variant name and value.
        variants: Vec<(String, String)>,
    },
    Union {
        name: String,
        place: Place,
        /// Variant name (the JSON type) and type, in the order boolean, number, string,
        /// array, object.
        variants: Vec<(&'static str, RustTy)>,
    },
}

impl Model {
    pub(crate) fn name(&self) -> &str {
        match self {
            Model::Struct { name, .. } | Model::Enum { name, .. } | Model::Union { name, .. } => {
                name
            }
        }
    }
}

/// The request type of one operation.
#[derive(Debug)]
pub(crate) struct Request<'m> {
    pub(crate) meta: &'m OperationMeta<'m>,
    /// `ListProjectsRequest`.
    pub(crate) name: String,
    /// Path parameter fields, in `meta.path_params` order.
    pub(crate) path_fields: Vec<RequestField>,
    /// Query option fields, in `meta.query` order.
    pub(crate) query_fields: Vec<RequestField>,
    /// The body field's name (`body`) and the body type, when there is a body.
    pub(crate) body: Option<(String, RustTy)>,
    /// The response data type.
    pub(crate) response: RustTy,
    /// Aliases naming this operation's body and response: (alias, target).
    pub(crate) aliases: Vec<(String, RustTy, &'static str)>,
    /// For paginated requests, where the response keeps the items.
    pub(crate) page: Option<PageItems>,
}

/// The member of a page's data holding its items.
#[derive(Debug)]
pub(crate) struct PageItems {
    /// The JSON members leading from the response data to the array.
    pub(crate) path: Vec<String>,
    /// The fields of the response structs along that path, and how the last is held (the
    /// others are required); empty when the response is the array.
    pub(crate) fields: Vec<String>,
    /// How the last field is held.
    pub(crate) mode: FieldMode,
    /// The type of one item.
    pub(crate) item: RustTy,
}

/// A path parameter or query option of a request type.
#[derive(Debug)]
pub(crate) struct RequestField {
    /// The name on the wire.
    pub(crate) wire: String,
    /// The Rust field name.
    pub(crate) rust: String,
    /// The value's type.
    pub(crate) ty: RustTy,
    /// Whether the constructor takes it.
    pub(crate) required: bool,
}

impl RequestField {
    /// The field's full type.
    pub(crate) fn field_ty(&self) -> RustTy {
        if self.required {
            self.ty.clone()
        } else {
            RustTy::Option(Box::new(self.ty.clone()))
        }
    }

    /// The name of its setter.
    pub(crate) fn setter(&self) -> String {
        format!("with_{}", self.rust.trim_end_matches('_'))
    }
}

/// The models and requests of one group.
#[derive(Debug)]
pub(crate) struct Group<'m> {
    pub(crate) name: &'static str,
    /// Models in the order they were first met: each parent before its members' types.
    pub(crate) models: Vec<Model>,
    pub(crate) requests: Vec<Request<'m>>,
}

/// Collects types, sharing structurally identical ones.
struct Collector {
    scope: Scope,
    shared: BTreeMap<Ty, String>,
    /// Models by position of first occurrence; `None` while a struct's members are collected.
    models: Vec<Option<Model>>,
}

/// Builds the types of the operations of one group.
pub(crate) fn group<'m>(name: &'static str, metas: &[&'m OperationMeta<'m>]) -> Group<'m> {
    let mut collector = Collector {
        scope: Scope::default(),
        shared: BTreeMap::new(),
        models: Vec::new(),
    };
    // The names every operation is known by come first, so nested types never take them.
    for meta in metas {
        collector.scope.reserve(&format!("{}Request", meta.base));
        collector.scope.reserve(&format!("{}Response", meta.base));
        collector.scope.reserve(&format!("{}Body", meta.base));
    }
    let requests = metas.iter().map(|meta| collector.request(meta)).collect();
    Group {
        name,
        models: collector.models.into_iter().flatten().collect(),
        requests,
    }
}

impl Collector {
    fn request<'m>(&mut self, meta: &'m OperationMeta<'m>) -> Request<'m> {
        let mut fields = Scope::default();
        let mut aliases = Vec::new();

        let path_fields: Vec<RequestField> = meta
            .path_params
            .iter()
            .map(|param| RequestField {
                wire: param.name.clone(),
                rust: fields.claim(&names::snake(&param.name), "_"),
                ty: match param.ty.strip_nullable().0 {
                    Ty::Int => RustTy::I64,
                    Ty::Num => RustTy::F64,
                    _ => RustTy::String,
                },
                required: param.required,
            })
            .collect();

        let query_fields: Vec<RequestField> = meta
            .query
            .iter()
            .map(|option| {
                let snake = names::snake(&option.name);
                // An option named like a path parameter (`teamId`) says which one it is.
                let wanted = if path_fields.iter().any(|field| field.rust == snake) {
                    format!("{}_option", snake.trim_end_matches('_'))
                } else {
                    snake
                };
                let place = Place::root(
                    format!("{}{}", meta.base, names::pascal(&option.name)),
                    &option.name,
                    "query options",
                    &meta.op.id,
                );
                RequestField {
                    wire: option.name.clone(),
                    rust: fields.claim(&wanted, "_"),
                    ty: self.query_ty(option.ty.strip_nullable().0, &place),
                    required: option.required,
                }
            })
            .collect();

        let body = meta.body_ty.as_ref().map(|ty| {
            let alias = format!("{}Body", meta.base);
            let place = Place::root(alias.clone(), "", "body", &meta.op.id);
            let body_ty = self.root(ty, &place);
            if body_ty != RustTy::Named(alias.clone()) {
                aliases.push((alias.clone(), body_ty, "body"));
            }
            (fields.claim("body", "_"), RustTy::Named(alias))
        });

        let response_alias = format!("{}Response", meta.base);
        let mut page = None;
        let response = match &meta.response_ty {
            None => RustTy::Unit,
            Some(ty) => {
                let place = Place::root(response_alias.clone(), "", "response data", &meta.op.id);
                let response_ty = self.root(ty, &place);
                if let Some(items) = &meta.items {
                    page = self.page_items(&items.path, &response_ty);
                }
                if response_ty != RustTy::Named(response_alias.clone()) {
                    aliases.push((response_alias.clone(), response_ty, "response data"));
                }
                RustTy::Named(response_alias)
            }
        };

        Request {
            meta,
            name: format!("{}Request", meta.base),
            path_fields,
            query_fields,
            body,
            response,
            aliases,
            page,
        }
    }

    /// The type of a query option: a scalar, an enumeration or an array of them; anything
    /// else travels as a JSON value.
    fn query_ty(&mut self, ty: &Ty, place: &Place) -> RustTy {
        match ty {
            Ty::Bool => RustTy::Bool,
            Ty::Int => RustTy::I64,
            Ty::Num => RustTy::F64,
            Ty::Str => RustTy::String,
            Ty::Enum(_) => self.rust_ty(ty, place),
            Ty::Array(items) if !matches!(**items, Ty::Array(_)) => {
                match self.query_ty(items.strip_nullable().0, place) {
                    RustTy::Value => RustTy::Value,
                    item => RustTy::Vec(Box::new(item)),
                }
            }
            _ => RustTy::Value,
        }
    }

    /// The fields leading from the response type `response` to a page's items along `path`,
    /// if they end at an array and every field but the last is required.
    fn page_items(&self, path: &[String], response: &RustTy) -> Option<PageItems> {
        let mut ty = response;
        let mut fields = Vec::new();
        let mut mode = FieldMode::Required;
        for (index, key) in path.iter().enumerate() {
            if mode != FieldMode::Required {
                return None;
            }
            let RustTy::Named(name) = ty else {
                return None;
            };
            let members = self.models.iter().flatten().find_map(|model| match model {
                Model::Struct {
                    name: found,
                    fields,
                    ..
                } if found == name => Some(fields),
                _ => None,
            })?;
            let field = members.iter().find(|field| field.json == *key)?;
            fields.push(field.rust.clone());
            mode = field.mode;
            ty = &field.inner;
            if index + 1 < path.len() && mode != FieldMode::Required {
                return None;
            }
        }
        match ty {
            RustTy::Vec(item) => Some(PageItems {
                path: path.to_vec(),
                fields,
                mode,
                item: (**item).clone(),
            }),
            _ => None,
        }
    }

    /// The type of a body or response: named after the operation when it is a new type.
    fn root(&mut self, ty: &Ty, place: &Place) -> RustTy {
        match ty {
            Ty::Object(_) | Ty::Enum(_) | Ty::Union(_) => self.named(ty, place, Some(&place.root)),
            _ => self.rust_ty(ty, place),
        }
    }

    fn rust_ty(&mut self, ty: &Ty, place: &Place) -> RustTy {
        match ty {
            Ty::Any | Ty::Null => RustTy::Value,
            Ty::Bool => RustTy::Bool,
            Ty::Int => RustTy::I64,
            Ty::Num => RustTy::F64,
            Ty::Str => RustTy::CompactString,
            Ty::FreeObject => RustTy::JsonMap,
            Ty::Array(items) => {
                RustTy::Vec(Box::new(self.rust_ty(items, &place.nested("Item", "[]"))))
            }
            Ty::Map(value) => {
                RustTy::Map(Box::new(self.rust_ty(value, &place.nested("Value", ".*"))))
            }
            Ty::Nullable(inner) => RustTy::Option(Box::new(self.rust_ty(inner, place))),
            Ty::Enum(_) | Ty::Object(_) | Ty::Union(_) => self.named(ty, place, None),
        }
    }

    /// The named type for `ty`: the shared one if an identical type exists, else a new one
    /// called `fixed` or named after `place`.
    fn named(&mut self, ty: &Ty, place: &Place, fixed: Option<&str>) -> RustTy {
        if let Some(name) = self.shared.get(ty) {
            return RustTy::Named(name.clone());
        }
        let name = match fixed {
            Some(name) => name.to_owned(),
            None => self.scope.claim(&place.stem(), ""),
        };
        match ty {
            Ty::Object(object) => self.object(ty, object, name, place),
            Ty::Enum(values) => self.enumeration(ty, values, name, place),
            Ty::Union(alternatives) => self.union(ty, alternatives, name, place),
            _ => self.rust_ty(ty, place),
        }
    }

    /// A string enumeration called `name`.
    fn enumeration(&mut self, ty: &Ty, values: &[String], name: String, place: &Place) -> RustTy {
        self.shared.insert(ty.clone(), name.clone());
        let mut variants = Scope::default();
        variants.reserve("Unknown");
        let variants = values
            .iter()
            .enumerate()
            .map(|(index, value)| {
                let mut wanted = names::pascal(value);
                if wanted.is_empty() {
                    wanted = if value.is_empty() {
                        "Empty".to_owned()
                    } else {
                        format!("Value{}", index + 1)
                    };
                }
                if wanted == "Unknown" {
                    wanted = "UnknownValue".to_owned();
                }
                (variants.claim(&wanted, ""), value.clone())
            })
            .collect();
        self.models.push(Some(Model::Enum {
            name: name.clone(),
            place: place.clone(),
            variants,
        }));
        RustTy::Named(name)
    }

    /// An enum called `name` with one variant per JSON type.
    fn union(&mut self, ty: &Ty, alternatives: &[Ty], name: String, place: &Place) -> RustTy {
        self.shared.insert(ty.clone(), name.clone());
        let slot = self.models.len();
        self.models.push(None);
        let variants = alternatives
            .iter()
            .map(|alternative| {
                let (variant, stem, path) = match alternative {
                    Ty::Bool => ("Boolean", "", ""),
                    Ty::Int => ("Integer", "", ""),
                    Ty::Num => ("Number", "", ""),
                    Ty::Str | Ty::Enum(_) => ("String", "String", " (string)"),
                    Ty::Array(_) => ("Array", "Array", " (array)"),
                    _ => ("Object", "Object", " (object)"),
                };
                let rust = self.rust_ty(alternative, &place.nested(stem, path));
                (variant, rust)
            })
            .collect();
        self.models[slot] = Some(Model::Union {
            name: name.clone(),
            place: place.clone(),
            variants,
        });
        RustTy::Named(name)
    }

    /// A struct for `object`, named `name` (already claimed or reserved).
    fn object(&mut self, ty: &Ty, object: &Object, name: String, place: &Place) -> RustTy {
        self.shared.insert(ty.clone(), name.clone());
        let slot = self.models.len();
        self.models.push(None);

        let mut field_names = Scope::default();
        let additional_name = object.additional.as_ref().map(|_| {
            if object
                .props
                .iter()
                .any(|prop| names::snake(&prop.name) == "additional")
            {
                "additional_members".to_owned()
            } else {
                "additional".to_owned()
            }
        });
        if let Some(reserved) = &additional_name {
            field_names.reserve(reserved);
        }
        let fields = object
            .props
            .iter()
            .map(|prop| {
                let (inner_ty, nullable) = prop.ty.strip_nullable();
                let inner = self.rust_ty(inner_ty, &place.member(&prop.name));
                // `Value` holds `null` itself.
                let nullable = nullable && inner != RustTy::Value;
                let mode = match (prop.required, nullable) {
                    (true, false) => FieldMode::Required,
                    (true, true) => FieldMode::RequiredNullable,
                    (false, false) => FieldMode::Optional,
                    (false, true) => FieldMode::OptionalNullable,
                };
                Field {
                    json: prop.name.clone(),
                    rust: field_names.claim(&names::snake(&prop.name), "_"),
                    inner,
                    mode,
                }
            })
            .collect();
        let additional = match (additional_name, &object.additional) {
            (Some(field), Some(ty)) => {
                Some((field, self.rust_ty(ty, &place.nested("Additional", ".*"))))
            }
            _ => None,
        };
        self.models[slot] = Some(Model::Struct {
            name: name.clone(),
            place: place.clone(),
            fields,
            additional,
        });
        RustTy::Named(name)
    }
}
