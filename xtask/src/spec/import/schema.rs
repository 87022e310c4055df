//! Building, normalising and comparing [`Schema`] values.

use crate::spec::model::{Property, Schema};

/// A plain string without an enumeration.
pub(crate) fn string() -> Schema {
    Schema::String { values: None }
}

/// An object with only an additional-members type: a map.
pub(crate) fn map_of(value: Schema) -> Schema {
    Schema::Object {
        properties: Vec::new(),
        additional: Some(Box::new(value)),
    }
}

/// Builds the union of `variants` in its normal form:
///
/// - nested unions are flattened and exact duplicates dropped (first kept);
/// - `Any` absorbs everything;
/// - string literals and string enumerations merge into one enumeration (or one literal when a
///   single value remains) at the position of the first, and a plain string absorbs them;
/// - `true` and `false` literals together become `boolean`, which also absorbs either;
/// - `number` absorbs `integer`;
/// - a single remaining variant stands alone.
pub(crate) fn union(variants: Vec<Schema>) -> Schema {
    let mut flat = Vec::new();
    flatten(variants, &mut flat);
    if flat.iter().any(|v| matches!(v, Schema::Any)) {
        return Schema::Any;
    }

    let has_plain_string = flat
        .iter()
        .any(|v| matches!(v, Schema::String { values: None }));
    let mut strings: Vec<String> = Vec::new();
    let mut first_string = None;
    for (i, v) in flat.iter().enumerate() {
        let values: Vec<String> = match v {
            Schema::String {
                values: Some(values),
            } => values.clone(),
            Schema::Literal {
                value: serde_json::Value::String(s),
            } => vec![s.clone()],
            _ => continue,
        };
        first_string.get_or_insert(i);
        for value in values {
            if !strings.contains(&value) {
                strings.push(value);
            }
        }
    }
    let bools: Vec<bool> = flat
        .iter()
        .filter_map(|v| match v {
            Schema::Literal {
                value: serde_json::Value::Bool(b),
            } => Some(*b),
            _ => None,
        })
        .collect();
    let make_boolean = bools.contains(&true) && bools.contains(&false);
    let has_boolean = make_boolean || flat.iter().any(|v| matches!(v, Schema::Boolean));
    let has_number = flat.iter().any(|v| matches!(v, Schema::Number));

    let mut out: Vec<Schema> = Vec::new();
    let mut boolean_placed = false;
    for (i, v) in flat.into_iter().enumerate() {
        let replacement = match &v {
            Schema::String { values: Some(_) }
            | Schema::Literal {
                value: serde_json::Value::String(_),
            } => {
                if has_plain_string || first_string != Some(i) {
                    None
                } else if strings.len() == 1 {
                    Some(Schema::Literal {
                        value: serde_json::Value::String(strings[0].clone()),
                    })
                } else {
                    Some(Schema::String {
                        values: Some(strings.clone()),
                    })
                }
            }
            Schema::Literal {
                value: serde_json::Value::Bool(_),
            }
            | Schema::Boolean
                if has_boolean =>
            {
                if boolean_placed {
                    None
                } else {
                    boolean_placed = true;
                    Some(Schema::Boolean)
                }
            }
            Schema::Integer if has_number => None,
            _ => Some(v),
        };
        if let Some(r) = replacement
            && !out.contains(&r)
        {
            out.push(r);
        }
    }
    if out.len() == 1 {
        out.remove(0)
    } else {
        Schema::Union { variants: out }
    }
}

fn flatten(variants: Vec<Schema>, out: &mut Vec<Schema>) {
    for v in variants {
        match v {
            Schema::Union { variants } => flatten(variants, out),
            other => out.push(other),
        }
    }
}

