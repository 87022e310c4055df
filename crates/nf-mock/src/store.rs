//! The emulator's state: projects and, inside each project, services, jobs, addons, secrets
//! and volumes, kept in memory in creation order.
//!
//! Records are JSON objects: the body a resource was created with, its later patches, and the
//! members the API generates (`id`, `uid`, `createdAt`, …). Answers shape a record to each
//! operation's response schema; the store itself knows nothing of schemas.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::time::rfc3339;

/// A kind of resource the emulator keeps state for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A project, the container of all the others.
    Project,
    /// A service of a project: deployment, build or combined.
    Service,
    /// A job of a project: manual or cron.
    Job,
    /// An addon (database, cache, …) of a project.
    Addon,
    /// A secret group of a project.
    Secret,
    /// A volume of a project.
    Volume,
}

impl ResourceKind {
    /// Every kind, parents first.
    pub const ALL: [Self; 6] = [
        Self::Project,
        Self::Service,
        Self::Job,
        Self::Addon,
        Self::Secret,
        Self::Volume,
    ];

    /// The kind's name in the API's terms: `project`, `service`, …
    pub fn name(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Service => "service",
            Self::Job => "job",
            Self::Addon => "addon",
            Self::Secret => "secret",
            Self::Volume => "volume",
        }
    }

    /// The path parameter that names one resource of this kind: `projectId`, `serviceId`, …
    pub fn id_param(self) -> &'static str {
        match self {
            Self::Project => "projectId",
            Self::Service => "serviceId",
            Self::Job => "jobId",
            Self::Addon => "addonId",
            Self::Secret => "secretId",
            Self::Volume => "volumeId",
        }
    }

    /// Index among the kinds that live inside a project.
    fn child_index(self) -> Option<usize> {
        match self {
            Self::Project => None,
            Self::Service => Some(0),
            Self::Job => Some(1),
            Self::Addon => Some(2),
            Self::Secret => Some(3),
            Self::Volume => Some(4),
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a stateful operation does to its kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Put,
    List,
    Get,
    Patch,
    Delete,
}

/// A member, name and string value, that every record an operation writes carries.
pub(crate) type FixedMember = (&'static str, &'static str);

/// The stateful operations: id, kind, action, and the member its records carry.
pub(crate) const RESOURCE_OPERATIONS: &[(&str, ResourceKind, Action, Option<FixedMember>)] = {
    use Action::*;
    use ResourceKind::*;
    &[
        ("create.project", Project, Create, None),
        ("put.project", Project, Put, None),
        ("list.projects", Project, List, None),
        ("get.project", Project, Get, None),
        ("patch.project", Project, Patch, None),
        ("delete.project", Project, Delete, None),
        (
            "create.service.deployment",
            Service,
            Create,
            Some(("serviceType", "deployment")),
        ),
        (
            "create.service.build",
            Service,
            Create,
            Some(("serviceType", "build")),
        ),
        (
            "create.service.combined",
            Service,
            Create,
            Some(("serviceType", "combined")),
        ),
        (
            "put.service.deployment",
            Service,
            Put,
            Some(("serviceType", "deployment")),
        ),
        (
            "put.service.build",
            Service,
            Put,
            Some(("serviceType", "build")),
        ),
        (
            "put.service.combined",
            Service,
            Put,
            Some(("serviceType", "combined")),
        ),
        ("list.services", Service, List, None),
        ("get.service", Service, Get, None),
        ("patch.service.deployment", Service, Patch, None),
        ("patch.service.build", Service, Patch, None),
        ("patch.service.combined", Service, Patch, None),
        ("delete.service", Service, Delete, None),
        // The description types `create.job` and `put.job` as answering cron jobs.
        ("create.job", Job, Create, Some(("jobType", "cron"))),
        ("create.job.cron", Job, Create, Some(("jobType", "cron"))),
        (
            "create.job.manual",
            Job,
            Create,
            Some(("jobType", "manual")),
        ),
        ("put.job", Job, Put, Some(("jobType", "cron"))),
        ("put.job.cron", Job, Put, Some(("jobType", "cron"))),
        ("put.job.manual", Job, Put, Some(("jobType", "manual"))),
        ("list.jobs", Job, List, None),
        ("get.job", Job, Get, None),
        ("patch.job", Job, Patch, None),
        ("patch.job.cron", Job, Patch, None),
        ("patch.job.manual", Job, Patch, None),
        ("delete.job", Job, Delete, None),
        ("create.addon", Addon, Create, None),
        ("put.addon", Addon, Put, None),
        ("list.addons", Addon, List, None),
        ("get.addon", Addon, Get, None),
        ("patch.addon", Addon, Patch, None),
        ("delete.addon", Addon, Delete, None),
        ("create.secret", Secret, Create, None),
        ("put.secret", Secret, Put, None),
        ("list.secrets", Secret, List, None),
        ("get.secret", Secret, Get, None),
        ("patch.secret", Secret, Patch, None),
        ("update.secret", Secret, Patch, None),
        ("delete.secret", Secret, Delete, None),
        ("create.volume", Volume, Create, None),
        ("list.volumes", Volume, List, None),
        ("get.volume", Volume, Get, None),
        ("update.volume", Volume, Patch, None),
        ("delete.volume", Volume, Delete, None),
    ]
};

/// Members a patch or put never changes.
const FIXED_MEMBERS: &[&str] = &["id", "uid", "createdAt", "projectId", "appId"];

/// Why a store operation failed; each maps to an API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// No resource of this kind and id (in this project).
    NotFound { kind: ResourceKind, id: String },
    /// A resource of this kind and id already exists.
    Conflict { kind: ResourceKind, id: String },
    /// The body cannot make a resource: no usable `name`, or not an object.
    Invalid { path: String, message: String },
}

