//! Property tests on random command streams: invariants after every command,
//! replay(journal) == live, snapshot + replay == live.

mod common;

use common::*;
use engine::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Op {
    New {
        owner: u8,
        acct: u8,
        sym: u8,
        side: bool,
        market: bool,
        tif: u8,
        qty: u16,
        px: u16,
    },
    Cancel {
        owner: u8,
        target: u16,
        flip: u8,
    },
    Replace {
        owner: u8,
        target: u16,
        qty: u16,
        px: Option<u16>,
    },
    Status {
        owner: u8,
        target: u16,
    },
    Eod,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0u8..5, 0u8..4, 0u8..10, any::<bool>(), 0u8..8, 0u8..4, any::<u16>(), any::<u16>()).prop_map(
            |(owner, acct, sym, side, m, tif, qty, px)| Op::New { owner, acct, sym, side, market: m == 0, tif, qty, px }
        ),
        3 => (0u8..5, any::<u16>(), 0u8..12).prop_map(|(owner, target, flip)| Op::Cancel { owner, target, flip }),
        3 => (0u8..5, any::<u16>(), any::<u16>(), proptest::option::of(any::<u16>()))
            .prop_map(|(owner, target, qty, px)| Op::Replace { owner, target, qty, px }),
        1 => (0u8..5, any::<u16>()).prop_map(|(owner, target)| Op::Status { owner, target }),
        1 => (0u8..4).prop_filter_map("rare", |x| (x == 0).then_some(Op::Eod)),
    ]
}

fn cfg() -> VenueConfig {
    let mut c = venue(
        &[
            ("A", StpMode::CancelResting),
            ("B", StpMode::CancelAggressor),
            ("C", StpMode::CancelBoth),
            ("D", StpMode::CancelResting),
            ("E", StpMode::CancelResting),
        ],
        &[
            (1, "A", &["D"]),
            (2, "B", &["E"]),
            (3, "C", &[]),
            (4, "D", &["A", "E"]),
        ],
    );
    // Poorer accounts, so funds checks and market-buy exhaustion happen.
    c.accounts[3].balances = vec![
        ("USD".into(), d("300")),
        ("BTC".into(), d("0.5")),
        ("ETH".into(), d("3")),
    ];
    c.accounts[4].balances = vec![("USD".into(), d("1000.5")), ("BTC".into(), d("1"))];
    c.accounts[4].taker_fee_bps = Some(d("7.5"));
    c.accounts[4].maker_fee_bps = Some(d("0"));
    c
}

/// Turns ops into commands, remembering issued ids so cancels/replaces hit real orders.
#[derive(Default)]
struct Gen {
    issued: Vec<(u32, ClOrdId, &'static str, Side)>,
    n: u64,
}

impl Gen {
    fn id(&mut self) -> ClOrdId {
        self.n += 1;
        format!("c{}", self.n).into()
    }

    fn target(&self, owner: u32, t: u16) -> Option<(u32, ClOrdId, &'static str, Side)> {
        if self.issued.is_empty() {
            return None;
        }
        let n = self.issued.len();
        // Mostly recent ids (likely live), sometimes any.
        let i = if t.is_multiple_of(2) {
            n - 1 - (t as usize / 2) % n.min(8)
        } else {
            t as usize % n
        };
        let (o, cl, s, side) = self.issued[i].clone();
        // Mostly the real owner, sometimes another (→ unknown order).
        Some((if t.is_multiple_of(13) { owner } else { o }, cl, s, side))
    }

