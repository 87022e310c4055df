//! Every operation of the API as static data, and a request builder driven by JSON values.
//!
//! The registry always lists every operation, whatever group features are enabled: it is
//! small, and tools use it for operations the typed API of their build leaves out, or does
//! not know yet.
//!
//! ```
//! use serde_json::json;
//!
//! let parts = nf_types::registry::build(
//!     "list.projects",
//!     &json!({ "teamId": "my team" }),
//!     &json!({ "per_page": 50 }),
//!     None,
//! )?;
//! assert_eq!(parts.path, "/v1/teams/my%20team/projects");
//! assert_eq!(parts.query, "per_page=50");
//! # Ok::<(), nf_types::BuildError>(())
//! ```

use serde_json::{Map, Value};

use crate::request::{BuildError, PartsBuilder, QueryValue, RequestParts};

/// What the registry knows of one operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The id, in the official JS client's spelling: `list.projects`.
    pub id: &'static str,
    /// The API group, which is also the name of the module and cargo feature of its types.
    pub group: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The route templates, most path parameters first.
    pub routes: &'static [RouteInfo],
    /// Every path parameter any route uses.
    pub path_params: &'static [ParamInfo],
    /// The query options, in the order they are sent.
    pub query: &'static [QueryInfo],
    /// Whether the operation takes a JSON body.
    pub body: BodyKind,
    /// Whether responses are paged by `cursor`.
    pub paginated: bool,
    /// For paginated operations whose list is one member of the response data, that
    /// member (`projects`); see [`OperationInfo::items_path`] for every shape.
    pub items_key: Option<&'static str>,
    /// For paginated operations, the members leading from the response data to each page's
    /// list, as [`crate::Paginated::ITEMS_PATH`] gives them: empty when the data is the
    /// array. `None` when the operation has no list.
    pub items_path: Option<&'static [&'static str]>,
    /// The permission the API token needs, as the API names it.
    pub permission: Option<&'static str>,
}

/// One route template of an operation.
#[derive(Debug)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The template, such as `/v1/teams/{teamId}/projects`.
    pub path: &'static str,
    /// The path parameters it needs, in the order they appear.
    pub params: &'static [&'static str],
}

/// One path parameter.
#[derive(Debug)]
#[non_exhaustive]
pub struct ParamInfo {
    /// Its name in the route templates.
    pub name: &'static str,
    /// The JSON type of its value.
    pub kind: ValueKind,
    /// Whether every route needs it; `teamId` is usually optional and selects a team route.
    pub required: bool,
}

/// One query option.
#[derive(Debug)]
#[non_exhaustive]
pub struct QueryInfo {
    /// Its name on the wire.
    pub name: &'static str,
    /// The JSON type of its value.
    pub kind: ValueKind,
    /// Whether the API rejects a request without it.
    pub required: bool,
}

/// The JSON type of a parameter or option value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// A string.
    String,
    /// A string from a list of known values; other values are accepted too.
    Enum(&'static [&'static str]),
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An array; its key is repeated once per element.
    Array(&'static ValueKind),
    /// Any JSON value.
    Any,
}

impl ValueKind {
    /// The kind's name: `string`, `enum`, `integer`, `number`, `boolean`, `array` or `any`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Enum(_) => "enum",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Array(_) => "array",
            Self::Any => "any",
        }
    }

    /// The text or texts `value` sends, checking its JSON type.
    fn texts(&self, name: &str, value: &Value, texts: &mut Vec<String>) -> Result<(), BuildError> {
        let invalid = |expected| BuildError::InvalidValue {
            name: name.to_owned(),
            expected,
        };
        match (self, value) {
            (Self::String | Self::Enum(_), Value::String(text)) => texts.push(text.clone()),
            (Self::String | Self::Enum(_), _) => return Err(invalid("a string")),
            (Self::Integer, Value::Number(number)) => {
                let whole = crate::json::integer(number).ok_or_else(|| invalid("an integer"))?;
                whole.push_query(texts);
            }
            (Self::Integer, _) => return Err(invalid("an integer")),
            (Self::Number, Value::Number(number)) => {
                number
                    .as_f64()
                    .ok_or_else(|| invalid("a number"))?
                    .push_query(texts);
            }
            (Self::Number, _) => return Err(invalid("a number")),
            (Self::Boolean, Value::Bool(flag)) => flag.push_query(texts),
            (Self::Boolean, _) => return Err(invalid("a boolean")),
            (Self::Array(item), Value::Array(items)) => {
                for value in items {
                    item.texts(name, value, texts)?;
                }
            }
            (Self::Array(_), _) => return Err(invalid("an array")),
            (Self::Any, value) => value.push_query(texts),
        }
        Ok(())
    }
}

