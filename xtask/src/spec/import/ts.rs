//! A tokenizer and parser for the subset of TypeScript declaration files (`.d.ts`) that the JS
//! client's type declarations use.
//!
//! The file is indexed statement by statement without parsing every type in it; only the type
//! aliases and classes the importer asks for are parsed, so constructs the importer never needs
//! (conditional types in helper aliases, overloads) cannot break an import. Anything unexpected
//! inside a type the importer does ask for is an error naming the file and line.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};

/// One lexical token of a declaration file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword.
    Ident(String),
    /// A string literal, quotes removed and escapes decoded.
    Str(String),
    /// A numeric literal, as written.
    Num(String),
    /// Punctuation.
    Punct(&'static str),
}

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) line: u32,
}

const PUNCTS: &[&str] = &[
    "...", "=>", "{", "}", "(", ")", "[", "]", "<", ">", ";", ":", ",", "?", "|", "&", "=", ".",
    "*", "+", "-", "!", "~", "/", "%", "^", "@", "#",
];

/// Splits TypeScript source into tokens, dropping comments and whitespace.
///
/// # Errors
///
/// Fails on an unterminated string or comment, a template literal with substitutions, or a
/// character that is not part of the declaration subset.
pub(crate) fn tokenize(file: &str, src: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() || c == '\u{feff}' {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = line;
            i += 2;
            loop {
                match chars.get(i) {
                    None => bail!("{file}:{start}: unterminated comment"),
                    Some('*') if chars.get(i + 1) == Some(&'/') => {
                        i += 2;
                        break;
                    }
                    Some('\n') => {
                        line += 1;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
        } else if c == '\'' || c == '"' || c == '`' {
            let start = line;
            let (text, next, lines) =
                read_string(&chars, i).map_err(|e| anyhow!("{file}:{start}: {e}"))?;
            line += lines;
            i = next;
            out.push(Token {
                tok: Tok::Str(text),
                line: start,
            });
        } else if c.is_ascii_digit() {
            let begin = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Num(chars[begin..i].iter().collect()),
                line,
            });
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let begin = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(chars[begin..i].iter().collect()),
                line,
            });
        } else {
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) else {
                bail!("{file}:{line}: unexpected character {c:?}");
            };
            i += p.chars().count();
            out.push(Token {
                tok: Tok::Punct(p),
                line,
            });
        }
    }
    Ok(out)
}

/// Reads a quoted literal starting at `chars[start]`; returns its value, the index after it and
/// the number of line breaks inside it.
fn read_string(chars: &[char], start: usize) -> Result<(String, usize, u32)> {
    let quote = chars[start];
    let mut i = start + 1;
    let mut text = String::new();
    let mut lines = 0;
    loop {
        let Some(&c) = chars.get(i) else {
            bail!("unterminated string")
        };
        i += 1;
        match c {
            _ if c == quote => return Ok((text, i, lines)),
            '\n' if quote != '`' => bail!("line break inside a string"),
            '\n' => {
                lines += 1;
                text.push(c);
            }
            '$' if quote == '`' && chars.get(i) == Some(&'{') => {
                bail!("template literal with substitutions")
            }
            '\\' => {
                let Some(&e) = chars.get(i) else {
                    bail!("unterminated string")
                };
                i += 1;
                match e {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    'b' => text.push('\u{8}'),
                    'f' => text.push('\u{c}'),
                    'v' => text.push('\u{b}'),
                    '0' => text.push('\0'),
                    'x' => {
                        let hex: String = chars.get(i..i + 2).unwrap_or_default().iter().collect();
                        let v =
                            u32::from_str_radix(&hex, 16).map_err(|_| anyhow!("bad \\x escape"))?;
                        text.push(char::from_u32(v).ok_or_else(|| anyhow!("bad \\x escape"))?);
                        i += 2;
                    }
                    'u' => {
                        let (v, next) = read_unicode_escape(chars, i)?;
                        text.push(v);
                        i = next;
                    }
                    '\n' => lines += 1,
                    other => text.push(other),
                }
            }
            _ => text.push(c),
        }
    }
}

