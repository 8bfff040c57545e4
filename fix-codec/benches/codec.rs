//! Codec hot paths: decode + validate a NewOrderSingle, encode an
//! ExecutionReport with a fill.
//!
//! cargo bench -p fix-codec --bench codec

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use fix_codec::{
    encode::Header,
    fix42,
    framer::{verify, Framer, FramerEvent},
    messages::{ExecutionReport, FixMessage, NewOrderSingle},
    Message, MessageBuilder, ValidationOptions,
};
use rust_decimal::Decimal;

fn new_order_single() -> Vec<u8> {
    let mut b = MessageBuilder::new("FIX.4.2");
    let t = Utc.with_ymd_and_hms(2026, 11, 26, 3, 12, 47).unwrap();
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
    .finish(&mut b, t)
}

trait Finish {
    fn finish(&self, b: &mut MessageBuilder, t: chrono::DateTime<Utc>) -> Vec<u8>;
}

impl<'a, M: FixMessage<'a>> Finish for M {
    fn finish(&self, b: &mut MessageBuilder, t: chrono::DateTime<Utc>) -> Vec<u8> {
        let mut out = Vec::new();
        let h = Header {
            msg_seq_num: 1234,
            sender_comp_id: "CLIENT1",
            target_comp_id: "VENUE",
            sending_time: Some(t),
            ..Default::default()
        };
        self.encode(&h, b, &mut out);
        out
    }
}

fn bench(c: &mut Criterion) {
    let nos = new_order_single();
    let opts = ValidationOptions::default();
    let dict = fix42();
    let framer = Framer::default();
    // What a session does with each inbound frame: find it, check BodyLength
    // and CheckSum, split it into fields, validate it against the dictionary.
    c.bench_function("decode+validate NewOrderSingle", |bench| {
        let mut fields = Vec::with_capacity(32);
        bench.iter(|| {
            let bytes = black_box(&nos[..]);
            let FramerEvent::Frame { len } = framer.next(bytes) else {
                unreachable!()
            };
            verify(&bytes[..len]).unwrap();
            let msg = Message::decode_with(&bytes[..len], Some(dict), std::mem::take(&mut fields))
                .unwrap();
            dict.validate(&msg, &opts).unwrap();
            black_box(&msg);
            fields = msg.into_fields();
        })
    });
    // The same, then the typed message (decimals, timestamp) the venue uses.
    c.bench_function("decode+validate+parse NewOrderSingle", |bench| {
        let mut fields = Vec::with_capacity(32);
        bench.iter(|| {
            let bytes = black_box(&nos[..]);
            let FramerEvent::Frame { len } = framer.next(bytes) else {
                unreachable!()
            };
            verify(&bytes[..len]).unwrap();
            let msg = Message::decode_with(&bytes[..len], Some(dict), std::mem::take(&mut fields))
                .unwrap();
            dict.validate(&msg, &opts).unwrap();
            let order = NewOrderSingle::parse(&msg).unwrap();
            black_box(&order);
            fields = msg.into_fields();
        })
    });

    // The stages of the pipeline above, one by one.
    let mut g = c.benchmark_group("stages");
    g.bench_function("frame+verify", |bench| {
        bench.iter(|| {
            let bytes = black_box(&nos[..]);
            let FramerEvent::Frame { len } = framer.next(bytes) else {
                unreachable!()
            };
            verify(&bytes[..len]).unwrap();
        })
    });
    g.bench_function("decode_with", |bench| {
        let mut fields = Vec::with_capacity(32);
        bench.iter(|| {
            let msg =
                Message::decode_with(black_box(&nos[..]), Some(dict), std::mem::take(&mut fields))
                    .unwrap();
            fields = msg.into_fields();
        })
    });
    let msg = Message::decode_with(&nos, Some(dict), Vec::new()).unwrap();
    g.bench_function("validate", |bench| {
        bench.iter(|| dict.validate(black_box(&msg), &opts).unwrap())
    });
    g.bench_function("parse", |bench| {
        bench.iter(|| black_box(NewOrderSingle::parse(black_box(&msg)).unwrap()))
    });
    g.finish();

    let t = Utc.with_ymd_and_hms(2026, 11, 26, 3, 12, 47).unwrap()
        + chrono::Duration::milliseconds(123);
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
    let h = Header {
        msg_seq_num: 1234,
        sender_comp_id: "VENUE",
        target_comp_id: "CLIENT1",
        sending_time: Some(t),
        ..Default::default()
    };
    c.bench_function("encode ExecutionReport with fill", |bench| {
        let mut b = MessageBuilder::new("FIX.4.2");
        let mut out = Vec::with_capacity(512);
        bench.iter(|| {
            out.clear();
            black_box(&er).encode(black_box(&h), &mut b, &mut out);
            black_box(&out);
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
