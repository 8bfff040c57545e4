//! FIX dictionaries in QuickFIX's XML schema.
//!
//! Users bring the dictionary they already use with QuickFIX (the
//! `DataDictionary` setting); the project ships `spec/FIX42.xml`. Components
//! are inlined where they are referenced. Lookups on the hot path are by
//! array index (tag) or bit set, never by string.

use std::collections::HashMap;

use thiserror::Error;

/// A field's data type, as named in the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldType {
    Int,
    Length,
    NumInGroup,
    SeqNum,
    TagNum,
    DayOfMonth,
    Float,
    Qty,
    Price,
    PriceOffset,
    Amt,
    Percentage,
    Char,
    Boolean,
    String,
    MultipleValueString,
    Currency,
    Exchange,
    UtcTimestamp,
    UtcTimeOnly,
    UtcDate,
    LocalMktDate,
    MonthYear,
    Data,
    /// Any type the codec does not check.
    #[default]
    Other,
}

impl FieldType {
    /// Whether any value is well-formed (string types).
    pub fn is_free_text(self) -> bool {
        use FieldType::*;
        matches!(
            self,
            String | MultipleValueString | Currency | Exchange | Data | Other
        )
    }

    fn from_xml(s: &str) -> FieldType {
        match s {
            "INT" => FieldType::Int,
            "LENGTH" => FieldType::Length,
            "NUMINGROUP" => FieldType::NumInGroup,
            "SEQNUM" => FieldType::SeqNum,
            "TAGNUM" => FieldType::TagNum,
            "DAYOFMONTH" => FieldType::DayOfMonth,
            "FLOAT" => FieldType::Float,
            "QTY" | "QUANTITY" => FieldType::Qty,
            "PRICE" => FieldType::Price,
            "PRICEOFFSET" => FieldType::PriceOffset,
            "AMT" => FieldType::Amt,
            "PERCENTAGE" => FieldType::Percentage,
            "CHAR" => FieldType::Char,
            "BOOLEAN" => FieldType::Boolean,
            "STRING" => FieldType::String,
            "MULTIPLEVALUESTRING" => FieldType::MultipleValueString,
            "CURRENCY" => FieldType::Currency,
            "EXCHANGE" => FieldType::Exchange,
            "UTCTIMESTAMP" | "TIME" => FieldType::UtcTimestamp,
            "UTCTIMEONLY" => FieldType::UtcTimeOnly,
            "UTCDATE" | "UTCDATEONLY" | "DATE" => FieldType::UtcDate,
            "LOCALMKTDATE" => FieldType::LocalMktDate,
            "MONTHYEAR" => FieldType::MonthYear,
            "DATA" => FieldType::Data,
            _ => FieldType::Other,
        }
    }
}

/// A set of tags as a bit set; tags beyond its size are not members.
#[derive(Debug, Clone, Default)]
pub struct TagSet {
    bits: Vec<u64>,
}

impl TagSet {
    fn insert(&mut self, tag: u32) {
        let (w, b) = ((tag / 64) as usize, tag % 64);
        if self.bits.len() <= w {
            self.bits.resize(w + 1, 0);
        }
        self.bits[w] |= 1 << b;
    }

    #[inline]
    pub fn contains(&self, tag: u32) -> bool {
        let (w, b) = ((tag / 64) as usize, tag % 64);
        self.bits.get(w).is_some_and(|x| x & (1 << b) != 0)
    }
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub tag: u32,
    pub name: String,
    pub field_type: FieldType,
    /// Allowed values, sorted; empty means any value.
    values: Vec<Box<[u8]>>,
    /// The one-byte allowed values as a bit set, for the common CHAR enums.
    single: [u64; 4],
}

impl FieldDef {
    pub fn has_values(&self) -> bool {
        !self.values.is_empty()
    }

    #[inline]
    pub fn allows(&self, v: &[u8]) -> bool {
        if self.values.is_empty() {
            return true;
        }
        // A one-byte value (not a space-separated list) is allowed exactly
        // when it is one of the one-byte values.
        if let [c] = v {
            if self.field_type != FieldType::MultipleValueString {
                return self.single[(*c >> 6) as usize] & (1 << (*c & 63)) != 0;
            }
        }
        let one = |x: &[u8]| self.values.binary_search_by(|a| (**a).cmp(x)).is_ok();
        if self.field_type == FieldType::MultipleValueString {
            v.split(|&c| c == b' ').filter(|p| !p.is_empty()).all(one)
        } else {
            one(v)
        }
    }
}

