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
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // Summing in u32 lanes lets the compiler vectorise; wrap once at the end.
    let mut sum: u32 = 0;
    for &b in bytes {
        sum = sum.wrapping_add(b as u32);
    }
    (sum & 0xff) as u8
}
