//! Rust source of a group module: its models and request types.

use std::fmt::Write as _;

use super::HEADER;
use super::groups;
use super::meta::{BodyKind, method_name};
use super::names;
use super::types::{Field, FieldMode, Group, Model, Place, Request, RequestField, RustTy};

/// The source of `src/generated/<group>.rs`.
pub(crate) fn group_module(group: &Group<'_>) -> String {
    let mut body = String::new();
    for model in &group.models {
        model_source(&mut body, model);
    }
    for request in &group.requests {
        request_source(&mut body, request);
    }
    let serde_models: Vec<&str> = group
        .models
        .iter()
        .filter(|model| !matches!(model, Model::Enum { .. }))
        .map(Model::name)
        .collect();
    if !serde_models.is_empty() {
        out!(body, "serde_via_json!({});", serde_models.join(", "));
    }
    let mut query_enums: Vec<String> = Vec::new();
    for field in group
        .requests
        .iter()
        .flat_map(|request| &request.query_fields)
    {
        let name = match &field.ty {
            RustTy::Named(name) => name,
            RustTy::Vec(item) => match &**item {
                RustTy::Named(name) => name,
                _ => continue,
            },
            _ => continue,
        };
        if !query_enums.contains(name) {
            query_enums.push(name.clone());
        }
    }
    if !query_enums.is_empty() {
        out!(body);
        out!(body, "query_enums!({});", query_enums.join(", "));
    }

    let mut source = String::new();
    out!(source, "{HEADER}");
    out!(source, "//! {}", groups::description(group.name));
    out!(source, "//!");
    out!(
        source,
        "//! Enabled by the `{}` feature. Every operation has a request type (`…Request`), and a",
        group.name
    );
    out!(
        source,
        "//! `…Response` and `…Body` name for its response data and body."
    );
    out!(source);
    let uses = |needle: &str| body.contains(needle);
    if uses("BTreeMap<") || uses("BTreeMap::") {
        out!(source, "use std::collections::BTreeMap;");
        out!(source);
    }
    if uses("Map<String, Value>") || uses("Map::new()") {
        out!(source, "use serde_json::{{Map, Value}};");
    } else {
        out!(source, "use serde_json::Value;");
    }
    out!(source);
    if uses("CompactString") {
        out!(source, "use crate::CompactString;");
    }
    let mut json_items = vec!["self", "DecodeError", "Json"];
    if !serde_models.is_empty() {
        json_items.push("serde_via_json");
    }
    if group
        .models
        .iter()
        .any(|model| matches!(model, Model::Enum { .. }))
    {
        json_items.push("string_enum");
    }
    if body.contains("query_enums!(") {
        json_items.push("query_enums");
    }
    if body.contains("Reader<'_>") {
        json_items.push("Reader");
    }
    out!(source, "use crate::json::{{{}}};", json_items.join(", "));
    if group.requests.iter().any(|request| request.page.is_some()) {
        out!(source, "use crate::operation::{{Operation, Paginated}};");
    } else {
        out!(source, "use crate::operation::Operation;");
    }
    out!(source, "use crate::registry::OperationInfo;");
    out!(
        source,
        "use crate::request::{{BuildError, PartsBuilder, RequestParts}};"
    );
    out!(source);
    source.push_str(&body);
    source
}

/// `value` as a Rust string literal.
pub(crate) fn literal(value: &str) -> String {
    format!("{value:?}")
}

/// `value` safe inside a Markdown code span.
fn code(value: &str) -> String {
    value.replace('`', "'")
}

fn model_source(out: &mut String, model: &Model) {
    match model {
        Model::Struct {
            name,
            place,
            fields,
            additional,
        } => struct_source(out, name, place, fields, additional.as_ref()),
        Model::Enum {
            name,
            place,
            variants,
        } => {
            // rustfmt leaves macro bodies alone, so they are indented here.
            out!(out, "string_enum! {{");
            out!(out, "    /// The values of {}.", place.describe());
            out!(out, "    pub enum {name} {{");
            for (variant, value) in variants {
                out!(out, "        /// `{}`", code(&literal(value)));
                out!(out, "        {variant} = {},", literal(value));
            }
            out!(out, "    }}");
            out!(out, "}}");
            out!(out);
        }
        Model::Union {
            name,
            place,
            variants,
        } => union_source(out, name, &place.describe(), variants),
    }
}