/// One collection, in creation order.
#[derive(Debug, Default)]
struct Collection {
    order: BTreeMap<u64, String>,
    records: HashMap<String, Entry>,
}

/// A record, and its renderings for the operations that have read it since it last changed.
#[derive(Debug)]
struct Entry {
    seq: u64,
    record: Map<String, Value>,
    // Reads shape the same record to the same schema again and again: keep the bytes, per
    // view (an operation), until the record changes.
    rendered: Mutex<Vec<(usize, Bytes)>>,
}

impl Entry {
    fn record_mut(&mut self) -> &mut Map<String, Value> {
        self.rendered
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        &mut self.record
    }

    /// The record rendered for `view`, from the cache or by `render`.
    fn render(&self, view: usize, render: &dyn Fn(&Map<String, Value>) -> Bytes) -> Bytes {
        let cached = |rendered: &Vec<(usize, Bytes)>| {
            rendered
                .iter()
                .find(|(key, _)| *key == view)
                .map(|(_, bytes)| bytes.clone())
        };
        if let Some(bytes) = cached(&self.rendered.lock().unwrap_or_else(PoisonError::into_inner)) {
            return bytes;
        }
        // Rendered without the entry's lock: two first readers may both render, harmlessly.
        let bytes = render(&self.record);
        let mut rendered = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
        if cached(&rendered).is_none() {
            rendered.push((view, bytes.clone()));
        }
        bytes
    }
}

impl Collection {
    fn insert(&mut self, seq: u64, id: String, record: Map<String, Value>) {
        self.order.insert(seq, id.clone());
        let entry = Entry {
            seq,
            record,
            rendered: Mutex::default(),
        };
        self.records.insert(id, entry);
    }

    fn remove(&mut self, id: &str) -> Option<Map<String, Value>> {
        let entry = self.records.remove(id)?;
        self.order.remove(&entry.seq);
        Some(entry.record)
    }
}

/// How a view renders a record: to its JSON bytes in some operation's response shape.
pub(crate) type Render<'a> = &'a dyn Fn(&Map<String, Value>) -> Bytes;

