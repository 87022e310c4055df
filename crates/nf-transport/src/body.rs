//! Request and response bodies.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body as _;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use crate::error::{BoxError, TransportError};
use crate::pool::Checkin;

/// A request body: bytes in memory, which can be sent again on a retry, or a stream, which
/// cannot.
///
/// `Debug` prints the length or `Streaming`, never the content: bodies can carry secrets
/// (environment variables, registry credentials).
pub struct Body {
    kind: Kind,
}

enum Kind {
    Bytes(Bytes),
    Streaming(Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send>>),
}

impl Body {
    /// An empty body, replayable.
    pub fn empty() -> Self {
        Self {
            kind: Kind::Bytes(Bytes::new()),
        }
    }

    /// A body read from `body` as it is sent. It is sent at most once: a request with a
    /// streaming body is never retried.
    pub fn streaming<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self {
            kind: Kind::Streaming(Box::pin(body.map_err(Into::into))),
        }
    }

    /// Whether the body is held in memory and can be sent again.
    pub fn is_replayable(&self) -> bool {
        matches!(self.kind, Kind::Bytes(_))
    }

    /// A copy of the body when it is replayable; `None` for a streaming body.
    pub fn try_clone(&self) -> Option<Self> {
        match &self.kind {
            Kind::Bytes(bytes) => Some(Self {
                kind: Kind::Bytes(bytes.clone()),
            }),
            Kind::Streaming(_) => None,
        }
    }

    /// The content of a replayable body; `None` for a streaming body.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Bytes(bytes) => Some(bytes),
            Kind::Streaming(_) => None,
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Bytes(bytes) => f.debug_struct("Body").field("len", &bytes.len()).finish(),
            Kind::Streaming(_) => f.write_str("Body(Streaming)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            kind: Kind::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Bytes(bytes) if bytes.is_empty() => Poll::Ready(None),
            Kind::Bytes(bytes) => Poll::Ready(Some(Ok(Frame::data(std::mem::take(bytes))))),
            Kind::Streaming(body) => body.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Bytes(bytes) => bytes.is_empty(),
            Kind::Streaming(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Bytes(bytes) => SizeHint::with_exact(bytes.len() as u64),
            Kind::Streaming(body) => body.size_hint(),
        }
    }
}

/// A response body: what the HTTP service, or a transport of the user's, returns.
///
/// Frames are read with [`http_body::Body`]; [`ResponseBody::bytes`] reads the whole body.
/// Errors while reading are [`TransportError`]s.
pub struct ResponseBody {
    inner: Inner,
}

enum Inner {
    /// The built-in HTTP service's body, held as it is: it comes with every response.
    Hyper(hyper::body::Incoming),
    /// The body of an HTTP/1.1 response, whose connection goes back to the pool when the
    /// body has been read to the end.
    Pooled(PooledBody),
    /// Any other body.
    Boxed(Pin<Box<dyn http_body::Body<Data = Bytes, Error = TransportError> + Send>>),
}

impl ResponseBody {
    /// The body of a response from hyper.
    pub(crate) fn hyper(body: hyper::body::Incoming) -> Self {
        Self {
            inner: Inner::Hyper(body),
        }
    }

    /// The body of an HTTP/1.1 response on a pooled connection.
    pub(crate) fn pooled(body: hyper::body::Incoming, checkin: Checkin) -> Self {
        Self {
            inner: Inner::Pooled(PooledBody { body, checkin }),
        }
    }

    /// Wraps any body of [`Bytes`]. An error that is a boxed [`TransportError`] is passed
    /// on as it is; any other becomes [`TransportError::Io`].
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self {
            inner: Inner::Boxed(Box::pin(
                body.map_err(|error| TransportError::from_body_error(error.into())),
            )),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Bytes::new().into()
    }

    /// Reads the whole body.
    ///
    /// # Errors
    /// [`TransportError::Io`] when the connection fails while the body is read, or the error
    /// of a user transport's body.
    pub async fn bytes(self) -> Result<Bytes, TransportError> {
        Ok(self.collect().await?.to_bytes())
    }
}

impl Default for ResponseBody {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("size_hint", &http_body::Body::size_hint(self))
            .finish_non_exhaustive()
    }
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self::new(http_body_util::Full::new(bytes))
    }
}

impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for ResponseBody {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for ResponseBody {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        match &mut self.inner {
            Inner::Hyper(body) => hyper_frame(Pin::new(body).poll_frame(cx)),
            Inner::Pooled(pooled) => pooled.poll_frame(cx),
            Inner::Boxed(body) => body.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Hyper(body) => body.is_end_stream(),
            Inner::Pooled(pooled) => pooled.body.is_end_stream(),
            Inner::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Hyper(body) => body.size_hint(),
            Inner::Pooled(pooled) => pooled.body.size_hint(),
            Inner::Boxed(body) => body.size_hint(),
        }
    }
}

/// hyper's body and the connection it came on, returned to the pool at its end.
struct PooledBody {
    body: hyper::body::Incoming,
    checkin: Checkin,
}

impl PooledBody {
    fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        // The connection is driven here, in the reader's task: it is what fills the body.
        let polled = self.checkin.poll_body(cx, &mut self.body);
        match &polled {
            Poll::Ready(None) => self.checkin.release(),
            Poll::Ready(Some(Ok(_))) if self.body.is_end_stream() => self.checkin.release(),
            _ => {}
        }
        hyper_frame(polled)
    }
}

/// A frame polled from hyper's body, its error as the transport's.
fn hyper_frame(
    polled: Poll<Option<Result<Frame<Bytes>, hyper::Error>>>,
) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
    polled.map(|frame| {
        frame.map(|frame| frame.map_err(|error| TransportError::from_body_error(Box::new(error))))
    })
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        // A body with nothing left to read (an empty one, say) frees its connection even
        // when nobody polled it; one dropped half-read closes it.
        if self.body.is_end_stream() {
            self.checkin.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replayable_body_clones_and_streams_its_bytes() {
        let body = Body::from("hello");
        assert!(body.is_replayable());
        let copy = body.try_clone().map(|b| b.as_bytes().cloned());
        assert_eq!(copy, Some(Some(Bytes::from_static(b"hello"))));
        let sent = body.collect().await.map(|c| c.to_bytes()).ok();
        assert_eq!(sent, Some(Bytes::from_static(b"hello")));
    }

    #[tokio::test]
    async fn streaming_body_is_not_replayable() {
        let body = Body::streaming(http_body_util::Full::new(Bytes::from_static(b"x")));
        assert!(!body.is_replayable());
        assert!(body.try_clone().is_none());
        assert_eq!(format!("{body:?}"), "Body(Streaming)");
    }

    #[test]
    fn debug_never_prints_content() {
        let body = Body::from("secret-value");
        assert!(!format!("{body:?}").contains("secret"));
    }

    #[tokio::test]
    async fn response_body_reads_whole_content() {
        let body = ResponseBody::from("{\"data\":{}}");
        assert_eq!(
            body.bytes().await.ok(),
            Some(Bytes::from_static(b"{\"data\":{}}"))
        );
    }
}
