//! Reads the operations of the JS client package (`@northflank/js-client`).
//!
//! The declaration file gives the namespace tree (`ApiClient.endpoints`), each endpoint class's
//! base class (method and pagination) and the request and result types; the compiled module
//! gives the URL templates, the permission string and whether a body is sent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use super::jsbundle::{self, BundleEndpoint};
use super::schema::{self, map_of};
use super::ts::{DeclFile, Member, TsType};
use super::{ClientOp, Findings, Package};
use crate::spec::model::{Body, Method, Property, QueryOption, Schema};

/// Reads the package at `dir`: its name and version, and every REST operation.
///
/// # Errors
///
/// Fails when a file is missing or any fact cannot be read; the message names the file and
/// line.
pub(crate) fn read(dir: &Path, findings: &mut Findings) -> Result<Package> {
    let manifest_path = dir.join("package.json");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?,
    )
    .with_context(|| format!("parsing {}", manifest_path.display()))?;
    let field = |key: &str| {
        manifest
            .get(key)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| anyhow!("{}: no string `{key}`", manifest_path.display()))
    };
    let name = field("name")?.to_owned();
    let version = field("version")?.to_owned();
    let typings = field("typings").or_else(|_| field("types"))?;
    let module = field("module").or_else(|_| field("main"))?;

    let dts_path = dir.join(typings);
    let js_path = dir.join(module);
    let dts_src = std::fs::read_to_string(&dts_path)
        .with_context(|| format!("reading {}", dts_path.display()))?;
    let js_src = std::fs::read_to_string(&js_path)
        .with_context(|| format!("reading {}", js_path.display()))?;
    let dts = DeclFile::parse(&dts_path.display().to_string(), &dts_src)?;

    let tree = endpoint_tree(&dts)?;
    let class_names: Vec<&str> = tree.iter().map(|(_, class)| class.as_str()).collect();
    let bundle = jsbundle::read_endpoints(&js_path.display().to_string(), &js_src, &class_names)?;

    let mut operations = Vec::new();
    for (segments, class) in &tree {
        let compiled = &bundle[class.as_str()];
        let op = operation(&dts, segments, class, compiled, findings).with_context(|| {
            format!(
                "reading JS operation `{}` (class {class})",
                segments.join(".")
            )
        })?;
        operations.push(op);
    }
    Ok(Package {
        name,
        version,
        operations,
    })
}

/// The `ApiClient.endpoints` tree: every namespace path with its endpoint class, in
/// declaration order.
fn endpoint_tree(dts: &DeclFile) -> Result<Vec<(Vec<String>, String)>> {
    let members = dts.class_properties("ApiClient")?;
    let tree = members
        .iter()
        .find_map(|m| match m {
            Member::Property { name, ty, .. } if name == "endpoints" => Some(ty),
            _ => None,
        })
        .ok_or_else(|| anyhow!("{}: class ApiClient has no `endpoints` member", dts.file))?;
    let mut out = Vec::new();
    walk_tree(dts, tree, &mut Vec::new(), &mut out)?;
    Ok(out)
}

fn walk_tree(
    dts: &DeclFile,
    ty: &TsType,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) -> Result<()> {
    let line = dts.line_of("ApiClient");
    match ty {
        TsType::Object(members) => {
            for m in members {
                match m {
                    Member::Property { name, ty, .. } => {
                        path.push(name.clone());
                        walk_tree(dts, ty, path, out)?;
                        path.pop();
                    }
                    Member::Index { line, .. } | Member::Signature(line) => {
                        bail!(
                            "{}:{line}: unexpected member in the endpoint tree",
                            dts.file
                        )
                    }
                }
            }
            Ok(())
        }
        TsType::Ref { name, args, line } if args.is_empty() && name.ends_with("Endpoint") => {
            if path.is_empty() {
                bail!(
                    "{}:{line}: endpoint class at the root of the tree",
                    dts.file
                );
            }
            out.push((path.clone(), name.clone()));
            Ok(())
        }
        TsType::Intersection(parts) => {
            for part in parts {
                walk_tree(dts, part, path, out)?;
            }
            Ok(())
        }
        // Helper functions of the file-copy feature (`InstanceType<typeof ...>['...']`) hang
        // in the same tree; they are not REST endpoints.
        TsType::Indexed(..) => Ok(()),
        TsType::Ref { name, line, .. } => bail!(
            "{}:{line}: unexpected type `{name}` in the endpoint tree",
            dts.file
        ),
        _ => bail!(
            "{}:{line}: unexpected type in the endpoint tree under `{}`",
            dts.file,
            path.join(".")
        ),
    }
}

