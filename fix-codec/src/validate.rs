//! Dictionary validation with QuickFIX's checks, order and answers.
//!
//! The order matters because a message with several problems gets the answer
//! QuickFIX would give: field order (header, body, trailer), MsgType,
//! required fields, then each field of the header, trailer and body in tag
//! order (repeated, empty, format, enumerated value, defined, in this message
//! type, group count). Each check can be switched off as in QuickFIX.

use crate::{
    decode::{Field, Message},
    dictionary::{Dictionary, FastTag, FieldType, GroupDef, TagInfo, FAST_TAGS},
    value,
};

/// FIX 4.2 SessionRejectReason(373), plus the later reasons QuickFIX uses
/// (13, 14, 16), which are sent without a 373 in FIX 4.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionRejectReason {
    InvalidTagNumber = 0,
    RequiredTagMissing = 1,
    TagNotDefinedForMessageType = 2,
    UndefinedTag = 3,
    TagSpecifiedWithoutValue = 4,
    ValueIsIncorrect = 5,
    IncorrectDataFormat = 6,
    DecryptionProblem = 7,
    SignatureProblem = 8,
    CompIdProblem = 9,
    SendingTimeAccuracyProblem = 10,
    InvalidMsgType = 11,
    TagAppearsMoreThanOnce = 13,
    TagSpecifiedOutOfRequiredOrder = 14,
    IncorrectNumInGroupCount = 16,
}

impl SessionRejectReason {
    pub fn code(self) -> u32 {
        self as u32
    }

    /// Whether FIX 4.2 defines this code (so it goes into 373).
    pub fn in_fix42(self) -> bool {
        self.code() <= 11
    }

    /// QuickFIX's text for the reason, sent in Text(58).
    pub fn text(self) -> &'static str {
        match self {
            Self::InvalidTagNumber => "Invalid tag number",
            Self::RequiredTagMissing => "Required tag missing",
            Self::TagNotDefinedForMessageType => "Tag not defined for this message type",
            Self::UndefinedTag => "Undefined Tag",
            Self::TagSpecifiedWithoutValue => "Tag specified without a value",
            Self::ValueIsIncorrect => "Value is incorrect (out of range) for this tag",
            Self::IncorrectDataFormat => "Incorrect data format for value",
            Self::DecryptionProblem => "Decryption problem",
            Self::SignatureProblem => "Signature problem",
            Self::CompIdProblem => "CompID problem",
            Self::SendingTimeAccuracyProblem => "SendingTime accuracy problem",
            Self::InvalidMsgType => "Invalid MsgType",
            Self::TagAppearsMoreThanOnce => "Tag appears more than once",
            Self::TagSpecifiedOutOfRequiredOrder => "Tag specified out of required order",
            Self::IncorrectNumInGroupCount => "Incorrect NumInGroup count for repeating group",
        }
    }
}

/// Why a well-framed message is refused with a session Reject(3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionReject {
    pub reason: SessionRejectReason,
    /// RefTagID(371): the offending tag, where there is one.
    pub ref_tag: Option<i32>,
}

impl SessionReject {
    pub fn new(reason: SessionRejectReason, ref_tag: Option<i32>) -> Self {
        SessionReject { reason, ref_tag }
    }

    pub fn text(&self) -> &'static str {
        self.reason.text()
    }
}

impl std::fmt::Display for SessionReject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ref_tag {
            Some(t) => write!(f, "{} (tag {t})", self.text()),
            None => f.write_str(self.text()),
        }
    }
}

/// QuickFIX's per-session validation switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationOptions {
    /// ValidateFieldsOutOfOrder: header, body, trailer in order.
    pub check_fields_out_of_order: bool,
    /// ValidateFieldsHaveValues: no empty values.
    pub check_fields_have_values: bool,
    /// ValidateUserDefinedFields: tags >= 5000 must be in the dictionary.
    pub check_user_defined_fields: bool,
    /// AllowUnknownMsgFields: tags < 5000 unknown to the message pass.
    pub allow_unknown_msg_fields: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            check_fields_out_of_order: true,
            check_fields_have_values: true,
            check_user_defined_fields: true,
            allow_unknown_msg_fields: false,
        }
    }
}

