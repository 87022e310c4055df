//! A tokenizer and parser for the subset of Python the PY client's generated modules use:
//! imports, classes, assignments, annotated names, function signatures (bodies are skipped)
//! and literal, name, attribute, subscript and call expressions.
//!
//! Any other statement or expression is an error naming the file and line, so a future
//! package that uses more of the language fails loudly instead of losing facts.

use anyhow::{Result, anyhow, bail};

/// One lexical token.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Num(String),
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: u32,
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "(", ")", "[", "]", "{", "}", ",", ":",
    ".", ";", "@", "=", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">",
];

/// Splits Python source into tokens with `Newline`, `Indent` and `Dedent` markers.
fn tokenize(file: &str, src: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut indents = vec![0usize];
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut i = 0;
    let mut at_line_start = true;
    while i < chars.len() {
        if at_line_start && depth == 0 {
            // Measure indentation; blank and comment-only lines do not count.
            let mut width = 0;
            let mut j = i;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                width += if chars[j] == '\t' { 8 - width % 8 } else { 1 };
                j += 1;
            }
            match chars.get(j) {
                None => break,
                Some('\n') => {
                    line += 1;
                    i = j + 1;
                    continue;
                }
                Some('\r') => {
                    i = j + 1;
                    continue;
                }
                Some('#') => {
                    while j < chars.len() && chars[j] != '\n' {
                        j += 1;
                    }
                    i = j;
                    continue;
                }
                Some(_) => {}
            }
            let current = *indents.last().unwrap_or(&0);
            if width > current {
                indents.push(width);
                out.push(Token {
                    tok: Tok::Indent,
                    line,
                });
            } else {
                while width < *indents.last().unwrap_or(&0) {
                    indents.pop();
                    out.push(Token {
                        tok: Tok::Dedent,
                        line,
                    });
                }
                if width != *indents.last().unwrap_or(&0) {
                    bail!("{file}:{line}: inconsistent indentation");
                }
            }
            i = j;
            at_line_start = false;
        }
        let c = chars[i];
        match c {
            '\n' => {
                if depth == 0 {
                    out.push(Token {
                        tok: Tok::Newline,
                        line,
                    });
                    at_line_start = true;
                }
                line += 1;
                i += 1;
            }
            ' ' | '\t' | '\r' | '\u{c}' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                line += 1;
                i += 2;
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let quote = chars.get(i).copied();
                let is_prefix = word.len() <= 2
                    && word
                        .chars()
                        .all(|p| matches!(p.to_ascii_lowercase(), 'r' | 'b' | 'u' | 'f'))
                    && matches!(quote, Some('"' | '\''));
                if is_prefix {
                    let raw = word.to_ascii_lowercase().contains('r');
                    let start_line = line;
                    let (text, next, lines) = read_string(&chars, i, raw)
                        .map_err(|e| anyhow!("{file}:{start_line}: {e}"))?;
                    line += lines;
                    i = next;
                    out.push(Token {
                        tok: Tok::Str(text),
                        line: start_line,
                    });
                } else {
                    out.push(Token {
                        tok: Tok::Name(word),
                        line,
                    });
                }
            }
            '"' | '\'' => {
                let start_line = line;
                let (text, next, lines) = read_string(&chars, i, false)
                    .map_err(|e| anyhow!("{file}:{start_line}: {e}"))?;
                line += lines;
                i = next;
                out.push(Token {
                    tok: Tok::Str(text),
                    line: start_line,
                });
            }
            _ if c.is_ascii_digit()
                || c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit) =>
            {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_')
                {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Num(chars[start..i].iter().collect()),
                    line,
                });
            }
            _ => {
                let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
                let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
                    bail!("{file}:{line}: unexpected character {c:?}");
                };
                match *op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        depth = depth
                            .checked_sub(1)
                            .ok_or_else(|| anyhow!("{file}:{line}: unbalanced `{op}`"))?;
                    }
                    _ => {}
                }
                i += op.len();
                out.push(Token {
                    tok: Tok::Op(op),
                    line,
                });
            }
        }
    }
    if depth != 0 {
        bail!("{file}:{line}: unclosed bracket at end of file");
    }
    if !matches!(
        out.last(),
        None | Some(Token {
            tok: Tok::Newline,
            ..
        })
    ) {
        out.push(Token {
            tok: Tok::Newline,
            line,
        });
    }
    while indents.len() > 1 {
        indents.pop();
        out.push(Token {
            tok: Tok::Dedent,
            line,
        });
    }
    Ok(out)
}

