//! The traits every typed request implements.

use serde_json::Value;

use crate::json::{self, DecodeError, Json};
use crate::registry::OperationInfo;
use crate::request::{BuildError, RequestParts};

/// A typed request of one API operation: its path parameters, query options and body.
///
/// Building the HTTP parts is pure: nothing is sent, and the same request always gives the
/// same bytes, identical to those of [`crate::registry::build`] for the same values.
pub trait Operation {
    /// The operation id, such as `list.projects`.
    const ID: &'static str;

    /// Whether the operation is paginated; such requests also implement [`Paginated`].
    const PAGINATED: bool;

    /// The `data` member of a successful response.
    type Response: Json;

    /// The operation's entry in the registry.
    fn info() -> &'static OperationInfo;

    /// The method, path, query and body of the request.
    ///
    /// The route is the most specific one whose path parameters are all set (a team route
    /// when a team id is set). Each path value is percent-encoded as exactly one segment.
    ///
    /// # Errors
    /// [`BuildError::InvalidParameter`] when a path value is empty, `.` or `..`, and
    /// [`BuildError::MissingParameter`] when a team-only route has no team id.
    fn to_parts(&self) -> Result<RequestParts, BuildError>;
}

/// A paginated operation: the next page is the same request with the `cursor` option set to
/// the cursor of the previous page's [`Pagination`].
///
/// Every operation the API pages by cursor implements it, except `get.template`, whose
/// answer holds one template and no list: its pages can still be followed one at a time.
pub trait Paginated: Operation {
    /// One item of a page.
    type Item: Json;

    /// The members leading from the response data to the page's items: `["projects"]` for
    /// most listings, none when the data is itself the array (`list.volumes`), more when the
    /// list is nested (`["data", "externalAddons"]`).
    const ITEMS_PATH: &'static [&'static str];

    /// The cursor the request asks for, if any.
    fn cursor(&self) -> Option<&str>;

    /// Sets or clears the cursor.
    fn set_cursor(&mut self, cursor: Option<String>);

    /// The items of one page, moved out of its response data.
    fn into_items(response: Self::Response) -> Vec<Self::Item>;
}

/// The `pagination` member of a paginated response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Pagination {
    /// Whether the API says another page follows.
    pub has_next_page: bool,
    /// The cursor of the next page, when one was returned.
    pub cursor: Option<String>,
    /// The number of items in this page, when given.
    pub count: Option<i64>,
}

impl Pagination {
    /// A pagination record.
    pub fn new(has_next_page: bool, cursor: Option<String>) -> Self {
        Self {
            has_next_page,
            cursor,
            count: None,
        }
    }

    /// The cursor to request the next page with, or `None` on the last page: a page is the
    /// last when `hasNextPage` is false or no cursor comes back.
    pub fn next_cursor(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|_| self.has_next_page)
    }
}

impl Json for Pagination {
    fn decode(reader: &mut json::Reader<'_>) -> Result<Self, DecodeError> {
        const NAMES: &[json::Name] = &json::names(["hasNextPage", "cursor", "count"]);
        let mut has_next_page = None;
        let mut cursor = None;
        let mut count = None;
        let mut fields = json::Fields::begin(reader, NAMES)?;
        while let Some(key) = fields.next(reader) {
            match key {
                json::Key::Known(0) => fields.optional(reader, 0, &mut has_next_page),
                json::Key::Known(1) => fields.optional(reader, 1, &mut cursor),
                json::Key::Known(2) => fields.optional(reader, 2, &mut count),
                _ => fields.skip(reader),
            }
        }
        fields.finish(0)?;
        Ok(Self {
            has_next_page: has_next_page.unwrap_or(false),
            cursor,
            count,
        })
    }

    fn to_json(&self) -> Value {
        let mut members = serde_json::Map::new();
        json::put(&mut members, "hasNextPage", &self.has_next_page);
        json::put_some(&mut members, "cursor", self.cursor.as_ref());
        json::put_some(&mut members, "count", self.count.as_ref());
        Value::Object(members)
    }
}

json::serde_via_json!(Pagination);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_page_has_no_next_cursor() {
        let page = |text: &str| Pagination::from_json(serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(
            page(r#"{"hasNextPage":true,"cursor":"c"}"#).next_cursor(),
            Some("c")
        );
        assert_eq!(
            page(r#"{"hasNextPage":false,"cursor":"c"}"#).next_cursor(),
            None
        );
        assert_eq!(page(r#"{"hasNextPage":true}"#).next_cursor(), None);
        assert_eq!(
            page(r#"{"hasNextPage":true,"cursor":null,"count":3}"#).count,
            Some(3)
        );
    }
}