/// A repeating group: its NumInGroup tag, the delimiter (first field of
/// every entry), its member fields and nested groups.
#[derive(Debug, Clone)]
pub struct GroupDef {
    pub count_tag: u32,
    pub delimiter: u32,
    pub fields: TagSet,
    pub required: Vec<u32>,
    pub groups: Vec<GroupDef>,
}

/// Tags below this can go through the validator's fast path.
pub(crate) const FAST_TAGS: usize = 512;

/// One tag's byte in a fast-path table: its section, or 0 where the fast
/// path must give up (unknown tag, group count, body tag not in the
/// message), and whether its value needs a format or enumeration check.
pub(crate) struct FastTag;

impl FastTag {
    pub const HEADER: u8 = 1;
    pub const BODY: u8 = 2;
    pub const TRAILER: u8 = 3;
    pub const SECTION: u8 = 3;
    /// The value has a format (not free text) or enumerated values.
    pub const CHECK_VALUE: u8 = 4;

    /// The byte for a tag with these facts; `in_body` says whether the
    /// message has it in its body.
    fn of(info: TagInfo, in_body: bool) -> u8 {
        if info.flags & (TagInfo::KNOWN | TagInfo::GROUP_COUNT) != TagInfo::KNOWN {
            return 0;
        }
        let section = if info.has(TagInfo::HEADER) {
            FastTag::HEADER
        } else if info.has(TagInfo::TRAILER) {
            FastTag::TRAILER
        } else if in_body {
            FastTag::BODY
        } else {
            return 0;
        };
        let check = info.flags & (TagInfo::FORMAT | TagInfo::ENUM) != 0;
        section | if check { FastTag::CHECK_VALUE } else { 0 }
    }
}

impl GroupDef {
    pub fn group(&self, count_tag: u32) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.count_tag == count_tag)
    }
}

/// A message type's body layout.
#[derive(Debug, Clone)]
pub struct MessageDef {
    pub name: String,
    pub msg_type: Vec<u8>,
    pub admin: bool,
    /// Top-level body tags, group count tags included.
    pub fields: TagSet,
    pub required: Vec<u32>,
    pub groups: Vec<GroupDef>,
    /// Every tag the message requires (header, trailer and body) as a bit
    /// set, when all are below [`FAST_TAGS`] and each is in its own section;
    /// else `None` and validation always takes the full path.
    pub(crate) fast_required: Option<[u64; FAST_TAGS / 64]>,
    /// Per tag below [`FAST_TAGS`], what the fast path needs to know about
    /// it in this message, in one byte (see [`FastTag`]).
    pub(crate) fast_tags: Box<[u8; FAST_TAGS]>,
}

impl MessageDef {
    pub fn group(&self, count_tag: u32) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.count_tag == count_tag)
    }
}

#[derive(Debug, Error)]
pub enum DictionaryError {
    #[error("dictionary is not well-formed XML: {0}")]
    Xml(String),
    #[error("dictionary: {0}")]
    Invalid(String),
    #[error("cannot read dictionary {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// A loaded dictionary.
#[derive(Debug, Clone)]
pub struct Dictionary {
    begin_string: String,
    fields: Vec<Option<FieldDef>>,
    by_name: HashMap<String, u32>,
    header: TagSet,
    header_required: Vec<u32>,
    trailer: TagSet,
    trailer_required: Vec<u32>,
    messages: Vec<MessageDef>,
    /// Message types of up to 8 bytes packed into a u64, sorted, for lookup.
    msg_index: Vec<(u64, usize)>,
    /// One-byte message types (most of them) straight to their index + 1.
    msg_by_byte: [u16; 128],
    /// Per tag: the length field's tag for a data field.
    data_length: Vec<Option<u32>>,
    /// The smallest data field's tag (`u32::MAX` if none).
    first_data_tag: u32,
    /// Per tag, what the decoder and validator ask on every field; tags
    /// beyond the table have `TagInfo::default()`.
    info: Vec<TagInfo>,
    /// One-byte enumerated values per `TagInfo::enum_set`, as bit sets.
    enum_sets: Vec<[u64; 4]>,
}

/// Per-tag facts for the hot paths, packed into four bytes so that the tags
/// of a message share a few cache lines.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TagInfo {
    pub flags: u8,
    pub field_type: FieldType,
    /// 1 + index into `enum_sets` for a field with enumerated values, else 0.
    pub enum_set: u16,
}