fn operation(
    dts: &DeclFile,
    segments: &[String],
    class: &str,
    compiled: &BundleEndpoint,
    findings: &mut Findings,
) -> Result<ClientOp> {
    let line = dts.line_of(class);
    let (base, args) = dts.class_base(class)?;
    let (method, paginated) = match base.as_str() {
        "GetApiEndpoint" => (Method::Get, false),
        "GetApiEndpointPaginated" => (Method::Get, true),
        "PostApiEndpoint" => (Method::Post, false),
        "PutApiEndpoint" => (Method::Put, false),
        "PatchApiEndpoint" => (Method::Patch, false),
        "DeleteApiEndpoint" => (Method::Delete, false),
        other => bail!("{}:{line}: unknown endpoint base class `{other}`", dts.file),
    };
    if !compiled.bases.contains(&base) {
        bail!(
            "{}:{line}: the declarations say `{class}` extends `{base}`, the compiled module says `{}`",
            dts.file,
            compiled.bases.join("`/`")
        );
    }
    let [
        TsType::Ref { name: request, .. },
        TsType::Ref { name: result, .. },
    ] = args.as_slice()
    else {
        bail!(
            "{}:{line}: `{class}` does not name its request and result types",
            dts.file
        );
    };

    let mut conv = Converter {
        dts,
        stack: Vec::new(),
        findings,
    };
    let request_members = conv.object_members(
        &TsType::Ref {
            name: request.clone(),
            args: vec![],
            line,
        },
        line,
    )?;
    let mut declared_params: Vec<(String, Schema)> = Vec::new();
    let mut query = Vec::new();
    let mut body = None;
    for (name, optional, ty, mline) in request_members {
        match name.as_str() {
            "parameters" => {
                for p in conv.properties(&ty, mline)? {
                    declared_params.push((p.name, p.schema));
                }
            }
            "options" => {
                for p in conv.properties(&ty, mline)? {
                    query.push(QueryOption {
                        name: p.name,
                        required: p.required,
                        schema: p.schema,
                    });
                }
            }
            "data" => {
                body = Some(Body {
                    required: !optional,
                    schema: conv.convert(&ty, mline)?,
                })
            }
            other => bail!("{}:{mline}: unexpected request member `{other}`", dts.file),
        }
    }
    if body.is_some() != compiled.has_body {
        bail!(
            "{}:{line}: `{class}` declares {} but its compiled `body` function {}",
            dts.file,
            if body.is_some() {
                "request data"
            } else {
                "no request data"
            },
            if compiled.has_body {
                "sends it"
            } else {
                "sends nothing"
            }
        );
    }
    let response = conv.convert(
        &TsType::Ref {
            name: result.clone(),
            args: vec![],
            line,
        },
        line,
    )?;

    let used: BTreeSet<&str> = compiled
        .routes
        .iter()
        .flat_map(|r| r.params.iter().map(String::as_str))
        .collect();
    let mut path_params = BTreeMap::new();
    for name in &used {
        let schema = declared_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| anyhow!("{}:{line}: the URL of `{class}` uses `{name}`, which its parameters do not declare", dts.file))?;
        path_params.insert((*name).to_owned(), schema);
    }
    let unused_params = declared_params
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| !used.contains(n.as_str()))
        .collect();

    Ok(ClientOp {
        segments: segments.to_vec(),
        method,
        routes: compiled.routes.clone(),
        path_params,
        unused_params,
        query,
        body,
        response,
        paginated,
        permission: compiled.permission.clone(),
        source: format!("{}:{line}", dts.file),
    })
}

/// Translates declaration-file types into [`Schema`], inlining type aliases.
struct Converter<'a> {
    dts: &'a DeclFile,
    stack: Vec<String>,
    findings: &'a mut Findings,
}

