//! Reads the facts the JS client keeps only in its compiled (minified) module: each endpoint
//! class's URL templates, required permission, body function and base class.
//!
//! The bundle is not parsed as a whole. Each exported endpoint class is found through the
//! module's `export { local as Name }` list, and only that class's definition is tokenized,
//! which keeps the JavaScript subset small: strings, names, numbers and punctuation.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};

use crate::spec::model::Route;

/// What the compiled module says about one endpoint class.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BundleEndpoint {
    /// Exported names of the class's base class, such as `GetApiEndpointPaginated` (a class
    /// may be exported under several names).
    pub(crate) bases: Vec<String>,
    /// The `requiredPermissions` string, as written (possibly the text `undefined`).
    pub(crate) permission: Option<String>,
    /// URL templates in the order they appear in `endpointUrl`.
    pub(crate) routes: Vec<Route>,
    /// Whether the `body` function serialises the request data.
    pub(crate) has_body: bool,
    /// Line of the class definition, for messages.
    pub(crate) line: u32,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num,
    Punct(&'static str),
    Regex,
    Template,
}

const PUNCTS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "**", "<<", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%",
    "&", "|", "^", "!", "~", "?", ":", "=", ".", "@", "#",
];

/// Keywords after which a `/` starts a regular expression rather than a division.
const REGEX_AFTER: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "instanceof",
    "yield",
    "await",
];

/// A lazy tokenizer over JavaScript source, starting anywhere a token starts.
struct Lexer<'a> {
    file: &'a str,
    src: &'a str,
    pos: usize,
    prev: Option<Tok>,
}

impl<'a> Lexer<'a> {
    fn new(file: &'a str, src: &'a str, pos: usize) -> Self {
        Lexer {
            file,
            src,
            pos,
            prev: None,
        }
    }

    fn error<T>(&self, offset: usize, what: &str) -> Result<T> {
        bail!("{}:{}: {what}", self.file, line_of(self.src, offset))
    }

    fn next(&mut self) -> Result<Option<Tok>> {
        let bytes = self.src.as_bytes();
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return Ok(None);
            };
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'/' && bytes.get(self.pos + 1) == Some(&b'/') {
                while self.pos < bytes.len() && bytes[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else if b == b'/' && bytes.get(self.pos + 1) == Some(&b'*') {
                let end = self.src[self.pos + 2..].find("*/").ok_or_else(|| {
                    anyhow!(
                        "{}:{}: unterminated comment",
                        self.file,
                        line_of(self.src, self.pos)
                    )
                })?;
                self.pos += end + 4;
            } else if !b.is_ascii()
                && self.src[self.pos..].starts_with(['\u{feff}', '\u{a0}', '\u{2028}', '\u{2029}'])
            {
                self.pos += self.src[self.pos..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
            } else {
                break;
            }
        }
        let start = self.pos;
        let b = bytes[start];
        let tok = if b == b'"' || b == b'\'' {
            let (text, end) = read_string(self.src, start)
                .map_err(|e| anyhow!("{}:{}: {e}", self.file, line_of(self.src, start)))?;
            self.pos = end;
            Tok::Str(text)
        } else if b == b'`' {
            self.pos = skip_template(self.src, start)
                .map_err(|e| anyhow!("{}:{}: {e}", self.file, line_of(self.src, start)))?;
            Tok::Template
        } else if b.is_ascii_digit()
            || b == b'.' && bytes.get(start + 1).is_some_and(u8::is_ascii_digit)
        {
            while self.pos < bytes.len()
                && (bytes[self.pos].is_ascii_alphanumeric()
                    || bytes[self.pos] == b'.'
                    || bytes[self.pos] == b'_')
            {
                self.pos += 1;
            }
            Tok::Num
        } else if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b == b'\\' {
            while self.pos < bytes.len()
                && (bytes[self.pos].is_ascii_alphanumeric()
                    || bytes[self.pos] == b'_'
                    || bytes[self.pos] == b'$')
            {
                self.pos += 1;
            }
            if self.pos == start {
                return self.error(start, "unicode escapes in names are not supported");
            }
            Tok::Ident(self.src[start..self.pos].to_owned())
        } else if b == b'/' && self.regex_allowed() {
            self.pos = skip_regex(self.src, start)
                .map_err(|e| anyhow!("{}:{}: {e}", self.file, line_of(self.src, start)))?;
            Tok::Regex
        } else if !b.is_ascii() {
            return self.error(start, "unexpected non-ASCII character outside a string");
        } else {
            let rest = &self.src[start..];
            let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) else {
                return self.error(start, &format!("unexpected character {:?}", b as char));
            };
            self.pos += p.len();
            Tok::Punct(p)
        };
        self.prev = Some(tok.clone());
        Ok(Some(tok))
    }

