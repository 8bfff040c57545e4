//! `ClOrdId`: a client order id stored inline when short.
//!
//! Every event carries one or two client ids, so they are copied on the matcher's hot
//! path. Ids of up to [`INLINE`] bytes (nearly all of them) live inside the 24-byte
//! value: cloning is a plain copy, with no allocation and no atomic reference count.
//! Longer ids fall back to a shared `Arc<str>`.
//!
//! The value is three 8-byte words, not an enum: an enum's tag takes byte 0, and a
//! copy of the bytes after it was split into odd-sized, overlapping moves through
//! the stack, whose reloads stalled on store forwarding (about 5 % of the matcher's
//! time, in every event). Words are copied as words.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::ManuallyDrop;
use std::num::NonZeroU64;
use std::ops::Deref;
use std::sync::Arc;

/// Longest id held inline.
const INLINE: usize = 23;

/// `tail`'s top byte for an id held in an `Arc<str>`; inline ids have 1 + length there.
const SHARED: u8 = 0xFF;

// The inline text is read as the value's first bytes, with the tag in the last one.
const _: () = assert!(cfg!(target_endian = "little"));

/// The first 16 bytes: text, or a shared string.
#[repr(C)]
union Head {
    text: [u8; 16],
    shared: ManuallyDrop<Arc<str>>,
}

/// A FIX ClOrdID (or any short client-chosen text id).
#[repr(C)]
pub struct ClOrdId {
    head: Head,
    /// Inline: text bytes 16..23 in the low seven bytes, 1 + length in the top one.
    /// Shared: [`SHARED`] in the top byte. Never zero, so `Option<ClOrdId>` is 24 bytes.
    tail: NonZeroU64,
}

impl ClOrdId {
    #[inline]
    fn tag(&self) -> u8 {
        (self.tail.get() >> 56) as u8
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        let tag = self.tag();
        if tag == SHARED {
            // SAFETY: the tag says `head` holds the shared string.
            return unsafe { &self.head.shared };
        }
        // SAFETY: an inline id's text is the value's first `tag - 1` (<= 23) bytes
        // (`head.text`, then `tail`'s low bytes on this little-endian target), all
        // initialised, and only ever written from a whole `&str` by `inline`, so
        // valid UTF-8. (Checking it again on every read cost a fifth of the
        // matcher's instructions.)
        unsafe {
            let bytes = std::slice::from_raw_parts(
                (self as *const ClOrdId).cast::<u8>(),
                (tag - 1) as usize,
            );
            std::str::from_utf8_unchecked(bytes)
        }
    }

    fn inline(s: &str) -> ClOrdId {
        debug_assert!(s.len() <= INLINE);
        let mut buf = [0u8; 24];
        buf[..s.len()].copy_from_slice(s.as_bytes());
        buf[23] = s.len() as u8 + 1;
        let mut text = [0u8; 16];
        text.copy_from_slice(&buf[..16]);
        let tail = u64::from_le_bytes(buf[16..].try_into().expect("8 bytes"));
        ClOrdId {
            head: Head { text },
            tail: NonZeroU64::new(tail).expect("the tag byte is not zero"),
        }
    }

    fn shared(s: Arc<str>) -> ClOrdId {
        ClOrdId {
            head: Head {
                shared: ManuallyDrop::new(s),
            },
            tail: NonZeroU64::new((SHARED as u64) << 56).expect("not zero"),
        }
    }
}

impl Clone for ClOrdId {
    #[inline]
    fn clone(&self) -> ClOrdId {
        if self.tag() == SHARED {
            // SAFETY: the tag says `head` holds the shared string.
            return ClOrdId::shared(Arc::clone(unsafe { &self.head.shared }));
        }
        ClOrdId {
            // SAFETY: an inline id's head is its text; plain bytes, nothing owned.
            head: Head {
                text: unsafe { self.head.text },
            },
            tail: self.tail,
        }
    }
}

impl Drop for ClOrdId {
    #[inline]
    fn drop(&mut self) {
        if self.tag() == SHARED {
            // SAFETY: the tag says `head` holds the shared string, and it is
            // dropped only here, once.
            unsafe { ManuallyDrop::drop(&mut self.head.shared) }
        }
    }
}

impl From<&str> for ClOrdId {
    #[inline]
    fn from(s: &str) -> ClOrdId {
        if s.len() <= INLINE {
            ClOrdId::inline(s)
        } else {
            ClOrdId::shared(s.into())
        }
    }
}

impl From<String> for ClOrdId {
    fn from(s: String) -> ClOrdId {
        ClOrdId::from(s.as_str())
    }
}

impl From<&String> for ClOrdId {
    fn from(s: &String) -> ClOrdId {
        ClOrdId::from(s.as_str())
    }
}

impl From<Arc<str>> for ClOrdId {
    fn from(s: Arc<str>) -> ClOrdId {
        if s.len() <= INLINE {
            ClOrdId::inline(&s)
        } else {
            ClOrdId::shared(s)
        }
    }
}

impl Deref for ClOrdId {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ClOrdId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for ClOrdId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for ClOrdId {
    #[inline]
    fn eq(&self, other: &ClOrdId) -> bool {
        if self.tag() != SHARED && other.tag() != SHARED {
            // The unused bytes of an inline id are zero and the tag holds the
            // length, so equal ids have equal words: a fixed-size compare, no call.
            // SAFETY: both heads are inline text.
            return self.tail == other.tail && unsafe { self.head.text == other.head.text };
        }
        self.as_str() == other.as_str()
    }
}

impl Eq for ClOrdId {}

impl PartialEq<str> for ClOrdId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ClOrdId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for ClOrdId {
    fn partial_cmp(&self, other: &ClOrdId) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ClOrdId {
    fn cmp(&self, other: &ClOrdId) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for ClOrdId {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Debug for ClOrdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ClOrdId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_and_long_ids() {
        for s in [
            "",
            "a",
            "1234567890123456789012",
            "12345678901234567890123",
            "123456789012345678901234",
            "ünïcödé-ïd",
        ] {
            let id = ClOrdId::from(s);
            assert_eq!(id.as_str(), s);
            assert_eq!(id.clone(), id);
            assert_eq!(ClOrdId::from(Arc::<str>::from(s)), id);
        }
        assert_eq!(std::mem::size_of::<ClOrdId>(), 24);
        assert_eq!(std::mem::size_of::<Option<ClOrdId>>(), 24);
    }

    #[test]
    fn shared_ids_count_their_references() {
        let long: Arc<str> = Arc::from("x".repeat(40));
        let id = ClOrdId::from(Arc::clone(&long));
        let copies: Vec<ClOrdId> = (0..5).map(|_| id.clone()).collect();
        assert_eq!(Arc::strong_count(&long), 7);
        drop(copies);
        drop(id);
        assert_eq!(Arc::strong_count(&long), 1);
    }

    proptest! {
        /// Text, equality, order and clones behave as the `String`s they hold.
        #[test]
        fn behaves_as_its_text(a in "\\PC{0,30}", b in "\\PC{0,30}") {
            let (x, y) = (ClOrdId::from(a.as_str()), ClOrdId::from(b.as_str()));
            prop_assert_eq!(x.as_str(), a.as_str());
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            let c = x.clone();
            drop(x);
            prop_assert_eq!(c.as_str(), a.as_str());
            prop_assert_eq!(Some(c.clone()), Some(ClOrdId::from(a)));
        }
    }
}
