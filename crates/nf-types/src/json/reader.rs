//! A pull parser over JSON text, which models decode from without building a
//! [`serde_json::Value`] first.
//!
//! The reader checks the grammar of everything it passes over, skipped members included, so
//! text it accepts is JSON; strings that need no unescaping are borrowed from the input.

use std::borrow::Cow;

use super::names::{Name, same};
use super::{DecodeError, DecodeErrorKind, Key};

/// The deepest nesting of arrays and objects accepted; deeper text is refused rather than
/// risking the stack. The same limit as `serde_json`'s.
const MAX_DEPTH: u32 = 128;

/// The bytes that end a run of plain characters in a string: the closing quote, the
/// backslash of an escape, and the control characters JSON forbids there.
const STRING_STOP: [bool; 256] = {
    let mut stop = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        stop[byte] = true;
        byte += 1;
    }
    stop[b'"' as usize] = true;
    stop[b'\\' as usize] = true;
    stop
};

/// Flags (the high bit of) each byte of `word` that [`STRING_STOP`] holds: a quote, a
/// backslash or a byte below `0x20`.
///
/// The classic test for bytes below `n`, `(v - n·0x01…) & !v & 0x80…`, can also flag bytes
/// above a flagged one (through the borrow) but never below it, so the lowest flag is exact;
/// bytes of `0x80` and above are never flagged themselves. Flipping bit 1 of every byte
/// turns the quote into `0x20` and keeps the control characters below it, so one such test
/// finds both, and a second (for zero bytes) finds the backslash.
const fn string_stops(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_high = !word & HIGH;
    let quotes_and_controls = (word ^ (ONES * 0x02)).wrapping_sub(ONES * 0x21);
    let backslashes = (word ^ (ONES * b'\\' as u64)).wrapping_sub(ONES);
    (quotes_and_controls | backslashes) & below_high
}

/// The JSON type of a value, as [`Reader::peek`] sees it from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Kind {
    /// A few words naming the type, for error messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "a boolean",
            Self::Number => "a number",
            Self::String => "a string",
            Self::Array => "an array",
            Self::Object => "an object",
        }
    }
}

/// Reads JSON text one value at a time.
///
/// Each method reads the next value (skipping whitespace before it) or fails; a value of
/// another type than asked for is left unread and gives an
/// [`UnexpectedType`](DecodeErrorKind::UnexpectedType) error, text that is not JSON a
/// [`Syntax`](DecodeErrorKind::Syntax) error with its line and column.
///
/// ```
/// use nf_types::json::Reader;
///
/// let mut reader = Reader::new(br#"{"name": "api", "tags": ["a", "b"]}"#);
/// let mut object = reader.object()?;
/// while let Some(key) = object.next_key(&mut reader)? {
///     match &*key {
///         "name" => assert_eq!(reader.str()?, "api"),
///         _ => reader.skip()?,
///     }
/// }
/// reader.end()?;
/// # Ok::<(), nf_types::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    /// The input up to its first byte that is not UTF-8, which is all of it for valid text:
    /// checked once here, so that strings are sliced from it without checking each again.
    text: &'a str,
    /// Where the input stops being UTF-8, if it does.
    invalid_at: Option<usize>,
    position: usize,
    depth: u32,
}

/// The state of an object being read: see [`Reader::object`].
#[derive(Debug)]
pub struct Object {
    first: bool,
}

