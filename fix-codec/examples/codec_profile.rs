//! Runs the codec hot paths in a loop, for callgrind / perf:
//! `cargo build --release -p fix-codec --example codec_profile`, then
//! `valgrind --tool=callgrind target/release/examples/codec_profile [decode|validate|parse|encode] N`;
//! or `codec_profile min` for the fastest and the median of many short
//! batches per stage (the fastest stays put when other work shares the
//! machine; criterion's figures do not). Same messages as the criterion
//! benchmark (benches/common).

#[path = "../benches/common/mod.rs"]
mod common;

use fix_codec::{
    fix42,
    framer::{Framer, FramerEvent},
    messages::{FixMessage, NewOrderSingle},
    Message, MessageBuilder, ValidationOptions,
};
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("min");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let nos = common::new_order_single();
    let dict = fix42();
    let opts = ValidationOptions::default();
    let framer = Framer::default();
    let (er, header) = common::execution_report();
    let mut b = MessageBuilder::new("FIX.4.2");
    let mut out = Vec::with_capacity(512);
    let mut fields = Vec::with_capacity(32);
    match what {
        "decode" | "validate" => {
            for _ in 0..n {
                let bytes = black_box(&nos[..]);
                let FramerEvent::Frame { len } = framer.next_verified(bytes) else {
                    unreachable!()
                };
                let msg =
                    Message::decode_with(&bytes[..len], Some(dict), std::mem::take(&mut fields))
                        .unwrap();
                if what == "validate" {
                    dict.validate(&msg, &opts).unwrap();
                }
                fields = black_box(msg).into_fields();
            }
        }
        "parse" => {
            let msg = Message::decode_with(&nos, Some(dict), Vec::new()).unwrap();
            for _ in 0..n {
                black_box(NewOrderSingle::parse(black_box(&msg)).unwrap());
            }
        }
        "encode" => {
            for _ in 0..n {
                out.clear();
                black_box(&er).encode(black_box(&header), &mut b, &mut out);
                black_box(&out);
            }
        }
        "min" => {
            let frame = timed(|| {
                let bytes = black_box(&nos[..]);
                let FramerEvent::Frame { .. } = framer.next_verified(bytes) else {
                    unreachable!()
                };
            });
            let decode = timed(|| {
                let msg =
                    Message::decode_with(black_box(&nos), Some(dict), std::mem::take(&mut fields))
                        .unwrap();
                fields = msg.into_fields();
            });
            let msg = Message::decode_with(&nos, Some(dict), Vec::new()).unwrap();
            let validate = timed(|| dict.validate(black_box(&msg), &opts).unwrap());
            let parse = timed(|| {
                black_box(NewOrderSingle::parse(black_box(&msg)).unwrap());
            });
            let all = timed(|| {
                fields = common::decode_validate(
                    black_box(&nos),
                    &framer,
                    dict,
                    &opts,
                    std::mem::take(&mut fields),
                    |m| {
                        black_box(m);
                    },
                );
            });
            let encode = timed(|| {
                out.clear();
                black_box(&er).encode(black_box(&header), &mut b, &mut out);
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
        _ => eprintln!("usage: codec_profile [min|decode|validate|parse|encode] [N]"),
    }
}

/// The fastest and the median of 300 batches of 2000 runs, in ns per run.
/// The fastest is what the code costs when nothing else gets in the way; on
/// this virtual machine the median moves with whatever else the host runs.
fn timed(mut f: impl FnMut()) -> (f64, f64) {
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