const USER_MIN: i32 = 5000;

type Result<T> = std::result::Result<T, SessionReject>;

fn reject(reason: SessionRejectReason, tag: i32) -> SessionReject {
    SessionReject::new(reason, Some(tag))
}

/// Entry ranges (indices into the slice given) of a repeating group whose
/// fields start at `fields[0]`, and how many fields the group spans.
/// QuickFIX's rule: the delimiter, or a member already set in the current
/// entry, starts a new entry; a non-member ends the group.
pub(crate) fn split_group(
    fields: &[Field],
    def: &GroupDef,
) -> (Vec<std::ops::Range<usize>>, usize) {
    let mut entries: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    let mut seen: Vec<i32> = Vec::new();
    while i < fields.len() {
        let Some(tag) = fields[i].tag_u32() else {
            break;
        };
        if !def.fields.contains(tag) {
            break;
        }
        if tag == def.delimiter || entries.is_empty() || seen.contains(&fields[i].tag) {
            if entries.is_empty() && tag != def.delimiter && !def.fields.contains(tag) {
                break;
            }
            entries.push(i..i);
            seen.clear();
        }
        seen.push(fields[i].tag);
        i += 1;
        // A nested group's entries belong to this entry.
        if let Some(nested) = def.group(tag) {
            let (_, span) = split_group(&fields[i..], nested);
            i += span;
        }
        entries.last_mut().expect("an entry was opened").end = i;
    }
    (entries, i)
}

/// The original, allocation-heavy validator: the specification the fast
/// path in [`Dictionary::validate`] is tested against, and its fallback for
/// messages too large for its packed sort keys.
mod reference {
    use super::format_ok_reference as format_ok;
    use super::*;

    /// Where each field of a message belongs.
    struct Structure {
        /// First field out of header/body/trailer order, if any.
        out_of_order: Option<i32>,
        header: Vec<usize>,
        trailer: Vec<usize>,
        body: Vec<usize>,
        /// (index of the count field, entries) per top-level group.
        groups: Vec<(usize, Vec<std::ops::Range<usize>>)>,
    }

    impl Dictionary {
        /// The straightforward validator the fast one must agree with exactly.
        pub(crate) fn validate_reference(
            &self,
            msg: &Message,
            opts: &ValidationOptions,
        ) -> Result<()> {
            let fields = msg.fields();
            let msg_type = msg.msg_type();
            let def = self.message(msg_type);
            let s = self.ref_structure(msg, def);

            if opts.check_fields_out_of_order {
                if let Some(tag) = s.out_of_order {
                    return Err(reject(
                        SessionRejectReason::TagSpecifiedOutOfRequiredOrder,
                        tag,
                    ));
                }
            }
            let def = def.ok_or(SessionReject::new(
                SessionRejectReason::InvalidMsgType,
                None,
            ))?;

            // Required fields: header, trailer, body, then each group entry.
            let present =
                |idx: &[usize], tag: u32| idx.iter().any(|&i| fields[i].tag == tag as i32);
            for &t in self.header_required() {
                if !present(&s.header, t) {
                    return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
                }
            }
            for &t in self.trailer_required() {
                if !present(&s.trailer, t) {
                    return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
                }
            }
            for &t in &def.required {
                if !present(&s.body, t) {
                    return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
                }
            }
            for (count_at, entries) in &s.groups {
                let gdef = def
                    .group(fields[*count_at].tag as u32)
                    .expect("group found by structure");
                for e in entries {
                    let base = count_at + 1;
                    let entry = &fields[base + e.start..base + e.end];
                    for &t in &gdef.required {
                        if !entry.iter().any(|f| f.tag == t as i32) {
                            return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
                        }
                    }
                }
            }

            self.ref_check_fields(msg, &s.header, opts, None)?;
            self.ref_check_fields(msg, &s.trailer, opts, None)?;
            self.ref_check_fields(msg, &s.body, opts, Some((def, &s)))?;

            // Values inside group entries get the value checks too.
            for (count_at, entries) in &s.groups {
                if let Some(last) = entries.last() {
                    let first = count_at + 1;
                    for f in &fields[first..first + last.end] {
                        self.ref_check_value(msg, f, opts)?;
                    }
                }
            }
            Ok(())
        }

