//! The API description's schema language, read from `spec/api.json`, and the three things the
//! emulator does with a schema: make an example value, shape a stored record to it, and check
//! a request body against it.
//!
//! The language is closed (see `spec/README.md`): `any`, `null`, `boolean`, `integer`,
//! `number`, `string` (with an optional `enum`), `literal`, `array`, `object` and `union`.

use serde_json::{Map, Value};

/// A JSON type of the API description.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Schema {
    /// Any JSON value.
    Any,
    /// `null`.
    Null,
    /// `true` or `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// A string, optionally one of a list of values.
    String(Option<Vec<String>>),
    /// Exactly this value.
    Literal(Value),
    /// An array of the element type.
    Array(Box<Schema>),
    /// An object with known members and optionally a type for the others.
    Object {
        properties: Vec<Property>,
        additional: Option<Box<Schema>>,
    },
    /// One of several types.
    Union(Vec<Schema>),
}

/// One known member of an object schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Property {
    pub(crate) name: String,
    pub(crate) required: bool,
    pub(crate) schema: Schema,
}

/// The timestamp every synthesized date-like string carries, so answers are deterministic.
const EXAMPLE_TIME: &str = "2024-01-01T00:00:00.000Z";

/// Most problems a validation reports; a badly wrong body would otherwise list hundreds.
const MAX_PROBLEMS: usize = 20;

