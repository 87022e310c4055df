//! Everything the emulator knows of the API, built once per process: the registry's routes
//! joined with the schemas of the embedded API description, the route tree, and the canned
//! answers of operations without state.

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;
use nf_types::registry::{self, BodyKind, OperationInfo};
use serde_json::{Map, Value};

use crate::router::Router;
use crate::schema::Schema;
use crate::store::{Action, RESOURCE_OPERATIONS, ResourceKind};

/// The API description, embedded so that the emulator needs no files at run time.
const SPEC: &str = include_str!("../../../spec/api.json");

/// The description format this reader understands (`format` in `spec/api.json`).
const SPEC_FORMAT: u64 = 1;

/// One operation as the emulator serves it.
#[derive(Debug)]
pub(crate) struct Operation {
    /// Its position in [`Catalog::operations`].
    pub(crate) index: usize,
    pub(crate) info: &'static OperationInfo,
    /// The body schema, when the operation takes a body and the description types it.
    pub(crate) body: Option<Schema>,
    /// The schema of the response's `data`.
    pub(crate) response: Option<Schema>,
    /// For listings, the schema of one item of a page.
    pub(crate) item: Option<Schema>,
    pub(crate) behaviour: Behaviour,
}

/// How an operation answers.
#[derive(Debug)]
pub(crate) enum Behaviour {
    /// From the state of its kind of resource.
    Resource {
        kind: ResourceKind,
        action: Action,
        fixed: Option<(&'static str, &'static str)>,
    },
    /// With the same answer every time, made from the response schema: the whole success
    /// body, already serialised.
    Canned(Bytes),
}

/// The operations and their routes.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) operations: Vec<Operation>,
    pub(crate) router: Router,
    by_id: HashMap<&'static str, usize>,
}

