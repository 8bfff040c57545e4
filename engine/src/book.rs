//! Orders in a slab and price-time books over integer ticks.
//!
//! Each price level is a doubly linked list through the slab, so a cancel from the
//! middle of a queue is O(1) after the level lookup. The links live in their own
//! dense array beside the slab (8 bytes per slot), so unlinking an order touches its
//! neighbours' links, which stay in cache, and not their whole records.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::types::{ClOrdId, OrdStatus, OrdType, OrderId, OwnerId, Side, Tif};

pub(crate) const NIL: u32 = u32::MAX;

/// Small fast hasher for integer and short string keys (iteration order is never used).
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const K: u64 = 0x517c_c1b7_2722_0a95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ *b as u64).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(K);
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(K);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(K);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// An order record: 128 bytes, 128-aligned, so it spans exactly two cache lines
/// (a 144-byte record straddled three). Fields are laid out by hand: the first line
/// holds what finding, checking and queueing an order read; the second what
/// settlement adds. Its hold asset follows from the side (buy: quote, sell: base).
#[derive(Clone, Debug)]
#[repr(C, align(128))]
pub(crate) struct Order {
    pub cl_ord_id: ClOrdId,
    pub id: OrderId,
    /// Ticks; 0 for market orders.
    pub price: i64,
    /// Lots.
    pub qty: i64,
    pub cum: i64,
    pub owner: OwnerId,
    pub side: Side,
    pub ord_type: OrdType,
    pub tif: Tif,
    pub status: OrdStatus,
    // ---- second line
    /// Σ ticks × lots of the fills, for the average price.
    pub cum_notional: i128,
    /// What one open lot holds, in hold-asset minor units (0 for a market buy).
    pub hold_per_lot: i128,
    pub orig_cl_ord_id: Option<ClOrdId>,
    pub account: u32,
    pub instrument: u32,
}

impl Order {
    pub fn live(&self) -> bool {
        matches!(self.status, OrdStatus::New | OrdStatus::PartiallyFilled)
    }
    pub fn leaves(&self) -> i64 {
        if self.live() {
            self.qty - self.cum
        } else {
            0
        }
    }
    /// What this order holds now.
    pub fn hold(&self) -> i128 {
        self.leaves() as i128 * self.hold_per_lot
    }
}

/// A live order's neighbours in its price level's queue ([`NIL`]: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link {
    pub prev: u32,
    pub next: u32,
}

const UNLINKED: Link = Link {
    prev: NIL,
    next: NIL,
};

/// Today's orders: a dense slab of live orders (slots reused, so the working set
/// stays small) and an append-only arena of done ones, addressed by handle and id.
/// A handle with [`DONE`] set points into the arena.
///
/// Order ids are assigned sequentially by the engine, so id → handle is a plain
/// `Vec<u32>` indexed by `id - base` (4 bytes per id, one load, no hashing). Ids
/// older than `base` (long-lived GTC orders after a compaction) go to `old`.
#[derive(Default)]
pub(crate) struct OrderStore {
    slots: Vec<Option<Order>>,
    /// Queue links of the live slots, indexed like `slots`.
    links: Vec<Link>,
    free: Vec<u32>,
    /// Today's done orders are `done[..done_len]`. Those past it are from before the
    /// last end of day, dropped only as today's overwrite them: dropping them all at
    /// end of day read every record again (megabytes) just to find nothing to free,
    /// while an overwrite has the line in cache anyway.
    done: Vec<Order>,
    done_len: usize,
    base: u64,
    by_id: Vec<u32>,
    old: FxMap<OrderId, u32>,
}

pub(crate) const DONE: u32 = 1 << 31;

/// How many records ahead in the done arena [`OrderStore::retire`] prefetches.
const DONE_AHEAD: usize = 4;

/// Done orders reserved for up front (32 MB of address space, memory only as it is
/// used): a day's done orders would otherwise be copied again at every doubling of
/// the arena, a stall of milliseconds in the matcher once a day passes 2^16 orders.
const DONE_ROOM: usize = 1 << 18;

impl OrderStore {
    pub fn new() -> OrderStore {
        OrderStore {
            done: Vec::with_capacity(DONE_ROOM),
            ..OrderStore::default()
        }
    }

    /// A store holding `orders` (live ones in the slab, done ones in the arena).
    pub fn from_orders(orders: Vec<Order>) -> OrderStore {
        let mut s = OrderStore::new();
        for o in orders {
            if o.live() {
                s.slots.push(Some(o));
            } else {
                s.done.push(o);
            }
        }
        s.done_len = s.done.len();
        assert!(s.slots.len() < DONE as usize && s.done_len < (DONE - 1) as usize);
        s.links = vec![UNLINKED; s.slots.len()];
        s.reindex();
        s
    }