fn struct_source(
    out: &mut String,
    name: &str,
    place: &Place,
    fields: &[Field],
    additional: Option<&(String, RustTy)>,
) {
    let required: Vec<&Field> = fields.iter().filter(|field| field.is_required()).collect();
    out!(out, "/// {}.", capitalise(&place.describe_object()));
    if required.is_empty() {
        out!(out, "#[derive(Debug, Clone, PartialEq, Default)]");
    } else {
        out!(out, "#[derive(Debug, Clone, PartialEq)]");
    }
    out!(out, "#[non_exhaustive]");
    out!(out, "pub struct {name} {{");
    for field in fields {
        out!(out, "/// {}", field_doc(field));
        out!(out, "pub {}: {},", field.rust, field.ty().render());
    }
    if let Some((field, ty)) = additional {
        out!(out, "/// The members not declared above, by name.");
        out!(
            out,
            "pub {field}: BTreeMap<CompactString, {}>,",
            ty.render()
        );
    }
    out!(out, "}}");
    out!(out);

    out!(out, "impl {name} {{");
    if required.is_empty() {
        out!(out, "/// A value with every member absent.");
    } else {
        out!(
            out,
            "/// A value with the required members set and the others absent."
        );
    }
    if required.len() > 7 {
        out!(out, "#[allow(clippy::too_many_arguments)]");
    }
    let params: Vec<String> = required
        .iter()
        .map(|field| format!("{}: {}", field.rust, param_ty(&field.ty())))
        .collect();
    out!(out, "pub fn new({}) -> Self {{", params.join(", "));
    out!(out, "Self {{");
    for field in fields {
        if field.is_required() {
            out!(
                out,
                "{}: {},",
                field.rust,
                param_value(&field.ty(), &field.rust)
            );
        } else {
            out!(out, "{}: None,", field.rust);
        }
    }
    if let Some((field, _)) = additional {
        out!(out, "{field}: BTreeMap::new(),");
    }
    out!(out, "}}");
    out!(out, "}}");
    for field in fields.iter().filter(|field| !field.is_required()) {
        // The setter takes what goes inside the outer `Option`.
        let value_ty = match field.mode {
            FieldMode::OptionalNullable => RustTy::Option(Box::new(field.inner.clone())),
            _ => field.inner.clone(),
        };
        out!(out);
        out!(out, "/// Sets [`Self::{}`].", field.rust);
        // Compiled where it is used, rather than every setter of every model here.
        out!(out, "#[inline]");
        out!(out, "#[must_use]");
        out!(
            out,
            "pub fn {}(mut self, {}: {}) -> Self {{",
            field.setter(),
            field.rust,
            param_ty(&value_ty)
        );
        out!(
            out,
            "self.{} = Some({});",
            field.rust,
            param_value(&value_ty, &field.rust)
        );
        out!(out, "self");
        out!(out, "}}");
    }
    out!(out, "}}");
    out!(out);

    // Decoding reads every member into a local and checks for errors once: see
    // `nf_types::json::Fields` for why.
    let field_names: Vec<&str> = fields
        .iter()
        .map(|field| field.rust.as_str())
        .chain(additional.map(|(field, _)| field.as_str()))
        .collect();
    let free = |candidates: [&'static str; 3]| {
        candidates
            .into_iter()
            .find(|name| !field_names.contains(name))
            .unwrap_or(candidates[2])
    };
    let reader = free(["reader", "json_reader", "reader_of_the_text"]);
    let decoder = free(["fields", "json_fields", "fields_of_the_object"]);
    let key = free(["key", "json_key", "key_of_the_member"]);
    out!(out, "impl Json for {name} {{");
    out!(
        out,
        "fn decode({reader}: &mut Reader<'_>) -> Result<Self, DecodeError> {{"
    );
    // Members are matched by their index in a table of names: see `nf_types::json::Fields`.
    assert!(
        fields.len() <= 128,
        "{name}: more than 128 members do not fit the decoder's bit set"
    );
    // The table is built at compile time into the form that keys are matched against in
    // place: see `nf_types::json::Name`.
    let names: Vec<String> = fields.iter().map(|field| literal(&field.json)).collect();
    out!(
        out,
        "const NAMES: &[json::Name] = &json::names([{}]);",
        names.join(", ")
    );
    for field in fields {
        out!(out, "let mut {} = None;", field.rust);
    }
    if let Some((field, _)) = additional {
        out!(out, "let mut {field} = BTreeMap::new();");
    }
    out!(
        out,
        "let mut {decoder} = json::Fields::begin({reader}, NAMES)?;"
    );
    out!(out, "while let Some({key}) = {decoder}.next({reader}) {{");
    out!(out, "match {key} {{");
    for (index, field) in fields.iter().enumerate() {
        let method = match field.mode {
            FieldMode::Required => "required",
            FieldMode::RequiredNullable | FieldMode::Optional => "optional",
            FieldMode::OptionalNullable => "nullable",
        };
        out!(
            out,
            "json::Key::Known({index}) => {decoder}.{method}({reader}, {index}, &mut {}),",
            field.rust
        );
    }
    if let Some((field, _)) = additional {
        out!(
            out,
            "json::Key::Other({key}) => {decoder}.rest({reader}, {key}, &mut {field}),"
        );
    }
    out!(out, "_ => {decoder}.skip({reader}),");
    out!(out, "}}");
    out!(out, "}}");
    let required: Vec<&Field> = fields
        .iter()
        .filter(|field| field.mode == FieldMode::Required)
        .collect();
    let mask = fields
        .iter()
        .enumerate()
        .filter(|(_, field)| field.mode == FieldMode::Required)
        .fold(0_u128, |mask, (index, _)| mask | (1 << index));
    out!(out, "{decoder}.finish({mask:#x})?;");
    if !required.is_empty() {
        let patterns: Vec<String> = required
            .iter()
            .map(|field| format!("Some({})", field.rust))
            .collect();
        let names: Vec<&str> = required.iter().map(|field| field.rust.as_str()).collect();
        out!(
            out,
            "let ({},) = ({},) else {{",
            patterns.join(", "),
            names.join(", ")
        );
        out!(out, "return Err(json::incomplete());");
        out!(out, "}};");
    }
    out!(out, "Ok(Self {{ {} }})", field_names.join(", "));
    out!(out, "}}");
    out!(out);
    out!(out, "fn to_json(&self) -> Value {{");
    out!(out, "let mut members = Map::new();");
    for field in fields {
        let json = literal(&field.json);
        match field.mode {
            FieldMode::Required | FieldMode::RequiredNullable => {
                out!(
                    out,
                    "json::put(&mut members, {json}, &self.{});",
                    field.rust
                );
            }
            FieldMode::Optional | FieldMode::OptionalNullable => {
                out!(
                    out,
                    "json::put_some(&mut members, {json}, self.{}.as_ref());",
                    field.rust
                );
            }
        }
    }
    if let Some((field, _)) = additional {
        out!(out, "json::put_rest(&mut members, &self.{field});");
    }
    out!(out, "Value::Object(members)");
    out!(out, "}}");
    out!(out, "}}");
    out!(out);
}