        fn ref_structure(
            &self,
            msg: &Message,
            def: Option<&crate::dictionary::MessageDef>,
        ) -> Structure {
            #[derive(PartialEq)]
            enum Part {
                Header,
                Body,
                Trailer,
            }
            let fields = msg.fields();
            let mut s = Structure {
                out_of_order: None,
                header: Vec::with_capacity(8),
                trailer: Vec::with_capacity(1),
                body: Vec::with_capacity(fields.len()),
                groups: Vec::new(),
            };
            let mut part = Part::Header;
            let mut i = 0;
            while i < fields.len() {
                let f = &fields[i];
                let tag = f.tag_u32();
                if tag.is_some_and(|t| self.is_header_field(t)) {
                    if part != Part::Header && s.out_of_order.is_none() {
                        s.out_of_order = Some(f.tag);
                    }
                    s.header.push(i);
                } else if tag.is_some_and(|t| self.is_trailer_field(t)) {
                    part = Part::Trailer;
                    s.trailer.push(i);
                } else {
                    if part == Part::Trailer && s.out_of_order.is_none() {
                        s.out_of_order = Some(f.tag);
                    }
                    part = Part::Body;
                    s.body.push(i);
                    if let Some(g) = tag.and_then(|t| def.and_then(|d| d.group(t))) {
                        let (entries, span) = split_group(&fields[i + 1..], g);
                        s.groups.push((i, entries));
                        i += span;
                    }
                }
                i += 1;
            }
            s
        }

        /// Checks one section's top-level fields in tag order.
        fn ref_check_fields(
            &self,
            msg: &Message,
            idx: &[usize],
            opts: &ValidationOptions,
            body: Option<(&crate::dictionary::MessageDef, &Structure)>,
        ) -> Result<()> {
            let fields = msg.fields();
            let mut sorted: smallsort::Sorted =
                smallsort::Sorted::new(idx.iter().map(|&i| (fields[i].tag, i)));
            let mut last: Option<i32> = None;
            for &(tag, i) in sorted.as_slice() {
                if last == Some(tag) {
                    return Err(reject(SessionRejectReason::TagAppearsMoreThanOnce, tag));
                }
                last = Some(tag);
                let f = &fields[i];
                self.ref_check_value(msg, f, opts)?;
                let should_check = if tag < USER_MIN {
                    !opts.allow_unknown_msg_fields
                } else {
                    opts.check_user_defined_fields
                };
                if !should_check {
                    continue;
                }
                let known = f.tag_u32().and_then(|t| self.field(t)).is_some();
                if !known {
                    return Err(reject(SessionRejectReason::InvalidTagNumber, tag));
                }
                if let Some((def, s)) = body {
                    let t = tag as u32;
                    if !def.fields.contains(t) {
                        return Err(reject(
                            SessionRejectReason::TagNotDefinedForMessageType,
                            tag,
                        ));
                    }
                    if def.group(t).is_some() {
                        let entries = s
                            .groups
                            .iter()
                            .find(|(at, _)| *at == i)
                            .map_or(0, |(_, e)| e.len());
                        let declared = value::parse_int(msg.value(f));
                        if declared != Some(entries as i64) {
                            return Err(reject(SessionRejectReason::IncorrectNumInGroupCount, tag));
                        }
                    }
                }
            }
            sorted.clear();
            Ok(())
        }

        /// Empty value, data format and enumerated value of one field.
        fn ref_check_value(
            &self,
            msg: &Message,
            f: &Field,
            opts: &ValidationOptions,
        ) -> Result<()> {
            let v = msg.value(f);
            if opts.check_fields_have_values && v.is_empty() {
                return Err(reject(SessionRejectReason::TagSpecifiedWithoutValue, f.tag));
            }
            let Some(def) = f.tag_u32().and_then(|t| self.field(t)) else {
                return Ok(());
            };
            if v.is_empty() {
                return Ok(());
            }
            if !format_ok(def.field_type, v) {
                return Err(reject(SessionRejectReason::IncorrectDataFormat, f.tag));
            }
            if !def.allows(v) {
                return Err(reject(SessionRejectReason::ValueIsIncorrect, f.tag));
            }
            Ok(())
        }
    }
}

