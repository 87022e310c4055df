//! The structure of the official CLI's `config.json`, shared by the file and in-memory
//! providers.
//!
//! Keys this crate does not know are kept, and so is the order of every key, so a rewrite
//! changes only what the operation changed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize as _};
use serde_json::{Map, Value};

use crate::context::check_token;
use crate::{Context, ContextDefaults, ContextError, DEFAULT_HOST, Token, TokenScope};

/// The whole configuration: which context is current, the contexts, and anything else the
/// file holds (such as `lastUpdateCheck`).
#[derive(Clone, Default, Deserialize)]
pub(crate) struct Document {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    contexts: Vec<StoredContext>,
    #[serde(flatten)]
    extra: Map<String, Value>,
    /// The top-level keys in the order they were read.
    #[serde(skip)]
    key_order: Vec<String>,
    /// Whether the text ended with a newline; the CLI writes none, an editor may add one.
    #[serde(skip)]
    trailing_newline: bool,
}

/// One entry of `contexts`.
#[derive(Clone, Deserialize)]
struct StoredContext {
    name: String,
    #[serde(default, deserialize_with = "token_text")]
    token: Option<Token>,
    #[serde(default)]
    host: Option<String>,
    /// Kept as text: a value this crate does not know survives a rewrite.
    #[serde(default, rename = "tokenScope")]
    token_scope: Option<String>,
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    job: Option<String>,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
    /// The context's keys in the order they were read.
    #[serde(skip)]
    key_order: Vec<String>,
}

fn token_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Token>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(Token::from))
}

impl Document {
    /// Parses the file's bytes.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let mut document: Self = serde_json::from_slice(bytes)?;

        // The typed pass forgets where unknown keys stood; a second pass over the same
        // bytes, which cannot fail where the first succeeded, recovers the order.
        if let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(bytes) {
            document.key_order = raw.keys().cloned().collect();
            if let Some(Value::Array(items)) = raw.get("contexts") {
                for (stored, item) in document.contexts.iter_mut().zip(items) {
                    if let Value::Object(fields) = item {
                        stored.key_order = fields.keys().cloned().collect();
                    }
                }
            }
        }
        document.trailing_newline = bytes.ends_with(b"\n");
        Ok(document)
    }

    /// The text to store: tab-indented JSON like the CLI's, keys in their original order.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut fields = Map::new();
        if let Some(current) = &self.current {
            fields.insert("current".to_owned(), Value::String(current.clone()));
        }
        let contexts = self.contexts.iter().map(StoredContext::to_value).collect();
        fields.insert("contexts".to_owned(), Value::Array(contexts));
        for (key, value) in &self.extra {
            fields.insert(key.clone(), value.clone());
        }
        let value = Value::Object(in_order(fields, &self.key_order));

        let mut bytes = Vec::with_capacity(1024);
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
        let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
        value.serialize(&mut serializer)?;
        if self.trailing_newline {
            bytes.push(b'\n');
        }
        Ok(bytes)
    }

    /// The name of the current context, whether or not a context of that name exists.
    pub(crate) fn current_name(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The current context, `None` when none is selected or the selected one is missing.
    pub(crate) fn current_context(&self) -> Option<Context> {
        let index = self.find(self.current.as_deref()?)?;
        Some(self.contexts[index].to_context())
    }

    /// The current context's token, unless it has none or an empty one: without building
    /// the whole context, as the transport reads it for every request.
    pub(crate) fn current_token(&self) -> Option<Token> {
        let index = self.find(self.current.as_deref()?)?;
        self.contexts[index]
            .token
            .clone()
            .filter(|token| !token.is_empty())
    }

    /// Every context, in stored order.
    pub(crate) fn contexts(&self) -> Vec<Context> {
        self.contexts
            .iter()
            .map(StoredContext::to_context)
            .collect()
    }

    /// The context names, for `Debug` output.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.contexts
            .iter()
            .map(|stored| stored.name.as_str())
            .collect()
    }

    /// Adds `context` and makes it current; replaces one of the same name, in place, when
    /// allowed. A replaced context's unknown keys go with it: they described the old one.
    pub(crate) fn add(
        &mut self,
        context: Context,
        allow_override: bool,
    ) -> Result<(), ContextError> {
        context.validate()?;
        let name = context.name.clone();
        let stored = StoredContext::new(context);
        match self.find(&name) {
            Some(_) if !allow_override => return Err(ContextError::AlreadyExists { name }),
            Some(index) => self.contexts[index] = stored,
            None => self.contexts.push(stored),
        }
        self.current = Some(name);
        Ok(())
    }

    /// Removes every context called `name`; clears the current context if it was that one.
    pub(crate) fn remove(&mut self, name: &str) -> Result<(), ContextError> {
        let before = self.contexts.len();
        self.contexts.retain(|stored| stored.name != name);
        if self.contexts.len() == before {
            return Err(ContextError::NotFound {
                name: name.to_owned(),
            });
        }
        if self.current.as_deref() == Some(name) {
            self.current = None;
        }
        Ok(())
    }

    /// Makes the context called `name` current.
    pub(crate) fn select(&mut self, name: &str) -> Result<(), ContextError> {
        if self.find(name).is_none() {
            return Err(ContextError::NotFound {
                name: name.to_owned(),
            });
        }
        self.current = Some(name.to_owned());
        Ok(())
    }

    /// Replaces the known fields of the context called `context.name`; its unknown keys stay.
    pub(crate) fn update(&mut self, context: Context) -> Result<(), ContextError> {
        context.validate()?;
        let index = self
            .find(&context.name)
            .ok_or_else(|| ContextError::NotFound {
                name: context.name.clone(),
            })?;
        self.contexts[index].assign(context);
        Ok(())
    }

    /// Replaces the current context's token; its stored scope stays.
    pub(crate) fn update_token(&mut self, token: Token) -> Result<(), ContextError> {
        let index = self.current_index()?;
        let stored = &mut self.contexts[index];
        check_token(token.expose()).map_err(|reason| ContextError::Invalid {
            name: stored.name.clone(),
            reason: reason.to_owned(),
        })?;
        stored.token = Some(token);
        Ok(())
    }

    /// Lets `change` edit the current context's defaults.
    pub(crate) fn update_defaults(
        &mut self,
        change: &mut dyn FnMut(&mut ContextDefaults),
    ) -> Result<(), ContextError> {
        let index = self.current_index()?;
        let stored = &mut self.contexts[index];
        let mut defaults = stored.defaults();
        change(&mut defaults);
        stored.set_defaults(defaults);
        Ok(())
    }

    fn current_index(&self) -> Result<usize, ContextError> {
        self.current
            .as_deref()
            .and_then(|name| self.find(name))
            .ok_or(ContextError::NoCurrentContext)
    }

    /// The first context called `name`: a hand-edited file may repeat a name.
    fn find(&self, name: &str) -> Option<usize> {
        self.contexts.iter().position(|stored| stored.name == name)
    }
}

