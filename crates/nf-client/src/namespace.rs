//! The node type of the operation tree (`client.list().projects()`).
//!
//! # How the official JS tree maps to Rust
//!
//! The JS client spells operations as paths: `list.projects`, `create.service.deployment`,
//! `get.addon`, `get.addon.backups`. The Rust tree mirrors them, one method per segment in
//! snake case (`backupSchedules` becomes `backup_schedules`; a Rust keyword such as
//! `type` would take a trailing `_`):
//!
//! - A segment with children is a method without arguments returning a
//!   [`Namespace`]: `client.create().service()`.
//! - A segment that is an operation and nothing else is a method taking the operation's
//!   required values (path parameters, then the body) and returning a [`Call`]:
//!   `client.create().service().deployment(project_id, body)`,
//!   `client.get().project(project_id)`.
//! - A segment that is both (17 of them: `get.addon`, `get.service`, `get.job`, …) is a
//!   method without arguments returning its [`Namespace`], on which `call(…)` makes the
//!   operation itself: `client.get().addon().call(project_id, addon_id)` beside
//!   `client.get().addon().backups(project_id, addon_id)`.
//!
//! The rule depends only on the tree's shape, so one spelling serves every operation.
//! A new child of a leaf moves that leaf to `…().call(…)`; the generator keeps the tree
//! (and so every spelling) in step with the registry.
//!
//! Each node is the one generic type [`Namespace<N>`] with a zero-sized marker `N`; the
//! generated code only declares the markers (in [`nodes`](crate::nodes), named after the
//! path: `GetAddon` for `get.addon`) and an `impl Namespace<Marker>` block of methods per
//! node, each a line building a [`Call`] through [`Call::new`]. Optional values are then
//! set on the call with [`Call::map`] or [`Call::request_mut`].
//!
//! Each method exists when the feature of its operation's API group is on, and each node
//! when a feature of an operation below it is; the root verbs are methods of
//! [`ApiClient`] (`client.list()`, `client.import()`).

use std::fmt;
use std::marker::PhantomData;

#[cfg(doc)]
use crate::call::Call;
use crate::client::ApiClient;

/// A node of the operation tree, holding a clone of the client. `N` is a marker type
/// naming the node; its methods come from `impl Namespace<N>` blocks.
pub struct Namespace<N> {
    client: ApiClient,
    node: PhantomData<fn() -> N>,
}

impl<N> Namespace<N> {
    /// The node `N` on `client`.
    pub fn new(client: ApiClient) -> Self {
        Self {
            client,
            node: PhantomData,
        }
    }

    /// The client the node's calls go through.
    pub fn client(&self) -> &ApiClient {
        &self.client
    }

    /// The child node `M` on the same client.
    pub fn child<M>(&self) -> Namespace<M> {
        Namespace::new(self.client.clone())
    }
}

impl<N> Clone for Namespace<N> {
    fn clone(&self) -> Self {
        Self::new(self.client.clone())
    }
}

impl<N> fmt::Debug for Namespace<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Namespace")
            .field("node", &std::any::type_name::<N>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    //! The shape generated code takes, written out for two operations.

    use nf_types::projects::{DeleteProjectRequest, ListProjectsRequest};

    use super::*;
    use crate::call::Call;

    struct List;
    struct Delete;

    impl ApiClient {
        fn list_for_test(&self) -> Namespace<List> {
            Namespace::new(self.clone())
        }

        fn delete_for_test(&self) -> Namespace<Delete> {
            Namespace::new(self.clone())
        }
    }

    impl Namespace<List> {
        fn projects(&self) -> Call<ListProjectsRequest> {
            Call::new(self.client().clone(), ListProjectsRequest::new())
        }
    }

    impl Namespace<Delete> {
        fn project(&self, project_id: impl Into<String>) -> Call<DeleteProjectRequest> {
            Call::new(self.client().clone(), DeleteProjectRequest::new(project_id))
        }
    }

    impl Call<ListProjectsRequest> {
        fn per_page(self, per_page: i64) -> Self {
            self.map(|request| request.with_per_page(per_page))
        }
    }

    #[test]
    fn nodes_build_calls_with_their_setters() {
        let client = ApiClient::builder()
            .token("nf-test-token")
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("client");
        let call = client.list_for_test().projects().per_page(7);
        assert_eq!(call.request().per_page, Some(7));
        let call = client.delete_for_test().project("p1");
        assert_eq!(call.request().project_id, "p1");
        assert!(format!("{:?}", client.delete_for_test()).contains("Delete"));
        let child: Namespace<List> = client.delete_for_test().child();
        assert_eq!(child.projects().request().per_page, None);
    }
}
