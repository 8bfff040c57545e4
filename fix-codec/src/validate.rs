//! Dictionary validation with QuickFIX's checks, order and answers.
//!
//! The order matters because a message with several problems gets the answer
//! QuickFIX would give: field order (header, body, trailer), MsgType,
//! required fields, then each field of the header, trailer and body in tag
//! order (repeated, empty, format, enumerated value, defined, in this message
//! type, group count). Each check can be switched off as in QuickFIX.

use crate::{
    decode::{Field, Message},
    dictionary::{Dictionary, FieldType, GroupDef},
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
pub(crate) fn split_group(fields: &[Field], def: &GroupDef) -> (Vec<std::ops::Range<usize>>, usize) {
    let mut entries: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    let mut seen: Vec<i32> = Vec::new();
    while i < fields.len() {
        let Some(tag) = fields[i].tag_u32() else { break };
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
    /// Validates a decoded message as QuickFIX's `DataDictionary::validate`
    /// does. BeginString, CompIDs, SendingTime and sequence numbers are the
    /// session's checks, not this one's.
    pub fn validate(&self, msg: &Message, opts: &ValidationOptions) -> Result<()> {
        let fields = msg.fields();
        let msg_type = msg.msg_type();
        let def = self.message(msg_type);
        let s = self.structure(msg, def);

        if opts.check_fields_out_of_order {
            if let Some(tag) = s.out_of_order {
                return Err(reject(SessionRejectReason::TagSpecifiedOutOfRequiredOrder, tag));
            }
        }
        let def = def.ok_or(SessionReject::new(SessionRejectReason::InvalidMsgType, None))?;

        // Required fields: header, trailer, body, then each group entry.
        let present = |idx: &[usize], tag: u32| idx.iter().any(|&i| fields[i].tag == tag as i32);
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
            let gdef = def.group(fields[*count_at].tag as u32).expect("group found by structure");
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

        self.check_fields(msg, &s.header, opts, None)?;
        self.check_fields(msg, &s.trailer, opts, None)?;
        self.check_fields(msg, &s.body, opts, Some((def, &s)))?;

        // Values inside group entries get the value checks too.
        for (count_at, entries) in &s.groups {
            if let Some(last) = entries.last() {
                let first = count_at + 1;
                for f in &fields[first..first + last.end] {
                    self.check_value(msg, f, opts)?;
                }
            }
        }
        Ok(())
    }

    fn structure(&self, msg: &Message, def: Option<&crate::dictionary::MessageDef>) -> Structure {
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
    fn check_fields(
        &self,
        msg: &Message,
        idx: &[usize],
        opts: &ValidationOptions,
        body: Option<(&crate::dictionary::MessageDef, &Structure)>,
    ) -> Result<()> {
        let fields = msg.fields();
        let mut sorted: smallsort::Sorted = smallsort::Sorted::new(idx.iter().map(|&i| (fields[i].tag, i)));
        let mut last: Option<i32> = None;
        for &(tag, i) in sorted.as_slice() {
            if last == Some(tag) {
                return Err(reject(SessionRejectReason::TagAppearsMoreThanOnce, tag));
            }
            last = Some(tag);
            let f = &fields[i];
            self.check_value(msg, f, opts)?;
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
                    return Err(reject(SessionRejectReason::TagNotDefinedForMessageType, tag));
                }
                if def.group(t).is_some() {
                    let entries = s.groups.iter().find(|(at, _)| *at == i).map_or(0, |(_, e)| e.len());
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
    fn check_value(&self, msg: &Message, f: &Field, opts: &ValidationOptions) -> Result<()> {
        let v = msg.value(f);
        if opts.check_fields_have_values && v.is_empty() {
            return Err(reject(SessionRejectReason::TagSpecifiedWithoutValue, f.tag));
        }
        let Some(def) = f.tag_u32().and_then(|t| self.field(t)) else { return Ok(()) };
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

/// Whether a value has the format of its type (QuickFIX's convertors).
pub fn format_ok(t: FieldType, v: &[u8]) -> bool {
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
            let mut s = Sorted { inline: [(0, 0); INLINE], len: 0, heap: Vec::new() };
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
pub fn check_sending_time(msg: &Message, now: chrono::DateTime<chrono::Utc>, max_latency: chrono::Duration) -> Result<()> {
    match msg.get_timestamp(crate::tags::SENDING_TIME) {
        Some(t) if (now - t).abs() > max_latency => {
            Err(SessionReject::new(SessionRejectReason::SendingTimeAccuracyProblem, None))
        }
        _ => Ok(()),
    }
}
