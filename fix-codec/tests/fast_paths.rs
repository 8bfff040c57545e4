//! The fast paths agree with the straightforward code they replaced:
//! validation order, decimal formatting, value parsers and checks.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fix_codec::{
    dictionary::FieldType,
    fix42,
    validate::{format_ok, validate_reference},
    value, Message, MessageBuilder, ValidationOptions,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn all_options() -> Vec<ValidationOptions> {
    let mut v = Vec::new();
    for bits in 0..16u8 {
        v.push(ValidationOptions {
            check_fields_out_of_order: bits & 1 != 0,
            check_fields_have_values: bits & 2 != 0,
            check_user_defined_fields: bits & 4 != 0,
            allow_unknown_msg_fields: bits & 8 != 0,
        });
    }
    v
}

/// Fields drawn to hit every check: header/body/trailer tags out of order,
/// repeats (small and large tags), unknown and user tags, bad formats and
/// enums, groups with right and wrong counts.
fn field() -> impl Strategy<Value = (String, String)> {
    let tag = prop::sample::select(vec![
        "8", "9", "35", "34", "49", "52", "56", "43", "97", "122", "10", "89", "93", "1", "11",
        "21", "38", "40", "44", "54", "55", "59", "60", "58", "167", "126", "386", "336", "146",
        "311", "309", "320", "322", "323", "393", "78", "79", "80", "999", "0", "-1", "5000",
        "5001", "9999", "700", "0035", "1128",
    ]);
    let value = prop::sample::select(vec![
        "",
        "0",
        "1",
        "2",
        "3",
        "4",
        "D",
        "d",
        "0",
        "A",
        "B",
        "w",
        "Y",
        "N",
        "X",
        "INTC",
        "100",
        "-5",
        "1.5",
        "+2",
        "1e5",
        "10.",
        ".",
        "20261126-03:12:47",
        // Same second as the one above, bad fraction: the fast path checks
        // a second timestamp sharing a good one's second by its fraction.
        "20261126-03:12:47.5",
        "20261126-03:12:47.00x",
        "20261126-03:12:47.000",
        "20261126-03:12:60.123",
        "20261131-03:12:47",
        "20261126-24:00:00",
        "20260229-00:00:00",
        "20240229-00:00:00.000001",
        "20261126",
        "FUT",
        "BOO",
        "12",
        "AB",
    ]);
    (tag, value).prop_map(|(t, v)| (t.to_string(), v.to_string()))
}

fn frame(fields: &[(String, String)]) -> Vec<u8> {
    let mut s = String::new();
    for (t, v) in fields {
        s.push_str(t);
        s.push('=');
        s.push_str(v);
        s.push('\x01');
    }
    s.into_bytes()
}

