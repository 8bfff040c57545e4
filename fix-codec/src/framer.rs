//! Message boundaries in a byte stream.
//!
//! The rules are QuickFIX's `Parser`, because conformance depends on them: skip
//! to the next `8=FIX`, read `9=N`, wait for N body bytes, then look for
//! `SOH 10=` starting at the last of those bytes; the frame ends at the SOH
//! after it. A too-short BodyLength therefore still frames the whole message,
//! and a too-long one swallows what follows; both are then garbled, because
//! [`verify`] finds the length or the checksum wrong.
//!
//! Memory is bounded by `max_message_size`: a BodyLength above it, or a frame
//! that has not ended within it, is dropped as garbled and scanning resumes at
//! the next `8=FIX`; the framer never allocates or waits for an absurd length.

use memchr::memmem;

use crate::{scan::leading_sohs, SOH};

/// Why a frame was dropped without a reply (FIX: "garbled").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Garbled {
    /// Bytes before `8=FIX` that belong to no message.
    Junk,
    /// `9=` missing or not a number where the framer needs it.
    BadBodyLengthField,
    /// BodyLength above the configured maximum message size.
    TooLarge { declared: usize, max: usize },
    /// No `SOH 10=...SOH` within the maximum message size.
    Unterminated,
    /// BodyLength does not equal the real body length.
    BodyLengthMismatch { declared: usize, actual: usize },
    /// CheckSum missing, malformed or not the sum of the bytes.
    BadCheckSum { declared: Option<u32>, actual: u8 },
    /// The first three fields are not 8, 9, 35.
    HeaderOutOfOrder,
    /// A field is not `tag=value SOH` with an integer tag.
    MalformedField { offset: usize },
}

impl std::fmt::Display for Garbled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Garbled::Junk => write!(f, "bytes outside any message"),
            Garbled::BadBodyLengthField => write!(f, "BodyLength(9) missing or not a number"),
            Garbled::TooLarge { declared, max } => {
                write!(
                    f,
                    "BodyLength {declared} exceeds the maximum message size {max}"
                )
            }
            Garbled::Unterminated => write!(f, "no CheckSum(10) within the maximum message size"),
            Garbled::BodyLengthMismatch { declared, actual } => {
                write!(
                    f,
                    "Expected BodyLength={declared}, Received BodyLength={actual}"
                )
            }
            Garbled::BadCheckSum { declared, actual } => match declared {
                Some(d) => write!(f, "Expected CheckSum={d}, Received CheckSum={actual}"),
                None => write!(f, "CheckSum(10) malformed"),
            },
            Garbled::HeaderOutOfOrder => write!(f, "first three fields are not 8, 9, 35"),
            Garbled::MalformedField { offset } => write!(f, "malformed field at byte {offset}"),
        }
    }
}

/// One step of the framer over a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramerEvent {
    /// More bytes are needed; nothing may be consumed yet.
    NeedMore,
    /// `buf[..len]` is one frame (not yet verified: see [`verify`]).
    Frame { len: usize },
    /// `buf[..len]` is to be dropped for this reason.
    Skip { len: usize, reason: Garbled },
}

const START: &[u8] = b"8=FIX";
/// `SOH 9=`.
const BODY_LENGTH: &[u8] = b"\x019=";
const CHECKSUM: &[u8; 4] = b"\x0110=";

/// A frame found by [`Framer::find`].
struct Found {
    len: usize,
    body_start: usize,
    /// Where `SOH 10=` starts, when the frame is ordinary: `8=` then `9=`
    /// in the first two fields, the trailer exactly where BodyLength puts
    /// it, and three bytes of CheckSum.
    ordinary_trailer: Option<usize>,
}

/// The stateless framer; `max_message_size` bounds every frame.
#[derive(Debug, Clone, Copy)]
pub struct Framer {
    pub max_message_size: usize,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            max_message_size: 64 * 1024,
        }
    }
}

impl Framer {
    pub fn new(max_message_size: usize) -> Self {
        Framer { max_message_size }
    }

    /// Finds the first frame (or junk to skip) at the start of `buf`.
    pub fn next(&self, buf: &[u8]) -> FramerEvent {
        match self.find(buf) {
            Ok(found) => FramerEvent::Frame { len: found.len },
            Err(event) => event,
        }
    }

