//! Crash safety of the file store: a crash at every byte of the log
//! (truncation), damage at every byte, failed writes at every step, torn
//! compactions, and a model check against the memory store.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use session_store::{Error, FileStore, FileStoreOptions, FsyncPolicy, MemoryStore, MessageStore};

const KEY: &str = "FIX.4.2-ISLD-TW42";

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Snap {
    sender: u64,
    target: u64,
    created: DateTime<Utc>,
    msgs: Vec<(u64, Vec<u8>)>,
}

fn snap(s: &dyn MessageStore) -> Snap {
    let mut msgs = Vec::new();
    s.messages(0, u64::MAX, &mut msgs).unwrap();
    Snap {
        sender: s.next_sender_seq(),
        target: s.next_target_seq(),
        created: s.creation_time(),
        msgs,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Save(Vec<u8>),
    AdminIncr,
    IncrTarget,
    SetSender(u64),
    SetTarget(u64),
}

fn apply(s: &mut dyn MessageStore, op: &Op) -> session_store::Result<()> {
    match op {
        Op::Save(m) => {
            let seq = s.next_sender_seq();
            s.save_message_and_incr_next_sender_seq(seq, m)
        }
        Op::AdminIncr => s.incr_next_sender_seq(),
        Op::IncrTarget => s.incr_next_target_seq(),
        Op::SetSender(v) => s.set_next_sender_seq(*v),
        Op::SetTarget(v) => s.set_next_target_seq(*v),
    }
}

/// Every op changes state, so every op appends exactly one record.
fn script() -> Vec<Op> {
    vec![
        Op::Save(b"8=FIX.4.2\x0135=8\x0134=1\x01".to_vec()),
        Op::IncrTarget,
        Op::Save(b"8=FIX.4.2\x0135=8\x0134=2\x01".to_vec()),
        Op::AdminIncr,
        Op::IncrTarget,
        Op::Save(vec![b'x'; 300]),
        Op::SetTarget(100),
        Op::Save(b"five".to_vec()),
        Op::SetSender(2),
        Op::Save(b"two again".to_vec()),
        Op::SetSender(20),
        Op::Save(b"twenty".to_vec()),
        Op::IncrTarget,
    ]
}

fn never() -> FileStoreOptions {
    FileStoreOptions {
        fsync: FsyncPolicy::Never,
        ..FileStoreOptions::default()
    }
}

fn open(dir: &Path) -> session_store::Result<FileStore> {
    FileStore::open_with(dir, KEY, t(500), never())
}

/// Runs the script; returns (log length, state) after creation and after
/// each op, and the final log bytes.
fn recorded_run() -> (Vec<(u64, Snap)>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = FileStore::open_with(dir.path(), KEY, t(0), never()).unwrap();
    let mut snaps = vec![(s.log_len(), snap(&s))];
    for op in script() {
        apply(&mut s, &op).unwrap();
        let len = s.log_len();
        assert!(len > snaps.last().unwrap().0, "{op:?} appended nothing");
        snaps.push((len, snap(&s)));
    }
    let bytes = fs::read(s.path()).unwrap();
    assert_eq!(bytes.len() as u64, snaps.last().unwrap().0);
    (snaps, bytes)
}

fn log_path(dir: &Path) -> PathBuf {
    dir.join(format!("{KEY}.store"))
}

#[test]
fn crash_at_every_byte_reopens_to_the_last_complete_record() {
    let (snaps, bytes) = recorded_run();
    let header_len = snaps[0].0 as usize;
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(dir.path());
    for cut in 0..=bytes.len() {
        fs::write(&path, &bytes[..cut]).unwrap();
        let res = open(dir.path());
        if cut < header_len {
            assert!(
                matches!(res, Err(Error::Corrupt { .. })),
                "cut {cut}: {res:?}"
            );
            continue;
        }
        let mut s = res.unwrap();
        let (len, want) = snaps.iter().rev().find(|(l, _)| *l <= cut as u64).unwrap();
        assert_eq!(&snap(&s), want, "cut {cut}");
        assert_eq!(s.log_len(), *len, "cut {cut}");
        assert_eq!(
            fs::metadata(&path).unwrap().len(),
            *len,
            "torn tail cut at {cut}"
        );
        // The recovered store takes writes, and they survive a reopen.
        let seq = s.next_sender_seq();
        s.save_message_and_incr_next_sender_seq(seq, b"after crash")
            .unwrap();
        drop(s);
        let s = open(dir.path()).unwrap();
        let mut out = Vec::new();
        s.messages(seq, seq, &mut out).unwrap();
        assert_eq!(out, vec![(seq, b"after crash".to_vec())], "cut {cut}");
        assert_eq!(s.next_sender_seq(), seq + 1);
        assert_eq!(s.creation_time(), t(0));
    }
}

#[test]
fn damage_before_the_last_record_is_an_error_damage_in_it_a_torn_tail() {
    let (snaps, bytes) = recorded_run();
    let last_start = snaps[snaps.len() - 2].0 as usize;
    let dir = tempfile::tempdir().unwrap();
    let path = log_path(dir.path());
    for p in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[p] ^= 0x40;
        fs::write(&path, &damaged).unwrap();
        let res = open(dir.path());
        if p < last_start {
            let record_start = snaps
                .iter()
                .map(|(l, _)| *l)
                .filter(|&l| l <= p as u64)
                .max();
            let record_start = record_start.unwrap_or(0);
            match res {
                Err(Error::Corrupt { offset, .. }) => {
                    assert_eq!(offset, record_start, "byte {p}");
                }
                other => panic!("byte {p}: expected Corrupt, got {other:?}"),
            }
        } else {
            let s = res.unwrap();
            assert_eq!(snap(&s), snaps[snaps.len() - 2].1, "byte {p}");
            assert_eq!(fs::metadata(&path).unwrap().len(), last_start as u64);
        }
    }
}