/// One page of a listing.
#[derive(Debug)]
pub(crate) struct Page {
    /// The rendered records of the page.
    pub(crate) items: Vec<Bytes>,
    /// The position of the page's last item, when more items follow it.
    pub(crate) next_after: Option<u64>,
}

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start {
    /// After the item at this position (from a cursor).
    After(u64),
    /// After skipping this many items (from a `page` number).
    Skip(usize),
}

/// All the state.
#[derive(Debug, Default)]
pub(crate) struct Store {
    next_seq: u64,
    projects: Collection,
    children: HashMap<String, [Collection; 5]>,
}

impl Store {
    fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn collection(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
    ) -> Result<&Collection, StoreError> {
        match (kind.child_index(), project) {
            (Some(index), Some(project)) => self
                .children
                .get(project)
                .map(|children| &children[index])
                .ok_or_else(|| StoreError::NotFound {
                    kind: ResourceKind::Project,
                    id: project.to_owned(),
                }),
            _ => Ok(&self.projects),
        }
    }

    fn collection_mut(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
    ) -> Result<&mut Collection, StoreError> {
        match (kind.child_index(), project) {
            (Some(index), Some(project)) => self
                .children
                .get_mut(project)
                .map(|children| &mut children[index])
                .ok_or_else(|| StoreError::NotFound {
                    kind: ResourceKind::Project,
                    id: project.to_owned(),
                }),
            _ => Ok(&mut self.projects),
        }
    }

    /// Creates a resource from `body`; its id is the slug of its `name`.
    pub(crate) fn create(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
        body: &Value,
        fixed: Option<(&str, &str)>,
        now: SystemTime,
    ) -> Result<Map<String, Value>, StoreError> {
        let (id, members) = named(body)?;
        if self.collection(kind, project)?.records.contains_key(&id) {
            return Err(StoreError::Conflict { kind, id });
        }
        let seq = self.next_seq();
        let record = new_record(kind, project, &id, seq, members, fixed, now);
        self.insert(kind, project, seq, id, record.clone())?;
        Ok(record)
    }

    /// Creates a resource, or replaces the body of the one of the same name.
    pub(crate) fn put(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
        body: &Value,
        fixed: Option<(&str, &str)>,
        now: SystemTime,
    ) -> Result<Map<String, Value>, StoreError> {
        let (id, members) = named(body)?;
        let collection = self.collection_mut(kind, project)?;
        if let Some(entry) = collection.records.get_mut(&id) {
            let record = entry.record_mut();
            let mut replaced = Map::new();
            for name in FIXED_MEMBERS {
                if let Some(value) = record.get(*name) {
                    replaced.insert((*name).to_owned(), value.clone());
                }
            }
            for (name, value) in members {
                if !FIXED_MEMBERS.contains(&name.as_str()) {
                    replaced.insert(name.clone(), value.clone());
                }
            }
            if let Some((name, value)) = fixed {
                replaced.insert(name.to_owned(), Value::String(value.to_owned()));
            }
            replaced.insert("updatedAt".to_owned(), Value::String(rfc3339(now)));
            *record = replaced.clone();
            return Ok(replaced);
        }
        self.create(kind, project, body, fixed, now)
    }

    fn insert(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
        seq: u64,
        id: String,
        record: Map<String, Value>,
    ) -> Result<(), StoreError> {
        if kind == ResourceKind::Project {
            self.children.insert(id.clone(), Default::default());
        }
        self.collection_mut(kind, project)?.insert(seq, id, record);
        Ok(())
    }

    /// The record of one resource.
    pub(crate) fn get(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
        id: &str,
    ) -> Result<Map<String, Value>, StoreError> {
        self.entry(kind, project, id)
            .map(|entry| entry.record.clone())
    }

    /// One resource rendered for `view`.
    pub(crate) fn render(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
        id: &str,
        view: usize,
        render: Render<'_>,
    ) -> Result<Bytes, StoreError> {
        self.entry(kind, project, id)
            .map(|entry| entry.render(view, render))
    }