/// Reads a string literal (single or triple quoted) at `chars[start]`; returns its value, the
/// index after it and the number of line breaks inside it.
fn read_string(chars: &[char], start: usize, raw: bool) -> Result<(String, usize, u32)> {
    let q = chars[start];
    let triple = chars.get(start + 1) == Some(&q) && chars.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    let mut text = String::new();
    let mut lines = 0;
    loop {
        let Some(&c) = chars.get(i) else {
            bail!("unterminated string")
        };
        if c == q {
            if !triple {
                return Ok((text, i + 1, lines));
            }
            if chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q) {
                return Ok((text, i + 3, lines));
            }
        }
        i += 1;
        match c {
            '\n' if !triple => bail!("line break inside a string"),
            '\n' => {
                lines += 1;
                text.push(c);
            }
            '\\' if raw => {
                text.push(c);
                if let Some(&n) = chars.get(i) {
                    text.push(n);
                    i += 1;
                    if n == '\n' {
                        lines += 1;
                    }
                }
            }
            '\\' => {
                let Some(&e) = chars.get(i) else {
                    bail!("unterminated string")
                };
                i += 1;
                match e {
                    '\n' => lines += 1,
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '0' => text.push('\0'),
                    '\\' | '\'' | '"' => text.push(e),
                    'x' | 'u' | 'U' => {
                        let width = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String =
                            chars.get(i..i + width).unwrap_or_default().iter().collect();
                        let code = u32::from_str_radix(&hex, 16)
                            .map_err(|_| anyhow!("bad escape \\{e}{hex}"))?;
                        text.push(
                            char::from_u32(code).ok_or_else(|| anyhow!("bad escape \\{e}{hex}"))?,
                        );
                        i += width;
                    }
                    other => {
                        text.push('\\');
                        text.push(other);
                    }
                }
            }
            _ => text.push(c),
        }
    }
}