/// The state of an array being read: see [`Reader::array`].
#[derive(Debug)]
pub struct Array {
    first: bool,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        let (text, invalid_at) = match std::str::from_utf8(input) {
            Ok(text) => (text, None),
            Err(error) => {
                let valid = error.valid_up_to();
                // The prefix before the first invalid byte is UTF-8 by definition.
                let text = std::str::from_utf8(&input[..valid]).unwrap_or_default();
                (text, Some(valid))
            }
        };
        Self {
            text,
            invalid_at,
            position: 0,
            depth: 0,
        }
    }

    /// The type of the next value, without reading it.
    ///
    /// # Errors
    /// A syntax error at the end of the input or where no value can start.
    pub fn peek(&mut self) -> Result<Kind, DecodeError> {
        self.skip_whitespace();
        match self.byte() {
            Some(b'n') => Ok(Kind::Null),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(b'"') => Ok(Kind::String),
            Some(b'[') => Ok(Kind::Array),
            Some(b'{') => Ok(Kind::Object),
            Some(_) => Err(self.syntax("expected a value")),
            None => Err(self.syntax("unexpected end of the text")),
        }
    }

    /// Reads `null` if it comes next and says whether it did; any other value is left
    /// unread.
    ///
    /// # Errors
    /// As [`Reader::peek`], or a misspelt `null`.
    pub fn null(&mut self) -> Result<bool, DecodeError> {
        self.skip_whitespace();
        match self.byte() {
            Some(b'n') => {
                self.literal(b"null")?;
                Ok(true)
            }
            Some(b'"' | b'{' | b'[' | b't' | b'f' | b'-' | b'0'..=b'9') => Ok(false),
            // Whatever else is here is not a value: `peek` says why.
            _ => self.peek().map(|_| false),
        }
    }

    /// Reads a boolean.
    ///
    /// # Errors
    /// When the next value is not a boolean, or not JSON.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        self.skip_whitespace();
        match self.byte() {
            Some(b't') => {
                self.literal(b"true")?;
                Ok(true)
            }
            Some(b'f') => {
                self.literal(b"false")?;
                Ok(false)
            }
            _ => Err(self.mismatch("a boolean")),
        }
    }

    /// Reads a whole number. A number written with a zero fraction or an exponent (`5.0`,
    /// `1e3`) counts when its value is whole and fits, since JSON does not tell integers
    /// and decimals apart.
    ///
    /// # Errors
    /// When the next value is not a number, not whole, out of range, or not JSON.
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        self.expect_number("an integer")?;
        let (text, plain) = self.number()?;
        if plain && let Ok(whole) = text.parse::<i64>() {
            return Ok(whole);
        }
        text.parse::<f64>()
            .ok()
            .and_then(super::whole)
            .ok_or_else(|| DecodeError::unexpected_kind("an integer", Kind::Number))
    }

    /// Reads a number.
    ///
    /// # Errors
    /// When the next value is not a number, or not JSON.
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        self.expect_number("a number")?;
        let (text, _) = self.number()?;
        text.parse::<f64>()
            .map_err(|_| DecodeError::unexpected_kind("a number", Kind::Number))
    }

    /// Reads a string, borrowed from the input unless it has escapes.
    ///
    /// # Errors
    /// When the next value is not a string, or the string is not valid JSON or UTF-8.
    #[inline]
    pub fn str(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        self.expect_byte(b'"', "a string")?;
        self.string()
    }

    /// Starts reading an object; read its members with [`Object::next_key`].
    ///
    /// # Errors
    /// When the next value is not an object, or nests too deep.
    pub fn object(&mut self) -> Result<Object, DecodeError> {
        self.expect_byte(b'{', "an object")?;
        self.enter()?;
        Ok(Object { first: true })
    }

    /// Starts reading an array; read its elements with [`Array::next`].
    ///
    /// # Errors
    /// When the next value is not an array, or nests too deep.
    pub fn array(&mut self) -> Result<Array, DecodeError> {
        self.expect_byte(b'[', "an array")?;
        self.enter()?;
        Ok(Array { first: true })
    }

    /// Reads the next value, whatever it is, checking that it is JSON.
    ///
    /// # Errors
    /// When the value is not JSON.
    pub fn skip(&mut self) -> Result<(), DecodeError> {
        match self.peek()? {
            Kind::Null => self.literal(b"null"),
            Kind::Bool => self.bool().map(drop),
            Kind::Number => self.number().map(drop),
            Kind::String => self.string().map(drop),
            Kind::Array => {
                let mut array = self.array()?;
                while array.next(self)? {
                    self.skip()?;
                }
                Ok(())
            }
            Kind::Object => {
                let mut object = self.object()?;
                while object.next_key(self)?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
        }
    }

    /// Reads the next value and returns its text, for handing to another parser.
    ///
    /// # Errors
    /// As [`Reader::skip`].
    pub fn raw(&mut self) -> Result<&'a [u8], DecodeError> {
        self.peek()?;
        let start = self.position;
        self.skip()?;
        Ok(&self.text.as_bytes()[start..self.position])
    }

    /// Checks that only whitespace follows.
    ///
    /// # Errors
    /// A syntax error at the first byte of anything else.
    pub fn end(&mut self) -> Result<(), DecodeError> {
        self.skip_whitespace();
        match self.byte() {
            None if self.invalid_at.is_none() => Ok(()),
            _ => Err(self.syntax("trailing characters after the value")),
        }
    }

    /// A syntax error at the current position, with its line and column counted from 1.
    #[cold]
    pub(crate) fn syntax(&self, problem: &'static str) -> DecodeError {
        let problem = match self.invalid_at {
            Some(invalid) if self.position >= invalid => "text that is not UTF-8",
            _ => problem,
        };
        let bytes = self.text.as_bytes();
        let before = &bytes[..self.position.min(bytes.len())];
        let line = before.iter().filter(|byte| **byte == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|byte| *byte == b'\n')
            .map_or(0, |newline| newline + 1);
        DecodeError::new(DecodeErrorKind::Syntax {
            problem,
            line,
            column: self.position - line_start + 1,
        })
    }

    #[inline]
    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.byte() {
            self.position += 1;
        }
    }

    /// Fails unless the next value starts with `first`, the one byte that starts every
    /// value of the type asked for.
    #[inline]
    fn expect_byte(&mut self, first: u8, expected: &'static str) -> Result<(), DecodeError> {
        if self.byte() == Some(first) {
            return Ok(());
        }
        self.skip_whitespace();
        if self.byte() == Some(first) {
            Ok(())
        } else {
            Err(self.mismatch(expected))
        }
    }

    /// Fails unless a number comes next.
    fn expect_number(&mut self, expected: &'static str) -> Result<(), DecodeError> {
        self.skip_whitespace();
        match self.byte() {
            Some(b'-' | b'0'..=b'9') => Ok(()),
            _ => Err(self.mismatch(expected)),
        }
    }

    /// The error for a next value that is not of the type asked for, or no value at all.
    #[cold]
    #[inline(never)]
    fn mismatch(&mut self, expected: &'static str) -> DecodeError {
        match self.peek() {
            Ok(found) => DecodeError::unexpected_kind(expected, found),
            Err(error) => error,
        }
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.syntax("nested too deep"));
        }
        self.depth += 1;
        self.position += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.position += 1;
    }

    fn literal(&mut self, word: &'static [u8]) -> Result<(), DecodeError> {
        if self.text.as_bytes()[self.position..].starts_with(word) {
            self.position += word.len();
            Ok(())
        } else {
            Err(self.syntax("expected `null`, `true` or `false`"))
        }
    }

    /// Reads a number's text and says whether it is plain digits (no fraction, no
    /// exponent).
    fn number(&mut self) -> Result<(&'a str, bool), DecodeError> {
        let start = self.position;
        if self.byte() == Some(b'-') {
            self.position += 1;
        }
        match self.byte() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.syntax("invalid number")),
        }
        let mut plain = true;
        if self.byte() == Some(b'.') {
            self.position += 1;
            self.required_digits()?;
            plain = false;
        }
        if let Some(b'e' | b'E') = self.byte() {
            self.position += 1;
            if let Some(b'+' | b'-') = self.byte() {
                self.position += 1;
            }
            self.required_digits()?;
            plain = false;
        }
        let text = self
            .text
            .get(start..self.position)
            .ok_or_else(|| self.syntax("invalid number"))?;
        Ok((text, plain))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.byte() {
            self.position += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), DecodeError> {
        if !matches!(self.byte(), Some(b'0'..=b'9')) {
            return Err(self.syntax("invalid number"));
        }
        self.digits();
        Ok(())
    }

    /// Reads a string whose opening quote is next.
    ///
    /// Inlined, as most strings are short and plain: the call would cost about as much as
    /// reading them. Anything else is left to [`Reader::string_end`].
    #[inline]
    fn string(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        self.position += 1;
        let start = self.position;
        let end = self.plain_run();
        if self.byte() == Some(b'"') {
            // Both ends are next to ASCII bytes, so on character boundaries.
            if let Some(text) = self.text.get(start..end) {
                self.position += 1;
                return Ok(Cow::Borrowed(text));
            }
        }
        self.string_end(start, end)
    }

    /// Finishes a string from its first byte at `start`, where its plain run stopped at
    /// `end` at something other than a closing quote.
    #[inline(never)]
    fn string_end(&mut self, start: usize, end: usize) -> Result<Cow<'a, str>, DecodeError> {
        match self.byte() {
            Some(b'"') => {
                self.position += 1;
                let text = self
                    .text
                    .get(start..end)
                    .ok_or_else(|| self.syntax("a string that is not UTF-8"))?;
                Ok(Cow::Borrowed(text))
            }
            Some(b'\\') => self.escaped_string(start),
            Some(_) => Err(self.syntax("a control character in a string")),
            None => Err(self.syntax("unexpected end of the text in a string")),
        }
    }

    /// Moves past bytes that need no attention inside a string and returns the position.
    ///
    /// Eight bytes are tested at a time while eight remain; the last few one by one.
    #[inline]
    fn plain_run(&mut self) -> usize {
        let bytes = self.text.as_bytes();
        let mut position = self.position;
        while let Some(chunk) = bytes.get(position..position + 8) {
            let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            let stops = string_stops(u64::from_le_bytes(chunk));
            if stops != 0 {
                // Bytes are numbered from the low end: the lowest flag is the first stop.
                position += (stops.trailing_zeros() / 8) as usize;
                self.position = position;
                return position;
            }
            position += 8;
        }
        while let Some(&byte) = bytes.get(position) {
            if STRING_STOP[usize::from(byte)] {
                break;
            }
            position += 1;
        }
        self.position = position;
        position
    }

    /// Reads the member name whose opening quote is next, and the colon after it, if it is
    /// one of `names` written without escapes and with no space before the colon, trying
    /// the one at `guess` first; otherwise reads nothing.
    ///
    /// The text is compared with each name in place, a word at a time, so a name is never
    /// read into a string first.
    #[inline]
    fn listed_name(&mut self, names: &[Name], guess: usize) -> Probe {
        let from = self.position + 1;
        let bytes = self.text.as_bytes();
        let Some(Ok(word)) = bytes.get(from..from + 8).map(<[u8; 8]>::try_from) else {
            return Probe::Untried;
        };
        let word = u64::from_le_bytes(word);
        let (before, after) = names.split_at_checked(guess).unwrap_or((names, &[]));
        // Plain loops: iterator adapters here are not reliably inlined, and this runs for
        // every member of every model.
        for (offset, name) in after.iter().enumerate() {
            if name.is_at(word, bytes, from) {
                self.position = from + name.matched();
                return Probe::Listed(guess + offset);
            }
        }
        for (index, name) in before.iter().enumerate() {
            if name.is_at(word, bytes, from) {
                self.position = from + name.matched();
                return Probe::Listed(index);
            }
        }
        Probe::Unlisted
    }

    /// The rest of [`Object::next_name`] for a name not found in place: it is read as a
    /// string, and looked up by its text when it may still be one of `names`, then the
    /// colon is read. Out of line, so that the registers it needs are not saved for every
    /// name.
    #[inline(never)]
    fn unlisted_name(&mut self, names: &[Name], probe: Probe) -> Result<Key, DecodeError> {
        let quote = self.position;
        let text = self.string()?;
        // A name without escapes and with its colon right after it was compared in place
        // already, unless the text ended too soon to try.
        let index = if matches!(text, Cow::Owned(_))
            || probe == Probe::Untried
            || self.byte() != Some(b':')
        {
            names
                .iter()
                .position(|name| same(name.text().as_bytes(), text.as_bytes()))
        } else {
            None
        };
        self.colon()?;
        Ok(match index {
            Some(index) => Key::Known(index),
            None => Key::Other(OtherName { quote }),
        })
    }

    /// The text of a member name that [`Object::next_name`] found to be none of the
    /// model's, read again from where it is.
    ///
    /// # Errors
    /// None in practice: the name was read once already.
    pub(crate) fn other_name(&self, name: OtherName) -> Result<Cow<'a, str>, DecodeError> {
        let mut again = self.clone();
        again.position = name.quote;
        again.string()
    }

    /// Reads the `:` after a member name.
    #[inline]
    fn colon(&mut self) -> Result<(), DecodeError> {
        if self.byte() == Some(b':') {
            self.position += 1;
            return Ok(());
        }
        self.skip_whitespace();
        if self.byte() != Some(b':') {
            return Err(self.syntax("expected `:` after a member name"));
        }
        self.position += 1;
        Ok(())
    }

    /// Finishes a string that has escapes, from its first byte at `start`; the reader is
    /// at the first backslash.
    fn escaped_string(&mut self, start: usize) -> Result<Cow<'a, str>, DecodeError> {
        let mut text = String::from(self.slice(start)?);
        loop {
            match self.byte() {
                Some(b'"') => {
                    self.position += 1;
                    return Ok(Cow::Owned(text));
                }
                Some(b'\\') => {
                    self.position += 1;
                    self.escape(&mut text)?;
                }
                Some(_) => return Err(self.syntax("a control character in a string")),
                None => return Err(self.syntax("unexpected end of the text in a string")),
            }
            let run_start = self.position;
            self.plain_run();
            text.push_str(self.slice(run_start)?);
        }
    }

    /// The text from `start` to the current position, which must both be next to ASCII
    /// bytes.
    fn slice(&self, start: usize) -> Result<&'a str, DecodeError> {
        self.text
            .get(start..self.position)
            .ok_or_else(|| self.syntax("a string that is not UTF-8"))
    }

    /// Appends the character of the escape after a backslash.
    fn escape(&mut self, text: &mut String) -> Result<(), DecodeError> {
        let simple = match self.byte() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.position += 1;
                let character = self.unicode_escape()?;
                text.push(character);
                return Ok(());
            }
            Some(_) => return Err(self.syntax("an invalid escape in a string")),
            None => return Err(self.syntax("unexpected end of the text in a string")),
        };
        self.position += 1;
        text.push(simple);
        Ok(())
    }

    /// The character of a `\u` escape whose hex digits are next, joining a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char, DecodeError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.text.as_bytes()[self.position..].starts_with(b"\\u") {
                    return Err(self.syntax("a lone surrogate in a string"));
                }
                self.position += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.syntax("a lone surrogate in a string"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.syntax("a lone surrogate in a string")),
            other => other,
        };
        char::from_u32(code).ok_or_else(|| self.syntax("an invalid escape in a string"))
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let digits = self
            .text
            .get(self.position..self.position + 4)
            .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .and_then(|digits| u32::from_str_radix(digits, 16).ok())
            .ok_or_else(|| self.syntax("an invalid escape in a string"))?;
        self.position += 4;
        Ok(digits)
    }
}

