//! Today's client order ids: (owner, id) → order id.
//!
//! Built for the hot path, where every command probes this table with an id it has
//! most likely never seen (the duplicate check) and then records it. Finding a live
//! order by its latest id, the usual cancel/replace target, goes through the small
//! [`crate::live_ids`] index first; this table answers the rest.
//!
//! (Whole entries in the buckets were tried: a hit is one miss cheaper, but every
//! insert then writes 40 bytes at a random place in a table of megabytes, and inserts
//! are what this table mostly does. Measured slower.)
//!
//! * keys live in an append-only `Vec<Rec>` of 40-byte records, the id a [`ClOrdId`]
//!   (inline when short, so copying and comparing it is fixed-size work);
//! * the hash table ([`hashbrown::HashTable`]) holds only a `u32` record index per
//!   bucket, so it stays small and cache-resident, and a miss is decided by its SIMD
//!   control bytes without touching any record;
//! * keys are hashed with `foldhash` (fixed seed, so behaviour is deterministic; the
//!   table is never iterated to make a decision — dumps go through [`ClientIds::sorted`]).

use hashbrown::HashTable;
use std::hash::{BuildHasher, Hasher};

use crate::types::{ClOrdId, OrderId, OwnerId};

struct Rec {
    order: OrderId,
    owner: u32,
    id: ClOrdId,
}

/// Precomputed hash of a key, so a check-then-insert hashes once.
#[derive(Clone, Copy)]
pub(crate) struct KeyHash(pub u64);

/// Client id → order id (0: used by a request that has no order).
pub(crate) struct ClientIds {
    table: HashTable<u32>,
    recs: Vec<Rec>,
}

/// Room reserved up front (~0.3 MB of table, 2.5 MB of records as they fill), so a
/// trading day does not start with a cascade of rehashes.
const INITIAL: usize = 1 << 16;

impl Default for ClientIds {
    fn default() -> Self {
        ClientIds {
            table: HashTable::with_capacity(INITIAL),
            recs: Vec::with_capacity(INITIAL),
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
    fn find(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<u32> {
        let recs = &self.recs;
        self.table
            .find(h.0, |&i| {
                let r = &recs[i as usize];
                r.owner == owner.0 && r.id == *s
            })
            .copied()
    }

    #[inline]
    pub fn get_hashed(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.find(h, owner, s).map(|i| self.recs[i as usize].order)
    }

    #[inline]
    pub fn get(&self, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.get_hashed(Self::hash(owner, s), owner, s)
    }

    /// Record `s` → `id`, replacing any earlier value.
    pub fn insert(&mut self, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        let h = Self::hash(owner, s);
        match self.find(h, owner, s) {
            Some(i) => self.recs[i as usize].order = id,
            None => self.insert_new(h, owner, s, id),
        }
    }

    /// Record a key the caller has just seen missing (no intervening insert).
    #[inline]
    pub fn insert_new(&mut self, h: KeyHash, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        debug_assert!(self.find(h, owner, s).is_none());
        let i = u32::try_from(self.recs.len()).expect("fewer than 2^32 client ids a day");
        self.recs.push(Rec {
            order: id,
            owner: owner.0,
            id: s.clone(),
        });
        let recs = &self.recs;
        self.table.insert_unique(h.0, i, |&j| {
            let r = &recs[j as usize];
            hash_key(r.owner, r.id.as_bytes())
        });
    }

    /// Keep only the entries whose order id satisfies `keep`. In place: the records
    /// are compacted and the table re-filled, keeping both allocations (tomorrow needs
    /// about as many ids as today).
    pub fn retain(&mut self, mut keep: impl FnMut(OrderId) -> bool) {
        self.recs.retain(|r| keep(r.order));
        self.table.clear();
        let recs = &self.recs;
        for (i, r) in recs.iter().enumerate() {
            let h = hash_key(r.owner, r.id.as_bytes());
            self.table.insert_unique(h, i as u32, |&j| {
                let r = &recs[j as usize];
                hash_key(r.owner, r.id.as_bytes())
            });
        }
    }

    /// All entries sorted by (owner, id), for the canonical dump.
    pub fn sorted(&self) -> Vec<(OwnerId, &str, OrderId)> {
        let mut v: Vec<_> = self
            .recs
            .iter()
            .map(|r| (OwnerId(r.owner), r.id.as_str(), r.order))
            .collect();
        v.sort_unstable();
        v
    }
}
