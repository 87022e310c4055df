//! The next page of a paginated call: the same request with the `cursor` option set.
//!
//! Pages are followed on the built request parts, not on typed requests, so that typed and
//! dynamic calls page the same way with the same bytes.

use std::sync::Arc;

use nf_types::registry::OperationInfo;
use nf_types::{Json, RequestParts};

use crate::client::ApiClient;
use crate::response::NextPage;

/// The query option that carries the cursor.
const CURSOR: &str = "cursor";

/// A pager for the response to `parts`, when its operation is paginated by cursor.
pub(crate) fn pager<T>(
    client: &ApiClient,
    info: &'static OperationInfo,
    parts: &RequestParts,
) -> Option<NextPage<T>>
where
    T: Json + Send + 'static,
{
    let pages_by_cursor = info.paginated && info.query.iter().any(|option| option.name == CURSOR);
    if !pages_by_cursor {
        return None;
    }
    let client = client.clone();
    let parts = parts.clone();
    Some(Arc::new(move |cursor: String| {
        let client = client.clone();
        let next = with_cursor(&parts, &cursor);
        Box::pin(async move { client.send_parts::<T>(info, next).await })
    }))
}

/// `parts` with its `cursor` option replaced by `cursor`, at the place the operation's
/// option order gives it (as the typed request would put it).
pub(crate) fn with_cursor(parts: &RequestParts, cursor: &str) -> RequestParts {
    let order = |key: &str| {
        nf_types::registry::get(parts.operation)
            .and_then(|info| info.query.iter().position(|option| option.name == key))
            .unwrap_or(usize::MAX)
    };
    let cursor_rank = order(CURSOR);
    let new_pair = format!("{CURSOR}={}", percent_encode(cursor));

    let mut pairs: Vec<String> = Vec::new();
    let mut placed = false;
    for pair in parts.query.split('&').filter(|pair| !pair.is_empty()) {
        let key = pair.split_once('=').map_or(pair, |(key, _)| key);
        if key == CURSOR {
            continue;
        }
        if !placed && order(key) > cursor_rank {
            pairs.push(new_pair.clone());
            placed = true;
        }
        pairs.push(pair.to_owned());
    }
    if !placed {
        pairs.push(new_pair);
    }

    let mut next = parts.clone();
    next.query = pairs.join("&");
    next
}

/// Percent-encodes a query value as the types crate does: only `A–Z a–z 0–9 - . _ ~` stay
/// raw, and a space is `%20`.
fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
    encoded
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(byte);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_through_the_query_encoding() {
        let cursor = "a b/c+d=é&%";
        let encoded = percent_encode(cursor);
        assert_eq!(encoded, "a%20b%2Fc%2Bd%3D%C3%A9%26%25");
        assert_eq!(percent_decode(&encoded).as_deref(), Some(cursor));
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%C3"), None);
    }

    #[test]
    fn the_cursor_replaces_the_old_one_in_option_order() {
        let mut parts = nf_types::registry::build(
            "list.projects",
            &serde_json::json!({}),
            &serde_json::json!({ "per_page": 5, "cursor": "old" }),
            None,
        )
        .expect("parts");
        assert_eq!(parts.query, "per_page=5&cursor=old");
        assert_eq!(
            with_cursor(&parts, "n e w").query,
            "per_page=5&cursor=n%20e%20w"
        );

        parts.query = String::new();
        assert_eq!(with_cursor(&parts, "c").query, "cursor=c");
    }
}
