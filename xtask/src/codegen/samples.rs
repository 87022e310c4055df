//! Sample JSON values derived from schemas, for the generated tests.

use serde_json::{Map, Value, json};

use super::ty::Ty;

/// The member the lenient samples add to every object with only declared members.
pub(crate) const UNKNOWN_MEMBER: &str = "memberUnknownToThisVersion";

/// The value the lenient samples put wherever an enumeration is expected.
pub(crate) const UNKNOWN_VALUE: &str = "value-unknown-to-this-version";

/// Which sample to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// Every member present, every enumeration at its first value.
    Full,
    /// As `Full`, plus an unknown member in each object and an unknown value in each
    /// enumeration: what a newer API may send.
    Lenient,
    /// What decoding `Lenient` and encoding it again gives: unknown members dropped,
    /// unknown enumeration values kept.
    LenientReencoded,
}

/// A sample of `ty`.
pub(crate) fn sample(ty: &Ty, flavour: Flavour) -> Value {
    match ty {
        Ty::Any => json!({ "any": [1, "two"] }),
        Ty::Null => Value::Null,
        Ty::Bool => Value::Bool(true),
        Ty::Int => json!(7),
        Ty::Num => json!(2.5),
        Ty::Str => json!("text"),
        Ty::Enum(values) => match flavour {
            Flavour::Full => json!(values.first().cloned().unwrap_or_default()),
            Flavour::Lenient | Flavour::LenientReencoded => json!(UNKNOWN_VALUE),
        },
        Ty::Array(items) => Value::Array(vec![sample(items, flavour)]),
        Ty::Map(value) => json!({ "key": sample(value, flavour) }),
        Ty::FreeObject => json!({ "key": "value" }),
        Ty::Nullable(inner) => sample(inner, flavour),
        Ty::Union(alternatives) => alternatives
            .first()
            .map_or(Value::Null, |first| sample(first, flavour)),
        Ty::Object(object) => {
            let mut members = Map::new();
            for prop in &object.props {
                // An optional member of type `null` is absent once decoded; leave it out.
                if prop.ty == Ty::Null && !prop.required {
                    continue;
                }
                members.insert(prop.name.clone(), sample(&prop.ty, flavour));
            }
            match &object.additional {
                Some(additional) => {
                    let mut key = "additionalMember".to_owned();
                    while members.contains_key(&key) {
                        key.push('_');
                    }
                    members.insert(key, sample(additional, flavour));
                }
                None if flavour == Flavour::Lenient => {
                    members.insert(UNKNOWN_MEMBER.to_owned(), json!(true));
                }
                None => {}
            }
            Value::Object(members)
        }
    }
}