impl Object {
    /// The name of the next member, leaving the reader at its value, which the caller must
    /// read or [skip](Reader::skip); `None` after the last member.
    ///
    /// # Errors
    /// When the object is not JSON.
    #[inline]
    pub fn next_key<'a>(
        &mut self,
        reader: &mut Reader<'a>,
    ) -> Result<Option<Cow<'a, str>>, DecodeError> {
        if !self.next_member(reader)? {
            return Ok(None);
        }
        let key = reader.string()?;
        reader.colon()?;
        Ok(Some(key))
    }

    /// The next member's name as its index in `names`, the one at `guess` tried first, or
    /// as text when it is none of them; otherwise as [`Object::next_key`].
    ///
    /// A name without escapes is compared with the names in place, and read into a string
    /// only when it is none of them.
    #[inline]
    pub(crate) fn next_name<'a>(
        &mut self,
        reader: &mut Reader<'a>,
        names: &[Name],
        guess: usize,
    ) -> Result<Option<Key>, DecodeError> {
        if !self.next_member(reader)? {
            return Ok(None);
        }
        Ok(Some(match reader.listed_name(names, guess) {
            Probe::Listed(index) => Key::Known(index),
            probe => reader.unlisted_name(names, probe)?,
        }))
    }

    /// Whether another member follows, leaving the reader at the opening quote of its name.
    #[inline]
    fn next_member(&mut self, reader: &mut Reader<'_>) -> Result<bool, DecodeError> {
        // Compact text, as the API sends: the comma and the name's quote right after the
        // value before.
        if !self.first
            && let Some([b',', b'"']) = reader
                .text
                .as_bytes()
                .get(reader.position..reader.position + 2)
        {
            reader.position += 1;
            return Ok(true);
        }
        reader.skip_whitespace();
        match reader.byte() {
            Some(b'}') => {
                reader.leave();
                return Ok(false);
            }
            Some(b',') if !self.first => {
                reader.position += 1;
                reader.skip_whitespace();
            }
            _ if self.first => {}
            None => return Err(reader.syntax("unexpected end of the text in an object")),
            Some(_) => return Err(reader.syntax("expected `,` or `}` in an object")),
        }
        self.first = false;
        if reader.byte() != Some(b'"') {
            return Err(reader.syntax("expected a member name"));
        }
        Ok(true)
    }
}

