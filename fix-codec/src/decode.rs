//! A frame as fields in wire order, without copying.
//!
//! [`Message`] borrows the frame and keeps `(tag, value range)` per field.
//! Typed accessors parse on demand. Data fields (type DATA, e.g. RawData(96))
//! take exactly the length their length field declares, so they may contain
//! SOH.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::{dictionary::Dictionary, framer::Garbled, scan::SohScanner, tags, value, SOH};

/// One field: its tag as written (it may be 0 or negative on the wire) and
/// where its value lies in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub tag: i32,
    start: u32,
    end: u32,
}

impl Field {
    /// The tag as an unsigned number, if it is one.
    pub fn tag_u32(&self) -> Option<u32> {
        u32::try_from(self.tag).ok()
    }

    /// Whether the value is empty (`tag=` then SOH).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Why bytes could not be read as fields. FIX treats this as garbled.
pub type DecodeError = Garbled;

/// A decoded message borrowing its frame.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    buf: &'a [u8],
    fields: Vec<Field>,
}

/// FIX 4.2's data fields and the length field before each, used when no
/// dictionary is given.
const DATA_FIELDS: &[(u32, u32)] = &[
    (89, 93),
    (91, 90),
    (96, 95),
    (213, 212),
    (349, 348),
    (351, 350),
    (353, 352),
    (355, 354),
    (357, 356),
    (359, 358),
    (361, 360),
    (363, 362),
    (365, 364),
    (446, 445),
];

#[inline]
fn default_data_length_tag(tag: u32) -> Option<u32> {
    // Only 89..=446 can be data fields; most tags skip the scan.
    if !(89..=446).contains(&tag) {
        return None;
    }
    DATA_FIELDS.iter().find(|(t, _)| *t == tag).map(|(_, l)| *l)
}

/// The tag of the field at `pos` and where its `=` is: optional '-', 1 to
/// 18 digits (what `value::parse_int` accepts), fitting an i32.
#[cold]
fn parse_tag(buf: &[u8], pos: usize) -> Result<(i32, usize), DecodeError> {
    let bad = || Garbled::MalformedField { offset: pos };
    let eq = pos + buf[pos..].iter().position(|&c| c == b'=').ok_or_else(bad)?;
    let text = &buf[pos..eq];
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let n = digits.iter().fold(0i64, |n, &d| n * 10 + (d - b'0') as i64);
    let tag = i32::try_from(if neg { -n } else { n }).map_err(|_| bad())?;
    Ok((tag, eq))
}

impl<'a> Message<'a> {
    /// Splits a frame into fields. The frame must end with SOH.
    pub fn decode(buf: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(buf, None, Vec::new())
    }