    fn entry(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
        id: &str,
    ) -> Result<&Entry, StoreError> {
        self.collection(kind, project)?
            .records
            .get(id)
            .ok_or_else(|| StoreError::NotFound {
                kind,
                id: id.to_owned(),
            })
    }

    /// Applies `patch` as a JSON merge patch (RFC 7386: objects merge, `null` removes).
    pub(crate) fn patch(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
        id: &str,
        patch: &Value,
        now: SystemTime,
    ) -> Result<Map<String, Value>, StoreError> {
        let Value::Object(changes) = patch else {
            return Err(StoreError::Invalid {
                path: "body".to_owned(),
                message: "must be an object".to_owned(),
            });
        };
        let record = self
            .collection_mut(kind, project)?
            .records
            .get_mut(id)
            .ok_or_else(|| StoreError::NotFound {
                kind,
                id: id.to_owned(),
            })?
            .record_mut();
        for (name, value) in changes {
            if FIXED_MEMBERS.contains(&name.as_str()) {
                continue;
            }
            merge_member(record, name, value);
        }
        record.insert("updatedAt".to_owned(), Value::String(rfc3339(now)));
        Ok(record.clone())
    }

    /// Deletes a resource; deleting a project deletes everything in it.
    pub(crate) fn delete(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
        id: &str,
    ) -> Result<(), StoreError> {
        self.collection_mut(kind, project)?
            .remove(id)
            .ok_or_else(|| StoreError::NotFound {
                kind,
                id: id.to_owned(),
            })?;
        if kind == ResourceKind::Project {
            self.children.remove(id);
        }
        Ok(())
    }

    /// Up to `limit` records from `start`, in creation order, rendered for `view`.
    pub(crate) fn page(
        &self,
        kind: ResourceKind,
        project: Option<&str>,
        start: Start,
        limit: usize,
        view: usize,
        render: Render<'_>,
    ) -> Result<Page, StoreError> {
        let collection = self.collection(kind, project)?;
        let mut entries: Box<dyn Iterator<Item = (&u64, &String)>> = match start {
            Start::After(seq) => Box::new(
                collection
                    .order
                    .range((std::ops::Bound::Excluded(seq), std::ops::Bound::Unbounded)),
            ),
            Start::Skip(count) => Box::new(collection.order.iter().skip(count)),
        };
        let mut items = Vec::with_capacity(limit.min(collection.order.len()));
        let mut last = None;
        for (seq, id) in entries.by_ref().take(limit) {
            if let Some(entry) = collection.records.get(id) {
                items.push(entry.render(view, render));
            }
            last = Some(*seq);
        }
        let more = entries.next().is_some();
        Ok(Page {
            items,
            next_after: last.filter(|_| more),
        })
    }

    /// How many resources of a kind there are (in a project).
    pub(crate) fn count(&self, kind: ResourceKind, project: Option<&str>) -> usize {
        self.collection(kind, project)
            .map_or(0, |collection| collection.records.len())
    }

    /// Creates `count` resources named `<kind>-<n>` with `template` as the rest of the body,
    /// skipping names already taken; returns their ids.
    pub(crate) fn seed(
        &mut self,
        kind: ResourceKind,
        project: Option<&str>,
        count: usize,
        template: &Map<String, Value>,
        fixed: Option<(&str, &str)>,
        now: SystemTime,
    ) -> Result<Vec<String>, StoreError> {
        let mut ids = Vec::with_capacity(count);
        let mut number = self.count(kind, project) + 1;
        while ids.len() < count {
            let id = format!("{}-{number}", kind.name());
            number += 1;
            if self.collection(kind, project)?.records.contains_key(&id) {
                continue;
            }
            let mut body = template.clone();
            body.insert("name".to_owned(), Value::String(id.clone()));
            self.create(kind, project, &Value::Object(body), fixed, now)?;
            ids.push(id);
        }
        Ok(ids)
    }
}