    #[inline]
    fn set_handle(&mut self, id: OrderId, h: u32) {
        // The usual cases: a new order's id is the next one; a retired order's
        // id is in the dense range.
        let i = id.wrapping_sub(self.base) as usize;
        if id >= self.base && !self.by_id.is_empty() {
            if let Some(x) = self.by_id.get_mut(i) {
                *x = h;
                return;
            }
            if i == self.by_id.len() {
                self.by_id.push(h);
                return;
            }
        }
        self.set_handle_slow(id, h);
    }

    #[cold]
    #[inline(never)]
    fn set_handle_slow(&mut self, id: OrderId, h: u32) {
        if self.by_id.is_empty() && self.old.is_empty() {
            self.base = id;
        }
        if id < self.base {
            self.old.insert(id, h);
            return;
        }
        let i = (id - self.base) as usize;
        if i >= self.by_id.len() {
            self.by_id.resize(i + 1, NIL);
        }
        self.by_id[i] = h;
    }

    /// Store the order `make` builds, built in its slot (see [`crate::in_place`]).
    pub fn insert(&mut self, make: impl FnOnce() -> Order) -> u32 {
        let h = match self.free.pop() {
            Some(h) => {
                let slot = &mut self.slots[h as usize];
                assert!(slot.is_none(), "a free slot is empty");
                slot.get_or_insert_with(make);
                self.links[h as usize] = UNLINKED;
                h
            }
            None => {
                crate::in_place::push(&mut self.slots, || Some(make()));
                self.links.push(UNLINKED);
                (self.slots.len() - 1) as u32
            }
        };
        assert!(h < DONE);
        let id = self.slots[h as usize].as_ref().expect("just filled").id;
        self.set_handle(id, h);
        // Filling a slot reads it first (to drop what was there), and a freed slot
        // has often left the cache: ask now for the one the next insert takes.
        if let Some(&next) = self.free.last() {
            self.prefetch(next);
        }
        h
    }

    /// Move a done order out of the live slab (call once a command is complete).
    pub fn retire(&mut self, h: u32) {
        if h & DONE != 0 {
            return;
        }
        let Some(o) = self.slots[h as usize].take_if(|o| !o.live()) else {
            return;
        };
        self.free.push(h);
        let i = self.done_len;
        self.set_handle(o.id, i as u32 | DONE);
        match self.done.get_mut(i) {
            Some(old) => *old = o,
            None => self.done.push(o),
        }
        self.done_len += 1;
        // Overwriting a record from before the last end of day reads it first (to
        // drop it): ask for the ones coming up now, or each overwrite waits on a miss.
        if let Some(next) = self.done.get(i + DONE_AHEAD) {
            let at = (next as *const Order).cast::<u8>();
            crate::prefetch::read(at);
            crate::prefetch::read(at.wrapping_add(64));
        }
    }

    /// Forget every done order (end of day).
    pub fn purge_done(&mut self) {
        // Only the slab can hold done orders not yet retired; the arena is not read.
        let stale: Vec<u32> = self
            .live_slots()
            .filter(|(_, o)| !o.live())
            .map(|(h, _)| h)
            .collect();
        for h in stale {
            self.retire(h);
        }
        self.done_len = 0;
        self.reindex();
    }

    /// Rebuild id → handle from the orders present, keeping the dense part compact:
    /// the dense range starts at the oldest id for which it stays at most ~8× as long
    /// as the number of orders it covers (plus slack); older ids go to `old`.
    pub fn reindex(&mut self) {
        let mut ids: Vec<(OrderId, u32)> = self.iter().map(|(h, o)| (o.id, h)).collect();
        ids.sort_unstable();
        self.by_id.clear();
        self.old.clear();
        self.base = 0;
        let Some(&(last, _)) = ids.last() else {
            return;
        };
        let mut start = 0;
        while start < ids.len() {
            let span = last - ids[start].0 + 1;
            let covered = (ids.len() - start) as u64;
            if span <= covered * 8 + 65_536 {
                break;
            }
            start += 1;
        }
        self.base = ids[start].0;
        self.by_id.resize((last - self.base + 1) as usize, NIL);
        for (i, &(id, h)) in ids.iter().enumerate() {
            if i < start {
                self.old.insert(id, h);
            } else {
                self.by_id[(id - self.base) as usize] = h;
            }
        }
    }

