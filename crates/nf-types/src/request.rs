//! The HTTP parts of a request, and the one place where they are assembled.
//!
//! Typed requests ([`crate::Operation::to_parts`]) and the dynamic builder
//! ([`crate::registry::build`]) both hand their values to [`PartsBuilder`], so that the same
//! inputs give the same bytes whichever way they come in.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::registry::{BodyKind, OperationInfo};

/// A request ready for the transport: method, route, encoded path and query, JSON body.
///
/// The path starts with `/v1/` and goes after the API base URL; the query goes after a `?`
/// when it is not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestParts {
    /// The operation id, such as `list.projects`.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The route template the path was made from, such as `/v1/teams/{teamId}/projects`:
    /// low in cardinality, so fit for logs and metrics.
    pub route: &'static str,
    /// The path with every parameter percent-encoded as one segment.
    pub path: String,
    /// The query string without the leading `?`; empty when no option is set.
    pub query: String,
    /// The compact JSON body, when the request has one.
    pub body: Option<Vec<u8>>,
}

impl RequestParts {
    /// The path, then `?` and the query when there is one.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

/// Why a request could not be built. Nothing has been sent when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The registry has no operation of this id.
    #[error("unknown operation `{id}`")]
    UnknownOperation {
        /// The id asked for.
        id: String,
    },
    /// No route of the operation has all its path parameters set.
    #[error("missing path parameter `{name}`")]
    MissingParameter {
        /// A parameter that the least demanding route needs.
        name: &'static str,
    },
    /// A path parameter value would not stay one path segment.
    #[error("invalid value of path parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// Why, such as `it is empty`.
        reason: &'static str,
    },
    /// The operation has no path parameter of this name.
    #[error("unknown path parameter `{name}`")]
    UnknownParameter {
        /// The name given.
        name: String,
    },
    /// The operation has no query option of this name.
    #[error("unknown query option `{name}`")]
    UnknownOption {
        /// The name given.
        name: String,
    },
    /// A required query option is not set.
    #[error("missing query option `{name}`")]
    MissingOption {
        /// The option.
        name: &'static str,
    },
    /// A dynamic value has the wrong JSON type.
    #[error("invalid value of `{name}`: expected {expected}")]
    InvalidValue {
        /// The parameter or option, or `parameters`, `options` for the containers.
        name: String,
        /// What was expected, such as `a string`.
        expected: &'static str,
    },
    /// The operation requires a body and none was given.
    #[error("missing request body")]
    MissingBody,
    /// A body was given to an operation that takes none.
    #[error("this operation takes no request body")]
    UnexpectedBody,
}

/// Characters kept raw in a path segment: the set JavaScript's `encodeURIComponent` keeps
/// (`A-Z a-z 0-9 - _ . ! ~ * ( )`) minus `'`, which the official client's URL layer escapes.
/// Everything else, `/ ? # %` and space included, is percent-encoded as UTF-8.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'(')
    .remove(b')');

/// Characters kept raw in query keys and values: only the unreserved ones, so a space is
/// `%20` (never `+`) and `& = + # %` cannot change the query's structure.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value that can fill a query option: it adds one text per repetition of the key.
pub trait QueryValue {
    /// Appends the option's texts: none when absent, one per element of an array.
    fn push_query(&self, values: &mut Vec<String>);
}

impl QueryValue for String {
    fn push_query(&self, values: &mut Vec<String>) {
        values.push(self.clone());
    }
}

impl QueryValue for bool {
    fn push_query(&self, values: &mut Vec<String>) {
        values.push(if *self { "true" } else { "false" }.to_owned());
    }
}

impl QueryValue for i64 {
    fn push_query(&self, values: &mut Vec<String>) {
        values.push(self.to_string());
    }
}

impl QueryValue for f64 {
    fn push_query(&self, values: &mut Vec<String>) {
        values.push(crate::json::number_value(*self).to_string());
    }
}

