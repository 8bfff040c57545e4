//! FIX 4.2 codec: framing, zero-copy decoding, dictionary validation,
//! encoding and typed messages.
//!
//! Everything here is deterministic: no I/O, no clocks, no threads. Bytes and
//! (where a rule needs it) the current time come in as arguments; frames,
//! fields, rejects and encoded bytes come out. The only async-flavoured piece,
//! [`FixCodec`], is a `tokio_util::codec` adapter over the same pure framer.
//!
//! Layers, each usable alone:
//! - [`framer`]: message boundaries in a byte stream, QuickFIX `Parser` rules,
//!   garbled frames told apart from well-framed ones.
//! - [`decode`]: a frame as `(tag, bytes)` fields in wire order, with typed
//!   accessors ([`value`]) and repeating groups given a [`Dictionary`].
//! - [`dictionary`] + [`validate`]: QuickFIX-schema XML dictionaries and the
//!   checks QuickFIX makes, answering with a [`SessionReject`].
//! - [`encode`]: a builder that computes BodyLength and CheckSum, and resend
//!   re-emission.
//! - [`messages`]: typed session and order-entry messages.

pub mod codec;
pub mod decode;
pub mod dictionary;
pub mod encode;
pub mod framer;
pub mod messages;
mod scan;
pub mod tags;
pub mod validate;
pub mod value;

pub use codec::{FixCodec, Inbound};
pub use decode::{DecodeError, Field, Message};
pub use dictionary::{Dictionary, DictionaryError, FieldType};
pub use encode::MessageBuilder;
pub use framer::{Framer, FramerEvent, Garbled};
pub use validate::{SessionReject, SessionRejectReason, ValidationOptions};

/// SOH, the field delimiter.
pub const SOH: u8 = 0x01;

/// The built-in FIX 4.2 dictionary (spec/FIX42.xml), in QuickFIX's schema.
pub const FIX42_XML: &str = include_str!("../../spec/FIX42.xml");

/// The built-in FIX 4.2 dictionary, parsed once.
pub fn fix42() -> &'static Dictionary {
    use std::sync::OnceLock;
    static DICT: OnceLock<Dictionary> = OnceLock::new();
    DICT.get_or_init(|| Dictionary::from_xml(FIX42_XML).expect("built-in FIX42.xml is valid"))
}

/// Sum of bytes modulo 256, the FIX CheckSum.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi64, _mm_and_si128, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_sad_epu8,
        _mm_setzero_si128, _mm_unpackhi_epi64,
    };
    let n = bytes.len();
    if n < 16 {
        let mut block = [0u8; 16];
        block[..n].copy_from_slice(bytes);
        return checksum(&block);
    }
    /// 16 zero bytes then 16 ones: the 16 bytes from offset k keep the last k.
    static TAIL_MASK: [u8; 32] = {
        let mut m = [0u8; 32];
        let mut i = 16;
        while i < 32 {
            m[i] = 0xFF;
            i += 1;
        }
        m
    };
    let whole = n / 16 * 16;
    let rest = n - whole;
    // SAFETY: SSE2 is part of the x86_64 baseline, so the intrinsics are
    // always available. Every load reads 16 bytes inside its slice: chunk
    // i of `bytes` at 16*i < whole <= n - 16 + 16, the last 16 bytes of
    // `bytes` (n >= 16), and TAIL_MASK at rest < 16 of its 32 bytes;
    // loadu has no alignment requirement.
    let sum = unsafe {
        // psadbw against zero adds 8 bytes into each 64-bit half.
        let zero = _mm_setzero_si128();
        let mut acc = _mm_setzero_si128();
        for i in (0..whole).step_by(16) {
            let v = _mm_loadu_si128(bytes.as_ptr().add(i) as *const __m128i);
            acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
        }
        // The last `rest` bytes: the final 16, masked to those.
        let last = _mm_loadu_si128(bytes.as_ptr().add(n - 16) as *const __m128i);
        let mask = _mm_loadu_si128(TAIL_MASK.as_ptr().add(rest) as *const __m128i);
        acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_and_si128(last, mask), zero));
        _mm_cvtsi128_si64(acc) as u64 + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)) as u64
    };
    sum as u8
}

/// Sum of bytes modulo 256, the FIX CheckSum.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // Sixteen u16 lanes, which the compiler keeps in vector registers; each
    // lane wraps on its own, and 2^16 is a multiple of 256, so the sum of
    // the lanes is still right modulo 256.
    let mut lanes = [0u16; 16];
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        for (l, &b) in lanes.iter_mut().zip(c) {
            *l = l.wrapping_add(b as u16);
        }
    }
    let mut sum = lanes.iter().fold(0u16, |a, &l| a.wrapping_add(l));
    for &b in chunks.remainder() {
        sum = sum.wrapping_add(b as u16);
    }
    (sum & 0xff) as u8
}

/// Word-at-a-time byte search for the short distances FIX fields have.
pub(crate) mod swar {
    pub const LO: u64 = 0x0101_0101_0101_0101;
    pub const HI: u64 = 0x8080_8080_8080_8080;

    /// Eight bytes at `at`, first byte lowest.
    #[inline(always)]
    pub fn load(buf: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&buf[at..at + 8]);
        u64::from_le_bytes(w)
    }

    /// High bit set in each byte of `w` that is zero, exact up to and
    /// including the first zero byte (all that `first` needs).
    #[inline(always)]
    pub fn zeros(w: u64) -> u64 {
        w.wrapping_sub(LO) & !w & HI
    }

    /// Index of the first byte of `w` equal to `b`, if any.
    #[inline(always)]
    pub fn first(w: u64, b: u8) -> Option<usize> {
        let m = zeros(w ^ (LO * b as u64));
        if m == 0 {
            None
        } else {
            Some((m.trailing_zeros() / 8) as usize)
        }
    }

    /// Position of the first `b` in `hay`: four words inline, then memchr.
    #[inline(always)]
    pub fn find(hay: &[u8], b: u8) -> Option<usize> {
        let mut i = 0;
        while i + 8 <= hay.len() {
            if let Some(n) = first(load(hay, i), b) {
                return Some(i + n);
            }
            i += 8;
            if i == 32 {
                return memchr::memchr(b, &hay[i..]).map(|n| i + n);
            }
        }
        hay[i..].iter().position(|&c| c == b).map(|n| i + n)
    }
}
