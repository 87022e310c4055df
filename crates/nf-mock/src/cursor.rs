//! Opaque pagination cursors: the position of a page's last item and a keyed hash binding it
//! to one listing, so a cursor cannot be edited, forged, or used with another list.

use std::hash::{BuildHasher, RandomState};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Issues and checks cursors with a key drawn when the emulator starts.
#[derive(Debug, Default)]
pub(crate) struct Cursors {
    key: RandomState,
}

impl Cursors {
    /// The cursor of the page after position `after` of the listing `scope`.
    pub(crate) fn issue(&self, scope: &str, after: u64) -> String {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&after.to_be_bytes());
        bytes[8..].copy_from_slice(&self.key.hash_one((scope, after)).to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position a cursor of `scope` carries, or `None` for one this emulator did not
    /// issue for that listing.
    pub(crate) fn check(&self, scope: &str, cursor: &str) -> Option<u64> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let bytes: [u8; 16] = bytes.try_into().ok()?;
        let (after, mac) = bytes.split_at(8);
        let after = u64::from_be_bytes(after.try_into().ok()?);
        let mac = u64::from_be_bytes(mac.try_into().ok()?);
        (self.key.hash_one((scope, after)) == mac).then_some(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_only_in_their_scope() {
        let cursors = Cursors::default();
        let cursor = cursors.issue("list.projects", 42);
        assert_eq!(cursors.check("list.projects", &cursor), Some(42));
        assert_eq!(cursors.check("list.services:p", &cursor), None);
        assert_eq!(cursors.check("list.projects", "bm90IGEgY3Vyc29y"), None);
        assert_eq!(cursors.check("list.projects", "%%%"), None);
        let forged = URL_SAFE_NO_PAD.encode([0u8; 16]);
        assert_eq!(cursors.check("list.projects", &forged), None);
        assert_eq!(Cursors::default().check("list.projects", &cursor), None);
    }
}