    fn regex_allowed(&self) -> bool {
        match &self.prev {
            None => true,
            Some(Tok::Punct(p)) => !matches!(*p, ")" | "]" | "}" | "++" | "--"),
            Some(Tok::Ident(w)) => REGEX_AFTER.contains(&w.as_str()),
            Some(_) => false,
        }
    }
}

/// 1-based line number of a byte offset.
fn line_of(src: &str, offset: usize) -> u32 {
    let count = src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(count + 1).unwrap_or(u32::MAX)
}

/// Reads a quoted string at `start`; returns its decoded value and the offset after it.
fn read_string(src: &str, start: usize) -> Result<(String, usize)> {
    let quote = src.as_bytes()[start] as char;
    let mut chars = src[start + 1..].char_indices();
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            _ if c == quote => return Ok((text, start + 1 + i + 1)),
            '\n' => bail!("line break inside a string"),
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    bail!("unterminated string")
                };
                match e {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    'b' => text.push('\u{8}'),
                    'f' => text.push('\u{c}'),
                    'v' => text.push('\u{b}'),
                    '0' => text.push('\0'),
                    'x' | 'u' => {
                        let width = if e == 'x' { 2 } else { 4 };
                        let mut hex = String::new();
                        for _ in 0..width {
                            hex.push(
                                chars
                                    .next()
                                    .map(|(_, h)| h)
                                    .ok_or_else(|| anyhow!("bad escape"))?,
                            );
                        }
                        let code = u32::from_str_radix(&hex, 16)
                            .map_err(|_| anyhow!("bad escape \\{e}{hex}"))?;
                        // A lone surrogate cannot be kept in a Rust string; it never occurs in
                        // the facts the importer reads (templates and permissions).
                        text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    '\n' => {}
                    other => text.push(other),
                }
            }
            _ => text.push(c),
        }
    }
    bail!("unterminated string")
}