    /// [`Framer::next`], then [`verify`] on the frame: a frame that fails is
    /// a `Skip` of its bytes with the reason, as the session treats both.
    /// One pass instead of two: for an ordinary frame everything `verify`
    /// would find again (where BodyLength and the trailer are) is known
    /// from framing it, and only 35 and the CheckSum are left to check;
    /// anything out of the ordinary goes to `verify` itself, so the answer
    /// is the same by construction.
    pub fn next_verified(&self, buf: &[u8]) -> FramerEvent {
        let found = match self.find(buf) {
            Ok(found) => found,
            Err(event) => return event,
        };
        let frame = &buf[..found.len];
        if let Some(trailer) = found.ordinary_trailer {
            // The trailer starts right where BodyLength said it would, and
            // its value is three non-SOH bytes then the final SOH.
            let digits = &frame[trailer + CHECKSUM.len()..found.len - 1];
            if frame[found.body_start..].starts_with(b"35=")
                && parse_usize(digits) == Some(crate::checksum(&frame[..trailer + 1]) as usize)
            {
                return FramerEvent::Frame { len: found.len };
            }
        }
        match verify(frame) {
            Ok(()) => FramerEvent::Frame { len: found.len },
            Err(reason) => FramerEvent::Skip {
                len: found.len,
                reason,
            },
        }
    }

    /// The first frame at the start of `buf`, or what to do instead.
    #[inline(always)]
    fn find(&self, buf: &[u8]) -> Result<Found, FramerEvent> {
        let Some(start) = find_start(buf) else {
            // Keep a possible partial "8=FIX" at the end; drop the rest.
            let keep = START.len() - 1;
            if buf.len() > keep {
                return Err(FramerEvent::Skip {
                    len: buf.len() - keep,
                    reason: Garbled::Junk,
                });
            }
            return Err(FramerEvent::NeedMore);
        };
        if start > 0 {
            return Err(FramerEvent::Skip {
                len: start,
                reason: Garbled::Junk,
            });
        }
        let max = self.max_message_size;
        let window = &buf[..buf.len().min(max)];
        let mut ordinary = true;
        let (digits_start, digits_len) = match leading_sohs(window) {
            // Usually the first SOH starts `9=` and the second ends it.
            Some((i, j)) if window.get(i + 1..i + 3) == Some(b"9=") => (i + 3, j - (i + 3)),
            _ => {
                ordinary = false;
                let Some(nine) = find_after_soh(window, b"9=") else {
                    return Err(self.incomplete(buf, Garbled::BadBodyLengthField));
                };
                let digits_start = nine + BODY_LENGTH.len();
                let Some(digits_len) = crate::swar::find(&window[digits_start..], SOH) else {
                    return Err(self.incomplete(buf, Garbled::BadBodyLengthField));
                };
                (digits_start, digits_len)
            }
        };
        let Some(body_len) = parse_usize(&buf[digits_start..digits_start + digits_len]) else {
            return Err(self.skip_one(buf, Garbled::BadBodyLengthField));
        };
        if body_len > max {
            return Err(self.skip_one(
                buf,
                Garbled::TooLarge {
                    declared: body_len,
                    max,
                },
            ));
        }
        let body_start = digits_start + digits_len + 1;
        let body_end = body_start + body_len;
        if buf.len() < body_end {
            return Err(FramerEvent::NeedMore);
        }
        // QuickFIX searches from the last body byte, so a short length still
        // finds the real trailer.
        let search_from = body_end.saturating_sub(1).max(body_start.saturating_sub(1));
        let limit = buf.len().min(max + body_start + 16);
        let Some(cs) = find_after_soh(&buf[search_from..limit], b"10=") else {
            return Err(self.incomplete(buf, Garbled::Unterminated));
        };
        let cs_value = search_from + cs + CHECKSUM.len();
        let end = match buf[cs_value..limit] {
            // Usually three digits and the final SOH.
            [a, b, c, SOH, ..] if ![a, b, c].contains(&SOH) => 3,
            _ => {
                ordinary = false;
                match crate::swar::find(&buf[cs_value..limit], SOH) {
                    Some(end) => end,
                    None => return Err(self.incomplete(buf, Garbled::Unterminated)),
                }
            }
        };
        // The trailer right at the end of the declared body.
        let trailer = search_from + cs;
        ordinary &= trailer + 1 == body_end;
        Ok(Found {
            len: cs_value + end + 1,
            body_start,
            ordinary_trailer: ordinary.then_some(trailer),
        })
    }

