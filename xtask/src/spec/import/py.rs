//! Reads the operations of the PY client wheel (`northflank`).
//!
//! Every module under `northflank/endpoints/` (and every package `__init__.py` that defines
//! one) holds one endpoint class: its class attributes give the method, templates, query names,
//! body and pagination flags and permission; its typed `call` signature gives the types of
//! path parameters, query options and the body, and the response type. Types are inlined from
//! the TypedDict shapes in `northflank/_types.py`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use super::python::{self, Expr, Located, Param, Stmt};
use super::schema::{self, map_of};
use super::{ClientOp, Findings, Package};
use crate::spec::model::{Body, Method, Property, QueryOption, Route, Schema};

/// Reads the unpacked wheel at `dir`: its name and version, and every REST operation.
///
/// # Errors
///
/// Fails when a file is missing or any fact cannot be read; the message names the file and
/// line.
pub(crate) fn read(dir: &Path, findings: &mut Findings) -> Result<Package> {
    let (name, version) = metadata(dir)?;
    let types_path = dir.join("northflank").join("_types.py");
    let types = Types::read(&types_path)?;

    let root = dir.join("northflank").join("endpoints");
    let mut files = Vec::new();
    collect_files(&root, &mut files)?;
    let mut operations = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).unwrap_or(&file);
        let mut segments: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        let is_package = segments.last().is_some_and(|s| s == "__init__.py");
        if is_package {
            segments.pop();
        } else if let Some(last) = segments.last_mut() {
            *last = last.trim_end_matches(".py").to_owned();
        }
        let display = file.display().to_string();
        let src = std::fs::read_to_string(&file).with_context(|| format!("reading {display}"))?;
        let stmts = python::parse_module(&display, &src)?;
        let classes: Vec<&Stmt> = stmts
            .iter()
            .filter(|s| matches!(s, Stmt::Class { .. }))
            .collect();
        match classes.as_slice() {
            [] if is_package => continue,
            [] => bail!("{display}: endpoint module defines no class"),
            [class] => {
                if segments.is_empty() {
                    bail!("{display}: endpoint at the root of the namespace tree");
                }
                let mut conv = Converter {
                    types: &types,
                    file: &display,
                    stack: Vec::new(),
                    findings,
                };
                let op = operation(&mut conv, segments, class)
                    .with_context(|| format!("reading PY operation in {display}"))?;
                operations.push(op);
            }
            _ => bail!(
                "{display}: endpoint module defines {} classes, expected one",
                classes.len()
            ),
        }
    }
    Ok(Package {
        name,
        version,
        operations,
    })
}

/// The distribution name and version from the wheel's `*.dist-info/METADATA`.
fn metadata(dir: &Path) -> Result<(String, String)> {
    let mut infos = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "dist-info") {
            infos.push(path);
        }
    }
    infos.sort();
    let [info] = infos.as_slice() else {
        bail!(
            "{}: expected one *.dist-info directory, found {}",
            dir.display(),
            infos.len()
        );
    };
    let path = info.join("METADATA");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let header = |key: &str| {
        text.lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
            .ok_or_else(|| anyhow!("{}: no `{key}` header", path.display()))
    };
    Ok((header("Name:")?, header("Version:")?))
}

/// Every `.py` file under `dir`, sorted by path so the order never depends on the file system.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("listing {}", dir.display()))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "__pycache__") {
                continue;
            }
            collect_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
    Ok(())
}

/// A TypedDict or alias declared in `_types.py`.
enum TypeDef {
    TypedDict {
        bases: Vec<String>,
        total: bool,
        /// `(name, annotation)`; functional-syntax annotations are already parsed.
        fields: Vec<(String, Located)>,
        line: u32,
    },
    Alias(Located),
}

/// The shapes of `_types.py`, by name.
struct Types {
    file: String,
    defs: BTreeMap<String, TypeDef>,
}

impl Types {
    fn read(path: &Path) -> Result<Self> {
        let file = path.display().to_string();
        let src = std::fs::read_to_string(path).with_context(|| format!("reading {file}"))?;
        Self::parse(file, &src)
    }