/// The straightforward validator (sorting each section, as first written),
/// which [`Dictionary::validate`] must agree with exactly. For tests and
/// fuzzing; slower.
#[doc(hidden)]
pub fn validate_reference(
    dict: &Dictionary,
    msg: &Message,
    opts: &ValidationOptions,
) -> Result<()> {
    dict.validate_reference(msg, opts)
}

/// Tags below this have their presence tracked in a bit set per section.
const PRESENT_TAGS: i32 = 512;

/// Sections, in the order their fields are checked.
const SEC_HEADER: u64 = 0;
const SEC_TRAILER: u64 = 1;
const SEC_BODY: u64 = 2;

/// Field indices fit this many bits of a check-order key.
const KEY_INDEX_BITS: u32 = 30;

/// A field's place in QuickFIX's check order: section (header, trailer,
/// body), then tag (as a signed order), then wire position, which is where
/// the per-section stable sort by tag puts it.
#[inline]
fn key(section: u64, tag: i32, index: usize) -> u64 {
    let tag_order = (tag as u32 ^ 0x8000_0000) as u64;
    (section << 62) | (tag_order << KEY_INDEX_BITS) | index as u64
}

#[inline]
fn key_section(k: u64) -> u64 {
    k >> 62
}

#[inline]
fn key_tag(k: u64) -> i32 {
    ((k >> KEY_INDEX_BITS) as u32 ^ 0x8000_0000) as i32
}

/// Section and tag of a key, for repeated-tag detection.
#[inline]
fn key_section_tag(k: u64) -> u64 {
    k >> KEY_INDEX_BITS
}

/// Top-level groups: (index of the count field, entries).
type Groups = Vec<(usize, Vec<std::ops::Range<usize>>)>;

/// The first failure in check order seen so far.
struct First {
    key: u64,
    reject: Option<SessionReject>,
}

impl First {
    #[inline]
    fn offer(&mut self, key: u64, reject: SessionReject) {
        if key < self.key {
            self.key = key;
            self.reject = Some(reject);
        }
    }
}

/// Whether two values start with the same 17 bytes (a UTCTimestamp's
/// `YYYYMMDD-HH:MM:SS`).
#[inline]
fn same_second(a: &[u8], b: &[u8]) -> bool {
    match (a.get(..17), b.get(..17)) {
        (Some(a), Some(b)) => <[u8; 17]>::try_from(a).ok() == <[u8; 17]>::try_from(b).ok(),
        _ => false,
    }
}

/// A non-empty value's format and enumeration check.
#[inline]
fn value_ok(dict: &Dictionary, info: TagInfo, tag: i32, v: &[u8]) -> bool {
    use FieldType::*;
    let well_formed = match info.field_type {
        Char => v.len() == 1,
        Int | Length | NumInGroup | SeqNum => value::is_int(v),
        Qty | Price | Amt | Float => value::is_decimal(v),
        UtcTimestamp => value::is_utc_timestamp(v),
        _ if !info.has(TagInfo::FORMAT) => true,
        ty => format_ok(ty, v),
    };
    well_formed && dict.allows(info, tag, v)
}

