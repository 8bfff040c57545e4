//! Typed session and order-entry messages.
//!
//! Each type parses from a decoded [`Message`] with a precise [`FieldError`]
//! (which tag, and whether it was missing, malformed or out of range) and
//! writes its body in ascending tag order. Enumerated fields the venue may
//! refuse at the business level (Side, OrdType, TimeInForce) stay raw chars
//! here, with helper enums beside them, so the application decides.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::{
    decode::Message,
    encode::{Header, MessageBuilder},
    tags::*,
    validate::{SessionReject, SessionRejectReason},
    value,
};

/// Why a field made a message unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    Missing,
    BadFormat,
    BadValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub tag: u32,
    pub kind: FieldErrorKind,
}

impl FieldError {
    /// The session Reject this error calls for.
    pub fn to_reject(self) -> SessionReject {
        let reason = match self.kind {
            FieldErrorKind::Missing => SessionRejectReason::RequiredTagMissing,
            FieldErrorKind::BadFormat => SessionRejectReason::IncorrectDataFormat,
            FieldErrorKind::BadValue => SessionRejectReason::ValueIsIncorrect,
        };
        SessionReject::new(reason, Some(self.tag as i32))
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            FieldErrorKind::Missing => "missing",
            FieldErrorKind::BadFormat => "malformed",
            FieldErrorKind::BadValue => "out of range",
        };
        write!(f, "tag {} {what}", self.tag)
    }
}

type Result<T> = std::result::Result<T, FieldError>;

fn missing(tag: u32) -> FieldError {
    FieldError {
        tag,
        kind: FieldErrorKind::Missing,
    }
}

fn opt<'a, T>(
    m: &Message<'a>,
    tag: u32,
    parse: impl Fn(&'a [u8]) -> Option<T>,
) -> Result<Option<T>> {
    match m.get(tag) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or(FieldError {
            tag,
            kind: FieldErrorKind::BadFormat,
        }),
    }
}

fn req<'a, T>(m: &Message<'a>, tag: u32, parse: impl Fn(&'a [u8]) -> Option<T>) -> Result<T> {
    opt(m, tag, parse)?.ok_or(missing(tag))
}

/// `opt` on a value already looked up.
#[inline]
fn opt_v<'a, T>(
    v: Option<&'a [u8]>,
    tag: u32,
    parse: impl Fn(&'a [u8]) -> Option<T>,
) -> Result<Option<T>> {
    match v {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or(FieldError {
            tag,
            kind: FieldErrorKind::BadFormat,
        }),
    }
}

/// `req` on a value already looked up.
#[inline]
fn req_v<'a, T>(v: Option<&'a [u8]>, tag: u32, parse: impl Fn(&'a [u8]) -> Option<T>) -> Result<T> {
    opt_v(v, tag, parse)?.ok_or(missing(tag))
}

/// Tags below this can be gathered by [`gather`].
const SLOT_TAGS: usize = 256;
const NO_SLOT: u8 = u8::MAX;

