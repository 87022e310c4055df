//! Conversion of models to and from JSON.
//!
//! Every model implements [`Json`] with plain, non-generic code: decoding pulls members from
//! a [`Reader`] over the JSON text, with no intermediate [`serde_json::Value`], and encoding
//! builds a `Value`. The `serde` traits of the models delegate to it, so the large generated
//! crate carries no per-type serde visitor code (which is what made it slow to build).

mod names;
mod reader;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use compact_str::CompactString;
use serde_json::{Map, Number, Value};

#[allow(
    unused_imports,
    reason = "used by the generated modules, which features may leave out"
)]
pub(crate) use self::names::{Name, names};
use self::reader::OtherName;
pub use self::reader::{Array, Kind, Object, Reader};

/// A value that converts to and from JSON, as every model and request body does.
///
/// Decoding is forgiving where the API may grow: unknown object members are ignored, unknown
/// enumeration values are kept in the enumeration's `Unknown` variant, and an optional member
/// that is `null` reads as absent. It is strict where data would be lost: a required member
/// that is missing, or a value of the wrong JSON type, is an error naming where it occurred.
pub trait Json: Sized {
    /// Decodes the next value of `reader`.
    ///
    /// # Errors
    /// Fails when the value is not JSON or does not have the shape of `Self`; the error
    /// carries the path to the offending member.
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Encodes the value. Absent optional members are omitted, never written as `null`.
    fn to_json(&self) -> Value;

    /// Decodes a value from a [`Value`], consuming it: for values already parsed. Decoding
    /// from text with [`from_slice`] is faster, as it builds no `Value`.
    ///
    /// # Errors
    /// As [`Json::decode`].
    fn from_json(value: Value) -> Result<Self, DecodeError> {
        from_slice(value.to_string().as_bytes())
    }
}

/// Why a JSON value could not be decoded into a model.
///
/// Boxed, so that the `Result`s of decoding stay small: they are moved at every member of
/// every model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(Box<ErrorInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorInner {
    /// Path segments from the offending value up to the root: pushed while the error
    /// travels outwards, so each level adds one segment without copying the rest.
    reversed_path: Vec<PathSegment>,
    kind: DecodeErrorKind,
}

/// One step of the path to a value inside a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathSegment {
    Member(String),
    Index(usize),
}

/// What was wrong with the value at [`DecodeError::path`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A required object member is absent.
    MissingMember {
        /// The member's name.
        name: String,
    },
    /// The value has another JSON type than the model expects.
    UnexpectedType {
        /// What the model expects, such as `a string`.
        expected: &'static str,
        /// What was found, such as `a number`.
        found: &'static str,
    },
    /// The text is not JSON.
    Syntax {
        /// What is wrong, such as `expected a value`.
        problem: &'static str,
        /// The line of the first offending byte, from 1.
        line: usize,
        /// The column, in bytes, of the first offending byte, from 1.
        column: usize,
    },
}

impl DecodeError {
    /// An error for a value of the wrong type.
    #[cold]
    pub(crate) fn unexpected_kind(expected: &'static str, found: Kind) -> Self {
        Self::new(DecodeErrorKind::UnexpectedType {
            expected,
            found: found.describe(),
        })
    }

    fn new(kind: DecodeErrorKind) -> Self {
        Self(Box::new(ErrorInner {
            reversed_path: Vec::new(),
            kind,
        }))
    }

    /// Records that the error occurred inside member `name`.
    #[cold]
    #[must_use]
    pub(crate) fn in_member(mut self, name: &str) -> Self {
        self.0
            .reversed_path
            .push(PathSegment::Member(name.to_owned()));
        self
    }

    /// Records that the error occurred inside array element `index`.
    #[cold]
    #[must_use]
    fn in_element(mut self, index: usize) -> Self {
        self.0.reversed_path.push(PathSegment::Index(index));
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0.kind
    }