impl Converter<'_> {
    /// The members of an object type (possibly behind an alias), as `(name, optional, type, line)`.
    fn object_members(
        &mut self,
        ty: &TsType,
        line: u32,
    ) -> Result<Vec<(String, bool, TsType, u32)>> {
        match ty {
            TsType::Ref { name, args, line } if args.is_empty() && self.dts.has(name) => {
                let target = self.dts.alias(name)?;
                self.object_members(&target, *line)
            }
            TsType::Object(members) => members
                .iter()
                .map(|m| match m {
                    Member::Property {
                        name,
                        optional,
                        ty,
                        line,
                    } => Ok((name.clone(), *optional, ty.clone(), *line)),
                    Member::Index { line, .. } | Member::Signature(line) => {
                        bail!(
                            "{}:{line}: unexpected member in a request type",
                            self.dts.file
                        )
                    }
                })
                .collect(),
            _ => bail!("{}:{line}: expected an object type", self.dts.file),
        }
    }

    /// The properties of an object type (possibly behind an alias), converted. A union of
    /// object types (parameters declared once per URL template) gives every member of any
    /// variant, required when every variant requires it.
    fn properties(&mut self, ty: &TsType, line: u32) -> Result<Vec<Property>> {
        let variants = match self.convert(ty, line)? {
            Schema::Union { variants } => variants,
            other => vec![other],
        };
        let count = variants.len();
        let mut merged: Vec<(Property, usize)> = Vec::new();
        for v in variants {
            let Schema::Object {
                properties,
                additional: None,
            } = v
            else {
                bail!(
                    "{}:{line}: expected an object type without index signatures",
                    self.dts.file
                );
            };
            for p in properties {
                match merged.iter_mut().find(|(m, _)| m.name == p.name) {
                    Some((m, seen)) => {
                        if m.schema != p.schema {
                            bail!(
                                "{}:{line}: member `{}` has different types in different variants",
                                self.dts.file,
                                p.name
                            );
                        }
                        m.required &= p.required;
                        *seen += 1;
                    }
                    None => merged.push((p, 1)),
                }
            }
        }
        Ok(merged
            .into_iter()
            .map(|(mut p, seen)| {
                p.required &= seen == count;
                p
            })
            .collect())
    }

    fn convert(&mut self, ty: &TsType, line: u32) -> Result<Schema> {
        let file = &self.dts.file;
        Ok(match ty {
            TsType::Keyword(word, kline) => match word.as_str() {
                "string" => schema::string(),
                "number" => Schema::Number,
                "boolean" => Schema::Boolean,
                "any" | "unknown" => Schema::Any,
                "null" => Schema::Null,
                "object" => map_of(Schema::Any),
                other => bail!("{file}:{kline}: type `{other}` has no JSON form here"),
            },
            TsType::StrLit(s) => Schema::Literal {
                value: serde_json::Value::String(s.clone()),
            },
            TsType::NumLit(n) => Schema::Literal {
                value: serde_json::from_str::<serde_json::Value>(n)
                    .ok()
                    .filter(serde_json::Value::is_number)
                    .ok_or_else(|| {
                        anyhow!("{file}:{line}: number literal {n} is not a JSON number")
                    })?,
            },
            TsType::BoolLit(b) => Schema::Literal {
                value: serde_json::Value::Bool(*b),
            },
            TsType::Ref { name, args, line } => match (name.as_str(), args.as_slice()) {
                ("Array" | "ReadonlyArray", [item]) => Schema::Array {
                    items: Box::new(self.convert(item, *line)?),
                },
                ("Record", [TsType::Keyword(k, _), value]) if k == "string" => {
                    map_of(self.convert(value, *line)?)
                }
                (_, []) if self.dts.has(name) => {
                    if self.stack.contains(name) {
                        let mut chain = self.stack.clone();
                        chain.push(name.clone());
                        self.findings
                            .cycles
                            .insert(format!("JS `{}`", chain.join("` -> `")));
                        return Ok(Schema::Any);
                    }
                    let target = self.dts.alias(name)?;
                    self.stack.push(name.clone());
                    let converted = self.convert(&target, self.dts.line_of(name));
                    self.stack.pop();
                    converted?
                }
                _ => bail!("{file}:{line}: unsupported type reference `{name}`"),
            },
            TsType::Object(members) => {
                let mut properties = Vec::new();
                let mut additional = Vec::new();
                for m in members {
                    match m {
                        Member::Property {
                            name,
                            optional,
                            ty,
                            line,
                        } => {
                            if properties.iter().any(|p: &Property| &p.name == name) {
                                bail!("{file}:{line}: member `{name}` declared twice");
                            }
                            // The JS generator writes `undefined` for members it could not
                            // type (array query options); nothing is known about them.
                            let schema = match ty {
                                TsType::Keyword(k, _) if k == "undefined" => Schema::Any,
                                _ => self.convert(&strip_undefined(ty), *line)?,
                            };
                            properties.push(Property {
                                name: name.clone(),
                                required: !optional,
                                schema,
                            });
                        }
                        Member::Index { key, value, line } => {
                            if !matches!(key, TsType::Keyword(k, _) if k == "string") {
                                bail!("{file}:{line}: index signature with a non-string key");
                            }
                            additional.push(self.convert(value, *line)?);
                        }
                        Member::Signature(line) => {
                            bail!("{file}:{line}: method signature in a data type")
                        }
                    }
                }
                let additional = if additional.is_empty() {
                    None
                } else {
                    Some(Box::new(schema::union(additional)))
                };
                Schema::Object {
                    properties,
                    additional,
                }
            }
            TsType::Array(item) => Schema::Array {
                items: Box::new(self.convert(item, line)?),
            },
            TsType::Union(variants) if is_unparenthesised_array(variants) => {
                let mut values = Vec::new();
                for v in variants {
                    match v {
                        TsType::StrLit(s) => values.push(s.clone()),
                        TsType::Array(item) => {
                            if let TsType::StrLit(s) = item.as_ref() {
                                values.push(s.clone());
                            }
                        }
                        _ => {}
                    }
                }
                let mut shown: Vec<String> =
                    values.iter().take(3).map(|v| format!("`{v}`")).collect();
                if values.len() > 3 {
                    shown.push("…".to_owned());
                }
                self.findings.repairs.insert(format!(
                    "line {line}: {} values ({})",
                    values.len(),
                    shown.join(", ")
                ));
                Schema::Array {
                    items: Box::new(schema::union(
                        values
                            .into_iter()
                            .map(|v| Schema::Literal {
                                value: serde_json::Value::String(v),
                            })
                            .collect(),
                    )),
                }
            }
            TsType::Union(variants) => {
                let kept: Vec<&TsType> = variants
                    .iter()
                    .filter(|v| !matches!(v, TsType::Keyword(k, _) if k == "undefined"))
                    .collect();
                if kept.is_empty() {
                    bail!("{file}:{line}: union of only `undefined`");
                }
                let converted = kept
                    .into_iter()
                    .map(|v| self.convert(v, line))
                    .collect::<Result<Vec<_>>>()?;
                schema::union(converted)
            }
            TsType::Intersection(parts) => {
                let mut properties: Vec<Property> = Vec::new();
                let mut additional = None;
                for part in parts {
                    match self.convert(part, line)? {
                        Schema::Object {
                            properties: more,
                            additional: extra,
                        } => {
                            for p in more {
                                if properties.iter().any(|q| q.name == p.name) {
                                    bail!(
                                        "{file}:{line}: intersection repeats member `{}`",
                                        p.name
                                    );
                                }
                                properties.push(p);
                            }
                            if extra.is_some() {
                                if additional.is_some() {
                                    bail!("{file}:{line}: intersection of two index signatures");
                                }
                                additional = extra;
                            }
                        }
                        Schema::Any => return Ok(Schema::Any),
                        other => bail!(
                            "{file}:{line}: intersection with {}",
                            schema::describe(&other)
                        ),
                    }
                }
                Schema::Object {
                    properties,
                    additional,
                }
            }
            TsType::Tuple(_) => bail!("{file}:{line}: tuple types are not supported"),
            TsType::Function(fline) => bail!("{file}:{fline}: function type in a data type"),
            TsType::TypeQuery(_) | TsType::Indexed(..) | TsType::KeyOf(_) => {
                bail!("{file}:{line}: type query or indexed type in a data type")
            }
        })
    }
}