/// `validate` gives the reference validator's answer under every switch,
/// decoded with and without the dictionary.
fn validate_agrees(fields: &[(String, String)]) -> Result<(), TestCaseError> {
    let bytes = frame(fields);
    // Data fields (89) without their length do not decode; skip those.
    let Ok(msg) = Message::decode(&bytes) else {
        return Ok(());
    };
    // Decoded with the dictionary too (its data fields), as a session does.
    let with_dict = Message::decode_with(&bytes, Some(fix42()), Vec::new()).unwrap();
    for opts in all_options() {
        let want = validate_reference(fix42(), &msg, &opts);
        prop_assert_eq!(
            fix42().validate(&msg, &opts),
            want.clone(),
            "{:?} {:?}",
            fields,
            opts
        );
        prop_assert_eq!(
            fix42().validate(&with_dict, &opts),
            want,
            "{:?} {:?}",
            fields,
            opts
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn validate_agrees_with_reference(
        msg_type in prop::sample::select(vec!["0", "D", "d", "8", "E", "*", "A"]),
        head in proptest::collection::vec(field(), 0..8),
        body in proptest::collection::vec(field(), 0..16),
    ) {
        let mut fields = vec![("8".to_string(), "FIX.4.2".to_string()), ("9".to_string(), "0".to_string()), ("35".to_string(), msg_type.to_string())];
        fields.extend(head);
        fields.extend(body);
        validate_agrees(&fields)?;
    }

    /// Valid messages with a few small changes, so that both answers of the
    /// validator's fast path (plainly valid, or look closer) are exercised.
    #[test]
    fn validate_agrees_with_reference_near_valid_messages(
        base in prop::sample::select(vec![
            "8=FIX.4.2|9=0|35=D|34=2|49=C|52=20261126-03:12:47.000|56=V|1=A|11=O1|21=1|38=1.5|40=2|44=65000.25|54=1|55=BTC|59=3|60=20261126-03:12:47|10=000|",
            "8=FIX.4.2|9=0|35=G|34=2|49=C|52=20261126-03:12:47|56=V|11=O2|41=O1|21=1|38=2|40=2|44=1|54=2|55=BTC|60=20261126-03:12:47|10=000|",
            "8=FIX.4.2|9=0|35=0|34=9|49=C|52=20261126-03:12:47|56=V|112=t|10=000|",
        ]),
        edits in proptest::collection::vec((0usize..4, any::<prop::sample::Index>(), field()), 0..3),
    ) {
        let mut fields: Vec<(String, String)> = base
            .trim_end_matches('|')
            .split('|')
            .map(|f| {
                let (t, v) = f.split_once('=').unwrap();
                (t.to_string(), v.to_string())
            })
            .collect();
        for (kind, at, f) in edits {
            let i = at.index(fields.len());
            match kind {
                0 => fields[i].1 = f.1,
                1 => fields.insert(i, f),
                2 => { fields.remove(i); }
                _ => { let dup = fields[i].clone(); fields.insert(at.index(fields.len() + 1), dup); }
            }
        }
        validate_agrees(&fields)?;
    }

    #[test]
    fn decimal_writes_as_display(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), neg in any::<bool>(), scale in 0u32..=28, size in 0u8..3) {
        // Small, 64-bit and 96-bit mantissas.
        let d = match size {
            0 => Decimal::from_parts(lo % 1000, 0, 0, neg, scale % 6),
            1 => Decimal::from_parts(lo, mid, 0, neg, scale),
            _ => Decimal::from_parts(lo, mid, hi, neg, scale),
        };
        let mut out = Vec::new();
        value::write_decimal(&mut out, &d);
        prop_assert_eq!(String::from_utf8(out).unwrap(), d.to_string());
        let mut b = MessageBuilder::new("FIX.4.2");
        b.start(b"0").decimal(44, d);
        let framed = String::from_utf8(b.finish()).unwrap();
        let expected = format!("\x0144={d}\x01");
        prop_assert!(framed.contains(&expected));
    }

    #[test]
    fn decimal_parses_as_before(s in "-?[0-9]{0,32}(\\.[0-9]{0,32})?|[-+.0-9e]{0,6}") {
        let got = value::parse_decimal(s.as_bytes());
        prop_assert_eq!(got.map(|d| d.serialize()), reference_parse_decimal(s.as_bytes()).map(|d| d.serialize()), "{}", s);
        prop_assert_eq!(value::is_decimal(s.as_bytes()), got.is_some());
        prop_assert_eq!(format_ok(FieldType::Price, s.as_bytes()), got.is_some());
    }

    #[test]
    fn ints_check_as_parsed(s in "-?[0-9]{0,20}|[-+0-9a]{0,4}") {
        prop_assert_eq!(value::is_int(s.as_bytes()), value::parse_int(s.as_bytes()).is_some());
    }

    #[test]
    fn timestamps_parse_as_chrono(y in 0u32..10000, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62, s in 0u32..62,
                                  frac in prop::sample::select(vec!["", ".123", ".000001", ".999999999", ".12", ".1234"])) {
        let text = format!("{y:04}{mo:02}{d:02}-{h:02}:{mi:02}:{s:02}{frac}");
        let got = value::parse_utc_timestamp(text.as_bytes());
        prop_assert_eq!(got, reference_parse_timestamp(text.as_bytes()), "{}", &text);
        prop_assert_eq!(value::is_utc_timestamp(text.as_bytes()), got.is_some());
        let date = &text[..8];
        prop_assert_eq!(value::is_date(date.as_bytes()), NaiveDate::parse_from_str(date, "%Y%m%d").is_ok() && y < 10000);
    }

    #[test]
    fn timestamps_write_as_chrono(secs in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000, leap in any::<bool>()) {
        let t = Utc.timestamp_opt(secs, nanos).unwrap();
        let t = if leap && secs.rem_euclid(60) == 59 { Utc.timestamp_opt(secs, nanos + 1_000_000_000).unwrap() } else { t };
        let mut out = Vec::new();
        value::write_utc_timestamp_millis(&mut out, &t);
        prop_assert_eq!(String::from_utf8(out).unwrap(), reference_write_timestamp(&t));
        // The builder's per-second cache gives the same text.
        let mut b = MessageBuilder::new("FIX.4.2");
        b.start(b"0").timestamp(52, &t).timestamp(60, &(t + chrono::Duration::milliseconds(7)));
        let framed = String::from_utf8(b.finish()).unwrap();
        let expected = format!("\x0152={}\x0160={}\x01", reference_write_timestamp(&t), reference_write_timestamp(&(t + chrono::Duration::milliseconds(7))));
        prop_assert!(framed.contains(&expected), "{}", framed);
    }

    #[test]
    fn checksum_is_the_byte_sum(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let sum: u32 = bytes.iter().map(|&b| b as u32).sum();
        prop_assert_eq!(fix_codec::checksum(&bytes), (sum % 256) as u8);
    }

    #[test]
    fn decode_agrees_with_a_plain_split(fields in proptest::collection::vec(("-?[0-9]{1,12}|[0-9]{0,3}", "[ -~]{0,20}"), 0..20)) {
        let bytes = frame(&fields);
        let got = Message::decode(&bytes).map(|m| m.fields().iter().map(|f| (f.tag, m.value(f).to_vec())).collect::<Vec<_>>());
        prop_assert_eq!(got.ok(), plain_split(&bytes));
    }
}

/// What the decoder gives for frames without data fields.
fn plain_split(bytes: &[u8]) -> Option<Vec<(i32, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let eq = bytes[pos..].iter().position(|&c| c == b'=')? + pos;
        let tag = value::parse_int(&bytes[pos..eq]).and_then(|t| i32::try_from(t).ok())?;
        if [
            89, 91, 96, 213, 349, 351, 353, 355, 357, 359, 361, 363, 365, 446,
        ]
        .contains(&tag)
        {
            return None; // data fields are tested elsewhere
        }
        let end = bytes[eq + 1..].iter().position(|&c| c == 1)? + eq + 1;
        out.push((tag, bytes[eq + 1..end].to_vec()));
        pos = end + 1;
    }
    Some(out)
}