    /// Where it was wrong, as a path from the decoded value: `projects[2].id`; empty for the
    /// value itself.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for segment in self.0.reversed_path.iter().rev() {
            match segment {
                PathSegment::Member(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
                PathSegment::Index(index) => {
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                }
            }
        }
        path
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            DecodeErrorKind::MissingMember { name } => write!(f, "missing member `{name}`")?,
            DecodeErrorKind::UnexpectedType { expected, found } => {
                write!(f, "expected {expected}, found {found}")?;
            }
            DecodeErrorKind::Syntax {
                problem,
                line,
                column,
            } => write!(f, "invalid JSON, {problem}, at line {line} column {column}")?,
        }
        if !self.0.reversed_path.is_empty() {
            write!(f, " at `{}`", self.path())?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// Any JSON, parsed by `serde_json` from the value's text.
impl Json for Value {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let text = reader.raw()?;
        serde_json::from_slice(text).map_err(|_| reader.syntax("a value serde_json refuses"))
    }

    fn to_json(&self) -> Value {
        self.clone()
    }

    fn from_json(value: Value) -> Result<Self, DecodeError> {
        Ok(value)
    }
}

impl Json for Map<String, Value> {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let found = reader.peek()?;
        if found != Kind::Object {
            return Err(DecodeError::unexpected_kind("an object", found));
        }
        match Value::decode(reader)? {
            Value::Object(members) => Ok(members),
            _ => Err(DecodeError::unexpected_kind("an object", found)),
        }
    }

    fn to_json(&self) -> Value {
        Value::Object(self.clone())
    }

    fn from_json(value: Value) -> Result<Self, DecodeError> {
        match value {
            Value::Object(members) => Ok(members),
            other => Err(DecodeError::unexpected_kind("an object", kind_of(&other))),
        }
    }
}

/// The [`Kind`] of a parsed value.
fn kind_of(value: &Value) -> Kind {
    match value {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Array,
        Value::Object(_) => Kind::Object,
    }
}

impl Json for String {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.str().map(Cow::into_owned)
    }

    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

/// The string of the models: up to 24 bytes are kept inline, longer strings and strings
/// that had escapes take their buffer over from the text read.
impl Json for CompactString {
    // Inlined into the one instance of each `Fields` helper for strings, the commonest
    // member type: the call would cost as much as reading a short string.
    #[inline]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // Not `From<Cow<str>>`, which is not inlined: a plain string is copied here.
        match reader.str()? {
            Cow::Borrowed(text) => Ok(CompactString::new(text)),
            Cow::Owned(text) => Ok(CompactString::from(text)),
        }
    }

    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

impl Json for bool {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.bool()
    }

    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Json for i64 {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.i64()
    }

    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl Json for f64 {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.f64()
    }

    fn to_json(&self) -> Value {
        number_value(*self)
    }
}

/// The number as an `i64` when it is a whole number in range; a whole number written with a
/// fraction (`5.0`) counts, since JSON does not tell integers and decimals apart.
pub(crate) fn integer(number: &Number) -> Option<i64> {
    number.as_i64().or_else(|| number.as_f64().and_then(whole))
}

/// `float` as an `i64` when it is whole and in range.
pub(crate) fn whole(float: f64) -> Option<i64> {
    // The bounds are exactly representable; anything inside them converts without loss.
    let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&float);
    if float.fract() == 0.0 && in_range {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "whole and in range, checked above"
        )]
        return Some(float as i64);
    }
    None
}

/// Largest magnitude below which every whole `f64` is exactly an integer: 2^53.
const EXACT_WHOLE_LIMIT: f64 = 9_007_199_254_740_992.0;

/// JSON for a decimal: whole numbers are written without a fraction (`512`, not `512.0`), as
/// the API writes them; non-finite numbers, which JSON cannot hold, become `null`.
pub(crate) fn number_value(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < EXACT_WHOLE_LIMIT {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "whole and below 2^53, checked above"
        )]
        return Value::from(number as i64);
    }
    Number::from_f64(number).map_or(Value::Null, Value::Number)
}