/// Skips a template literal at `start`, including nested substitutions; returns the offset
/// after it.
fn skip_template(src: &str, start: usize) -> Result<usize> {
    let bytes = src.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => return Ok(i + 1),
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                i += 2;
                let mut depth = 1usize;
                while depth > 0 {
                    match bytes.get(i) {
                        None => bail!("unterminated template literal"),
                        Some(b'{') => depth += 1,
                        Some(b'}') => depth -= 1,
                        Some(b'"' | b'\'') => {
                            i = read_string(src, i)?.1;
                            continue;
                        }
                        Some(b'`') => {
                            i = skip_template(src, i)?;
                            continue;
                        }
                        Some(_) => {}
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    bail!("unterminated template literal")
}

/// Skips a regular-expression literal at `start`; returns the offset after its flags.
fn skip_regex(src: &str, start: usize) -> Result<usize> {
    let bytes = src.as_bytes();
    let mut i = start + 1;
    let mut in_class = false;
    loop {
        match bytes.get(i) {
            None | Some(b'\n') => bail!("unterminated regular expression"),
            Some(b'\\') => i += 2,
            Some(b'[') => {
                in_class = true;
                i += 1;
            }
            Some(b']') => {
                in_class = false;
                i += 1;
            }
            Some(b'/') if !in_class => {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
                    i += 1;
                }
                return Ok(i);
            }
            Some(_) => i += 1,
        }
    }
}

/// Reads the module's final `export { local as Name, ... }` list: exported name to local name.
fn exports(file: &str, src: &str) -> Result<BTreeMap<String, String>> {
    let start = src
        .rfind("export{")
        .or_else(|| src.rfind("export {"))
        .ok_or_else(|| anyhow!("{file}: no export list"))?;
    let mut lx = Lexer::new(file, src, start);
    let mut next = || -> Result<Tok> {
        lx.next()?
            .ok_or_else(|| anyhow!("{file}: unterminated export list"))
    };
    if next()? != Tok::Ident("export".into()) || next()? != Tok::Punct("{") {
        bail!("{file}:{}: malformed export list", line_of(src, start));
    }
    let mut map = BTreeMap::new();
    loop {
        let local = match next()? {
            Tok::Punct("}") => break,
            Tok::Ident(name) => name,
            other => bail!(
                "{file}:{}: unexpected {other:?} in export list",
                line_of(src, start)
            ),
        };
        let (exported, sep) = match next()? {
            Tok::Ident(w) if w == "as" => match next()? {
                Tok::Ident(name) => (name, next()?),
                other => bail!(
                    "{file}:{}: unexpected {other:?} in export list",
                    line_of(src, start)
                ),
            },
            sep => (local.clone(), sep),
        };
        map.insert(exported, local);
        match sep {
            Tok::Punct(",") => {}
            Tok::Punct("}") => break,
            other => bail!(
                "{file}:{}: unexpected {other:?} in export list",
                line_of(src, start)
            ),
        }
    }
    Ok(map)
}

/// Offsets of every `name = function` assignment, by name.
fn function_assignments(src: &str) -> BTreeMap<&str, Vec<usize>> {
    let bytes = src.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut map: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (at, _) in src.match_indices("function") {
        if at > 0 && is_name(bytes[at - 1]) || bytes.get(at + 8).is_some_and(|&b| is_name(b)) {
            continue;
        }
        let mut i = at;
        while i > 0 && bytes[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        if i == 0
            || bytes[i - 1] != b'='
            || i >= 2 && matches!(bytes[i - 2], b'=' | b'!' | b'<' | b'>')
        {
            continue;
        }
        i -= 1;
        while i > 0 && bytes[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        let end = i;
        while i > 0 && is_name(bytes[i - 1]) {
            i -= 1;
        }
        if i < end && !bytes[i].is_ascii_digit() {
            map.entry(&src[i..end]).or_default().push(i);
        }
    }
    map
}

/// Reads the endpoint classes exported as `names` from the compiled module `src`.
///
/// # Errors
///
/// Fails when a name is not exported, its class definition cannot be found exactly once, or
/// the class does not have the expected shape (permission string, `endpointUrl` built from
/// string literals and encoded parameters, `body` function, base class).
pub(crate) fn read_endpoints(
    file: &str,
    src: &str,
    names: &[&str],
) -> Result<BTreeMap<String, BundleEndpoint>> {
    let exports = exports(file, src)?;
    let mut by_local: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (exported, local) in &exports {
        by_local
            .entry(local.as_str())
            .or_default()
            .push(exported.clone());
    }
    let assignments = function_assignments(src);
    let mut out = BTreeMap::new();
    for &name in names {
        let local = exports
            .get(name)
            .ok_or_else(|| anyhow!("{file}: `{name}` is not exported"))?;
        let mut found = Vec::new();
        for &offset in assignments
            .get(local.as_str())
            .map_or(&[][..], Vec::as_slice)
        {
            if let Some(class) = read_class(file, src, offset)? {
                found.push(class);
            }
        }
        if found.len() != 1 {
            bail!(
                "{file}: found {} definitions of endpoint class `{name}` (local `{local}`), expected one",
                found.len()
            );
        }
        let (base_local, mut endpoint) = found.remove(0);
        endpoint.bases = by_local
            .get(base_local.as_str())
            .ok_or_else(|| {
                anyhow!(
                    "{file}:{}: base class of `{name}` is not exported",
                    endpoint.line
                )
            })?
            .clone();
        out.insert(name.to_owned(), endpoint);
    }
    Ok(out)
}

/// Reads the class defined by the assignment at `offset`, if it is an endpoint class:
/// `local = function (e) { function t() { ... t.endpointUrl = ... } ... }(Base)`.
fn read_class(file: &str, src: &str, offset: usize) -> Result<Option<(String, BundleEndpoint)>> {
    let line = line_of(src, offset);
    let mut lx = Lexer::new(file, src, offset);
    let mut head = Vec::new();
    for _ in 0..12 {
        match lx.next()? {
            Some(t) => head.push(t),
            None => return Ok(None),
        }
    }
    let shape_ok = matches!(
        head.as_slice(),
        [Tok::Ident(_), Tok::Punct("="), Tok::Ident(f), Tok::Punct("("), Tok::Ident(_), Tok::Punct(")"), Tok::Punct("{"), Tok::Ident(g), Tok::Ident(_), Tok::Punct("("), Tok::Punct(")"), Tok::Punct("{")]
            if f == "function" && g == "function"
    );
    if !shape_ok {
        return Ok(None);
    }
    // Collect the outer function's tokens up to its closing brace (depth 2 was opened above).
    let mut depth = 2usize;
    let mut body = Vec::new();
    loop {
        let Some(t) = lx.next()? else {
            bail!("{file}:{line}: unterminated class definition")
        };
        match t {
            Tok::Punct("{") => depth += 1,
            Tok::Punct("}") => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        body.push(t);
    }
    let toks: Vec<&Tok> = body.iter().collect();
    let Some(url_at) = find_member(&toks, "endpointUrl") else {
        return Ok(None);
    };

    let base = match (lx.next()?, lx.next()?, lx.next()?) {
        (Some(Tok::Punct("(")), Some(Tok::Ident(b)), Some(Tok::Punct(")"))) => b,
        _ => bail!("{file}:{line}: endpoint class is not applied to a base class"),
    };

    let permission = match find_member(&toks, "requiredPermissions") {
        Some(i) => match toks.get(i) {
            Some(Tok::Str(s)) => Some(s.clone()),
            _ => bail!("{file}:{line}: `requiredPermissions` is not a string literal"),
        },
        None => None,
    };

    let url_body = function_body(&toks, url_at)
        .ok_or_else(|| anyhow!("{file}:{line}: `endpointUrl` is not a function"))?;
    let routes = templates(url_body).map_err(|e| anyhow!("{file}:{line}: {e}"))?;
    if routes.is_empty() {
        bail!("{file}:{line}: `endpointUrl` builds no URL template");
    }

    let body_at = find_member(&toks, "body")
        .ok_or_else(|| anyhow!("{file}:{line}: endpoint class has no `body` function"))?;
    let body_fn = function_body(&toks, body_at)
        .ok_or_else(|| anyhow!("{file}:{line}: `body` is not a function"))?;
    let has_body = match body_fn {
        [] => false,
        [
            Tok::Ident(r),
            Tok::Ident(json),
            Tok::Punct("."),
            Tok::Ident(stringify),
            Tok::Punct("("),
            Tok::Ident(_),
            Tok::Punct("."),
            Tok::Ident(data),
            Tok::Punct(")"),
        ] if r == "return" && json == "JSON" && stringify == "stringify" && data == "data" => true,
        _ => bail!("{file}:{line}: `body` function of unexpected form"),
    };
    Ok(Some((
        base,
        BundleEndpoint {
            bases: Vec::new(),
            permission,
            routes,
            has_body,
            line,
        },
    )))
}

/// Index of the value assigned in `<obj>.<member> =`, if the class assigns it.
fn find_member(toks: &[&Tok], member: &str) -> Option<usize> {
    (1..toks.len().saturating_sub(2)).find_map(|i| {
        let hit = *toks[i] == Tok::Punct(".")
            && matches!(toks[i + 1], Tok::Ident(m) if m == member)
            && *toks[i + 2] == Tok::Punct("=")
            && matches!(toks[i - 1], Tok::Ident(_));
        hit.then_some(i + 3)
    })
}

/// The tokens between the braces of `function (...) { ... }` starting at `at`.
fn function_body<'t>(toks: &'t [&'t Tok], at: usize) -> Option<&'t [&'t Tok]> {
    if !matches!(toks.get(at), Some(Tok::Ident(f)) if f == "function") {
        return None;
    }
    let mut i = at + 1;
    if *toks.get(i)? != &Tok::Punct("(") {
        return None;
    }
    while *toks.get(i)? != &Tok::Punct(")") {
        i += 1;
    }
    i += 1;
    if *toks.get(i)? != &Tok::Punct("{") {
        return None;
    }
    let open = i;
    let mut depth = 0usize;
    loop {
        match toks.get(i)? {
            Tok::Punct("{") => depth += 1,
            Tok::Punct("}") => {
                depth -= 1;
                if depth == 0 {
                    return Some(&toks[open + 1..i]);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// One piece of a URL concatenation.
enum Piece {
    Lit(String),
    Param(String),
    /// A variable: the query string appended after the path.
    Var,
}

/// Extracts the URL templates built in an `endpointUrl` body: every chain
/// `"/literal".concat(encodeURIComponent(e.parameters.name), "/literal")...` whose first
/// literal starts with `/`, cut before a trailing query-string variable.
fn templates(toks: &[&Tok]) -> Result<Vec<Route>> {
    let mut routes: Vec<Route> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        // Only chains that start a path are read; others (error messages, the query string)
        // may hold any expression.
        let Tok::Str(first) = toks[i] else {
            i += 1;
            continue;
        };
        if !first.starts_with('/') {
            i += 1;
            continue;
        }
        let mut pieces = vec![Piece::Lit(first.clone())];
        let mut j = i + 1;
        while j + 2 < toks.len()
            && *toks[j] == Tok::Punct(".")
            && matches!(toks[j + 1], Tok::Ident(c) if c == "concat")
            && *toks[j + 2] == Tok::Punct("(")
        {
            j += 3;
            loop {
                let (piece, used) = concat_argument(&toks[j..])
                    .map_err(|e| anyhow!("{e} (in the URL starting {first:?})"))?;
                pieces.push(piece);
                j += used;
                match toks.get(j) {
                    Some(Tok::Punct(",")) => j += 1,
                    Some(Tok::Punct(")")) => {
                        j += 1;
                        break;
                    }
                    _ => bail!("unexpected token in a URL concatenation"),
                }
            }
        }
        if matches!(toks.get(j), Some(Tok::Punct("+"))) {
            bail!("URL built with `+`, which the importer does not read");
        }
        let route = assemble(&pieces)?;
        if !routes.contains(&route) {
            routes.push(route);
        }
        i = j;
    }
    Ok(routes)
}

/// Reads one argument of `.concat(...)`: a string, `encodeURIComponent(x.parameters.name)`,
/// `x.parameters.name` or a lone variable. Returns the piece and the number of tokens used.
fn concat_argument(toks: &[&Tok]) -> Result<(Piece, usize)> {
    let param = |t: &[&Tok]| match t {
        [
            Tok::Ident(_),
            Tok::Punct("."),
            Tok::Ident(p),
            Tok::Punct("."),
            Tok::Ident(name),
            ..,
        ] if p == "parameters" => Some(name.clone()),
        _ => None,
    };
    match toks {
        [Tok::Str(s), ..] => Ok((Piece::Lit(s.clone()), 1)),
        [Tok::Ident(enc), Tok::Punct("("), rest @ ..] if enc == "encodeURIComponent" => {
            match (param(rest), rest.get(5)) {
                (Some(name), Some(Tok::Punct(")"))) => Ok((Piece::Param(name), 8)),
                _ => bail!("unexpected argument of encodeURIComponent in a URL"),
            }
        }
        _ => {
            if let Some(name) = param(toks) {
                return Ok((Piece::Param(name), 5));
            }
            match toks {
                [Tok::Ident(_), Tok::Punct("," | ")"), ..] => Ok((Piece::Var, 1)),
                _ => bail!("unexpected expression in a URL concatenation"),
            }
        }
    }
}

/// Joins the pieces of a URL chain into a template; a variable may only end the chain.
fn assemble(pieces: &[Piece]) -> Result<Route> {
    let mut path = String::new();
    let mut params = Vec::new();
    let mut ended = false;
    for piece in pieces {
        match piece {
            Piece::Var => ended = true,
            _ if ended => bail!("URL path continues after a variable"),
            Piece::Lit(s) => {
                if s.contains(['{', '}', '?', '#']) {
                    bail!("URL literal {s:?} contains a reserved character");
                }
                path.push_str(s);
            }
            Piece::Param(name) => {
                path.push('{');
                path.push_str(name);
                path.push('}');
                params.push(name.clone());
            }
        }
    }
    Ok(Route { path, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &str = r#"var Qu=function(){function e(){}return e}(),em=function(e){return e}(Qu),
cv=function(e){function t(){var t=null!==e&&e.apply(this,arguments)||this;return t.description="Lists \"things\" /x/",t.withAuth=!0,t.requiredPermissions="Project > Read",t.endpointUrl=function(e){var t,n,r;[].forEach(function(t){if(void 0===e.parameters[t])throw new Error("Required argument not set: '".concat(t,"'"))}),r=e.parameters&&"teamId"in e.parameters?"/v1/teams/".concat(encodeURIComponent(e.parameters.teamId),"/projects/").concat(encodeURIComponent(e.parameters.projectId)):"/v1/projects/".concat(encodeURIComponent(e.parameters.projectId));var o=Object.entries(e.options||{}),a=o.length>0?"?".concat(o.map(function(e){return"".concat(e[0],"=").concat(e[1])}).join("&")):"";return"".concat(r).concat(a)},t.body=function(){},t}return z(t,e),t}(em),
vv=function(e){function t(){var t=null!==e&&e.apply(this,arguments)||this;return t.description=`tpl ${1+{a:1}.a}`,t.withAuth=!0,t.requiredPermissions="undefined",t.endpointUrl=function(e){var n=Object.entries(e.options),r=n.length>0?"?".concat(n.join("&")):"";return"/v1/plans".concat(r)},t.body=function(e){return JSON.stringify(e.data)},t}return z(t,e),t}(Qu),
xx=function(e){var r=/[/"]+/g;return r}
;export{cv as ListThingsEndpoint,vv as CreatePlanEndpoint,Qu as GetApiEndpoint,em as GetApiEndpointPaginated,xx as helper};"#;

    #[test]
    fn reads_templates_permissions_bodies_and_bases() {
        let eps = read_endpoints(
            "b.js",
            BUNDLE,
            &["ListThingsEndpoint", "CreatePlanEndpoint"],
        )
        .unwrap();
        let list = &eps["ListThingsEndpoint"];
        assert_eq!(list.bases, ["GetApiEndpointPaginated"]);
        assert_eq!(list.permission.as_deref(), Some("Project > Read"));
        assert!(!list.has_body);
        let paths: Vec<_> = list.routes.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/v1/teams/{teamId}/projects/{projectId}",
                "/v1/projects/{projectId}"
            ]
        );
        assert_eq!(list.routes[0].params, ["teamId", "projectId"]);
        let create = &eps["CreatePlanEndpoint"];
        assert_eq!(create.bases, ["GetApiEndpoint"]);
        assert_eq!(create.permission.as_deref(), Some("undefined"));
        assert!(create.has_body);
        assert_eq!(
            create.routes,
            [Route {
                path: "/v1/plans".into(),
                params: vec![]
            }]
        );
    }

    #[test]
    fn unknown_or_ambiguous_classes_fail() {
        let err = read_endpoints("b.js", BUNDLE, &["MissingEndpoint"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not exported"), "{err}");
        let err = read_endpoints("b.js", BUNDLE, &["helper"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("found 0 definitions"), "{err}");
    }

    #[test]
    fn unexpected_url_expressions_fail() {
        let src = BUNDLE.replace(r#""/v1/plans".concat(r)"#, r#""/v1/plans/".concat(f(e))"#);
        let err = read_endpoints("b.js", &src, &["CreatePlanEndpoint"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("b.js:3:") && err.contains("unexpected expression"),
            "{err}"
        );
    }

    #[test]
    fn string_escapes_and_regexes_lex() {
        let mut lx = Lexer::new("x.js", r#"a("\u00e9\x41\n",/[/"]/g)"#, 0);
        let mut toks = Vec::new();
        while let Some(t) = lx.next().unwrap() {
            toks.push(t);
        }
        assert_eq!(toks[2], Tok::Str("\u{e9}A\n".into()));
        assert_eq!(toks[4], Tok::Regex);
        assert_eq!(toks.len(), 6);
    }
}
