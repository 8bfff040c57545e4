//! Matching throughput and latency on an exchange-core-like mix, without and with the
//! journal. Run: `cargo bench -p engine --bench matching` (env BENCH_CMDS, BENCH_ITERS;
//! BENCH_AHEAD and BENCH_ALTERNATE: see the throughput section).
//!
//! Mix against one book of ~5000 resting orders (kept between 4000 and 6000):
//! ~35% new GTC limit (passive), ~35% cancel, ~24% replace (price or size),
//! ~6% IOC orders priced through the book (these trade), plus an EndOfDay every 100k commands
//! (purges the day's done orders; GTC orders stay).
//!
//! The command streams are generated (by driving a reference engine) before anything is
//! timed; each timed run starts from a fresh engine holding the prefilled book, built
//! outside the timed region, and the commands are prepared for it there too (in the
//! venue `EngineHandle::submit` prepares on the session threads; that cost is measured
//! and printed on its own). The timed loop is `apply_prepared` + dropping the events
//! (`out.clear()`), as a consumer would. `BENCH_ONLY=throughput,latency,journal,runloop` picks sections.
//!
//! Events carry integers (lots, ticks, minor units, catalog indices); turning them into
//! FIX decimals and names (`Event::cum_qty(&catalog)` …) is not timed here because in the
//! venue it happens on the session threads that write the reports, not on the matcher.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use engine::*;
use rust_decimal::Decimal;

const MID: i64 = 1_000_000; // ticks of 0.01 → 10000.00
const OWNERS: u32 = 1000;

