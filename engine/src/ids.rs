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
//! * keys live in an append-only `Vec<Rec>` of 32-byte records, with the id inline
//!   when it is at most [`INLINE`] bytes (longer ids are kept in a side `Vec<ClOrdId>`);
//! * the hash table ([`hashbrown::HashTable`]) holds only a `u32` record index per
//!   bucket, so it stays small and cache-resident, and a miss is decided by its SIMD
//!   control bytes without touching any record;
//! * keys are hashed with `foldhash` (fixed seed, so behaviour is deterministic; the
//!   table is never iterated to make a decision — dumps go through [`ClientIds::sorted`]).

use hashbrown::HashTable;
use std::hash::{BuildHasher, Hasher};

use crate::types::{ClOrdId, OrderId, OwnerId};

const INLINE: usize = 19;
/// `len` marker of a record whose id is in `long` (index in the first 4 bytes).
const LONG: u8 = u8::MAX;

#[derive(Clone, Copy)]
struct Rec {
    order: OrderId,
    owner: u32,
    len: u8,
    b: [u8; INLINE],
}

/// Precomputed hash of a key, so a check-then-insert hashes once.
#[derive(Clone, Copy)]
pub(crate) struct KeyHash(pub u64);

/// Client id → order id (0: used by a request that has no order).
pub(crate) struct ClientIds {
    table: HashTable<u32>,
    recs: Vec<Rec>,
    long: Vec<ClOrdId>,
}

/// Room reserved up front (~0.2 MB of table, 2 MB of records as they fill), so a
/// trading day does not start with a cascade of rehashes.
const INITIAL: usize = 1 << 16;

impl Default for ClientIds {
    fn default() -> Self {
        ClientIds {
            table: HashTable::with_capacity(INITIAL),
            recs: Vec::with_capacity(INITIAL),
            long: Vec::new(),
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
    fn key<'a>(recs: &'a [Rec], long: &'a [ClOrdId], i: u32) -> (u32, &'a [u8]) {
        let r = &recs[i as usize];
        if r.len == LONG {
            let ix = u32::from_le_bytes(r.b[..4].try_into().expect("4 bytes"));
            (r.owner, long[ix as usize].as_bytes())
        } else {
            (r.owner, &r.b[..r.len as usize])
        }
    }

    #[inline]
    pub fn hash(owner: OwnerId, s: &str) -> KeyHash {
        KeyHash(hash_key(owner.0, s.as_bytes()))
    }

    #[inline]
    fn find(&self, h: KeyHash, owner: OwnerId, s: &str) -> Option<u32> {
        let (recs, long) = (&self.recs, &self.long);
        let s = s.as_bytes();
        self.table
            .find(h.0, |&i| {
                let r = &recs[i as usize];
                r.owner == owner.0
                    && if s.len() <= INLINE {
                        r.len as usize == s.len() && r.b[..s.len()] == *s
                    } else {
                        r.len == LONG && Self::key(recs, long, i).1 == s
                    }
            })
            .copied()
    }

    #[inline]
    pub fn get_hashed(&self, h: KeyHash, owner: OwnerId, s: &str) -> Option<OrderId> {
        self.find(h, owner, s).map(|i| self.recs[i as usize].order)
    }

    #[inline]
    pub fn get(&self, owner: OwnerId, s: &str) -> Option<OrderId> {
        self.get_hashed(Self::hash(owner, s), owner, s)
    }

    /// Record `s` (hashed as `h`) → `id`, replacing any earlier value.
    pub fn insert_hashed(&mut self, h: KeyHash, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        if let Some(i) = self.find(h, owner, s) {
            self.recs[i as usize].order = id;
            return;
        }
        self.push(h, owner, s, || s.clone(), id);
    }

    /// Record a key the caller has just seen missing (no intervening insert).
    #[inline]
    pub fn insert_new(&mut self, h: KeyHash, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        debug_assert!(self.find(h, owner, s).is_none());
        self.push(h, owner, s, || s.clone(), id);
    }

    pub fn insert(&mut self, owner: OwnerId, s: &ClOrdId, id: OrderId) {
        self.insert_hashed(Self::hash(owner, s), owner, s, id);
    }

    #[inline]
    fn push(
        &mut self,
        h: KeyHash,
        owner: OwnerId,
        s: &str,
        arc: impl FnOnce() -> ClOrdId,
        id: OrderId,
    ) {
        let mut rec = Rec {
            order: id,
            owner: owner.0,
            len: 0,
            b: [0; INLINE],
        };
        if s.len() <= INLINE {
            rec.len = s.len() as u8;
            rec.b[..s.len()].copy_from_slice(s.as_bytes());
        } else {
            let ix = u32::try_from(self.long.len()).expect("fewer than 2^32 long ids");
            rec.len = LONG;
            rec.b[..4].copy_from_slice(&ix.to_le_bytes());
            self.long.push(arc());
        }
        let i = u32::try_from(self.recs.len()).expect("fewer than 2^32 client ids a day");
        self.recs.push(rec);
        let (recs, long) = (&self.recs, &self.long);
        self.table.insert_unique(h.0, i, |&j| {
            let (o, b) = Self::key(recs, long, j);
            hash_key(o, b)
        });
    }

    /// Keep only the entries whose order id satisfies `keep` (rebuilds the table).
    pub fn retain(&mut self, mut keep: impl FnMut(OrderId) -> bool) {
        let old = std::mem::take(self);
        // Keep the room: tomorrow needs about as many ids as today (no regrowth).
        self.table
            .reserve(old.recs.len(), |_| unreachable!("empty table"));
        self.recs.reserve(old.recs.len());
        for i in 0..old.recs.len() as u32 {
            let r = &old.recs[i as usize];
            if keep(r.order) {
                let (o, b) = Self::key(&old.recs, &old.long, i);
                let s = std::str::from_utf8(b).expect("keys are str");
                let arc = || {
                    old.long[u32::from_le_bytes(r.b[..4].try_into().expect("4")) as usize].clone()
                };
                self.push(KeyHash(hash_key(o, b)), OwnerId(o), s, arc, r.order);
            }
        }
    }

    /// All entries sorted by (owner, id), for the canonical dump.
    pub fn sorted(&self) -> Vec<(OwnerId, &str, OrderId)> {
        let mut v: Vec<_> = (0..self.recs.len() as u32)
            .map(|i| {
                let (o, b) = Self::key(&self.recs, &self.long, i);
                (
                    OwnerId(o),
                    std::str::from_utf8(b).expect("keys are str"),
                    self.recs[i as usize].order,
                )
            })
            .collect();
        v.sort_unstable();
        v
    }
}