impl Schema {
    /// Reads a schema in the description's JSON form; `at` names the place for errors.
    pub(crate) fn parse(value: &Value, at: &str) -> Result<Self, String> {
        let object = value
            .as_object()
            .ok_or_else(|| format!("{at}: a schema must be an object"))?;
        let kind = object
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}: a schema needs a string `type`"))?;
        Ok(match kind {
            "any" => Self::Any,
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "string" => match object.get("enum") {
                None | Some(Value::Null) => Self::String(None),
                Some(Value::Array(values)) => Self::String(Some(
                    values
                        .iter()
                        .map(|value| {
                            value
                                .as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| format!("{at}: enum values must be strings"))
                        })
                        .collect::<Result<_, _>>()?,
                )),
                Some(_) => return Err(format!("{at}: `enum` must be an array")),
            },
            "literal" => Self::Literal(
                object
                    .get("value")
                    .cloned()
                    .ok_or_else(|| format!("{at}: a literal needs a `value`"))?,
            ),
            "array" => Self::Array(Box::new(Self::parse(
                object
                    .get("items")
                    .ok_or_else(|| format!("{at}: an array needs `items`"))?,
                &format!("{at}[]"),
            )?)),
            "object" => {
                let mut properties = Vec::new();
                if let Some(list) = object.get("properties") {
                    let list = list
                        .as_array()
                        .ok_or_else(|| format!("{at}: `properties` must be an array"))?;
                    for property in list {
                        let name = property
                            .get("name")
                            .and_then(Value::as_str)
                            .ok_or_else(|| format!("{at}: a property needs a string `name`"))?;
                        let required = property
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        let schema = Self::parse(
                            property
                                .get("schema")
                                .ok_or_else(|| format!("{at}.{name}: a property needs `schema`"))?,
                            &format!("{at}.{name}"),
                        )?;
                        properties.push(Property {
                            name: name.to_owned(),
                            required,
                            schema,
                        });
                    }
                }
                let additional = match object.get("additionalProperties") {
                    None | Some(Value::Null) => None,
                    Some(schema) => Some(Box::new(Self::parse(schema, &format!("{at}.*"))?)),
                };
                Self::Object {
                    properties,
                    additional,
                }
            }
            "union" => {
                let variants = object
                    .get("variants")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{at}: a union needs a `variants` array"))?;
                Self::Union(
                    variants
                        .iter()
                        .enumerate()
                        .map(|(index, variant)| Self::parse(variant, &format!("{at}|{index}")))
                        .collect::<Result<_, _>>()?,
                )
            }
            other => return Err(format!("{at}: unknown schema type `{other}`")),
        })
    }

    /// A plausible value of this type: required members only, the first enumeration value,
    /// `0`, `false`, one-element arrays. `name` is the member the value is for, and picks the
    /// form of a string (`…Id`, `…At`, `url`).
    pub(crate) fn example(&self, name: &str) -> Value {
        match self {
            Self::Any | Self::Null => Value::Null,
            Self::Boolean => Value::Bool(false),
            Self::Integer | Self::Number => Value::from(0),
            Self::String(Some(values)) if !values.is_empty() => Value::String(values[0].clone()),
            Self::String(_) => Value::String(example_string(name)),
            Self::Literal(value) => value.clone(),
            Self::Array(items) => Value::Array(vec![items.example(name)]),
            Self::Object { properties, .. } => {
                let mut members = Map::new();
                for property in properties.iter().filter(|property| property.required) {
                    members.insert(
                        property.name.clone(),
                        property.schema.example(&property.name),
                    );
                }
                Value::Object(members)
            }
            // A `null` alternative is the least useful example when another exists.
            Self::Union(variants) => variants
                .iter()
                .find(|variant| !matches!(variant, Self::Null))
                .or_else(|| variants.first())
                .map_or(Value::Null, |variant| variant.example(name)),
        }
    }

    /// Reshapes `value` into this type: members that fit are kept (unknown members too, which
    /// typed models ignore), members that do not fit are replaced or dropped, missing required
    /// members are filled with examples, and literals always take their one value.
    pub(crate) fn conform(&self, value: Value, name: &str) -> Value {
        match (self, value) {
            (Self::Any, value) => value,
            (Self::Null, _) => Value::Null,
            (Self::Boolean, value @ Value::Bool(_)) => value,
            (Self::Integer, Value::Number(number)) if is_integer(&number) => Value::Number(number),
            (Self::Number, value @ Value::Number(_)) => value,
            (Self::String(_), value @ Value::String(_)) => value,
            (Self::Literal(literal), _) => literal.clone(),
            (Self::Array(items), Value::Array(values)) => Value::Array(
                values
                    .into_iter()
                    .map(|value| items.conform(value, name))
                    .collect(),
            ),
            (
                Self::Object {
                    properties,
                    additional,
                },
                Value::Object(members),
            ) => {
                let mut shaped = Map::new();
                for (key, value) in members {
                    match properties.iter().find(|property| property.name == key) {
                        Some(property) => {
                            if property.required || property.schema.score(&value).is_some() {
                                let value = property.schema.conform(value, &key);
                                shaped.insert(key, value);
                            }
                        }
                        None => {
                            let value = match additional {
                                Some(schema) => schema.conform(value, &key),
                                None => value,
                            };
                            shaped.insert(key, value);
                        }
                    }
                }
                for property in properties.iter().filter(|property| property.required) {
                    if !shaped.contains_key(&property.name) {
                        shaped.insert(
                            property.name.clone(),
                            property.schema.example(&property.name),
                        );
                    }
                }
                Value::Object(shaped)
            }
            (Self::Union(variants), value) => {
                let best = variants
                    .iter()
                    .filter_map(|variant| variant.score(&value).map(|score| (score, variant)))
                    // The first of equally good variants wins, as in declaration order.
                    .fold(None::<(i64, &Self)>, |best, (score, variant)| match best {
                        Some((top, _)) if top >= score => best,
                        _ => Some((score, variant)),
                    });
                match best {
                    Some((_, variant)) => variant.conform(value, name),
                    // Nothing fits whole: keep what fits of the first variant of the same
                    // JSON type rather than dropping the value.
                    None => match variants
                        .iter()
                        .find(|variant| variant.accepts_type_of(&value))
                    {
                        Some(variant) => variant.conform(value, name),
                        None => self.example(name),
                    },
                }
            }
            (schema, _) => schema.example(name),
        }
    }

    /// Whether `value` has this type's JSON type, whatever its members.
    fn accepts_type_of(&self, value: &Value) -> bool {
        matches!(
            (self, value),
            (Self::Null, Value::Null)
                | (Self::Boolean, Value::Bool(_))
                | (Self::Integer | Self::Number, Value::Number(_))
                | (Self::String(_), Value::String(_))
                | (Self::Array(_), Value::Array(_))
                | (Self::Object { .. }, Value::Object(_))
        )
    }

    /// How well `value` fits this type: `None` when it cannot (a wrong JSON type or literal),
    /// otherwise higher for more matching members and lower for missing required ones.
    fn score(&self, value: &Value) -> Option<i64> {
        match (self, value) {
            (Self::Any, _) => Some(0),
            (Self::Null, Value::Null) | (Self::Boolean, Value::Bool(_)) => Some(1),
            (Self::Integer, Value::Number(number)) if is_integer(number) => Some(1),
            (Self::Number, Value::Number(_)) => Some(1),
            (Self::String(values), Value::String(text)) => Some(
                if values.as_ref().is_some_and(|values| values.contains(text)) {
                    2
                } else {
                    1
                },
            ),
            // A matching literal is a discriminator: it outweighs any number of members.
            (Self::Literal(literal), value) if literal == value => Some(1000),
            (Self::Array(items), Value::Array(values)) => {
                let mut total = 1;
                for value in values {
                    total += items.score(value)?.min(1);
                }
                Some(total.min(2))
            }
            (
                Self::Object {
                    properties,
                    additional,
                },
                Value::Object(members),
            ) => {
                let mut total = 1;
                for (key, value) in members {
                    match properties.iter().find(|property| &property.name == key) {
                        Some(property) => total += 1 + property.schema.score(value)?,
                        None => {
                            if let Some(schema) = additional {
                                total += schema.score(value)?.min(1);
                            }
                        }
                    }
                }
                for property in properties {
                    if property.required && !members.contains_key(&property.name) {
                        total -= 1;
                    }
                }
                Some(total)
            }
            (Self::Union(variants), value) => variants
                .iter()
                .filter_map(|variant| variant.score(value))
                .max(),
            _ => None,
        }
    }

    /// Checks a request value: JSON types, literals and required members, at every depth.
    /// Enumeration values are not checked, since the API adds new ones.
    pub(crate) fn validate(&self, value: &Value, path: &str, problems: &mut Vec<Problem>) {
        if problems.len() >= MAX_PROBLEMS {
            return;
        }
        let mut wrong = |expected: &str| {
            problems.push(Problem {
                path: path.to_owned(),
                message: format!("must be {expected}, not {}", describe(value)),
            });
        };
        match (self, value) {
            (Self::Any, _)
            | (Self::Null, Value::Null)
            | (Self::Boolean, Value::Bool(_))
            | (Self::Number, Value::Number(_))
            | (Self::String(_), Value::String(_)) => {}
            (Self::Integer, Value::Number(number)) if is_integer(number) => {}
            (Self::Null, _) => wrong("null"),
            (Self::Boolean, _) => wrong("a boolean"),
            (Self::Integer, _) => wrong("an integer"),
            (Self::Number, _) => wrong("a number"),
            (Self::String(_), _) => wrong("a string"),
            (Self::Literal(literal), value) => {
                if literal != value {
                    wrong(&format!("the value {literal}"));
                }
            }
            (Self::Array(items), Value::Array(values)) => {
                for (index, value) in values.iter().enumerate() {
                    items.validate(value, &format!("{path}[{index}]"), problems);
                }
            }
            (Self::Array(_), _) => wrong("an array"),
            (
                Self::Object {
                    properties,
                    additional,
                },
                Value::Object(members),
            ) => {
                for property in properties {
                    let at = join(path, &property.name);
                    match members.get(&property.name) {
                        Some(value) => property.schema.validate(value, &at, problems),
                        None if property.required => problems.push(Problem {
                            path: at,
                            message: "is required".to_owned(),
                        }),
                        None => {}
                    }
                }
                if let Some(schema) = additional {
                    for (key, value) in members {
                        if !properties.iter().any(|property| &property.name == key) {
                            schema.validate(value, &join(path, key), problems);
                        }
                    }
                }
            }
            (Self::Object { .. }, _) => wrong("an object"),
            (Self::Union(variants), value) => {
                // Valid when one alternative accepts it; otherwise report the closest one.
                let mut closest: Option<Vec<Problem>> = None;
                for variant in variants {
                    let mut found = Vec::new();
                    variant.validate(value, path, &mut found);
                    if found.is_empty() {
                        return;
                    }
                    if closest.as_ref().is_none_or(|best| found.len() < best.len()) {
                        closest = Some(found);
                    }
                }
                if let Some(found) = closest {
                    let room = MAX_PROBLEMS.saturating_sub(problems.len());
                    problems.extend(found.into_iter().take(room));
                }
            }
        }
    }
}

