//! Encoding: a builder that writes fields, then frames them with BodyLength
//! and CheckSum; and re-emission of a stored message as a resend.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::{decode::Message, dictionary::is_standard_header, tags, value, SOH};

/// Builds one message. Fields go out in the order they are added, so callers
/// add the header first (see [`Header`]) and body fields in tag order.
/// Reusable: [`MessageBuilder::start`] clears it without freeing memory.
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    begin_string: Vec<u8>,
    body: Vec<u8>,
    /// The last whole second written by [`MessageBuilder::timestamp`], as
    /// `YYYYMMDD-HH:MM:SS`; SendingTime and TransactTime usually share it.
    ts_secs: i64,
    ts_text: [u8; 17],
}

/// A tag below 10 000 as text followed by '=', in 8 bytes, and how many
/// digits it has.
#[inline(always)]
fn tag_text(tag: u32) -> ([u8; 8], usize) {
    debug_assert!(tag < 10_000);
    let mut w = [b'='; 8];
    let n = if tag < 10 {
        1
    } else if tag < 100 {
        2
    } else if tag < 1000 {
        3
    } else {
        4
    };
    let mut t = tag;
    for i in (0..n).rev() {
        w[i] = b'0' + (t % 10) as u8;
        t /= 10;
    }
    (w, n)
}

/// No second is cached (chrono cannot represent this timestamp).
const NO_SECOND: i64 = i64::MIN;

impl MessageBuilder {
    pub fn new(begin_string: &str) -> Self {
        MessageBuilder {
            begin_string: begin_string.as_bytes().to_vec(),
            body: Vec::with_capacity(256),
            ts_secs: NO_SECOND,
            ts_text: [0; 17],
        }
    }

    /// Starts a message of this type, dropping anything built before.
    pub fn start(&mut self, msg_type: &[u8]) -> &mut Self {
        self.body.clear();
        self.raw(tags::MSG_TYPE, msg_type)
    }

    /// Starts a bare list of fields (no MsgType): for a body that another
    /// builder frames later. See [`MessageBuilder::fields`].
    pub fn start_fields(&mut self) -> &mut Self {
        self.body.clear();
        self
    }

    /// The fields written so far, `tag=value SOH` each, unframed.
    pub fn fields(&self) -> &[u8] {
        &self.body
    }

    /// Writes `tag=`. Inlined so that constant tags fold to one store.
    #[inline(always)]
    fn tag(&mut self, tag: u32) {
        if tag < 10_000 {
            // Digits and '=' in one fixed-size write, then cut back to the
            // real length (no variable-length copy).
            let (text, n) = tag_text(tag);
            let len = self.body.len();
            self.body.extend_from_slice(&text);
            self.body.truncate(len + n + 1);
        } else {
            let mut buf = itoa::Buffer::new();
            self.body.extend_from_slice(buf.format(tag).as_bytes());
            self.body.push(b'=');
        }
    }

    /// A field with raw bytes as its value.
    #[inline]
    pub fn raw(&mut self, tag: u32, v: &[u8]) -> &mut Self {
        if tag >= 10_000 {
            self.tag(tag);
            self.body.extend_from_slice(v);
            self.body.push(SOH);
            return self;
        }
        // `tag=`, the value and SOH with one capacity check and one length
        // update: three appends would each load and store the length, and
        // the fields of a message would wait on each other through it.
        let (text, n) = tag_text(tag);
        let total = n + 1 + v.len() + 1;
        self.body.reserve(total + 8);
        let len = self.body.len();
        // SAFETY: `reserve` left room for `total + 8` bytes after `len`. The
        // tag text is written as 8 bytes (n + 1 <= 5 of them meant, the rest
        // overwritten next or past the new length), the value after it, the
        // SOH last: all below len + total + 8. All bytes up to len + total
        // are written before the length covers them.
        unsafe {
            let at = self.body.as_mut_ptr().add(len);
            std::ptr::copy_nonoverlapping(text.as_ptr(), at, 8);
            value::copy_short(v.as_ptr(), at.add(n + 1), v.len());
            *at.add(n + 1 + v.len()) = SOH;
            self.body.set_len(len + total);
        }
        self
    }

    /// A field whose tag may be any integer (for echoing what was received).
    pub fn raw_signed(&mut self, tag: i32, v: &[u8]) -> &mut Self {
        let mut buf = itoa::Buffer::new();
        self.body.extend_from_slice(buf.format(tag).as_bytes());
        self.body.push(b'=');
        self.body.extend_from_slice(v);
        self.body.push(SOH);
        self
    }

    #[inline]
    pub fn str(&mut self, tag: u32, v: &str) -> &mut Self {
        self.raw(tag, v.as_bytes())
    }

    #[inline]
    pub fn int(&mut self, tag: u32, v: i64) -> &mut Self {
        let mut buf = itoa::Buffer::new();
        self.raw(tag, buf.format(v).as_bytes())
    }

    #[inline]
    pub fn uint(&mut self, tag: u32, v: u64) -> &mut Self {
        let mut buf = itoa::Buffer::new();
        self.raw(tag, buf.format(v).as_bytes())
    }