#[test]
fn zero_filled_tail_is_cut() {
    let (snaps, mut bytes) = recorded_run();
    let (len, want) = snaps.last().unwrap();
    bytes.extend_from_slice(&[0; 4096]);
    let dir = tempfile::tempdir().unwrap();
    fs::write(log_path(dir.path()), &bytes).unwrap();
    let s = open(dir.path()).unwrap();
    assert_eq!(&snap(&s), want);
    assert_eq!(s.log_len(), *len);
}

#[test]
fn empty_log_is_an_error_not_a_new_session() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(log_path(dir.path()), b"").unwrap();
    assert!(matches!(
        open(dir.path()),
        Err(Error::Corrupt { offset: 0, .. })
    ));
}

const WRITTEN: [usize; 10] = [0, 1, 2, 9, 10, 11, 20, 26, 27, 1000];

#[test]
fn failed_write_changes_nothing_and_the_store_goes_on() {
    let (snaps, _) = recorded_run();
    let ops = script();
    for (i, op) in ops.iter().enumerate() {
        for w in WRITTEN {
            let dir = tempfile::tempdir().unwrap();
            let mut s = FileStore::open_with(dir.path(), KEY, t(0), never()).unwrap();
            for op in &ops[..i] {
                apply(&mut s, op).unwrap();
            }
            assert_eq!(snap(&s), snaps[i].1);
            s.inject_write_fault(w, false);
            let res = apply(&mut s, op);
            assert!(
                matches!(res, Err(Error::Io { .. })),
                "op {i} w {w}: {res:?}"
            );
            assert_eq!(snap(&s), snaps[i].1, "op {i} w {w}");
            assert_eq!(fs::metadata(s.path()).unwrap().len(), snaps[i].0);
            apply(&mut s, op).unwrap();
            assert_eq!(snap(&s), snaps[i + 1].1);
            drop(s);
            assert_eq!(snap(&open(dir.path()).unwrap()), snaps[i + 1].1);
        }
    }
}

#[test]
fn crash_mid_write_poisons_then_reopens_consistent() {
    let (snaps, _) = recorded_run();
    let ops = script();
    for (i, op) in ops.iter().enumerate() {
        let frame_len = (snaps[i + 1].0 - snaps[i].0) as usize;
        for w in WRITTEN.into_iter().chain([frame_len - 1, frame_len]) {
            let dir = tempfile::tempdir().unwrap();
            let mut s = FileStore::open_with(dir.path(), KEY, t(0), never()).unwrap();
            for op in &ops[..i] {
                apply(&mut s, op).unwrap();
            }
            s.inject_write_fault(w, true);
            assert!(matches!(apply(&mut s, op), Err(Error::Io { .. })));
            assert_eq!(snap(&s), snaps[i].1, "in-memory state unchanged");
            assert!(matches!(apply(&mut s, op), Err(Error::Poisoned)));
            assert!(matches!(s.sync(), Err(Error::Poisoned)));
            assert!(matches!(s.reset(t(9)), Err(Error::Poisoned)));
            drop(s);
            // The record either landed whole or is a torn tail.
            let want = if w >= frame_len {
                &snaps[i + 1].1
            } else {
                &snaps[i].1
            };
            assert_eq!(&snap(&open(dir.path()).unwrap()), want, "op {i} w {w}");
        }
    }
}

