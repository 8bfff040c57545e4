//! Cache prefetch hints. The matcher's tables outgrow the caches, and the run loop
//! knows the next commands of a batch: asking for their lines early lets the misses
//! overlap the current command's work instead of stalling the next one.

/// Start loading the cache line holding the byte at `x` (no effect on program
/// state; any address is allowed, since a prefetch never faults).
#[inline(always)]
pub(crate) fn read<T>(x: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of the x86_64 baseline, and a prefetch is only a hint:
    // it never faults (whatever the address) and never changes memory.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Start loading every line of the `T` at `x`.
#[inline(always)]
pub(crate) fn read_all<T>(x: *const T) {
    let at = x.cast::<u8>();
    let mut off = 0;
    while off < std::mem::size_of::<T>() {
        read(at.wrapping_add(off));
        off += 64;
    }
}
