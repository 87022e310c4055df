//! Reading the token scope out of a JWT, without trusting or verifying it.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::TokenScope;

/// base64url as JWTs use it; padding is tolerated because some issuers keep it.
const SEGMENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Payloads above this size are not decoded: no API token comes near it, and it bounds the
/// work done on a hostile string.
const MAX_PAYLOAD_CHARS: usize = 64 * 1024;

/// The scope named by the token's `entityType` claim; [`TokenScope::Team`] when the token is
/// not a JWT or the claim is missing or unrecognised.
pub(crate) fn scope_from_token(token: &str) -> TokenScope {
    entity_type(token).unwrap_or(TokenScope::Team)
}

fn entity_type(token: &str) -> Option<TokenScope> {
    let mut segments = token.split('.');
    let (_header, payload, _signature) = (segments.next()?, segments.next()?, segments.next()?);
    if segments.next().is_some() || payload.is_empty() || payload.len() > MAX_PAYLOAD_CHARS {
        return None;
    }

    let bytes = SEGMENT.decode(payload).ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    match claims.get("entityType")?.as_str()? {
        kind if kind.eq_ignore_ascii_case("org") => Some(TokenScope::Org),
        kind if kind.eq_ignore_ascii_case("team") => Some(TokenScope::Team),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.c2lnbmF0dXJl",
            SEGMENT.encode(payload)
        )
    }

    #[test]
    fn claim_gives_the_scope() {
        assert_eq!(
            scope_from_token(&jwt(r#"{"entityType":"org"}"#)),
            TokenScope::Org
        );
        assert_eq!(
            scope_from_token(&jwt(r#"{"entityType":"team"}"#)),
            TokenScope::Team
        );
    }

    #[test]
    fn padded_payload_is_tolerated() {
        let padded = base64::engine::general_purpose::URL_SAFE.encode(r#"{"entityType":"org"}"#);
        assert!(padded.ends_with('='), "the fixture must carry padding");
        let token = format!("h.{padded}.s");
        assert_eq!(scope_from_token(&token), TokenScope::Org);
    }

    #[test]
    fn anything_else_is_team() {
        for token in [
            String::new(),
            "not-a-jwt".to_owned(),
            "a.b".to_owned(),
            "a..c".to_owned(),
            "a.b.c.d.e".to_owned(),
            "h.!!!not base64!!!.s".to_owned(),
            jwt("not json"),
            jwt("[1,2,3]"),
            jwt(r#"{"entityType":5}"#),
            jwt(r#"{"entityType":"user"}"#),
            jwt(r#"{"sub":"someone"}"#),
            format!("h.{}.s", "A".repeat(MAX_PAYLOAD_CHARS + 4)),
        ] {
            assert_eq!(scope_from_token(&token), TokenScope::Team, "{token:.40}");
        }
    }
}