/// The id a body names, and its members.
fn named(body: &Value) -> Result<(String, &Map<String, Value>), StoreError> {
    let Value::Object(members) = body else {
        return Err(StoreError::Invalid {
            path: "body".to_owned(),
            message: "must be an object".to_owned(),
        });
    };
    let Some(Value::String(name)) = members.get("name") else {
        return Err(StoreError::Invalid {
            path: "body.name".to_owned(),
            message: "is required".to_owned(),
        });
    };
    let id = slug(name);
    if id.is_empty() {
        return Err(StoreError::Invalid {
            path: "body.name".to_owned(),
            message: "must contain a letter or a digit".to_owned(),
        });
    }
    Ok((id, members))
}

/// The record of a new resource: its id first, then the body, then generated members.
fn new_record(
    kind: ResourceKind,
    project: Option<&str>,
    id: &str,
    seq: u64,
    body: &Map<String, Value>,
    fixed: Option<(&str, &str)>,
    now: SystemTime,
) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("id".to_owned(), Value::String(id.to_owned()));
    for (name, value) in body {
        if !FIXED_MEMBERS.contains(&name.as_str()) {
            record.insert(name.clone(), value.clone());
        }
    }
    // Shaped like the API's object ids: 24 hexadecimal digits.
    record.insert(
        "uid".to_owned(),
        Value::String(format!("{:08x}{seq:016x}", 0x6e66_6d6b_u32)),
    );
    if let Some(project) = project.filter(|_| kind != ResourceKind::Project) {
        record.insert("projectId".to_owned(), Value::String(project.to_owned()));
        record.insert(
            "appId".to_owned(),
            Value::String(format!("/{project}/{id}")),
        );
    }
    if let Some((name, value)) = fixed {
        record.insert(name.to_owned(), Value::String(value.to_owned()));
    }
    let now = Value::String(rfc3339(now));
    record.insert("createdAt".to_owned(), now.clone());
    record.insert("updatedAt".to_owned(), now);
    record
}

fn merge_member(target: &mut Map<String, Value>, name: &str, patch: &Value) {
    match patch {
        Value::Null => {
            target.remove(name);
        }
        Value::Object(changes) => {
            let slot = target
                .entry(name.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                for (key, value) in changes {
                    merge_member(inner, key, value);
                }
            }
        }
        value => {
            target.insert(name.to_owned(), value.clone());
        }
    }
}