/// A short description of a schema's kind, for reports: `string`, `object (3 properties)`,
/// `string enum (4 values)`, `array of integer`.
pub(crate) fn describe(s: &Schema) -> String {
    match s {
        Schema::Any => "any".to_owned(),
        Schema::Null => "null".to_owned(),
        Schema::Boolean => "boolean".to_owned(),
        Schema::Integer => "integer".to_owned(),
        Schema::Number => "number".to_owned(),
        Schema::String { values: None } => "string".to_owned(),
        Schema::String { values: Some(v) } => format!("string enum ({} values)", v.len()),
        Schema::Literal { value } => format!("literal {value}"),
        Schema::Array { items } => format!("array of {}", describe(items)),
        Schema::Object {
            properties,
            additional,
        } => match (properties.len(), additional) {
            (0, Some(a)) => format!("map of {}", describe(a)),
            (0, None) => "empty object".to_owned(),
            (1, _) => "object (1 property)".to_owned(),
            (n, _) => format!("object ({n} properties)"),
        },
        Schema::Union { variants } if variants.len() > 3 => {
            format!("union of {} variants", variants.len())
        }
        Schema::Union { variants } => {
            let parts: Vec<String> = variants.iter().map(describe).collect();
            format!("union of {}", parts.join(" | "))
        }
    }
}

/// One difference between the JS and the PY reading of a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Difference {
    /// Where: a dotted member path, `[]` for array items, `|n` for the n-th union variant;
    /// empty for the root.
    pub(crate) path: String,
    /// What differs, in words.
    pub(crate) what: String,
}

/// Compares the JS schema `js` with the PY schema `py` and lists where they conflict.
///
/// Differences that carry no conflict are not listed: JS `any` where PY is specific (JS
/// declares nothing), JS `number` where PY says `integer` (JS has no integer type), and member
/// order.
pub(crate) fn diff(js: &Schema, py: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_at("", js, py, &mut out);
    out
}

fn child(path: &str, segment: &str) -> String {
    if path.is_empty() {
        segment.to_owned()
    } else {
        format!("{path}.{segment}")
    }
}

fn diff_at(path: &str, js: &Schema, py: &Schema, out: &mut Vec<Difference>) {
    let mut push = |what: String| {
        out.push(Difference {
            path: path.to_owned(),
            what,
        })
    };
    match (js, py) {
        (Schema::Any, _) => {}
        (Schema::Number, Schema::Integer) => {}
        (Schema::String { values: jv }, Schema::String { values: pv }) => match (jv, pv) {
            (None, None) => {}
            (Some(j), None) => push(format!(
                "JS enumerates {} values ({}), PY takes any string",
                j.len(),
                list(j)
            )),
            (None, Some(p)) => push(format!(
                "PY enumerates {} values ({}), JS takes any string",
                p.len(),
                list(p)
            )),
            (Some(j), Some(p)) => {
                let only_js: Vec<String> = j.iter().filter(|v| !p.contains(v)).cloned().collect();
                let only_py: Vec<String> = p.iter().filter(|v| !j.contains(v)).cloned().collect();
                if !only_js.is_empty() || !only_py.is_empty() {
                    let mut parts = Vec::new();
                    if !only_py.is_empty() {
                        parts.push(format!("only PY has {}", list(&only_py)));
                    }
                    if !only_js.is_empty() {
                        parts.push(format!("only JS has {}", list(&only_js)));
                    }
                    push(format!("enum values differ: {}", parts.join("; ")));
                }
            }
        },
        (Schema::Array { items: j }, Schema::Array { items: p }) => {
            diff_at(&format!("{path}[]"), j, p, out)
        }
        (
            Schema::Object {
                properties: jp,
                additional: ja,
            },
            Schema::Object {
                properties: pp,
                additional: pa,
            },
        ) => {
            let only_py: Vec<&Property> = pp
                .iter()
                .filter(|p| !jp.iter().any(|j| j.name == p.name))
                .collect();
            let only_js: Vec<&Property> = jp
                .iter()
                .filter(|j| !pp.iter().any(|p| p.name == j.name))
                .collect();
            if !only_py.is_empty() {
                push(format!("members only in PY: {}", names(&only_py)));
            }
            if !only_js.is_empty() {
                push(format!("members only in JS: {}", names(&only_js)));
            }
            match (ja, pa) {
                (None, None) => {}
                (Some(j), Some(p)) => diff_at(&format!("{path}.*"), j, p, out),
                (Some(j), None) => out.push(Difference {
                    path: path.to_owned(),
                    what: format!("JS allows other members ({}), PY does not", describe(j)),
                }),
                (None, Some(p)) => out.push(Difference {
                    path: path.to_owned(),
                    what: format!("PY allows other members ({}), JS does not", describe(p)),
                }),
            }
            for p in pp {
                let Some(j) = jp.iter().find(|j| j.name == p.name) else {
                    continue;
                };
                let here = child(path, &p.name);
                if j.required != p.required {
                    out.push(Difference {
                        path: here.clone(),
                        what: format!("required in {} only", if p.required { "PY" } else { "JS" }),
                    });
                }
                diff_at(&here, &j.schema, &p.schema, out);
            }
        }
        (Schema::Union { variants: j }, Schema::Union { variants: p })
            if j.len() == p.len() && j.iter().zip(p).all(|(a, b)| same_kind(a, b)) =>
        {
            for (i, (jv, pv)) in j.iter().zip(p).enumerate() {
                diff_at(&format!("{path}|{}", i + 1), jv, pv, out);
            }
        }
        _ if js == py => {}
        _ => push(format!("JS has {}, PY has {}", describe(js), describe(py))),
    }
}

