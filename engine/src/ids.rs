//! Today's client order ids: (owner, id) → order id.
//!
//! Built for the hot path, where every command probes this table with an id it has
//! most likely never seen (the duplicate check) and then records it. Finding a live
//! order by its latest id, the usual cancel/replace target, goes through the small
//! [`crate::live_ids`] index first; this table answers the rest.
//!
//! The table outgrows the caches over a day (tens of thousands of ids), so each probe
//! is a cache miss. It is hand-written, not a `hashbrown` table, for one reason: the
//! run loop knows the next commands of a batch and [`ClientIds::prefetch`]es their
//! buckets while it works on the current one, which needs the bucket's address from
//! the hash. (A probe and an insert here are also a fraction of hashbrown's
//! general-purpose insert path.)
//!
//! * keys live in an append-only `Vec<Rec>` of 40-byte records, the id a [`ClOrdId`]
//!   (inline when short, so copying and comparing it is fixed-size work);
//! * buckets are one `u64` each: the record index + 1 (0 = empty) and 32 bits of the
//!   hash as a tag, so a miss, the usual answer, is decided without touching any
//!   record. Linear probing at a load of at most one half: a probe reads about one
//!   cache line. Nothing is ever deleted except at end of day, which rebuilds;
//! * keys are hashed with `foldhash` (fixed seed, so behaviour is deterministic; the
//!   table is never iterated to make a decision — dumps go through [`ClientIds::sorted`]).

use std::hash::{BuildHasher, Hasher};

use crate::types::{ClOrdId, OrderId, OwnerId};

struct Rec {
    order: OrderId,
    owner: u32,
    id: ClOrdId,
}

/// Precomputed hash of a key, so a check-then-insert hashes once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyHash(pub u64);

impl KeyHash {
    /// The bucket tag: the hash's high half (the low bits pick the bucket).
    #[inline]
    fn tag(self) -> u64 {
        self.0 & !0xffff_ffff
    }
}

/// Client id → order id (0: used by a request that has no order).
pub(crate) struct ClientIds {
    /// `tag | (record index + 1)`, 0 where empty; the length is a power of two.
    buckets: Vec<u64>,
    recs: Vec<Rec>,
}

/// Records reserved up front (2.5 MB as they fill, 1 MB of buckets), so a trading
/// day does not start with a cascade of rehashes.
const INITIAL: usize = 1 << 16;

impl Default for ClientIds {
    fn default() -> Self {
        ClientIds {
            buckets: vec![0; 2 * INITIAL],
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

const INDEX: u64 = 0xffff_ffff;

impl ClientIds {
    #[inline]
    pub fn hash(owner: OwnerId, s: &str) -> KeyHash {
        hash_key(owner.0, s.as_bytes())
    }

    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    /// Start loading the bucket `h` probes first (a hint: no effect on the answer).
    #[inline]
    pub fn prefetch(&self, h: KeyHash) {
        crate::prefetch::read(&self.buckets[h.0 as usize & self.mask()]);
    }

    /// The record index of the key, or the bucket where it would go.
    #[inline]
    fn probe(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Result<usize, usize> {
        let mask = self.mask();
        let mut i = h.0 as usize & mask;
        loop {
            let b = self.buckets[i];
            if b == 0 {
                return Err(i);
            }
            if b & !INDEX == h.tag() {
                let r = (b & INDEX) as usize - 1;
                let rec = &self.recs[r];
                if rec.owner == owner.0 && rec.id == *s {
                    return Ok(r);
                }
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn get_hashed(&self, h: KeyHash, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.probe(h, owner, s).ok().map(|r| self.recs[r].order)
    }

    #[inline]
    pub fn get(&self, owner: OwnerId, s: &ClOrdId) -> Option<OrderId> {
        self.get_hashed(Self::hash(owner, s), owner, s)
    }

    /// Record `s` → `id`, replacing any earlier value.
    pub fn insert(&mut self, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        let h = Self::hash(owner, s);
        match self.probe(h, owner, s) {
            Ok(r) => self.recs[r].order = id,
            Err(_) => self.insert_new(h, owner, s, id),
        }
    }

    /// Record a key the caller has just seen missing (no intervening insert).
    #[inline]
    pub fn insert_new(&mut self, h: KeyHash, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        debug_assert!(self.probe(h, owner, s).is_err());
        if 2 * (self.recs.len() + 1) > self.buckets.len() {
            self.grow();
        }
        let n = self.recs.len();
        assert!(n < INDEX as usize, "fewer than 2^32 client ids a day");
        self.recs.push(Rec {
            order: id,
            owner: owner.0,
            id: s.clone(),
        });
        self.place(h, n);
    }

    /// Put record `r` in the first empty bucket from its hash's.
    #[inline]
    fn place(&mut self, h: KeyHash, r: usize) {
        let mask = self.mask();
        let mut i = h.0 as usize & mask;
        while self.buckets[i] != 0 {
            i = (i + 1) & mask;
        }
        self.buckets[i] = h.tag() | (r as u64 + 1);
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let n = self.buckets.len() * 2;
        self.rebuild(n);
    }

    /// Empty the buckets (`n` of them) and place every record again.
    fn rebuild(&mut self, n: usize) {
        self.buckets.clear();
        self.buckets.resize(n, 0);
        for r in 0..self.recs.len() {
            let rec = &self.recs[r];
            let h = hash_key(rec.owner, rec.id.as_bytes());
            self.place(h, r);
        }
    }

    /// Keep only the entries whose order id satisfies `keep`. In place: the records
    /// are compacted and the buckets re-filled, keeping both allocations (tomorrow
    /// needs about as many ids as today).
    pub fn retain(&mut self, mut keep: impl FnMut(OrderId) -> bool) {
        self.recs.retain(|r| keep(r.order));
        let n = self.buckets.len();
        self.rebuild(n);
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
                buckets: vec![0; 8],
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
                prop_assert!(2 * t.len() <= t.buckets.len());
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