/// For each tag, its position in `tags` (or `NO_SLOT`), built at compile
/// time per message type.
const fn slot_table<const N: usize>(tags: [u32; N]) -> [u8; SLOT_TAGS] {
    assert!(N < NO_SLOT as usize);
    let mut table = [NO_SLOT; SLOT_TAGS];
    let mut i = 0;
    while i < N {
        assert!((tags[i] as usize) < SLOT_TAGS);
        table[tags[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// The values of the first field with each wanted tag, in one pass over the
/// message instead of one search per tag (what `Message::get` returns for
/// each).
#[inline]
fn gather<'a, const N: usize>(m: &Message<'a>, table: &[u8; SLOT_TAGS]) -> [Option<&'a [u8]>; N] {
    let mut out = [None; N];
    for f in m.fields() {
        let Ok(t) = usize::try_from(f.tag) else {
            continue;
        };
        if t < SLOT_TAGS {
            let slot = table[t] as usize;
            if slot < N && out[slot].is_none() {
                out[slot] = Some(m.value(f));
            }
        }
    }
    out
}

fn text(v: &[u8]) -> Option<&str> {
    std::str::from_utf8(v).ok()
}

fn nonempty_text(v: &[u8]) -> Option<&str> {
    text(v).filter(|s| !s.is_empty())
}

/// A message type with a typed body.
pub trait FixMessage<'a>: Sized {
    const MSG_TYPE: &'static [u8];
    fn parse(msg: &Message<'a>) -> Result<Self>;
    fn write_body(&self, b: &mut MessageBuilder);

    /// Builds the whole message: MsgType, header, body, framing.
    fn encode(&self, header: &Header, b: &mut MessageBuilder, out: &mut Vec<u8>) {
        b.start(Self::MSG_TYPE);
        header.write(b);
        self.write_body(b);
        b.finish_into(out);
    }
}

macro_rules! put_opt {
    ($b:expr, $tag:expr, $v:expr, $method:ident) => {
        if let Some(v) = $v {
            $b.$method($tag, v);
        }
    };
}

// ---------------------------------------------------------------- session --

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logon {
    pub encrypt_method: i64,
    pub heart_bt_int: i64,
    pub reset_seq_num_flag: Option<bool>,
}

impl<'a> FixMessage<'a> for Logon {
    const MSG_TYPE: &'static [u8] = b"A";
    fn parse(m: &Message<'a>) -> Result<Self> {
        let heart_bt_int = req(m, HEART_BT_INT, value::parse_int)?;
        if heart_bt_int < 0 {
            return Err(FieldError {
                tag: HEART_BT_INT,
                kind: FieldErrorKind::BadValue,
            });
        }
        Ok(Logon {
            encrypt_method: req(m, ENCRYPT_METHOD, value::parse_int)?,
            heart_bt_int,
            reset_seq_num_flag: opt(m, RESET_SEQ_NUM_FLAG, value::parse_bool)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        b.int(ENCRYPT_METHOD, self.encrypt_method)
            .int(HEART_BT_INT, self.heart_bt_int);
        put_opt!(b, RESET_SEQ_NUM_FLAG, self.reset_seq_num_flag, bool);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heartbeat<'a> {
    pub test_req_id: Option<&'a str>,
}

impl<'a> FixMessage<'a> for Heartbeat<'a> {
    const MSG_TYPE: &'static [u8] = b"0";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(Heartbeat {
            test_req_id: opt(m, TEST_REQ_ID, text)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, TEST_REQ_ID, self.test_req_id, str);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRequest<'a> {
    pub test_req_id: &'a str,
}

impl<'a> FixMessage<'a> for TestRequest<'a> {
    const MSG_TYPE: &'static [u8] = b"1";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(TestRequest {
            test_req_id: req(m, TEST_REQ_ID, text)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        b.str(TEST_REQ_ID, self.test_req_id);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResendRequest {
    pub begin_seq_no: u64,
    /// 0 means "up to the last message sent".
    pub end_seq_no: u64,
}

impl<'a> FixMessage<'a> for ResendRequest {
    const MSG_TYPE: &'static [u8] = b"2";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(ResendRequest {
            begin_seq_no: req(m, BEGIN_SEQ_NO, value::parse_u64)?,
            end_seq_no: req(m, END_SEQ_NO, value::parse_u64)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        b.uint(BEGIN_SEQ_NO, self.begin_seq_no)
            .uint(END_SEQ_NO, self.end_seq_no);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject<'a> {
    pub ref_seq_num: Option<u64>,
    pub text: Option<&'a str>,
    pub ref_tag_id: Option<i32>,
    pub ref_msg_type: Option<&'a [u8]>,
    pub session_reject_reason: Option<u32>,
}

impl<'a> FixMessage<'a> for Reject<'a> {
    const MSG_TYPE: &'static [u8] = b"3";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(Reject {
            ref_seq_num: Some(req(m, REF_SEQ_NUM, value::parse_u64)?),
            text: opt(m, TEXT, text)?,
            ref_tag_id: opt(m, REF_TAG_ID, |v| {
                value::parse_int(v).and_then(|t| i32::try_from(t).ok())
            })?,
            ref_msg_type: m.get(REF_MSG_TYPE),
            session_reject_reason: opt(m, SESSION_REJECT_REASON, |v| {
                value::parse_u64(v).map(|x| x as u32)
            })?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, REF_SEQ_NUM, self.ref_seq_num, uint);
        put_opt!(b, TEXT, self.text, str);
        if let Some(t) = self.ref_tag_id {
            b.int(REF_TAG_ID, t as i64);
        }
        put_opt!(b, REF_MSG_TYPE, self.ref_msg_type, raw);
        if let Some(r) = self.session_reject_reason {
            b.uint(SESSION_REJECT_REASON, r as u64);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceReset {
    pub new_seq_no: u64,
    pub gap_fill: Option<bool>,
}

impl<'a> FixMessage<'a> for SequenceReset {
    const MSG_TYPE: &'static [u8] = b"4";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(SequenceReset {
            new_seq_no: req(m, NEW_SEQ_NO, value::parse_u64)?,
            gap_fill: opt(m, GAP_FILL_FLAG, value::parse_bool)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        b.uint(NEW_SEQ_NO, self.new_seq_no);
        put_opt!(b, GAP_FILL_FLAG, self.gap_fill, bool);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Logout<'a> {
    pub text: Option<&'a str>,
}

impl<'a> FixMessage<'a> for Logout<'a> {
    const MSG_TYPE: &'static [u8] = b"5";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(Logout {
            text: opt(m, TEXT, text)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, TEXT, self.text, str);
    }
}

// ------------------------------------------------------------ order entry --

/// Side(54) values the venue trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn from_fix(c: u8) -> Option<Side> {
        match c {
            b'1' => Some(Side::Buy),
            b'2' => Some(Side::Sell),
            _ => None,
        }
    }
    pub fn to_fix(self) -> u8 {
        match self {
            Side::Buy => b'1',
            Side::Sell => b'2',
        }
    }
}

