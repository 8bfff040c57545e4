//! Rough hot-path figures: `cargo run --release -p session-store --example store_bench`.

use std::time::Instant;

use chrono::Utc;
use session_store::{FileStore, FsyncPolicy, MessageStore};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let msg = vec![b'x'; 200];
    for (policy, n) in [
        (FsyncPolicy::Never, 200_000u64),
        (FsyncPolicy::EveryWrite, 2_000),
    ] {
        let dir = std::env::temp_dir().join(format!("store_bench_{}", std::process::id()));
        let mut s = FileStore::open(&dir, "BENCH", Utc::now(), policy)?;
        let start = Instant::now();
        for seq in 1..=n {
            s.save_message_and_incr_next_sender_seq(seq, &msg)?;
        }
        let per = start.elapsed().as_nanos() / u128::from(n);
        println!("save_message 200B, fsync {policy:?}: {per} ns/op ({n} ops)");
        let start = Instant::now();
        let mut out = Vec::new();
        s.messages(n / 2, n / 2 + 999, &mut out)?;
        println!("  resend 1000 of {n}: {} us", start.elapsed().as_micros());
        let start = Instant::now();
        drop(s);
        let s = FileStore::open(&dir, "BENCH", Utc::now(), policy)?;
        println!(
            "  reopen (scan {} bytes): {} ms",
            s.log_len(),
            start.elapsed().as_millis()
        );
        drop(s);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
