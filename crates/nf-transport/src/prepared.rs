//! The call of a layer that changes the request, then hands it to its inner service, as the
//! base URL and auth layers do.

use futures_util::TryFutureExt;
use futures_util::future::{Either, MapErr, Ready, ready};
use tower_service::Service;

use crate::error::TransportError;
use crate::{Request, Response};

/// The future of such a call: the inner service's, with its error converted, or the error
/// of the change. Neither is boxed.
pub(crate) type PreparedFuture<F, E> =
    Either<MapErr<F, fn(E) -> TransportError>, Ready<Result<Response, TransportError>>>;

/// Calls `inner` with `request` when `prepared` (the outcome of changing the request) is
/// `Ok`; otherwise fails with its error without calling `inner`.
pub(crate) fn call<S>(
    inner: &mut S,
    request: Request,
    prepared: Result<(), TransportError>,
) -> PreparedFuture<S::Future, S::Error>
where
    S: Service<Request, Response = Response>,
    S::Error: Into<TransportError>,
{
    match prepared {
        Ok(()) => Either::Left(inner.call(request).map_err(Into::into as fn(S::Error) -> _)),
        Err(error) => Either::Right(ready(Err(error))),
    }
}