    fn parse(file: String, src: &str) -> Result<Self> {
        let mut defs = BTreeMap::new();
        for stmt in python::parse_module(&file, src)? {
            let (name, def) = match stmt {
                Stmt::Class {
                    name,
                    bases,
                    body,
                    line,
                } => {
                    let mut base_names = Vec::new();
                    let mut total = true;
                    for (keyword, base) in bases {
                        match (keyword.as_deref(), base) {
                            (None, Expr::Name(b)) if b == "TypedDict" => {}
                            (None, Expr::Name(b)) => base_names.push(b),
                            (Some("total"), Expr::Const(c)) => total = c == "True",
                            _ => bail!("{file}:{line}: unsupported base of class `{name}`"),
                        }
                    }
                    let mut fields = Vec::new();
                    for s in body {
                        match s {
                            Stmt::Annotated {
                                target, annotation, ..
                            } => fields.push((target, annotation)),
                            Stmt::Other => {}
                            _ => bail!(
                                "{file}:{line}: class `{name}` holds something other than fields"
                            ),
                        }
                    }
                    (
                        name,
                        TypeDef::TypedDict {
                            bases: base_names,
                            total,
                            fields,
                            line,
                        },
                    )
                }
                Stmt::Assign { target, value } if target == "__all__" => {
                    let _ = value;
                    continue;
                }
                Stmt::Assign { target, value } => match &value.expr {
                    Expr::Call(callee, args) if matches!(callee.as_ref(), Expr::Name(n) if n == "TypedDict") => {
                        (
                            target.clone(),
                            functional_typed_dict(&file, &target, value.line, args)?,
                        )
                    }
                    _ => (target, TypeDef::Alias(value)),
                },
                Stmt::Other => continue,
                Stmt::Annotated { line, .. } | Stmt::Def { line, .. } => {
                    bail!("{file}:{line}: unexpected statement in the types module")
                }
            };
            if defs.insert(name.clone(), def).is_some() {
                bail!("{file}: `{name}` is defined twice");
            }
        }
        Ok(Types { file, defs })
    }
}

/// `Name = TypedDict("Name", {"key": "annotation", ...}, total=...)`.
fn functional_typed_dict(
    file: &str,
    target: &str,
    line: u32,
    args: &[(Option<String>, Expr)],
) -> Result<TypeDef> {
    let mut total = true;
    let mut positional = Vec::new();
    for (keyword, value) in args {
        match (keyword.as_deref(), value) {
            (None, v) => positional.push(v),
            (Some("total"), Expr::Const(c)) => total = *c == "True",
            _ => bail!("{file}:{line}: unsupported argument of TypedDict `{target}`"),
        }
    }
    let [Expr::Str(name), Expr::Dict(entries)] = positional.as_slice() else {
        bail!("{file}:{line}: TypedDict `{target}` is not `TypedDict(\"{target}\", {{...}})`");
    };
    if name != target {
        bail!("{file}:{line}: TypedDict named {name:?} is assigned to `{target}`");
    }
    let mut fields = Vec::new();
    for (key, value) in entries {
        let Expr::Str(key) = key else {
            bail!("{file}:{line}: non-string key in TypedDict `{target}`")
        };
        let annotation = match value {
            Expr::Str(text) => python::parse_expression(file, line, text)?,
            other => Located {
                expr: other.clone(),
                line,
            },
        };
        if fields.iter().any(|(k, _)| k == key) {
            bail!("{file}:{line}: key {key:?} repeated in TypedDict `{target}`");
        }
        fields.push((key.clone(), annotation));
    }
    Ok(TypeDef::TypedDict {
        bases: Vec::new(),
        total,
        fields,
        line,
    })
}