#[test]
fn compaction_bounds_the_log_and_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let opts = FileStoreOptions {
        fsync: FsyncPolicy::Never,
        compact_min_dead_bytes: 4096,
        batch_writes: false,
    };
    let mut s = FileStore::open_with(dir.path(), KEY, t(0), opts.clone()).unwrap();
    let mut model = MemoryStore::new(t(0));
    let mut max_len = 0;
    for i in 0..20_000u64 {
        let op = match i % 10 {
            0 => Op::Save(format!("msg {i}").into_bytes()),
            1 => Op::AdminIncr,
            _ => Op::IncrTarget,
        };
        apply(&mut s, &op).unwrap();
        apply(&mut model, &op).unwrap();
        max_len = max_len.max(s.log_len());
    }
    assert_eq!(snap(&s), snap(&model));
    // Live data: 2000 message frames of ~28 bytes plus header and seqnums.
    assert!(
        max_len < 2 * (4096 + 2000 * 30 + 100),
        "log grew to {max_len}"
    );
    drop(s);
    let s = FileStore::open_with(dir.path(), KEY, t(1), opts).unwrap();
    assert_eq!(snap(&s), snap(&model));
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn leftover_temp_file_from_a_crashed_rewrite_is_ignored() {
    let (snaps, bytes) = recorded_run();
    let dir = tempfile::tempdir().unwrap();
    fs::write(log_path(dir.path()), &bytes).unwrap();
    let tmp = dir.path().join(format!("{KEY}.store.tmp"));
    // A complete, valid log of a reset that never got renamed, then a torn one.
    for cut in [bytes.len(), 30, 3] {
        fs::write(&tmp, &bytes[..cut]).unwrap();
        let s = open(dir.path()).unwrap();
        assert_eq!(&snap(&s), &snaps.last().unwrap().1);
        assert!(!tmp.exists());
    }
}

#[test]
fn session_keys_map_to_distinct_files() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ["A/B", "A_B", "A%2FB", "..", "FIX.4.2-X-Y"];
    for (i, k) in keys.iter().enumerate() {
        let mut s = FileStore::open(dir.path(), k, t(0), FsyncPolicy::Never).unwrap();
        s.set_next_target_seq(i as u64 + 10).unwrap();
        assert_eq!(s.path().parent().unwrap(), dir.path());
    }
    for (i, k) in keys.iter().enumerate() {
        let s = FileStore::open(dir.path(), k, t(0), FsyncPolicy::Never).unwrap();
        assert_eq!(s.next_target_seq(), i as u64 + 10, "{k}");
    }
    assert!(matches!(
        FileStore::open(dir.path(), "", t(0), FsyncPolicy::Never),
        Err(Error::InvalidSessionKey(_))
    ));
}

#[derive(Debug, Clone)]
enum ModelOp {
    Op(Op),
    Reset(i64),
    Reopen,
    Sync,
}

fn model_op() -> impl Strategy<Value = ModelOp> {
    prop_oneof![
        6 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(|m| ModelOp::Op(Op::Save(m))),
        2 => Just(ModelOp::Op(Op::AdminIncr)),
        4 => Just(ModelOp::Op(Op::IncrTarget)),
        1 => (1u64..40).prop_map(|v| ModelOp::Op(Op::SetSender(v))),
        1 => (1u64..40).prop_map(|v| ModelOp::Op(Op::SetTarget(v))),
        1 => (1i64..100).prop_map(ModelOp::Reset),
        2 => Just(ModelOp::Reopen),
        1 => Just(ModelOp::Sync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn file_store_matches_memory_model(
        ops in proptest::collection::vec(model_op(), 1..80),
        compact in 0u64..400,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let opts = FileStoreOptions {
            fsync: FsyncPolicy::EveryN(std::num::NonZeroU32::new(2).unwrap()),
            compact_min_dead_bytes: compact,
            batch_writes: compact % 2 == 0,
        };
        let mut file = FileStore::open_with(dir.path(), KEY, t(0), opts.clone()).unwrap();
        let mut model = MemoryStore::new(t(0));
        for op in &ops {
            match op {
                ModelOp::Op(op) => {
                    let a = apply(&mut file, op).map_err(|e| e.to_string());
                    let b = apply(&mut model, op).map_err(|e| e.to_string());
                    prop_assert_eq!(a, b);
                }
                ModelOp::Reset(s) => {
                    file.reset(t(*s)).unwrap();
                    model.reset(t(*s)).unwrap();
                }
                ModelOp::Reopen => {
                    drop(file);
                    file = FileStore::open_with(dir.path(), KEY, t(7777), opts.clone()).unwrap();
                }
                ModelOp::Sync => file.sync().unwrap(),
            }
            prop_assert_eq!(snap(&file), snap(&model));
        }
    }
}
