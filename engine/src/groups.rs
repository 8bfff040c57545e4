//! `GroupIndex`: a hash index of `u32` values kept outside it (record numbers), for
//! a table that only grows during the day and is emptied wholesale.
//!
//! Buckets come in groups of one cache line: ten values with a 16-bit tag each (bits
//! of the key's hash apart from those that pick the group). A key is looked for in
//! its home group and, only if that is full, the next ones. So a lookup of a key that
//! is not there (the usual case: a duplicate check) reads one line and, with tags of
//! 16 bits, almost never a record; the insert that follows writes that same line.
//! There is no removal, so a group's slots fill in order and `len` says which are used.

const SLOTS: usize = 10;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Group {
    len: u32,
    tags: [u16; SLOTS],
    values: [u32; SLOTS],
}

const EMPTY: Group = Group {
    len: 0,
    tags: [0; SLOTS],
    values: [0; SLOTS],
};

pub(crate) struct GroupIndex {
    groups: Vec<Group>,
    /// 64 − log2(groups): home group = hash >> shift.
    shift: u32,
    len: usize,
}

/// At most this many values per group on average (of [`SLOTS`]), so few groups overflow.
const MAX_AVERAGE_TENTHS: usize = 75;

impl GroupIndex {
    /// An index holding `n` values before it grows.
    pub fn with_capacity(n: usize) -> GroupIndex {
        let groups = (n * 10)
            .div_ceil(MAX_AVERAGE_TENTHS)
            .next_power_of_two()
            .max(16);
        GroupIndex {
            groups: vec![EMPTY; groups],
            shift: 64 - groups.trailing_zeros(),
            len: 0,
        }
    }

    #[inline]
    fn home(&self, hash: u64) -> (usize, u16) {
        ((hash >> self.shift) as usize, hash as u16)
    }

    /// The value stored under `hash` that `is_key` accepts.
    #[inline]
    pub fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        let (mut g, tag) = self.home(hash);
        let mask = self.groups.len() - 1;
        loop {
            let group = &self.groups[g];
            let n = group.len as usize;
            // (A plain loop: comparing all ten tags at once as 16-bit lanes of three
            // words took more instructions.)
            for k in 0..n.min(SLOTS) {
                if group.tags[k] == tag && is_key(group.values[k]) {
                    return Some(group.values[k]);
                }
            }
            if n < SLOTS {
                return None;
            }
            g = (g + 1) & mask;
        }
    }

    /// Store `value` under `hash` (its key must not be present). `rehash` gives the
    /// hash of a stored value, for growing.
    #[inline]
    pub fn insert(&mut self, hash: u64, value: u32, rehash: impl Fn(u32) -> u64) {
        if (self.len + 1) * 10 > self.groups.len() * MAX_AVERAGE_TENTHS {
            self.grow(rehash);
        }
        self.put(hash, value);
        self.len += 1;
    }

    #[inline]
    fn put(&mut self, hash: u64, value: u32) {
        let (mut g, tag) = self.home(hash);
        let mask = self.groups.len() - 1;
        loop {
            let group = &mut self.groups[g];
            let n = group.len as usize;
            if n < SLOTS {
                group.tags[n] = tag;
                group.values[n] = value;
                group.len += 1;
                return;
            }
            g = (g + 1) & mask;
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, rehash: impl Fn(u32) -> u64) {
        let n = self.groups.len() * 2;
        let old = std::mem::replace(&mut self.groups, vec![EMPTY; n]);
        self.shift -= 1;
        for group in &old {
            for &v in &group.values[..group.len as usize] {
                self.put(rehash(v), v);
            }
        }
    }

    /// Empty the index, keeping its groups.
    pub fn clear(&mut self) {
        self.groups.fill(EMPTY);
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_group_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Group>(), 64);
    }

    /// Values found under their hashes through growth, overflowing groups (few
    /// distinct homes) and equal tags, and gone after a clear.
    #[test]
    fn agrees_with_a_map() {
        let hash_of = |v: u32| {
            let x = (v as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            // 8 homes at most and 64 tags: long overflow runs, many equal tags.
            (x & 0xe000_0000_0000_0000) | (x >> 20) & 0x3f
        };
        for round in 0..2 {
            let mut t = GroupIndex::with_capacity(4);
            let mut m = HashMap::new();
            for v in 0..3_000u32 {
                let h = hash_of(v);
                assert_eq!(t.find(h, |x| x == v), None);
                t.insert(h, v, hash_of);
                m.insert(v, h);
                if v % 97 == 0 {
                    for (&w, &hw) in &m {
                        assert_eq!(t.find(hw, |x| x == w), Some(w));
                    }
                }
            }
            if round == 0 {
                t.clear();
                for (&w, &hw) in &m {
                    assert_eq!(t.find(hw, |x| x == w), None);
                }
            }
        }
    }
}
