//! Codec hot paths: decode + validate a NewOrderSingle, encode an
//! ExecutionReport with a fill.
//!
//! cargo bench -p fix-codec --bench codec

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use fix_codec::{
    fix42,
    framer::{Framer, FramerEvent},
    messages::{FixMessage, NewOrderSingle},
    Dictionary, Message, MessageBuilder, ValidationOptions,
};

/// Times `common::decode_validate` on `bytes`, handing each message to `then`
/// (generic, so it is inlined as in the venue, not called through a pointer).
fn pipeline(
    c: &mut Criterion,
    name: &str,
    (bytes, framer, dict, opts): (&[u8], &Framer, &Dictionary, &ValidationOptions),
    then: impl Fn(&Message) + Copy,
) {
    c.bench_function(name, |bench| {
        let mut fields = Vec::with_capacity(32);
        bench.iter(|| {
            fields = common::decode_validate(
                black_box(bytes),
                framer,
                dict,
                opts,
                std::mem::take(&mut fields),
                then,
            );
        })
    });
}

fn bench(c: &mut Criterion) {
    let nos = common::new_order_single();
    let opts = ValidationOptions::default();
    let dict = fix42();
    let framer = Framer::default();
    // The whole inbound pipeline, then the same with the typed message
    // (decimals, timestamp) the venue builds from it.
    let input = (&nos[..], &framer, dict, &opts);
    pipeline(c, "decode+validate NewOrderSingle", input, |msg| {
        black_box(msg);
    });
    pipeline(c, "decode+validate+parse NewOrderSingle", input, |msg| {
        black_box(NewOrderSingle::parse(msg).unwrap());
    });

    // The stages of the pipeline above, one by one.
    let mut g = c.benchmark_group("stages");
    g.bench_function("frame+verify", |bench| {
        bench.iter(|| {
            let bytes = black_box(&nos[..]);
            let FramerEvent::Frame { .. } = framer.next_verified(bytes) else {
                unreachable!()
            };
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

    let (er, header) = common::execution_report();
    c.bench_function("encode ExecutionReport with fill", |bench| {
        let mut b = MessageBuilder::new("FIX.4.2");
        let mut out = Vec::with_capacity(512);
        bench.iter(|| {
            out.clear();
            black_box(&er).encode(black_box(&header), &mut b, &mut out);
            black_box(&out);
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
