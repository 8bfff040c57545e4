//! One suite, every backend (QuickFIX/Go `internal/testsuite/store_suite.go`
//! style). Each write is followed by a read-back of what it should have
//! changed, before and after a reopen.

use std::num::NonZeroU32;

use chrono::{DateTime, TimeZone, Utc};
use session_store::{
    Error, FileStore, FileStoreOptions, FsyncPolicy, MemoryStore, MessageStore, StoreConfig,
};
use tempfile::TempDir;

const KEY: &str = "FIX.4.2-ISLD-TW42";

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 123_456_789)
        .unwrap()
}

/// A backend under test.
trait Rig {
    fn store(&mut self) -> &mut dyn MessageStore;
    /// Drops and reopens a durable store (with a later `now`, which must be
    /// ignored); a no-op for memory.
    fn reopen(&mut self);
}

struct MemRig(MemoryStore);

impl Rig for MemRig {
    fn store(&mut self) -> &mut dyn MessageStore {
        &mut self.0
    }
    fn reopen(&mut self) {}
}

struct FileRig {
    dir: TempDir,
    opts: FileStoreOptions,
    store: Option<FileStore>,
}

impl FileRig {
    fn new(opts: FileStoreOptions) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open_with(dir.path(), KEY, t(0), opts.clone()).unwrap();
        Self {
            dir,
            opts,
            store: Some(store),
        }
    }
}

impl Rig for FileRig {
    fn store(&mut self) -> &mut dyn MessageStore {
        self.store.as_mut().unwrap()
    }
    fn reopen(&mut self) {
        self.store = None;
        self.store = Some(
            FileStore::open_with(self.dir.path(), KEY, t(999_999), self.opts.clone()).unwrap(),
        );
    }
}

struct AnyRig {
    cfg: StoreConfig,
    store: session_store::AnyStore,
    _dir: Option<TempDir>,
}

impl Rig for AnyRig {
    fn store(&mut self) -> &mut dyn MessageStore {
        &mut self.store
    }
    fn reopen(&mut self) {
        if matches!(self.cfg, StoreConfig::File { .. }) {
            self.store = self.cfg.open(KEY, t(999_999)).unwrap();
        }
    }
}

fn all(s: &mut dyn MessageStore) -> Vec<(u64, Vec<u8>)> {
    range(s, 1, u64::MAX)
}

fn range(s: &mut dyn MessageStore, begin: u64, end: u64) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    s.messages(begin, end, &mut out).unwrap();
    out
}

fn msg(seq: u64) -> Vec<u8> {
    format!("8=FIX.4.2\x019=20\x0135=8\x0134={seq}\x0110=000\x01").into_bytes()
}

fn assert_seqs(r: &mut dyn Rig, sender: u64, target: u64) {
    for reopen in [false, true] {
        if reopen {
            r.reopen();
        }
        assert_eq!(
            r.store().next_sender_seq(),
            sender,
            "sender, reopen={reopen}"
        );
        assert_eq!(
            r.store().next_target_seq(),
            target,
            "target, reopen={reopen}"
        );
    }
}

// ---- the suite ----

fn fresh_store(r: &mut dyn Rig) {
    assert_seqs(r, 1, 1);
    assert_eq!(r.store().creation_time(), t(0));
    assert!(all(r.store()).is_empty());
}

fn set_and_incr_seq_nums(r: &mut dyn Rig) {
    r.store().set_next_sender_seq(867).unwrap();
    assert_seqs(r, 867, 1);
    r.store().set_next_target_seq(5309).unwrap();
    assert_seqs(r, 867, 5309);
    r.store().incr_next_sender_seq().unwrap();
    assert_seqs(r, 868, 5309);
    r.store().incr_next_target_seq().unwrap();
    assert_seqs(r, 868, 5310);
    r.store().set_next_target_seq(5310).unwrap(); // unchanged: a no-op
    assert_seqs(r, 868, 5310);
    assert_eq!(r.store().creation_time(), t(0));
}