// The container impls are plain loops: iterator adapters would be instantiated again for
// every element type, which is most of the generated models.
impl<T: Json> Json for Vec<T> {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut array = reader.array()?;
        let mut decoded = Vec::new();
        while array.next(reader)? {
            match T::decode(reader) {
                Ok(item) => decoded.push(item),
                Err(error) => return Err(error.in_element(decoded.len())),
            }
        }
        Ok(decoded)
    }

    fn to_json(&self) -> Value {
        let mut items = Vec::with_capacity(self.len());
        for item in self {
            items.push(item.to_json());
        }
        Value::Array(items)
    }
}

/// `null` is `None`; anything else is decoded as `T`.
impl<T: Json> Json for Option<T> {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        if reader.null()? {
            Ok(None)
        } else {
            T::decode(reader).map(Some)
        }
    }

    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_json)
    }
}

/// Objects whose members all have one type, keyed by `String` or by [`CompactString`] (as the
/// models are).
impl<K, T> Json for BTreeMap<K, T>
where
    K: Ord + AsRef<str> + for<'a> From<Cow<'a, str>>,
    T: Json,
{
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut object = reader.object()?;
        let mut decoded = BTreeMap::new();
        while let Some(key) = object.next_key(reader)? {
            match T::decode(reader) {
                Ok(item) => {
                    decoded.insert(K::from(key), item);
                }
                Err(error) => return Err(error.in_member(&key)),
            }
        }
        Ok(decoded)
    }

    fn to_json(&self) -> Value {
        let mut members = Map::new();
        for (key, item) in self {
            members.insert(key.as_ref().to_owned(), item.to_json());
        }
        Value::Object(members)
    }
}

/// The unit type stands for "no data": the response of an operation that returns nothing.
/// Whatever JSON arrives is accepted and dropped.
impl Json for () {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        reader.skip()
    }

    fn to_json(&self) -> Value {
        Value::Null
    }

    fn from_json(_value: Value) -> Result<Self, DecodeError> {
        Ok(())
    }
}

/// Decodes a model from JSON text, which must hold one value and nothing else but
/// whitespace.
///
/// # Errors
/// Fails when `text` is not JSON ([`DecodeErrorKind::Syntax`]) or does not have the shape of
/// `T`.
pub fn from_slice<T: Json>(text: &[u8]) -> Result<T, DecodeError> {
    let mut reader = Reader::new(text);
    let value = T::decode(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// Encodes a model as compact JSON text.
pub fn to_vec<T: Json>(value: &T) -> Vec<u8> {
    value.to_json().to_string().into_bytes()
}

// Helpers of the generated code. The generic ones are kept small, as they are instantiated
// once per member type, and there are about as many member types as models.

/// The members of an object being decoded into a model, and the first error met.
///
/// Decoding a model reads every member into a local and checks for an error once at the end,
/// rather than returning at each member: an early return must drop every member read so far,
/// and the drop code of all those returns grows with the square of the number of members.
/// After an error, [`Fields::next`] ends the loop.
///
/// Members are known by their index in the model's table of names, so the generated code
/// matches on small integers rather than comparing strings in every model, which keeps the
/// large generated crate quick to build.
#[derive(Debug)]
pub(crate) struct Fields {
    object: Object,
    names: &'static [Name],
    /// One bit per name that has been read, in two words: shifting a `u128` by a variable
    /// amount takes several instructions, and this is done for every member read.
    seen: [u64; 2],
    /// Where the next name is looked for first: after the one found last.
    expected: usize,
    error: Option<DecodeError>,
}

/// A member name, as [`Fields::next`] gives it.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "other names are read only by models that keep undeclared members"
)]
pub(crate) enum Key {
    /// The name at this index of the model's table.
    Known(usize),
    /// A name the model does not declare. Only where it is: few models read it, and a key
    /// of two words comes back in registers.
    Other(OtherName),
}