/// The id the API derives from a name: lower case, runs of other characters as one `-`.
pub(crate) fn slug(name: &str) -> String {
    let mut id = String::with_capacity(name.len());
    for character in name.chars() {
        if character.is_ascii_alphanumeric() {
            id.push(character.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    while id.ends_with('-') {
        id.pop();
    }
    id
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PROJECT: ResourceKind = ResourceKind::Project;

    #[test]
    fn slugs_follow_names() {
        assert_eq!(slug("My Project"), "my-project");
        assert_eq!(slug("  a__b--C!! "), "a-b-c");
        assert_eq!(slug("é"), "");
    }

    #[test]
    fn create_get_patch_put_delete() {
        let now = SystemTime::UNIX_EPOCH;
        let mut store = Store::default();
        let created = store
            .create(
                PROJECT,
                None,
                &json!({"name": "Demo", "color": "red"}),
                None,
                now,
            )
            .unwrap();
        assert_eq!(created["id"], "demo");
        assert_eq!(created["createdAt"], "1970-01-01T00:00:00.000Z");
        assert!(matches!(
            store.create(PROJECT, None, &json!({"name": "demo"}), None, now),
            Err(StoreError::Conflict { .. })
        ));

        let patched = store
            .patch(
                PROJECT,
                None,
                "demo",
                &json!({"color": null, "networking": {"a": 1}, "id": "x"}),
                now,
            )
            .unwrap();
        assert!(patched.get("color").is_none());
        assert_eq!(patched["networking"], json!({"a": 1}));
        assert_eq!(patched["id"], "demo");

        let put = store
            .put(
                PROJECT,
                None,
                &json!({"name": "demo", "description": "d"}),
                None,
                now,
            )
            .unwrap();
        assert_eq!(put["description"], "d");
        assert!(put.get("networking").is_none(), "put replaces the body");
        assert_eq!(put["uid"], created["uid"]);

        let service = ResourceKind::Service;
        let fixed = Some(("serviceType", "build"));
        let child = store
            .create(service, Some("demo"), &json!({"name": "api"}), fixed, now)
            .unwrap();
        assert_eq!(child["appId"], "/demo/api");
        assert_eq!(child["serviceType"], "build");
        assert!(matches!(
            store.create(service, Some("none"), &json!({"name": "api"}), None, now),
            Err(StoreError::NotFound {
                kind: ResourceKind::Project,
                ..
            })
        ));

        store.delete(PROJECT, None, "demo").unwrap();
        assert!(
            store.get(service, Some("demo"), "api").is_err(),
            "children go too"
        );
        assert!(matches!(
            store.delete(PROJECT, None, "demo"),
            Err(StoreError::NotFound { .. })
        ));
    }

    #[test]
    fn renderings_are_kept_until_the_record_changes() {
        let now = SystemTime::UNIX_EPOCH;
        let mut store = Store::default();
        store
            .create(PROJECT, None, &json!({"name": "p", "n": 1}), None, now)
            .unwrap();
        let calls = std::cell::Cell::new(0);
        let render = |record: &Map<String, Value>| {
            calls.set(calls.get() + 1);
            Bytes::from(record["n"].to_string())
        };
        assert_eq!(store.render(PROJECT, None, "p", 3, &render).unwrap(), "1");
        assert_eq!(store.render(PROJECT, None, "p", 3, &render).unwrap(), "1");
        assert_eq!(calls.get(), 1, "the second read is cached");
        store.render(PROJECT, None, "p", 4, &render).unwrap();
        assert_eq!(calls.get(), 2, "each view renders once");
        store
            .patch(PROJECT, None, "p", &json!({"n": 2}), now)
            .unwrap();
        assert_eq!(store.render(PROJECT, None, "p", 3, &render).unwrap(), "2");
        store
            .put(PROJECT, None, &json!({"name": "p", "n": 3}), None, now)
            .unwrap();
        assert_eq!(store.render(PROJECT, None, "p", 3, &render).unwrap(), "3");
        assert_eq!(calls.get(), 4);
    }

    #[test]
    fn pages_resume_after_their_last_item() {
        let now = SystemTime::UNIX_EPOCH;
        let mut store = Store::default();
        let ids = store
            .seed(PROJECT, None, 5, &Map::new(), None, now)
            .unwrap();
        assert_eq!(
            ids,
            [
                "project-1",
                "project-2",
                "project-3",
                "project-4",
                "project-5"
            ]
        );

        let id = |record: &Map<String, Value>| Bytes::from(record["id"].to_string());
        let first = store
            .page(PROJECT, None, Start::Skip(0), 2, 0, &id)
            .unwrap();
        let after = first.next_after.unwrap();
        store.delete(PROJECT, None, "project-2").unwrap();
        let second = store
            .page(PROJECT, None, Start::After(after), 2, 0, &id)
            .unwrap();
        assert_eq!(second.items, ["\"project-3\"", "\"project-4\""]);
        let last = store
            .page(
                PROJECT,
                None,
                Start::After(second.next_after.unwrap()),
                2,
                0,
                &id,
            )
            .unwrap();
        assert_eq!(last.items.len(), 1);
        assert_eq!(last.next_after, None);

        let more = store
            .seed(PROJECT, None, 1, &Map::new(), None, now)
            .unwrap();
        assert_eq!(more, ["project-6"]);
    }
}