/// Where a member name that a model does not declare is in the text: see
/// [`Reader::other_name`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct OtherName {
    /// The position of its opening quote.
    quote: usize,
}

/// What [`Reader::listed_name`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// The name at this index, which has been read with its colon.
    Listed(usize),
    /// Nothing read: the text does not hold any of the names without escapes.
    Unlisted,
    /// Nothing read: fewer than eight bytes follow the opening quote.
    Untried,
}

impl Array {
    /// Whether another element follows, leaving the reader at it; the caller must read or
    /// [skip](Reader::skip) it.
    ///
    /// # Errors
    /// When the array is not JSON.
    #[allow(
        clippy::should_implement_trait,
        reason = "not an iterator: the caller reads each element from the reader"
    )]
    pub fn next(&mut self, reader: &mut Reader<'_>) -> Result<bool, DecodeError> {
        reader.skip_whitespace();
        match reader.byte() {
            Some(b']') => {
                reader.leave();
                return Ok(false);
            }
            Some(b',') if !self.first => reader.position += 1,
            _ if self.first => {}
            None => return Err(reader.syntax("unexpected end of the text in an array")),
            Some(_) => return Err(reader.syntax("expected `,` or `]` in an array")),
        }
        self.first = false;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax_error(text: &str) -> (&'static str, usize, usize) {
        let mut reader = Reader::new(text.as_bytes());
        let error = reader
            .skip()
            .and_then(|()| reader.end())
            .expect_err("not JSON");
        match error.kind() {
            DecodeErrorKind::Syntax {
                problem,
                line,
                column,
            } => (problem, *line, *column),
            other => panic!("{text}: expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        let texts = [
            r#"{"a": [1, -2.5e3, 0, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"], "b": {}}"#,
            "[]",
            " \n\t\r 0 ",
            "-0.0e+0",
            r#""""#,
            "[[[[[]]]]]",
        ];
        for text in texts {
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_ok(),
                "{text}"
            );
            let mut reader = Reader::new(text.as_bytes());
            let raw = reader.raw().expect(text);
            reader.end().expect(text);
            assert_eq!(raw, text.trim().as_bytes());
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses_with_the_place() {
        let cases = [
            ("{\"a\": 1,}", 1, 9),
            ("[1,]", 1, 4),
            ("[1 2]", 1, 4),
            ("{\"a\" 1}", 1, 6),
            ("{\n  \"a\": tru}", 2, 8),
            ("01", 1, 2),
            ("1.", 1, 3),
            ("-", 1, 2),
            ("1e", 1, 3),
            ("\"\\x\"", 1, 3),
            ("\"\\ud800\"", 1, 8),
            ("\"\\udc00\"", 1, 8),
            ("\"a\u{1}\"", 1, 3),
            ("\"open", 1, 6),
            ("[", 1, 2),
            ("{\"a\":1} x", 1, 9),
            ("", 1, 1),
            ("+1", 1, 1),
        ];
        for (text, line, column) in cases {
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text}"
            );
            let (_, found_line, found_column) = syntax_error(text);
            assert_eq!((found_line, found_column), (line, column), "{text}");
        }
    }

    /// Every pair of bytes at every two places of a word, among a filler that stops
    /// nothing: the lowest flag is the first byte the table stops at.
    #[test]
    fn string_stops_flag_first_the_first_stop() {
        for byte in 0..=0xff_u8 {
            for other in 0..=0xff_u8 {
                for (at, other_at) in [(0, 1), (1, 0), (3, 7), (7, 3), (2, 5), (6, 4)] {
                    let mut word = *b"abcdefgh";
                    word[at] = byte;
                    word[other_at] = other;
                    let first = word.iter().position(|&b| STRING_STOP[usize::from(b)]);
                    let stops = string_stops(u64::from_le_bytes(word));
                    let found = (stops != 0).then(|| (stops.trailing_zeros() / 8) as usize);
                    assert_eq!(found, first, "{word:?}");
                }
            }
        }
    }

    /// Every byte at every place of a word, among plain ASCII and multi-byte UTF-8 text:
    /// the run stops exactly where the byte table says.
    #[test]
    fn plain_runs_stop_where_the_table_says() {
        for filler in [
            "abcdefghijklmnopqrst",
            "ééééééééééé",
            "a\u{7f}é€\u{10ffff}xyz0123",
        ] {
            for place in 0..16 {
                for byte in 0..=0x7f_u8 {
                    let mut text = String::from("\"");
                    let mut body: Vec<char> = filler.chars().collect();
                    let at = place.min(body.len());
                    body.insert(at, char::from(byte));
                    text.extend(body);
                    text.push('"');
                    let mut reader = Reader::new(text.as_bytes());
                    reader.position = 1;
                    let expected = 1 + text.as_bytes()[1..]
                        .iter()
                        .position(|&b| STRING_STOP[usize::from(b)])
                        .unwrap_or(text.len() - 1);
                    assert_eq!(reader.plain_run(), expected, "{text:?}");
                }
            }
        }
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let mut reader = Reader::new(br#"["plain", "tab\there", "\u00e9t\u00e9"]"#);
        let mut array = reader.array().unwrap();
        let mut strings = Vec::new();
        while array.next(&mut reader).unwrap() {
            strings.push(reader.str().unwrap());
        }
        assert!(matches!(strings[0], Cow::Borrowed("plain")));
        assert_eq!(strings[1], "tab\there");
        assert_eq!(strings[2], "été");
        assert!(matches!(strings[2], Cow::Owned(_)));
    }

    #[test]
    fn invalid_utf8_is_refused_wherever_it_is() {
        for text in [&b"\"\xff\""[..], b"[\"a\", \"b\xc3\"]", b"{\"a\": 1}\xff"] {
            let mut reader = Reader::new(text);
            let error = reader.skip().and_then(|()| reader.end()).unwrap_err();
            assert!(
                matches!(
                    error.kind(),
                    DecodeErrorKind::Syntax {
                        problem: "text that is not UTF-8",
                        ..
                    }
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn numbers_read_as_json_means_them() {
        let read = |text: &str| Reader::new(text.as_bytes()).i64();
        assert_eq!(read("42").unwrap(), 42);
        assert_eq!(read("-9223372036854775808").unwrap(), i64::MIN);
        assert_eq!(read("5.0").unwrap(), 5);
        assert_eq!(read("1e3").unwrap(), 1000);
        assert!(read("5.5").is_err());
        assert!(read("9223372036854775808").is_err());
        assert!(read("\"5\"").is_err());
        assert_eq!(Reader::new(b"0.1").f64().unwrap(), 0.1);
        assert_eq!(Reader::new(b"-1.5E2").f64().unwrap(), -150.0);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(129) + &"]".repeat(129);
        let (problem, _, _) = syntax_error(&deep);
        assert_eq!(problem, "nested too deep");
        let fine = "[".repeat(128) + &"]".repeat(128);
        Reader::new(fine.as_bytes()).skip().unwrap();
    }

    /// Random texts built from JSON's pieces and a few stray bytes: the reader accepts
    /// exactly what serde_json accepts, and never panics.
    #[test]
    fn agrees_with_serde_json_on_random_texts() {
        const PIECES: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b":",
            b" ",
            b"\n",
            b"\"",
            b"\"a\"",
            b"\"k\":",
            b"\\",
            b"\\n",
            b"\\u00e9",
            b"\\ud83d\\ude00",
            b"\\ud800",
            b"\\x",
            b"0",
            b"12",
            b"-",
            b"-3",
            b".5",
            b"1.25",
            b"e7",
            b"E-2",
            b"+",
            b"null",
            b"true",
            b"false",
            b"nul",
            b"\xc3\xa9",
            b"\xff",
            b"\x01",
            b"\t",
        ];
        let mut next = crate::json::test_numbers(0x2545_f491_4f6c_dd1d);
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..1 + next(12) {
                text.extend_from_slice(PIECES[next(PIECES.len())]);
            }
            let mut reader = Reader::new(&text);
            let ours = reader.skip().and_then(|()| reader.end()).is_ok();
            let theirs = serde_json::from_slice::<serde_json::Value>(&text).is_ok();
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&text));
            accepted += usize::from(ours);
        }
        // The texts must exercise both outcomes for the comparison to mean anything.
        assert!(accepted > 500, "only {accepted} texts were JSON");
    }

    #[test]
    fn a_type_mismatch_leaves_the_value_unread() {
        let mut reader = Reader::new(b" \"text\"");
        let error = reader.i64().unwrap_err();
        assert_eq!(error.to_string(), "expected an integer, found a string");
        assert_eq!(reader.str().unwrap(), "text");
    }

    /// Each typed read accepts the values of its type and refuses any other value with an
    /// error naming what it found, leaving it unread; where no value starts, it gives the
    /// syntax error that [`Reader::peek`] gives.
    #[test]
    fn typed_reads_refuse_other_types_as_peek_classifies_them() {
        type Read = fn(&mut Reader<'_>) -> Result<(), DecodeError>;
        let reads: [(&str, Option<Kind>, Read); 7] = [
            ("a boolean", Some(Kind::Bool), |r| r.bool().map(drop)),
            ("an integer", Some(Kind::Number), |r| r.i64().map(drop)),
            ("a number", Some(Kind::Number), |r| r.f64().map(drop)),
            ("a string", Some(Kind::String), |r| r.str().map(drop)),
            ("an object", Some(Kind::Object), |r| r.object().map(drop)),
            ("an array", Some(Kind::Array), |r| r.array().map(drop)),
            ("", None, |r| r.null().map(drop)),
        ];
        let texts = [
            "null", " true", "false", "-1", "7", "\"s\"", "[]", "{}", "nul", "tru", "x", "", " ",
            "+1", "]", "\u{e9}",
        ];
        for text in texts {
            let peeked = Reader::new(text.as_bytes()).peek();
            for (expected, kind, read) in reads {
                let mut reader = Reader::new(text.as_bytes());
                let result = read(&mut reader);
                match (&peeked, kind) {
                    (Err(error), _) => assert_eq!(result.as_ref(), Err(error), "{text}"),
                    (Ok(found), Some(kind)) if *found != kind => {
                        assert_eq!(
                            result,
                            Err(DecodeError::unexpected_kind(expected, *found)),
                            "{text}"
                        );
                        assert_eq!(reader.peek().as_ref(), Ok(found), "{text}: left unread");
                    }
                    (Ok(found), None) if *found != Kind::Null => {
                        assert_eq!(result, Ok(()), "{text}");
                        assert_eq!(reader.peek().as_ref(), Ok(found), "{text}: left unread");
                    }
                    (Ok(_), _) => {
                        // Of the right type: read, unless misspelt.
                        if let Err(error) = result {
                            assert!(
                                matches!(error.kind(), DecodeErrorKind::Syntax { .. }),
                                "{text}: {error}"
                            );
                        }
                    }
                }
            }
        }
    }
}