/// The class attributes and `call` signature of one endpoint class.
fn operation(conv: &mut Converter<'_>, segments: Vec<String>, class: &Stmt) -> Result<ClientOp> {
    let file = conv.file;
    let Stmt::Class {
        name,
        bases,
        body,
        line,
    } = class
    else {
        bail!("{file}: not a class")
    };
    let line = *line;
    if !bases
        .iter()
        .any(|(k, b)| k.is_none() && matches!(b, Expr::Name(n) if n == "ApiEndpoint"))
    {
        bail!("{file}:{line}: class `{name}` does not derive from ApiEndpoint");
    }
    let attr = |key: &str| {
        body.iter().find_map(|s| match s {
            Stmt::Assign { target, value } if target == key => Some(value),
            _ => None,
        })
    };
    let need = |key: &str| {
        attr(key).ok_or_else(|| anyhow!("{file}:{line}: class `{name}` has no `{key}`"))
    };
    let string = |v: &Located| match &v.expr {
        Expr::Str(s) => Ok(s.clone()),
        _ => bail!("{file}:{}: expected a string", v.line),
    };
    let strings = |v: &Located| match &v.expr {
        Expr::List(items) => items
            .iter()
            .map(|i| match i {
                Expr::Str(s) => Ok(s.clone()),
                _ => bail!("{file}:{}: expected a list of strings", v.line),
            })
            .collect::<Result<Vec<_>>>(),
        _ => bail!("{file}:{}: expected a list of strings", v.line),
    };
    let flag = |v: &Located| match &v.expr {
        Expr::Const("True") => Ok(true),
        Expr::Const("False") => Ok(false),
        _ => bail!("{file}:{}: expected True or False", v.line),
    };

    let method_value = need("method")?;
    let method = match string(method_value)?.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        other => bail!("{file}:{}: unknown method {other:?}", method_value.line),
    };

    let templates = strings(need("path_templates")?)?;
    let params_value = need("path_params_per_template")?;
    let Expr::List(per_template) = &params_value.expr else {
        bail!("{file}:{}: expected a list of lists", params_value.line);
    };
    if per_template.len() != templates.len() {
        bail!(
            "{file}:{}: {} templates but {} parameter lists",
            params_value.line,
            templates.len(),
            per_template.len()
        );
    }
    let mut routes = Vec::new();
    for (path, params) in templates.into_iter().zip(per_template) {
        let declared = strings(&Located {
            expr: params.clone(),
            line: params_value.line,
        })?;
        let placeholders =
            placeholders(&path).map_err(|e| anyhow!("{file}:{}: {e}", params_value.line))?;
        if declared != placeholders {
            bail!(
                "{file}:{}: template {path:?} uses {placeholders:?} but declares {declared:?}",
                params_value.line
            );
        }
        routes.push(Route {
            path,
            params: declared,
        });
    }

    let query_names = strings(need("query_params")?)?;
    let has_body = flag(need("has_body")?)?;
    let paginated = flag(need("is_paginated")?)?;
    let permission = match attr("required_permissions") {
        None => None,
        Some(Located {
            expr: Expr::Const("None"),
            ..
        }) => None,
        Some(v) => Some(string(v)?),
    };
    let aliases: BTreeMap<String, String> = match attr("param_aliases") {
        None => BTreeMap::new(),
        Some(v) => match &v.expr {
            Expr::Dict(entries) => entries
                .iter()
                .map(|(k, val)| match (k, val) {
                    (Expr::Str(k), Expr::Str(val)) => Ok((k.clone(), val.clone())),
                    _ => bail!("{file}:{}: expected a dict of strings", v.line),
                })
                .collect::<Result<_>>()?,
            _ => bail!("{file}:{}: expected a dict of strings", v.line),
        },
    };

    let Some((params, returns, call_line)) = body.iter().find_map(|s| match s {
        Stmt::Def {
            name,
            params,
            returns,
            line,
        } if name == "call" => Some((params, returns, *line)),
        _ => None,
    }) else {
        bail!("{file}:{line}: class `{name}` has no `call` method");
    };
    let mut arguments: Vec<(String, &Param)> = Vec::new();
    for p in params {
        if p.name == "self" || p.name == "*" {
            continue;
        }
        if p.name.starts_with('*') || p.name == "/" {
            bail!(
                "{file}:{call_line}: unexpected parameter `{}` of `call`",
                p.name
            );
        }
        let wire = aliases
            .get(&p.name)
            .cloned()
            .unwrap_or_else(|| p.name.clone());
        arguments.push((wire, p));
    }
    let mut consumed = BTreeSet::new();
    let mut argument = |wire: &str| -> Result<&Param> {
        let (_, p) = arguments
            .iter()
            .find(|(w, p)| w == wire && p.name != "data")
            .ok_or_else(|| anyhow!("{file}:{call_line}: `call` has no argument for `{wire}`"))?;
        consumed.insert(p.name.clone());
        Ok(p)
    };

    let mut path_params = BTreeMap::new();
    for name in routes.iter().flat_map(|r| r.params.iter()) {
        if path_params.contains_key(name) {
            continue;
        }
        let p = argument(name)?;
        let (schema, _) = conv.argument(p, call_line)?;
        path_params.insert(name.clone(), schema);
    }
    let mut query = Vec::new();
    for name in &query_names {
        let p = argument(name)?;
        let (schema, required) = conv.argument(p, call_line)?;
        query.push(QueryOption {
            name: name.clone(),
            required,
            schema,
        });
    }
    let data = arguments
        .iter()
        .find(|(_, p)| p.name == "data")
        .map(|(_, p)| *p);
    let body = match (has_body, data) {
        (true, Some(p)) => {
            consumed.insert("data".to_owned());
            let (schema, required) = conv.argument(p, call_line)?;
            Some(Body { required, schema })
        }
        (false, None) => None,
        (true, None) => bail!("{file}:{call_line}: `has_body` is set but `call` takes no `data`"),
        (false, Some(_)) => {
            bail!("{file}:{call_line}: `call` takes `data` but `has_body` is not set")
        }
    };
    // An argument that is neither a path parameter, a query option nor the body is declared
    // but never sent (the JS package has the same four); it is reported, not dropped silently.
    let unused_params = arguments
        .iter()
        .filter(|(_, p)| !consumed.contains(&p.name))
        .map(|(wire, _)| wire.clone())
        .collect();

    let response = match returns.as_ref().map(|r| (&r.expr, r.line)) {
        Some((Expr::Subscript(head, items), rline)) if matches!(head.as_ref(), Expr::Name(n) if n == "ApiCallResponse") =>
        {
            let [item] = items.as_slice() else {
                bail!("{file}:{rline}: ApiCallResponse takes one type")
            };
            conv.convert(item, rline)?
        }
        _ => bail!("{file}:{call_line}: `call` does not return ApiCallResponse[...]"),
    };

    Ok(ClientOp {
        segments,
        method,
        routes,
        path_params,
        unused_params,
        query,
        body,
        response,
        paginated,
        permission,
        source: format!("{file}:{line}"),
    })
}