impl Dictionary {
    /// Validates a decoded message as QuickFIX's `DataDictionary::validate`
    /// does. BeginString, CompIDs, SendingTime and sequence numbers are the
    /// session's checks, not this one's.
    ///
    /// QuickFIX checks each section's fields after sorting them by tag and
    /// stops at the first failure. Here one pass in wire order works out
    /// each field's own failure and keeps the one earliest in that order
    /// (by [`key`]); repeated tags are found with a bit set per section, so
    /// nothing is sorted or allocated for an ordinary message.
    pub fn validate(&self, msg: &Message, opts: &ValidationOptions) -> Result<()> {
        let fields = msg.fields();
        if fields.len() >= 1 << KEY_INDEX_BITS {
            return self.validate_reference(msg, opts);
        }
        if self.plainly_valid(msg) {
            return Ok(());
        }
        let def = self.message(msg.msg_type());

        let mut present = [[0u64; PRESENT_TAGS as usize / 64]; 3];
        // Keys of top-level fields whose tags the bit sets do not cover.
        let mut wide: Vec<u64> = Vec::new();
        let mut groups: Groups = Vec::new();
        let mut out_of_order: Option<i32> = None;
        let mut part = SEC_HEADER;
        let mut first = First {
            key: u64::MAX,
            reject: None,
        };
        let mut i = 0;
        while i < fields.len() {
            let f = &fields[i];
            let tag = f.tag;
            let info = self.tag_info(tag);
            let section = if info.has(TagInfo::HEADER) {
                if part != SEC_HEADER && out_of_order.is_none() {
                    out_of_order = Some(tag);
                }
                SEC_HEADER
            } else if info.has(TagInfo::TRAILER) {
                part = SEC_TRAILER;
                SEC_TRAILER
            } else {
                if part == SEC_TRAILER && out_of_order.is_none() {
                    out_of_order = Some(tag);
                }
                part = SEC_BODY;
                SEC_BODY
            };
            let k = key(section, tag, i);

            // A group's entries belong to its count field.
            let mut entries = 0;
            if section == SEC_BODY && info.has(TagInfo::GROUP_COUNT) {
                if let Some(g) = def.and_then(|d| d.group(tag as u32)) {
                    let (e, span) = split_group(&fields[i + 1..], g);
                    entries = e.len();
                    groups.push((i, e));
                    i += span;
                }
            }
            i += 1;

            let repeated = if (0..PRESENT_TAGS).contains(&tag) {
                let (w, b) = (tag as usize / 64, tag % 64);
                let seen = present[section as usize][w] & (1 << b) != 0;
                present[section as usize][w] |= 1 << b;
                seen
            } else {
                wide.push(k);
                false // found after the pass
            };
            if k >= first.key {
                continue;
            }
            if repeated {
                first.offer(k, reject(SessionRejectReason::TagAppearsMoreThanOnce, tag));
                continue;
            }
            if let Err(r) = self.check_top_level(msg, f, info, section, def, entries, opts) {
                first.offer(k, r);
            }
        }

        if opts.check_fields_out_of_order {
            if let Some(tag) = out_of_order {
                return Err(reject(
                    SessionRejectReason::TagSpecifiedOutOfRequiredOrder,
                    tag,
                ));
            }
        }
        let def = def.ok_or(SessionReject::new(
            SessionRejectReason::InvalidMsgType,
            None,
        ))?;

        // Required fields: header, trailer, body, then each group entry.
        let has = |section: u64, t: u32| {
            if t < PRESENT_TAGS as u32 {
                present[section as usize][t as usize / 64] & (1 << (t % 64)) != 0
            } else {
                wide.iter()
                    .any(|&k| key_section(k) == section && key_tag(k) == t as i32)
            }
        };
        for &t in self.header_required() {
            if !has(SEC_HEADER, t) {
                return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
            }
        }
        for &t in self.trailer_required() {
            if !has(SEC_TRAILER, t) {
                return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
            }
        }
        for &t in &def.required {
            if !has(SEC_BODY, t) {
                return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
            }
        }
        for (count_at, entries) in &groups {
            let gdef = def
                .group(fields[*count_at].tag as u32)
                .expect("group found by structure");
            for e in entries {
                let base = count_at + 1;
                let entry = &fields[base + e.start..base + e.end];
                for &t in &gdef.required {
                    if !entry.iter().any(|f| f.tag == t as i32) {
                        return Err(reject(SessionRejectReason::RequiredTagMissing, t as i32));
                    }
                }
            }
        }

        // Repeats among tags outside the bit sets: in check order, the
        // second of two equal tags in a section fails before its own checks.
        if wide.len() > 1 {
            wide.sort_unstable();
            if let Some(w) = wide
                .windows(2)
                .find(|w| key_section_tag(w[0]) == key_section_tag(w[1]))
            {
                if w[1] <= first.key {
                    first.key = w[1];
                    first.reject = Some(reject(
                        SessionRejectReason::TagAppearsMoreThanOnce,
                        key_tag(w[1]),
                    ));
                }
            }
        }
        if let Some(r) = first.reject {
            return Err(r);
        }

        // Values inside group entries get the value checks too.
        for (count_at, entries) in &groups {
            if let Some(last) = entries.last() {
                let first = count_at + 1;
                for f in &fields[first..first + last.end] {
                    self.check_value(msg.value(f), f.tag, self.tag_info(f.tag), opts)?;
                }
            }
        }
        Ok(())
    }