/// Strings travel as their text, numbers and booleans as JSON writes them, arrays repeat the
/// key, `null` is omitted, and objects travel as compact JSON text.
impl QueryValue for Value {
    fn push_query(&self, values: &mut Vec<String>) {
        match self {
            Value::Null => {}
            Value::String(text) => values.push(text.clone()),
            Value::Array(items) => {
                for item in items {
                    item.push_query(values);
                }
            }
            Value::Number(number) => match number.as_f64() {
                // Through f64 like the typed `f64` options, so both give the same text.
                Some(float) if number.as_i64().is_none() && number.as_u64().is_none() => {
                    float.push_query(values);
                }
                _ => values.push(number.to_string()),
            },
            Value::Bool(_) | Value::Object(_) => values.push(self.to_string()),
        }
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn push_query(&self, values: &mut Vec<String>) {
        if let Some(value) = self {
            value.push_query(values);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn push_query(&self, values: &mut Vec<String>) {
        for value in self {
            value.push_query(values);
        }
    }
}

/// Collects the values of one request, then selects the route and encodes everything.
///
/// Setting a value never fails on the spot: the first error is kept and returned by
/// [`PartsBuilder::finish`], which keeps the generated `to_parts` bodies straight-line code.
#[derive(Debug)]
pub(crate) struct PartsBuilder<'a> {
    info: &'static OperationInfo,
    /// One slot per entry of `info.path_params`, borrowed from the request where it can be:
    /// held in place, as no operation has more than [`MAX_PATH_PARAMS`].
    path: [Option<Cow<'a, str>>; MAX_PATH_PARAMS],
    /// One slot per entry of `info.query`; `None` when the option is not set.
    query: Vec<Option<Vec<String>>>,
    body: Option<Value>,
    error: Option<BuildError>,
}

/// The most path parameters an operation has; the registry's tests hold every operation to it.
pub(crate) const MAX_PATH_PARAMS: usize = 8;

impl<'a> PartsBuilder<'a> {
    pub(crate) fn new(info: &'static OperationInfo) -> Self {
        Self {
            info,
            path: Default::default(),
            query: vec![None; info.query.len()],
            body: None,
            error: None,
        }
    }

    /// Sets path parameter `name`; `None` leaves it unset.
    #[allow(
        dead_code,
        reason = "used by the generated requests, which features may leave out"
    )]
    pub(crate) fn path_param(&mut self, name: &str, value: Option<&'a str>) {
        self.set_path_param(name, value.map(Cow::Borrowed));
    }

    /// Sets path parameter `name` to a text made for it; `None` leaves it unset.
    pub(crate) fn path_param_owned(&mut self, name: &str, value: Option<String>) {
        self.set_path_param(name, value.map(Cow::Owned));
    }

    fn set_path_param(&mut self, name: &str, value: Option<Cow<'a, str>>) {
        let index = self
            .info
            .path_params
            .iter()
            .position(|param| param.name == name);
        match index.and_then(|index| self.path.get_mut(index)) {
            Some(slot) => *slot = value,
            None => self.fail(BuildError::UnknownParameter {
                name: name.to_owned(),
            }),
        }
    }

    /// Sets query option `name` to the texts `value` gives; an absent value leaves it unset.
    #[allow(
        dead_code,
        reason = "used by the generated requests, which features may leave out"
    )]
    pub(crate) fn query(&mut self, name: &str, value: &dyn QueryValue) {
        let index = self
            .info
            .query
            .iter()
            .position(|option| option.name == name);
        match index {
            Some(index) => {
                let mut texts = Vec::new();
                value.push_query(&mut texts);
                self.query[index] = Some(texts);
            }
            None => self.fail(BuildError::UnknownOption {
                name: name.to_owned(),
            }),
        }
    }

    /// Keeps the first error.
    #[cold]
    fn fail(&mut self, error: BuildError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Sets query option `name` to texts already made.
    pub(crate) fn query_texts(&mut self, index: usize, texts: Vec<String>) {
        if let Some(slot) = self.query.get_mut(index) {
            *slot = Some(texts);
        }
    }

    /// Sets the body.
    pub(crate) fn body(&mut self, body: Value) {
        self.body = Some(body);
    }

    /// Selects the route and encodes path, query and body.
    pub(crate) fn finish(self) -> Result<RequestParts, BuildError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let info = self.info;
        for (param, value) in info.path_params.iter().zip(&self.path) {
            if let Some(value) = value {
                check_segment(param.name, value)?;
            }
        }

        // Routes come most specific first: the first whose parameters are all set wins.
        let is_set = |name: &str| {
            info.path_params
                .iter()
                .zip(&self.path)
                .any(|(param, value)| param.name == name && value.is_some())
        };
        let route = info
            .routes
            .iter()
            .find(|route| route.params.iter().all(|name| is_set(name)))
            .ok_or_else(|| {
                let fewest = info.routes.iter().min_by_key(|route| route.params.len());
                let missing = fewest
                    .and_then(|route| route.params.iter().find(|name| !is_set(name)))
                    .copied()
                    .unwrap_or("");
                BuildError::MissingParameter { name: missing }
            })?;
        let path = fill_route(route.path, |name| {
            info.path_params
                .iter()
                .zip(&self.path)
                .find(|(param, _)| param.name == name)
                .and_then(|(_, value)| value.as_deref())
        });

        let mut query = String::new();
        for (option, texts) in info.query.iter().zip(&self.query) {
            let Some(texts) = texts else {
                if option.required {
                    return Err(BuildError::MissingOption { name: option.name });
                }
                continue;
            };
            for text in texts {
                if !query.is_empty() {
                    query.push('&');
                }
                query.extend(utf8_percent_encode(option.name, QUERY_COMPONENT));
                query.push('=');
                query.extend(utf8_percent_encode(text, QUERY_COMPONENT));
            }
        }

        let body = match (self.body, info.body) {
            (None, BodyKind::Required) => return Err(BuildError::MissingBody),
            (Some(_), BodyKind::None) => return Err(BuildError::UnexpectedBody),
            (body, _) => body.map(|body| body.to_string().into_bytes()),
        };

        Ok(RequestParts {
            operation: info.id,
            method: info.method.clone(),
            route: route.path,
            path,
            query,
            body,
        })
    }
}

