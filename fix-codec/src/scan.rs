//! Where the SOH bytes of a frame are, 64 bytes at a time.
//!
//! Splitting a frame into fields is a search for the next SOH, again and
//! again over short distances. Classifying a whole 64-byte block at once
//! into a bit mask (simdjson's idea) turns each search into a trailing-zero
//! count instead of a byte loop per field. (The `=` needs no search: the
//! tag's digits are read up to it.)

use crate::SOH;

const BLOCK: usize = 64;

/// Bit i set where byte `at + i` is SOH (bytes past the end count as not).
#[inline]
pub(crate) fn soh_mask(buf: &[u8], at: usize) -> u64 {
    match buf.get(at..at + BLOCK) {
        Some(block) => soh_mask_block(block.try_into().expect("64 bytes")),
        // The last, partial block of a longer buffer: the 64 bytes that end
        // it, shifted (no copy into a zeroed block).
        None if buf.len() >= BLOCK && at < buf.len() => {
            let tail = buf.len() - BLOCK;
            soh_mask_block(buf[tail..].try_into().expect("64 bytes")) >> (at - tail)
        }
        None => {
            let mut block = [0u8; BLOCK];
            block[..buf.len() - at].copy_from_slice(&buf[at..]);
            soh_mask_block(&block)
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn soh_mask_block(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut mask = 0u64;
    // SAFETY: SSE2 is part of the x86_64 baseline, so the intrinsics are
    // always available; each load reads bytes 16*i .. 16*i+16 of the 64-byte
    // `block`, and loadu has no alignment requirement.
    unsafe {
        let soh = _mm_set1_epi8(SOH as i8);
        for i in 0..BLOCK / 16 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * i) as *const __m128i);
            mask |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, soh)) as u16 as u64) << (16 * i);
        }
    }
    mask
}

/// Portable fallback: the same mask a byte at a time.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn soh_mask_block(block: &[u8; BLOCK]) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0, |m, (i, &b)| m | (((b == SOH) as u64) << i))
}

/// The first two SOH positions in `buf`, when both are in its first 64
/// bytes (a frame's `8=...` and `9=...` fields, usually).
#[inline]
pub(crate) fn leading_sohs(buf: &[u8]) -> Option<(usize, usize)> {
    let m = soh_mask(buf, 0);
    let rest = m & m.wrapping_sub(1);
    if rest == 0 {
        return None;
    }
    Some((m.trailing_zeros() as usize, rest.trailing_zeros() as usize))
}

/// Hands out a frame's SOH positions in order, a block's mask at a time.
///
/// Fields are contiguous, so each field ends at the next SOH not yet taken:
/// the end of field i+1 is one trailing-zero count away from the end of
/// field i, whatever happens in between. That keeps the chain from field
/// to field short, and lets the processor work on several fields' tags at
/// once.
pub(crate) struct SohScanner<'a> {
    buf: &'a [u8],
    /// Start of the block `mask` describes.
    base: usize,
    /// The block's SOH positions not yet taken.
    mask: u64,
}

impl<'a> SohScanner<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        SohScanner {
            buf,
            base: 0,
            mask: soh_mask(buf, 0),
        }
    }

    /// The next SOH not yet taken.
    #[inline]
    pub fn take(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += BLOCK;
            if self.base >= self.buf.len() {
                return None;
            }
            self.mask = soh_mask(self.buf, self.base);
        }
        let at = self.base + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }

    /// Forgets the SOH bytes before `pos` (inside a data field's value).
    pub fn skip_to(&mut self, pos: usize) {
        self.base = pos & !(BLOCK - 1);
        self.mask = soh_mask(self.buf, self.base) & (u64::MAX << (pos - self.base));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_every_soh_in_order_across_blocks() {
        let mut buf = Vec::new();
        for i in 0..200 {
            buf.extend_from_slice(format!("{i}=v{}\x01", "x".repeat(i % 70)).as_bytes());
        }
        let all: Vec<usize> = (0..buf.len()).filter(|&i| buf[i] == SOH).collect();
        let mut s = SohScanner::new(&buf);
        for &want in &all {
            assert_eq!(s.take(), Some(want));
        }
        assert_eq!(s.take(), None);
        // Skipping to any position resumes at the first SOH from there.
        for pos in (0..buf.len()).step_by(7) {
            s.skip_to(pos);
            let want = all.iter().copied().find(|&i| i >= pos);
            assert_eq!(s.take(), want, "from {pos}");
        }
        assert_eq!(SohScanner::new(b"12345").take(), None);
        // A buffer of whole blocks, skipped to its very end, has no more.
        let whole = [SOH; 2 * BLOCK];
        let mut s = SohScanner::new(&whole);
        s.skip_to(whole.len());
        assert_eq!(s.take(), None);
    }
}
