//! Live orders by (owner, latest client id) → slot.
//!
//! A cancel or replace is valid only against a live order's latest client id, and
//! that is the common case. The day's id table ([`crate::ids`]) holds every id used
//! today, so it outgrows the caches and each lookup there misses. This index holds
//! one `u32` per live order (a few thousand), so it stays in cache; the key is
//! compared against the order record itself, which the caller reads next anyway.
//! A miss here falls back to the day's table (for the refusals: done orders, older
//! ids of a chain, unknown ids), so answers do not change.

use hashbrown::HashTable;

pub(crate) struct LiveIds {
    /// Slots of live orders, hashed by (owner, latest client id).
    table: HashTable<u32>,
    /// Slot → hash it was indexed under, so removal needs no key.
    hashes: Vec<u64>,
}

impl Default for LiveIds {
    fn default() -> Self {
        LiveIds {
            table: HashTable::with_capacity(1 << 12),
            hashes: Vec::new(),
        }
    }
}

impl LiveIds {
    /// Index slot `h` under a key hashed as `hash` (the slot must not be indexed).
    pub fn insert(&mut self, h: u32, hash: u64) {
        let i = h as usize;
        if i >= self.hashes.len() {
            self.hashes.resize(i + 1, 0);
        }
        self.hashes[i] = hash;
        let hashes = &self.hashes;
        self.table.insert_unique(hash, h, |&x| hashes[x as usize]);
    }

    /// Drop slot `h` from the index, if it is there.
    pub fn remove(&mut self, h: u32) {
        let Some(&hash) = self.hashes.get(h as usize) else {
            return;
        };
        if let Ok(e) = self.table.find_entry(hash, |&x| x == h) {
            e.remove();
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// A slot indexed under a hash like `hash`, if any: a guess at the key's
    /// order, for prefetching. Only hashbrown's 7-bit tag is compared (checking
    /// the full hash would be one more miss, in `hashes`), so about one guess in
    /// a hundred is some other order.
    #[inline]
    pub fn guess(&self, hash: u64) -> Option<u32> {
        self.table.find(hash, |_| true).copied()
    }

    /// Start loading what removing slot `h` reads first (a hint).
    #[inline]
    pub fn prefetch_slot(&self, h: u32) {
        if let Some(x) = self.hashes.get(h as usize) {
            crate::prefetch::read(x);
        }
    }

    /// The slot indexed under `hash` whose order `is_key` accepts.
    #[inline]
    pub fn find(&self, hash: u64, is_key: impl Fn(u32) -> bool) -> Option<u32> {
        self.table.find(hash, |&x| is_key(x)).copied()
    }
}