/// The `{name}` placeholders of a template, in order.
pub(crate) fn placeholders(template: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| anyhow!("unclosed `{{` in {template:?}"))?
            + open;
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("bad placeholder {name:?} in {template:?}");
        }
        out.push(name.to_owned());
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        bail!("stray `}}` in {template:?}");
    }
    Ok(out)
}

/// Translates Python annotations into [`Schema`], inlining the shapes of `_types.py`.
struct Converter<'a> {
    types: &'a Types,
    file: &'a str,
    stack: Vec<String>,
    findings: &'a mut Findings,
}

impl Converter<'_> {
    /// The schema of a `call` argument and whether it is required: an argument with a default
    /// is optional, and `Optional[T] = None` means an absent `T`, not a null.
    fn argument(&mut self, p: &Param, line: u32) -> Result<(Schema, bool)> {
        let annotation = p.annotation.as_ref().ok_or_else(|| {
            anyhow!(
                "{}:{line}: argument `{}` has no annotation",
                self.file,
                p.name
            )
        })?;
        let required = p.default.is_none();
        let mut expr = &annotation.expr;
        if !required {
            if !matches!(
                p.default.as_ref().map(|d| &d.expr),
                Some(Expr::Const("None"))
            ) {
                bail!(
                    "{}:{}: argument `{}` has a default other than None",
                    self.file,
                    annotation.line,
                    p.name
                );
            }
            if let Expr::Subscript(head, items) = expr
                && matches!(head.as_ref(), Expr::Name(n) if n == "Optional")
                && items.len() == 1
            {
                expr = &items[0];
            }
        }
        let schema = self.convert(expr, annotation.line)?;
        let schema = if required {
            schema
        } else {
            match schema {
                Schema::Union { variants } => schema::union(
                    variants
                        .into_iter()
                        .filter(|v| *v != Schema::Null)
                        .collect(),
                ),
                other => other,
            }
        };
        Ok((schema, required))
    }

    fn convert(&mut self, expr: &Expr, line: u32) -> Result<Schema> {
        let file = self.file;
        Ok(match expr {
            Expr::Str(text) => {
                let parsed = python::parse_expression(file, line, text)?;
                self.convert(&parsed.expr, line)?
            }
            Expr::Const("None") => Schema::Null,
            Expr::Name(name) => match name.as_str() {
                "str" => schema::string(),
                "int" => Schema::Integer,
                "float" => Schema::Number,
                "bool" => Schema::Boolean,
                "Any" | "object" => Schema::Any,
                // The client sends a datetime in ISO 8601 text.
                "datetime" => schema::string(),
                "dict" | "Dict" => map_of(Schema::Any),
                "list" | "List" => Schema::Array {
                    items: Box::new(Schema::Any),
                },
                _ => self.named(name, line)?,
            },
            Expr::Subscript(head, items) => {
                let Expr::Name(head) = head.as_ref() else {
                    bail!("{file}:{line}: unsupported subscripted annotation");
                };
                match (head.as_str(), items.as_slice()) {
                    ("List" | "list" | "Sequence", [item]) => Schema::Array {
                        items: Box::new(self.convert(item, line)?),
                    },
                    ("Dict" | "dict" | "Mapping", [key, value]) => {
                        if !matches!(key, Expr::Name(k) if k == "str") {
                            bail!("{file}:{line}: mapping with non-string keys");
                        }
                        map_of(self.convert(value, line)?)
                    }
                    ("Union", variants) if !variants.is_empty() => {
                        let converted = variants
                            .iter()
                            .map(|v| self.convert(v, line))
                            .collect::<Result<Vec<_>>>()?;
                        schema::union(converted)
                    }
                    ("Optional", [item]) => {
                        schema::union(vec![self.convert(item, line)?, Schema::Null])
                    }
                    ("Literal", values) if !values.is_empty() => {
                        let converted = values
                            .iter()
                            .map(|v| literal(file, line, v))
                            .collect::<Result<Vec<_>>>()?;
                        schema::union(converted)
                    }
                    ("NotRequired" | "Required", _) => {
                        bail!("{file}:{line}: `{head}` outside a TypedDict field")
                    }
                    _ => bail!("{file}:{line}: unsupported annotation `{head}[...]`"),
                }
            }
            Expr::BitOr(a, b) => {
                schema::union(vec![self.convert(a, line)?, self.convert(b, line)?])
            }
            _ => bail!("{file}:{line}: unsupported annotation"),
        })
    }

    /// Inlines the shape named `name` from `_types.py`; a shape met again inside itself becomes
    /// `Any` and is recorded.
    fn named(&mut self, name: &str, line: u32) -> Result<Schema> {
        let types = self.types;
        let def = types.defs.get(name).ok_or_else(|| {
            anyhow!(
                "{}:{line}: unknown type `{name}` (not in {})",
                self.file,
                types.file
            )
        })?;
        if self.stack.iter().any(|s| s == name) {
            let mut chain = self.stack.clone();
            chain.push(name.to_owned());
            self.findings
                .cycles
                .insert(format!("PY `{}`", chain.join("` -> `")));
            return Ok(Schema::Any);
        }
        self.stack.push(name.to_owned());
        let saved_file = self.file;
        self.file = &types.file;
        let result = self.definition(def);
        self.file = saved_file;
        self.stack.pop();
        result
    }

    fn definition(&mut self, def: &TypeDef) -> Result<Schema> {
        match def {
            TypeDef::Alias(value) => self.convert(&value.expr, value.line),
            TypeDef::TypedDict {
                bases,
                total,
                fields,
                line,
            } => {
                let mut properties: Vec<Property> = Vec::new();
                for base in bases {
                    match self.named(base, *line)? {
                        Schema::Object {
                            properties: inherited,
                            additional: None,
                        } => properties.extend(inherited),
                        _ => bail!("{}:{line}: base `{base}` is not a TypedDict", self.file),
                    }
                }
                for (name, annotation) in fields {
                    let (inner, required) = match &annotation.expr {
                        Expr::Subscript(head, items) if items.len() == 1 => match head.as_ref() {
                            Expr::Name(h) if h == "NotRequired" => (&items[0], false),
                            Expr::Name(h) if h == "Required" => (&items[0], true),
                            _ => (&annotation.expr, *total),
                        },
                        _ => (&annotation.expr, *total),
                    };
                    let schema = self.convert(inner, annotation.line)?;
                    if let Some(existing) = properties.iter_mut().find(|p| &p.name == name) {
                        *existing = Property {
                            name: name.clone(),
                            required,
                            schema,
                        };
                    } else {
                        properties.push(Property {
                            name: name.clone(),
                            required,
                            schema,
                        });
                    }
                }
                Ok(Schema::Object {
                    properties,
                    additional: None,
                })
            }
        }
    }
}

