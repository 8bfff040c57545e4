//! `ClOrdId`: a client order id stored inline when short.
//!
//! Every event carries one or two client ids, so they are copied on the matcher's hot
//! path. Ids of up to [`INLINE`] bytes (nearly all of them) live inside the 24-byte
//! value: cloning is a plain copy, with no allocation and no atomic reference count.
//! Longer ids fall back to a shared `Arc<str>`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

const INLINE: usize = 22;

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Arc<str>),
}

/// A FIX ClOrdID (or any short client-chosen text id).
#[derive(Clone)]
pub struct ClOrdId(Repr);

impl ClOrdId {
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // SAFETY: `buf[..len]` is only ever written by `From<&str>`, which copies a
            // whole `&str`, so it is valid UTF-8. (Checking it again on every read
            // cost a fifth of the matcher's instructions.)
            Repr::Inline { len, buf } => unsafe {
                std::str::from_utf8_unchecked(&buf[..*len as usize])
            },
            Repr::Heap(s) => s,
        }
    }
}

impl From<&str> for ClOrdId {
    #[inline]
    fn from(s: &str) -> ClOrdId {
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            ClOrdId(Repr::Inline {
                len: s.len() as u8,
                buf,
            })
        } else {
            ClOrdId(Repr::Heap(s.into()))
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
            ClOrdId::from(&*s)
        } else {
            ClOrdId(Repr::Heap(s))
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
        match (&self.0, &other.0) {
            // The unused tail of an inline buffer is zero, so equal ids have equal
            // buffers: a fixed-size compare, no call.
            (Repr::Inline { len: a, buf: x }, Repr::Inline { len: b, buf: y }) => a == b && x == y,
            _ => self.as_str() == other.as_str(),
        }
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

    #[test]
    fn short_and_long_ids() {
        for s in ["", "a", "1234567890123456789012", "12345678901234567890123"] {
            let id = ClOrdId::from(s);
            assert_eq!(id.as_str(), s);
            assert_eq!(id.clone(), id);
            assert_eq!(ClOrdId::from(Arc::<str>::from(s)), id);
        }
        assert_eq!(std::mem::size_of::<ClOrdId>(), 24);
        assert_eq!(std::mem::size_of::<Option<ClOrdId>>(), 24);
    }
}