/// Decodes the digits of a `\u` escape starting at `chars[i]` (four hex digits, or hex
/// digits in braces), joining a surrogate pair when one follows.
fn read_unicode_escape(chars: &[char], i: usize) -> Result<(char, usize)> {
    let (code, next) = if chars.get(i) == Some(&'{') {
        let end = (i..chars.len())
            .find(|&j| chars[j] == '}')
            .ok_or_else(|| anyhow!("bad \\u escape"))?;
        let hex: String = chars[i + 1..end].iter().collect();
        (
            u32::from_str_radix(&hex, 16).map_err(|_| anyhow!("bad \\u escape"))?,
            end + 1,
        )
    } else {
        let hex: String = chars.get(i..i + 4).unwrap_or_default().iter().collect();
        (
            u32::from_str_radix(&hex, 16).map_err(|_| anyhow!("bad \\u escape"))?,
            i + 4,
        )
    };
    if (0xD800..0xDC00).contains(&code)
        && chars.get(next) == Some(&'\\')
        && chars.get(next + 1) == Some(&'u')
    {
        let (low, after) = read_unicode_escape_raw(chars, next + 2)?;
        if (0xDC00..0xE000).contains(&low) {
            let joined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            return Ok((
                char::from_u32(joined).ok_or_else(|| anyhow!("bad \\u escape"))?,
                after,
            ));
        }
    }
    Ok((
        char::from_u32(code).ok_or_else(|| anyhow!("bad \\u escape"))?,
        next,
    ))
}

fn read_unicode_escape_raw(chars: &[char], i: usize) -> Result<(u32, usize)> {
    let hex: String = chars.get(i..i + 4).unwrap_or_default().iter().collect();
    Ok((
        u32::from_str_radix(&hex, 16).map_err(|_| anyhow!("bad \\u escape"))?,
        i + 4,
    ))
}

/// A TypeScript type expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TsType {
    /// A predefined type: `string`, `number`, `boolean`, `any`, `unknown`, `null`, `undefined`,
    /// `never`, `void`, `object`, `bigint`, `symbol`.
    Keyword(String, u32),
    /// A string literal type.
    StrLit(String),
    /// A numeric literal type, as written.
    NumLit(String),
    /// `true` or `false`.
    BoolLit(bool),
    /// A reference to a named type, with type arguments.
    Ref {
        /// The (possibly dotted) name.
        name: String,
        /// Type arguments.
        args: Vec<TsType>,
        /// Line of the name.
        line: u32,
    },
    /// An object type literal.
    Object(Vec<Member>),
    /// `T[]`.
    Array(Box<TsType>),
    /// `[A, B]`.
    Tuple(Vec<TsType>),
    /// `A | B`.
    Union(Vec<TsType>),
    /// `A & B`.
    Intersection(Vec<TsType>),
    /// A function or constructor type; its signature is not kept.
    Function(u32),
    /// `typeof name`.
    TypeQuery(String),
    /// `T[K]`.
    Indexed(Box<TsType>, Box<TsType>),
    /// `keyof T`.
    KeyOf(Box<TsType>),
}

/// One member of an object type literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Member {
    /// `name?: type`.
    Property {
        /// The member name, quotes removed.
        name: String,
        /// Whether it is marked `?`.
        optional: bool,
        /// Its type.
        ty: TsType,
        /// Line of the name.
        line: u32,
    },
    /// `[key: K]: V`.
    Index {
        /// The key type.
        key: TsType,
        /// The value type.
        value: TsType,
        /// Line of the opening bracket.
        line: u32,
    },
    /// A method, call or construct signature; not needed by the importer.
    Signature(u32),
}