    fn command(&mut self, op: &Op) -> Command {
        match *op {
            Op::New {
                owner,
                acct,
                sym,
                side,
                market,
                tif,
                qty,
                px,
            } => {
                let (symbol, tick, lot) = match sym {
                    0..=5 => ("BTC-USD", d("0.5"), d("0.001")),
                    6..=8 => ("ETH-USD", d("0.05"), d("0.01")),
                    _ => ("XXX", d("1"), d("1")),
                };
                let side = if side { Side::Buy } else { Side::Sell };
                let mut q = lot * Decimal::from(1 + qty % 2000);
                if qty % 97 == 0 {
                    q += lot / Decimal::from(2);
                }
                let base = if symbol == "ETH-USD" {
                    d("20")
                } else {
                    d("100")
                };
                let mut p = base + tick * Decimal::from(px % 40) - tick * Decimal::from(20);
                if px % 101 == 0 {
                    p += d("0.001");
                }
                let cl = if qty % 211 == 0 && !self.issued.is_empty() {
                    self.issued[self.issued.len() - 1].1.clone()
                } else {
                    self.id()
                };
                let owner = owner as u32;
                self.issued.push((owner, cl.clone(), symbol, side));
                Command::New(NewOrder {
                    owner: OwnerId(owner),
                    cl_ord_id: cl,
                    account: match acct {
                        0 | 1 => None,
                        2 => Some("E".into()),
                        _ => Some("A".into()),
                    },
                    symbol: symbol.into(),
                    side,
                    ord_type: if market {
                        OrdType::Market
                    } else {
                        OrdType::Limit
                    },
                    tif: [Tif::Day, Tif::Gtc, Tif::Ioc, Tif::Fok][tif as usize],
                    qty: q,
                    price: (!market).then_some(p),
                })
            }
            Op::Cancel {
                owner,
                target,
                flip,
            } => {
                let Some((o, orig, sym, side)) = self.target(owner as u32, target) else {
                    return Command::EndOfDay;
                };
                let cl = self.id();
                Command::Cancel(Cancel {
                    owner: OwnerId(o),
                    cl_ord_id: cl,
                    orig_cl_ord_id: orig,
                    symbol: if flip == 0 {
                        "ETH-USD".into()
                    } else {
                        sym.into()
                    },
                    side: if flip == 1 { side.opposite() } else { side },
                })
            }
            Op::Replace {
                owner,
                target,
                qty,
                px,
            } => {
                let Some((o, orig, sym, side)) = self.target(owner as u32, target) else {
                    return Command::EndOfDay;
                };
                let cl = self.id();
                self.issued.push((o, cl.clone(), sym, side));
                let (tick, lot, base) = if sym == "ETH-USD" {
                    (d("0.05"), d("0.01"), d("20"))
                } else {
                    (d("0.5"), d("0.001"), d("100"))
                };
                Command::Replace(Replace {
                    owner: OwnerId(o),
                    cl_ord_id: cl,
                    orig_cl_ord_id: orig,
                    symbol: sym.into(),
                    side,
                    qty: lot * Decimal::from(1 + qty % 2000),
                    price: px
                        .map(|p| base + tick * Decimal::from(p % 40) - tick * Decimal::from(20)),
                })
            }
            Op::Status { owner, target } => {
                let t = self.target(owner as u32, target);
                Command::Status(StatusQuery {
                    owner: OwnerId(t.as_ref().map_or(owner as u32, |t| t.0)),
                    cl_ord_id: t.map(|t| t.1),
                    order_id: None,
                    symbol: None,
                    side: None,
                })
            }
            Op::Eod => Command::EndOfDay,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invariants_replay_and_snapshot(ops in proptest::collection::vec(op(), 1..400), snap_at in 0usize..400) {
        let cfg = cfg();
        let mut live = Sim::new(&cfg);
        let mut g = Gen::default();
        let mut records = Vec::new();
        let mut live_events = Vec::new();
        let mut snapshot: Option<(u64, Vec<u8>)> = None;
        for (i, op) in ops.iter().enumerate() {
            let cmd = g.command(op);
            let ev = live.run(cmd.clone()); // checks invariants
            if cmd.is_journaled() {
                records.push(JournalRecord { seq: live.seq, timestamp_nanos: live.ts, command: cmd });
                live_events.extend(ev);
            }
            if i == snap_at {
                snapshot = Some((live.e.last_seq(), live.e.canonical_state()));
            }
        }
        // Replay from empty gives the same state and the same events, here as the
        // run loop applies: commands prepared ahead (every third one by another
        // engine's preparer, which must be prepared again, not trusted), with
        // prefetches for commands ahead and for any command at all, which must
        // never panic or change an answer.
        let mut replayed = Engine::new(&cfg).unwrap();
        let other = Engine::new(&cfg).unwrap();
        let prepare = |i: usize, c: &Command| {
            if i % 3 == 2 { other.prepare(c.clone()) } else { replayed.prepare(c.clone()) }
        };
        let prepared: Vec<Prepared> =
            records.iter().enumerate().map(|(i, r)| prepare(i, &r.command)).collect();
        let mut ev = Vec::new();
        for (i, r) in records.iter().enumerate() {
            replayed.prefetch(&prepared[(i + engine::PREFETCH_AHEAD) % records.len()]);
            replayed.prefetch(&replayed.prepare(g.command(&ops[i % ops.len()])));
            replayed.apply_prepared(r.seq, r.timestamp_nanos, &prepared[i], &mut ev);
        }
        prop_assert_eq!(replayed.canonical_state(), live.e.canonical_state());
        prop_assert_eq!(ev, live_events);

        // Snapshot + journal through files.
        let dir = tempfile::tempdir().unwrap();
        let (mut e, mut j) = Engine::open(&cfg, dir.path(), Durability::None).unwrap();
        let mut scratch = Vec::new();
        for r in &records {
            j.append(r.seq, r.timestamp_nanos, &r.command).unwrap();
            e.apply(r.seq, r.timestamp_nanos, &r.command, &mut scratch);
            if snapshot.as_ref().is_some_and(|(s, _)| *s == r.seq) {
                j.commit().unwrap();
                e.snapshot(dir.path()).unwrap();
            }
        }
        j.commit().unwrap();
        drop((e, j));
        let (reopened, j) = Engine::open(&cfg, dir.path(), Durability::None).unwrap();
        prop_assert_eq!(reopened.state_hash(), live.e.state_hash());
        prop_assert_eq!(j.next_seq(), live.e.last_seq() + 1);
        reopened.check_invariants().unwrap();
    }
}

/// The random streams above reach every kind of outcome (guards against a generator
/// that only produces rejects).
#[test]
fn random_stream_covers_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let ops = proptest::collection::vec(op(), 5000)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let mut s = Sim::new(&cfg());
    let mut g = Gen::default();
    let mut seen = std::collections::BTreeSet::new();
    for op in &ops {
        for e in s.run(g.command(op)) {
            let k = match e.kind {
                EventKind::Fill { .. } => "fill".to_string(),
                EventKind::Rejected { reason } => format!("rejected {reason:?}"),
                other => format!("{other:?}"),
            };
            seen.insert(k);
        }
    }
    for k in [
        "Accepted",
        "fill",
        "Replaced",
        "Expired",
        "Status",
        "Canceled { cause: Requested }",
        "Canceled { cause: Unfilled }",
        "Canceled { cause: FokUnfilled }",
        "Canceled { cause: SelfTrade }",
        "rejected InsufficientFunds",
        "rejected DuplicateClOrdId",
        "rejected PriceOffTick",
    ] {
        assert!(seen.contains(k), "never saw {k}; saw {seen:?}");
    }
}
