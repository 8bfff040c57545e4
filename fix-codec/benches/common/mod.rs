//! The messages and pipeline the codec benchmark and `codec_profile` time,
//! shared so both measure the same thing.

use chrono::{DateTime, TimeZone, Utc};
use fix_codec::{
    encode::Header,
    framer::{Framer, FramerEvent},
    messages::{ExecutionReport, FixMessage, NewOrderSingle},
    Dictionary, Field, Message, MessageBuilder, ValidationOptions,
};
use rust_decimal::Decimal;

/// The TransactTime of the sample messages.
pub fn time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 3, 12, 47).unwrap()
}

/// A limit buy of 1.5 BTC-USD at 65000.25, framed as a client sends it.
pub fn new_order_single() -> Vec<u8> {
    let t = time();
    let header = Header {
        msg_seq_num: 1234,
        sender_comp_id: "CLIENT1",
        target_comp_id: "VENUE",
        sending_time: Some(t),
        ..Default::default()
    };
    let mut out = Vec::new();
    NewOrderSingle {
        account: Some("ACC1"),
        cl_ord_id: "ORD-000001",
        handl_inst: b'1',
        order_qty: Some(Decimal::new(15, 1)),
        ord_type: b'2',
        price: Some(Decimal::new(6500025, 2)),
        side: b'1',
        symbol: "BTC-USD",
        time_in_force: Some(b'3'),
        transact_time: t,
    }
    .encode(&header, &mut MessageBuilder::new("FIX.4.2"), &mut out);
    out
}

/// The fill of that order, and the venue's header for it.
pub fn execution_report() -> (ExecutionReport<'static>, Header<'static>) {
    let t = time() + chrono::Duration::milliseconds(123);
    let er = ExecutionReport {
        account: Some("ACC1"),
        avg_px: Decimal::new(6500025, 2),
        cl_ord_id: Some("ORD-000001"),
        commission: Some(Decimal::new(1950, 2)),
        comm_type: Some(b'3'),
        cum_qty: Decimal::new(15, 1),
        exec_id: "E000000000123",
        exec_trans_type: b'0',
        last_px: Some(Decimal::new(6500025, 2)),
        last_shares: Some(Decimal::new(15, 1)),
        order_id: "O000000000045",
        order_qty: Some(Decimal::new(15, 1)),
        ord_status: b'2',
        ord_type: Some(b'2'),
        orig_cl_ord_id: None,
        price: Some(Decimal::new(6500025, 2)),
        side: b'1',
        symbol: "BTC-USD",
        text: None,
        time_in_force: Some(b'3'),
        transact_time: Some(t),
        ord_rej_reason: None,
        exec_type: b'2',
        leaves_qty: Decimal::ZERO,
    };
    let header = Header {
        msg_seq_num: 1234,
        sender_comp_id: "VENUE",
        target_comp_id: "CLIENT1",
        sending_time: Some(t),
        ..Default::default()
    };
    (er, header)
}

/// What a session does with each inbound frame: find it, check BodyLength
/// and CheckSum, split it into fields, validate it against the dictionary;
/// then `then` with the message. Gives the field vector back for reuse.
#[inline(always)]
pub fn decode_validate(
    bytes: &[u8],
    framer: &Framer,
    dict: &Dictionary,
    opts: &ValidationOptions,
    fields: Vec<Field>,
    then: impl FnOnce(&Message),
) -> Vec<Field> {
    let FramerEvent::Frame { len } = framer.next_verified(bytes) else {
        unreachable!()
    };
    let msg = Message::decode_with(&bytes[..len], Some(dict), fields).unwrap();
    dict.validate(&msg, opts).unwrap();
    then(&msg);
    msg.into_fields()
}
