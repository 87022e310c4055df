//! Matches a method and path against the route templates of every operation.
//!
//! Templates are stored in a tree of path segments. A request walks it segment by segment,
//! trying a literal segment before a `{param}` capture, so `/v1/billing/invoices/details`
//! finds `get.invoice.details` rather than `get.invoice` with `invoiceId = "details"`, and a
//! path that matches a literal template only for other methods still reaches a parameter
//! template of the right method (`GET …/services/build` is `get.service`).

use std::collections::HashMap;

use http::Method;
use percent_encoding::percent_decode_str;

/// The route tree.
#[derive(Debug, Default)]
pub(crate) struct Router {
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    literals: HashMap<String, Node>,
    param: Option<Box<Node>>,
    endpoints: Vec<Endpoint>,
}

#[derive(Debug)]
struct Endpoint {
    method: Method,
    operation: usize,
    params: &'static [&'static str],
}

/// What a request's method and path lead to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Routed {
    /// The operation at this index of the catalog, with the decoded path parameters.
    Found {
        operation: usize,
        params: Vec<(&'static str, String)>,
    },
    /// The path exists for these methods only.
    MethodNotAllowed(Vec<Method>),
    /// No template has this path.
    NotFound,
}

impl Router {
    /// Adds a template such as `/v1/teams/{teamId}/projects` whose captures are named
    /// `params`, in order. A second template of the same shape and method is ignored: the
    /// first one added keeps the route.
    ///
    /// # Errors
    /// A template that does not start with `/`, or whose placeholders are not `params`.
    pub(crate) fn insert(
        &mut self,
        template: &str,
        method: Method,
        operation: usize,
        params: &'static [&'static str],
    ) -> Result<(), String> {
        let rest = template
            .strip_prefix('/')
            .ok_or_else(|| format!("route `{template}` does not start with `/`"))?;
        let mut node = &mut self.root;
        let mut names = Vec::new();
        for segment in rest.split('/') {
            node = match segment
                .strip_prefix('{')
                .and_then(|inner| inner.strip_suffix('}'))
            {
                Some(name) => {
                    names.push(name);
                    node.param.get_or_insert_with(Box::default)
                }
                None => node.literals.entry(segment.to_owned()).or_default(),
            };
        }
        if names != params {
            return Err(format!(
                "route `{template}` has parameters {names:?}, the registry says {params:?}"
            ));
        }
        if !node
            .endpoints
            .iter()
            .any(|endpoint| endpoint.method == method)
        {
            node.endpoints.push(Endpoint {
                method,
                operation,
                params,
            });
        }
        Ok(())
    }

    /// Finds the operation of `method` and `path` (the URL path, still percent-encoded).
    pub(crate) fn route(&self, method: &Method, path: &str) -> Routed {
        let Some(rest) = path.strip_prefix('/') else {
            return Routed::NotFound;
        };
        let mut segments = Vec::with_capacity(8);
        for segment in rest.split('/') {
            match percent_decode_str(segment).decode_utf8() {
                Ok(text) => segments.push(text.into_owned()),
                Err(_) => return Routed::NotFound,
            }
        }

        let mut captures = Vec::with_capacity(4);
        let mut allowed = Vec::new();
        match walk(
            &self.root,
            &segments,
            0,
            method,
            &mut captures,
            &mut allowed,
        ) {
            Some(endpoint) => {
                let params = endpoint
                    .params
                    .iter()
                    .zip(&captures)
                    .map(|(name, &index)| (*name, segments[index].clone()))
                    .collect();
                Routed::Found {
                    operation: endpoint.operation,
                    params,
                }
            }
            None if allowed.is_empty() => Routed::NotFound,
            None => {
                allowed.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                allowed.dedup();
                Routed::MethodNotAllowed(allowed)
            }
        }
    }
}

/// Depth-first search, literals first; `captures` holds the indexes of captured segments on
/// the current path and is left holding those of the endpoint found.
fn walk<'a>(
    node: &'a Node,
    segments: &[String],
    depth: usize,
    method: &Method,
    captures: &mut Vec<usize>,
    allowed: &mut Vec<Method>,
) -> Option<&'a Endpoint> {
    let Some(segment) = segments.get(depth) else {
        for endpoint in &node.endpoints {
            if endpoint.method == method {
                return Some(endpoint);
            }
            allowed.push(endpoint.method.clone());
        }
        return None;
    };
    if let Some(child) = node.literals.get(segment.as_str())
        && let Some(found) = walk(child, segments, depth + 1, method, captures, allowed)
    {
        return Some(found);
    }
    // A parameter is never empty: `/v1/projects//services` names no project.
    if let Some(child) = &node.param
        && !segment.is_empty()
    {
        captures.push(depth);
        if let Some(found) = walk(child, segments, depth + 1, method, captures, allowed) {
            return Some(found);
        }
        captures.pop();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut router = Router::default();
        let routes: &[(&str, Method, &'static [&'static str])] = &[
            (
                "/v1/projects/{projectId}/services/{serviceId}",
                Method::GET,
                &["projectId", "serviceId"],
            ),
            (
                "/v1/projects/{projectId}/services/build",
                Method::POST,
                &["projectId"],
            ),
            (
                "/v1/projects/{projectId}/services/build",
                Method::PUT,
                &["projectId"],
            ),
            (
                "/v1/billing/invoices/{invoiceId}",
                Method::GET,
                &["invoiceId"],
            ),
            ("/v1/billing/invoices/details", Method::GET, &[]),
        ];
        for (index, (template, method, params)) in routes.iter().enumerate() {
            router
                .insert(template, method.clone(), index, params)
                .unwrap();
        }
        router
    }

    #[test]
    fn literals_win_but_parameters_catch_other_methods() {
        let router = router();
        assert_eq!(
            router.route(&Method::GET, "/v1/billing/invoices/details"),
            Routed::Found {
                operation: 4,
                params: vec![]
            }
        );
        assert_eq!(
            router.route(&Method::POST, "/v1/projects/p/services/build"),
            Routed::Found {
                operation: 1,
                params: vec![("projectId", "p".to_owned())]
            }
        );
        assert_eq!(
            router.route(&Method::GET, "/v1/projects/p/services/build"),
            Routed::Found {
                operation: 0,
                params: vec![
                    ("projectId", "p".to_owned()),
                    ("serviceId", "build".to_owned())
                ]
            }
        );
    }

    #[test]
    fn parameters_are_decoded_and_never_empty() {
        let router = router();
        assert_eq!(
            router.route(&Method::GET, "/v1/projects/a%2Fb%20c/services/s"),
            Routed::Found {
                operation: 0,
                params: vec![
                    ("projectId", "a/b c".to_owned()),
                    ("serviceId", "s".to_owned())
                ]
            }
        );
        assert_eq!(
            router.route(&Method::GET, "/v1/projects//services/s"),
            Routed::NotFound
        );
        assert_eq!(
            router.route(&Method::GET, "/v1/projects/p/services/s/"),
            Routed::NotFound
        );
        assert_eq!(
            router.route(&Method::GET, "/v1/projects/%FF/services/s"),
            Routed::NotFound
        );
    }

    #[test]
    fn known_paths_with_other_methods_are_not_allowed() {
        let mut router = router();
        assert_eq!(
            router.route(&Method::DELETE, "/v1/projects/p/services/build"),
            Routed::MethodNotAllowed(vec![Method::GET, Method::POST, Method::PUT])
        );
        assert!(router.insert("v1/x", Method::GET, 9, &[]).is_err());
        assert!(router.insert("/v1/{a}", Method::GET, 9, &["b"]).is_err());
    }
}