    /// The common case, cheaply: whether the message passes every check
    /// even with every switch at its strictest, and so under any switches.
    /// A `false` means "look closer", not "invalid": groups, tags from
    /// [`FAST_TAGS`] up, empty values and anything out of the ordinary are
    /// left to the full, QuickFIX-ordered pass. State stays in locals (tags
    /// below 64, most of them, in a register) so fields do not wait on
    /// each other through memory.
    fn plainly_valid(&self, msg: &Message) -> bool {
        let fields = msg.fields();
        // BeginString, BodyLength and MsgType first, in that order (QuickFIX
        // insists on it too), so the message's table is known from the start.
        let Some([f8, f9, f35]) = fields.get(..3) else {
            return false;
        };
        if (f8.tag, f9.tag, f35.tag) != (8, 9, 35) || f8.is_empty() || f9.is_empty() {
            return false;
        }
        let Some(def) = self.message(msg.value(f35)) else {
            return false;
        };
        let Some(required) = def.fast_required.as_ref() else {
            return false;
        };
        let table: &[u8; FAST_TAGS] = &def.fast_tags;
        let mut seen_low = (1u64 << 8) | (1 << 9) | (1 << 35);
        let mut seen_high = [0u64; FAST_TAGS / 64 - 1];
        // Sections only go forward.
        let mut part = FastTag::HEADER;
        // The last UTCTimestamp found good.
        let mut last_timestamp: &[u8] = &[];
        for (i, f) in fields.iter().enumerate() {
            let t = f.tag as u32 as usize;
            let Some(&fast) = table.get(t) else {
                return false;
            };
            if i >= 3 {
                let section = fast & FastTag::SECTION;
                if section == 0 || section < part || f.is_empty() {
                    return false;
                }
                part = section;
                let repeated = if t < 64 {
                    let bit = 1u64 << t;
                    let r = seen_low & bit != 0;
                    seen_low |= bit;
                    r
                } else {
                    let (w, bit) = (t / 64 - 1, 1u64 << (t % 64));
                    let r = seen_high[w] & bit != 0;
                    seen_high[w] |= bit;
                    r
                };
                if repeated {
                    return false;
                }
            }
            if fast & FastTag::CHECK_VALUE != 0 || i < 3 {
                let v = msg.value(f);
                let info = self.tag_info(f.tag);
                let ok = match v {
                    // A one-byte enumerated value (Side, OrdType, MsgType, ...).
                    [c] if info.enum_set != 0
                        && matches!(info.field_type, FieldType::Char | FieldType::String) =>
                    {
                        self.enum_allows(info, *c)
                    }
                    // SendingTime and TransactTime usually share their second.
                    _ if info.field_type == FieldType::UtcTimestamp
                        && same_second(v, last_timestamp) =>
                    {
                        value::utc_timestamp_fraction_ok(v)
                    }
                    _ => {
                        let ok = value_ok(self, info, f.tag, v);
                        if ok && info.field_type == FieldType::UtcTimestamp {
                            last_timestamp = v;
                        }
                        ok
                    }
                };
                if !ok {
                    return false;
                }
            }
        }
        seen_low & required[0] == required[0]
            && seen_high
                .iter()
                .zip(&required[1..])
                .all(|(s, r)| s & r == *r)
    }