/// Whether an operation takes a JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// It takes none; giving one is an error.
    None,
    /// It takes one, which may be left out.
    Optional,
    /// It must be sent.
    Required,
}

/// Every operation, sorted by id.
pub fn operations() -> &'static [&'static OperationInfo] {
    crate::generated::operations::OPERATIONS
}

/// The operation of this id.
pub fn get(id: &str) -> Option<&'static OperationInfo> {
    let operations = operations();
    operations
        .binary_search_by(|info| info.id.cmp(id))
        .ok()
        .map(|index| operations[index])
}

/// Builds the request of operation `id` from JSON values, as the official clients take them:
/// `parameters` holds the path parameters, `options` the query options (both objects, or
/// `null` for none) and `data` the body.
///
/// The bytes are those the typed request of the same operation gives for the same values.
/// `null` members count as absent.
///
/// # Errors
/// [`BuildError::UnknownOperation`] for an unknown id; otherwise as [`OperationInfo::build`].
pub fn build(
    id: &str,
    parameters: &Value,
    options: &Value,
    data: Option<&Value>,
) -> Result<RequestParts, BuildError> {
    let info = get(id).ok_or_else(|| BuildError::UnknownOperation { id: id.to_owned() })?;
    info.build(parameters, options, data)
}

impl OperationInfo {
    /// Builds a request of this operation from JSON values; see [`build`].
    ///
    /// # Errors
    /// A parameter or option the operation does not have, a value of the wrong JSON type, a
    /// missing required value or body, a body for an operation that takes none, or a path
    /// value that is empty, `.` or `..`.
    pub fn build(
        &'static self,
        parameters: &Value,
        options: &Value,
        data: Option<&Value>,
    ) -> Result<RequestParts, BuildError> {
        let mut parts = PartsBuilder::new(self);

        for (name, value) in members(parameters, "parameters")?.into_iter().flatten() {
            let param = self
                .path_params
                .iter()
                .find(|param| param.name == name)
                .ok_or_else(|| BuildError::UnknownParameter { name: name.clone() })?;
            let text = match (param.kind, value) {
                (_, Value::Null) => None,
                (ValueKind::Integer | ValueKind::Number, Value::Number(_)) => {
                    let mut texts = Vec::new();
                    param.kind.texts(name, value, &mut texts)?;
                    texts.pop()
                }
                (_, Value::String(text)) => Some(text.clone()),
                _ => {
                    return Err(BuildError::InvalidValue {
                        name: name.clone(),
                        expected: "a string",
                    });
                }
            };
            parts.path_param_owned(name, text);
        }

        for (name, value) in members(options, "options")?.into_iter().flatten() {
            let index = self
                .query
                .iter()
                .position(|option| option.name == name)
                .ok_or_else(|| BuildError::UnknownOption { name: name.clone() })?;
            if value.is_null() {
                continue;
            }
            let mut texts = Vec::new();
            self.query[index].kind.texts(name, value, &mut texts)?;
            parts.query_texts(index, texts);
        }

        if let Some(data) = data.filter(|data| !data.is_null()) {
            parts.body(data.clone());
        }
        parts.finish()
    }
}

/// The members of an object, `None` for `null`, and an error for anything else.
fn members<'a>(
    value: &'a Value,
    what: &'static str,
) -> Result<Option<&'a Map<String, Value>>, BuildError> {
    match value {
        Value::Object(members) => Ok(Some(members)),
        Value::Null => Ok(None),
        _ => Err(BuildError::InvalidValue {
            name: what.to_owned(),
            expected: "an object",
        }),
    }
}
