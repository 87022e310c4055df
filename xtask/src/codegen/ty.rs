//! Schemas reduced to the shapes Rust code is generated for.
//!
//! Unions are resolved here, once, by these rules:
//!
//! - `null` among the alternatives makes the rest nullable (`Option`); `any` absorbs everything.
//! - Alternatives of the same JSON type merge: string literals and enumerations into one
//!   enumeration (a plain string absorbs them), integers into numbers when both occur, arrays
//!   into an array of the merged items, and objects into one object whose members are those of
//!   every alternative, required only when every alternative requires them.
//! - What remains has at most one alternative per JSON type, so decoding picks the alternative
//!   by the JSON type of the value alone and cannot be ambiguous.

use crate::spec::model::{Property, Schema};

/// A schema in the form code is generated from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Ty {
    /// Any JSON value.
    Any,
    /// Only `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Int,
    /// Any number.
    Num,
    /// Any string.
    Str,
    /// One of these strings, or one added to the API later.
    Enum(Vec<String>),
    /// An array.
    Array(Box<Ty>),
    /// An object whose members all have this type.
    Map(Box<Ty>),
    /// An object about which nothing is declared.
    FreeObject,
    /// An object with declared members.
    Object(Object),
    /// Values of different JSON types, at most one alternative per type, in the order
    /// boolean, number, string, array, object.
    Union(Vec<Ty>),
    /// The type, or `null`.
    Nullable(Box<Ty>),
}

/// An object with declared members.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Object {
    /// The declared members in order.
    pub(crate) props: Vec<Prop>,
    /// The type of every other member, when the object keeps them.
    pub(crate) additional: Option<Box<Ty>>,
}

/// One declared member of an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Prop {
    /// The member's JSON name.
    pub(crate) name: String,
    /// Whether it is always present.
    pub(crate) required: bool,
    /// Its type; `Nullable` when it may be `null`.
    pub(crate) ty: Ty,
}

/// The JSON type a value of `Ty` has, for sorting union alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum JsonKind {
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Ty {
    /// The type without its `Nullable` wrapper, and whether it had one.
    pub(crate) fn strip_nullable(&self) -> (&Ty, bool) {
        match self {
            Ty::Nullable(inner) => (inner, true),
            other => (other, false),
        }
    }

    fn kind(&self) -> Option<JsonKind> {
        match self {
            Ty::Bool => Some(JsonKind::Bool),
            Ty::Int | Ty::Num => Some(JsonKind::Number),
            Ty::Str | Ty::Enum(_) => Some(JsonKind::String),
            Ty::Array(_) => Some(JsonKind::Array),
            Ty::Map(_) | Ty::FreeObject | Ty::Object(_) => Some(JsonKind::Object),
            Ty::Any | Ty::Null | Ty::Union(_) | Ty::Nullable(_) => None,
        }
    }
}

/// Reduces a schema.
pub(crate) fn normalize(schema: &Schema) -> Ty {
    match schema {
        Schema::Any => Ty::Any,
        Schema::Null => Ty::Null,
        Schema::Boolean => Ty::Bool,
        Schema::Integer => Ty::Int,
        Schema::Number => Ty::Num,
        Schema::String { values: None } => Ty::Str,
        Schema::String {
            values: Some(values),
        } => enumeration(values.iter().cloned()),
        Schema::Literal { value } => match value {
            serde_json::Value::String(text) => Ty::Enum(vec![text.clone()]),
            serde_json::Value::Bool(_) => Ty::Bool,
            serde_json::Value::Number(number) if number.is_i64() || number.is_u64() => Ty::Int,
            serde_json::Value::Number(_) => Ty::Num,
            serde_json::Value::Null => Ty::Null,
            _ => Ty::Any,
        },
        Schema::Array { items } => Ty::Array(Box::new(normalize(items))),
        Schema::Object {
            properties,
            additional,
        } => object(properties, additional.as_deref()),
        Schema::Union { variants } => union(variants.iter().map(normalize).collect()),
    }
}

fn enumeration(values: impl Iterator<Item = String>) -> Ty {
    let mut unique: Vec<String> = Vec::new();
    for value in values {
        if !unique.contains(&value) {
            unique.push(value);
        }
    }
    if unique.is_empty() {
        Ty::Str
    } else {
        Ty::Enum(unique)
    }
}

fn object(properties: &[Property], additional: Option<&Schema>) -> Ty {
    let additional = additional.map(normalize);
    if properties.is_empty() {
        return match additional {
            Some(Ty::Any) | None => Ty::FreeObject,
            Some(value) => Ty::Map(Box::new(value)),
        };
    }
    let mut props: Vec<Prop> = Vec::new();
    for property in properties {
        // A repeated member name keeps its first declaration, as JSON decoders do.
        if props.iter().any(|prop| prop.name == property.name) {
            continue;
        }
        props.push(Prop {
            name: property.name.clone(),
            required: property.required,
            ty: normalize(&property.schema),
        });
    }
    Ty::Object(Object {
        props,
        additional: additional.map(Box::new),
    })
}