fn invalid_seq_nums_change_nothing(r: &mut dyn Rig) {
    assert!(matches!(
        r.store().set_next_sender_seq(0),
        Err(Error::InvalidSeq(0))
    ));
    assert!(matches!(
        r.store().set_next_target_seq(0),
        Err(Error::InvalidSeq(0))
    ));
    assert!(matches!(
        r.store().save_message_and_incr_next_sender_seq(2, b"x"),
        Err(Error::SeqMismatch {
            expected: 1,
            got: 2
        })
    ));
    assert!(matches!(
        r.store().save_message_and_incr_next_sender_seq(0, b"x"),
        Err(Error::SeqMismatch {
            expected: 1,
            got: 0
        })
    ));
    r.store().set_next_sender_seq(u64::MAX).unwrap();
    r.store().set_next_target_seq(u64::MAX).unwrap();
    assert!(matches!(
        r.store().incr_next_sender_seq(),
        Err(Error::SeqOverflow)
    ));
    assert!(matches!(
        r.store().incr_next_target_seq(),
        Err(Error::SeqOverflow)
    ));
    assert!(matches!(
        r.store()
            .save_message_and_incr_next_sender_seq(u64::MAX, b"x"),
        Err(Error::SeqOverflow)
    ));
    assert_seqs(r, u64::MAX, u64::MAX);
    assert!(all(r.store()).is_empty());
}

fn save_and_read_back(r: &mut dyn Rig) {
    // 1, 2, 3 stored; 4 is admin (gap-filled on resend); 5 stored.
    for seq in 1..=5 {
        if seq == 4 {
            r.store().incr_next_sender_seq().unwrap();
        } else {
            r.store()
                .save_message_and_incr_next_sender_seq(seq, &msg(seq))
                .unwrap();
            assert_eq!(range(r.store(), seq, seq), vec![(seq, msg(seq))]);
        }
        assert_eq!(r.store().next_sender_seq(), seq + 1);
        r.store().incr_next_target_seq().unwrap();
        assert_eq!(r.store().next_target_seq(), seq + 1);
    }
    for reopen in [false, true] {
        if reopen {
            r.reopen();
        }
        let s = r.store();
        assert_eq!(s.next_sender_seq(), 6);
        assert_eq!(s.next_target_seq(), 6);
        let want: Vec<_> = [1, 2, 3, 5].into_iter().map(|q| (q, msg(q))).collect();
        assert_eq!(all(s), want);
        assert_eq!(range(s, 2, 4), want[1..3]);
        assert_eq!(range(s, 4, 4), vec![]);
        assert_eq!(range(s, 3, 5), want[2..]);
        assert_eq!(range(s, 6, u64::MAX), vec![]);
        assert_eq!(range(s, 5, 1), vec![]);
        assert_eq!(range(s, 0, 0), vec![]);
        assert_eq!(range(s, 0, 1), want[..1]);
        // `messages` appends.
        let mut out = vec![(0, b"keep".to_vec())];
        s.messages(5, 5, &mut out).unwrap();
        assert_eq!(out, vec![(0, b"keep".to_vec()), (5, msg(5))]);
    }
}

fn odd_bodies_round_trip(r: &mut dyn Rig) {
    let bodies: [&[u8]; 4] = [
        b"",
        &[0xF1, 0x5E, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],
        &[0u8; 1000],
        &[0x01; 70_000],
    ];
    for (i, b) in bodies.iter().enumerate() {
        let seq = i as u64 + 1;
        r.store()
            .save_message_and_incr_next_sender_seq(seq, b)
            .unwrap();
        assert_eq!(range(r.store(), seq, seq), vec![(seq, b.to_vec())]);
    }
    r.reopen();
    let want: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| (i as u64 + 1, b.to_vec()))
        .collect();
    assert_eq!(all(r.store()), want);
}

