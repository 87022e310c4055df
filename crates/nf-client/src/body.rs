//! Reading response bodies within a size and time limit, and bounded excerpts of them.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt as _;
use http_body_util::BodyExt;
use nf_transport::{ResponseBody, TransportError};

/// The most bytes of a body kept in an error ([`Error::Decode`](crate::Error::Decode),
/// [`ApiError::body_snippet`](crate::ApiError::body_snippet)).
pub const SNIPPET_LIMIT: usize = 512;

/// Why a body could not be read whole.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// It is longer than the limit.
    TooLarge,
    /// Reading it took longer than the timeout.
    Timeout(Duration),
    /// The connection failed while it was read.
    Transport(TransportError),
}

/// Reads `body` whole, refusing more than `limit` bytes and, when `timeout` is set, taking
/// longer than it. `declared` is the `Content-Length`, checked before reading anything.
pub(crate) async fn read(
    body: ResponseBody,
    declared: Option<u64>,
    limit: usize,
    timeout: Option<Duration>,
) -> Result<Bytes, BodyError> {
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut reading = std::pin::pin!(collect(body, declared, limit));
    let Some(after) = timeout else {
        return reading.await;
    };
    // A small body has mostly arrived with the headers: one poll reads it, and no timer is
    // armed. A body still on its way is read under the timeout, from where that poll left.
    if let Some(read) = reading.as_mut().now_or_never() {
        return read;
    }
    tokio::time::timeout(after, reading)
        .await
        .unwrap_or(Err(BodyError::Timeout(after)))
}

async fn collect(
    mut body: ResponseBody,
    declared: Option<u64>,
    limit: usize,
) -> Result<Bytes, BodyError> {
    // The declared length is at most `limit` here, so reserving it cannot be abused.
    let capacity = declared.map_or(0, |length| usize::try_from(length).unwrap_or(limit));
    let mut first: Option<Bytes> = None;
    let mut buffer = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BodyError::Transport)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let held = first.as_ref().map_or(0, Bytes::len) + buffer.len();
        if held.saturating_add(data.len()) > limit {
            return Err(BodyError::TooLarge);
        }
        // A body of one frame is kept as it came, without a copy.
        match first.take() {
            None if buffer.is_empty() => first = Some(data),
            earlier => {
                if buffer.is_empty() {
                    buffer.reserve(capacity.max(held + data.len()));
                }
                if let Some(earlier) = earlier {
                    buffer.extend_from_slice(&earlier);
                }
                buffer.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| buffer.freeze()))
}

/// The most bytes of a body logged at trace level.
pub(crate) const TRACE_LIMIT: usize = 16 * 1024;

/// The start of `body` as text: at most [`SNIPPET_LIMIT`] bytes, cut before a character
/// that would not fit whole, with invalid UTF-8 replaced.
pub(crate) fn snippet(body: &[u8]) -> String {
    excerpt(body, SNIPPET_LIMIT)
}

/// The start of `body` as text, at most `limit` bytes; see [`snippet`].
pub(crate) fn excerpt(body: &[u8], limit: usize) -> String {
    let mut end = body.len().min(limit);
    if end < body.len() {
        // Back off from the middle of a multi-byte character: at most three continuation
        // bytes (`0b10xx_xxxx`) precede the cut in valid UTF-8.
        let mut steps = 0;
        while end > 0 && steps < 3 && body[end] & 0xC0 == 0x80 {
            end -= 1;
            steps += 1;
        }
    }
    String::from_utf8_lossy(&body[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_bounded_and_cut_between_characters() {
        assert_eq!(snippet(b"short"), "short");
        let long = "a".repeat(SNIPPET_LIMIT + 10);
        assert_eq!(snippet(long.as_bytes()).len(), SNIPPET_LIMIT);

        // `é` is two bytes; placed across the limit it is left out, not split.
        let mut text = "a".repeat(SNIPPET_LIMIT - 1);
        text.push_str("éééé");
        let cut = snippet(text.as_bytes());
        assert_eq!(cut, "a".repeat(SNIPPET_LIMIT - 1));
        assert!(!cut.contains('\u{FFFD}'));

        // Binary bodies do not panic and stay bounded.
        let binary = vec![0x80u8; 4 * SNIPPET_LIMIT];
        assert!(snippet(&binary).chars().count() <= SNIPPET_LIMIT);
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused() {
        let body = ResponseBody::from(Bytes::from(vec![b'x'; 100]));
        assert!(matches!(
            read(body, None, 99, None).await,
            Err(BodyError::TooLarge)
        ));
        let body = ResponseBody::from(Bytes::from(vec![b'x'; 100]));
        assert!(matches!(
            read(body, Some(1000), 999, None).await,
            Err(BodyError::TooLarge)
        ));
        let body = ResponseBody::from(Bytes::from(vec![b'x'; 100]));
        assert_eq!(
            read(body, Some(100), 100, None).await.ok().map(|b| b.len()),
            Some(100)
        );
    }
}