/// Rejects the values that would not stay one segment once the server normalises the path:
/// empty (it would make `//`) and the dot segments `.` and `..`. Anything else is encoded.
fn check_segment(name: &str, value: &str) -> Result<(), BuildError> {
    let reason = match value {
        "" => "it is empty",
        "." | ".." => "it is a dot segment",
        _ => return Ok(()),
    };
    Err(BuildError::InvalidParameter {
        name: name.to_owned(),
        reason,
    })
}

/// Replaces every `{name}` of `template` with the encoded value `value(name)` gives.
fn fill_route<'a>(template: &str, value: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut path = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        path.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            // A lone `{` is text; the templates never contain one.
            path.push_str(&rest[open..]);
            return path;
        };
        let name = &after[..close];
        path.extend(utf8_percent_encode(
            value(name).unwrap_or_default(),
            PATH_SEGMENT,
        ));
        rest = &after[close + 1..];
    }
    path.push_str(rest);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_encode_every_reserved_character() {
        let encoded: String = utf8_percent_encode("a/b?c#d%e f'é*()!~._-", PATH_SEGMENT).collect();
        assert_eq!(encoded, "a%2Fb%3Fc%23d%25e%20f%27%C3%A9*()!~._-");
    }

    #[test]
    fn query_components_keep_only_unreserved_characters() {
        let encoded: String = utf8_percent_encode("a b&c=d+e#f%g*~._-", QUERY_COMPONENT).collect();
        assert_eq!(encoded, "a%20b%26c%3Dd%2Be%23f%25g%2A~._-");
    }

    #[test]
    fn dot_and_empty_segments_are_rejected() {
        for value in ["", ".", ".."] {
            assert!(matches!(
                check_segment("id", value),
                Err(BuildError::InvalidParameter { .. })
            ));
        }
        for value in ["...", ".a", "a..", "%2e%2e"] {
            assert_eq!(check_segment("id", value), Ok(()));
        }
    }

    #[test]
    fn routes_are_filled_in_order() {
        let path = fill_route(
            "/v1/teams/{teamId}/projects/{projectId}",
            |name| match name {
                "teamId" => Some("t"),
                _ => Some("a/b"),
            },
        );
        assert_eq!(path, "/v1/teams/t/projects/a%2Fb");
    }

    #[test]
    fn every_operation_fits_the_builder_slots() {
        for info in crate::registry::operations() {
            assert!(
                info.path_params.len() <= MAX_PATH_PARAMS,
                "{} has {} path parameters",
                info.id,
                info.path_params.len()
            );
        }
    }
}