/// One thing wrong with a request, for the `details` of a 400 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Where: a dotted member path such as `body.networking.tailscale`, `query.per_page`.
    pub(crate) path: String,
    /// What, in a short phrase.
    pub(crate) message: String,
}

impl Problem {
    /// The problem as a JSON object for the error's `details`.
    pub(crate) fn to_json(&self) -> Value {
        let mut members = Map::new();
        members.insert("path".to_owned(), Value::String(self.path.clone()));
        members.insert("message".to_owned(), Value::String(self.message.clone()));
        Value::Object(members)
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn is_integer(number: &serde_json::Number) -> bool {
    number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|value| value.fract() == 0.0)
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string that looks right for a member of this name.
fn example_string(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if name.ends_with("At")
        || lower.ends_with("time")
        || lower.ends_with("date")
        || lower == "timestamp"
    {
        EXAMPLE_TIME.to_owned()
    } else if lower.ends_with("url") {
        "https://example.com".to_owned()
    } else if lower.contains("email") {
        "user@example.com".to_owned()
    } else {
        "example".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema(value: Value) -> Schema {
        Schema::parse(&value, "test").unwrap()
    }

    fn service() -> Schema {
        let variant = |kind: &str| {
            json!({"type": "object", "properties": [
                {"name": "id", "required": true, "schema": {"type": "string"}},
                {"name": "serviceType", "required": true, "schema": {"type": "literal", "value": kind}},
                {"name": "createdAt", "required": true, "schema": {"type": "string"}},
                {"name": "ports", "required": false, "schema": {"type": "array", "items": {"type": "integer"}}}
            ]})
        };
        schema(json!({"type": "union", "variants": [variant("build"), variant("deployment")]}))
    }

    #[test]
    fn examples_fill_required_members_with_plausible_values() {
        let example = service().example("data");
        assert_eq!(
            example,
            json!({"id": "example", "serviceType": "build", "createdAt": EXAMPLE_TIME})
        );
        let enumeration = schema(json!({"type": "string", "enum": ["b", "a"]}));
        assert_eq!(enumeration.example("x"), json!("b"));
        let nullable =
            schema(json!({"type": "union", "variants": [{"type": "null"}, {"type": "integer"}]}));
        assert_eq!(nullable.example("x"), json!(0));
    }

    #[test]
    fn conform_picks_the_variant_of_the_literal_and_fills_the_rest() {
        let shaped = service().conform(json!({"serviceType": "deployment", "extra": 1}), "data");
        assert_eq!(
            shaped,
            json!({"serviceType": "deployment", "extra": 1, "id": "example", "createdAt": EXAMPLE_TIME})
        );
        let replaced = service().conform(json!({"id": 5, "ports": ["x"]}), "data");
        assert_eq!(replaced["id"], json!("example"));
        assert!(
            replaced.get("ports").is_none(),
            "an optional misfit is dropped"
        );
    }

    #[test]
    fn validation_names_missing_and_mistyped_members() {
        let mut problems = Vec::new();
        service().validate(
            &json!({"serviceType": "build", "id": 3}),
            "body",
            &mut problems,
        );
        let paths: Vec<_> = problems
            .iter()
            .map(|problem| problem.path.as_str())
            .collect();
        assert_eq!(paths, ["body.id", "body.createdAt"]);
        assert_eq!(problems[1].message, "is required");

        let mut problems = Vec::new();
        let ok = json!({"serviceType": "build", "id": "a", "createdAt": "t", "ports": [1, 2]});
        service().validate(&ok, "body", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn parse_rejects_unknown_types() {
        assert!(Schema::parse(&json!({"type": "tuple"}), "x").is_err());
        assert!(Schema::parse(&json!({"type": "array"}), "x").is_err());
    }
}
