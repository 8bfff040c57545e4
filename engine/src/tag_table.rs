//! An open-addressing hash index from a 64-bit hash to a `u32` value, in one
//! `u64` per bucket: the hash's high 32 bits (the tag) and the value.
//!
//! The day's client-id table uses it instead of `hashbrown` for two reasons: the
//! bucket a key probes first is known from its hash, so the run loop can
//! [`TagTable::prefetch`] it for commands further on in a batch (hashbrown does
//! not expose bucket addresses); and a probe is one cache line and a few
//! instructions. (The live-order index stays on hashbrown: it is not prefetched,
//! and hashbrown's one control byte per bucket keeps it a third of this size, in
//! cache. Moved to this table it measured about 15 % slower.) The tag filters candidates, so a
//! miss (the usual answer of a duplicate check) reads nothing but the bucket, and
//! a hit is confirmed by the caller against its own record.
//!
//! Linear probing at a load of at most one half. Entries are only ever removed
//! all at once. The home bucket comes from the tag's bits too, so growing
//! re-places entries without asking for their keys again.

const VALUE: u64 = 0xffff_ffff;

pub(crate) struct TagTable {
    /// `tag << 32 | (value + 1)`, 0 where empty; the length is a power of two.
    buckets: Vec<u64>,
    len: usize,
}

impl TagTable {
    /// An empty table of `buckets` buckets (a power of two), good for half as many
    /// entries before it grows.
    pub fn with_buckets(buckets: usize) -> TagTable {
        assert!(buckets.is_power_of_two());
        TagTable {
            buckets: vec![0; buckets],
            len: 0,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash >> 32) as usize & self.mask()
    }

    /// Start loading the bucket a lookup of `hash` reads first (a hint only).
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        crate::prefetch::read(&self.buckets[self.home(hash)]);
    }

    /// The first value under `hash`'s tag that `is_key` accepts. Values under the
    /// same tag come in insertion order.
    #[inline]
    pub fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        let (mask, tag) = (self.mask(), hash & !VALUE);
        let mut i = self.home(hash);
        loop {
            let b = self.buckets[i];
            if b == 0 {
                return None;
            }
            if b & !VALUE == tag {
                let v = (b & VALUE) as u32 - 1;
                if is_key(v) {
                    return Some(v);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Add `value` under `hash` (the caller knows the key is not there yet).
    #[inline]
    pub fn insert(&mut self, hash: u64, value: u32) {
        assert!(value < u32::MAX, "value fits the bucket");
        if 2 * (self.len + 1) > self.buckets.len() {
            self.grow();
        }
        self.place(hash & !VALUE | (value as u64 + 1));
        self.len += 1;
    }

    #[inline]
    fn place(&mut self, bucket: u64) {
        let mask = self.mask();
        let mut i = self.home(bucket);
        while self.buckets[i] != 0 {
            i = (i + 1) & mask;
        }
        self.buckets[i] = bucket;
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let grown = vec![0; self.buckets.len() * 2];
        let old = std::mem::replace(&mut self.buckets, grown);
        for b in old.into_iter().filter(|&b| b != 0) {
            self.place(b);
        }
    }

    /// Remove everything, keeping the allocation.
    pub fn clear(&mut self) {
        self.buckets.fill(0);
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// Hashes that collide on purpose: few distinct tags and homes.
    fn hash(k: u32) -> u64 {
        ((k % 7) as u64) << 40 | ((k % 13) as u64) << 32 | k as u64
    }

    proptest! {
        /// Against a map from key to value, with keys whose hashes collide often,
        /// across growth and clearing.
        #[test]
        fn behaves_as_a_map(ops in proptest::collection::vec((0u8..20, 0u32..200), 1..2000)) {
            let mut t = TagTable::with_buckets(4);
            let mut m: HashMap<u32, u32> = HashMap::new();
            // Each key's value is the key itself, so `is_key` is `v == k`.
            for (op, k) in ops {
                let found = t.find(hash(k), |v| v == k);
                prop_assert_eq!(found, m.get(&k).copied());
                if op == 0 {
                    t.clear();
                    m.clear();
                } else if found.is_none() {
                    t.prefetch(hash(k));
                    t.insert(hash(k), k);
                    m.insert(k, k);
                }
                prop_assert_eq!(t.len(), m.len());
                prop_assert!(2 * t.len() <= t.buckets.len());
            }
            for k in 0..200 {
                prop_assert_eq!(t.find(hash(k), |v| v == k), m.get(&k).copied());
            }
            t.clear();
            prop_assert_eq!(t.find(hash(1), |_| true), None);
        }
    }
}
