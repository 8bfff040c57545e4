//! Today's client order ids: (owner, id) → order id.
//!
//! Built for the hot path, where every command probes this table with an id it has
//! most likely never seen (the duplicate check) and then records it. Finding a live
//! order by its latest id, the usual cancel/replace target, goes through the small
//! [`crate::live_ids`] index first; this table answers the rest.
//!
//! The table outgrows the caches over a day (tens of thousands of ids), so each probe
//! is a cache miss; the run loop [`ClientIds::prefetch`]es the bucket of commands
//! further on in its batch so the misses overlap.
//!
//! * keys live in an append-only `Vec<Rec>` of 40-byte records, the id a [`ClOrdId`]
//!   (inline when short, so copying and comparing it is fixed-size work);
//! * the index is a [`TagTable`] of record indices with 32 bits of each key's hash,
//!   so a miss, the usual answer, is decided without touching any record. Nothing is
//!   removed during the day; end of day rebuilds;
//! * keys are hashed with `foldhash` (fixed seed, so behaviour is deterministic; the
//!   table is never iterated to make a decision — dumps go through [`ClientIds::sorted`]).

use std::hash::{BuildHasher, Hasher};

use crate::tag_table::TagTable;
use crate::types::{ClOrdId, OrderId, OwnerId};

struct Rec {
    order: OrderId,
    owner: u32,
    id: ClOrdId,
}

/// Precomputed hash of a key, so a check-then-insert hashes once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyHash(pub u64);

/// Client id → order id (0: used by a request that has no order).
pub(crate) struct ClientIds {
    table: TagTable,
    recs: Vec<Rec>,
}

/// Ids a day is expected to reach: room is reserved for them up front (4 MB of
/// records as they fill, 2 MB of buckets), so a busy day does not stop to grow.
const INITIAL: usize = 1 << 17;

/// How many records ahead of the one written [`ClientIds::insert_new`] prefetches.
const REC_AHEAD: usize = 8;

impl Default for ClientIds {
    fn default() -> Self {
        ClientIds {
            table: TagTable::with_buckets(2 * INITIAL),
            recs: Vec::with_capacity(INITIAL),
        }
    }
}

const SEED: foldhash::fast::FixedState =
    foldhash::fast::FixedState::with_seed(0x6669_7876_656e_7565);

#[inline]
fn hash_key(owner: u32, s: &[u8]) -> KeyHash {
    let mut h = SEED.build_hasher();
    h.write_u32(owner);
    h.write(s);
    KeyHash(h.finish())
}

impl ClientIds {
    #[inline]
    pub fn hash(owner: OwnerId, s: &str) -> KeyHash {
        hash_key(owner.0, s.as_bytes())
    }

    /// Start loading the bucket a lookup of `h` reads first (a hint only).
    #[inline]
    pub fn prefetch(&self, h: KeyHash) {
        self.table.prefetch(h.0);
    }

    #[inline]
    fn find(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<usize> {
        let recs = &self.recs;
        self.table
            .find(h.0, |r| {
                let rec = &recs[r as usize];
                rec.owner == owner.0 && rec.id == *s
            })
            .map(|r| r as usize)
    }

    #[inline]
    pub fn get_hashed(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.find(h, owner, s).map(|r| self.recs[r].order)
    }

    #[inline]
    pub fn get(&self, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.get_hashed(Self::hash(owner, s), owner, s)
    }

    /// Record `s` → `id`, replacing any earlier value.
    pub fn insert(&mut self, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        let h = Self::hash(owner, s);
        match self.find(h, owner, s) {
            Some(r) => self.recs[r].order = id,
            None => self.insert_new(h, owner, s, id),
        }
    }

    /// Record a key the caller has just seen missing (no intervening insert).
    #[inline]
    pub fn insert_new(&mut self, h: KeyHash, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        debug_assert!(self.find(h, owner, s).is_none());
        let r = u32::try_from(self.recs.len()).expect("fewer than 2^32 client ids a day");
        crate::in_place::push(&mut self.recs, || Rec {
            order: id,
            owner: owner.0,
            id: s.clone(),
        });
        self.table.insert(h.0, r);
        // The records are written in order into memory last used a day ago: ask for
        // the lines a few records on, or each new line's write stalls the matcher.
        crate::prefetch::read(self.recs.as_ptr().wrapping_add(r as usize + REC_AHEAD));
    }

    /// Keep only the entries whose order id satisfies `keep`. In place: the records
    /// are compacted and the buckets re-filled, keeping both allocations (tomorrow
    /// needs about as many ids as today).
    pub fn retain(&mut self, mut keep: impl FnMut(OrderId) -> bool) {
        self.recs.retain(|r| keep(r.order));
        self.table.clear();
        for (r, rec) in self.recs.iter().enumerate() {
            self.table
                .insert(hash_key(rec.owner, rec.id.as_bytes()).0, r as u32);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.recs.len()
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// Against a map: inserts (new and overwriting), lookups of present and
        /// absent keys, end-of-day retains, across growth of the table.
        #[test]
        fn behaves_as_a_map(ops in proptest::collection::vec((0u8..4, 0u32..5, 0u32..3000, 0u64..4), 1..4000)) {
            let mut t = ClientIds {
                table: TagTable::with_buckets(8),
                recs: Vec::new(),
            };
            let mut m: HashMap<(u32, String), u64> = HashMap::new();
            for (op, owner, id, v) in ops {
                let s = ClOrdId::from(format!("id{id}"));
                let key = (owner, s.to_string());
                match op {
                    0 | 1 => {
                        t.insert(OwnerId(owner), &s, v);
                        m.insert(key, v);
                    }
                    2 => {
                        let h = ClientIds::hash(OwnerId(owner), &s);
                        t.prefetch(h);
                        prop_assert_eq!(t.get_hashed(h, OwnerId(owner), &s), m.get(&key).copied());
                        if let std::collections::hash_map::Entry::Vacant(e) = m.entry(key) {
                            t.insert_new(h, OwnerId(owner), &s, v);
                            e.insert(v);
                        }
                    }
                    _ => {
                        if id % 50 == 0 {
                            t.retain(|o| o % 2 == 0);
                            m.retain(|_, o| *o % 2 == 0);
                        }
                    }
                }
            }
            prop_assert_eq!(t.len(), m.len());
            for ((owner, s), v) in &m {
                prop_assert_eq!(t.get(OwnerId(*owner), &ClOrdId::from(s.as_str())), Some(*v));
            }
            let mut want: Vec<_> = m.iter().map(|((o, s), v)| (OwnerId(*o), s.as_str(), *v)).collect();
            want.sort_unstable();
            prop_assert_eq!(t.sorted(), want);
        }
    }
}
