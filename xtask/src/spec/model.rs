//! The in-memory form of the API description kept under `spec/`.
//!
//! `spec/README.md` documents the JSON format; these types are its only reader and writer, so
//! the importer and the code generator cannot disagree about it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole API description: every operation, sorted by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Spec {
    /// Format version of this file; bumped when the format changes incompatibly.
    pub(crate) format: u32,
    /// The packages the description was imported from, such as `@northflank/js-client@0.9.5`.
    pub(crate) sources: Vec<String>,
    /// Every operation, sorted by `id`.
    pub(crate) operations: Vec<Operation>,
}

/// One REST operation of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Operation {
    /// Namespace path in the JS client's spelling: `list.projects`, `get.addon.backup.download`.
    pub(crate) id: String,
    /// HTTP method in upper case.
    pub(crate) method: Method,
    /// Route templates, most path parameters first; `{name}` marks a path parameter.
    pub(crate) routes: Vec<Route>,
    /// Type of every path parameter used by any route, by name.
    pub(crate) path_params: BTreeMap<String, Schema>,
    /// Query options, in the order the API declares them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) query: Vec<QueryOption>,
    /// The JSON request body, when the operation takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Body>,
    /// Schema of the response envelope's `data` member; absent when the API returns none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) response: Option<Schema>,
    /// Whether the response carries `pagination` and the operation takes a `cursor`.
    pub(crate) paginated: bool,
    /// The permission the API token needs, as the API names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) permission: Option<String>,
    /// Which official packages expose the operation: `js`, `python` or both.
    pub(crate) clients: Vec<String>,
}

/// An HTTP method used by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

/// One URL template of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Route {
    /// The template, such as `/v1/teams/{teamId}/projects`.
    pub(crate) path: String,
    /// Names of the path parameters in the order they appear in `path`.
    pub(crate) params: Vec<String>,
}

/// One query option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueryOption {
    /// The name sent on the wire.
    pub(crate) name: String,
    /// Whether the API rejects a request without it.
    pub(crate) required: bool,
    /// Its type; an `array` repeats the key once per element.
    pub(crate) schema: Schema,
}

/// The JSON request body of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Body {
    /// Whether the body must be sent.
    pub(crate) required: bool,
    /// Its schema.
    pub(crate) schema: Schema,
}

/// A JSON type, in a small closed language that both official packages can be read into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub(crate) enum Schema {
    /// Any JSON value; nothing more is known.
    Any,
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// A string; with `enum`, one of the listed values.
    String {
        /// The allowed values, in declaration order, when the string is an enumeration.
        #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
        values: Option<Vec<String>>,
    },
    /// Exactly one JSON value (a string, number or boolean).
    Literal {
        /// The value.
        value: serde_json::Value,
    },
    /// A JSON array.
    Array {
        /// The type of every element.
        items: Box<Schema>,
    },
    /// A JSON object with known members and, optionally, a type for any other member.
    Object {
        /// Known members, in declaration order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        properties: Vec<Property>,
        /// The type of members not listed in `properties`: a map when `properties` is empty.
        #[serde(
            default,
            rename = "additionalProperties",
            skip_serializing_if = "Option::is_none"
        )]
        additional: Option<Box<Schema>>,
    },
    /// A value of any one of the listed types.
    Union {
        /// The alternatives, in declaration order.
        variants: Vec<Schema>,
    },
}

/// One member of an object schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Property {
    /// The member's name in JSON.
    pub(crate) name: String,
    /// Whether the member is always present.
    pub(crate) required: bool,
    /// Its type.
    pub(crate) schema: Schema,
}

impl Spec {
    /// Serialises the description in its committed form: two-space indented JSON with a final
    /// newline, so that importing twice gives the same bytes.
    pub(crate) fn to_pretty_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a spec always serialises");
        text.push('\n');
        text
    }
}