#[allow(
    dead_code,
    reason = "used by the generated modules, which features may leave out"
)]
impl Fields {
    /// Starts reading the object that comes next, for a model with the member `names` (at
    /// most 128).
    pub(crate) fn begin(
        reader: &mut Reader<'_>,
        names: &'static [Name],
    ) -> Result<Self, DecodeError> {
        Ok(Self {
            object: reader.object()?,
            names,
            seen: [0; 2],
            expected: 0,
            error: None,
        })
    }

    /// The next member's name; `None` after the last member or the first error.
    ///
    /// The name after the one found last is tried first, so members that arrive in the
    /// order the model declares them (as they mostly do) are found at the first comparison.
    pub(crate) fn next(&mut self, reader: &mut Reader<'_>) -> Option<Key> {
        if self.error.is_some() {
            return None;
        }
        match self.object.next_name(reader, self.names, self.expected) {
            Ok(Some(key)) => {
                if let Key::Known(index) = key {
                    self.expected = index + 1;
                }
                Some(key)
            }
            Ok(None) => None,
            Err(error) => {
                self.error = Some(error);
                None
            }
        }
    }

    /// Reads member `index` into `slot`; `null` is handed to `T`, which refuses it unless it
    /// has a meaning for it.
    #[inline(never)]
    pub(crate) fn required<T: Json>(
        &mut self,
        reader: &mut Reader<'_>,
        index: usize,
        slot: &mut Option<T>,
    ) {
        match T::decode(reader) {
            Ok(value) => {
                *slot = Some(value);
                self.mark(index);
            }
            Err(error) => self.fail(error, index),
        }
    }

    /// Reads optional member `index` into `slot`; `null` reads as absent.
    #[inline(never)]
    pub(crate) fn optional<T: Json>(
        &mut self,
        reader: &mut Reader<'_>,
        index: usize,
        slot: &mut Option<T>,
    ) {
        match Option::<T>::decode(reader) {
            Ok(value) => *slot = value,
            Err(error) => self.fail(error, index),
        }
    }

    /// Reads optional, nullable member `index`: `null` is `Some(None)`, where absent stays
    /// `None`.
    #[inline(never)]
    pub(crate) fn nullable<T: Json>(
        &mut self,
        reader: &mut Reader<'_>,
        index: usize,
        slot: &mut Option<Option<T>>,
    ) {
        match Option::<T>::decode(reader) {
            Ok(value) => *slot = Some(value),
            Err(error) => self.fail(error, index),
        }
    }

    /// Reads a member the model does not name into `rest`, for a model that keeps them.
    pub(crate) fn rest<T: Json>(
        &mut self,
        reader: &mut Reader<'_>,
        name: OtherName,
        rest: &mut BTreeMap<CompactString, T>,
    ) {
        let name = match reader.other_name(name) {
            Ok(name) => name,
            Err(error) => {
                self.error = Some(error);
                return;
            }
        };
        match T::decode(reader) {
            Ok(value) => {
                rest.insert(CompactString::from(name), value);
            }
            Err(error) => self.error = Some(error.in_member(&name)),
        }
    }

    /// Passes over a member the model does not name.
    pub(crate) fn skip(&mut self, reader: &mut Reader<'_>) {
        if let Err(error) = reader.skip() {
            self.error = Some(error);
        }
    }

    /// The first error met, else the first required member not read: `required` has the
    /// bit of each required member's index set.
    pub(crate) fn finish(self, required: u128) -> Result<(), DecodeError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let seen = u128::from(self.seen[0]) | u128::from(self.seen[1]) << 64;
        let unread = required & !seen;
        if unread == 0 {
            return Ok(());
        }
        let index = unread.trailing_zeros() as usize;
        Err(missing(self.name(index)))
    }

    #[cold]
    fn fail(&mut self, error: DecodeError, index: usize) {
        self.error = Some(error.in_member(self.name(index)));
    }

    /// Records that member `index` has been read; indexes past 127 have no bit, which the
    /// generator rules out.
    fn mark(&mut self, index: usize) {
        if let Some(word) = self.seen.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    /// The name at `index` of the model's table.
    fn name(&self, index: usize) -> &'static str {
        self.names.get(index).map_or("", Name::text)
    }
}

