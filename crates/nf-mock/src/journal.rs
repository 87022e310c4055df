//! The journal of received requests, for tests to read what a client really sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use bytes::Bytes;
use http::{Method, StatusCode};

/// What the emulator did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A complete answer with this status.
    Answered(StatusCode),
    /// The connection was closed (or the HTTP/2 stream reset) before any answer.
    DroppedBeforeAnswer,
    /// The status and headers went out with part of the body, then the connection closed.
    DroppedMidBody(StatusCode),
}

impl Outcome {
    /// The status that was sent, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Answered(status) | Self::DroppedMidBody(status) => Some(*status),
            Self::DroppedBeforeAnswer => None,
        }
    }
}

/// One request as the emulator received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The method.
    pub method: Method,
    /// The path, still percent-encoded, as sent.
    pub path: String,
    /// The query string without the `?`, when there was one.
    pub query: Option<String>,
    /// The headers in the order received, names in lower case; the credentials of an
    /// `Authorization` header read `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Bytes,
    /// When the request was read.
    pub received_at: SystemTime,
    /// The operation it was routed to, if any.
    pub operation: Option<&'static str>,
    /// What was answered.
    pub outcome: Outcome,
}

impl JournalEntry {
    /// The first value of a header, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The value of a query option, percent-decoded (`+` reads as a space), if present.
    pub fn query_value(&self, name: &str) -> Option<String> {
        crate::server::query_pairs(self.query.as_deref()?)
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The journal of one emulator; cheap to clone, and every clone reads the same entries.
///
/// It keeps the most recent entries up to the capacity set by
/// [`MockConfig::journal_capacity`](crate::MockConfig::journal_capacity), dropping the oldest.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Mutex<Entries>>,
}

#[derive(Debug)]
struct Entries {
    capacity: usize,
    entries: VecDeque<JournalEntry>,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Entries {
                capacity,
                entries: VecDeque::new(),
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn record(&self, entry: JournalEntry) {
        let mut entries = self.lock();
        if entries.capacity == 0 {
            return;
        }
        while entries.entries.len() >= entries.capacity {
            entries.entries.pop_front();
        }
        entries.entries.push_back(entry);
    }

    /// Whether requests are recorded at all (a capacity above zero).
    pub(crate) fn is_recording(&self) -> bool {
        self.lock().capacity > 0
    }

    /// A copy of the entries, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().entries.iter().cloned().collect()
    }

    /// The most recent entry.
    pub fn last(&self) -> Option<JournalEntry> {
        self.lock().entries.back().cloned()
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no entry is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every entry.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    /// Removes and returns every entry, oldest first.
    pub fn take(&self) -> Vec<JournalEntry> {
        self.lock().entries.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            method: Method::GET,
            path: path.to_owned(),
            query: Some("a=1&b=x%20y+z".to_owned()),
            headers: vec![("x-name".to_owned(), "v".to_owned())],
            body: Bytes::from_static(b"{\"k\":1}"),
            received_at: SystemTime::UNIX_EPOCH,
            operation: None,
            outcome: Outcome::DroppedBeforeAnswer,
        }
    }

    #[test]
    fn keeps_the_most_recent_entries() {
        let journal = Journal::new(2);
        for path in ["/1", "/2", "/3"] {
            journal.record(entry(path));
        }
        let paths: Vec<_> = journal
            .entries()
            .into_iter()
            .map(|entry| entry.path)
            .collect();
        assert_eq!(paths, ["/2", "/3"]);
        let last = journal.last().unwrap();
        assert_eq!(last.header("X-Name"), Some("v"));
        assert_eq!(last.query_value("b").as_deref(), Some("x y z"));
        assert_eq!(last.json(), Some(serde_json::json!({"k": 1})));
        assert_eq!(journal.take().len(), 2);
        assert!(journal.is_empty());

        let off = Journal::new(0);
        off.record(entry("/"));
        assert!(off.is_empty());
    }
}
