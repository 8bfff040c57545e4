//! Building values where they will stay.
//!
//! A struct built on the stack and then moved is written field by field and read
//! back in wider pieces; a read that spans several of those writes cannot be
//! forwarded from the store buffer and waits for them to reach the cache. On the
//! matcher's hot path that was a stall per event and per client-id record.

/// Append `make()` to `v`, built in its final place, and return it.
#[inline(always)]
pub(crate) fn push<T>(v: &mut Vec<T>, make: impl FnOnce() -> T) -> &mut T {
    v.reserve(1);
    let len = v.len();
    v.spare_capacity_mut()[0].write(make());
    // SAFETY: `reserve(1)` made room for element `len`, and the write above
    // initialised it.
    unsafe { v.set_len(len + 1) };
    &mut v[len]
}