/// Whether two schemas are of the same kind, so that comparing them member by member makes
/// sense (JS `number` and PY `integer` count as one kind).
fn same_kind(a: &Schema, b: &Schema) -> bool {
    match (a, b) {
        (Schema::Number | Schema::Integer, Schema::Number | Schema::Integer) => true,
        (
            Schema::String { .. } | Schema::Literal { .. },
            Schema::String { .. } | Schema::Literal { .. },
        ) => true,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Whether PY states nothing about a place: `any`, or a map of `any` without members.
fn py_is_unspecific(py: &Schema) -> bool {
    match py {
        Schema::Any => true,
        Schema::Object {
            properties,
            additional: Some(a),
        } => properties.is_empty() && matches!(a.as_ref(), Schema::Any),
        _ => false,
    }
}

/// PY's schema, with JS's structure put in the places where PY states nothing (`any`, or a map
/// of `any`) and JS states more; returns the result and each place JS filled in.
///
/// The PY package's generator writes `Dict[str, Any]` for objects nested deeper than a few
/// levels, where the JS package still declares their members.
pub(crate) fn refine(js: &Schema, py: &Schema) -> (Schema, Vec<Difference>) {
    let mut filled = Vec::new();
    let schema = refine_at("", js, py, &mut filled);
    (schema, filled)
}

fn refine_at(path: &str, js: &Schema, py: &Schema, filled: &mut Vec<Difference>) -> Schema {
    if py_is_unspecific(py) && !matches!(js, Schema::Any) && js != py {
        let what = match js {
            _ if !matches!(py, Schema::Any) => {
                format!(
                    "PY declares a map of any, JS {}; JS's is used",
                    describe(js)
                )
            }
            _ => format!(
                "PY declares {}, JS {}; JS's is used",
                describe(py),
                describe(js)
            ),
        };
        // Only objects may stand where PY has a map: anything else would change the JSON type.
        let js_is_object = match js {
            Schema::Object { .. } => true,
            Schema::Union { variants } => {
                variants.iter().all(|v| matches!(v, Schema::Object { .. }))
            }
            _ => false,
        };
        if matches!(py, Schema::Any) || js_is_object {
            filled.push(Difference {
                path: path.to_owned(),
                what,
            });
            return js.clone();
        }
    }
    match (js, py) {
        (Schema::Array { items: j }, Schema::Array { items: p }) => Schema::Array {
            items: Box::new(refine_at(&format!("{path}[]"), j, p, filled)),
        },
        (
            Schema::Object {
                properties: jp,
                additional: ja,
            },
            Schema::Object {
                properties: pp,
                additional: pa,
            },
        ) => {
            let properties = pp
                .iter()
                .map(|p| match jp.iter().find(|j| j.name == p.name) {
                    Some(j) => Property {
                        name: p.name.clone(),
                        required: p.required,
                        schema: refine_at(&child(path, &p.name), &j.schema, &p.schema, filled),
                    },
                    None => p.clone(),
                })
                .collect();
            let additional = match (ja, pa) {
                (Some(j), Some(p)) => Some(Box::new(refine_at(&format!("{path}.*"), j, p, filled))),
                (_, p) => p.clone(),
            };
            Schema::Object {
                properties,
                additional,
            }
        }
        (Schema::Union { variants: j }, Schema::Union { variants: p })
            if j.len() == p.len() && j.iter().zip(p).all(|(a, b)| same_kind(a, b)) =>
        {
            let variants = j
                .iter()
                .zip(p)
                .enumerate()
                .map(|(i, (jv, pv))| refine_at(&format!("{path}|{}", i + 1), jv, pv, filled))
                .collect();
            Schema::Union { variants }
        }
        _ => py.clone(),
    }
}

fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn names(props: &[&Property]) -> String {
    props
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lit(s: &str) -> Schema {
        Schema::Literal { value: json!(s) }
    }

    fn prop(name: &str, required: bool, schema: Schema) -> Property {
        Property {
            name: name.into(),
            required,
            schema,
        }
    }

    #[test]
    fn unions_normalise() {
        assert_eq!(
            union(vec![
                lit("a"),
                Schema::Union {
                    variants: vec![lit("b"), Schema::Null]
                },
                lit("a")
            ]),
            Schema::Union {
                variants: vec![
                    Schema::String {
                        values: Some(vec!["a".into(), "b".into()])
                    },
                    Schema::Null
                ]
            }
        );
        assert_eq!(union(vec![lit("a"), string()]), string());
        assert_eq!(union(vec![Schema::Integer, Schema::Any]), Schema::Any);
        assert_eq!(union(vec![Schema::Any, Schema::Any]), Schema::Any);
        assert_eq!(
            union(vec![
                Schema::Literal { value: json!(true) },
                Schema::Literal {
                    value: json!(false)
                }
            ]),
            Schema::Boolean
        );
        assert_eq!(union(vec![Schema::Integer, Schema::Number]), Schema::Number);
        assert_eq!(union(vec![lit("x")]), lit("x"));
    }

    #[test]
    fn diffs_list_conflicts_only() {
        let js = Schema::Object {
            properties: vec![
                prop("a", true, Schema::Number),
                prop(
                    "b",
                    false,
                    Schema::String {
                        values: Some(vec!["x".into(), "y".into()]),
                    },
                ),
                prop("old", false, string()),
                prop("c", false, Schema::Any),
            ],
            additional: None,
        };
        let py = Schema::Object {
            properties: vec![
                prop("a", true, Schema::Integer),
                prop(
                    "b",
                    true,
                    Schema::String {
                        values: Some(vec!["x".into(), "z".into()]),
                    },
                ),
                prop(
                    "c",
                    false,
                    Schema::Array {
                        items: Box::new(string()),
                    },
                ),
                prop("new", false, string()),
            ],
            additional: None,
        };
        let d = diff(&js, &py);
        let text: Vec<String> = d
            .iter()
            .map(|d| format!("{}: {}", d.path, d.what))
            .collect();
        assert_eq!(
            text,
            [
                ": members only in PY: `new`",
                ": members only in JS: `old`",
                "b: required in PY only",
                "b: enum values differ: only PY has `z`; only JS has `y`",
            ]
        );
        assert!(diff(&py, &py).is_empty());
        assert_eq!(
            diff(&string(), &Schema::Integer)[0].what,
            "JS has string, PY has integer"
        );
    }
}