    /// Start loading live slot `h`'s record (both lines) and queue links.
    #[inline]
    pub fn prefetch(&self, h: u32) {
        if let Some(o) = self.slots.get(h as usize) {
            let at = (o as *const Option<Order>).cast::<u8>();
            crate::prefetch::read(at);
            crate::prefetch::read(at.wrapping_add(64));
            crate::prefetch::read(&self.links[h as usize]);
        }
    }

    /// Queue links of a live order.
    #[inline]
    pub fn link(&self, h: u32) -> Link {
        self.links[h as usize]
    }

    #[inline]
    pub fn link_mut(&mut self, h: u32) -> &mut Link {
        &mut self.links[h as usize]
    }

    #[inline]
    pub fn handle(&self, id: OrderId) -> Option<u32> {
        if id >= self.base {
            let h = *self.by_id.get((id - self.base) as usize)?;
            (h != NIL).then_some(h)
        } else {
            self.old.get(&id).copied()
        }
    }

    /// The orders in the slab (live ones, and any done during the current command).
    pub fn live_slots(&self) -> impl Iterator<Item = (u32, &Order)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(h, o)| o.as_ref().map(|o| (h as u32, o)))
    }

    /// Every order, live and done, with its handle.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Order)> {
        let live = self.live_slots();
        let done = self.done[..self.done_len]
            .iter()
            .enumerate()
            .map(|(i, o)| (i as u32 | DONE, o));
        live.chain(done)
    }
}

// A live handle is one bounds check and one discriminant test; a done handle (DONE
// set, so beyond any slab index) takes the out-of-line path.
impl std::ops::Index<u32> for OrderStore {
    type Output = Order;
    #[inline]
    fn index(&self, h: u32) -> &Order {
        match self.slots.get(h as usize) {
            Some(Some(o)) => o,
            _ => self.done_order(h),
        }
    }
}

impl std::ops::IndexMut<u32> for OrderStore {
    #[inline]
    fn index_mut(&mut self, h: u32) -> &mut Order {
        if let Some(Some(_)) = self.slots.get(h as usize) {
            return self.slots[h as usize].as_mut().expect("live handle");
        }
        self.done_order_mut(h)
    }
}

impl OrderStore {
    #[cold]
    #[inline(never)]
    fn done_order(&self, h: u32) -> &Order {
        assert!(h & DONE != 0, "live handle {h} names an empty slot");
        &self.done[..self.done_len][(h & !DONE) as usize]
    }