/// Merges alternatives by the rules in the module documentation.
pub(crate) fn union(alternatives: Vec<Ty>) -> Ty {
    let mut flat = Vec::new();
    let mut nullable = false;
    flatten(alternatives, &mut flat, &mut nullable);
    if flat.contains(&Ty::Any) {
        return Ty::Any;
    }

    let mut merged: Vec<Ty> = Vec::new();
    for kind in [
        JsonKind::Bool,
        JsonKind::Number,
        JsonKind::String,
        JsonKind::Array,
        JsonKind::Object,
    ] {
        let same: Vec<Ty> = flat
            .iter()
            .filter(|ty| ty.kind() == Some(kind))
            .cloned()
            .collect();
        if same.is_empty() {
            continue;
        }
        merged.push(match kind {
            JsonKind::Bool => Ty::Bool,
            JsonKind::Number if same.iter().all(|ty| *ty == Ty::Int) => Ty::Int,
            JsonKind::Number => Ty::Num,
            JsonKind::String if same.contains(&Ty::Str) => Ty::Str,
            JsonKind::String => enumeration(same.into_iter().flat_map(|ty| match ty {
                Ty::Enum(values) => values,
                _ => Vec::new(),
            })),
            JsonKind::Array => Ty::Array(Box::new(union(
                same.into_iter()
                    .map(|ty| match ty {
                        Ty::Array(items) => *items,
                        other => other,
                    })
                    .collect(),
            ))),
            JsonKind::Object => merge_objects(same),
        });
    }

    let merged = match merged.len() {
        0 => Ty::Null,
        1 => merged.remove(0),
        _ => Ty::Union(merged),
    };
    match merged {
        Ty::Null | Ty::Any => merged,
        other if nullable => Ty::Nullable(Box::new(other)),
        other => other,
    }
}

/// Collects the alternatives of nested unions and notes any `null` among them.
fn flatten(alternatives: Vec<Ty>, flat: &mut Vec<Ty>, nullable: &mut bool) {
    for ty in alternatives {
        match ty {
            Ty::Null => *nullable = true,
            Ty::Nullable(inner) => {
                *nullable = true;
                flatten(vec![*inner], flat, nullable);
            }
            Ty::Union(inner) => flatten(inner, flat, nullable),
            other => {
                if !flat.contains(&other) {
                    flat.push(other);
                }
            }
        }
    }
}

/// One object with the members of all `objects`; see the module documentation.
fn merge_objects(objects: Vec<Ty>) -> Ty {
    if objects.len() == 1 {
        return objects.into_iter().next().unwrap_or(Ty::FreeObject);
    }
    let count = objects.len();
    let mut props: Vec<(String, Vec<Ty>, usize)> = Vec::new();
    let mut additional: Vec<Ty> = Vec::new();
    let mut declared_any = false;
    for object in objects {
        match object {
            Ty::Map(value) => additional.push(*value),
            Ty::Object(object) => {
                declared_any = true;
                for prop in object.props {
                    let slot = match props.iter().position(|(name, _, _)| *name == prop.name) {
                        Some(index) => index,
                        None => {
                            props.push((prop.name.clone(), Vec::new(), 0));
                            props.len() - 1
                        }
                    };
                    props[slot].1.push(prop.ty);
                    if prop.required {
                        props[slot].2 += 1;
                    }
                }
                if let Some(value) = object.additional {
                    additional.push(*value);
                }
            }
            _ => {}
        }
    }
    let additional = if additional.is_empty() {
        None
    } else {
        Some(Box::new(union(additional)))
    };
    if !declared_any {
        return additional.map_or(Ty::FreeObject, Ty::Map);
    }
    Ty::Object(Object {
        props: props
            .into_iter()
            .map(|(name, types, required)| Prop {
                name,
                required: required == count,
                ty: union(types),
            })
            .collect(),
        additional,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(json: &str) -> Ty {
        normalize(&serde_json::from_str(json).expect("test schemas are valid"))
    }

    #[test]
    fn nulls_make_options_and_literals_make_enumerations() {
        assert_eq!(
            schema(r#"{"type":"union","variants":[{"type":"string"},{"type":"null"}]}"#),
            Ty::Nullable(Box::new(Ty::Str))
        );
        assert_eq!(
            schema(
                r#"{"type":"union","variants":[{"type":"literal","value":"a"},{"type":"string","enum":["b","a"]}]}"#
            ),
            Ty::Enum(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            schema(
                r#"{"type":"union","variants":[{"type":"string"},{"type":"literal","value":"latest"}]}"#
            ),
            Ty::Str
        );
        assert_eq!(
            schema(r#"{"type":"union","variants":[{"type":"integer"},{"type":"number"}]}"#),
            Ty::Num
        );
        assert_eq!(
            schema(r#"{"type":"union","variants":[{"type":"any"},{"type":"number"}]}"#),
            Ty::Any
        );
    }

    #[test]
    fn alternatives_of_different_json_types_stay_a_union_in_a_fixed_order() {
        assert_eq!(
            schema(
                r#"{"type":"union","variants":[{"type":"string"},{"type":"number"},{"type":"null"}]}"#
            ),
            Ty::Nullable(Box::new(Ty::Union(vec![Ty::Num, Ty::Str])))
        );
    }

    #[test]
    fn objects_merge_and_keep_only_common_required_members() {
        let merged = schema(
            r#"{"type":"union","variants":[
                {"type":"object","properties":[
                    {"name":"instances","required":true,"schema":{"type":"integer"}},
                    {"name":"internal","required":true,"schema":{"type":"string"}}]},
                {"type":"object","properties":[
                    {"name":"instances","required":true,"schema":{"type":"number"}},
                    {"name":"external","required":true,"schema":{"type":"string"}}]}]}"#,
        );
        let Ty::Object(object) = merged else {
            panic!("objects merge into an object: {merged:?}")
        };
        let summary: Vec<(&str, bool, &Ty)> = object
            .props
            .iter()
            .map(|prop| (prop.name.as_str(), prop.required, &prop.ty))
            .collect();
        assert_eq!(
            summary,
            [
                ("instances", true, &Ty::Num),
                ("internal", false, &Ty::Str),
                ("external", false, &Ty::Str)
            ]
        );
    }
}