/// A top-level declaration of the file, kept as a token range until it is asked for.
#[derive(Debug, Clone)]
pub(crate) enum Decl {
    /// `type Name = ...;`: the tokens of the right-hand side.
    Alias {
        /// Index of the first token after `=`.
        start: usize,
        /// Index of the terminating `;`.
        end: usize,
    },
    /// `declare class Name extends Base<...> { ... }`.
    Class {
        /// Index of the first token after `class Name` (type parameters or heritage).
        header: usize,
        /// Index of the opening brace of the body.
        open: usize,
        /// Index of the closing brace of the body.
        close: usize,
    },
    /// Anything else with a name (interfaces, enums, functions, constants).
    Other,
}

/// A declaration file, tokenized and indexed by declared name.
pub(crate) struct DeclFile {
    /// The file name used in error messages.
    pub(crate) file: String,
    tokens: Vec<Token>,
    decls: BTreeMap<String, (Decl, u32)>,
}

impl DeclFile {
    /// Tokenizes and indexes `src`.
    ///
    /// # Errors
    ///
    /// Fails on a tokenizer error, a statement of an unknown form, or a name declared twice.
    pub(crate) fn parse(file: &str, src: &str) -> Result<Self> {
        let tokens = tokenize(file, src)?;
        let mut decls = BTreeMap::new();
        let mut p = Parser {
            file,
            toks: &tokens,
            pos: 0,
        };
        while p.pos < tokens.len() {
            let line = p.line();
            if let Some((name, decl)) = p.statement()? {
                // Interfaces, namespaces and enums merge with other declarations of the same
                // name; two aliases or two classes of one name cannot.
                match decls.get(&name) {
                    None | Some((Decl::Other, _)) => {
                        decls.insert(name, (decl, line));
                    }
                    Some(_) if matches!(decl, Decl::Other) => {}
                    Some(_) => bail!("{file}:{line}: `{name}` is declared twice"),
                }
            }
        }
        Ok(DeclFile {
            file: file.to_owned(),
            tokens,
            decls,
        })
    }

    /// Whether a declaration of `name` exists.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.decls.contains_key(name)
    }

    /// Line of the declaration of `name`.
    pub(crate) fn line_of(&self, name: &str) -> u32 {
        self.decls.get(name).map_or(0, |d| d.1)
    }

    /// Parses the right-hand side of the type alias `name`.
    ///
    /// # Errors
    ///
    /// Fails when `name` is not a type alias or its type is outside the supported subset.
    pub(crate) fn alias(&self, name: &str) -> Result<TsType> {
        match self.decls.get(name) {
            Some((Decl::Alias { start, end }, _)) => {
                let mut p = Parser {
                    file: &self.file,
                    toks: &self.tokens[..*end],
                    pos: *start,
                };
                let ty = p.ty()?;
                if p.pos != *end {
                    bail!(
                        "{}:{}: unexpected {} after type",
                        self.file,
                        p.line(),
                        p.describe()
                    );
                }
                Ok(ty)
            }
            Some((_, line)) => bail!("{}:{line}: `{name}` is not a type alias", self.file),
            None => bail!("{}: no type alias `{name}`", self.file),
        }
    }

    /// The `extends` clause of class `name`: the base name and its type arguments.
    ///
    /// # Errors
    ///
    /// Fails when `name` is not a class, has no `extends` clause, or the clause does not parse.
    pub(crate) fn class_base(&self, name: &str) -> Result<(String, Vec<TsType>)> {
        let Some((Decl::Class { header, open, .. }, line)) = self.decls.get(name) else {
            bail!("{}: no class `{name}`", self.file);
        };
        let mut p = Parser {
            file: &self.file,
            toks: &self.tokens[..*open],
            pos: *header,
        };
        if p.eat("<") {
            p.skip_angles()?;
        }
        if !p.eat_ident("extends") {
            bail!("{}:{line}: class `{name}` has no base class", self.file);
        }
        match p.primary()? {
            TsType::Ref { name, args, .. } => Ok((name, args)),
            _ => bail!("{}:{line}: unexpected base class of `{name}`", self.file),
        }
    }

    /// The members of class `name` declared as properties (`name: type;`), in order; methods,
    /// constructors and accessors are left out.
    ///
    /// # Errors
    ///
    /// Fails when `name` is not a class or a property type is outside the supported subset.
    pub(crate) fn class_properties(&self, name: &str) -> Result<Vec<Member>> {
        let Some((Decl::Class { open, close, .. }, _)) = self.decls.get(name) else {
            bail!("{}: no class `{name}`", self.file);
        };
        let mut p = Parser {
            file: &self.file,
            toks: &self.tokens[..*close],
            pos: open + 1,
        };
        let mut members = Vec::new();
        while p.pos < *close {
            let start = p.pos;
            while p.peek_ident().is_some_and(|w| {
                matches!(
                    w,
                    "public"
                        | "private"
                        | "protected"
                        | "static"
                        | "readonly"
                        | "abstract"
                        | "declare"
                )
            }) && !matches!(p.peek_at(1), Some(Tok::Punct(":" | "?" | "(" | ";")))
            {
                p.pos += 1;
            }
            let is_property = matches!(p.peek(), Some(Tok::Ident(_) | Tok::Str(_)))
                && matches!(p.peek_at(1), Some(Tok::Punct(":")))
                || matches!(p.peek(), Some(Tok::Ident(_) | Tok::Str(_)))
                    && matches!(p.peek_at(1), Some(Tok::Punct("?")))
                    && matches!(p.peek_at(2), Some(Tok::Punct(":")));
            if is_property {
                members.push(p.member()?);
                p.eat(";");
            } else {
                p.pos = start;
                p.skip_to_semicolon()?;
            }
        }
        Ok(members)
    }
}