impl TagInfo {
    /// `Dictionary::is_header_field`.
    pub const HEADER: u8 = 1;
    /// `Dictionary::is_trailer_field`.
    pub const TRAILER: u8 = 2;
    /// The dictionary defines the field.
    pub const KNOWN: u8 = 4;
    /// A DATA field, whose length field precedes it.
    pub const DATA: u8 = 8;
    /// Some message has a top-level group counted by this tag.
    pub const GROUP_COUNT: u8 = 16;
    /// The field has enumerated values.
    pub const ENUM: u8 = 32;
    /// The field's type has a format to check (not a string type).
    pub const FORMAT: u8 = 64;

    #[inline]
    pub fn has(self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

fn pack_msg_type(t: &[u8]) -> Option<u64> {
    if t.is_empty() || t.len() > 8 {
        return None;
    }
    let mut k = 0u64;
    for &b in t {
        k = (k << 8) | b as u64;
    }
    Some(k)
}

impl Dictionary {
    /// Loads a dictionary file.
    pub fn load(path: &std::path::Path) -> Result<Dictionary, DictionaryError> {
        let text = std::fs::read_to_string(path).map_err(|source| DictionaryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_xml(&text)
    }

    /// Parses QuickFIX's XML schema.
    pub fn from_xml(xml: &str) -> Result<Dictionary, DictionaryError> {
        let doc =
            roxmltree::Document::parse(xml).map_err(|e| DictionaryError::Xml(e.to_string()))?;
        let root = doc.root_element();
        let attr = |n: roxmltree::Node, a: &str| n.attribute(a).map(str::to_owned);
        let invalid = |s: String| DictionaryError::Invalid(s);
        let major = attr(root, "major").ok_or_else(|| invalid("<fix> has no major".into()))?;
        let minor = attr(root, "minor").ok_or_else(|| invalid("<fix> has no minor".into()))?;
        let kind = attr(root, "type").unwrap_or_else(|| "FIX".into());
        let begin_string = format!("{kind}.{major}.{minor}");

        let child = |name: &str| root.children().find(|c| c.has_tag_name(name));
        let mut fields: Vec<Option<FieldDef>> = Vec::new();
        let mut by_name = HashMap::new();
        for f in child("fields")
            .ok_or_else(|| invalid("no <fields>".into()))?
            .children()
            .filter(|c| c.is_element())
        {
            let name = attr(f, "name").ok_or_else(|| invalid("field without name".into()))?;
            let tag: u32 = attr(f, "number")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| invalid(format!("field {name} has no valid number")))?;
            let field_type = FieldType::from_xml(&attr(f, "type").unwrap_or_default());
            let mut values: Vec<Box<[u8]>> = f
                .children()
                .filter(|v| v.has_tag_name("value"))
                .filter_map(|v| v.attribute("enum").map(|e| e.as_bytes().into()))
                .collect();
            values.sort();
            values.dedup();
            if fields.len() <= tag as usize {
                fields.resize(tag as usize + 1, None);
            }
            by_name.insert(name.clone(), tag);
            let mut single = [0u64; 4];
            for v in values.iter().filter(|v| v.len() == 1) {
                single[(v[0] >> 6) as usize] |= 1 << (v[0] & 63);
            }
            fields[tag as usize] = Some(FieldDef {
                tag,
                name,
                field_type,
                values,
                single,
            });
        }

        let components: HashMap<String, roxmltree::Node> = child("components")
            .map(|c| {
                c.children()
                    .filter(|n| n.has_tag_name("component"))
                    .filter_map(|n| Some((n.attribute("name")?.to_owned(), n)))
                    .collect()
            })
            .unwrap_or_default();
        let lookup = |name: &str| {
            by_name
                .get(name)
                .copied()
                .ok_or_else(|| invalid(format!("unknown field {name}")))
        };

        let mut header = Layout::default();
        if let Some(h) = child("header") {
            header.add_members(h, true, &lookup, &components)?;
        }
        let mut trailer = Layout::default();
        if let Some(t) = child("trailer") {
            trailer.add_members(t, true, &lookup, &components)?;
        }
        let mut messages = Vec::new();
        for m in child("messages")
            .ok_or_else(|| invalid("no <messages>".into()))?
            .children()
            .filter(|c| c.has_tag_name("message"))
        {
            let name = attr(m, "name").unwrap_or_default();
            let msg_type = attr(m, "msgtype")
                .ok_or_else(|| invalid(format!("message {name} has no msgtype")))?;
            let mut body = Layout::default();
            body.add_members(m, true, &lookup, &components)?;
            messages.push(MessageDef {
                name,
                msg_type: msg_type.into_bytes(),
                admin: m.attribute("msgcat") == Some("admin"),
                fields: body.fields,
                required: body.required,
                groups: body.groups,
                fast_required: None,
                fast_tags: Box::new([0; FAST_TAGS]),
            });
        }
        let mut msg_index: Vec<(u64, usize)> = messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((pack_msg_type(&m.msg_type)?, i)))
            .collect();
        msg_index.sort();

        let mut data_length = Vec::new();
        for f in fields.iter().flatten() {
            if f.field_type == FieldType::Data {
                let len_tag = if f.tag == 89 { 93 } else { f.tag - 1 };
                if data_length.len() <= f.tag as usize {
                    data_length.resize(f.tag as usize + 1, None);
                }
                data_length[f.tag as usize] = Some(len_tag);
            }
        }
        let mut d = Dictionary {
            begin_string,
            fields,
            by_name,
            header: header.fields,
            header_required: header.required,
            trailer: trailer.fields,
            trailer_required: trailer.required,
            messages,
            msg_by_byte: {
                let mut t = [0u16; 128];
                for &(k, i) in &msg_index {
                    if k < 128 {
                        t[k as usize] = i as u16 + 1;
                    }
                }
                t
            },
            msg_index,
            first_data_tag: data_length
                .iter()
                .position(Option::is_some)
                .map_or(u32::MAX, |t| t as u32),
            data_length,
            info: Vec::new(),
            enum_sets: Vec::new(),
        };
        d.build_info();
        Ok(d)
    }

    fn build_info(&mut self) {
        let mut group_counts = TagSet::default();
        for g in self.messages.iter().flat_map(|m| &m.groups) {
            group_counts.insert(g.count_tag);
        }
        // Every standard header tag is below 1130; dictionary header and
        // trailer tags, data fields and group counts are dictionary fields.
        let table_len = self.fields.len().max(1130);
        let mut info = Vec::with_capacity(table_len);
        let mut enum_sets = Vec::new();
        for t in 0..table_len as u32 {
            let mut i = TagInfo::default();
            let flag = |b: bool, f: u8| if b { f } else { 0 };
            i.flags = flag(self.is_header_field(t), TagInfo::HEADER)
                | flag(self.is_trailer_field(t), TagInfo::TRAILER)
                | flag(self.data_length_tag(t).is_some(), TagInfo::DATA)
                | flag(group_counts.contains(t), TagInfo::GROUP_COUNT);
            if let Some(def) = self.field(t) {
                i.flags |= TagInfo::KNOWN;
                i.field_type = def.field_type;
                if !def.field_type.is_free_text() {
                    i.flags |= TagInfo::FORMAT;
                }
                if def.has_values() {
                    i.flags |= TagInfo::ENUM;
                    if enum_sets.len() < u16::MAX as usize {
                        enum_sets.push(def.single);
                        i.enum_set = enum_sets.len() as u16;
                    }
                }
            }
            info.push(i);
        }
        self.info = info;
        self.enum_sets = enum_sets;

        // The fast path takes BeginString, BodyLength and MsgType as the
        // header fields they are in every FIX dictionary; a dictionary that
        // says otherwise gets the full path only.
        let standard_header = [8, 9, 35].iter().all(|&t| {
            self.tag_info(t).flags & (TagInfo::KNOWN | TagInfo::HEADER | TagInfo::GROUP_COUNT)
                == TagInfo::KNOWN | TagInfo::HEADER
        });
        for i in 0..self.messages.len() {
            let m = &self.messages[i];
            let sections = [
                (&self.header_required, TagInfo::HEADER),
                (&self.trailer_required, TagInfo::TRAILER),
                (&m.required, 0),
            ];
            let mut bits = [0u64; FAST_TAGS / 64];
            let mut fast = standard_header;
            for (tags, section) in sections {
                for &t in tags {
                    let flags = self.tag_info(t as i32).flags;
                    let own = flags & (TagInfo::HEADER | TagInfo::TRAILER) == section;
                    fast &= (t as usize) < FAST_TAGS && own;
                    if (t as usize) < FAST_TAGS {
                        bits[t as usize / 64] |= 1 << (t % 64);
                    }
                }
            }
            self.messages[i].fast_required = fast.then_some(bits);
            let mut table = Box::new([0u8; FAST_TAGS]);
            for (t, b) in table.iter_mut().enumerate() {
                let in_body = self.messages[i].fields.contains(t as u32);
                *b = FastTag::of(self.tag_info(t as i32), in_body);
            }
            self.messages[i].fast_tags = table;
        }
    }

    /// The hot-path facts about a tag as written (any i32).
    #[inline]
    pub(crate) fn tag_info(&self, tag: i32) -> TagInfo {
        usize::try_from(tag)
            .ok()
            .and_then(|t| self.info.get(t))
            .copied()
            .unwrap_or_default()
    }

    /// `FieldDef::allows` for a known field whose `TagInfo` is `info`.
    /// Inlined for the common one-byte enumerations (a bit test); longer
    /// values go to the field's sorted list.
    #[inline(always)]
    pub(crate) fn allows(&self, info: TagInfo, tag: i32, v: &[u8]) -> bool {
        if !info.has(TagInfo::ENUM) {
            return true;
        }
        if let [c] = v {
            if info.enum_set != 0 && info.field_type != FieldType::MultipleValueString {
                if let Some(set) = self.enum_sets.get(info.enum_set as usize - 1) {
                    return set[(*c >> 6) as usize] & (1 << (*c & 63)) != 0;
                }
            }
        }
        self.allows_listed(tag, v)
    }

    /// Whether a one-byte value is among a field's one-byte enumerated
    /// values (`info.enum_set` must not be 0).
    #[inline(always)]
    pub(crate) fn enum_allows(&self, info: TagInfo, c: u8) -> bool {
        self.enum_sets
            .get(info.enum_set as usize - 1)
            .is_some_and(|set| set[(c >> 6) as usize] & (1 << (c & 63)) != 0)
    }

    #[inline(never)]
    #[allow(clippy::unnecessary_map_or)] // is_none_or is newer than the MSRV
    fn allows_listed(&self, tag: i32, v: &[u8]) -> bool {
        u32::try_from(tag)
            .ok()
            .and_then(|t| self.field(t))
            .map_or(true, |d| d.allows(v))
    }

    /// `FIX.4.2` for the FIX 4.2 dictionary.
    pub fn begin_string(&self) -> &str {
        &self.begin_string
    }

    #[inline]
    pub fn field(&self, tag: u32) -> Option<&FieldDef> {
        self.fields.get(tag as usize).and_then(Option::as_ref)
    }

    pub fn tag_of(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    pub fn all_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().flatten()
    }

    pub fn messages(&self) -> &[MessageDef] {
        &self.messages
    }

    #[inline]
    pub fn message(&self, msg_type: &[u8]) -> Option<&MessageDef> {
        if let [b] = msg_type {
            let i = *self.msg_by_byte.get(*b as usize)?;
            return i.checked_sub(1).map(|i| &self.messages[i as usize]);
        }
        let key = pack_msg_type(msg_type)?;
        let i = self
            .msg_index
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()?;
        Some(&self.messages[self.msg_index[i].1])
    }

    /// Whether the message type is one of the session (admin) messages.
    pub fn is_admin(&self, msg_type: &[u8]) -> bool {
        self.message(msg_type).is_some_and(|m| m.admin)
    }

    /// Header fields: the standard ones QuickFIX knows, plus the dictionary's.
    #[inline]
    pub fn is_header_field(&self, tag: u32) -> bool {
        is_standard_header(tag) || self.header.contains(tag)
    }

    #[inline]
    pub fn is_trailer_field(&self, tag: u32) -> bool {
        matches!(tag, 10 | 89 | 93) || self.trailer.contains(tag)
    }

    pub fn header_required(&self) -> &[u32] {
        &self.header_required
    }

    pub fn trailer_required(&self) -> &[u32] {
        &self.trailer_required
    }

    /// For a data field, the tag of its length field.
    #[inline]
    pub fn data_length_tag(&self, tag: u32) -> Option<u32> {
        self.data_length.get(tag as usize).copied().flatten()
    }

    /// [`Self::data_length_tag`] for a tag as written, on the decoder's
    /// path: most tags are below the first data field and stop at one
    /// compare.
    #[inline(always)]
    pub(crate) fn data_length_tag_fast(&self, tag: i32) -> Option<u32> {
        if (tag as u32) < self.first_data_tag {
            return None;
        }
        self.data_length.get(tag as u32 as usize).copied().flatten()
    }
}

/// QuickFIX's fixed list of header tags (`Message::isHeaderField`).
pub fn is_standard_header(tag: u32) -> bool {
    matches!(
        tag,
        8 | 9
            | 35
            | 49
            | 56
            | 115
            | 128
            | 90
            | 91
            | 34
            | 50
            | 142
            | 57
            | 143
            | 116
            | 144
            | 129
            | 145
            | 43
            | 97
            | 52
            | 122
            | 212
            | 213
            | 347
            | 369
            | 370
            | 1128
            | 1129
            | 627
    )
}

/// Members of a message, header, trailer, component or group being loaded.
#[derive(Default)]
struct Layout {
    fields: TagSet,
    ordered: Vec<u32>,
    required: Vec<u32>,
    groups: Vec<GroupDef>,
}

impl Layout {
    fn add_members(
        &mut self,
        node: roxmltree::Node,
        parent_required: bool,
        lookup: &dyn Fn(&str) -> Result<u32, DictionaryError>,
        components: &HashMap<String, roxmltree::Node>,
    ) -> Result<(), DictionaryError> {
        for m in node.children().filter(|c| c.is_element()) {
            let name = m.attribute("name").unwrap_or_default();
            let required = parent_required && m.attribute("required") == Some("Y");
            match m.tag_name().name() {
                "field" => {
                    let tag = lookup(name)?;
                    self.fields.insert(tag);
                    self.ordered.push(tag);
                    if required {
                        self.required.push(tag);
                    }
                }
                "group" => {
                    let count_tag = lookup(name)?;
                    let mut inner = Layout::default();
                    inner.add_members(m, true, lookup, components)?;
                    let delimiter = *inner.ordered.first().ok_or_else(|| {
                        DictionaryError::Invalid(format!("group {name} is empty"))
                    })?;
                    self.fields.insert(count_tag);
                    self.ordered.push(count_tag);
                    if required {
                        self.required.push(count_tag);
                    }
                    self.groups.push(GroupDef {
                        count_tag,
                        delimiter,
                        fields: inner.fields,
                        required: inner.required,
                        groups: inner.groups,
                    });
                }
                "component" => {
                    let c = components.get(name).ok_or_else(|| {
                        DictionaryError::Invalid(format!("unknown component {name}"))
                    })?;
                    self.add_members(*c, required, lookup, components)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_fix42_loads() {
        let d = crate::fix42();
        assert_eq!(d.begin_string(), "FIX.4.2");
        let nos = d.message(b"D").unwrap();
        assert_eq!(nos.name, "NewOrderSingle");
        assert!(nos.required.contains(&11) && nos.required.contains(&55));
        assert!(nos.fields.contains(44) && !nos.fields.contains(112));
        assert!(d.message(b"*").is_none());
        assert!(d.is_admin(b"A") && !d.is_admin(b"D"));
        assert_eq!(d.field(54).unwrap().field_type, FieldType::Char);
        assert!(d.field(54).unwrap().allows(b"1") && !d.field(54).unwrap().allows(b"Z"));
        assert_eq!(d.data_length_tag(96), Some(95));
        assert_eq!(d.data_length_tag(89), Some(93));
        // The decoder's shortcut answers exactly as the table, for any tag.
        for tag in (-3..1200).chain([i32::MIN, i32::MAX]) {
            let want = u32::try_from(tag).ok().and_then(|t| d.data_length_tag(t));
            assert_eq!(d.data_length_tag_fast(tag), want, "tag {tag}");
        }
        let sd = d.message(b"d").unwrap();
        assert!(sd.group(146).is_some());
    }

    /// The shipped dictionary says exactly what the reference QuickFIX one
    /// says, when the reference is beside the repository.
    #[test]
    fn builtin_matches_reference_when_present() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/reference/FIX42.xml");
        let Ok(reference) = Dictionary::load(&path) else {
            return;
        };
        let ours = crate::fix42();
        let a: Vec<_> = ours
            .all_fields()
            .map(|f| (f.tag, f.name.clone(), f.field_type, f.values.clone()))
            .collect();
        let b: Vec<_> = reference
            .all_fields()
            .map(|f| (f.tag, f.name.clone(), f.field_type, f.values.clone()))
            .collect();
        assert_eq!(a, b);
        assert_eq!(ours.messages().len(), reference.messages().len());
        for (x, y) in ours.messages().iter().zip(reference.messages()) {
            assert_eq!(
                (&x.name, &x.msg_type, x.admin, &x.required),
                (&y.name, &y.msg_type, y.admin, &y.required)
            );
            assert_eq!(x.groups.len(), y.groups.len());
        }
    }
}
