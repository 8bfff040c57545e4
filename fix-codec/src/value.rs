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
    // Fast path: at most 19 digits fit a u64 and a scale of at most 19.
    if body.len() <= 19 {
        let mut mantissa: u64 = 0;
        let mut scale: u32 = 0;
        let mut seen_point = false;
        for &c in body {
            let d = c.wrapping_sub(b'0');
            if d <= 9 {
                mantissa = mantissa * 10 + d as u64;
                scale += seen_point as u32;
            } else if c == b'.' && !seen_point {
                seen_point = true;
            } else {
                return None;
            }
        }
        if body.len() == seen_point as usize {
            return None; // no digit
        }
        // `-0` is plain zero, as `Decimal::try_from_i128_with_scale(-0, s)` gives.
        let neg = neg && mantissa != 0;
        return Some(Decimal::from_parts(
            mantissa as u32,
            (mantissa >> 32) as u32,
            0,
            neg,
            scale,
        ));
    }
    parse_decimal_wide(neg, body)
}

#[cold]
fn parse_decimal_wide(neg: bool, body: &[u8]) -> Option<Decimal> {
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

/// Whether [`parse_int`] accepts the value, without computing it.
#[inline]
pub fn is_int(v: &[u8]) -> bool {
    let digits = match v.first() {
        Some(b'-') => &v[1..],
        _ => v,
    };
    !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit)
}

/// Whether [`parse_decimal`] accepts the value, without building it.
#[inline]
pub fn is_decimal(v: &[u8]) -> bool {
    let body = match v.first() {
        Some(b'-') => &v[1..],
        _ => v,
    };
    // Up to 28 digits: the mantissa is below 10^28 < 2^96 and the scale at
    // most 28, so only the syntax matters.
    if body.len() > 28 {
        return parse_decimal(v).is_some();
    }
    let mut seen_point = false;
    for &c in body {
        if c.is_ascii_digit() {
            continue;
        }
        if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            return false;
        }
    }
    body.len() > seen_point as usize
}

/// Copies `n` bytes from `src` to `dst` without a library call: values of
/// a few bytes are most of what the encoder writes, and a call to `memcpy`
/// per value costs more than the copy. Up to 16 bytes take two overlapping
/// fixed-size moves.
///
/// # Safety
/// `src` must be valid for reading `n` bytes and `dst` for writing `n`
/// bytes, and the two ranges must not overlap.
#[inline(always)]
pub(crate) unsafe fn copy_short(src: *const u8, dst: *mut u8, n: usize) {
    // SAFETY (each arm): the moves cover [0, k) and [n - k, n) with k <= n,
    // inside the ranges the caller vouches for.
    unsafe {
        if n > 16 {
            std::ptr::copy_nonoverlapping(src, dst, n);
        } else if n >= 8 {
            std::ptr::copy_nonoverlapping(src, dst, 8);
            std::ptr::copy_nonoverlapping(src.add(n - 8), dst.add(n - 8), 8);
        } else if n >= 4 {
            std::ptr::copy_nonoverlapping(src, dst, 4);
            std::ptr::copy_nonoverlapping(src.add(n - 4), dst.add(n - 4), 4);
        } else if n > 0 {
            // 1 to 3 bytes: first, middle and last (some the same byte).
            *dst = *src;
            *dst.add(n / 2) = *src.add(n / 2);
            *dst.add(n - 1) = *src.add(n - 1);
        }
    }
}

/// Appends a slice, short ones without a library call (see [`copy_short`]).
#[inline(always)]
pub(crate) fn append(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    out.reserve(n);
    let len = out.len();
    // SAFETY: `reserve(n)` left room for n bytes after `len`; `s` is n
    // readable bytes and cannot overlap the vector's spare capacity. All of
    // [len, len + n) is written before the length covers it.
    unsafe {
        copy_short(s.as_ptr(), out.as_mut_ptr().add(len), n);
        out.set_len(len + n);
    }
}