impl Catalog {
    /// The process-wide catalog, built on first use.
    ///
    /// # Errors
    /// The embedded description does not parse, or a registry route is malformed.
    pub(crate) fn get() -> Result<&'static Self, String> {
        static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
        CATALOG
            .get_or_init(|| Self::build(SPEC, registry::operations()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The operation of this id.
    pub(crate) fn operation(&self, id: &str) -> Option<&Operation> {
        self.by_id.get(id).map(|&index| &self.operations[index])
    }

    fn build(spec: &str, registry: &'static [&'static OperationInfo]) -> Result<Self, String> {
        let mut schemas = read_spec(spec)?;
        let mut operations = Vec::with_capacity(registry.len());
        let mut router = Router::default();
        let mut by_id = HashMap::with_capacity(registry.len());

        for (index, &info) in registry.iter().enumerate() {
            // An operation the description lacks still routes, answering `{}`.
            let (body, response) = schemas.remove(info.id).unwrap_or((None, None));
            let body = body.filter(|_| info.body != BodyKind::None);
            let behaviour = match RESOURCE_OPERATIONS.iter().find(|entry| entry.0 == info.id) {
                Some(&(_, kind, action, fixed)) => Behaviour::Resource {
                    kind,
                    action,
                    fixed,
                },
                None => Behaviour::Canned(canned(info, response.as_ref())),
            };
            for route in info.routes {
                router.insert(route.path, info.method.clone(), index, route.params)?;
            }
            by_id.insert(info.id, index);
            let item = info
                .paginated
                .then(|| item_schema(info, response.as_ref()))
                .flatten();
            operations.push(Operation {
                index,
                info,
                body,
                response,
                item,
                behaviour,
            });
        }
        Ok(Self {
            operations,
            router,
            by_id,
        })
    }
}

type Schemas = HashMap<String, (Option<Schema>, Option<Schema>)>;

/// The body and response schema of every operation of the description.
fn read_spec(text: &str) -> Result<Schemas, String> {
    let spec: Value =
        serde_json::from_str(text).map_err(|error| format!("spec/api.json: {error}"))?;
    match spec.get("format").and_then(Value::as_u64) {
        Some(SPEC_FORMAT) => {}
        other => {
            return Err(format!(
                "spec/api.json has format {other:?}, this emulator reads {SPEC_FORMAT}"
            ));
        }
    }
    let operations = spec
        .get("operations")
        .and_then(Value::as_array)
        .ok_or("spec/api.json has no `operations` array")?;
    let mut schemas = HashMap::with_capacity(operations.len());
    for operation in operations {
        let id = operation
            .get("id")
            .and_then(Value::as_str)
            .ok_or("an operation of spec/api.json has no string `id`")?;
        let body = match operation.get("body").and_then(|body| body.get("schema")) {
            Some(schema) => Some(Schema::parse(schema, &format!("{id} body"))?),
            None => None,
        };
        let response = match operation.get("response") {
            Some(schema) => Some(Schema::parse(schema, &format!("{id} response"))?),
            None => None,
        };
        schemas.insert(id.to_owned(), (body, response));
    }
    Ok(schemas)
}

/// The schema of one item of a page: the elements of the `items_key` member of the data, or
/// of the data itself when it is an array.
fn item_schema(info: &OperationInfo, response: Option<&Schema>) -> Option<Schema> {
    let items = match (info.items_key, response?) {
        (Some(key), Schema::Object { properties, .. }) => {
            &properties
                .iter()
                .find(|property| property.name == key)?
                .schema
        }
        (None, array @ Schema::Array(_)) => array,
        _ => return None,
    };
    match items {
        Schema::Array(item) => Some((**item).clone()),
        _ => None,
    }
}

/// The fixed success body of an operation without state: an example of its response schema,
/// and for paginated operations a single last page.
fn canned(info: &OperationInfo, response: Option<&Schema>) -> Bytes {
    let data = response.map_or_else(
        || Value::Object(Map::new()),
        |schema| schema.example("data"),
    );
    let mut envelope = Map::new();
    let page = info.paginated.then(|| {
        let count = info
            .items_key
            .and_then(|key| data.get(key))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        pagination(false, None, count)
    });
    envelope.insert("data".to_owned(), data);
    if let Some(page) = page {
        envelope.insert("pagination".to_owned(), page);
    }
    Bytes::from(serde_json::to_vec(&Value::Object(envelope)).unwrap_or_default())
}

/// The `pagination` member of a page.
pub(crate) fn pagination(has_next_page: bool, cursor: Option<String>, count: usize) -> Value {
    let mut members = Map::new();
    members.insert("hasNextPage".to_owned(), Value::Bool(has_next_page));
    if let Some(cursor) = cursor {
        members.insert("cursor".to_owned(), Value::String(cursor));
    }
    members.insert("count".to_owned(), Value::from(count));
    Value::Object(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registry_operation_is_served() {
        let catalog = Catalog::get().unwrap();
        assert_eq!(catalog.operations.len(), registry::operations().len());
        for &(id, ..) in RESOURCE_OPERATIONS {
            let operation = catalog
                .operation(id)
                .unwrap_or_else(|| panic!("the registry has no stateful operation {id}"));
            assert!(
                matches!(operation.behaviour, Behaviour::Resource { .. }),
                "{id}"
            );
            assert!(operation.response.is_some(), "{id} has a response schema");
        }
        let described = catalog
            .operations
            .iter()
            .filter(|operation| operation.response.is_some())
            .count();
        assert!(
            described * 10 >= catalog.operations.len() * 9,
            "{described} described"
        );
    }

    #[test]
    fn canned_pages_are_last_pages() {
        let catalog = Catalog::get().unwrap();
        let mut pages = 0;
        for operation in &catalog.operations {
            let Behaviour::Canned(body) = &operation.behaviour else {
                continue;
            };
            let body: Value = serde_json::from_slice(body).unwrap();
            assert!(body.get("data").is_some(), "{}", operation.info.id);
            if operation.info.paginated {
                pages += 1;
                assert_eq!(body["pagination"]["hasNextPage"], false);
                assert!(body["pagination"].get("cursor").is_none());
            } else {
                assert!(body.get("pagination").is_none());
            }
        }
        assert!(pages > 0, "some operation without state is paginated");
    }

    #[test]
    fn a_wrong_format_is_refused() {
        assert!(read_spec(r#"{"format": 99, "operations": []}"#).is_err());
        assert!(read_spec("not json").is_err());
    }
}