struct Parser<'a> {
    file: &'a str,
    toks: &'a [Token],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }

    fn peek_ident(&self) -> Option<&'a str> {
        match self.peek() {
            Some(Tok::Ident(s)) => Some(s),
            _ => None,
        }
    }

    fn line(&self) -> u32 {
        self.toks
            .get(self.pos)
            .or_else(|| self.toks.last())
            .map_or(0, |t| t.line)
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "end of input".to_owned(),
            Some(Tok::Ident(s)) => format!("`{s}`"),
            Some(Tok::Str(s)) => format!("string {s:?}"),
            Some(Tok::Num(s)) => format!("number {s}"),
            Some(Tok::Punct(p)) => format!("`{p}`"),
        }
    }

    fn error<T>(&self, what: &str) -> Result<T> {
        bail!(
            "{}:{}: expected {what}, found {}",
            self.file,
            self.line(),
            self.describe()
        )
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_ident(&mut self, word: &str) -> bool {
        if self.peek_ident() == Some(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<()> {
        if self.eat(p) {
            Ok(())
        } else {
            self.error(&format!("`{p}`"))
        }
    }

    fn ident(&mut self) -> Result<String> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.error("a name"),
        }
    }

    /// Skips a balanced group whose opening token was just consumed.
    fn skip_group(&mut self, open: &str) -> Result<()> {
        let close = match open {
            "(" => ")",
            "[" => "]",
            "{" => "}",
            _ => ">",
        };
        let start = self.line();
        let mut depth = 1usize;
        while let Some(t) = self.peek() {
            self.pos += 1;
            if let Tok::Punct(p) = t {
                if *p == open {
                    depth += 1;
                } else if *p == close {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
            }
        }
        bail!("{}:{start}: unclosed `{open}`", self.file)
    }

    fn skip_angles(&mut self) -> Result<()> {
        self.skip_group("<")
    }

    /// Skips tokens up to and including the next `;` outside brackets.
    fn skip_to_semicolon(&mut self) -> Result<()> {
        while let Some(t) = self.peek() {
            self.pos += 1;
            match t {
                Tok::Punct(";") => return Ok(()),
                Tok::Punct(p @ ("(" | "[" | "{")) => self.skip_group(p)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads one top-level statement; returns the declared name and its index entry.
    fn statement(&mut self) -> Result<Option<(String, Decl)>> {
        let line = self.line();
        if self.eat(";") {
            return Ok(None);
        }
        if self.eat_ident("import") {
            self.skip_to_semicolon()?;
            return Ok(None);
        }
        // `export { ... }`, `export type { ... }`, `export default ...` and `export = ...` declare
        // nothing; `export` before a declaration is dropped.
        if self.eat_ident("export")
            && (matches!(self.peek(), Some(Tok::Punct("{" | "*" | "=")))
                || self.peek_ident() == Some("type")
                    && matches!(self.peek_at(1), Some(Tok::Punct("{")))
                || self.peek_ident() == Some("default"))
        {
            self.skip_to_semicolon()?;
            return Ok(None);
        }
        self.eat_ident("declare");
        let Some(word) = self.peek_ident().map(str::to_owned) else {
            return self.error("a declaration");
        };
        match word.as_str() {
            "type" => {
                self.pos += 1;
                let name = self.ident()?;
                if self.eat("<") {
                    self.skip_angles()?;
                }
                self.expect("=")?;
                let start = self.pos;
                self.skip_to_semicolon()?;
                Ok(Some((
                    name,
                    Decl::Alias {
                        start,
                        end: self.pos - 1,
                    },
                )))
            }
            "abstract" | "class" | "interface" | "enum" | "const" | "namespace" | "module" => {
                self.pos += 1;
                if word == "abstract" && !self.eat_ident("class") {
                    return self.error("`class`");
                }
                if word == "const" && !self.eat_ident("enum") {
                    // `declare const name: T;`
                    let name = self.ident()?;
                    self.skip_to_semicolon()?;
                    return Ok(Some((name, Decl::Other)));
                }
                let name = match self.peek() {
                    Some(Tok::Str(s)) => {
                        let s = s.clone();
                        self.pos += 1;
                        s
                    }
                    _ => self.ident()?,
                };
                let header = self.pos;
                let mut angle = 0usize;
                loop {
                    match self.peek() {
                        None => bail!("{}:{line}: declaration of `{name}` has no body", self.file),
                        Some(Tok::Punct("<")) => angle += 1,
                        Some(Tok::Punct(">")) => angle = angle.saturating_sub(1),
                        Some(Tok::Punct("{")) if angle == 0 => break,
                        Some(Tok::Punct(p @ ("(" | "["))) => {
                            let p = *p;
                            self.pos += 1;
                            self.skip_group(p)?;
                            continue;
                        }
                        Some(Tok::Punct("{")) => {
                            self.pos += 1;
                            self.skip_group("{")?;
                            continue;
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                let open = self.pos;
                self.pos += 1;
                self.skip_group("{")?;
                let close = self.pos - 1;
                let decl = if word == "class" || word == "abstract" {
                    Decl::Class {
                        header,
                        open,
                        close,
                    }
                } else {
                    Decl::Other
                };
                Ok(Some((name, decl)))
            }
            "function" | "let" | "var" => {
                self.pos += 1;
                let name = self.ident()?;
                self.skip_to_semicolon()?;
                Ok(Some((name, Decl::Other)))
            }
            _ => bail!(
                "{}:{line}: unsupported top-level statement starting with `{word}`",
                self.file
            ),
        }
    }

    /// `type := ['|'] intersection ('|' intersection)*`
    pub(crate) fn ty(&mut self) -> Result<TsType> {
        self.eat("|");
        let first = self.intersection()?;
        if !matches!(self.peek(), Some(Tok::Punct("|"))) {
            return Ok(first);
        }
        let mut variants = vec![first];
        while self.eat("|") {
            variants.push(self.intersection()?);
        }
        Ok(TsType::Union(variants))
    }

    fn intersection(&mut self) -> Result<TsType> {
        self.eat("&");
        let first = self.postfix()?;
        if !matches!(self.peek(), Some(Tok::Punct("&"))) {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.eat("&") {
            parts.push(self.postfix()?);
        }
        Ok(TsType::Intersection(parts))
    }

    fn postfix(&mut self) -> Result<TsType> {
        let mut ty = self.primary()?;
        while matches!(self.peek(), Some(Tok::Punct("["))) {
            self.pos += 1;
            if self.eat("]") {
                ty = TsType::Array(Box::new(ty));
            } else {
                let index = self.ty()?;
                self.expect("]")?;
                ty = TsType::Indexed(Box::new(ty), Box::new(index));
            }
        }
        Ok(ty)
    }

    fn primary(&mut self) -> Result<TsType> {
        let line = self.line();
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(TsType::StrLit(s))
            }
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(TsType::NumLit(n))
            }
            Some(Tok::Punct("-")) => {
                self.pos += 1;
                match self.peek().cloned() {
                    Some(Tok::Num(n)) => {
                        self.pos += 1;
                        Ok(TsType::NumLit(format!("-{n}")))
                    }
                    _ => self.error("a number"),
                }
            }
            Some(Tok::Punct("{")) => {
                self.pos += 1;
                let mut members = Vec::new();
                while !self.eat("}") {
                    members.push(self.member()?);
                    if !self.eat(";")
                        && !self.eat(",")
                        && !matches!(self.peek(), Some(Tok::Punct("}")))
                    {
                        return self.error("`;` or `}` after a member");
                    }
                }
                Ok(TsType::Object(members))
            }
            Some(Tok::Punct("[")) => {
                self.pos += 1;
                let mut items = Vec::new();
                while !self.eat("]") {
                    items.push(self.ty()?);
                    if !self.eat(",") && !matches!(self.peek(), Some(Tok::Punct("]"))) {
                        return self.error("`,` or `]` in a tuple");
                    }
                }
                Ok(TsType::Tuple(items))
            }
            Some(Tok::Punct("(")) => {
                let open = self.pos;
                self.pos += 1;
                self.skip_group("(")?;
                if self.eat("=>") {
                    self.ty()?;
                    return Ok(TsType::Function(line));
                }
                self.pos = open + 1;
                let inner = self.ty()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(Tok::Punct("<")) => {
                // A generic function type: `<T>(x: T) => T`.
                self.pos += 1;
                self.skip_angles()?;
                self.primary()
            }
            Some(Tok::Ident(word)) => {
                self.pos += 1;
                match word.as_str() {
                    "string" | "number" | "boolean" | "any" | "unknown" | "null" | "undefined"
                    | "never" | "void" | "object" | "bigint" | "symbol" => {
                        Ok(TsType::Keyword(word, line))
                    }
                    "true" => Ok(TsType::BoolLit(true)),
                    "false" => Ok(TsType::BoolLit(false)),
                    "typeof" => Ok(TsType::TypeQuery(self.dotted()?)),
                    "keyof" => Ok(TsType::KeyOf(Box::new(self.postfix()?))),
                    "readonly" => self.postfix(),
                    "new" if matches!(self.peek(), Some(Tok::Punct("("))) => {
                        self.pos += 1;
                        self.skip_group("(")?;
                        self.expect("=>")?;
                        self.ty()?;
                        Ok(TsType::Function(line))
                    }
                    _ => {
                        let mut name = word;
                        while matches!(self.peek(), Some(Tok::Punct("."))) {
                            self.pos += 1;
                            name.push('.');
                            name.push_str(&self.ident()?);
                        }
                        let mut args = Vec::new();
                        if self.eat("<") {
                            loop {
                                args.push(self.ty()?);
                                if self.eat(">") {
                                    break;
                                }
                                self.expect(",")?;
                            }
                        }
                        if matches!(self.peek_ident(), Some("extends" | "is" | "infer")) {
                            bail!(
                                "{}:{}: conditional and predicate types are not supported",
                                self.file,
                                self.line()
                            );
                        }
                        Ok(TsType::Ref { name, args, line })
                    }
                }
            }
            _ => self.error("a type"),
        }
    }

    fn dotted(&mut self) -> Result<String> {
        let mut name = self.ident()?;
        while self.eat(".") {
            name.push('.');
            name.push_str(&self.ident()?);
        }
        Ok(name)
    }

    fn member(&mut self) -> Result<Member> {
        let line = self.line();
        if self.peek_ident() == Some("readonly")
            && !matches!(
                self.peek_at(1),
                Some(Tok::Punct(":" | "?" | "(" | ";" | "," | "}"))
            )
        {
            self.pos += 1;
        }
        if self.eat("[") {
            // Index signature `[key: K]: V`; a computed or mapped key is not supported.
            let _key_name = self.ident()?;
            if !self.eat(":") {
                bail!(
                    "{}:{line}: mapped and computed keys are not supported",
                    self.file
                );
            }
            let key = self.ty()?;
            self.expect("]")?;
            self.expect(":")?;
            let value = self.ty()?;
            return Ok(Member::Index { key, value, line });
        }
        if matches!(self.peek(), Some(Tok::Punct("(" | "<")))
            || self.peek_ident() == Some("new") && matches!(self.peek_at(1), Some(Tok::Punct("(")))
        {
            self.skip_signature()?;
            return Ok(Member::Signature(line));
        }
        let name = match self.peek().cloned() {
            Some(Tok::Ident(s) | Tok::Str(s) | Tok::Num(s)) => {
                self.pos += 1;
                s
            }
            _ => return self.error("a member name"),
        };
        let optional = self.eat("?");
        if matches!(self.peek(), Some(Tok::Punct("(" | "<"))) {
            self.skip_signature()?;
            return Ok(Member::Signature(line));
        }
        self.expect(":")?;
        let ty = self.ty()?;
        Ok(Member::Property {
            name,
            optional,
            ty,
            line,
        })
    }

    /// Skips a method or call signature up to (not including) its terminating `;`, `,` or `}`.
    fn skip_signature(&mut self) -> Result<()> {
        while let Some(t) = self.peek() {
            match t {
                Tok::Punct(";" | "," | "}") => return Ok(()),
                Tok::Punct(p @ ("(" | "[" | "{")) => {
                    let p = *p;
                    self.pos += 1;
                    self.skip_group(p)?;
                }
                _ => self.pos += 1,
            }
        }
        Ok(())
    }
}

/// Parses one type expression from source text; used by tests and small inputs.
///
/// # Errors
///
/// Fails when the text is not a single type of the supported subset.
#[cfg(test)]
pub(crate) fn parse_type(src: &str) -> Result<TsType> {
    let toks = tokenize("<input>", src)?;
    let mut p = Parser {
        file: "<input>",
        toks: &toks,
        pos: 0,
    };
    let ty = p.ty()?;
    if p.pos != toks.len() {
        bail!(
            "<input>:{}: unexpected {} after type",
            p.line(),
            p.describe()
        );
    }
    Ok(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(name: &str, optional: bool, ty: TsType) -> Member {
        Member::Property {
            name: name.to_owned(),
            optional,
            ty,
            line: 1,
        }
    }

    fn kw(word: &str) -> TsType {
        TsType::Keyword(word.to_owned(), 1)
    }

    #[test]
    fn quoted_keys_optional_members_and_comments() {
        let ty = parse_type(
            "{ /** The id. Example: \"x\" */ 'id': string; // trailing\n 'name'?: string; count: number }",
        )
        .unwrap();
        let lines_free = match ty {
            TsType::Object(members) => members
                .into_iter()
                .map(|m| match m {
                    Member::Property {
                        name, optional, ty, ..
                    } => prop(
                        &name,
                        optional,
                        if let TsType::Keyword(w, _) = ty {
                            kw(&w)
                        } else {
                            ty
                        },
                    ),
                    other => other,
                })
                .collect::<Vec<_>>(),
            other => panic!("not an object: {other:?}"),
        };
        assert_eq!(
            lines_free,
            vec![
                prop("id", false, kw("string")),
                prop("name", true, kw("string")),
                prop("count", false, kw("number"))
            ]
        );
    }

    #[test]
    fn nested_arrays_and_parenthesised_unions() {
        let ty = parse_type("('a' | 'b')[][]").unwrap();
        assert_eq!(
            ty,
            TsType::Array(Box::new(TsType::Array(Box::new(TsType::Union(vec![
                TsType::StrLit("a".into()),
                TsType::StrLit("b".into())
            ])))))
        );
    }

    #[test]
    fn unions_with_null_and_leading_bar() {
        let ty = parse_type("| string | null").unwrap();
        assert_eq!(ty, TsType::Union(vec![kw("string"), kw("null")]));
    }

    #[test]
    fn index_signatures_and_intersections() {
        let ty = parse_type("A & { [key: string]: number[] }").unwrap();
        let TsType::Intersection(parts) = ty else {
            panic!("not an intersection")
        };
        assert!(matches!(&parts[0], TsType::Ref { name, .. } if name == "A"));
        assert_eq!(
            parts[1],
            TsType::Object(vec![Member::Index {
                key: kw("string"),
                value: TsType::Array(Box::new(kw("number"))),
                line: 1
            }])
        );
    }

    #[test]
    fn function_types_and_type_queries() {
        assert_eq!(
            parse_type("(opts: X) => Promise<Y>").unwrap(),
            TsType::Function(1)
        );
        let ty = parse_type("InstanceType<typeof Foo>['bar']").unwrap();
        let TsType::Indexed(base, index) = ty else {
            panic!("not indexed")
        };
        assert_eq!(*index, TsType::StrLit("bar".into()));
        assert!(
            matches!(*base, TsType::Ref { ref args, .. } if args == &[TsType::TypeQuery("Foo".into())])
        );
    }

    #[test]
    fn string_escapes() {
        let ty = parse_type(r#"'it\'s' | "a\u00e9\n""#).unwrap();
        assert_eq!(
            ty,
            TsType::Union(vec![
                TsType::StrLit("it's".into()),
                TsType::StrLit("a\u{e9}\n".into())
            ])
        );
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_type("{\n a: string;\n b: T extends U ? X : Y }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("<input>:3"), "{err}");
        let err = parse_type("{ a: string; b }").unwrap_err().to_string();
        assert!(err.contains("expected `:`"), "{err}");
    }

    #[test]
    fn declaration_index() {
        let src = "import { X } from 'x';\n\
                   type Optional<T, K extends keyof T> = Omit<T, K> & Partial<T>;\n\
                   type A = { 'x': string };\n\
                   interface I { f(): void }\n\
                   declare class C extends Base<A, B> {\n  description: string;\n  endpointUrl: (o: A) => string;\n  protected run(): void;\n  constructor(a: A);\n}\n\
                   declare enum E { X = 'x' }\n\
                   export { C };\nexport type { A };\n";
        let file = DeclFile::parse("t.d.ts", src).unwrap();
        assert!(file.has("Optional") && file.has("I") && file.has("E"));
        assert_eq!(file.line_of("A"), 3);
        assert_eq!(
            file.alias("A").unwrap(),
            TsType::Object(vec![Member::Property {
                name: "x".into(),
                optional: false,
                ty: TsType::Keyword("string".into(), 3),
                line: 3
            }])
        );
        let (base, args) = file.class_base("C").unwrap();
        assert_eq!(base, "Base");
        assert_eq!(args.len(), 2);
        let props = file.class_properties("C").unwrap();
        let names: Vec<_> = props
            .iter()
            .filter_map(|m| {
                if let Member::Property { name, .. } = m {
                    Some(name.as_str())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(names, ["description", "endpointUrl"]);
        assert!(file.alias("C").is_err());
    }
}
