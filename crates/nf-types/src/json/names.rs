//! The member names of a model, prepared so that a key in the text is matched against them
//! with a word comparison or two, without first reading it into a string.

/// A member name of a model, with its first bytes laid out as they appear in the text, where
/// the name is followed by its closing quote and the colon: `name":`.
///
/// Build tables of them with [`names`], in a `const`, so the work is done at compile time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Name {
    text: &'static str,
    /// The first eight bytes of `name":` as the text holds them after the opening quote,
    /// read little-endian.
    head: u64,
    /// The bits of a word of the text that `head` is compared with.
    mask: u64,
}

/// The table of member names of a model, in the order of their indexes.
pub(crate) const fn names<const N: usize>(texts: [&'static str; N]) -> [Name; N] {
    let mut table = [Name {
        text: "",
        head: 0,
        mask: 0,
    }; N];
    let mut index = 0;
    while index < N {
        table[index] = name(texts[index]);
        index += 1;
    }
    table
}

/// One entry of [`names`].
const fn name(text: &'static str) -> Name {
    let bytes = text.as_bytes();
    let mut head = 0_u64;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte < 0x20 || byte == b'"' || byte == b'\\' {
            // JSON writes this name with escapes, so its text never matches in place: a
            // bit outside the mask makes sure of that, and the name is found by its
            // unescaped text instead.
            return Name {
                text,
                head: 1,
                mask: 0,
            };
        }
        if at < 8 {
            head |= (byte as u64) << (8 * at);
        }
        at += 1;
    }
    // The closing quote and the colon, where they fall within the first eight bytes.
    let length = bytes.len();
    if length < 8 {
        head |= (b'"' as u64) << (8 * length);
    }
    if length < 7 {
        head |= (b':' as u64) << (8 * (length + 1));
    }
    let mask = if length < 6 {
        u64::MAX >> (8 * (6 - length))
    } else {
        u64::MAX
    };
    Name { text, head, mask }
}

impl Name {
    /// The name.
    pub(crate) fn text(&self) -> &'static str {
        self.text
    }

    /// Whether the key whose first byte is at `from` in `bytes`, where `word` holds the
    /// eight bytes from there, is this name written without escapes and followed at once by
    /// the closing quote and the colon.
    #[inline]
    pub(super) fn is_at(&self, word: u64, bytes: &[u8], from: usize) -> bool {
        if word & self.mask != self.head {
            return false;
        }
        self.text.len() < 7 || self.rest_is_at(bytes, from)
    }

    /// The rest of [`Name::is_at`] for a name whose first eight bytes match: what follows
    /// them. Marked cold, though longer names are common: the loop over the names then keeps
    /// its values in registers, which saves more than the call costs.
    #[cold]
    fn rest_is_at(&self, bytes: &[u8], from: usize) -> bool {
        let length = self.text.len();
        let Some(rest) = bytes.get(from + 8..from + length + 2) else {
            return false;
        };
        match rest.split_last_chunk::<2>() {
            Some((body, end)) => {
                end == b"\":"
                    && (self.text.as_bytes().get(8..)).is_some_and(|tail| same(body, tail))
            }
            // A name of seven bytes: its quote ends the first word, its colon is the rest.
            None => rest == b":",
        }
    }

    /// How many bytes from the one after the opening quote [`Name::is_at`] matched.
    #[inline]
    pub(super) fn matched(&self) -> usize {
        self.text.len() + 2
    }
}

/// Whether two member names are equal. Names mostly differ in length, so that is tested
/// first; names of one length are compared a word at a time, the last word overlapping the
/// others, which for names this short beats a call to `memcmp`.
#[inline]
pub(super) fn same(known: &[u8], name: &[u8]) -> bool {
    if known.len() != name.len() {
        return false;
    }
    if let (Some(known_tail), Some(name_tail)) = (known.last_chunk::<8>(), name.last_chunk::<8>()) {
        let (known_words, _) = known.as_chunks::<8>();
        let (name_words, _) = name.as_chunks::<8>();
        return known_words
            .iter()
            .zip(name_words)
            .all(|(known, name)| u64::from_ne_bytes(*known) == u64::from_ne_bytes(*name))
            && u64::from_ne_bytes(*known_tail) == u64::from_ne_bytes(*name_tail);
    }
    if let (Some(known_head), Some(name_head), Some(known_tail), Some(name_tail)) = (
        known.first_chunk::<4>(),
        name.first_chunk::<4>(),
        known.last_chunk::<4>(),
        name.last_chunk::<4>(),
    ) {
        return u32::from_ne_bytes(*known_head) == u32::from_ne_bytes(*name_head)
            && u32::from_ne_bytes(*known_tail) == u32::from_ne_bytes(*name_tail);
    }
    known.iter().zip(name).all(|(known, name)| known == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_hold_the_first_bytes_the_closing_quote_and_the_colon() {
        let [empty, six, seven, eight, escaped] =
            names(["", "appIds", "jobType", "services", "a\"b"]);
        assert_eq!(
            (empty.head, empty.mask),
            (u64::from_le_bytes(*b"\":\0\0\0\0\0\0"), 0xffff)
        );
        assert_eq!(
            (six.head, six.mask),
            (u64::from_le_bytes(*b"appIds\":"), u64::MAX)
        );
        assert_eq!(
            (seven.head, seven.mask),
            (u64::from_le_bytes(*b"jobType\""), u64::MAX)
        );
        assert_eq!(
            (eight.head, eight.mask),
            (u64::from_le_bytes(*b"services"), u64::MAX)
        );
        assert_eq!(escaped.head & !escaped.mask, escaped.head, "never matches");
    }

    #[test]
    fn a_name_is_at_a_key_only_when_the_key_is_exactly_the_name_and_its_colon() {
        let [short, six, seven, eight, long] =
            names(["uid", "appIds", "jobType", "services", "createdAt"]);
        let at = |name: &Name, text: &[u8]| {
            let word = u64::from_le_bytes(*text.first_chunk::<8>().expect("eight bytes"));
            name.is_at(word, text, 0)
        };
        assert!(at(&short, b"uid\":1}}"));
        assert!(!at(&short, b"uid\" :1}"), "a space before the colon");
        assert!(!at(&short, b"uids\":1}"));
        assert!(!at(&short, b"ui\":1}}}"));
        assert!(at(&six, b"appIds\":"));
        assert!(!at(&six, b"appIds\" "));
        assert!(at(&seven, b"jobType\":"));
        assert!(!at(&seven, b"jobType\" :"));
        assert!(!at(&seven, b"jobType\""), "no colon before the end");
        assert!(at(&eight, b"services\":"));
        assert!(!at(&eight, b"services\" :"));
        assert!(!at(&eight, b"services\""), "no colon before the end");
        assert!(!at(&eight, b"servicesX\":"));
        assert!(at(&long, b"createdAt\":1"));
        assert!(!at(&long, b"createdAx\":1"));
        assert!(!at(&long, b"createdAt2\":1"));
        assert!(!at(&long, b"createdA\":1}"));
        assert!(!at(&long, b"createdAt\"\n:"));
        assert!(!at(&long, b"createdAt"), "no closing quote before the end");
    }

    #[test]
    fn same_compares_every_byte_at_every_length() {
        let text = b"abcdefghijklmnopqrstuvwxyz";
        for length in 0..=text.len() {
            let known = &text[..length];
            assert!(same(known, known));
            for at in 0..length {
                let mut other = known.to_vec();
                other[at] ^= 1;
                assert!(!same(known, &other), "{length} {at}");
            }
            if length > 0 {
                assert!(!same(known, &text[..length - 1]));
            }
        }
    }
}