impl StoredContext {
    fn new(context: Context) -> Self {
        let mut stored = Self {
            name: String::new(),
            token: None,
            host: None,
            token_scope: None,
            project: None,
            service: None,
            job: None,
            plan: None,
            region: None,
            extra: Map::new(),
            key_order: Vec::new(),
        };
        stored.assign(context);
        stored
    }

    /// Takes every known field from `context`. A stored scope this crate cannot name stays
    /// unless `context` sets a scope of its own.
    fn assign(&mut self, context: Context) {
        let keep_unknown_scope = context.scope.is_none()
            && self.token_scope.is_some()
            && parse_scope(self.token_scope.as_deref()).is_none();
        if !keep_unknown_scope {
            self.token_scope = context.scope.map(|scope| scope_text(scope).to_owned());
        }
        self.name = context.name;
        self.token = Some(context.token);
        self.host = Some(context.host);
        self.set_defaults(context.defaults);
    }

    fn defaults(&self) -> ContextDefaults {
        ContextDefaults {
            project: self.project.clone(),
            service: self.service.clone(),
            job: self.job.clone(),
            plan: self.plan.clone(),
            region: self.region.clone(),
        }
    }

    fn set_defaults(&mut self, defaults: ContextDefaults) {
        let ContextDefaults {
            project,
            service,
            job,
            plan,
            region,
        } = defaults;
        self.project = project;
        self.service = service;
        self.job = job;
        self.plan = plan;
        self.region = region;
    }

    /// The context as callers see it; a context stored without a host is on [`DEFAULT_HOST`],
    /// as a context added without one would be.
    fn to_context(&self) -> Context {
        Context {
            name: self.name.clone(),
            token: self.token.clone().unwrap_or_else(|| Token::new("")),
            host: self.host.clone().unwrap_or_else(|| DEFAULT_HOST.to_owned()),
            scope: parse_scope(self.token_scope.as_deref()),
            defaults: self.defaults(),
        }
    }