/// The error of a model whose required members were not all read although
/// [`Fields::finish`] found none missing. It cannot happen; it exists so that decoding needs
/// no panicking code path.
#[cold]
#[allow(
    dead_code,
    reason = "used by the generated modules, which features may leave out"
)]
pub(crate) fn incomplete() -> DecodeError {
    missing("")
}

/// The error of a missing required member.
#[cold]
fn missing(name: &str) -> DecodeError {
    DecodeError::new(DecodeErrorKind::MissingMember {
        name: name.to_owned(),
    })
}

/// Writes member `name`.
#[inline(never)]
pub(crate) fn put<T: Json>(members: &mut Map<String, Value>, name: &str, value: &T) {
    insert(members, name, value.to_json());
}

/// Writes member `name` when `value` is present.
#[inline(never)]
pub(crate) fn put_some<T: Json>(members: &mut Map<String, Value>, name: &str, value: Option<&T>) {
    if let Some(value) = value {
        insert(members, name, value.to_json());
    }
}

fn insert(members: &mut Map<String, Value>, name: &str, value: Value) {
    members.insert(name.to_owned(), value);
}

/// Writes the members a model keeps beside those it names.
#[allow(
    dead_code,
    reason = "used by models that declare members and a type for others"
)]
pub(crate) fn put_rest<T: Json>(
    members: &mut Map<String, Value>,
    rest: &BTreeMap<CompactString, T>,
) {
    for (name, value) in rest {
        if !members.contains_key(name.as_str()) {
            members.insert(name.as_str().to_owned(), value.to_json());
        }
    }
}

/// Implements `serde::Serialize` and `serde::Deserialize` for models through [`Json`], so
/// models fit any serde format without a derive per type.
macro_rules! serde_via_json {
    ($($model:ty),* $(,)?) => {
        $(
            impl ::serde::Serialize for $model {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    ::serde::Serialize::serialize(&$crate::Json::to_json(self), serializer)
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $model {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    $crate::json::deserialize(deserializer)
                }
            }
        )*
    };
}
pub(crate) use serde_via_json;

/// The body of every generated `Deserialize` impl.
pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>, T: Json>(
    deserializer: D,
) -> Result<T, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
    T::from_json(value).map_err(serde::de::Error::custom)
}

/// The value of an enumeration's `Unknown` variant. Out of line, as is the one below: values
/// that are not known are rare, and every enumeration would otherwise carry its own copy of
/// the code that stores a string inline or on the heap.
#[inline(never)]
#[allow(
    dead_code,
    reason = "used by the generated modules, which features may leave out"
)]
pub(crate) fn unknown(value: &str) -> CompactString {
    CompactString::new(value)
}

/// The text of an enumeration's `Unknown` value.
#[inline(never)]
#[allow(
    dead_code,
    reason = "used by the generated modules, which features may leave out"
)]
pub(crate) fn unknown_text(value: &CompactString) -> &str {
    value.as_str()
}

/// Defines a string enumeration of the API: one variant per known value plus `Unknown`,
/// which keeps any other value so that it decodes and encodes back unchanged.
#[allow(
    unused_macros,
    reason = "used by the generated modules, which features may leave out"
)]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $value:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
            /// A value this version of the crate does not know, kept as received.
            Unknown($crate::CompactString),
        }

        impl $name {
            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(value) => $crate::json::unknown_text(value),
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown($crate::json::unknown(other)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::Json for $name {
            fn decode(reader: &mut $crate::json::Reader<'_>) -> Result<Self, $crate::DecodeError> {
                reader.str().map(|text| Self::from(&*text))
            }

            fn to_json(&self) -> ::serde_json::Value {
                ::serde_json::Value::String(self.as_str().to_owned())
            }
        }

        $crate::json::serde_via_json!($name);
    };
}
#[allow(
    unused_imports,
    reason = "used by the generated modules, which features may leave out"
)]
pub(crate) use string_enum;