    #[cold]
    #[inline(never)]
    fn done_order_mut(&mut self, h: u32) -> &mut Order {
        assert!(h & DONE != 0, "live handle {h} names an empty slot");
        &mut self.done[..self.done_len][(h & !DONE) as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Level {
    pub head: u32,
    pub tail: u32,
}

/// Ticks covered by a ladder's window (16 KB of levels per side, allocated on first use).
const WINDOW: usize = 1024;

/// One side of a book.
///
/// Levels whose price falls in a window of [`WINDOW`] ticks are an array indexed
/// by price (a lookup is a subtraction and a bounds check), with a bitmap of the
/// occupied ones, so finding the next best level when one empties is a scan of a
/// few words. Levels outside the window are in a `BTreeMap`. The window is placed
/// around the first level created while it holds none.
pub(crate) struct Ladder {
    /// Price of `window[0]`.
    lo: i64,
    /// Empty levels have `head == NIL`.
    window: Vec<Level>,
    occupied: Vec<u64>,
    in_window: usize,
    far: BTreeMap<i64, Level>,
    best: Option<i64>,
    /// Bids: higher is better.
    high_best: bool,
}

const EMPTY: Level = Level {
    head: NIL,
    tail: NIL,
};

impl Ladder {
    fn new(high_best: bool) -> Ladder {
        Ladder {
            lo: 0,
            window: Vec::new(),
            occupied: Vec::new(),
            in_window: 0,
            far: BTreeMap::new(),
            best: None,
            high_best,
        }
    }

    fn better(&self, a: i64, b: i64) -> bool {
        if self.high_best {
            a > b
        } else {
            a < b
        }
    }

    /// Index of `price` in the window, if it is there.
    #[inline]
    fn slot(&self, price: i64) -> Option<usize> {
        // Below `lo` wraps to a huge offset; an overflowing difference is far anyway.
        let i = price.wrapping_sub(self.lo) as u64;
        (i < self.window.len() as u64).then_some(i as usize)
    }

    /// The non-empty level at `price`.
    #[inline]
    fn get(&self, price: i64) -> Option<&Level> {
        match self.slot(price) {
            Some(i) => Some(&self.window[i]).filter(|l| l.head != NIL),
            None => self.far.get(&price),
        }
    }

    #[inline]
    fn get_mut(&mut self, price: i64) -> Option<&mut Level> {
        match self.slot(price) {
            Some(i) => Some(&mut self.window[i]).filter(|l| l.head != NIL),
            None => self.far.get_mut(&price),
        }
    }

    /// Add a level at `price` (which has none).
    fn create(&mut self, price: i64, level: Level) {
        if self.in_window == 0 && self.slot(price).is_none() {
            self.place(price);
        }
        match self.slot(price) {
            Some(i) => {
                self.window[i] = level;
                self.occupied[i / 64] |= 1 << (i % 64);
                self.in_window += 1;
            }
            None => {
                self.far.insert(price, level);
            }
        }
        if self.best.is_none_or(|b| self.better(price, b)) {
            self.best = Some(price);
        }
    }

    /// Centre the (empty) window on `price`, taking in the far levels it now covers.
    #[cold]
    fn place(&mut self, price: i64) {
        debug_assert_eq!(self.in_window, 0);
        if self.window.is_empty() {
            self.window = vec![EMPTY; WINDOW];
            self.occupied = vec![0; WINDOW / 64];
        }
        self.lo = price.saturating_sub(WINDOW as i64 / 2);
        let moved: Vec<(usize, i64)> = self
            .far
            .range(self.lo..)
            .map_while(|(p, _)| Some((self.slot(*p)?, *p)))
            .collect();
        for (i, p) in moved {
            self.window[i] = self.far.remove(&p).expect("far level");
            self.occupied[i / 64] |= 1 << (i % 64);
            self.in_window += 1;
        }
    }

    /// Drop the (now empty) level at `price`.
    fn delete(&mut self, price: i64) {
        match self.slot(price) {
            Some(i) => {
                self.window[i] = EMPTY;
                self.occupied[i / 64] &= !(1 << (i % 64));
                self.in_window -= 1;
            }
            None => {
                self.far.remove(&price);
            }
        }
        if self.best == Some(price) {
            self.best = self.find_best();
        }
    }

    /// The best occupied price, from the window's bitmap and the far map's ends.
    fn find_best(&self) -> Option<i64> {
        let w = self.window_best();
        let f = if self.high_best {
            self.far.last_key_value()
        } else {
            self.far.first_key_value()
        }
        .map(|(p, _)| *p);
        match (w, f) {
            (Some(a), Some(b)) => Some(if self.better(a, b) { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    fn window_best(&self) -> Option<i64> {
        if self.in_window == 0 {
            return None;
        }
        let at = |w: usize, bit: u32| self.lo + (w * 64) as i64 + bit as i64;
        if self.high_best {
            let w = self.occupied.iter().rposition(|x| *x != 0)?;
            Some(at(w, 63 - self.occupied[w].leading_zeros()))
        } else {
            let w = self.occupied.iter().position(|x| *x != 0)?;
            Some(at(w, self.occupied[w].trailing_zeros()))
        }
    }

    /// Occupied levels from best to worst.
    fn iter(&self) -> Box<dyn Iterator<Item = (i64, Level)> + '_> {
        let lo = self.lo;
        let hi = lo.saturating_add(self.window.len() as i64);
        let window = self
            .window
            .iter()
            .enumerate()
            .filter(|(_, l)| l.head != NIL)
            .map(move |(i, l)| (lo + i as i64, *l));
        let far = |r: std::ops::Range<i64>| self.far.range(r).map(|(p, l)| (*p, *l));
        if self.window.is_empty() {
            return if self.high_best {
                Box::new(self.far.iter().rev().map(|(p, l)| (*p, *l)))
            } else {
                Box::new(self.far.iter().map(|(p, l)| (*p, *l)))
            };
        }
        // Far levels lie wholly below or above the window.
        let below = far(i64::MIN..lo);
        let above = self.far.range(hi..).map(|(p, l)| (*p, *l));
        if self.high_best {
            Box::new(above.rev().chain(window.rev()).chain(below.rev()))
        } else {
            Box::new(below.chain(window).chain(above))
        }
    }
}

pub(crate) struct Book {
    pub bids: Ladder,
    pub asks: Ladder,
}

impl Default for Book {
    fn default() -> Book {
        Book {
            bids: Ladder::new(true),
            asks: Ladder::new(false),
        }
    }
}

impl Book {
    #[inline]
    fn side(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    #[inline]
    fn side_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Best price and the order at the head of its queue.
    #[inline]
    pub fn best(&self, side: Side) -> Option<(i64, u32)> {
        let p = self.best_price(side)?;
        Some((p, self.head(side, p)))
    }

    #[inline]
    pub fn best_price(&self, side: Side) -> Option<i64> {
        self.side(side).best
    }

    /// The order at the head of the queue at `price` (which must have one).
    #[inline]
    pub fn head(&self, side: Side, price: i64) -> u32 {
        self.side(side).get(price).expect("level at the price").head
    }

    /// Levels of one side from best to worst.
    pub fn levels(&self, side: Side) -> Box<dyn Iterator<Item = (i64, Level)> + '_> {
        self.side(side).iter()
    }

    pub fn push_back(&mut self, store: &mut OrderStore, h: u32) {
        let (side, price) = {
            let o = &store[h];
            (o.side, o.price)
        };
        let l = self.side_mut(side);
        match l.get_mut(price) {
            None => {
                l.create(price, Level { head: h, tail: h });
                *store.link_mut(h) = UNLINKED;
            }
            Some(lv) => {
                let tail = lv.tail;
                lv.tail = h;
                store.link_mut(tail).next = h;
                *store.link_mut(h) = Link {
                    prev: tail,
                    next: NIL,
                };
            }
        }
    }

    pub fn remove(&mut self, store: &mut OrderStore, h: u32) {
        let (side, price) = {
            let o = &store[h];
            (o.side, o.price)
        };
        let Link { prev, next } = store.link(h);
        let l = self.side_mut(side);
        let lv = l.get_mut(price).expect("order's level exists");
        if prev == NIL {
            debug_assert_eq!(lv.head, h);
            lv.head = next;
        } else {
            store.link_mut(prev).next = next;
        }
        if next == NIL {
            debug_assert_eq!(lv.tail, h);
            lv.tail = prev;
        } else {
            store.link_mut(next).prev = prev;
        }
        if lv.head == NIL {
            l.delete(price);
        }
        *store.link_mut(h) = UNLINKED;
    }

    /// Handles of one side in priority order.
    pub fn queue(&self, store: &OrderStore, side: Side) -> Vec<u32> {
        let mut v = Vec::new();
        for (_, l) in self.levels(side) {
            let mut h = l.head;
            while h != NIL {
                v.push(h);
                h = store.link(h).next;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random level creations and deletions, near and far from the window and at the
    /// ends of the i64 range, agree with an ordered map on lookups, best and order.
    #[test]
    fn ladder_agrees_with_an_ordered_map() {
        for high_best in [true, false] {
            let mut l = Ladder::new(high_best);
            let mut m: BTreeMap<i64, Level> = BTreeMap::new();
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for step in 0..20_000u32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let price = match x % 8 {
                    0 => i64::MAX - (x >> 8) as i64 % 700,
                    1 => i64::MIN + (x >> 8) as i64 % 700,
                    2 => 5_000 + (x >> 8) as i64 % 5_000,
                    _ => 1_000 + (x >> 8) as i64 % 1_500,
                };
                if m.remove(&price).is_some() {
                    assert!(l.get(price).is_some());
                    l.delete(price);
                } else {
                    assert!(l.get(price).is_none());
                    let lv = Level {
                        head: step,
                        tail: step,
                    };
                    m.insert(price, lv);
                    l.create(price, lv);
                }
                if step % 1000 == 999 {
                    // Empty the usual region, so the window is placed again elsewhere.
                    let near: Vec<i64> = m.range(1_000..2_500).map(|(p, _)| *p).collect();
                    for p in near {
                        m.remove(&p);
                        l.delete(p);
                    }
                }
                let want = if high_best {
                    m.last_key_value()
                } else {
                    m.first_key_value()
                };
                assert_eq!(l.best, want.map(|(p, _)| *p));
                if step % 97 == 0 {
                    let got: Vec<(i64, Level)> = l.iter().collect();
                    let mut want: Vec<(i64, Level)> = m.iter().map(|(p, l)| (*p, *l)).collect();
                    if high_best {
                        want.reverse();
                    }
                    assert_eq!(got, want);
                    for (p, lv) in &m {
                        assert_eq!(l.get(*p), Some(lv));
                    }
                }
            }
        }
    }

    #[test]
    fn an_order_is_two_cache_lines() {
        assert_eq!(std::mem::size_of::<Option<Order>>(), 128);
        assert_eq!(std::mem::align_of::<Option<Order>>(), 128);
    }
}