    #[inline]
    pub fn char(&mut self, tag: u32, v: u8) -> &mut Self {
        self.tag(tag);
        self.body.extend_from_slice(&[v, SOH]);
        self
    }

    #[inline]
    pub fn bool(&mut self, tag: u32, v: bool) -> &mut Self {
        self.raw(tag, if v { b"Y" } else { b"N" })
    }

    /// A decimal without exponent, trailing zeros as the value carries them.
    /// Written as `Decimal`'s `Display` writes it (see
    /// [`value::write_decimal`]).
    #[inline]
    pub fn decimal(&mut self, tag: u32, v: Decimal) -> &mut Self {
        self.tag(tag);
        value::write_decimal(&mut self.body, &v);
        self.body.push(SOH);
        self
    }

    /// A UTCTimestamp with milliseconds.
    #[inline]
    pub fn timestamp(&mut self, tag: u32, t: &DateTime<Utc>) -> &mut Self {
        self.tag(tag);
        let secs = t.timestamp();
        if secs != self.ts_secs {
            if !value::format_utc_second(secs, &mut self.ts_text) {
                self.ts_secs = NO_SECOND;
                value::write_utc_timestamp_millis(&mut self.body, t);
                self.body.push(SOH);
                return self;
            }
            self.ts_secs = secs;
        }
        let mut tail = [b'.', 0, 0, 0, SOH];
        value::put_millis(&mut tail[1..4], t.timestamp_subsec_nanos());
        self.body.extend_from_slice(&self.ts_text);
        self.body.extend_from_slice(&tail);
        self
    }

    /// Appends the framed message (8, 9, body, 10) to `out`.
    pub fn finish_into(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(b"8=");
        out.extend_from_slice(&self.begin_string);
        out.extend_from_slice(b"\x019=");
        let mut buf = itoa::Buffer::new();
        out.extend_from_slice(buf.format(self.body.len()).as_bytes());
        out.push(SOH);
        out.extend_from_slice(&self.body);
        let sum = crate::checksum(&out[start..]);
        out.extend_from_slice(b"10=");
        out.extend_from_slice(&[
            b'0' + sum / 100,
            b'0' + (sum / 10) % 10,
            b'0' + sum % 10,
            SOH,
        ]);
    }

    /// The framed message as a new vector.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 32);
        self.finish_into(&mut out);
        out
    }
}

/// The standard header the venue writes, in ascending tag order after 35.
#[derive(Debug, Clone, Default)]
pub struct Header<'a> {
    pub msg_seq_num: u64,
    pub poss_dup: bool,
    pub sender_comp_id: &'a str,
    pub sender_sub_id: Option<&'a str>,
    pub sending_time: Option<DateTime<Utc>>,
    pub target_comp_id: &'a str,
    pub target_sub_id: Option<&'a str>,
    pub poss_resend: bool,
    pub on_behalf_of_comp_id: Option<&'a [u8]>,
    pub on_behalf_of_sub_id: Option<&'a [u8]>,
    pub orig_sending_time: Option<DateTime<Utc>>,
    pub deliver_to_comp_id: Option<&'a [u8]>,
    pub deliver_to_sub_id: Option<&'a [u8]>,
    pub on_behalf_of_location_id: Option<&'a [u8]>,
    pub deliver_to_location_id: Option<&'a [u8]>,
}

impl Header<'_> {
    /// Writes the header fields after MsgType.
    pub fn write(&self, b: &mut MessageBuilder) {
        b.uint(tags::MSG_SEQ_NUM, self.msg_seq_num);
        if self.poss_dup {
            b.bool(tags::POSS_DUP_FLAG, true);
        }
        b.str(tags::SENDER_COMP_ID, self.sender_comp_id);
        if let Some(v) = self.sender_sub_id {
            b.str(tags::SENDER_SUB_ID, v);
        }
        if let Some(t) = &self.sending_time {
            b.timestamp(tags::SENDING_TIME, t);
        }
        b.str(tags::TARGET_COMP_ID, self.target_comp_id);
        if let Some(v) = self.target_sub_id {
            b.str(tags::TARGET_SUB_ID, v);
        }
        if self.poss_resend {
            b.bool(tags::POSS_RESEND, true);
        }
        let opt = |b: &mut MessageBuilder, tag, v: Option<&[u8]>| {
            if let Some(v) = v {
                b.raw(tag, v);
            }
        };
        opt(b, tags::ON_BEHALF_OF_COMP_ID, self.on_behalf_of_comp_id);
        opt(b, tags::ON_BEHALF_OF_SUB_ID, self.on_behalf_of_sub_id);
        if let Some(t) = &self.orig_sending_time {
            b.timestamp(tags::ORIG_SENDING_TIME, t);
        }
        opt(b, tags::DELIVER_TO_COMP_ID, self.deliver_to_comp_id);
        opt(b, tags::DELIVER_TO_SUB_ID, self.deliver_to_sub_id);
        opt(
            b,
            tags::ON_BEHALF_OF_LOCATION_ID,
            self.on_behalf_of_location_id,
        );
        opt(b, tags::DELIVER_TO_LOCATION_ID, self.deliver_to_location_id);
    }
}