fn reference_parse_decimal(v: &[u8]) -> Option<Decimal> {
    let (neg, body) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        _ => (false, v),
    };
    let mut mantissa: u128 = 0;
    let mut scale: u32 = 0;
    let mut seen_point = false;
    let mut digits = 0u32;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add((c - b'0') as u128)?;
                digits += 1;
                if seen_point {
                    scale += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if digits == 0 || scale > 28 || mantissa >= (1u128 << 96) {
        return None;
    }
    let m = mantissa as i128;
    Decimal::try_from_i128_with_scale(if neg { -m } else { m }, scale).ok()
}

fn reference_parse_timestamp(v: &[u8]) -> Option<DateTime<Utc>> {
    let s = std::str::from_utf8(v).ok()?;
    if v.len() < 17 || v[8] != b'-' || v[11] != b':' || v[14] != b':' || !s.is_ascii() {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<u32> {
        let t = &s[a..b];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(4, 6)?, num(6, 8)?)?;
    let (h, m, sec) = (num(9, 11)?, num(12, 14)?, num(15, 17)?);
    let nanos = match v.len() {
        17 => 0,
        21 | 24 | 27 if v[17] == b'.' => num(18, v.len())? * 10u32.pow(27 - v.len() as u32),
        _ => return None,
    };
    let (sec, nanos) = if sec == 60 {
        (59, nanos + 1_000_000_000)
    } else {
        (sec, nanos)
    };
    Some(date.and_hms_nano_opt(h, m, sec, nanos)?.and_utc())
}

fn reference_write_timestamp(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let ms = (t.nanosecond() / 1_000_000).min(999);
    format!(
        "{:04}{:02}{:02}-{:02}:{:02}:{:02}.{:03}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        ms
    )
}

#[test]
fn decimal_edge_cases() {
    for s in [
        "0",
        "-0",
        "0.00",
        "-0.00",
        "0.005",
        "12.34",
        "79228162514264337593543950335",
        "-7.9228162514264337593543950335",
        "1000",
    ] {
        let d = Decimal::from_str(s).unwrap();
        let mut out = Vec::new();
        value::write_decimal(&mut out, &d);
        assert_eq!(String::from_utf8(out).unwrap(), d.to_string(), "{s}");
    }
    let neg_zero = Decimal::from_parts(0, 0, 0, true, 2);
    let mut out = Vec::new();
    value::write_decimal(&mut out, &neg_zero);
    assert_eq!(String::from_utf8(out).unwrap(), neg_zero.to_string());
    assert_eq!(
        value::parse_decimal(b"-0").unwrap().serialize(),
        reference_parse_decimal(b"-0").unwrap().serialize()
    );
}

#[test]
fn odd_tags_decode_as_before() {
    for (frame, ok) in [
        ("12345678=x\x01", true),
        ("1234567890123456789=x\x01", false),
        ("2147483648=x\x01", false),
        ("-2147483648=x\x01", true),
        ("0000035=D\x01", true),
        ("=x\x01", false),
        ("-=x\x01", false),
        ("3a=x\x01", false),
        ("35=D", false),
        ("35", false),
    ] {
        assert_eq!(Message::decode(frame.as_bytes()).is_ok(), ok, "{frame:?}");
    }
    let m = Message::decode(b"0000035=D\x01").unwrap();
    assert_eq!(m.msg_type(), b"D");
}

/// The framer and `verify` as first written (plain searches, no fast
/// paths): their specification.
mod reference_framer {
    use fix_codec::{framer::FramerEvent, Garbled};
    use memchr::memmem;

    const SOH: u8 = 1;

    fn find_after_soh(hay: &[u8], rest: &[u8]) -> Option<usize> {
        (0..hay.len()).find(|&i| hay[i] == SOH && hay[i + 1..].starts_with(rest))
    }

    fn find_soh(hay: &[u8]) -> Option<usize> {
        hay.iter().position(|&b| b == SOH)
    }

    fn parse_usize(d: &[u8]) -> Option<usize> {
        if d.is_empty() || d.len() > 9 || !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(d.iter().fold(0, |n, &c| n * 10 + (c - b'0') as usize))
    }

    fn skip_one(buf: &[u8], reason: Garbled) -> FramerEvent {
        let len = memmem::find(&buf[1..], b"8=FIX").map_or(buf.len(), |p| p + 1);
        FramerEvent::Skip { len, reason }
    }

    fn incomplete(max: usize, buf: &[u8], reason: Garbled) -> FramerEvent {
        if buf.len() > max + 64 {
            let reason = match reason {
                Garbled::BadBodyLengthField => Garbled::BadBodyLengthField,
                _ => Garbled::Unterminated,
            };
            return skip_one(buf, reason);
        }
        FramerEvent::NeedMore
    }

    pub fn next(max: usize, buf: &[u8]) -> FramerEvent {
        let Some(start) = memmem::find(buf, b"8=FIX") else {
            if buf.len() > 4 {
                return FramerEvent::Skip {
                    len: buf.len() - 4,
                    reason: Garbled::Junk,
                };
            }
            return FramerEvent::NeedMore;
        };
        if start > 0 {
            return FramerEvent::Skip {
                len: start,
                reason: Garbled::Junk,
            };
        }
        let window = &buf[..buf.len().min(max)];
        let Some(nine) = find_after_soh(window, b"9=") else {
            return incomplete(max, buf, Garbled::BadBodyLengthField);
        };
        let digits_start = nine + 3;
        let Some(digits_len) = find_soh(&window[digits_start..]) else {
            return incomplete(max, buf, Garbled::BadBodyLengthField);
        };
        let Some(body_len) = parse_usize(&buf[digits_start..digits_start + digits_len]) else {
            return skip_one(buf, Garbled::BadBodyLengthField);
        };
        if body_len > max {
            return skip_one(
                buf,
                Garbled::TooLarge {
                    declared: body_len,
                    max,
                },
            );
        }
        let body_start = digits_start + digits_len + 1;
        let body_end = body_start + body_len;
        if buf.len() < body_end {
            return FramerEvent::NeedMore;
        }
        let search_from = body_end.saturating_sub(1).max(body_start.saturating_sub(1));
        let limit = buf.len().min(max + body_start + 16);
        let Some(cs) = find_after_soh(&buf[search_from..limit], b"10=") else {
            return incomplete(max, buf, Garbled::Unterminated);
        };
        let cs_value = search_from + cs + 4;
        let Some(end) = find_soh(&buf[cs_value..limit]) else {
            return incomplete(max, buf, Garbled::Unterminated);
        };
        FramerEvent::Frame {
            len: cs_value + end + 1,
        }
    }

    pub fn verify(frame: &[u8]) -> Result<(), Garbled> {
        let first = find_soh(frame).ok_or(Garbled::HeaderOutOfOrder)?;
        if !frame.starts_with(b"8=") {
            return Err(Garbled::HeaderOutOfOrder);
        }
        let rest = &frame[first + 1..];
        if !rest.starts_with(b"9=") {
            return Err(Garbled::HeaderOutOfOrder);
        }
        let len_end = find_soh(rest).ok_or(Garbled::BadBodyLengthField)?;
        let declared = parse_usize(&rest[2..len_end]).ok_or(Garbled::BadBodyLengthField)?;
        let body_start = first + 1 + len_end + 1;
        if !frame[body_start..].starts_with(b"35=") {
            return Err(Garbled::HeaderOutOfOrder);
        }
        let from = body_start.saturating_sub(1);
        let trailer = memmem::rfind(&frame[from..], b"\x0110=")
            .map(|p| p + from)
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
        let actual = frame[..trailer + 1]
            .iter()
            .fold(0u8, |s, &b| s.wrapping_add(b));
        let digits = &frame[trailer + 4..frame.len() - 1];
        let declared_cs = parse_usize(digits).map(|v| v as u32);
        if digits.len() != 3 || declared_cs != Some(actual as u32) {
            return Err(Garbled::BadCheckSum {
                declared: declared_cs,
                actual,
            });
        }
        Ok(())
    }
}

/// What `Framer::next_verified` must answer: the plain framer, then the
/// plain `verify` on a frame, a failure being a skip of the frame.
fn next_then_verify(max: usize, buf: &[u8]) -> fix_codec::framer::FramerEvent {
    use fix_codec::framer::FramerEvent;
    match reference_framer::next(max, buf) {
        FramerEvent::Frame { len } => match reference_framer::verify(&buf[..len]) {
            Ok(()) => FramerEvent::Frame { len },
            Err(reason) => FramerEvent::Skip { len, reason },
        },
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// The framer and verify agree with their plain versions on FIX-looking
    /// byte soup: pieces of real frames, stray SOHs and digits, cut anywhere.
    #[test]
    fn framer_and_verify_agree_with_plain_versions(
        parts in proptest::collection::vec(prop::sample::select(vec![
            "8=FIX.4.2\x01", "9=", "9=5\x01", "9=12\x01", "9=0\x01", "35=D\x01", "35=0\x01",
            "10=", "10=123\x01", "10=12\x01", "\x0110=000\x01", "49=CLIENT1\x01", "1", "12", "\x01",
            "=", "x", "8=FIX", "52=20261126-03:12:47.000\x01",
        ]), 0..24),
        max in prop::sample::select(vec![16usize, 40, 64, 4096]),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes: Vec<u8> = parts.concat().into_bytes();
        let n = cut.index(bytes.len() + 1);
        let buf = &bytes[..n];
        let framer = fix_codec::Framer::new(max);
        prop_assert_eq!(framer.next(buf), reference_framer::next(max, buf), "{:?}", String::from_utf8_lossy(buf));
        prop_assert_eq!(fix_codec::framer::verify(buf), reference_framer::verify(buf), "{:?}", String::from_utf8_lossy(buf));
        prop_assert_eq!(framer.next_verified(buf), next_then_verify(max, buf), "{:?}", String::from_utf8_lossy(buf));
    }

    /// Real frames (right lengths and checksums), whole and with one byte changed.
    #[test]
    fn framer_and_verify_agree_on_real_frames(
        body in proptest::collection::vec(prop::sample::select(vec![
            "35=D|", "49=C|", "56=V|", "34=12|", "11=ORD-1|", "55=BTC|", "58=text with = signs|",
        ]), 1..12),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        change in any::<bool>(),
        // A BodyLength off by this much, with the CheckSum still right.
        len_off in prop::sample::select(vec![0i64, 0, 0, -7, -2, -1, 1, 2, 9]),
    ) {
        let body = body.concat().replace('|', "\x01");
        let declared = (body.len() as i64 + len_off).max(0);
        let head = format!("8=FIX.4.2\x019={declared}\x01");
        let mut frame = format!("{head}{body}").into_bytes();
        let sum = frame.iter().fold(0u8, |s, &b| s.wrapping_add(b));
        frame.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
        if change {
            let i = flip.index(frame.len());
            frame[i] = byte;
        }
        for max in [64usize, 4096] {
            prop_assert_eq!(fix_codec::Framer::new(max).next(&frame), reference_framer::next(max, &frame));
            prop_assert_eq!(fix_codec::Framer::new(max).next_verified(&frame), next_then_verify(max, &frame));
        }
        prop_assert_eq!(fix_codec::framer::verify(&frame), reference_framer::verify(&frame));
    }
}