/// OrdType(40) values the venue trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrdType {
    Market,
    Limit,
}

impl OrdType {
    pub fn from_fix(c: u8) -> Option<OrdType> {
        match c {
            b'1' => Some(OrdType::Market),
            b'2' => Some(OrdType::Limit),
            _ => None,
        }
    }
    pub fn to_fix(self) -> u8 {
        match self {
            OrdType::Market => b'1',
            OrdType::Limit => b'2',
        }
    }
}

/// TimeInForce(59) values the venue trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeInForce {
    Day,
    Gtc,
    Ioc,
    Fok,
}

impl TimeInForce {
    pub fn from_fix(c: u8) -> Option<TimeInForce> {
        match c {
            b'0' => Some(TimeInForce::Day),
            b'1' => Some(TimeInForce::Gtc),
            b'3' => Some(TimeInForce::Ioc),
            b'4' => Some(TimeInForce::Fok),
            _ => None,
        }
    }
    pub fn to_fix(self) -> u8 {
        match self {
            TimeInForce::Day => b'0',
            TimeInForce::Gtc => b'1',
            TimeInForce::Ioc => b'3',
            TimeInForce::Fok => b'4',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderSingle<'a> {
    pub account: Option<&'a str>,
    pub cl_ord_id: &'a str,
    pub handl_inst: u8,
    pub order_qty: Option<Decimal>,
    pub ord_type: u8,
    pub price: Option<Decimal>,
    pub side: u8,
    pub symbol: &'a str,
    pub time_in_force: Option<u8>,
    pub transact_time: DateTime<Utc>,
}

impl<'a> FixMessage<'a> for NewOrderSingle<'a> {
    const MSG_TYPE: &'static [u8] = b"D";
    fn parse(m: &Message<'a>) -> Result<Self> {
        const TAGS: [u32; 10] = [
            ACCOUNT,
            CL_ORD_ID,
            HANDL_INST,
            ORDER_QTY,
            ORD_TYPE,
            PRICE,
            SIDE,
            SYMBOL,
            TIME_IN_FORCE,
            TRANSACT_TIME,
        ];
        const TABLE: [u8; SLOT_TAGS] = slot_table(TAGS);
        let [account, cl_ord_id, handl_inst, order_qty, ord_type, price, side, symbol, time_in_force, transact_time] =
            gather::<10>(m, &TABLE);
        Ok(NewOrderSingle {
            account: opt_v(account, ACCOUNT, nonempty_text)?,
            cl_ord_id: req_v(cl_ord_id, CL_ORD_ID, nonempty_text)?,
            handl_inst: req_v(handl_inst, HANDL_INST, value::parse_char)?,
            order_qty: opt_v(order_qty, ORDER_QTY, value::parse_decimal)?,
            ord_type: req_v(ord_type, ORD_TYPE, value::parse_char)?,
            price: opt_v(price, PRICE, value::parse_decimal)?,
            side: req_v(side, SIDE, value::parse_char)?,
            symbol: req_v(symbol, SYMBOL, nonempty_text)?,
            time_in_force: opt_v(time_in_force, TIME_IN_FORCE, value::parse_char)?,
            transact_time: req_v(transact_time, TRANSACT_TIME, value::parse_utc_timestamp)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, ACCOUNT, self.account, str);
        b.str(CL_ORD_ID, self.cl_ord_id)
            .char(HANDL_INST, self.handl_inst);
        put_opt!(b, ORDER_QTY, self.order_qty, decimal);
        b.char(ORD_TYPE, self.ord_type);
        put_opt!(b, PRICE, self.price, decimal);
        b.char(SIDE, self.side).str(SYMBOL, self.symbol);
        put_opt!(b, TIME_IN_FORCE, self.time_in_force, char);
        b.timestamp(TRANSACT_TIME, &self.transact_time);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCancelRequest<'a> {
    pub cl_ord_id: &'a str,
    pub order_id: Option<&'a str>,
    pub order_qty: Option<Decimal>,
    pub orig_cl_ord_id: &'a str,
    pub side: u8,
    pub symbol: &'a str,
    pub transact_time: DateTime<Utc>,
}

impl<'a> FixMessage<'a> for OrderCancelRequest<'a> {
    const MSG_TYPE: &'static [u8] = b"F";
    fn parse(m: &Message<'a>) -> Result<Self> {
        const TAGS: [u32; 7] = [
            CL_ORD_ID,
            ORDER_ID,
            ORDER_QTY,
            ORIG_CL_ORD_ID,
            SIDE,
            SYMBOL,
            TRANSACT_TIME,
        ];
        const TABLE: [u8; SLOT_TAGS] = slot_table(TAGS);
        let [cl_ord_id, order_id, order_qty, orig_cl_ord_id, side, symbol, transact_time] =
            gather::<7>(m, &TABLE);
        Ok(OrderCancelRequest {
            cl_ord_id: req_v(cl_ord_id, CL_ORD_ID, nonempty_text)?,
            order_id: opt_v(order_id, ORDER_ID, nonempty_text)?,
            order_qty: opt_v(order_qty, ORDER_QTY, value::parse_decimal)?,
            orig_cl_ord_id: req_v(orig_cl_ord_id, ORIG_CL_ORD_ID, nonempty_text)?,
            side: req_v(side, SIDE, value::parse_char)?,
            symbol: req_v(symbol, SYMBOL, nonempty_text)?,
            transact_time: req_v(transact_time, TRANSACT_TIME, value::parse_utc_timestamp)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        b.str(CL_ORD_ID, self.cl_ord_id);
        put_opt!(b, ORDER_ID, self.order_id, str);
        put_opt!(b, ORDER_QTY, self.order_qty, decimal);
        b.str(ORIG_CL_ORD_ID, self.orig_cl_ord_id)
            .char(SIDE, self.side)
            .str(SYMBOL, self.symbol);
        b.timestamp(TRANSACT_TIME, &self.transact_time);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCancelReplaceRequest<'a> {
    pub account: Option<&'a str>,
    pub cl_ord_id: &'a str,
    pub handl_inst: u8,
    pub order_id: Option<&'a str>,
    pub order_qty: Option<Decimal>,
    pub ord_type: u8,
    pub orig_cl_ord_id: &'a str,
    pub price: Option<Decimal>,
    pub side: u8,
    pub symbol: &'a str,
    pub time_in_force: Option<u8>,
    pub transact_time: DateTime<Utc>,
}

impl<'a> FixMessage<'a> for OrderCancelReplaceRequest<'a> {
    const MSG_TYPE: &'static [u8] = b"G";
    fn parse(m: &Message<'a>) -> Result<Self> {
        const TAGS: [u32; 12] = [
            ACCOUNT,
            CL_ORD_ID,
            HANDL_INST,
            ORDER_ID,
            ORDER_QTY,
            ORD_TYPE,
            ORIG_CL_ORD_ID,
            PRICE,
            SIDE,
            SYMBOL,
            TIME_IN_FORCE,
            TRANSACT_TIME,
        ];
        const TABLE: [u8; SLOT_TAGS] = slot_table(TAGS);
        let [account, cl_ord_id, handl_inst, order_id, order_qty, ord_type, orig_cl_ord_id, price, side, symbol, time_in_force, transact_time] =
            gather::<12>(m, &TABLE);
        Ok(OrderCancelReplaceRequest {
            account: opt_v(account, ACCOUNT, nonempty_text)?,
            cl_ord_id: req_v(cl_ord_id, CL_ORD_ID, nonempty_text)?,
            handl_inst: req_v(handl_inst, HANDL_INST, value::parse_char)?,
            order_id: opt_v(order_id, ORDER_ID, nonempty_text)?,
            order_qty: opt_v(order_qty, ORDER_QTY, value::parse_decimal)?,
            ord_type: req_v(ord_type, ORD_TYPE, value::parse_char)?,
            orig_cl_ord_id: req_v(orig_cl_ord_id, ORIG_CL_ORD_ID, nonempty_text)?,
            price: opt_v(price, PRICE, value::parse_decimal)?,
            side: req_v(side, SIDE, value::parse_char)?,
            symbol: req_v(symbol, SYMBOL, nonempty_text)?,
            time_in_force: opt_v(time_in_force, TIME_IN_FORCE, value::parse_char)?,
            transact_time: req_v(transact_time, TRANSACT_TIME, value::parse_utc_timestamp)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, ACCOUNT, self.account, str);
        b.str(CL_ORD_ID, self.cl_ord_id)
            .char(HANDL_INST, self.handl_inst);
        put_opt!(b, ORDER_ID, self.order_id, str);
        put_opt!(b, ORDER_QTY, self.order_qty, decimal);
        b.char(ORD_TYPE, self.ord_type)
            .str(ORIG_CL_ORD_ID, self.orig_cl_ord_id);
        put_opt!(b, PRICE, self.price, decimal);
        b.char(SIDE, self.side).str(SYMBOL, self.symbol);
        put_opt!(b, TIME_IN_FORCE, self.time_in_force, char);
        b.timestamp(TRANSACT_TIME, &self.transact_time);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderStatusRequest<'a> {
    pub cl_ord_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub side: u8,
    pub symbol: &'a str,
}

impl<'a> FixMessage<'a> for OrderStatusRequest<'a> {
    const MSG_TYPE: &'static [u8] = b"H";
    fn parse(m: &Message<'a>) -> Result<Self> {
        let r = OrderStatusRequest {
            cl_ord_id: opt(m, CL_ORD_ID, nonempty_text)?,
            order_id: opt(m, ORDER_ID, nonempty_text)?,
            side: req(m, SIDE, value::parse_char)?,
            symbol: req(m, SYMBOL, nonempty_text)?,
        };
        if r.cl_ord_id.is_none() && r.order_id.is_none() {
            return Err(missing(CL_ORD_ID));
        }
        Ok(r)
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, CL_ORD_ID, self.cl_ord_id, str);
        put_opt!(b, ORDER_ID, self.order_id, str);
        b.char(SIDE, self.side).str(SYMBOL, self.symbol);
    }
}

/// ExecType(150) / OrdStatus(39) values the venue sends.
pub mod status {
    pub const NEW: u8 = b'0';
    pub const PARTIALLY_FILLED: u8 = b'1';
    pub const FILLED: u8 = b'2';
    pub const CANCELED: u8 = b'4';
    pub const REPLACED: u8 = b'5';
    pub const PENDING_CANCEL: u8 = b'6';
    pub const REJECTED: u8 = b'8';
    pub const EXPIRED: u8 = b'C';
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionReport<'a> {
    pub account: Option<&'a str>,
    pub avg_px: Decimal,
    pub cl_ord_id: Option<&'a str>,
    pub commission: Option<Decimal>,
    pub comm_type: Option<u8>,
    pub cum_qty: Decimal,
    pub exec_id: &'a str,
    pub exec_trans_type: u8,
    pub last_px: Option<Decimal>,
    pub last_shares: Option<Decimal>,
    pub order_id: &'a str,
    pub order_qty: Option<Decimal>,
    pub ord_status: u8,
    pub ord_type: Option<u8>,
    pub orig_cl_ord_id: Option<&'a str>,
    pub price: Option<Decimal>,
    pub side: u8,
    pub symbol: &'a str,
    pub text: Option<&'a str>,
    pub time_in_force: Option<u8>,
    pub transact_time: Option<DateTime<Utc>>,
    pub ord_rej_reason: Option<u32>,
    pub exec_type: u8,
    pub leaves_qty: Decimal,
}

impl<'a> FixMessage<'a> for ExecutionReport<'a> {
    const MSG_TYPE: &'static [u8] = b"8";
    fn parse(m: &Message<'a>) -> Result<Self> {
        const TAGS: [u32; 24] = [
            ACCOUNT,
            AVG_PX,
            CL_ORD_ID,
            COMMISSION,
            COMM_TYPE,
            CUM_QTY,
            EXEC_ID,
            EXEC_TRANS_TYPE,
            LAST_PX,
            LAST_SHARES,
            ORDER_ID,
            ORDER_QTY,
            ORD_STATUS,
            ORD_TYPE,
            ORIG_CL_ORD_ID,
            PRICE,
            SIDE,
            SYMBOL,
            TEXT,
            TIME_IN_FORCE,
            TRANSACT_TIME,
            ORD_REJ_REASON,
            EXEC_TYPE,
            LEAVES_QTY,
        ];
        const TABLE: [u8; SLOT_TAGS] = slot_table(TAGS);
        let [account, avg_px, cl_ord_id, commission, comm_type, cum_qty, exec_id, exec_trans_type, last_px, last_shares, order_id, order_qty, ord_status, ord_type, orig_cl_ord_id, price, side, symbol, text_v, time_in_force, transact_time, ord_rej_reason, exec_type, leaves_qty] =
            gather::<24>(m, &TABLE);
        Ok(ExecutionReport {
            account: opt_v(account, ACCOUNT, text)?,
            avg_px: req_v(avg_px, AVG_PX, value::parse_decimal)?,
            cl_ord_id: opt_v(cl_ord_id, CL_ORD_ID, text)?,
            commission: opt_v(commission, COMMISSION, value::parse_decimal)?,
            comm_type: opt_v(comm_type, COMM_TYPE, value::parse_char)?,
            cum_qty: req_v(cum_qty, CUM_QTY, value::parse_decimal)?,
            exec_id: req_v(exec_id, EXEC_ID, text)?,
            exec_trans_type: req_v(exec_trans_type, EXEC_TRANS_TYPE, value::parse_char)?,
            last_px: opt_v(last_px, LAST_PX, value::parse_decimal)?,
            last_shares: opt_v(last_shares, LAST_SHARES, value::parse_decimal)?,
            order_id: req_v(order_id, ORDER_ID, text)?,
            order_qty: opt_v(order_qty, ORDER_QTY, value::parse_decimal)?,
            ord_status: req_v(ord_status, ORD_STATUS, value::parse_char)?,
            ord_type: opt_v(ord_type, ORD_TYPE, value::parse_char)?,
            orig_cl_ord_id: opt_v(orig_cl_ord_id, ORIG_CL_ORD_ID, text)?,
            price: opt_v(price, PRICE, value::parse_decimal)?,
            side: req_v(side, SIDE, value::parse_char)?,
            symbol: req_v(symbol, SYMBOL, text)?,
            text: opt_v(text_v, TEXT, text)?,
            time_in_force: opt_v(time_in_force, TIME_IN_FORCE, value::parse_char)?,
            transact_time: opt_v(transact_time, TRANSACT_TIME, value::parse_utc_timestamp)?,
            ord_rej_reason: opt_v(ord_rej_reason, ORD_REJ_REASON, |v| {
                value::parse_u64(v).map(|x| x as u32)
            })?,
            exec_type: req_v(exec_type, EXEC_TYPE, value::parse_char)?,
            leaves_qty: req_v(leaves_qty, LEAVES_QTY, value::parse_decimal)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, ACCOUNT, self.account, str);
        b.decimal(AVG_PX, self.avg_px);
        put_opt!(b, CL_ORD_ID, self.cl_ord_id, str);
        put_opt!(b, COMMISSION, self.commission, decimal);
        put_opt!(b, COMM_TYPE, self.comm_type, char);
        b.decimal(CUM_QTY, self.cum_qty)
            .str(EXEC_ID, self.exec_id)
            .char(EXEC_TRANS_TYPE, self.exec_trans_type);
        put_opt!(b, LAST_PX, self.last_px, decimal);
        put_opt!(b, LAST_SHARES, self.last_shares, decimal);
        b.str(ORDER_ID, self.order_id);
        put_opt!(b, ORDER_QTY, self.order_qty, decimal);
        b.char(ORD_STATUS, self.ord_status);
        put_opt!(b, ORD_TYPE, self.ord_type, char);
        put_opt!(b, ORIG_CL_ORD_ID, self.orig_cl_ord_id, str);
        put_opt!(b, PRICE, self.price, decimal);
        b.char(SIDE, self.side).str(SYMBOL, self.symbol);
        put_opt!(b, TEXT, self.text, str);
        put_opt!(b, TIME_IN_FORCE, self.time_in_force, char);
        if let Some(t) = &self.transact_time {
            b.timestamp(TRANSACT_TIME, t);
        }
        if let Some(r) = self.ord_rej_reason {
            b.uint(ORD_REJ_REASON, r as u64);
        }
        b.char(EXEC_TYPE, self.exec_type)
            .decimal(LEAVES_QTY, self.leaves_qty);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCancelReject<'a> {
    pub cl_ord_id: &'a str,
    pub order_id: &'a str,
    pub ord_status: u8,
    pub orig_cl_ord_id: &'a str,
    pub text: Option<&'a str>,
    pub cxl_rej_reason: Option<u32>,
    /// 1 = OrderCancelRequest, 2 = OrderCancelReplaceRequest.
    pub cxl_rej_response_to: u8,
}

impl<'a> FixMessage<'a> for OrderCancelReject<'a> {
    const MSG_TYPE: &'static [u8] = b"9";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(OrderCancelReject {
            cl_ord_id: req(m, CL_ORD_ID, text)?,
            order_id: req(m, ORDER_ID, text)?,
            ord_status: req(m, ORD_STATUS, value::parse_char)?,
            orig_cl_ord_id: req(m, ORIG_CL_ORD_ID, text)?,
            text: opt(m, TEXT, text)?,
            cxl_rej_reason: opt(m, CXL_REJ_REASON, |v| value::parse_u64(v).map(|x| x as u32))?,
            cxl_rej_response_to: req(m, CXL_REJ_RESPONSE_TO, value::parse_char)?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        b.str(CL_ORD_ID, self.cl_ord_id)
            .str(ORDER_ID, self.order_id)
            .char(ORD_STATUS, self.ord_status);
        b.str(ORIG_CL_ORD_ID, self.orig_cl_ord_id);
        put_opt!(b, TEXT, self.text, str);
        if let Some(r) = self.cxl_rej_reason {
            b.uint(CXL_REJ_REASON, r as u64);
        }
        b.char(CXL_REJ_RESPONSE_TO, self.cxl_rej_response_to);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessMessageReject<'a> {
    pub ref_seq_num: Option<u64>,
    pub text: Option<&'a str>,
    pub ref_msg_type: &'a [u8],
    pub business_reject_ref_id: Option<&'a str>,
    pub business_reject_reason: u32,
}

impl<'a> FixMessage<'a> for BusinessMessageReject<'a> {
    const MSG_TYPE: &'static [u8] = b"j";
    fn parse(m: &Message<'a>) -> Result<Self> {
        Ok(BusinessMessageReject {
            ref_seq_num: opt(m, REF_SEQ_NUM, value::parse_u64)?,
            text: opt(m, TEXT, text)?,
            ref_msg_type: req(m, REF_MSG_TYPE, Some)?,
            business_reject_ref_id: opt(m, BUSINESS_REJECT_REF_ID, text)?,
            business_reject_reason: req(m, BUSINESS_REJECT_REASON, |v| {
                value::parse_u64(v).map(|x| x as u32)
            })?,
        })
    }
    fn write_body(&self, b: &mut MessageBuilder) {
        put_opt!(b, REF_SEQ_NUM, self.ref_seq_num, uint);
        put_opt!(b, TEXT, self.text, str);
        b.raw(REF_MSG_TYPE, self.ref_msg_type);
        put_opt!(b, BUSINESS_REJECT_REF_ID, self.business_reject_ref_id, str);
        b.uint(BUSINESS_REJECT_REASON, self.business_reject_reason as u64);
    }
}
