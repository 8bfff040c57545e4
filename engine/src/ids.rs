//! Today's client order ids, one flat map keyed by (owner, id) with the id inline
//! when short, so a lookup touches one bucket instead of chasing a string pointer.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::book::FxMap;
use crate::types::{OrderId, OwnerId};

const INLINE: usize = 27;

#[derive(Clone)]
enum Key {
    Inline {
        owner: u32,
        len: u8,
        b: [u8; INLINE],
    },
    Heap {
        owner: u32,
        s: Arc<str>,
    },
}

impl Key {
    fn make(owner: OwnerId, s: &str, arc: impl FnOnce() -> Arc<str>) -> Key {
        if s.len() <= INLINE {
            let mut b = [0u8; INLINE];
            b[..s.len()].copy_from_slice(s.as_bytes());
            Key::Inline {
                owner: owner.0,
                len: s.len() as u8,
                b,
            }
        } else {
            Key::Heap {
                owner: owner.0,
                s: arc(),
            }
        }
    }

    fn parts(&self) -> (u32, &[u8]) {
        match self {
            Key::Inline { owner, len, b } => (*owner, &b[..*len as usize]),
            Key::Heap { owner, s } => (*owner, s.as_bytes()),
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.parts() == o.parts()
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        let (o, b) = self.parts();
        h.write_u32(o);
        h.write(b);
    }
}

/// Client id → order id (0: used by a request that has no order).
#[derive(Default)]
pub(crate) struct ClientIds {
    map: FxMap<Key, OrderId>,
}

impl ClientIds {
    pub fn get(&self, owner: OwnerId, s: &str) -> Option<OrderId> {
        self.map.get(&Key::make(owner, s, || s.into())).copied()
    }

    pub fn insert(&mut self, owner: OwnerId, s: &Arc<str>, id: OrderId) {
        self.map.insert(Key::make(owner, s, || s.clone()), id);
    }

    pub fn retain(&mut self, mut keep: impl FnMut(OrderId) -> bool) {
        self.map.retain(|_, v| keep(*v));
    }

    /// All entries sorted by (owner, id), for the canonical dump.
    pub fn sorted(&self) -> Vec<(OwnerId, &str, OrderId)> {
        let mut v: Vec<_> = self
            .map
            .iter()
            .map(|(k, id)| {
                let (o, b) = k.parts();
                (
                    OwnerId(o),
                    std::str::from_utf8(b).expect("keys are str"),
                    *id,
                )
            })
            .collect();
        v.sort_unstable();
        v
    }
}