    fn to_value(&self) -> Value {
        let mut fields = Map::new();
        fields.insert("name".to_owned(), Value::String(self.name.clone()));
        let known = [
            ("token", self.token.as_ref().map(Token::expose)),
            ("host", self.host.as_deref()),
            ("tokenScope", self.token_scope.as_deref()),
            ("project", self.project.as_deref()),
            ("service", self.service.as_deref()),
            ("job", self.job.as_deref()),
            ("plan", self.plan.as_deref()),
            ("region", self.region.as_deref()),
        ];
        for (key, value) in known {
            if let Some(value) = value {
                fields.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        }
        for (key, value) in &self.extra {
            fields.insert(key.clone(), value.clone());
        }
        Value::Object(in_order(fields, &self.key_order))
    }
}

fn parse_scope(text: Option<&str>) -> Option<TokenScope> {
    match text? {
        "team" => Some(TokenScope::Team),
        "org" => Some(TokenScope::Org),
        _ => None,
    }
}

fn scope_text(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Team => "team",
        TokenScope::Org => "org",
    }
}

/// `fields` with the keys of `order` first, in that order, then any new keys as they come.
fn in_order(fields: Map<String, Value>, order: &[String]) -> Map<String, Value> {
    if order.is_empty() {
        return fields;
    }
    let mut entries: Vec<(String, Value)> = fields.into_iter().collect();
    // A stable sort keeps new keys in their canonical order after the known ones.
    entries.sort_by_key(|(key, _)| {
        order
            .iter()
            .position(|known| known == key)
            .unwrap_or(usize::MAX)
    });
    entries.into_iter().collect()
}

/// Names only: tokens, and unknown keys that might hold secrets, stay out of logs.
impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("current", &self.current)
            .field("contexts", &self.names())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLI_FILE: &str = "{\n\t\"x-first\": 1,\n\t\"current\": \"work\",\n\t\"contexts\": [\n\t\t{\n\t\t\t\"name\": \"work\",\n\t\t\t\"note\": \"kept\",\n\t\t\t\"token\": \"secret-token\",\n\t\t\t\"host\": \"https://api.northflank.com\",\n\t\t\t\"tokenScope\": \"org\"\n\t\t}\n\t],\n\t\"lastUpdateCheck\": \"2024-01-02T03:04:05.000Z\"\n}";

    #[test]
    fn unchanged_document_is_written_back_byte_for_byte() {
        let document = Document::parse(CLI_FILE.as_bytes()).expect("fixture parses");
        let written = document.to_bytes().expect("serialises");
        assert_eq!(String::from_utf8_lossy(&written), CLI_FILE);
    }

    #[test]
    fn trailing_newline_is_kept() {
        let text = format!("{CLI_FILE}\n");
        let document = Document::parse(text.as_bytes()).expect("fixture parses");
        assert_eq!(document.to_bytes().expect("serialises"), text.as_bytes());
    }

    #[test]
    fn new_context_gets_canonical_key_order() {
        let mut document = Document::default();
        let context = Context::new("a", "t").with_scope(TokenScope::Team);
        document.add(context, false).expect("valid context");
        let text = String::from_utf8(document.to_bytes().expect("serialises")).expect("utf-8");
        assert_eq!(
            text,
            "{\n\t\"current\": \"a\",\n\t\"contexts\": [\n\t\t{\n\t\t\t\"name\": \"a\",\n\t\t\t\"token\": \"t\",\n\t\t\t\"host\": \"https://api.northflank.com\",\n\t\t\t\"tokenScope\": \"team\"\n\t\t}\n\t]\n}"
        );
    }

    #[test]
    fn unknown_scope_text_survives_an_update_without_scope() {
        let text = CLI_FILE.replace("\"org\"", "\"user\"");
        let mut document = Document::parse(text.as_bytes()).expect("fixture parses");
        let mut context = document.current_context().expect("current context");
        assert_eq!(context.scope, None);
        context.defaults.project = Some("p".to_owned());
        document.update(context).expect("valid update");
        let written = String::from_utf8(document.to_bytes().expect("serialises")).expect("utf-8");
        assert!(written.contains("\"tokenScope\": \"user\""), "{written}");
        assert!(written.contains("\"project\": \"p\""), "{written}");
    }

    #[test]
    fn removing_the_current_context_clears_current() {
        let mut document = Document::parse(CLI_FILE.as_bytes()).expect("fixture parses");
        document.remove("work").expect("present");
        assert!(document.current_name().is_none());
        assert!(matches!(
            document.remove("work"),
            Err(ContextError::NotFound { .. })
        ));
    }

    #[test]
    fn debug_shows_names_only() {
        let document = Document::parse(CLI_FILE.as_bytes()).expect("fixture parses");
        let debug = format!("{document:?}");
        assert!(debug.contains("work"));
        assert!(!debug.contains("secret-token"));
        assert!(!debug.contains("kept"));
    }
}