/// A Python expression of the supported subset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A name.
    Name(String),
    /// A string literal (adjacent literals joined).
    Str(String),
    /// A number, as written.
    Num(String),
    /// `True`, `False` or `None`.
    Const(&'static str),
    /// `value.attr`.
    Attr(Box<Expr>, String),
    /// `value[a, b]`: the index items.
    Subscript(Box<Expr>, Vec<Expr>),
    /// `f(args, key=value)`.
    Call(Box<Expr>, Vec<(Option<String>, Expr)>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `(a, b)`.
    Tuple(Vec<Expr>),
    /// `{k: v}`.
    Dict(Vec<(Expr, Expr)>),
    /// `{a, b}`.
    Set(Vec<Expr>),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a | b`.
    BitOr(Box<Expr>, Box<Expr>),
    /// `...`.
    Ellipsis,
}

/// An expression and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Located {
    /// The expression.
    pub(crate) expr: Expr,
    /// Its first line.
    pub(crate) line: u32,
}

/// One parameter of a function signature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Param {
    /// The name; `*` for a bare keyword-only marker.
    pub(crate) name: String,
    /// Its annotation.
    pub(crate) annotation: Option<Located>,
    /// Its default value.
    pub(crate) default: Option<Located>,
}

/// A statement of the supported subset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stmt {
    /// `class Name(bases): body`.
    Class {
        /// The class name.
        name: String,
        /// Base classes and keywords (`total=False`).
        bases: Vec<(Option<String>, Expr)>,
        /// The body's statements.
        body: Vec<Stmt>,
        /// Line of `class`.
        line: u32,
    },
    /// `name = value`.
    Assign {
        /// The target name.
        target: String,
        /// The value.
        value: Located,
    },
    /// `name: annotation [= value]`.
    Annotated {
        /// The target name.
        target: String,
        /// The annotation.
        annotation: Located,
        /// Line of the name.
        line: u32,
    },
    /// `def name(params) -> returns:`; the body is skipped.
    Def {
        /// The function name.
        name: String,
        /// Its parameters.
        params: Vec<Param>,
        /// Its return annotation.
        returns: Option<Located>,
        /// Line of `def`.
        line: u32,
    },
    /// An expression statement, an import or `pass`: nothing the importer reads.
    Other,
}

/// Parses a module into its top-level statements.
///
/// # Errors
///
/// Fails on a tokenizer error or a statement or expression outside the supported subset.
pub(crate) fn parse_module(file: &str, src: &str) -> Result<Vec<Stmt>> {
    let toks = tokenize(file, src)?;
    let mut p = Parser {
        file,
        toks: &toks,
        pos: 0,
    };
    let mut out = Vec::new();
    while p.pos < toks.len() {
        out.push(p.statement()?);
    }
    Ok(out)
}

/// Parses the text of a string annotation (a forward reference such as `"NotRequired[str]"`)
/// as an expression; errors are reported at `file:line`.
///
/// # Errors
///
/// Fails when the text is not a single expression of the supported subset.
pub(crate) fn parse_expression(file: &str, line: u32, text: &str) -> Result<Located> {
    let toks =
        tokenize(file, text).map_err(|e| anyhow!("{file}:{line}: in annotation {text:?}: {e}"))?;
    let toks: Vec<Token> = toks
        .into_iter()
        .filter(|t| !matches!(t.tok, Tok::Newline | Tok::Indent | Tok::Dedent))
        .map(|t| Token { tok: t.tok, line })
        .collect();
    let mut p = Parser {
        file,
        toks: &toks,
        pos: 0,
    };
    let expr = p
        .expr()
        .map_err(|e| anyhow!("in annotation {text:?}: {e}"))?;
    if p.pos != toks.len() {
        bail!("{file}:{line}: trailing text in annotation {text:?}");
    }
    Ok(expr)
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

    fn line(&self) -> u32 {
        self.toks
            .get(self.pos)
            .or_else(|| self.toks.last())
            .map_or(0, |t| t.line)
    }

    fn error<T>(&self, what: &str) -> Result<T> {
        let found = match self.peek() {
            None => "end of input".to_owned(),
            Some(Tok::Name(n)) => format!("`{n}`"),
            Some(Tok::Str(s)) => format!("string {s:?}"),
            Some(Tok::Num(n)) => format!("number {n}"),
            Some(Tok::Op(o)) => format!("`{o}`"),
            Some(Tok::Newline) => "end of line".to_owned(),
            Some(Tok::Indent) => "indent".to_owned(),
            Some(Tok::Dedent) => "dedent".to_owned(),
        };
        bail!(
            "{}:{}: expected {what}, found {found}",
            self.file,
            self.line()
        )
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            self.error(&format!("`{op}`"))
        }
    }

    fn name(&mut self) -> Result<String> {
        match self.peek() {
            Some(Tok::Name(n)) => {
                let n = n.clone();
                self.pos += 1;
                Ok(n)
            }
            _ => self.error("a name"),
        }
    }

    fn end_of_statement(&mut self) -> Result<()> {
        if matches!(self.peek(), Some(Tok::Newline)) {
            self.pos += 1;
            Ok(())
        } else if self.peek().is_none() {
            Ok(())
        } else {
            self.error("end of line")
        }
    }

    /// Skips a line to its end.
    fn skip_line(&mut self) {
        while let Some(t) = self.peek() {
            self.pos += 1;
            if *t == Tok::Newline {
                break;
            }
        }
    }

    /// Skips an indented block, including nested blocks.
    fn skip_block(&mut self) -> Result<()> {
        if !matches!(self.peek(), Some(Tok::Indent)) {
            // A one-line body after the colon.
            self.skip_line();
            return Ok(());
        }
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            self.pos += 1;
            match t {
                Tok::Indent => depth += 1,
                Tok::Dedent => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        bail!("{}:{}: unterminated block", self.file, self.line())
    }

    fn statement(&mut self) -> Result<Stmt> {
        let line = self.line();
        match self.peek().cloned() {
            Some(Tok::Newline) => {
                self.pos += 1;
                Ok(Stmt::Other)
            }
            Some(Tok::Name(word)) => match word.as_str() {
                "from" | "import" => {
                    self.skip_line();
                    Ok(Stmt::Other)
                }
                "pass" => {
                    self.pos += 1;
                    self.end_of_statement()?;
                    Ok(Stmt::Other)
                }
                "class" => self.class(line),
                "def" => self.def(line),
                "async" => {
                    self.pos += 1;
                    if !matches!(self.peek(), Some(Tok::Name(n)) if n == "def") {
                        return self.error("`def` after `async`");
                    }
                    self.def(line)
                }
                "if" | "elif" | "else" | "for" | "while" | "try" | "except" | "finally"
                | "with" | "return" | "raise" | "del" | "global" | "nonlocal" | "assert"
                | "lambda" | "yield" | "match" => {
                    bail!("{}:{line}: unsupported `{word}` statement", self.file)
                }
                _ => {
                    let target = self.expr()?;
                    if self.eat_op("=") {
                        let Expr::Name(target) = target.expr else {
                            bail!(
                                "{}:{line}: assignment to something other than a name",
                                self.file
                            );
                        };
                        let value = self.expr()?;
                        self.end_of_statement()?;
                        return Ok(Stmt::Assign { target, value });
                    }
                    if self.eat_op(":") {
                        let Expr::Name(target) = target.expr else {
                            bail!(
                                "{}:{line}: annotation of something other than a name",
                                self.file
                            );
                        };
                        let annotation = self.expr()?;
                        if self.eat_op("=") {
                            self.expr()?;
                        }
                        self.end_of_statement()?;
                        return Ok(Stmt::Annotated {
                            target,
                            annotation,
                            line,
                        });
                    }
                    self.end_of_statement()?;
                    Ok(Stmt::Other)
                }
            },
            Some(Tok::Str(_) | Tok::Num(_)) => {
                self.expr()?;
                self.end_of_statement()?;
                Ok(Stmt::Other)
            }
            Some(Tok::Op("@")) => bail!("{}:{line}: decorators are not supported", self.file),
            _ => self.error("a statement"),
        }
    }

    fn class(&mut self, line: u32) -> Result<Stmt> {
        self.pos += 1;
        let name = self.name()?;
        let mut bases = Vec::new();
        if self.eat_op("(") {
            bases = self.call_args()?;
        }
        self.expect_op(":")?;
        let mut body = Vec::new();
        if matches!(self.peek(), Some(Tok::Newline)) {
            self.pos += 1;
            if !matches!(self.peek(), Some(Tok::Indent)) {
                return self.error("an indented class body");
            }
            self.pos += 1;
            while !matches!(self.peek(), Some(Tok::Dedent) | None) {
                body.push(self.statement()?);
            }
            self.pos += 1;
        } else {
            body.push(self.statement()?);
        }
        Ok(Stmt::Class {
            name,
            bases,
            body,
            line,
        })
    }

    fn def(&mut self, line: u32) -> Result<Stmt> {
        self.pos += 1;
        let name = self.name()?;
        self.expect_op("(")?;
        let mut params = Vec::new();
        while !self.eat_op(")") {
            let param = if self.eat_op("*") {
                if matches!(self.peek(), Some(Tok::Op("," | ")"))) {
                    "*".to_owned()
                } else {
                    format!("*{}", self.name()?)
                }
            } else if self.eat_op("**") {
                format!("**{}", self.name()?)
            } else if self.eat_op("/") {
                "/".to_owned()
            } else {
                self.name()?
            };
            let annotation = if self.eat_op(":") {
                Some(self.expr()?)
            } else {
                None
            };
            let default = if self.eat_op("=") {
                Some(self.expr()?)
            } else {
                None
            };
            params.push(Param {
                name: param,
                annotation,
                default,
            });
            if !self.eat_op(",") && !matches!(self.peek(), Some(Tok::Op(")"))) {
                return self.error("`,` or `)` in parameters");
            }
        }
        let returns = if self.eat_op("->") {
            Some(self.expr()?)
        } else {
            None
        };
        self.expect_op(":")?;
        if matches!(self.peek(), Some(Tok::Newline)) {
            self.pos += 1;
            self.skip_block()?;
        } else {
            self.skip_line();
        }
        Ok(Stmt::Def {
            name,
            params,
            returns,
            line,
        })
    }

    /// Arguments after an opening parenthesis, up to and including the closing one.
    fn call_args(&mut self) -> Result<Vec<(Option<String>, Expr)>> {
        let mut args = Vec::new();
        while !self.eat_op(")") {
            let keyword = match (self.peek(), self.toks.get(self.pos + 1).map(|t| &t.tok)) {
                (Some(Tok::Name(n)), Some(Tok::Op("="))) => {
                    let n = n.clone();
                    self.pos += 2;
                    Some(n)
                }
                _ => None,
            };
            if matches!(self.peek(), Some(Tok::Op("*" | "**"))) {
                bail!(
                    "{}:{}: starred arguments are not supported",
                    self.file,
                    self.line()
                );
            }
            args.push((keyword, self.expr()?.expr));
            if !self.eat_op(",") && !matches!(self.peek(), Some(Tok::Op(")"))) {
                return self.error("`,` or `)` in arguments");
            }
        }
        Ok(args)
    }

    /// `expr := unary ('|' unary)*`
    fn expr(&mut self) -> Result<Located> {
        let mut left = self.unary()?;
        while self.eat_op("|") {
            let right = self.unary()?;
            left = Located {
                line: left.line,
                expr: Expr::BitOr(Box::new(left.expr), Box::new(right.expr)),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Located> {
        let line = self.line();
        if self.eat_op("-") {
            let inner = self.unary()?;
            return Ok(Located {
                expr: Expr::Neg(Box::new(inner.expr)),
                line,
            });
        }
        let mut expr = self.atom()?;
        loop {
            if self.eat_op(".") {
                expr = Expr::Attr(Box::new(expr), self.name()?);
            } else if self.eat_op("[") {
                let mut items = Vec::new();
                while !self.eat_op("]") {
                    items.push(self.expr()?.expr);
                    if !self.eat_op(",") && !matches!(self.peek(), Some(Tok::Op("]"))) {
                        return self.error("`,` or `]` in a subscript");
                    }
                }
                expr = Expr::Subscript(Box::new(expr), items);
            } else if self.eat_op("(") {
                expr = Expr::Call(Box::new(expr), self.call_args()?);
            } else {
                break;
            }
        }
        Ok(Located { expr, line })
    }

    fn atom(&mut self) -> Result<Expr> {
        match self.peek().cloned() {
            Some(Tok::Name(n)) => {
                self.pos += 1;
                Ok(match n.as_str() {
                    "True" => Expr::Const("True"),
                    "False" => Expr::Const("False"),
                    "None" => Expr::Const("None"),
                    "lambda" | "not" | "await" | "yield" => {
                        bail!(
                            "{}:{}: unsupported `{n}` expression",
                            self.file,
                            self.line()
                        )
                    }
                    _ => Expr::Name(n),
                })
            }
            Some(Tok::Str(s)) => {
                self.pos += 1;
                let mut text = s;
                while let Some(Tok::Str(more)) = self.peek() {
                    text.push_str(more);
                    self.pos += 1;
                }
                Ok(Expr::Str(text))
            }
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(Expr::Num(n))
            }
            Some(Tok::Op("...")) => {
                self.pos += 1;
                Ok(Expr::Ellipsis)
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let mut items = Vec::new();
                let mut trailing_comma = false;
                while !self.eat_op(")") {
                    items.push(self.expr()?.expr);
                    trailing_comma = self.eat_op(",");
                    if !trailing_comma && !matches!(self.peek(), Some(Tok::Op(")"))) {
                        return self.error("`,` or `)`");
                    }
                }
                if items.len() == 1 && !trailing_comma {
                    return Ok(items.remove(0));
                }
                Ok(Expr::Tuple(items))
            }
            Some(Tok::Op("[")) => {
                self.pos += 1;
                let mut items = Vec::new();
                while !self.eat_op("]") {
                    items.push(self.expr()?.expr);
                    if !self.eat_op(",") && !matches!(self.peek(), Some(Tok::Op("]"))) {
                        return self.error("`,` or `]` in a list");
                    }
                }
                Ok(Expr::List(items))
            }
            Some(Tok::Op("{")) => {
                self.pos += 1;
                if self.eat_op("}") {
                    return Ok(Expr::Dict(Vec::new()));
                }
                let first = self.expr()?.expr;
                if self.eat_op(":") {
                    let mut entries = vec![(first, self.expr()?.expr)];
                    while self.eat_op(",") {
                        if matches!(self.peek(), Some(Tok::Op("}"))) {
                            break;
                        }
                        let key = self.expr()?.expr;
                        self.expect_op(":")?;
                        entries.push((key, self.expr()?.expr));
                    }
                    self.expect_op("}")?;
                    Ok(Expr::Dict(entries))
                } else {
                    let mut items = vec![first];
                    while self.eat_op(",") {
                        if matches!(self.peek(), Some(Tok::Op("}"))) {
                            break;
                        }
                        items.push(self.expr()?.expr);
                    }
                    self.expect_op("}")?;
                    Ok(Expr::Set(items))
                }
            }
            _ => self.error("an expression"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Expr {
        Expr::Name(n.to_owned())
    }

    #[test]
    fn typed_dict_classes_and_functional_syntax() {
        let src = r#"
from typing import Any  # imports are skipped


class Thing(TypedDict, total=False):
    """Doc."""
    id: str
    tags: NotRequired[List[  # a comment inside the brackets
        Literal["a", 'b']
    ]]


Other = TypedDict(
    "Other",
    {
        "$schema": "NotRequired[str]",
        "x-y": "Dict[str, Any]",
    },
)
Alias = Union["str", "Literal['latest']"]
"#;
        let stmts = parse_module("t.py", src).unwrap();
        let classes: Vec<_> = stmts
            .iter()
            .filter(|s| matches!(s, Stmt::Class { .. }))
            .collect();
        let Stmt::Class {
            name: class,
            bases,
            body,
            line,
        } = classes[0]
        else {
            unreachable!()
        };
        assert_eq!((class.as_str(), *line), ("Thing", 5));
        assert_eq!(bases[1], (Some("total".into()), Expr::Const("False")));
        let fields: Vec<_> = body
            .iter()
            .filter_map(|s| {
                if let Stmt::Annotated {
                    target, annotation, ..
                } = s
                {
                    Some((target.as_str(), &annotation.expr))
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(fields[0], ("id", &name("str")));
        assert_eq!(
            fields[1].1,
            &Expr::Subscript(
                Box::new(name("NotRequired")),
                vec![Expr::Subscript(
                    Box::new(name("List")),
                    vec![Expr::Subscript(
                        Box::new(name("Literal")),
                        vec![Expr::Str("a".into()), Expr::Str("b".into())]
                    )]
                )]
            )
        );
        let Some(Stmt::Assign { target, value }) = stmts
            .iter()
            .find(|s| matches!(s, Stmt::Assign { target, .. } if target == "Other"))
        else {
            panic!("no functional TypedDict")
        };
        assert_eq!(target, "Other");
        let Expr::Call(_, args) = &value.expr else {
            panic!("not a call")
        };
        let Expr::Dict(entries) = &args[1].1 else {
            panic!("not a dict")
        };
        assert_eq!(
            entries[0],
            (
                Expr::Str("$schema".into()),
                Expr::Str("NotRequired[str]".into())
            )
        );
        let parsed = parse_expression("t.py", 15, "Literal['latest']").unwrap();
        assert_eq!(parsed.line, 15);
        assert_eq!(
            parsed.expr,
            Expr::Subscript(Box::new(name("Literal")), vec![Expr::Str("latest".into())])
        );
    }

    #[test]
    fn signatures_are_read_and_bodies_skipped() {
        let src = "class E(ApiEndpoint):\n    method = \"get\"\n    required_permissions = (\n        \"A > \"\n        \"B\"\n    )\n\n    def call(\n        self, *, team_id: Optional[str] = None, data: Req\n    ) -> ApiCallResponse[Dict[str, Any]]:\n        if x:\n            return 1\n        return super().call(team_id=team_id)\n\n    async def acall(self) -> None:\n        return await f()\n";
        let stmts = parse_module("e.py", src).unwrap();
        let Stmt::Class { body, .. } = &stmts[0] else {
            panic!("no class")
        };
        assert!(
            matches!(&body[1], Stmt::Assign { value, .. } if value.expr == Expr::Str("A > B".into()))
        );
        let Stmt::Def {
            name,
            params,
            returns,
            line,
        } = &body[2]
        else {
            panic!("no def")
        };
        assert_eq!((name.as_str(), *line), ("call", 8));
        let names: Vec<_> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["self", "*", "team_id", "data"]);
        assert_eq!(
            params[2].default.as_ref().map(|d| &d.expr),
            Some(&Expr::Const("None"))
        );
        assert!(returns.is_some());
        assert!(matches!(&body[3], Stmt::Def { name, .. } if name == "acall"));
    }

    #[test]
    fn unsupported_constructs_name_file_and_line() {
        let err = parse_module("m.py", "x = 1\nif x:\n    y = 2\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("m.py:2:"), "{err}");
        let err = parse_module("m.py", "x = [1,\n 2\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unclosed"), "{err}");
        let err = parse_expression("m.py", 7, "List[")
            .unwrap_err()
            .to_string();
        assert!(err.contains("m.py:7"), "{err}");
    }
}