    /// A top-level field's own checks, in QuickFIX's order: value (empty,
    /// format, enumeration), defined, in this message type, group count.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn check_top_level(
        &self,
        msg: &Message,
        f: &Field,
        info: TagInfo,
        section: u64,
        def: Option<&crate::dictionary::MessageDef>,
        entries: usize,
        opts: &ValidationOptions,
    ) -> Result<()> {
        let tag = f.tag;
        let v = msg.value(f);
        self.check_value(v, tag, info, opts)?;
        let should_check = if tag < USER_MIN {
            !opts.allow_unknown_msg_fields
        } else {
            opts.check_user_defined_fields
        };
        if !should_check {
            return Ok(());
        }
        if !info.has(TagInfo::KNOWN) {
            return Err(reject(SessionRejectReason::InvalidTagNumber, tag));
        }
        if section == SEC_BODY {
            // Without a definition the message fails earlier (MsgType).
            let Some(def) = def else { return Ok(()) };
            let t = tag as u32;
            if !def.fields.contains(t) {
                return Err(reject(
                    SessionRejectReason::TagNotDefinedForMessageType,
                    tag,
                ));
            }
            if info.has(TagInfo::GROUP_COUNT)
                && def.group(t).is_some()
                && !group_count_is(v, entries)
            {
                return Err(reject(SessionRejectReason::IncorrectNumInGroupCount, tag));
            }
        }
        Ok(())
    }

    /// Empty value, data format and enumerated value of one field.
    #[inline(always)]
    fn check_value(
        &self,
        v: &[u8],
        tag: i32,
        info: TagInfo,
        opts: &ValidationOptions,
    ) -> Result<()> {
        if opts.check_fields_have_values && v.is_empty() {
            return Err(reject(SessionRejectReason::TagSpecifiedWithoutValue, tag));
        }
        if !info.has(TagInfo::KNOWN) || v.is_empty() {
            return Ok(());
        }
        if !format_ok(info.field_type, v) {
            return Err(reject(SessionRejectReason::IncorrectDataFormat, tag));
        }
        if !self.allows(info, tag, v) {
            return Err(reject(SessionRejectReason::ValueIsIncorrect, tag));
        }
        Ok(())
    }
}

/// Whether a NumInGroup value declares exactly `entries`.
#[inline]
fn group_count_is(v: &[u8], entries: usize) -> bool {
    value::parse_int(v) == Some(entries as i64)
}

/// Whether a value has the format of its type (QuickFIX's convertors).
#[inline]
pub fn format_ok(t: FieldType, v: &[u8]) -> bool {
    use FieldType::*;
    match t {
        Int | Length | NumInGroup | SeqNum | TagNum | DayOfMonth => value::is_int(v),
        Float | Qty | Price | PriceOffset | Amt | Percentage => value::is_decimal(v),
        Char => v.len() == 1,
        Boolean => matches!(v, b"Y" | b"N"),
        UtcTimestamp => value::is_utc_timestamp(v),
        UtcTimeOnly => value::is_utc_time_only(v),
        UtcDate | LocalMktDate => value::is_date(v),
        MonthYear => value::is_month_year(v),
        String | MultipleValueString | Currency | Exchange | Data | Other => true,
    }
}

/// [`format_ok`] as first written, with the full parsers: its specification.
pub(crate) fn format_ok_reference(t: FieldType, v: &[u8]) -> bool {
    use FieldType::*;
    match t {
        Int | Length | NumInGroup | SeqNum | TagNum | DayOfMonth => value::parse_int(v).is_some(),
        Float | Qty | Price | PriceOffset | Amt | Percentage => value::parse_decimal(v).is_some(),
        Char => value::parse_char(v).is_some(),
        Boolean => value::parse_bool(v).is_some(),
        UtcTimestamp => value::parse_utc_timestamp(v).is_some(),
        UtcTimeOnly => value::is_utc_time_only(v),
        UtcDate | LocalMktDate => value::is_date(v),
        MonthYear => value::is_month_year(v),
        String | MultipleValueString | Currency | Exchange | Data | Other => true,
    }
}

/// A small sort of (tag, index) pairs that stays on the stack for ordinary
/// messages.
mod smallsort {
    const INLINE: usize = 48;

    pub struct Sorted {
        inline: [(i32, usize); INLINE],
        len: usize,
        heap: Vec<(i32, usize)>,
    }

    impl Sorted {
        pub fn new(items: impl ExactSizeIterator<Item = (i32, usize)>) -> Sorted {
            let mut s = Sorted {
                inline: [(0, 0); INLINE],
                len: 0,
                heap: Vec::new(),
            };
            if items.len() <= INLINE {
                for it in items {
                    s.inline[s.len] = it;
                    s.len += 1;
                }
                // Stable, so repeated tags stay in wire order.
                s.inline[..s.len].sort_by_key(|x| x.0);
            } else {
                s.heap = items.collect();
                s.heap.sort_by_key(|x| x.0);
            }
            s
        }

