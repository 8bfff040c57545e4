//! Typed views of field values, and the format checks QuickFIX applies.
//!
//! Parsers take the raw value bytes and return `None` when the format is
//! wrong; they never allocate. Quantities, prices and amounts are
//! `rust_decimal::Decimal`, never floating point.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// An integer: optional `-`, then digits (QuickFIX `IntConvertor`; no `+`).
pub fn parse_int(v: &[u8]) -> Option<i64> {
    let (neg, digits) = match v.first() {
        Some(b'-') => (true, &v[1..]),
        _ => (false, v),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (d - b'0') as i64;
    }
    Some(if neg { -n } else { n })
}

/// A sequence number or other non-negative integer.
pub fn parse_u64(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &d in v {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(n)
}

/// A single character.
pub fn parse_char(v: &[u8]) -> Option<u8> {
    match v {
        [c] => Some(*c),
        _ => None,
    }
}

/// `Y` or `N`.
pub fn parse_bool(v: &[u8]) -> Option<bool> {
    match v {
        b"Y" => Some(true),
        b"N" => Some(false),
        _ => None,
    }
}

/// A decimal in FIX's float format: optional `-`, digits with at most one
/// `.`, at least one digit; no `+`, no exponent (QuickFIX `DoubleConvertor`).
pub fn parse_decimal(v: &[u8]) -> Option<Decimal> {
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

fn two(v: &[u8], at: usize) -> Option<u32> {
    let a = v.get(at)?;
    let b = v.get(at + 1)?;
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some(((a - b'0') * 10 + (b - b'0')) as u32)
    } else {
        None
    }
}

fn digits_at(v: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = v.get(at..at + n)?;
    let mut x = 0u32;
    for &d in s {
        if !d.is_ascii_digit() {
            return None;
        }
        x = x * 10 + (d - b'0') as u32;
    }
    Some(x)
}

/// `YYYYMMDD-HH:MM:SS` with optional `.sss` (or 6 or 9 fraction digits).
pub fn parse_utc_timestamp(v: &[u8]) -> Option<DateTime<Utc>> {
    if v.len() < 17 || v[8] != b'-' || v[11] != b':' || v[14] != b':' {
        return None;
    }
    let date = parse_date_digits(&v[..8])?;
    let (h, m, s) = (two(v, 9)?, two(v, 12)?, two(v, 15)?);
    let nanos = match v.len() {
        17 => 0,
        21 | 24 | 27 if v[17] == b'.' => {
            let n = v.len() - 18;
            digits_at(v, 18, n)? * 10u32.pow(9 - n as u32)
        }
        _ => return None,
    };
    // 60 is a leap second; chrono models it as 59 + 1s of nanos.
    let (s, nanos) = if s == 60 { (59, nanos + 1_000_000_000) } else { (s, nanos) };
    Some(date.and_hms_nano_opt(h, m, s, nanos)?.and_utc())
}

fn parse_date_digits(v: &[u8]) -> Option<NaiveDate> {
    let y = digits_at(v, 0, 4)?;
    let mo = two(v, 4)?;
    let d = two(v, 6)?;
    NaiveDate::from_ymd_opt(y as i32, mo, d)
}

/// `HH:MM:SS` with optional fraction.
pub fn is_utc_time_only(v: &[u8]) -> bool {
    if v.len() < 8 || v[2] != b':' || v[5] != b':' {
        return false;
    }
    let ok = matches!((two(v, 0), two(v, 3), two(v, 6)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s <= 60);
    ok && match v.len() {
        8 => true,
        12 | 15 | 18 => v[8] == b'.' && v[9..].iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `YYYYMMDD`.
pub fn is_date(v: &[u8]) -> bool {
    v.len() == 8 && parse_date_digits(v).is_some()
}

/// `YYYYMM`, optionally followed by `DD` or `wN`.
pub fn is_month_year(v: &[u8]) -> bool {
    let base = v.len() >= 6 && v[..6].iter().all(u8::is_ascii_digit) && matches!(two(v, 4), Some(1..=12));
    base && match &v[6..] {
        [] => true,
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => true,
        [b'w', n] if (b'1'..=b'5').contains(n) => true,
        _ => false,
    }
}

/// Writes `YYYYMMDD-HH:MM:SS.sss` (the venue's SendingTime format).
pub fn write_utc_timestamp_millis(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    let ms = (t.nanosecond() / 1_000_000).min(999);
    let mut buf = [0u8; 21];
    put(&mut buf[0..4], t.year() as u32);
    put(&mut buf[4..6], t.month());
    put(&mut buf[6..8], t.day());
    buf[8] = b'-';
    put(&mut buf[9..11], t.hour());
    buf[11] = b':';
    put(&mut buf[12..14], t.minute());
    buf[14] = b':';
    put(&mut buf[15..17], t.second());
    buf[17] = b'.';
    put(&mut buf[18..21], ms);
    out.extend_from_slice(&buf);
}

fn put(dst: &mut [u8], mut n: u32) {
    for slot in dst.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn ints() {
        assert_eq!(parse_int(b"-12"), Some(-12));
        assert_eq!(parse_int(b"+12"), None);
        assert_eq!(parse_int(b""), None);
        assert_eq!(parse_u64(b"18446744073709551616"), None);
    }

    #[test]
    fn decimals_keep_their_scale() {
        assert_eq!(parse_decimal(b"002000.00"), Some(Decimal::from_str("2000.00").unwrap()));
        assert_eq!(parse_decimal(b"-0.5"), Some(Decimal::from_str("-0.5").unwrap()));
        assert_eq!(parse_decimal(b"10."), Some(Decimal::from(10)));
        assert_eq!(parse_decimal(b"+200.00"), None);
        assert_eq!(parse_decimal(b"1e5"), None);
        assert_eq!(parse_decimal(b"."), None);
        assert_eq!(parse_decimal(b"1.2.3"), None);
    }

    #[test]
    fn timestamps_with_and_without_millis() {
        let a = parse_utc_timestamp(b"20261126-03:12:47").unwrap();
        let b = parse_utc_timestamp(b"20261126-03:12:47.123").unwrap();
        assert_eq!((b - a).num_milliseconds(), 123);
        assert!(parse_utc_timestamp(b"20261326-03:12:47").is_none());
        assert!(parse_utc_timestamp(b"20261126-03:12:47.12").is_none());
        let mut out = Vec::new();
        write_utc_timestamp_millis(&mut out, &b);
        assert_eq!(out, b"20261126-03:12:47.123");
    }

    #[test]
    fn other_formats() {
        assert!(is_utc_time_only(b"23:59:59"));
        assert!(!is_utc_time_only(b"24:00:00"));
        assert!(is_date(b"20260228") && !is_date(b"20260230"));
        assert!(is_month_year(b"202612") && is_month_year(b"202612w2") && !is_month_year(b"202613"));
        assert_eq!(parse_bool(b"Y"), Some(true));
        assert_eq!(parse_char(b"AB"), None);
    }
}