/// Writes a decimal as `Decimal`'s `Display` does (no exponent, trailing
/// zeros as the scale carries them, `-` for negative values including a
/// negative zero), without going through `fmt`.
pub fn write_decimal(out: &mut Vec<u8>, v: &Decimal) {
    let scale = v.scale() as usize;
    let m = v.mantissa().unsigned_abs();
    let mut ib = itoa::Buffer::new();
    let digits: &[u8] = if m == 0 {
        b""
    } else if let Ok(m) = u64::try_from(m) {
        ib.format(m).as_bytes()
    } else {
        ib.format(m).as_bytes()
    };
    if v.is_sign_negative() {
        out.push(b'-');
    }
    if scale == 0 {
        append(out, if digits.is_empty() { b"0" } else { digits });
    } else if digits.len() > scale {
        let whole = digits.len() - scale;
        append(out, &digits[..whole]);
        out.push(b'.');
        append(out, &digits[whole..]);
    } else {
        const ZEROS: &[u8; 30] = b"0.0000000000000000000000000000";
        // scale <= 28, so "0." and the padding fit in ZEROS.
        let pad = scale - digits.len();
        append(out, &ZEROS[..2 + pad]);
        append(out, digits);
    }
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
    let ts = scan_utc_timestamp(v)?;
    // 60 is a leap second; chrono models it as 59 + 1s of nanos.
    let (s, nanos) = if ts.sec == 60 {
        (59, ts.nanos + 1_000_000_000)
    } else {
        (ts.sec, ts.nanos)
    };
    let date = NaiveDate::from_ymd_opt(ts.year as i32, ts.month, ts.day)?;
    Some(date.and_hms_nano_opt(ts.hour, ts.min, s, nanos)?.and_utc())
}

/// Whether [`parse_utc_timestamp`] accepts the value; checked by hand,
/// without building a date.
#[inline]
pub fn is_utc_timestamp(v: &[u8]) -> bool {
    utc_timestamp_fraction_ok(v) && scan_date_time(v).is_some()
}

