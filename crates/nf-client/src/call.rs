//! One call of a typed operation, and its pages.

use std::fmt;
use std::future::IntoFuture;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::future::BoxFuture;
use nf_types::{Json, Operation, Paginated, Pagination};
use serde_json::Value;

use crate::client::ApiClient;
use crate::error::{DecodeCause, Error};
use crate::response::{ApiResponse, NextPage, Split};

/// A call of operation `Op`, ready to send: a clone of the client and the typed request.
///
/// Change the request with [`Call::map`] or [`Call::request_mut`], then:
///
/// - [`Call::send`] (or `.await` on the call) sends it and returns one response, one page
///   for paginated operations;
/// - [`Call::stream`] yields the items of every page, fetching each page when the previous
///   one is used up;
/// - [`Call::all`] collects every page into one response.
///
/// ```no_run
/// # async fn example(client: nf_client::ApiClient) -> Result<(), nf_client::Error> {
/// use nf_types::projects::ListProjectsRequest;
///
/// let first_page = client
///     .call_typed(ListProjectsRequest::new())
///     .map(|request| request.with_per_page(20))
///     .send()
///     .await?;
/// let names: Vec<String> = first_page
///     .into_data()?
///     .projects
///     .into_iter()
///     .map(|project| project.name.into())
///     .collect();
/// # let _ = names;
/// # Ok(())
/// # }
/// ```
#[must_use = "a call does nothing until it is sent"]
pub struct Call<Op> {
    client: ApiClient,
    request: Op,
}

impl<Op: Operation> Call<Op> {
    /// A call of `request` on `client`; the same as [`ApiClient::call_typed`].
    pub fn new(client: ApiClient, request: Op) -> Self {
        Self { client, request }
    }

    /// The call with its request replaced by `change(request)`: how per-operation setters
    /// are written (`call.map(|request| request.with_per_page(20))`).
    pub fn map(mut self, change: impl FnOnce(Op) -> Op) -> Self {
        self.request = change(self.request);
        self
    }

    /// The request.
    pub fn request(&self) -> &Op {
        &self.request
    }

    /// The request, to change in place.
    pub fn request_mut(&mut self) -> &mut Op {
        &mut self.request
    }

    /// The request, without the client.
    pub fn into_request(self) -> Op {
        self.request
    }

    /// The client the call goes through.
    pub fn client(&self) -> &ApiClient {
        &self.client
    }

    /// Sends the request and returns its response: one page, for paginated operations, whose
    /// [`ApiResponse::next_page`] fetches the next.
    ///
    /// # Errors
    /// - [`Error::Build`] when the request cannot be built (an empty path value); nothing is
    ///   sent.
    /// - [`Error::Api`] for a status outside `2xx`, unless the client's
    ///   [`ErrorStyle`](crate::ErrorStyle) is `Response`.
    /// - [`Error::Transport`], [`Error::Timeout`], [`Error::RateLimited`] when no whole
    ///   response arrived; [`Error::BodyTooLarge`] and [`Error::Decode`] when its body is too
    ///   large or not what the operation returns; [`Error::Config`] when the client cannot
    ///   send (no token, say).
    pub async fn send(self) -> Result<ApiResponse<Op::Response>, Error>
    where
        Op::Response: Send + 'static,
    {
        self.client.send(self.request).await
    }
}

