//! The framer as a `tokio_util::codec` Decoder and Encoder.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::framer::{verify, Framer, FramerEvent, Garbled};

/// What the decoder yields: a verified frame, or bytes FIX says to ignore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A frame whose 8/9/35 order, BodyLength and CheckSum are right.
    Message(Bytes),
    /// Dropped bytes and why; the session logs them and moves on.
    Garbled { bytes: Bytes, reason: Garbled },
}

/// Frames FIX messages from a byte stream; encodes already-framed messages.
#[derive(Debug, Clone, Default)]
pub struct FixCodec {
    framer: Framer,
    /// Check BodyLength and CheckSum (QuickFIX ValidateLengthAndChecksum).
    pub verify: bool,
}

impl FixCodec {
    pub fn new(max_message_size: usize) -> Self {
        FixCodec {
            framer: Framer::new(max_message_size),
            verify: true,
        }
    }
}

impl Decoder for FixCodec {
    type Item = Inbound;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>, std::io::Error> {
        match self.framer.next(src) {
            FramerEvent::NeedMore => {
                src.reserve(512);
                Ok(None)
            }
            FramerEvent::Skip { len, reason } => Ok(Some(Inbound::Garbled {
                bytes: src.split_to(len).freeze(),
                reason,
            })),
            FramerEvent::Frame { len } => {
                let frame = src.split_to(len).freeze();
                match if self.verify { verify(&frame) } else { Ok(()) } {
                    Ok(()) => Ok(Some(Inbound::Message(frame))),
                    Err(reason) => Ok(Some(Inbound::Garbled {
                        bytes: frame,
                        reason,
                    })),
                }
            }
        }
    }
}

impl Encoder<&[u8]> for FixCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: &[u8], dst: &mut BytesMut) -> Result<(), std::io::Error> {
        dst.extend_from_slice(item);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_stream_with_garbage_between_messages() {
        let mut codec = FixCodec::new(4096);
        let mut buf = BytesMut::from(
            &b"junk8=FIX.4.2\x019=5\x0135=0\x0110=161\x018=FIX.4.2\x019=5\x0135=0\x0110=999\x01"[..],
        );
        assert!(matches!(
            codec.decode(&mut buf).unwrap(),
            Some(Inbound::Garbled {
                reason: Garbled::Junk,
                ..
            })
        ));
        assert!(matches!(
            codec.decode(&mut buf).unwrap(),
            Some(Inbound::Message(_))
        ));
        assert!(matches!(
            codec.decode(&mut buf).unwrap(),
            Some(Inbound::Garbled {
                reason: Garbled::BadCheckSum { .. },
                ..
            })
        ));
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }
}
