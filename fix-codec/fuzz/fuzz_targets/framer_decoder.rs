//! Framer + verify + decoder + validator + typed parse on arbitrary bytes:
//! nothing may panic, every event must consume bytes within the buffer, and
//! the fast validator must agree with the straightforward one.
//!
//!     cd fix-codec/fuzz && cargo +nightly fuzz run framer_decoder -- -max_total_time=60
#![no_main]

use fix_codec::{
    fix42,
    framer::{verify, Framer, FramerEvent},
    messages::{ExecutionReport, FixMessage, NewOrderSingle, OrderCancelRequest},
    Message, ValidationOptions,
};
use libfuzzer_sys::fuzz_target;

fn check(frame: &[u8]) {
    let dict = fix42();
    for decoded in [
        Message::decode(frame),
        Message::decode_with(frame, Some(dict), Vec::new()),
    ] {
        let Ok(msg) = decoded else { continue };
        for opts in [
            ValidationOptions::default(),
            ValidationOptions {
                check_fields_out_of_order: false,
                check_fields_have_values: false,
                check_user_defined_fields: false,
                allow_unknown_msg_fields: true,
            },
        ] {
            let fast = dict.validate(&msg, &opts);
            let reference = fix_codec::validate::validate_reference(dict, &msg, &opts);
            assert_eq!(
                fast,
                reference,
                "validators disagree on {:?}",
                String::from_utf8_lossy(frame)
            );
        }
        let _ = NewOrderSingle::parse(&msg);
        let _ = OrderCancelRequest::parse(&msg);
        let _ = ExecutionReport::parse(&msg);
        let _ = msg.group(dict, 146);
    }
}

fuzz_target!(|data: &[u8]| {
    // Whole input as one frame, then as a stream.
    check(data);
    let framer = Framer::new(4096);
    let mut rest = data;
    for _ in 0..10_000 {
        match framer.next(rest) {
            FramerEvent::NeedMore => break,
            FramerEvent::Skip { len, .. } => {
                assert!(len > 0 && len <= rest.len());
                rest = &rest[len..];
            }
            FramerEvent::Frame { len } => {
                assert!(len > 0 && len <= rest.len());
                if verify(&rest[..len]).is_ok() {
                    check(&rest[..len]);
                }
                rest = &rest[len..];
            }
        }
    }
});
