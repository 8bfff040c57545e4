//! Runs the codec hot paths in a loop, for callgrind / perf.
//! `cargo build --release -p fix-codec --example codec_profile`
//! then `valgrind --tool=callgrind target/release/examples/codec_profile [decode|validate|parse|encode] N`,
//! or `codec_profile min` for the fastest and the median of many short
//! batches per stage (the fastest stays put when other work shares the
//! machine; criterion's figures do not).

use chrono::{TimeZone, Utc};
use fix_codec::{
    encode::Header,
    fix42,
    framer::{verify, Framer, FramerEvent},
    messages::{ExecutionReport, FixMessage, NewOrderSingle},
    Message, MessageBuilder, ValidationOptions,
};
use rust_decimal::Decimal;
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("all");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let t = Utc.with_ymd_and_hms(2026, 11, 26, 3, 12, 47).unwrap();
    let mut b = MessageBuilder::new("FIX.4.2");
    let h = Header {
        msg_seq_num: 1234,
        sender_comp_id: "CLIENT1",
        target_comp_id: "VENUE",
        sending_time: Some(t),
        ..Default::default()
    };
    let mut nos = Vec::new();
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
    .encode(&h, &mut b, &mut nos);
    let dict = fix42();
    let opts = ValidationOptions::default();
    let framer = Framer::default();
    let mut fields = Vec::with_capacity(32);
    if what == "all" || what == "decode" || what == "validate" {
        for _ in 0..n {
            let bytes = black_box(&nos[..]);
            let FramerEvent::Frame { len } = framer.next(bytes) else {
                unreachable!()
            };
            verify(&bytes[..len]).unwrap();
            let msg = Message::decode_with(&bytes[..len], Some(dict), std::mem::take(&mut fields))
                .unwrap();
            if what != "decode" {
                dict.validate(&msg, &opts).unwrap();
            }
            black_box(&msg);
            fields = msg.into_fields();
        }
    }
    if what == "parse" {
        let msg = Message::decode_with(&nos, Some(dict), Vec::new()).unwrap();
        for _ in 0..n {
            black_box(NewOrderSingle::parse(black_box(&msg)).unwrap());
        }
    }
    if what == "all" || what == "encode" {
        let mut out = Vec::with_capacity(512);
        let t = t + chrono::Duration::milliseconds(123);
        for _ in 0..n {
            out.clear();
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
            black_box(&er).encode(&h, &mut b, &mut out);
            black_box(&out);
        }
    }
    if what == "min" {
        min_times(&nos, dict, &opts);
    }
    if what != "min" {
        println!("{}", String::from_utf8_lossy(&nos).replace('\x01', "|"));
    }
}

/// The fastest and the median of 300 batches of 2000 runs, in ns per run.
/// The fastest is what the code costs when nothing else gets in the way; on
/// this virtual machine the median moves with whatever else the host runs.
fn fastest(mut f: impl FnMut()) -> (f64, f64) {
    let mut all = Vec::with_capacity(300);
    for _ in 0..300 {
        let t = std::time::Instant::now();
        for _ in 0..2000 {
            f();
        }
        all.push(t.elapsed().as_nanos() as f64 / 2000.0);
    }
    all.sort_by(|a, b| a.total_cmp(b));
    (all[0], all[all.len() / 2])
}

fn min_times(nos: &[u8], dict: &fix_codec::Dictionary, opts: &ValidationOptions) {
    let framer = Framer::default();
    let mut fields = Vec::with_capacity(32);
    let frame = fastest(|| {
        let bytes = black_box(nos);
        let FramerEvent::Frame { len } = framer.next(bytes) else {
            unreachable!()
        };
        verify(&bytes[..len]).unwrap();
    });
    let decode = fastest(|| {
        let msg =
            Message::decode_with(black_box(nos), Some(dict), std::mem::take(&mut fields)).unwrap();
        fields = msg.into_fields();
    });
    let msg = Message::decode_with(nos, Some(dict), Vec::new()).unwrap();
    let validate = fastest(|| dict.validate(black_box(&msg), opts).unwrap());
    let parse = fastest(|| {
        black_box(NewOrderSingle::parse(black_box(&msg)).unwrap());
    });
    let mut fields = Vec::with_capacity(32);
    let all = fastest(|| {
        let bytes = black_box(nos);
        let FramerEvent::Frame { len } = framer.next(bytes) else {
            unreachable!()
        };
        verify(&bytes[..len]).unwrap();
        let msg =
            Message::decode_with(&bytes[..len], Some(dict), std::mem::take(&mut fields)).unwrap();
        dict.validate(&msg, opts).unwrap();
        fields = msg.into_fields();
    });
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
    let mut b = MessageBuilder::new("FIX.4.2");
    let mut out = Vec::with_capacity(512);
    let encode = fastest(|| {
        out.clear();
        black_box(&er).encode(black_box(&h), &mut b, &mut out);
        black_box(&out);
    });
    let show = |(min, median): (f64, f64)| format!("{min:.0} / {median:.0}");
    println!("ns per run, fastest / median of 300 batches:");
    println!("  frame+verify                    {}", show(frame));
    println!("  decode                          {}", show(decode));
    println!("  validate                        {}", show(validate));
    println!("  parse (typed NewOrderSingle)    {}", show(parse));
    println!("  frame+verify+decode+validate    {}", show(all));
    println!("  encode ExecutionReport          {}", show(encode));
}