impl<Op> Call<Op>
where
    Op: Paginated,
    Op::Response: Send + 'static,
    Op::Item: Send + 'static,
{
    /// The items of every page, in order. A page is fetched only when the stream is polled
    /// past the items of the one before, and only one page is held at a time.
    ///
    /// An error (of any page, or an API error whatever the client's
    /// [`ErrorStyle`](crate::ErrorStyle)) is yielded after the items already yielded, and
    /// the stream ends after it.
    pub fn stream(self) -> ItemStream<Op::Item> {
        let parts = self.request.to_parts().map_err(|source| Error::Build {
            operation: Op::ID,
            source,
        });
        let state = State::<Op::Response, Op::Item> {
            items: Vec::new().into_iter(),
            next: Some(match parts {
                Ok(parts) => Fetch::First(self.client, parts),
                Err(error) => Fetch::Failed(error),
            }),
        };
        let stream = futures_util::stream::unfold(Some(state), |state| async move {
            let mut state = state?;
            loop {
                if let Some(item) = state.items.next() {
                    return Some((Ok(item), Some(state)));
                }
                let page = match state.next.take()? {
                    Fetch::First(client, parts) => client.send_parts(Op::info(), parts).await,
                    Fetch::Next(next, cursor) => next(cursor).await,
                    Fetch::Failed(error) => Err(error),
                };
                let page = page.and_then(|page| {
                    let next = page.continuation();
                    page.into_data().map(|data| (next, data))
                });
                match page {
                    Ok((next, data)) => {
                        state.next = next.map(|(next, cursor)| Fetch::Next(next, cursor));
                        state.items = Op::into_items(data).into_iter();
                    }
                    Err(error) => return Some((Err(error), None)),
                }
            }
        });
        ItemStream {
            inner: Box::pin(stream),
        }
    }

    /// Every page, fetched one after the other and merged into one response in the shape
    /// of the official clients' `all()`: the data of the first page with its list (at
    /// [`Paginated::ITEMS_PATH`], such as `projects`, or the data itself when it is the
    /// array) replaced by the items of every page, in order.
    ///
    /// The pages are kept as JSON and decoded once, at the end. Status, headers and request
    /// are those of the first page, the rate limit that of the last; the pagination says
    /// there is no next page and counts every item.
    ///
    /// # Errors
    /// As [`Call::send`], for any page; the items of earlier pages are dropped. With
    /// [`ErrorStyle::Response`](crate::ErrorStyle::Response) a page with an API error is
    /// returned as it is, without data.
    pub async fn all(self) -> Result<ApiResponse<Op::Response>, Error> {
        let parts = self.request.to_parts().map_err(|source| Error::Build {
            operation: Op::ID,
            source,
        })?;
        let first = match self
            .client
            .send_parts::<Value>(Op::info(), parts)
            .await?
            .split_error()
        {
            Split::Error(response) => return Ok(response),
            Split::Data(first) => first,
        };
        let mut next = first.continuation();
        let mut rate_limit = first.rate_limit;
        let (mut shape, mut items) = (None, Vec::new());
        let first = split_page(first, Op::ITEMS_PATH, &mut shape, &mut items)?;

        while let Some((fetch, cursor)) = next.take() {
            let page = match fetch(cursor).await?.split_error() {
                Split::Error(response) => return Ok(response),
                Split::Data(page) => page,
            };
            rate_limit = page.rate_limit;
            next = page.continuation();
            let mut ignored = None;
            split_page(page, Op::ITEMS_PATH, &mut ignored, &mut items)?;
        }

        let count = items.len();
        let mut shape = shape.unwrap_or_default();
        if let Some(list) = member_at(&mut shape, Op::ITEMS_PATH) {
            *list = Value::Array(items);
        }
        let status = first.status;
        let data = Op::Response::from_json(shape).map_err(|source| Error::Decode {
            status,
            snippet: String::new(),
            request: Box::new(first.request.clone()),
            source: DecodeCause::Shape(source),
        })?;
        let mut pagination = Pagination::new(false, None);
        pagination.count = i64::try_from(count).ok();
        let mut merged = first.map_data(|_| data);
        merged.pagination = Some(pagination);
        merged.rate_limit = rate_limit;
        Ok(merged)
    }
}

/// Moves the items of `page` (at `path` in its data) into `items` and, for the first page,
/// the rest of its data into `shape`; returns the page without its data.
fn split_page(
    page: ApiResponse<Value>,
    path: &'static [&'static str],
    shape: &mut Option<Value>,
    items: &mut Vec<Value>,
) -> Result<ApiResponse<()>, Error> {
    let status = page.status;
    let mut data = None;
    let page = page.map_data(|value| data = Some(value));
    let missing = |page: &ApiResponse<()>| Error::Decode {
        status,
        snippet: String::new(),
        request: Box::new(page.request.clone()),
        source: DecodeCause::MissingItems { path },
    };
    let Some(mut data) = data else {
        return Err(missing(&page));
    };
    let Some(Value::Array(page_items)) = member_at(&mut data, path).map(Value::take) else {
        return Err(missing(&page));
    };
    items.extend(page_items);
    if shape.is_none() {
        *shape = Some(data);
    }
    Ok(page)
}

/// The value at `path` inside `value`: `value` itself for an empty path.
fn member_at<'v>(value: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    let mut current = value;
    for key in path {
        current = current.as_object_mut()?.get_mut(*key)?;
    }
    Some(current)
}

/// What the item stream fetches next.
enum Fetch<T> {
    First(ApiClient, nf_types::RequestParts),
    Next(NextPage<T>, String),
    Failed(Error),
}

struct State<T, I> {
    items: std::vec::IntoIter<I>,
    next: Option<Fetch<T>>,
}

/// The items of every page of a paginated call; see [`Call::stream`].
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<I> {
    inner: Pin<Box<dyn Stream<Item = Result<I, Error>> + Send>>,
}

impl<I> Stream for ItemStream<I> {
    type Item = Result<I, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<I> fmt::Debug for ItemStream<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream").finish_non_exhaustive()
    }
}

impl<Op> IntoFuture for Call<Op>
where
    Op: Operation + Send + 'static,
    Op::Response: Send + 'static,
{
    type Output = Result<ApiResponse<Op::Response>, Error>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    /// The same as [`Call::send`].
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<Op: Clone> Clone for Call<Op> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            request: self.request.clone(),
        }
    }
}

impl<Op: fmt::Debug> fmt::Debug for Call<Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}
