//! Journal framing, crash recovery, corruption, snapshots and the run loop.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use engine::*;
use Side::*;
use Tif::*;

const BTC: &str = "BTC-USD";

fn script() -> Vec<Command> {
    vec![
        limit(1, "a", BTC, Sell, "1", "100", Gtc),
        limit(2, "b", BTC, Buy, "0.4", "100", Day),
        limit(3, "c", BTC, Buy, "2", "99", Day),
        replace(3, "c1", "c", BTC, Buy, "1", Some("99.5")),
        cancel(1, "x", "a", BTC, Sell),
        limit(1, "d", BTC, Sell, "3", "99.5", Ioc),
        Command::EndOfDay,
        limit(2, "e", BTC, Sell, "0.5", "101", Gtc),
    ]
}

/// Write `cmds` through a journal in `dir`; return the live engine.
fn write(dir: &std::path::Path, cmds: &[Command]) -> Engine {
    let cfg = std_venue();
    let (mut e, mut j) = Engine::open(&cfg, dir, Durability::FsyncPerBatch).unwrap();
    let mut out = Vec::new();
    for (i, c) in cmds.iter().enumerate() {
        let seq = e.last_seq() + 1;
        let ts = 10 + i as i64;
        j.append(seq, ts, c).unwrap();
        e.apply(seq, ts, c, &mut out);
        if i % 3 == 2 {
            j.commit().unwrap();
        }
    }
    j.commit().unwrap();
    e
}

#[test]
fn append_states_expected_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut j) = Engine::open(&std_venue(), dir.path(), Durability::None).unwrap();
    assert!(matches!(
        j.append(2, 0, &Command::EndOfDay),
        Err(JournalError::Sequence {
            expected: 1,
            got: 2
        })
    ));
    j.append(1, 0, &Command::EndOfDay).unwrap();
}

#[test]
fn reopen_replays_to_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let live = write(dir.path(), &script());
    let (e, j) = Engine::open(&std_venue(), dir.path(), Durability::None).unwrap();
    assert_eq!(e.canonical_state(), live.canonical_state());
    assert_eq!(j.next_seq(), 9);
}

#[test]
fn crash_at_every_byte_of_last_record_recovers_previous() {
    let src = tempfile::tempdir().unwrap();
    let cmds = script();
    write(src.path(), &cmds);
    let full = std::fs::read(src.path().join(JOURNAL_FILE)).unwrap();
    let prefix = tempfile::tempdir().unwrap();
    let expected = write(prefix.path(), &cmds[..cmds.len() - 1]);
    let last_start = std::fs::metadata(prefix.path().join(JOURNAL_FILE))
        .unwrap()
        .len() as usize;
    assert!(last_start < full.len());
    for cut in last_start..full.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        std::fs::write(&path, &full[..cut]).unwrap();
        let (mut e, mut j) = Engine::open(&std_venue(), dir.path(), Durability::None)
            .unwrap_or_else(|err| panic!("cut at {cut}: {err}"));
        assert_eq!(e.state_hash(), expected.state_hash(), "cut at {cut}");
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, last_start);
        // The journal continues cleanly from there.
        let c = cmds.last().unwrap();
        j.append(e.last_seq() + 1, 100, c).unwrap();
        e.apply(e.last_seq() + 1, 100, c, &mut Vec::new());
        j.commit().unwrap();
    }
    // A garbled (not just short) last payload is also a torn tail.
    let dir = tempfile::tempdir().unwrap();
    let mut bad = full.clone();
    *bad.last_mut().unwrap() ^= 0xff;
    std::fs::write(dir.path().join(JOURNAL_FILE), &bad).unwrap();
    let (e, _) = Engine::open(&std_venue(), dir.path(), Durability::None).unwrap();
    assert_eq!(e.state_hash(), expected.state_hash());
}

#[test]
fn corruption_in_the_middle_stops_start_up() {
    let src = tempfile::tempdir().unwrap();
    write(src.path(), &script());
    let full = std::fs::read(src.path().join(JOURNAL_FILE)).unwrap();
    for (offset, what) in [(20usize, "payload checksum"), (1, "bad record header")] {
        let dir = tempfile::tempdir().unwrap();
        let mut bad = full.clone();
        bad[offset] ^= 0x55;
        std::fs::write(dir.path().join(JOURNAL_FILE), &bad).unwrap();
        let err = Engine::open(&std_venue(), dir.path(), Durability::None)
            .err()
            .expect("must refuse");
        let msg = err.to_string();
        assert!(
            msg.contains("corrupt at byte 0") && msg.contains(what),
            "{msg}"
        );
        // Nothing was cut.
        assert_eq!(std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap(), bad);
    }
}