fn lowering_sender_seq_forgets_later_messages(r: &mut dyn Rig) {
    for seq in 1..=5 {
        r.store()
            .save_message_and_incr_next_sender_seq(seq, &msg(seq))
            .unwrap();
    }
    r.store().set_next_sender_seq(3).unwrap();
    assert_eq!(all(r.store()), vec![(1, msg(1)), (2, msg(2))]);
    r.store()
        .save_message_and_incr_next_sender_seq(3, b"new 3")
        .unwrap();
    r.store().set_next_sender_seq(10).unwrap();
    for reopen in [false, true] {
        if reopen {
            r.reopen();
        }
        assert_eq!(
            all(r.store()),
            vec![(1, msg(1)), (2, msg(2)), (3, b"new 3".to_vec())]
        );
        assert_eq!(r.store().next_sender_seq(), 10);
    }
}

fn reset_starts_over(r: &mut dyn Rig) {
    for seq in 1..=3 {
        r.store()
            .save_message_and_incr_next_sender_seq(seq, &msg(seq))
            .unwrap();
    }
    r.store().set_next_target_seq(42).unwrap();
    r.store().reset(t(3600)).unwrap();
    for reopen in [false, true] {
        if reopen {
            r.reopen();
        }
        assert_seqs(r, 1, 1);
        assert_eq!(r.store().creation_time(), t(3600));
        assert!(all(r.store()).is_empty());
    }
    r.store()
        .save_message_and_incr_next_sender_seq(1, b"after reset")
        .unwrap();
    r.store().sync().unwrap();
    r.reopen();
    assert_eq!(all(r.store()), vec![(1, b"after reset".to_vec())]);
    assert_eq!(r.store().creation_time(), t(3600));
}

fn many_writes(r: &mut dyn Rig) {
    // Enough target increments to trigger compaction in the small-threshold rig.
    for seq in 1..=300u64 {
        if seq % 3 == 0 {
            r.store().incr_next_sender_seq().unwrap();
        } else {
            r.store()
                .save_message_and_incr_next_sender_seq(seq, &msg(seq))
                .unwrap();
        }
        r.store().incr_next_target_seq().unwrap();
        r.store().incr_next_target_seq().unwrap();
    }
    let want: Vec<_> = (1..=300u64)
        .filter(|s| s % 3 != 0)
        .map(|s| (s, msg(s)))
        .collect();
    for reopen in [false, true] {
        if reopen {
            r.reopen();
        }
        assert_seqs(r, 301, 601);
        assert_eq!(all(r.store()), want);
        assert_eq!(range(r.store(), 100, 110), want[66..74]);
        assert_eq!(r.store().creation_time(), t(0));
    }
}

macro_rules! suite {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;
            suite!(@tests $make; fresh_store, set_and_incr_seq_nums, invalid_seq_nums_change_nothing,
                save_and_read_back, odd_bodies_round_trip, lowering_sender_seq_forgets_later_messages,
                reset_starts_over, many_writes);
        }
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut rig = $make;
                super::$name(&mut rig);
            }
        )*
    };
}

suite!(memory, MemRig(MemoryStore::new(t(0))));
suite!(
    file_fsync_every_write,
    FileRig::new(FileStoreOptions::default())
);
suite!(
    file_fsync_every_3_compacting,
    FileRig::new(FileStoreOptions {
        fsync: FsyncPolicy::EveryN(NonZeroU32::new(3).unwrap()),
        compact_min_dead_bytes: 0,
        batch_writes: false,
    })
);
suite!(
    file_batched_compacting,
    FileRig::new(FileStoreOptions {
        fsync: FsyncPolicy::Never,
        compact_min_dead_bytes: 0,
        batch_writes: true,
    })
);
suite!(
    file_batched,
    FileRig::new(FileStoreOptions {
        fsync: FsyncPolicy::EveryWrite,
        batch_writes: true,
        ..FileStoreOptions::default()
    })
);
suite!(
    file_fsync_never,
    FileRig::new(FileStoreOptions {
        fsync: FsyncPolicy::Never,
        ..FileStoreOptions::default()
    })
);
suite!(config_memory, {
    let cfg = StoreConfig::Memory;
    AnyRig {
        store: cfg.open(KEY, t(0)).unwrap(),
        cfg,
        _dir: None,
    }
});
suite!(config_file, {
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::file(dir.path());
    AnyRig {
        store: cfg.open(KEY, t(0)).unwrap(),
        cfg,
        _dir: Some(dir),
    }
});