/// Lets string enumerations fill query options; implemented only for those that do.
#[allow(
    unused_macros,
    reason = "used by the generated modules, which features may leave out"
)]
macro_rules! query_enums {
    ($($name:ty),* $(,)?) => {
        $(
            impl $crate::request::QueryValue for $name {
                fn push_query(&self, values: &mut Vec<String>) {
                    values.push(self.as_str().to_owned());
                }
            }
        )*
    };
}
#[allow(
    unused_imports,
    reason = "used by the generated modules, which features may leave out"
)]
pub(crate) use query_enums;

/// Numbers below a bound from a fixed linear congruential generator, for the randomised
/// tests: the same sequence for a seed on every run.
#[cfg(test)]
pub(crate) fn test_numbers(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |bound| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap_or(0) % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_bits_cover_128_members_and_no_more() {
        const NAMES: &[Name] = &names(["a"]);
        let mut reader = Reader::new(b"{}");
        let mut fields = Fields::begin(&mut reader, NAMES).expect("an object");
        for index in [0, 63, 64, 127, 128, usize::MAX] {
            fields.mark(index);
        }
        assert_eq!(fields.seen, [1 | 1 << 63, 1 | 1 << 63]);
        fields
            .finish(1 | 1 << 63 | 1 << 64 | 1 << 127)
            .expect("all four were read");
    }

    #[test]
    fn members_are_found_in_any_order() {
        const NAMES: &[Name] = &names(["a", "b", "c", "d"]);
        let mut reader = Reader::new(br#"{"c": 3, "d": 4, "a": 1, "x": 0, "b": 2, "c": 5}"#);
        let mut fields = Fields::begin(&mut reader, NAMES).expect("an object");
        let mut found = Vec::new();
        while let Some(key) = fields.next(&mut reader) {
            let mut value: Option<i64> = None;
            match key {
                Key::Known(index) => {
                    fields.required(&mut reader, index, &mut value);
                    found.push((NAMES[index].text(), value));
                }
                Key::Other(name) => {
                    assert_eq!(reader.other_name(name).expect("read before"), "x");
                    fields.skip(&mut reader);
                }
            }
        }
        assert_eq!(
            found,
            [
                ("c", Some(3)),
                ("d", Some(4)),
                ("a", Some(1)),
                ("b", Some(2)),
                ("c", Some(5))
            ]
        );
        fields.finish(0b1111).expect("all four were read");
    }

    #[test]
    fn other_members_are_kept_under_their_unescaped_names() {
        const NAMES: &[Name] = &names(["id"]);
        let mut reader =
            Reader::new(br#"{"x": 1, "id": 2, "tab\there": 3, "\u0069d": 4, "x": 5, "y": true}"#);
        let mut fields = Fields::begin(&mut reader, NAMES).expect("an object");
        let mut id: Option<i64> = None;
        let mut rest = BTreeMap::<CompactString, i64>::new();
        while let Some(key) = fields.next(&mut reader) {
            match key {
                Key::Known(index) => fields.required(&mut reader, index, &mut id),
                Key::Other(name) => fields.rest(&mut reader, name, &mut rest),
            }
        }
        let error = fields.finish(0b1).expect_err("`y` is not an integer");
        assert_eq!(id, Some(4), "{error}");
        assert_eq!(
            error.to_string(),
            "expected an integer, found a boolean at `y`"
        );
        assert_eq!(
            rest.into_iter().collect::<Vec<_>>(),
            [("tab\there".into(), 3), ("x".into(), 5)]
        );
    }

    #[test]
    fn the_first_missing_required_member_is_named() {
        const NAMES: &[Name] = &names(["a", "b", "c"]);
        let mut reader = Reader::new(br#"{"b": 1, "x": [true]}"#);
        let mut fields = Fields::begin(&mut reader, NAMES).expect("an object");
        let mut b: Option<i64> = None;
        while let Some(key) = fields.next(&mut reader) {
            match key {
                Key::Known(1) => fields.required(&mut reader, 1, &mut b),
                _ => fields.skip(&mut reader),
            }
        }
        assert_eq!(b, Some(1));
        let error = fields.finish(0b111).expect_err("a and c are missing");
        assert_eq!(error.to_string(), "missing member `a`");
    }

    /// Names of every length class the in-place comparison treats apart (empty, with quote
    /// and colon inside the first eight bytes, six bytes where they end it, seven where the
    /// colon falls outside, eight, longer, longer than sixteen), names that share their
    /// first eight bytes, and names that JSON writes escaped.
    const TRICKY: &[Name] = &names([
        "id",
        "",
        "a",
        "uid",
        "appId",
        "jobType",
        "services",
        "createdAt",
        "createdAx",
        "lifecycleStatus",
        "lifecycleStatusX",
        "abcdefghijklmnopq",
        "été",
        "tab\there",
        "quote\"d",
        "back\\slash",
        "appIds",
    ]);

    /// What a decoder saw of each member.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Known(usize),
        Other(String),
    }

    /// The members of `text` as [`Fields`] finds them in [`TRICKY`].
    fn by_table(text: &[u8]) -> Result<Vec<Seen>, DecodeError> {
        let mut reader = Reader::new(text);
        let mut fields = Fields::begin(&mut reader, TRICKY)?;
        let mut seen = Vec::new();
        while let Some(key) = fields.next(&mut reader) {
            seen.push(match key {
                Key::Known(index) => Seen::Known(index),
                Key::Other(name) => Seen::Other(reader.other_name(name)?.into_owned()),
            });
            fields.skip(&mut reader);
        }
        fields.finish(0)?;
        reader.end()?;
        Ok(seen)
    }

    /// The same, by reading each name into a string and comparing it with each of
    /// [`TRICKY`] in turn.
    fn by_text(text: &[u8]) -> Result<Vec<Seen>, DecodeError> {
        let mut reader = Reader::new(text);
        let mut object = reader.object()?;
        let mut seen = Vec::new();
        while let Some(key) = object.next_key(&mut reader)? {
            seen.push(match TRICKY.iter().position(|name| name.text() == key) {
                Some(index) => Seen::Known(index),
                None => Seen::Other(key.into_owned()),
            });
            reader.skip()?;
        }
        reader.end()?;
        Ok(seen)
    }

    #[test]
    fn names_are_matched_exactly_however_they_are_written() {
        use Seen::{Known, Other};
        let other = |name: &str| Other(name.to_owned());
        let cases: &[(&str, &[Seen])] = &[
            (r#"{"createdAt": 1, "createdAx": 2}"#, &[Known(7), Known(8)]),
            (
                r#"{"createdAy": 1, "createdA": 2}"#,
                &[other("createdAy"), other("createdA")],
            ),
            (
                r#"{"lifecycleStatusX": 1, "lifecycleStatus": 2, "lifecycleStatuX": 3}"#,
                &[Known(10), Known(9), other("lifecycleStatuX")],
            ),
            (
                r#"{"abcdefghijklmnopq": 1, "abcdefghijklmnopr": 2}"#,
                &[Known(11), other("abcdefghijklmnopr")],
            ),
            (
                r#"{"i": 1, "idx": 2, "Id": 3, "id": 4}"#,
                &[other("i"), other("idx"), other("Id"), Known(0)],
            ),
            (
                r#"{"\u0069d": 1, "app\u0049d": 2, "\u00e9t\u00e9": 3, "été": 4}"#,
                &[Known(0), Known(4), Known(12), Known(12)],
            ),
            (
                r#"{"tab\there": 1, "quote\"d": 2, "back\\slash": 3}"#,
                &[Known(13), Known(14), Known(15)],
            ),
            (
                r#"{"": 1, "a" : 2, "uid"  :3}"#,
                &[Known(1), Known(2), Known(3)],
            ),
            (
                r#"{"a": 1, "a": 2, "id": 3, "id": 4}"#,
                &[Known(2), Known(2), Known(0), Known(0)],
            ),
            // Keys that end within eight bytes of the end of the text.
            (r#"{"a":1}"#, &[Known(2)]),
            (r#"{"x":1,"id":2}"#, &[other("x"), Known(0)]),
            (r#"{"uid":""}"#, &[Known(3)]),
            // Each length class with and without space before the colon, and names that
            // are prefixes of each other.
            (
                "{\"appIds\":1,\"appIds\" :2,\"appId\":3,\"appId\"\t:4,\"appIdsX\":5}",
                &[Known(16), Known(16), Known(4), Known(4), other("appIdsX")],
            ),
            (
                r#"{"jobType":1,"jobType" :2,"jobTyp":3,"jobTypes":4}"#,
                &[Known(5), Known(5), other("jobTyp"), other("jobTypes")],
            ),
            (
                "{\"services\":1,\"services\"\n:2,\"createdAt\" :3,\"createdAt\":4}",
                &[Known(6), Known(6), Known(7), Known(7)],
            ),
            (r#"{"x":1,"appIds" :2}"#, &[other("x"), Known(16)]),
            (r#"{"x":1,"jobType":2}"#, &[other("x"), Known(5)]),
            (r#"{"jobType"  :  2}"#, &[Known(5)]),
        ];
        for (text, expected) in cases {
            assert_eq!(
                by_table(text.as_bytes()).as_deref(),
                Ok(*expected),
                "{text}"
            );
            assert_eq!(by_text(text.as_bytes()).as_deref(), Ok(*expected), "{text}");
        }
    }

    /// Random objects with names from [`TRICKY`], near misses of them, escaped spellings,
    /// stray whitespace and texts cut short: matching in place finds what reading each
    /// name into a string and comparing it finds, and fails where that fails, alike.
    #[test]
    fn names_matched_in_place_agree_with_names_read_as_text() {
        const KEYS: &[&str] = &[
            r#""id""#,
            r#""""#,
            r#""a""#,
            r#""uid""#,
            r#""appId""#,
            r#""appIds""#,
            r#""appIdsX""#,
            r#""jobType""#,
            r#""jobTypes""#,
            r#""jobTyp""#,
            r#""services""#,
            r#""servicez""#,
            r#""createdAt""#,
            r#""createdAx""#,
            r#""createdAy""#,
            r#""lifecycleStatus""#,
            r#""lifecycleStatusX""#,
            r#""lifecycleStatusY""#,
            r#""abcdefghijklmnopq""#,
            r#""abcdefghijklmnop""#,
            r#""été""#,
            r#""\u00e9t\u00e9""#,
            r#""tab\there""#,
            r#""quote\"d""#,
            r#""back\\slash""#,
            r#""\u0069d""#,
            r#""i\"d""#,
            r#""id\n""#,
            r#""unknown""#,
            r#""lifecycle\u0053tatus""#,
        ];
        const GAPS: &[&str] = &["", "", "", " ", "\n\t"];
        const VALUES: &[&str] = &["1", "\"v\"", "[]", "{\"id\": null}", "\"lifecycleStatus\""];
        let mut next = test_numbers(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        for _ in 0..5_000 {
            let mut text = String::from("{");
            for member in 0..next(6) {
                if member > 0 {
                    text.push(',');
                }
                text.push_str(GAPS[next(GAPS.len())]);
                text.push_str(KEYS[next(KEYS.len())]);
                text.push_str(GAPS[next(GAPS.len())]);
                text.push(':');
                text.push_str(GAPS[next(GAPS.len())]);
                text.push_str(VALUES[next(VALUES.len())]);
            }
            text.push('}');
            let mut bytes = text.into_bytes();
            if next(4) == 0 {
                bytes.truncate(next(bytes.len() + 1));
            }
            let ours = by_table(&bytes);
            assert_eq!(
                ours,
                by_text(&bytes),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
            accepted += usize::from(ours.is_ok());
        }
        // Both outcomes must be exercised for the comparison to mean anything.
        assert!(
            (2_000..4_900).contains(&accepted),
            "{accepted} texts were accepted"
        );
    }
}