fn field_doc(field: &Field) -> String {
    let name = code(&field.json);
    match field.mode {
        FieldMode::Required => format!("The `{name}` member."),
        FieldMode::RequiredNullable => format!("The `{name}` member; `null` when `None`."),
        FieldMode::Optional => format!("The `{name}` member; omitted when `None`."),
        FieldMode::OptionalNullable => {
            format!("The `{name}` member; omitted when `None`, `null` when `Some(None)`.")
        }
    }
}

/// The parameter type of a constructor or setter: strings are taken as `impl Into<String>`
/// or `impl Into<CompactString>`.
fn param_ty(ty: &RustTy) -> String {
    match ty {
        RustTy::String | RustTy::CompactString => format!("impl Into<{}>", ty.render()),
        other => other.render(),
    }
}

/// The expression storing parameter `name` of type `ty` (see [`param_ty`]).
fn param_value(ty: &RustTy, name: &str) -> String {
    match ty {
        RustTy::String | RustTy::CompactString => format!("{name}.into()"),
        _ => name.to_owned(),
    }
}

fn union_source(out: &mut String, name: &str, place: &str, variants: &[(&'static str, RustTy)]) {
    let expected = variants
        .iter()
        .map(|(variant, _)| article(variant))
        .collect::<Vec<_>>()
        .join(" or ");
    out!(
        out,
        "/// {}: a value of one of several JSON types.",
        capitalise(place)
    );
    out!(out, "#[derive(Debug, Clone, PartialEq)]");
    out!(out, "#[non_exhaustive]");
    if variants.iter().any(|(variant, _)| *variant == "Object") {
        // Boxing the struct would burden every user for a few bytes saved.
        out!(out, "#[allow(clippy::large_enum_variant)]");
    }
    out!(out, "pub enum {name} {{");
    for (variant, ty) in variants {
        out!(out, "/// {}.", capitalise(&article(variant)));
        out!(out, "{variant}({}),", ty.render());
    }
    out!(out, "}}");
    out!(out);
    out!(out, "impl Json for {name} {{");
    out!(
        out,
        "fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {{"
    );
    out!(out, "match reader.peek()? {{");
    let mut seen = Vec::new();
    for (variant, ty) in variants {
        let kind = match *variant {
            "Boolean" => "Bool",
            "Integer" | "Number" => "Number",
            "String" => "String",
            "Array" => "Array",
            _ => "Object",
        };
        // The first variant of a JSON type takes it, as a match on the value would.
        if seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        out!(
            out,
            "json::Kind::{kind} => <{}>::decode(reader).map(Self::{variant}),",
            ty.render()
        );
    }
    out!(
        out,
        "other => Err(DecodeError::unexpected_kind({}, other)),",
        literal(&expected)
    );
    out!(out, "}}");
    out!(out, "}}");
    out!(out);
    out!(out, "fn to_json(&self) -> Value {{");
    out!(out, "match self {{");
    for (variant, _) in variants {
        out!(out, "Self::{variant}(value) => value.to_json(),");
    }
    out!(out, "}}");
    out!(out, "}}");
    out!(out, "}}");
    out!(out);
}

/// `a boolean`, `an integer`, `an array`, `an object`, ...
fn article(variant: &str) -> String {
    let lower = variant.to_ascii_lowercase();
    if lower.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {lower}")
    } else {
        format!("a {lower}")
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn request_source(out: &mut String, request: &Request<'_>) {
    let meta = request.meta;
    let op = meta.op;
    let name = &request.name;
    let method = method_name(op.method);

    for (alias, target, role) in &request.aliases {
        out!(out, "/// The {role} of `{}`.", op.id);
        out!(out, "pub type {alias} = {};", target.render());
        out!(out);
    }

    out!(
        out,
        "/// The request of `{}`: `{method} {}`.",
        op.id,
        op.routes.last().map_or("", |route| route.path.as_str())
    );
    out!(out, "///");
    if op.routes.len() > 1 {
        out!(
            out,
            "/// Its routes, the first whose parameters are all set being used:"
        );
        for route in &op.routes {
            out!(out, "/// - `{}`", route.path);
        }
        out!(out, "///");
    }
    let mut facts = Vec::new();
    if op.paginated {
        facts.push("Paginated.".to_owned());
    }
    if let Some(permission) = &op.permission {
        facts.push(format!("Needs the permission `{}`.", code(permission)));
    }
    if facts.is_empty() {
        facts.push("Needs no particular permission.".to_owned());
    }
    out!(out, "/// {}", facts.join(" "));
    let takes_nothing = request
        .path_fields
        .iter()
        .chain(&request.query_fields)
        .all(|field| !field.required)
        && meta.body != BodyKind::Required;
    if takes_nothing {
        out!(out, "#[derive(Debug, Clone, PartialEq, Default)]");
    } else {
        out!(out, "#[derive(Debug, Clone, PartialEq)]");
    }
    out!(out, "#[non_exhaustive]");
    out!(out, "pub struct {name} {{");
    for field in &request.path_fields {
        if field.required {
            out!(out, "/// Path parameter `{}`.", field.wire);
        } else {
            out!(
                out,
                "/// Path parameter `{}`; when set, selects a route that uses it.",
                field.wire
            );
        }
        out!(out, "pub {}: {},", field.rust, field.field_ty().render());
    }
    for field in &request.query_fields {
        if field.required {
            out!(out, "/// Query option `{}`.", code(&field.wire));
        } else {
            out!(
                out,
                "/// Query option `{}`; omitted when `None`.",
                code(&field.wire)
            );
        }
        out!(out, "pub {}: {},", field.rust, field.field_ty().render());
    }
    if let Some((field, ty)) = &request.body {
        if meta.body == BodyKind::Required {
            out!(out, "/// The body.");
            out!(out, "pub {field}: {},", ty.render());
        } else {
            out!(out, "/// The body; none is sent when `None`.");
            out!(out, "pub {field}: Option<{}>,", ty.render());
        }
    }
    out!(out, "}}");
    out!(out);

    let all_fields: Vec<&RequestField> = request
        .path_fields
        .iter()
        .chain(&request.query_fields)
        .collect();
    let mut params: Vec<String> = all_fields
        .iter()
        .filter(|field| field.required)
        .map(|field| format!("{}: {}", field.rust, param_ty(&field.ty)))
        .collect();
    let required_body = request
        .body
        .as_ref()
        .filter(|_| meta.body == BodyKind::Required);
    if let Some((field, ty)) = required_body {
        params.push(format!("{field}: {}", ty.render()));
    }
    out!(out, "impl {name} {{");
    if params.is_empty() {
        out!(out, "/// A request with every parameter and option unset.");
    } else {
        out!(
            out,
            "/// A request with the required values set and the others unset."
        );
    }
    if params.len() > 7 {
        out!(out, "#[allow(clippy::too_many_arguments)]");
    }
    out!(out, "pub fn new({}) -> Self {{", params.join(", "));
    out!(out, "Self {{");
    for field in &all_fields {
        if field.required {
            out!(
                out,
                "{}: {},",
                field.rust,
                param_value(&field.ty, &field.rust)
            );
        } else {
            out!(out, "{}: None,", field.rust);
        }
    }
    if let Some((field, _)) = &request.body {
        if required_body.is_some() {
            out!(out, "{field},");
        } else {
            out!(out, "{field}: None,");
        }
    }
    out!(out, "}}");
    out!(out, "}}");
    for field in all_fields.iter().filter(|field| !field.required) {
        out!(out);
        out!(out, "/// Sets [`Self::{}`].", field.rust);
        out!(out, "#[must_use]");
        out!(
            out,
            "pub fn {}(mut self, {}: {}) -> Self {{",
            field.setter(),
            field.rust,
            param_ty(&field.ty)
        );
        out!(
            out,
            "self.{} = Some({});",
            field.rust,
            param_value(&field.ty, &field.rust)
        );
        out!(out, "self");
        out!(out, "}}");
    }
    if let Some((field, ty)) = request.body.as_ref().filter(|_| required_body.is_none()) {
        out!(out);
        out!(out, "/// Sets [`Self::{field}`].");
        out!(out, "#[must_use]");
        out!(
            out,
            "pub fn with_{field}(mut self, {field}: {}) -> Self {{",
            ty.render()
        );
        out!(out, "self.{field} = Some({field});");
        out!(out, "self");
        out!(out, "}}");
    }
    out!(out, "}}");
    out!(out);

    out!(out, "impl Operation for {name} {{");
    out!(out, "const ID: &'static str = {};", literal(&op.id));
    out!(out, "const PAGINATED: bool = {};", op.paginated);
    out!(out, "type Response = {};", request.response.render());
    out!(out);
    out!(out, "fn info() -> &'static OperationInfo {{");
    out!(
        out,
        "&crate::generated::operations::{}",
        names::screaming(&op.id)
    );
    out!(out, "}}");
    out!(out);
    out!(
        out,
        "fn to_parts(&self) -> Result<RequestParts, BuildError> {{"
    );
    if all_fields.is_empty() && request.body.is_none() {
        out!(out, "PartsBuilder::new(Self::info()).finish()");
        out!(out, "}}");
        out!(out, "}}");
        out!(out);
        return;
    }
    out!(out, "let mut parts = PartsBuilder::new(Self::info());");
    for field in &request.path_fields {
        let text = match (&field.ty, field.required) {
            (RustTy::String, true) => format!("Some(&self.{})", field.rust),
            (RustTy::String, false) => format!("self.{}.as_deref()", field.rust),
            (_, true) => format!("Some(&self.{}.to_string())", field.rust),
            (_, false) => format!(
                "self.{}.map(|value| value.to_string()).as_deref()",
                field.rust
            ),
        };
        out!(out, "parts.path_param({}, {text});", literal(&field.wire));
    }
    for field in &request.query_fields {
        out!(
            out,
            "parts.query({}, &self.{});",
            literal(&field.wire),
            field.rust
        );
    }
    match (&request.body, required_body) {
        (Some((field, _)), Some(_)) => {
            out!(out, "parts.body(self.{field}.to_json());");
        }
        (Some((field, _)), None) => {
            out!(out, "if let Some(body) = &self.{field} {{");
            out!(out, "parts.body(body.to_json());");
            out!(out, "}}");
        }
        _ => {}
    }
    out!(out, "parts.finish()");
    out!(out, "}}");
    out!(out, "}}");
    out!(out);

    if let (Some(page), Some(cursor)) = (
        &request.page,
        request
            .query_fields
            .iter()
            .find(|field| field.wire == "cursor" && field.ty == RustTy::String && !field.required),
    ) {
        out!(out, "impl Paginated for {name} {{");
        out!(out, "type Item = {};", page.item.render());
        let members: Vec<String> = page.path.iter().map(|name| literal(name)).collect();
        out!(
            out,
            "const ITEMS_PATH: &'static [&'static str] = &[{}];",
            members.join(", ")
        );
        out!(out);
        out!(out, "fn cursor(&self) -> Option<&str> {{");
        out!(out, "self.{}.as_deref()", cursor.rust);
        out!(out, "}}");
        out!(out);
        out!(out, "fn set_cursor(&mut self, cursor: Option<String>) {{");
        out!(out, "self.{} = cursor;", cursor.rust);
        out!(out, "}}");
        out!(out);
        out!(
            out,
            "fn into_items(response: Self::Response) -> Vec<Self::Item> {{"
        );
        let access = std::iter::once("response")
            .chain(page.fields.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".");
        match page.mode {
            FieldMode::Required => {
                out!(out, "{access}");
            }
            FieldMode::Optional | FieldMode::RequiredNullable => {
                out!(out, "{access}.unwrap_or_default()");
            }
            FieldMode::OptionalNullable => {
                out!(out, "{access}.flatten().unwrap_or_default()");
            }
        }
        out!(out, "}}");
        out!(out, "}}");
        out!(out);
    }
}