#[test]
fn snapshot_plus_journal_equals_live() {
    let dir = tempfile::tempdir().unwrap();
    let cmds = script();
    let e = write(dir.path(), &cmds[..4]);
    e.snapshot(dir.path()).unwrap();
    drop(e);
    // Continue after reopening from the snapshot.
    let (mut e, mut j) = Engine::open(&std_venue(), dir.path(), Durability::None).unwrap();
    for (i, c) in cmds[4..].iter().enumerate() {
        let seq = e.last_seq() + 1;
        j.append(seq, 50 + i as i64, c).unwrap();
        e.apply(seq, 50 + i as i64, c, &mut Vec::new());
    }
    j.commit().unwrap();
    let (reopened, _) = Engine::open(&std_venue(), dir.path(), Durability::None).unwrap();
    assert_eq!(reopened.canonical_state(), e.canonical_state());
    // A corrupt snapshot is refused, not ignored.
    let snap = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|x| x.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "snap"))
        .unwrap();
    let mut b = std::fs::read(&snap).unwrap();
    let n = b.len() - 1;
    b[n] ^= 1;
    std::fs::write(&snap, b).unwrap();
    assert!(matches!(
        Engine::open(&std_venue(), dir.path(), Durability::None),
        Err(OpenError::Snapshot(_))
    ));
}

#[test]
fn run_loop_publishes_routes_and_shuts_down() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = std_venue();
    let (e, j) = Engine::open(&cfg, dir.path(), Durability::FsyncPerBatch).unwrap();
    let seen: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = {
        let seen = seen.clone();
        move |b: &[Event]| seen.lock().unwrap().extend_from_slice(b)
    };
    let rc = RunConfig {
        spin: Duration::from_micros(5),
        ..RunConfig::default()
    };
    let (h, join) = spawn(e, Some(j), sink, rc).unwrap();
    let h2 = h.clone();
    h.submit(11, limit(1, "a", BTC, Sell, "1", "100", Day))
        .unwrap();
    h2.submit(22, limit(2, "b", BTC, Buy, "1", "100", Day))
        .unwrap();
    h2.submit(
        22,
        Command::Status(StatusQuery {
            owner: OwnerId(2),
            cl_ord_id: Some("b".into()),
            order_id: None,
            symbol: None,
            side: None,
        }),
    )
    .unwrap();
    assert!(h.request_snapshot());
    h.shutdown();
    let engine = join.join().unwrap().unwrap();
    assert!(matches!(
        h2.submit(1, Command::EndOfDay),
        Err(SubmitError::Closed(_))
    ));
    let ev = seen.lock().unwrap().clone();
    let summary: Vec<_> = ev.iter().map(|e| (e.route, e.owner.0, e.kind)).collect();
    use EventKind::*;
    let (t, m) = (Liquidity::Taker, Liquidity::Maker);
    assert_eq!(
        summary,
        [
            (11, 1, Accepted),
            (22, 2, Accepted),
            (
                22,
                2,
                Fill {
                    liquidity: t,
                    trade_id: 1
                }
            ),
            (
                22,
                1,
                Fill {
                    liquidity: m,
                    trade_id: 1
                }
            ),
            (22, 2, Status),
        ]
    );
    assert_eq!(ev[4].status, OrdStatus::Filled);
    let (reopened, _) = Engine::open(&cfg, dir.path(), Durability::None).unwrap();
    assert_eq!(reopened.state_hash(), engine.state_hash());
    assert_eq!(reopened.last_seq(), 2);
    assert!(std::fs::read_dir(dir.path()).unwrap().any(|x| x
        .unwrap()
        .path()
        .extension()
        .is_some_and(|x| x == "snap")));
}

#[test]
fn dropping_all_handles_ends_the_loop() {
    let e = Engine::new(&std_venue()).unwrap();
    let (h, join) = spawn(e, None, |_: &[Event]| {}, RunConfig::default()).unwrap();
    h.submit(1, limit(1, "a", BTC, Sell, "1", "100", Day))
        .unwrap();
    drop(h);
    let e = join.join().unwrap().unwrap();
    assert_eq!(e.last_seq(), 1);
}

#[test]
fn full_queue_is_reported() {
    let e = Engine::new(&std_venue()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    // The sink blocks the engine thread until released, so the queue fills.
    let sink = move |_: &[Event]| {
        let _ = rx.recv();
    };
    let rc = RunConfig {
        queue_capacity: 2,
        max_batch: 1,
        ..RunConfig::default()
    };
    let (h, join) = spawn(e, None, sink, rc).unwrap();
    let mut full = false;
    for i in 0..10 {
        if let Err(SubmitError::Full(_)) = h.submit(
            1,
            limit(1, &format!("o{i}"), BTC, Sell, "0.001", "100", Day),
        ) {
            full = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(full);
    drop(tx);
    drop(h);
    join.join().unwrap().unwrap();
}
