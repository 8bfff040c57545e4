//! Property tests: encode→decode is the identity, and no input panics the
//! framer, decoder or validator.

use chrono::{DateTime, TimeZone, Utc};
use fix_codec::{
    encode::Header,
    fix42,
    framer::{verify, Framer, FramerEvent},
    messages::{ExecutionReport, FixMessage, NewOrderSingle},
    Message, MessageBuilder, ValidationOptions,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._-]{1,20}"
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (0i64..1_000_000_000_000, 0u32..8).prop_map(|(m, s)| Decimal::new(m, s))
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_000_000_000, 0u32..1000)
        .prop_map(|(s, ms)| Utc.timestamp_opt(s, ms * 1_000_000).unwrap())
}

fn header() -> Header<'static> {
    Header {
        msg_seq_num: 7,
        sender_comp_id: "VENUE",
        target_comp_id: "CLIENT1",
        sending_time: Some(Utc::now()),
        ..Default::default()
    }
}

proptest! {
    #[test]
    fn new_order_single_round_trips(
        cl in text(), sym in text(), acct in proptest::option::of(text()),
        qty in decimal(), px in proptest::option::of(decimal()), t in time(),
        side in prop::sample::select(vec![b'1', b'2']), tif in proptest::option::of(prop::sample::select(vec![b'0', b'1', b'3', b'4'])),
    ) {
        let nos = NewOrderSingle {
            account: acct.as_deref(), cl_ord_id: &cl, handl_inst: b'1', order_qty: Some(qty),
            ord_type: if px.is_some() { b'2' } else { b'1' }, price: px, side, symbol: &sym,
            time_in_force: tif, transact_time: t,
        };
        let mut b = MessageBuilder::new("FIX.4.2");
        let mut out = Vec::new();
        nos.encode(&header(), &mut b, &mut out);
        prop_assert_eq!(Framer::default().next(&out), FramerEvent::Frame { len: out.len() });
        prop_assert_eq!(verify(&out), Ok(()));
        let msg = Message::decode(&out).unwrap();
        prop_assert_eq!(fix42().validate(&msg, &ValidationOptions::default()), Ok(()));
        let back = NewOrderSingle::parse(&msg).unwrap();
        // Timestamps go out with millisecond precision.
        let expect = NewOrderSingle { transact_time: Utc.timestamp_millis_opt(t.timestamp_millis()).unwrap(), ..nos };
        prop_assert_eq!(back, expect);
    }

    #[test]
    fn execution_report_round_trips(
        oid in text(), cl in text(), eid in text(), sym in text(),
        qty in decimal(), cum in decimal(), leaves in decimal(), avg in decimal(),
        fill in proptest::option::of((decimal(), decimal(), decimal())), t in time(),
        txt in proptest::option::of("[A-Za-z ]{1,30}"),
    ) {
        let er = ExecutionReport {
            account: None, avg_px: avg, cl_ord_id: Some(&cl), commission: fill.map(|f| f.2),
            comm_type: fill.map(|_| b'3'), cum_qty: cum, exec_id: &eid, exec_trans_type: b'0',
            last_px: fill.map(|f| f.1), last_shares: fill.map(|f| f.0), order_id: &oid,
            order_qty: Some(qty), ord_status: b'1', ord_type: Some(b'2'), orig_cl_ord_id: None,
            price: Some(avg), side: b'1', symbol: &sym, text: txt.as_deref(), time_in_force: Some(b'3'),
            transact_time: Some(Utc.timestamp_millis_opt(t.timestamp_millis()).unwrap()),
            ord_rej_reason: None, exec_type: b'1', leaves_qty: leaves,
        };
        let mut b = MessageBuilder::new("FIX.4.2");
        let mut out = Vec::new();
        er.encode(&header(), &mut b, &mut out);
        prop_assert_eq!(verify(&out), Ok(()));
        let msg = Message::decode(&out).unwrap();
        prop_assert_eq!(fix42().validate(&msg, &ValidationOptions::default()), Ok(()));
        prop_assert_eq!(ExecutionReport::parse(&msg).unwrap(), er);
    }

    #[test]
    fn raw_fields_round_trip(fields in proptest::collection::vec(
        // Data fields need their length field first; they have their own test.
        ((1u32..5000).prop_filter("not a data field", |t| fix42().data_length_tag(*t).is_none()), "[ -~]{1,12}"),
        0..20,
    )) {
        let mut b = MessageBuilder::new("FIX.4.2");
        b.start(b"0");
        for (t, v) in &fields {
            b.str(*t, v);
        }
        let out = b.finish();
        prop_assert_eq!(verify(&out), Ok(()));
        let msg = Message::decode(&out).unwrap();
        let got: Vec<(i32, Vec<u8>)> = msg.fields()[3..msg.fields().len() - 1].iter().map(|f| (f.tag, msg.value(f).to_vec())).collect();
        let want: Vec<(i32, Vec<u8>)> = fields.iter().map(|(t, v)| (*t as i32, v.as_bytes().to_vec())).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn no_bytes_panic_the_framer_decoder_or_validator(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        run_pipeline(&bytes);
    }

    #[test]
    fn no_fix_looking_bytes_panic_either(parts in proptest::collection::vec(prop::sample::select(vec![
        "8=FIX.4.2\x01", "9=", "12", "\x01", "35=D\x01", "35=", "10=", "123\x01", "=", "-1=", "95=3\x01", "96=", "146=2\x01", "311=A\x01", "55=X\x01",
    ]), 0..40)) {
        let bytes: Vec<u8> = parts.concat().into_bytes();
        run_pipeline(&bytes);
    }
}

fn run_pipeline(mut bytes: &[u8]) {
    let framer = Framer::new(256);
    let _ = Message::decode(bytes).map(|m| fix42().validate(&m, &ValidationOptions::default()));
    for _ in 0..1000 {
        match framer.next(bytes) {
            FramerEvent::NeedMore => break,
            FramerEvent::Skip { len, .. } => {
                assert!(len > 0 && len <= bytes.len());
                bytes = &bytes[len..];
            }
            FramerEvent::Frame { len } => {
                assert!(len > 0 && len <= bytes.len());
                if verify(&bytes[..len]).is_ok() {
                    if let Ok(m) = Message::decode(&bytes[..len]) {
                        let _ = fix42().validate(&m, &ValidationOptions::default());
                    }
                }
                bytes = &bytes[len..];
            }
        }
    }
}