    /// Splits a frame into fields, reusing `fields`' allocation and using the
    /// dictionary to find data fields.
    pub fn decode_with(
        buf: &'a [u8],
        dict: Option<&Dictionary>,
        mut fields: Vec<Field>,
    ) -> Result<Self, DecodeError> {
        fields.clear();
        // At most one field per 3 bytes ("t=" and SOH): room up front, so
        // pushes do not stop to grow it (bounded for very long messages).
        fields.reserve((buf.len() / 3 + 1).min(256));
        let mut sohs = SohScanner::new(buf);
        let mut pos = 0usize;
        while pos < buf.len() {
            let bad = || Garbled::MalformedField { offset: pos };
            // The field ends at the next SOH, unless it is a data field.
            let soh = sohs.take().ok_or_else(bad)?;
            // Usually a tag of 1 to 9 digits: read them up to the '='.
            let mut p = pos;
            let mut tag = 0u32;
            while let Some(d) = buf.get(p).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
                tag = tag * 10 + d as u32;
                p += 1;
                if p - pos == 9 {
                    break; // anything longer is the slow path's
                }
            }
            let (tag, eq) = if p > pos && buf.get(p) == Some(&b'=') {
                (tag as i32, p)
            } else {
                parse_tag(buf, pos)?
            };
            let start = eq + 1;
            let len_tag = match dict {
                Some(d) => d.data_length_tag_fast(tag),
                None => u32::try_from(tag).ok().and_then(default_data_length_tag),
            };
            let end = match len_tag {
                Some(len_tag) => {
                    let len = fields
                        .iter()
                        .rev()
                        .find(|f| f.tag == len_tag as i32)
                        .and_then(|f| value::parse_u64(&buf[f.start as usize..f.end as usize]))
                        .ok_or_else(bad)?;
                    let end = start.saturating_add(len as usize);
                    if buf.get(end) != Some(&SOH) {
                        return Err(bad());
                    }
                    if end != soh {
                        sohs.skip_to(end + 1);
                    }
                    end
                }
                None => soh,
            };
            fields.push(Field {
                tag,
                start: start as u32,
                end: end as u32,
            });
            pos = end + 1;
        }
        Ok(Message { buf, fields })
    }

    /// The frame this message was decoded from.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// Fields in wire order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Gives the field vector back for reuse.
    pub fn into_fields(self) -> Vec<Field> {
        self.fields
    }

    /// The value of a field.
    #[inline]
    pub fn value(&self, f: &Field) -> &'a [u8] {
        &self.buf[f.start as usize..f.end as usize]
    }

    /// The first field with this tag.
    #[inline]
    pub fn field(&self, tag: u32) -> Option<&Field> {
        self.fields.iter().find(|f| f.tag == tag as i32)
    }

    /// The value of the first field with this tag.
    #[inline]
    pub fn get(&self, tag: u32) -> Option<&'a [u8]> {
        self.field(tag).map(|f| self.value(f))
    }

    pub fn has(&self, tag: u32) -> bool {
        self.field(tag).is_some()
    }

    /// MsgType(35), empty if absent.
    pub fn msg_type(&self) -> &'a [u8] {
        self.get(tags::MSG_TYPE).unwrap_or(b"")
    }

    /// MsgSeqNum(34), if present and numeric.
    pub fn seq_num(&self) -> Option<u64> {
        self.get_u64(tags::MSG_SEQ_NUM)
    }

    pub fn get_str(&self, tag: u32) -> Option<&'a str> {
        self.get(tag).and_then(|v| std::str::from_utf8(v).ok())
    }

    pub fn get_int(&self, tag: u32) -> Option<i64> {
        self.get(tag).and_then(value::parse_int)
    }

    pub fn get_u64(&self, tag: u32) -> Option<u64> {
        self.get(tag).and_then(value::parse_u64)
    }

    pub fn get_char(&self, tag: u32) -> Option<u8> {
        self.get(tag).and_then(value::parse_char)
    }

    pub fn get_bool(&self, tag: u32) -> Option<bool> {
        self.get(tag).and_then(value::parse_bool)
    }

    pub fn get_decimal(&self, tag: u32) -> Option<Decimal> {
        self.get(tag).and_then(value::parse_decimal)
    }

    pub fn get_timestamp(&self, tag: u32) -> Option<DateTime<Utc>> {
        self.get(tag).and_then(value::parse_utc_timestamp)
    }

    /// The entries of the repeating group counted by `count_tag` at the top
    /// level of this message's body, each as its fields in wire order.
    /// Groups are found with the dictionary's definition for the message
    /// type; `None` if the message has no such group or no such field.
    pub fn group(&self, dict: &Dictionary, count_tag: u32) -> Option<Vec<&[Field]>> {
        let def = dict.message(self.msg_type())?.group(count_tag)?;
        let at = self.fields.iter().position(|f| f.tag == count_tag as i32)?;
        let (entries, _) = crate::validate::split_group(&self.fields[at + 1..], def);
        Some(
            entries
                .into_iter()
                .map(|r| &self.fields[at + 1 + r.start..at + 1 + r.end])
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> Vec<u8> {
        s.replace('|', "\x01").into_bytes()
    }

    #[test]
    fn fields_in_wire_order_with_typed_access() {
        let b =
            fix("8=FIX.4.2|9=60|35=D|34=2|38=100.5|54=1|43=Y|-1=x|60=20261126-03:12:47|10=000|");
        let m = Message::decode(&b).unwrap();
        let tags: Vec<i32> = m.fields().iter().map(|f| f.tag).collect();
        assert_eq!(tags, vec![8, 9, 35, 34, 38, 54, 43, -1, 60, 10]);
        assert_eq!(m.msg_type(), b"D");
        assert_eq!(m.seq_num(), Some(2));
        assert_eq!(m.get_decimal(38).unwrap().to_string(), "100.5");
        assert_eq!(m.get_char(54), Some(b'1'));
        assert_eq!(m.get_bool(43), Some(true));
        assert!(m.get_timestamp(60).is_some());
        assert_eq!(m.get(999), None);
    }

    #[test]
    fn data_fields_may_hold_soh() {
        let b = fix("8=FIX.4.2|9=1|35=B|95=3|96=a|b|58=x|10=000|");
        let m = Message::decode(&b).unwrap();
        assert_eq!(m.get(96), Some(&b"a\x01b"[..]));
        assert_eq!(m.get(58), Some(&b"x"[..]));
    }

    #[test]
    fn non_integer_tags_are_garbled() {
        assert!(Message::decode(&fix("8=FIX.4.2|4garbled9=TW|")).is_err());
        assert!(Message::decode(&fix("8=FIX.4.2|9=5")).is_err());
    }
}