/// Re-emits a stored message as a resend: PossDupFlag(43)=Y,
/// OrigSendingTime(122) = its original SendingTime, a new SendingTime(52);
/// same MsgSeqNum and body. Header fields go out in ascending tag order.
pub fn resend(
    stored: &[u8],
    sending_time: &DateTime<Utc>,
    out: &mut Vec<u8>,
) -> Result<(), crate::DecodeError> {
    let msg = Message::decode(stored)?;
    let begin =
        std::str::from_utf8(msg.get(tags::BEGIN_STRING).unwrap_or(b"FIX.4.2")).unwrap_or("FIX.4.2");
    let orig = msg
        .get(tags::ORIG_SENDING_TIME)
        .or(msg.get(tags::SENDING_TIME))
        .unwrap_or(b"");
    let mut header: Vec<(i32, &[u8])> = Vec::with_capacity(12);
    let mut body: Vec<(i32, &[u8])> = Vec::with_capacity(msg.fields().len());
    for f in msg.fields() {
        let tag = f.tag;
        match f.tag_u32() {
            Some(8 | 9 | 10 | 35 | 43 | 52 | 122) => {}
            Some(t) if is_standard_header(t) => header.push((tag, msg.value(f))),
            _ => body.push((tag, msg.value(f))),
        }
    }
    let mut ts = Vec::with_capacity(21);
    value::write_utc_timestamp_millis(&mut ts, sending_time);
    header.push((tags::POSS_DUP_FLAG as i32, b"Y"));
    header.push((tags::SENDING_TIME as i32, &ts));
    if !orig.is_empty() {
        header.push((tags::ORIG_SENDING_TIME as i32, orig));
    }
    header.sort_by_key(|(t, _)| *t);
    let mut b = MessageBuilder::new(begin);
    b.start(msg.msg_type());
    for (t, v) in header.iter().chain(body.iter()) {
        b.raw_signed(*t, v);
    }
    b.finish_into(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn show(b: &[u8]) -> String {
        String::from_utf8_lossy(b).replace('\x01', "|")
    }

    /// BodyLength and CheckSum worked out by hand:
    /// body "35=0|34=2|49=ISLD|52=20261126-03:12:47.000|56=TW42|" is
    /// 5+5+8+25+8 = 51 bytes.
    #[test]
    fn golden_heartbeat() {
        let mut b = MessageBuilder::new("FIX.4.2");
        b.start(b"0");
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 3, 12, 47).unwrap();
        Header {
            msg_seq_num: 2,
            sender_comp_id: "ISLD",
            target_comp_id: "TW42",
            sending_time: Some(t),
            ..Default::default()
        }
        .write(&mut b);
        let out = b.finish();
        let s = show(&out);
        assert!(
            s.starts_with("8=FIX.4.2|9=51|35=0|34=2|49=ISLD|52=20261126-03:12:47.000|56=TW42|10="),
            "{s}"
        );
        let sum: u32 = out[..out.len() - 7].iter().map(|&b| b as u32).sum();
        assert_eq!(&s[s.len() - 4..s.len() - 1], format!("{:03}", sum % 256));
        assert_eq!(crate::framer::verify(&out), Ok(()));
    }

    /// The classic: "8=FIX.4.2|9=5|35=0|10=161|" (sum of the first 17 bytes
    /// is 1185, 1185 mod 256 = 161).
    #[test]
    fn golden_minimal() {
        let mut b = MessageBuilder::new("FIX.4.2");
        b.start(b"0");
        assert_eq!(show(&b.finish()), "8=FIX.4.2|9=5|35=0|10=161|");
    }

    /// Body: 35=D| 34=5| 43=Y| 49=ISLD| 52=..(25) 56=TW42| 122=..(26) 11=ID|
    /// 21=3| = 5+5+5+8+25+8+26+6+5 = 93 bytes.
    #[test]
    fn resend_marks_possdup_and_keeps_original_time() {
        let mut b = MessageBuilder::new("FIX.4.2");
        b.start(b"D");
        let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).unwrap();
        Header {
            msg_seq_num: 5,
            sender_comp_id: "ISLD",
            target_comp_id: "TW42",
            sending_time: Some(t0),
            ..Default::default()
        }
        .write(&mut b);
        b.str(11, "ID").char(21, b'3');
        let stored = b.finish();
        let mut out = Vec::new();
        let t1 = Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 5).unwrap();
        resend(&stored, &t1, &mut out).unwrap();
        assert_eq!(
            show(&out)[..show(&out).len() - 7],
            *"8=FIX.4.2|9=93|35=D|34=5|43=Y|49=ISLD|52=20261126-03:00:05.000|56=TW42|122=20261126-03:00:00.000|11=ID|21=3|"
        );
        assert_eq!(crate::framer::verify(&out), Ok(()));
    }
}
