//! Record framing for the file store.
//!
//! A frame is `magic:[0xF1,0x5E] len:u32le crc:u32le payload[len]`, where
//! `crc = crc32(len_le ++ payload)` and `payload = kind:u8 ++ body`.

use chrono::{DateTime, Utc};

pub(crate) const MAGIC: [u8; 2] = [0xF1, 0x5E];
pub(crate) const FRAME_HEADER: usize = 10;
/// Largest payload accepted (and believed when scanning).
pub(crate) const MAX_PAYLOAD: usize = 64 << 20;
pub(crate) const VERSION: u32 = 1;

const KIND_HEADER: u8 = 1;
const KIND_SEQNUMS: u8 = 2;
const KIND_MESSAGE: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record<'a> {
    /// First record of every file: format version and creation time.
    /// Implies next sender = next target = 1.
    Header {
        version: u32,
        created: DateTime<Utc>,
    },
    /// Both next sequence numbers.
    SeqNums { sender: u64, target: u64 },
    /// An outbound application message; implies next sender = seq + 1.
    Message { seq: u64, body: &'a [u8] },
}

/// Appends one frame for `rec` to `buf`. Returns the frame length.
pub(crate) fn encode(rec: &Record<'_>, buf: &mut Vec<u8>) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&MAGIC);
    buf.extend_from_slice(&[0; 8]);
    match rec {
        Record::Header { version, created } => {
            buf.push(KIND_HEADER);
            buf.extend_from_slice(&version.to_le_bytes());
            buf.extend_from_slice(&created.timestamp().to_le_bytes());
            buf.extend_from_slice(&created.timestamp_subsec_nanos().to_le_bytes());
        }
        Record::SeqNums { sender, target } => {
            buf.push(KIND_SEQNUMS);
            buf.extend_from_slice(&sender.to_le_bytes());
            buf.extend_from_slice(&target.to_le_bytes());
        }
        Record::Message { seq, body } => {
            buf.push(KIND_MESSAGE);
            buf.extend_from_slice(&seq.to_le_bytes());
            buf.extend_from_slice(body);
        }
    }
    let payload_len = buf.len() - start - FRAME_HEADER;
    debug_assert!(payload_len <= MAX_PAYLOAD);
    let len = (payload_len as u32).to_le_bytes();
    buf[start + 2..start + 6].copy_from_slice(&len);
    let crc = crc(&len, &buf[start + FRAME_HEADER..]);
    buf[start + 6..start + 10].copy_from_slice(&crc.to_le_bytes());
    buf.len() - start
}

/// Payload length of a message record with a body of `body_len` bytes.
pub(crate) const fn message_payload_len(body_len: usize) -> usize {
    1 + 8 + body_len
}

fn crc(len: &[u8; 4], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(len);
    h.update(payload);
    h.finalize()
}

/// Parses a frame header: `Some((payload_len, crc))` if the magic matches and
/// the length is plausible.
pub(crate) fn parse_header(h: &[u8]) -> Option<(usize, u32)> {
    if h.len() < FRAME_HEADER || h[..2] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(h[2..6].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(h[6..10].try_into().ok()?);
    (1..=MAX_PAYLOAD).contains(&len).then_some((len, crc))
}

/// Whether `payload` matches the header's CRC.
pub(crate) fn check(payload: &[u8], expected: u32) -> bool {
    crc(&(payload.len() as u32).to_le_bytes(), payload) == expected
}

/// Decodes a CRC-checked payload.
pub(crate) fn decode(payload: &[u8]) -> Result<Record<'_>, &'static str> {
    let (&kind, body) = payload.split_first().ok_or("empty payload")?;
    let u64_at = |i: usize| -> Result<u64, &'static str> {
        body.get(i..i + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .ok_or("record too short")
    };
    match kind {
        KIND_HEADER => {
            if body.len() != 16 {
                return Err("bad header length");
            }
            let version = u32::from_le_bytes(body[0..4].try_into().expect("4 bytes"));
            let secs = i64::from_le_bytes(body[4..12].try_into().expect("8 bytes"));
            let nanos = u32::from_le_bytes(body[12..16].try_into().expect("4 bytes"));
            let created = DateTime::from_timestamp(secs, nanos).ok_or("bad creation time")?;
            Ok(Record::Header { version, created })
        }
        KIND_SEQNUMS => {
            if body.len() != 16 {
                return Err("bad seqnums length");
            }
            Ok(Record::SeqNums {
                sender: u64_at(0)?,
                target: u64_at(8)?,
            })
        }
        KIND_MESSAGE => Ok(Record::Message {
            seq: u64_at(0)?,
            body: &body[8..],
        }),
        _ => Err("unknown record kind"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_every_kind() {
        let created = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let recs = [
            Record::Header {
                version: VERSION,
                created,
            },
            Record::SeqNums {
                sender: 7,
                target: u64::MAX,
            },
            Record::Message {
                seq: 42,
                body: b"8=FIX.4.2\x019=5\x0135=D\x01",
            },
            Record::Message { seq: 1, body: b"" },
        ];
        for rec in &recs {
            let mut buf = vec![0xAA];
            let n = encode(rec, &mut buf);
            assert_eq!(n, buf.len() - 1);
            let (len, crc) = parse_header(&buf[1..]).unwrap();
            assert_eq!(len, n - FRAME_HEADER);
            let payload = &buf[1 + FRAME_HEADER..];
            assert!(check(payload, crc));
            assert_eq!(&decode(payload).unwrap(), rec);
            let mut bad = payload.to_vec();
            bad[0] ^= 1;
            assert!(!check(&bad, crc));
        }
    }
}