fn cfg() -> VenueConfig {
    VenueConfig {
        default_maker_bps: Decimal::new(1, 0),
        default_taker_bps: Decimal::new(25, 1),
        assets: vec![
            AssetConfig {
                name: "USD".into(),
                precision: 6,
            },
            AssetConfig {
                name: "BTC".into(),
                precision: 8,
            },
        ],
        instruments: vec![InstrumentConfig {
            symbol: "BTC-USD".into(),
            base_asset: "BTC".into(),
            quote_asset: "USD".into(),
            tick_size: Decimal::new(1, 2),
            lot_size: Decimal::new(1, 3),
            min_qty: Decimal::new(1, 3),
            max_qty: None,
            max_notional: None,
        }],
        accounts: (0..OWNERS)
            .map(|i| AccountConfig {
                name: format!("acct{i}"),
                balances: vec![
                    ("USD".into(), Decimal::new(1_000_000_000, 0)),
                    ("BTC".into(), Decimal::new(1_000_000, 0)),
                ],
                maker_fee_bps: None,
                taker_fee_bps: None,
                self_trade: StpMode::CancelResting,
            })
            .collect(),
        owners: (0..OWNERS)
            .map(|i| OwnerConfig {
                owner: OwnerId(i),
                default_account: format!("acct{i}"),
                allowed_accounts: vec![],
            })
            .collect(),
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Live {
    v: Vec<(OrderId, u32, ClOrdId, Side)>,
    ix: HashMap<OrderId, usize>,
}

impl Live {
    fn remove(&mut self, id: OrderId) {
        if let Some(i) = self.ix.remove(&id) {
            self.v.swap_remove(i);
            if i < self.v.len() {
                self.ix.insert(self.v[i].0, i);
            }
        }
    }
}

/// Generate (prefill, main) command streams by driving a reference engine.
fn generate(n: usize) -> (Vec<Command>, Vec<Command>, f64) {
    let sym: Arc<str> = "BTC-USD".into();
    let mut e = Engine::new(&cfg()).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut live = Live {
        v: Vec::new(),
        ix: HashMap::new(),
    };
    let mut next_id = 0u64;
    let mut seq = 0;
    let mut out = Vec::new();
    let mut trades = 0usize;
    let price = |t: i64| Some(Decimal::new(t, 2));
    let qty = |l: i64| Decimal::new(l, 3);
    let mut gen = |rng: &mut Rng, live: &Live, prefill: bool| -> Command {
        next_id += 1;
        let cl: ClOrdId = next_id.to_string().into();
        let owner = rng.below(OWNERS as u64) as u32;
        let side = if rng.below(2) == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let passive = |rng: &mut Rng, side| match side {
            Side::Buy => MID - 1 - rng.below(300) as i64,
            Side::Sell => MID + 1 + rng.below(300) as i64,
        };
        let r = rng.below(100);
        let n = live.v.len();
        let kind = if prefill {
            0
        } else if r < 35 {
            if n > 6000 {
                1
            } else {
                0
            }
        } else if r < 70 {
            if n < 4000 {
                0
            } else {
                1
            }
        } else if r < 94 {
            2
        } else {
            3
        };
        match kind {
            0 => Command::New(NewOrder {
                owner: OwnerId(owner),
                cl_ord_id: cl,
                account: None,
                symbol: sym.clone(),
                side,
                ord_type: OrdType::Limit,
                tif: Tif::Gtc,
                qty: qty(1 + rng.below(100) as i64),
                price: price(passive(rng, side)),
            }),
            1 => {
                let (_, o, orig, s) = live.v[rng.below(n as u64) as usize].clone();
                Command::Cancel(Cancel {
                    owner: OwnerId(o),
                    cl_ord_id: cl,
                    orig_cl_ord_id: orig,
                    symbol: sym.clone(),
                    side: s,
                })
            }
            2 => {
                let (_, o, orig, s) = live.v[rng.below(n as u64) as usize].clone();
                let p = if rng.below(2) == 0 {
                    None
                } else {
                    price(passive(rng, s))
                };
                Command::Replace(Replace {
                    owner: OwnerId(o),
                    cl_ord_id: cl,
                    orig_cl_ord_id: orig,
                    symbol: sym.clone(),
                    side: s,
                    qty: qty(1 + rng.below(100) as i64),
                    price: p,
                })
            }
            _ => Command::New(NewOrder {
                owner: OwnerId(owner),
                cl_ord_id: cl,
                account: None,
                symbol: sym.clone(),
                side,
                ord_type: OrdType::Limit,
                tif: Tif::Ioc,
                qty: qty(1 + rng.below(50) as i64),
                price: price(if side == Side::Buy {
                    MID + 300
                } else {
                    MID - 300
                }),
            }),
        }
    };
    let mut step = |e: &mut Engine, live: &mut Live, c: &Command, trades: &mut usize| {
        seq += 1;
        out.clear();
        e.apply(seq, seq as i64, c, &mut out);
        if out.iter().any(|x| matches!(x.kind, EventKind::Fill { .. })) {
            *trades += 1;
        }
        for x in &out {
            match x.kind {
                EventKind::Accepted => {
                    live.ix.insert(x.order_id, live.v.len());
                    live.v
                        .push((x.order_id, x.owner.0, x.cl_ord_id.clone(), x.side));
                }
                EventKind::Replaced => {
                    if let Some(&i) = live.ix.get(&x.order_id) {
                        live.v[i].2 = x.cl_ord_id.clone();
                    }
                }
                _ => {}
            }
            if matches!(
                x.status,
                OrdStatus::Filled | OrdStatus::Canceled | OrdStatus::Expired
            ) {
                live.remove(x.order_id);
            }
        }
    };
    let mut pre = Vec::new();
    for _ in 0..5000 {
        let c = gen(&mut rng, &live, true);
        step(&mut e, &mut live, &c, &mut trades);
        pre.push(c);
    }
    trades = 0;
    let mut main = Vec::with_capacity(n);
    for i in 0..n {
        let c = if i % 100_000 == 99_999 {
            Command::EndOfDay
        } else {
            gen(&mut rng, &live, false)
        };
        step(&mut e, &mut live, &c, &mut trades);
        main.push(c);
    }
    (pre, main, trades as f64 / n as f64)
}

fn fresh(pre: &[Command]) -> Engine {
    let mut e = Engine::new(&cfg()).unwrap();
    let mut out = Vec::new();
    for (i, c) in pre.iter().enumerate() {
        e.apply(i as u64 + 1, i as i64 + 1, c, &mut out);
        out.clear();
    }
    e
}

/// `main` prepared for `e`, as `EngineHandle::submit` does on the gateway's threads
/// (not timed with the matcher; its cost is measured on its own).
fn prepared(e: &Engine, main: &[Command]) -> Vec<Prepared> {
    main.iter().map(|c| e.prepare(c.clone())).collect()
}

/// The throughput loop: apply each prepared command and drop its events, prefetching
/// for the command `ahead` places on (0: none). Not inlined, so a profiler can count
/// exactly this (`valgrind --tool=callgrind --toggle-collect=matching::timed_pass`).
#[inline(never)]
fn timed_pass(e: &mut Engine, main: &[Prepared], ahead: usize, out: &mut Vec<Event>) {
    let base = e.last_seq();
    for (i, p) in main.iter().enumerate() {
        if ahead > 0 {
            if let Some(next) = main.get(i + ahead) {
                e.prefetch(next);
            }
            if let Some(far) = main.get(i + engine::STREAM_AHEAD) {
                far.prefetch();
            }
        }
        e.apply_prepared(base + i as u64 + 1, 1_000_000 + i as i64, p, out);
        out.clear();
    }
}

fn section(name: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |s| s.split(',').any(|x| x.trim() == name))
}

fn pct(v: &mut [u64], p: f64) -> u64 {
    v.sort_unstable();
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("BENCH_CMDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let iters: usize = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let (pre, main, trade_ratio) = generate(n);
    println!(
        "mix: {} commands on a book of ~5000 resting orders, {:.1}% of commands trade",
        n,
        trade_ratio * 100.0
    );

    // 1. Throughput, no journal: one command at a time, then as the run loop applies
    // a batch (prefetching for the command `engine::PREFETCH_AHEAD` places ahead).
    // BENCH_AHEAD lists the distances to run instead, e.g. "4" or "2,4,8" (or "4,4"
    // for an A/A check); BENCH_ALTERNATE=1 takes their passes in turn instead of one
    // after the other: an A/B on this VM, whose speed drifts over seconds.
    let loops: Vec<usize> = match std::env::var("BENCH_AHEAD") {
        Ok(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => vec![0, engine::PREFETCH_AHEAD],
    };
    let alternate = std::env::var("BENCH_ALTERNATE").is_ok_and(|v| v == "1");
    let passes = if section("throughput") { iters } else { 0 };
    let order: Vec<usize> = if alternate {
        (0..passes).flat_map(|_| 0..loops.len()).collect()
    } else {
        (0..loops.len())
            .flat_map(|l| std::iter::repeat_n(l, passes))
            .collect()
    };
    let mut rates = vec![Vec::new(); loops.len()];
    let mut out = Vec::with_capacity(64);
    for l in order {
        let mut e = fresh(&pre);
        let ready = prepared(&e, &main);
        let t = Instant::now();
        timed_pass(&mut e, &ready, loops[l], &mut out);
        rates[l].push(n as f64 / t.elapsed().as_secs_f64());
    }
    // Alternated passes pair up, round by round: the median of each loop's ratio to
    // the first's in the same round is steadier than either median.
    let ratio_to_first: Vec<Option<f64>> = (0..loops.len())
        .map(|l| {
            let mut r: Vec<f64> = (rates[l].iter().zip(&rates[0]))
                .map(|(x, first)| x / first)
                .collect();
            r.sort_by(|a, b| a.partial_cmp(b).unwrap());
            (alternate && l > 0 && !r.is_empty()).then(|| r[r.len() / 2])
        })
        .collect();
    for ((how, rates), ratio) in loops.iter().zip(&mut rates).zip(ratio_to_first) {
        if rates.is_empty() {
            continue;
        }
        rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let how = match how {
            0 => "one at a time".to_string(),
            a => format!("prefetching {a} ahead"),
        };
        println!(
            "matching, no journal, {how}: median {:.2} M commands/s (min {:.2}, max {:.2}) over {iters} runs",
            rates[rates.len() / 2] / 1e6,
            rates[0] / 1e6,
            rates[rates.len() - 1] / 1e6
        );
        if let Some(r) = ratio {
            println!("  (median ratio to the first loop, pass by pass: {r:.3})");
        }
    }

    // What the submitting threads do for the matcher: prepare each command (symbol,
    // ticks, lots, account, id hashes). Each is cloned first, since preparing
    // consumes it; the clone (an atomic increment for the symbol) is in the figure.
    if section("throughput") {
        let e = fresh(&pre);
        let prep = e.preparer();
        let mut best = f64::MAX;
        for _ in 0..iters {
            let t = Instant::now();
            for c in &main {
                std::hint::black_box(prep.prepare(c.clone()));
            }
            best = best.min(t.elapsed().as_secs_f64() / n as f64);
        }
        println!(
            "preparing a command (done on the submitting thread, not the matcher): {:.0} ns (best of {iters} passes)",
            best * 1e9
        );
    }

    // 2. Per-command latency (each sample includes one `Instant::now()` pair, measured
    // below and reported, not subtracted). Median of `iters` runs of each percentile.
    if section("latency") {
        let mut timer = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
            .expect("histogram bounds");
        for _ in 0..100_000 {
            let t = Instant::now();
            timer.saturating_record(t.elapsed().as_nanos() as u64);
        }
        let mut runs = Vec::new();
        for _ in 0..iters {
            let mut e = fresh(&pre);
            let ready = prepared(&e, &main);
            let base = e.last_seq();
            let mut lat = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
                .expect("histogram bounds");
            for (i, p) in ready.iter().enumerate() {
                let t = Instant::now();
                e.apply_prepared(base + i as u64 + 1, 1_000_000 + i as i64, p, &mut out);
                out.clear();
                lat.saturating_record(t.elapsed().as_nanos() as u64);
            }
            runs.push(lat);
        }
        let med = |q: f64| {
            let mut v: Vec<u64> = runs.iter().map(|h| h.value_at_quantile(q)).collect();
            v.sort_unstable();
            v[v.len() / 2]
        };
        let max = runs.iter().map(|h| h.max()).min().unwrap_or(0);
        println!(
            "per-command latency, no journal: p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns (median of {iters} runs; timer overhead p50 {} ns)",
            med(0.5),
            med(0.99),
            med(0.999),
            max,
            timer.value_at_quantile(0.5)
        );
    }

    // 3. With the journal file and fsync per batch.
    let jn = n.min(300_000);
    for batch in [64usize, 1024] {
        if !section("journal") {
            break;
        }
        let dir = tempfile::tempdir().unwrap();
        let (mut e, mut j) = Engine::open(&cfg(), dir.path(), Durability::FsyncPerBatch).unwrap();
        let mut seqs = 0u64;
        for c in &pre {
            seqs += 1;
            j.append(seqs, seqs as i64, c).unwrap();
            e.apply(seqs, seqs as i64, c, &mut out);
            out.clear();
        }
        j.commit().unwrap();
        let mut blat = Vec::new();
        let t = Instant::now();
        for chunk in main[..jn].chunks(batch) {
            let bt = Instant::now();
            for c in chunk {
                seqs += 1;
                j.append(seqs, seqs as i64, c).unwrap();
                e.apply(seqs, seqs as i64, c, &mut out);
            }
            j.commit().unwrap();
            out.clear();
            blat.push(bt.elapsed().as_nanos() as u64);
        }
        let rate = jn as f64 / t.elapsed().as_secs_f64();
        let (b50, b99) = (pct(&mut blat, 0.5), pct(&mut blat, 0.99));
        println!(
            "journal + fsync per batch of {batch}: {:.3} M commands/s, batch latency p50 {:.1} µs, p99 {:.1} µs ({} commands)",
            rate / 1e6, b50 as f64 / 1e3, b99 as f64 / 1e3, jn
        );
    }

    // 4. Round trip through the run loop (submit → engine thread → sink), no journal.
    if !section("runloop") {
        return;
    }
    let rt = n.min(50_000);
    let (tx, rx) = crossbeam_channel::unbounded::<()>();
    let sink = move |_: &[Event]| {
        let _ = tx.send(());
    };
    let (h, join) = engine::spawn(fresh(&pre), None, sink, RunConfig::default()).unwrap();
    let mut rtl = Vec::with_capacity(rt);
    for c in main[..rt].iter() {
        let t = Instant::now();
        h.submit(1, c.clone()).unwrap();
        // The client polls, as a gateway's hot loop would, so only the venue is measured.
        while rx.try_recv().is_err() {
            std::hint::spin_loop();
        }
        rtl.push(t.elapsed().as_nanos() as u64);
    }
    h.shutdown();
    join.join().unwrap().unwrap();
    let (r50, r99) = (pct(&mut rtl, 0.5), pct(&mut rtl, 0.99));
    println!("run-loop round trip (submit → apply → publish), no journal: p50 {:.1} µs, p99 {:.1} µs ({rt} commands)", r50 as f64 / 1e3, r99 as f64 / 1e3);
}