/// The part of [`is_utc_timestamp`] after the second: the length and the
/// optional `.sss` (or 6 or 9 digits). For a value whose first 17 bytes are
/// a second already found good.
#[inline]
pub(crate) fn utc_timestamp_fraction_ok(v: &[u8]) -> bool {
    match v.len() {
        17 => true,
        21 | 24 | 27 => v[17] == b'.' && v[18..].iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// The parts of a well-formed UTCTimestamp, each in range.
struct Timestamp {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nanos: u32,
}

/// Whether all eight bytes of `w` are ASCII digits.
#[inline(always)]
fn all_digits(w: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // High nibble 3 in every byte, and adding 6 leaves it 3 (so no byte is
    // above '9'); with high nibble 3 the add cannot carry between bytes.
    (w & HIGH) == ZEROS && (w.wrapping_add(0x0606_0606_0606_0606) & HIGH) == ZEROS
}

#[inline]
fn scan_utc_timestamp(v: &[u8]) -> Option<Timestamp> {
    let nanos = match v.len() {
        17 => 0,
        21 | 24 | 27 if v[17] == b'.' => {
            let n = v.len() - 18;
            digits_at(v, 18, n)? * 10u32.pow(9 - n as u32)
        }
        _ => return None,
    };
    let mut ts = scan_date_time(v)?;
    ts.nanos = nanos;
    Some(ts)
}

/// The `YYYYMMDD-HH:MM:SS` that starts a UTCTimestamp, each part in range
/// (nanos left 0).
#[inline]
fn scan_date_time(v: &[u8]) -> Option<Timestamp> {
    // Read as two words and a byte.
    let head: &[u8; 17] = v.get(..17)?.try_into().ok()?;
    let date = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    let time = u64::from_le_bytes(head[8..16].try_into().expect("8 bytes"));
    // In the time word, bytes 0, 3 and 6 are '-', ':' and ':'; the rest,
    // with '0' put in their place, must be digits like the date word.
    const SEPARATORS: u64 = 0x00FF_0000_FF00_00FF;
    if time & SEPARATORS != 0x003A_0000_3A00_002D
        || !all_digits(date)
        || !all_digits((time & !SEPARATORS) | 0x0030_0000_3000_0030)
        || !head[16].is_ascii_digit()
    {
        return None;
    }
    let d = |i: usize| (head[i] - b'0') as u32;
    let year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    let (month, day) = (d(4) * 10 + d(5), d(6) * 10 + d(7));
    let (hour, min, sec) = (d(9) * 10 + d(10), d(12) * 10 + d(13), d(15) * 10 + d(16));
    // Ranges as chrono's NaiveDate::from_ymd_opt and and_hms_nano_opt check
    // them (a 4-digit year is always in chrono's range; 60 is a leap second).
    let date_ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    if !date_ok || hour >= 24 || min >= 60 || sec > 60 {
        return None;
    }
    Some(Timestamp {
        year,
        month,
        day,
        hour,
        min,
        sec,
        nanos: 0,
    })
}

#[inline]
#[allow(clippy::manual_is_multiple_of)] // is_multiple_of is newer than the MSRV
fn is_leap(y: u32) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

#[inline]
fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 => 28 + is_leap(y) as u32,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_date_digits(v: &[u8]) -> bool {
    match (digits_at(v, 0, 4), two(v, 4), two(v, 6)) {
        (Some(y), Some(m), Some(d)) => (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m),
        _ => false,
    }
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
    v.len() == 8 && is_date_digits(v)
}

/// `YYYYMM`, optionally followed by `DD` or `wN`.
pub fn is_month_year(v: &[u8]) -> bool {
    let base =
        v.len() >= 6 && v[..6].iter().all(u8::is_ascii_digit) && matches!(two(v, 4), Some(1..=12));
    base && match &v[6..] {
        [] => true,
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => true,
        [b'w', n] if (b'1'..=b'5').contains(n) => true,
        _ => false,
    }
}

/// Writes `YYYYMMDD-HH:MM:SS.sss` (the venue's SendingTime format).
pub fn write_utc_timestamp_millis(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    let mut buf = [0u8; 21];
    if !format_utc_second(
        t.timestamp(),
        (&mut buf[..17]).try_into().expect("17 bytes"),
    ) {
        return write_utc_timestamp_millis_chrono(out, t);
    }
    buf[17] = b'.';
    put_millis(&mut buf[18..21], t.timestamp_subsec_nanos());
    out.extend_from_slice(&buf);
}

/// The general path, for years outside 0000..=9999 (written as the last
/// four digits of the year as a `u32`).
#[cold]
fn write_utc_timestamp_millis_chrono(out: &mut Vec<u8>, t: &DateTime<Utc>) {
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

/// `.sss` digits of a sub-second nanosecond count (leap seconds, whose
/// nanos exceed 10^9, write 999).
#[inline]
pub(crate) fn put_millis(dst: &mut [u8], nanos: u32) {
    put(dst, (nanos / 1_000_000).min(999));
}

/// Writes `YYYYMMDD-HH:MM:SS` for a Unix timestamp (non-leap seconds, as
/// `DateTime::timestamp` gives). False, writing nothing meaningful, when the
/// year is outside 0000..=9999.
#[inline]
pub(crate) fn format_utc_second(secs: i64, out: &mut [u8; 17]) -> bool {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return false;
    }
    let y = y as u32;
    put2(&mut out[0..2], y / 100);
    put2(&mut out[2..4], y % 100);
    put2(&mut out[4..6], m);
    put2(&mut out[6..8], d);
    out[8] = b'-';
    put2(&mut out[9..11], sod / 3600);
    out[11] = b':';
    put2(&mut out[12..14], sod / 60 % 60);
    out[14] = b':';
    put2(&mut out[15..17], sod % 60);
    true
}

/// Proleptic Gregorian (year, month, day) of a day count from 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
#[inline]
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u32; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe as i64 + era * 400 + (m <= 2) as i64;
    (y, m, d)
}

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline]
fn put2(dst: &mut [u8], n: u32) {
    let i = (n as usize % 100) * 2;
    dst[0] = PAIRS[i];
    dst[1] = PAIRS[i + 1];
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

    #[test]
    fn append_copies_every_length_exactly() {
        let src: Vec<u8> = (1..=40).collect();
        for prefix in [0usize, 3, 15] {
            for n in 0..=40 {
                let mut out = vec![0xAA; prefix];
                out.shrink_to_fit();
                append(&mut out, &src[..n]);
                let mut want = vec![0xAA; prefix];
                want.extend_from_slice(&src[..n]);
                assert_eq!(out, want, "prefix {prefix}, {n} bytes");
            }
        }
    }
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
        assert_eq!(
            parse_decimal(b"002000.00"),
            Some(Decimal::from_str("2000.00").unwrap())
        );
        assert_eq!(
            parse_decimal(b"-0.5"),
            Some(Decimal::from_str("-0.5").unwrap())
        );
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
        assert!(
            is_month_year(b"202612") && is_month_year(b"202612w2") && !is_month_year(b"202613")
        );
        assert_eq!(parse_bool(b"Y"), Some(true));
        assert_eq!(parse_char(b"AB"), None);
    }
}