/// Whether a union is the JS generator's spelling of an array of string values:
/// `'a' | 'b' | 'c'[]`, string literals followed by an array of one string literal.
fn is_unparenthesised_array(variants: &[TsType]) -> bool {
    match variants.split_last() {
        Some((TsType::Array(item), rest)) => {
            matches!(item.as_ref(), TsType::StrLit(_))
                && !rest.is_empty()
                && rest.iter().all(|v| matches!(v, TsType::StrLit(_)))
        }
        _ => false,
    }
}

/// `T | undefined` on an optional member means the same as `T`.
fn strip_undefined(ty: &TsType) -> TsType {
    match ty {
        TsType::Union(variants) => {
            let kept: Vec<TsType> = variants
                .iter()
                .filter(|v| !matches!(v, TsType::Keyword(k, _) if k == "undefined"))
                .cloned()
                .collect();
            match kept.len() {
                0 => ty.clone(),
                1 => kept.into_iter().next().unwrap_or_else(|| ty.clone()),
                _ => TsType::Union(kept),
            }
        }
        _ => ty.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert(src: &str) -> Result<Schema> {
        let dts = DeclFile::parse("t.d.ts", src)?;
        let mut findings = Findings::default();
        let mut conv = Converter {
            dts: &dts,
            stack: Vec::new(),
            findings: &mut findings,
        };
        let ty = dts.alias("T")?;
        conv.convert(&ty, 1)
    }

    #[test]
    fn types_translate() {
        let s = convert(
            "type Inner = { 'n': number };\n\
             type T = { 'a'?: 'x' | 'y' | null; 'b': string[][]; 'c': Inner & { 'd': boolean }; 'e': any | any; /** doc */ 'f': 'v1.2'; 'g': { [key: string]: number } };",
        )
        .unwrap();
        let expected = json!({
            "type": "object",
            "properties": [
                {"name": "a", "required": false, "schema": {"type": "union", "variants": [{"type": "string", "enum": ["x", "y"]}, {"type": "null"}]}},
                {"name": "b", "required": true, "schema": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}},
                {"name": "c", "required": true, "schema": {"type": "object", "properties": [
                    {"name": "n", "required": true, "schema": {"type": "number"}},
                    {"name": "d", "required": true, "schema": {"type": "boolean"}}
                ]}},
                {"name": "e", "required": true, "schema": {"type": "any"}},
                {"name": "f", "required": true, "schema": {"type": "literal", "value": "v1.2"}},
                {"name": "g", "required": true, "schema": {"type": "object", "additionalProperties": {"type": "number"}}}
            ]
        });
        assert_eq!(serde_json::to_value(&s).unwrap(), expected);
    }

    #[test]
    fn unparenthesised_arrays_of_values_are_repaired_and_recorded() {
        let dts = DeclFile::parse(
            "t.d.ts",
            "type T = {\n 'f'?: 'a' | 'b' | 'c'[];\n 'g': 'x' | 'y'[][] };",
        )
        .unwrap();
        let mut findings = Findings::default();
        let mut conv = Converter {
            dts: &dts,
            stack: Vec::new(),
            findings: &mut findings,
        };
        let s = conv.convert(&dts.alias("T").unwrap(), 1).unwrap();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"type": "object", "properties": [
                {"name": "f", "required": false, "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}}},
                {"name": "g", "required": true, "schema": {"type": "union", "variants": [
                    {"type": "literal", "value": "x"},
                    {"type": "array", "items": {"type": "array", "items": {"type": "literal", "value": "y"}}}
                ]}}
            ]})
        );
        assert_eq!(
            findings.repairs.into_iter().collect::<Vec<_>>(),
            ["line 2: 3 values (`a`, `b`, `c`)"]
        );
    }

    #[test]
    fn cycles_become_any_and_are_recorded() {
        let dts = DeclFile::parse("t.d.ts", "type T = { 'next'?: T; 'v': string };").unwrap();
        let mut findings = Findings::default();
        let mut conv = Converter {
            dts: &dts,
            stack: Vec::new(),
            findings: &mut findings,
        };
        let s = conv
            .convert(
                &TsType::Ref {
                    name: "T".into(),
                    args: vec![],
                    line: 1,
                },
                1,
            )
            .unwrap();
        let Schema::Object { properties, .. } = s else {
            panic!("not an object")
        };
        assert_eq!(properties[0].schema, Schema::Any);
        assert_eq!(
            findings.cycles.into_iter().collect::<Vec<_>>(),
            ["JS `T` -> `T`"]
        );
    }

    #[test]
    fn unsupported_types_fail_with_line() {
        let err = convert("type T = {\n 'a': Date };")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.d.ts:2") && err.contains("Date"), "{err}");
        let err = convert("type T = {\n 'a': () => void };")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.d.ts:2"), "{err}");
    }
}
