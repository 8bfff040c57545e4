//! Today's client order ids: (owner, id) → order id.
//!
//! Built for the hot path, where every command probes this table once or twice with
//! an id it has most likely never seen (the duplicate check) and once with an id it has
//! (the cancel/replace target):
//!
//! * each bucket holds the whole entry (owner, id inline as a [`ClOrdId`], order id), so
//!   a hit costs the control bytes and one entry, and a miss is decided by the SIMD
//!   control bytes alone ([`hashbrown::HashTable`]);
//! * keys are hashed with `foldhash` (fixed seed, so behaviour is deterministic; no
//!   decision depends on the table's order — dumps go through [`ClientIds::sorted`]).

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashTable;

use crate::types::{ClOrdId, OrderId, OwnerId};

struct Entry {
    order: OrderId,
    owner: u32,
    id: ClOrdId,
}

/// Precomputed hash of a key, so a check-then-insert hashes once.
#[derive(Clone, Copy)]
pub(crate) struct KeyHash(pub u64);

/// Client id → order id (0: used by a request that has no order).
pub(crate) struct ClientIds {
    table: HashTable<Entry>,
}

/// Room reserved up front, so a trading day does not start with a cascade of rehashes.
const INITIAL: usize = 1 << 16;

impl Default for ClientIds {
    fn default() -> Self {
        ClientIds {
            table: HashTable::with_capacity(INITIAL),
        }
    }
}

const SEED: foldhash::fast::FixedState =
    foldhash::fast::FixedState::with_seed(0x6669_7876_656e_7565);

#[inline]
fn hash_key(owner: u32, s: &[u8]) -> u64 {
    let mut h = SEED.build_hasher();
    h.write_u32(owner);
    h.write(s);
    h.finish()
}

impl ClientIds {
    #[inline]
    pub fn hash(owner: OwnerId, s: &str) -> KeyHash {
        KeyHash(hash_key(owner.0, s.as_bytes()))
    }

    #[inline]
    fn find(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<&Entry> {
        self.table.find(h.0, |e| e.owner == owner.0 && e.id == *s)
    }

    #[inline]
    pub fn get_hashed(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.find(h, owner, s).map(|e| e.order)
    }

    #[inline]
    pub fn get(&self, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.get_hashed(Self::hash(owner, s), owner, s)
    }

    /// Record `s` → `id`, replacing any earlier value.
    pub fn insert(&mut self, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        let h = Self::hash(owner, s);
        match self
            .table
            .find_mut(h.0, |e| e.owner == owner.0 && e.id == *s)
        {
            Some(e) => e.order = id,
            None => self.insert_new(h, owner, s, id),
        }
    }

    /// Record a key the caller has just seen missing (no intervening insert).
    #[inline]
    pub fn insert_new(&mut self, h: KeyHash, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        debug_assert!(self.find(h, owner, s).is_none());
        let e = Entry {
            order: id,
            owner: owner.0,
            id: s.clone(),
        };
        self.table
            .insert_unique(h.0, e, |e| hash_key(e.owner, e.id.as_bytes()));
    }

    /// Keep only the entries whose order id satisfies `keep`. The room stays:
    /// tomorrow needs about as many ids as today.
    pub fn retain(&mut self, mut keep: impl FnMut(OrderId) -> bool) {
        self.table.retain(|e| keep(e.order));
    }

    /// All entries sorted by (owner, id), for the canonical dump.
    pub fn sorted(&self) -> Vec<(OwnerId, &str, OrderId)> {
        let mut v: Vec<_> = self
            .table
            .iter()
            .map(|e| (OwnerId(e.owner), e.id.as_str(), e.order))
            .collect();
        v.sort_unstable();
        v
    }
}