    /// Waits for more bytes unless the maximum size is already exceeded.
    fn incomplete(&self, buf: &[u8], reason: Garbled) -> FramerEvent {
        if buf.len() > self.max_message_size + 64 {
            let reason = match reason {
                Garbled::BadBodyLengthField => Garbled::BadBodyLengthField,
                _ => Garbled::Unterminated,
            };
            return self.skip_one(buf, reason);
        }
        FramerEvent::NeedMore
    }

    /// Drops this start and everything up to the next `8=FIX`.
    fn skip_one(&self, buf: &[u8], reason: Garbled) -> FramerEvent {
        let next = find_start(&buf[1..]).map(|p| p + 1).unwrap_or(buf.len());
        FramerEvent::Skip { len: next, reason }
    }
}

/// First `8=FIX`; a frame usually starts right there.
#[inline]
fn find_start(buf: &[u8]) -> Option<usize> {
    if buf.starts_with(START) {
        return Some(0);
    }
    memmem::find(buf, START)
}

/// First occurrence of `SOH` followed by `rest` (the whole of it inside
/// `hay`), as `memmem::find(hay, SOH + rest)` gives, without building a
/// searcher per call: fields are short, so the next SOH is near.
#[inline(always)]
fn find_after_soh<const N: usize>(hay: &[u8], rest: &[u8; N]) -> Option<usize> {
    // Fixed-length compares, so no memcmp call per SOH.
    let follows = |at: usize| hay.get(at + 1..at + 1 + N) == Some(&rest[..]);
    // Usually right here (the trailer right after the body, 9= after 8=...).
    if hay.first() == Some(&SOH) && follows(0) {
        return Some(0);
    }
    let mut from = 0;
    while let Some(i) = crate::swar::find(&hay[from..], SOH) {
        let at = from + i;
        if follows(at) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Last occurrence of `SOH 10=` wholly inside `hay`, as
/// `memmem::rfind(hay, CHECKSUM)` gives.
#[inline]
fn rfind_checksum(hay: &[u8]) -> Option<usize> {
    // Usually the frame ends `SOH 10=ddd SOH`: then that is the last one,
    // unless the first digit is an SOH that starts another.
    let n = hay.len();
    if n >= 8 && &hay[n - 8..n - 4] == CHECKSUM && hay[n - 4] != SOH {
        return Some(n - 8);
    }
    let mut to = n;
    while let Some(at) = memchr::memrchr(SOH, &hay[..to]) {
        if hay[at + 1..].starts_with(b"10=") {
            return Some(at);
        }
        to = at;
    }
    None
}

fn parse_usize(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    let mut n = 0usize;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (d - b'0') as usize;
    }
    Some(n)
}

/// Checks a whole frame as QuickFIX does before parsing: 8, 9, 35 first and
/// in that order, BodyLength exact, CheckSum right. Any failure is garbled.
pub fn verify(frame: &[u8]) -> Result<(), Garbled> {
    // 8=...SOH 9=...SOH 35=
    let (first, second) = match leading_sohs(frame) {
        Some((i, j)) => (i, Some(j)),
        None => (
            crate::swar::find(frame, SOH).ok_or(Garbled::HeaderOutOfOrder)?,
            None,
        ),
    };
    if !frame.starts_with(b"8=") {
        return Err(Garbled::HeaderOutOfOrder);
    }
    let rest = &frame[first + 1..];
    if !rest.starts_with(b"9=") {
        return Err(Garbled::HeaderOutOfOrder);
    }
    let len_end = match second {
        Some(j) => j - (first + 1),
        None => crate::swar::find(rest, SOH).ok_or(Garbled::BadBodyLengthField)?,
    };
    let declared = parse_usize(&rest[2..len_end]).ok_or(Garbled::BadBodyLengthField)?;
    let body_start = first + 1 + len_end + 1;
    if !frame[body_start..].starts_with(b"35=") {
        return Err(Garbled::HeaderOutOfOrder);
    }
    // The trailer is the last field: SOH 10=ddd SOH.
    let trailer = rfind_checksum(&frame[body_start.saturating_sub(1)..])
        .map(|p| p + body_start.saturating_sub(1))
        .ok_or(Garbled::BadCheckSum {
            declared: None,
            actual: 0,
        })?;
    let actual_len = trailer + 1 - body_start;
    if actual_len != declared {
        return Err(Garbled::BodyLengthMismatch {
            declared,
            actual: actual_len,
        });
    }
    let actual = crate::checksum(&frame[..trailer + 1]);
    let digits = &frame[trailer + CHECKSUM.len()..frame.len() - 1];
    let declared_cs = parse_usize(digits).map(|v| v as u32);
    if digits.len() != 3 || declared_cs != Some(actual as u32) {
        return Err(Garbled::BadCheckSum {
            declared: declared_cs,
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> Vec<u8> {
        s.replace('|', "\x01").into_bytes()
    }

    #[test]
    fn frames_a_whole_message() {
        let msg = fix("8=FIX.4.2|9=5|35=0|10=161|");
        assert_eq!(
            Framer::default().next(&msg),
            FramerEvent::Frame { len: msg.len() }
        );
        assert_eq!(verify(&msg), Ok(()));
    }

    #[test]
    fn partial_input_needs_more() {
        let msg = fix("8=FIX.4.2|9=5|35=0|10=161|");
        for cut in 0..msg.len() {
            assert_eq!(
                Framer::default().next(&msg[..cut]),
                FramerEvent::NeedMore,
                "cut {cut}"
            );
        }
    }

    #[test]
    fn junk_before_message_is_skipped() {
        let msg = fix("xx|58=8=FI|8=FIX.4.2|9=5|35=0|10=161|");
        match Framer::default().next(&msg) {
            FramerEvent::Skip {
                len,
                reason: Garbled::Junk,
            } => assert_eq!(&msg[len..len + 5], b"8=FIX"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn absurd_body_length_is_refused_without_waiting() {
        let msg = fix("8=FIX.4.2|9=999999999|35=0|");
        match Framer::new(1024).next(&msg) {
            FramerEvent::Skip {
                reason: Garbled::TooLarge { .. },
                len,
            } => assert_eq!(len, msg.len()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unterminated_frame_is_dropped_at_the_size_limit() {
        let mut msg = fix("8=FIX.4.2|9=5|35=0|");
        msg.extend(std::iter::repeat_n(b'x', 300));
        assert!(matches!(
            Framer::new(100).next(&msg),
            FramerEvent::Skip { .. }
        ));
    }

    #[test]
    fn short_body_length_frames_the_whole_message_then_fails_verify() {
        let msg = fix("8=FIX.4.2|9=3|35=0|34=2|10=000|");
        let FramerEvent::Frame { len } = Framer::default().next(&msg) else {
            panic!()
        };
        assert_eq!(len, msg.len());
        assert!(matches!(
            verify(&msg),
            Err(Garbled::BodyLengthMismatch {
                declared: 3,
                actual: 10
            })
        ));
    }

    #[test]
    fn long_body_length_swallows_the_next_message() {
        let a = fix("8=FIX.4.2|9=30|35=0|10=161|");
        let b = fix("8=FIX.4.2|9=5|35=0|10=161|");
        let both = [a.clone(), b].concat();
        let FramerEvent::Frame { len } = Framer::default().next(&both) else {
            panic!()
        };
        assert_eq!(len, both.len());
        assert!(verify(&both[..len]).is_err());
    }

    #[test]
    fn bad_checksum_and_bad_order_are_garbled() {
        assert!(matches!(
            verify(&fix("8=FIX.4.2|9=5|35=0|10=162|")),
            Err(Garbled::BadCheckSum {
                declared: Some(162),
                actual: 161
            })
        ));
        assert_eq!(
            verify(&fix("8=FIX.4.2|35=0|9=5|10=161|")),
            Err(Garbled::HeaderOutOfOrder)
        );
    }
}