/// One value of `Literal[...]`.
fn literal(file: &str, line: u32, value: &Expr) -> Result<Schema> {
    let value = match value {
        Expr::Str(s) => serde_json::Value::String(s.clone()),
        Expr::Const("True") => serde_json::Value::Bool(true),
        Expr::Const("False") => serde_json::Value::Bool(false),
        Expr::Const("None") => return Ok(Schema::Null),
        Expr::Num(n) => number(file, line, n)?,
        Expr::Neg(inner) => match inner.as_ref() {
            Expr::Num(n) => number(file, line, &format!("-{n}"))?,
            _ => bail!("{file}:{line}: unsupported Literal value"),
        },
        _ => bail!("{file}:{line}: unsupported Literal value"),
    };
    Ok(Schema::Literal { value })
}

fn number(file: &str, line: u32, text: &str) -> Result<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&text.replace('_', ""))
        .ok()
        .filter(serde_json::Value::is_number)
        .ok_or_else(|| anyhow!("{file}:{line}: number {text} is not a JSON number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn types(src: &str) -> Types {
        Types::parse("_types.py".to_owned(), src).unwrap()
    }

    fn convert(types: &Types, name: &str) -> (Schema, BTreeSet<String>) {
        let mut findings = Findings::default();
        let mut conv = Converter {
            types,
            file: "e.py",
            stack: Vec::new(),
            findings: &mut findings,
        };
        let s = conv.named(name, 1).unwrap();
        (s, findings.cycles)
    }

    #[test]
    fn typed_dicts_inline_with_requiredness() {
        let t = types(
            "from typing import Any\n\n\
             class A(TypedDict):\n    id: str\n    n: NotRequired[int]\n    kind: Literal['x', 'y']\n    tags: List[Dict[str, Any]]\n    b: NotRequired[B]\n\n\
             B = TypedDict('B', {'$schema': 'NotRequired[str]', 'v': \"Union['str', \\\"Literal['latest']\\\", None]\"})\n\
             class C(A, total=False):\n    extra: float\n",
        );
        let (a, cycles) = convert(&t, "C");
        assert!(cycles.is_empty());
        let expected = json!({"type": "object", "properties": [
            {"name": "id", "required": true, "schema": {"type": "string"}},
            {"name": "n", "required": false, "schema": {"type": "integer"}},
            {"name": "kind", "required": true, "schema": {"type": "string", "enum": ["x", "y"]}},
            {"name": "tags", "required": true, "schema": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "any"}}}},
            {"name": "b", "required": false, "schema": {"type": "object", "properties": [
                {"name": "$schema", "required": false, "schema": {"type": "string"}},
                {"name": "v", "required": true, "schema": {"type": "union", "variants": [{"type": "string"}, {"type": "null"}]}}
            ]}},
            {"name": "extra", "required": false, "schema": {"type": "number"}}
        ]});
        assert_eq!(serde_json::to_value(&a).unwrap(), expected);
    }

    #[test]
    fn recursion_is_broken_and_recorded() {
        let t = types("class Node(TypedDict):\n    children: List[Node]\n");
        let (s, cycles) = convert(&t, "Node");
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"type": "object", "properties": [{"name": "children", "required": true, "schema": {"type": "array", "items": {"type": "any"}}}]})
        );
        assert_eq!(
            cycles.into_iter().collect::<Vec<_>>(),
            ["PY `Node` -> `Node`"]
        );
    }

    #[test]
    fn placeholders_are_checked() {
        assert_eq!(
            placeholders("/v1/teams/{teamId}/x/{xId}").unwrap(),
            ["teamId", "xId"]
        );
        assert!(placeholders("/v1/{a").is_err());
        assert!(placeholders("/v1/{a b}").is_err());
    }
}