        pub fn as_slice(&self) -> &[(i32, usize)] {
            if self.heap.is_empty() {
                &self.inline[..self.len]
            } else {
                &self.heap
            }
        }

        pub fn clear(&mut self) {
            self.len = 0;
            self.heap.clear();
        }
    }
}

/// CompID check (reason 9): the peer's SenderCompID(49) must be our
/// TargetCompID and its TargetCompID(56) our SenderCompID.
pub fn check_comp_ids(msg: &Message, our_sender: &str, our_target: &str) -> Result<()> {
    let ok = msg.get(crate::tags::SENDER_COMP_ID) == Some(our_target.as_bytes())
        && msg.get(crate::tags::TARGET_COMP_ID) == Some(our_sender.as_bytes());
    if ok {
        Ok(())
    } else {
        Err(SessionReject::new(SessionRejectReason::CompIdProblem, None))
    }
}

/// SendingTime accuracy (reason 10): SendingTime(52) within `max_latency`
/// of `now`, either way. A missing or malformed 52 is the dictionary's
/// business (required / format) and passes here.
pub fn check_sending_time(
    msg: &Message,
    now: chrono::DateTime<chrono::Utc>,
    max_latency: chrono::Duration,
) -> Result<()> {
    match msg.get_timestamp(crate::tags::SENDING_TIME) {
        Some(t) if (now - t).abs() > max_latency => Err(SessionReject::new(
            SessionRejectReason::SendingTimeAccuracyProblem,
            None,
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> Vec<u8> {
        s.replace('|', "\x01").into_bytes()
    }

    /// Ordinary messages must take the fast path, or the speed is lost
    /// without any test noticing.
    #[test]
    fn ordinary_messages_take_the_fast_path() {
        let dict = crate::fix42();
        for text in [
            "8=FIX.4.2|9=154|35=D|34=1234|49=CLIENT1|52=20261126-03:12:47.000|56=VENUE|1=ACC1|11=ORD-000001|21=1|38=1.5|40=2|44=65000.25|54=1|55=BTC-USD|59=3|60=20261126-03:12:47.000|10=133|",
            "8=FIX.4.2|9=5|35=F|34=2|49=C|52=20261126-03:12:47|56=V|11=2|41=1|54=1|55=X|60=20261126-03:12:47|10=000|",
            "8=FIX.4.2|9=5|35=0|34=2|49=C|52=20261126-03:12:47|56=V|10=000|",
            "8=FIX.4.2|9=5|35=A|34=1|49=C|52=20261126-03:12:47|56=V|98=0|108=30|10=000|",
        ] {
            let bytes = msg(text);
            let m = Message::decode_with(&bytes, Some(dict), Vec::new()).unwrap();
            assert!(dict.plainly_valid(&m), "{text}");
            assert_eq!(dict.validate(&m, &ValidationOptions::default()), Ok(()));
        }
    }

    #[test]
    fn doubtful_messages_take_the_full_path() {
        let dict = crate::fix42();
        for text in [
            // repeated tag, empty value, out of order, unknown tag, missing required
            "8=FIX.4.2|9=5|35=0|34=2|34=2|49=C|52=20261126-03:12:47|56=V|10=000|",
            "8=FIX.4.2|9=5|35=0|34=2|49=C|52=20261126-03:12:47|56=V|112=|10=000|",
            "8=FIX.4.2|9=5|35=0|34=2|49=C|112=x|52=20261126-03:12:47|56=V|10=000|",
            "8=FIX.4.2|9=5|35=0|34=2|49=C|52=20261126-03:12:47|56=V|9999=x|10=000|",
            "8=FIX.4.2|9=5|35=0|34=2|49=C|56=V|10=000|",
        ] {
            let bytes = msg(text);
            let m = Message::decode_with(&bytes, Some(dict), Vec::new()).unwrap();
            assert!(!dict.plainly_valid(&m), "{text}");
            assert!(
                dict.validate(&m, &ValidationOptions::default()).is_err(),
                "{text}"
            );
        }
    }
}
