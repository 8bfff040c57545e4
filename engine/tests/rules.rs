//! Worked examples, one per rule.

mod common;

use common::*;
use engine::*;
use CancelCause::*;
use EventKind::*;
use Side::*;
use Tif::*;

const BTC: &str = "BTC-USD";
const ETH: &str = "ETH-USD";

fn rej(r: RejectReason) -> EventKind {
    Rejected { reason: r }
}

fn sim() -> Sim {
    Sim::new(&std_venue())
}

fn fill(l: Liquidity, t: u64) -> EventKind {
    Fill {
        liquidity: l,
        trade_id: t,
    }
}

#[test]
fn refusals_with_reasons() {
    let mut s = sim();
    assert_eq!(
        s.kinds(limit(1, "a", "XXX", Buy, "1", "1", Day)),
        [rej(RejectReason::UnknownSymbol)]
    );
    assert_eq!(
        s.kinds(limit(1, "b", BTC, Buy, "1", "100.001", Day)),
        [rej(RejectReason::PriceOffTick)]
    );
    assert_eq!(
        s.kinds(limit(1, "c", BTC, Buy, "1.0001", "100", Day)),
        [rej(RejectReason::QtyOffLot)]
    );
    assert_eq!(
        s.kinds(limit(1, "d", ETH, Buy, "0.055", "100", Day)),
        [rej(RejectReason::QtyOffLot)]
    );
    assert_eq!(
        s.kinds(limit(1, "e", ETH, Buy, "0.09", "100", Day)),
        [rej(RejectReason::BelowMinQty)]
    );
    assert_eq!(
        s.kinds(limit(1, "f", BTC, Buy, "101", "1", Day)),
        [rej(RejectReason::AboveMaxQty)]
    );
    assert_eq!(
        s.kinds(limit(1, "g", BTC, Buy, "50", "30000", Day)),
        [rej(RejectReason::AboveMaxNotional)]
    );
    assert_eq!(
        s.kinds(limit(1, "h", BTC, Buy, "1", "0", Day)),
        [rej(RejectReason::InvalidPrice)]
    );
    assert_eq!(
        s.kinds(limit(1, "i", BTC, Buy, "0", "10", Day)),
        [rej(RejectReason::InvalidQty)]
    );
    let mut m = limit(1, "j", BTC, Buy, "1", "10", Day);
    if let Command::New(n) = &mut m {
        n.price = None;
    }
    assert_eq!(s.kinds(m), [rej(RejectReason::MissingPrice)]);
    let mut m = market(1, "k", BTC, Buy, "1", Ioc);
    if let Command::New(n) = &mut m {
        n.price = Some(d("1"));
    }
    assert_eq!(s.kinds(m), [rej(RejectReason::UnexpectedPrice)]);
    // 10 BTC at 10000 = 100000 USD plus fee > 100000 available.
    assert_eq!(
        s.kinds(limit(1, "l", BTC, Buy, "10", "10000", Day)),
        [rej(RejectReason::InsufficientFunds)]
    );
    assert_eq!(
        s.kinds(limit(1, "m", BTC, Sell, "10.001", "10000", Day)),
        [rej(RejectReason::InsufficientFunds)]
    );
    let ev = s.run(limit(1, "n", BTC, Buy, "1", "100.001", Day));
    assert_eq!(ev[0].status, OrdStatus::Rejected);
    assert_eq!(ev[0].order_id, 0);
    assert!(ev[0].exec_id > 0);
    assert_eq!(RejectReason::InsufficientFunds.ord_rej_reason(), 3);
    assert!(!RejectReason::PriceOffTick.text().is_empty());
}

#[test]
fn rejects_follow_precedence() {
    let mut s = sim();
    // Unknown symbol wins over a bad price and quantity.
    assert_eq!(
        s.kinds(limit(1, "a", "XXX", Buy, "0", "-1", Day)),
        [rej(RejectReason::UnknownSymbol)]
    );
    s.run(limit(1, "x", BTC, Buy, "1", "100", Day));
    // Duplicate wins over a bad tick.
    assert_eq!(
        s.kinds(limit(1, "x", BTC, Buy, "1", "100.001", Day)),
        [rej(RejectReason::DuplicateClOrdId)]
    );
    // Tick before lot, lot before funds.
    assert_eq!(
        s.kinds(limit(1, "b", BTC, Buy, "1.0001", "100.001", Day)),
        [rej(RejectReason::PriceOffTick)]
    );
    assert_eq!(
        s.kinds(limit(1, "c", BTC, Buy, "99.0001", "10000", Day)),
        [rej(RejectReason::QtyOffLot)]
    );
}

#[test]
fn accounts_default_allowed_and_unknown() {
    let mut s = sim();
    let with = |acct: &str, cl: &str| {
        let mut c = limit(1, cl, BTC, Buy, "1", "100", Day);
        if let Command::New(n) = &mut c {
            n.account = Some(acct.into());
        }
        c
    };
    assert_eq!(s.kinds(with("A2", "a")), [Accepted]);
    assert_eq!(s.e.order(OwnerId(1), "a").unwrap().account.as_ref(), "A2");
    assert_eq!(
        s.kinds(with("B", "b")),
        [rej(RejectReason::AccountNotAllowed)]
    );
    assert_eq!(
        s.kinds(with("ZZ", "c")),
        [rej(RejectReason::UnknownAccount)]
    );
    assert_eq!(
        s.kinds(limit(9, "d", BTC, Buy, "1", "100", Day)),
        [rej(RejectReason::AccountNotAllowed)]
    );
    s.run(limit(1, "e", BTC, Buy, "1", "100", Day));
    assert_eq!(s.e.order(OwnerId(1), "e").unwrap().account.as_ref(), "A");
}

#[test]
fn buy_holds_value_plus_largest_fee_sell_holds_base() {
    let mut s = sim();
    s.run(limit(1, "b", BTC, Buy, "1", "10000", Day));
    // 10000 + 2.5 bp (taker > maker) = 10002.50
    assert_eq!(s.e.held("A", "USD"), Some(d("10002.5")));
    assert_eq!(s.e.available("A", "USD"), Some(d("89997.5")));
    s.run(limit(1, "s", BTC, Sell, "2", "20000", Day));
    assert_eq!(s.e.held("A", "BTC"), Some(d("2")));
    s.run(cancel(1, "c1", "b", BTC, Buy));
    s.run(cancel(1, "c2", "s", BTC, Sell));
    assert_eq!(s.e.held("A", "USD"), Some(d("0")));
    assert_eq!(s.e.held("A", "BTC"), Some(d("0")));
}

#[test]
fn match_settles_both_sides_with_fees() {
    let mut s = sim();
    s.run(limit(1, "ask", BTC, Sell, "1", "10000", Gtc));
    let ev = s.run(limit(2, "bid", BTC, Buy, "1", "10000", Day));
    let k: Vec<_> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        k,
        [
            Accepted,
            fill(Liquidity::Taker, 1),
            fill(Liquidity::Maker, 1)
        ]
    );
    let (t, m) = (&ev[1], &ev[2]);
    assert_eq!((t.owner, m.owner), (OwnerId(2), OwnerId(1)));
    assert_eq!(t.cl_ord_id.as_ref(), "bid");
    assert_eq!(m.cl_ord_id.as_ref(), "ask");
    let cat = s.e.catalog();
    assert_eq!((t.last_qty(&cat), t.last_px(&cat)), (d("1"), d("10000")));
    assert_eq!(t.fee(&cat), d("2.5"));
    assert_eq!(m.fee(&cat), d("1"));
    assert_eq!(t.fee_asset(&cat), Some("USD"));
    assert_eq!((t.status, m.status), (OrdStatus::Filled, OrdStatus::Filled));
    assert_eq!(t.avg_px(&cat), d("10000"));
    assert_eq!(t.leaves_qty(&cat), d("0"));
    assert_ne!(t.exec_id, m.exec_id);
    assert_eq!(s.e.balance("B", "USD"), Some(d("89997.5")));
    assert_eq!(s.e.balance("B", "BTC"), Some(d("11")));
    assert_eq!(s.e.balance("A", "USD"), Some(d("109999")));
    assert_eq!(s.e.balance("A", "BTC"), Some(d("9")));
    assert_eq!(s.e.fees_collected("USD"), Some(d("3.5")));
}

#[test]
fn fee_rounds_up_to_quote_precision() {
    let mut s = sim();
    // 0.1 ETH at 0.05 = 0.005 USD; taker 2.5 bp = 0.00000125 → 0.000002; maker 1 bp = 0.0000005 → 0.000001.
    s.run(limit(1, "a", ETH, Sell, "0.1", "0.05", Day));
    let ev = s.run(limit(2, "b", ETH, Buy, "0.1", "0.05", Day));
    let cat = s.e.catalog();
    assert_eq!(ev[1].fee(&cat), d("0.000002"));
    assert_eq!(ev[2].fee(&cat), d("0.000001"));
    assert_eq!(s.e.fees_collected("USD"), Some(d("0.000003")));
}

#[test]
fn price_improvement_releases_hold_and_trades_at_resting_price() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Sell, "1", "9000", Day));
    let ev = s.run(limit(2, "b", BTC, Buy, "1", "10000", Day));
    assert_eq!(ev[1].last_px(&s.e.catalog()), d("9000"));
    assert_eq!(s.e.held("B", "USD"), Some(d("0")));
    assert_eq!(s.e.balance("B", "USD"), Some(d("90997.75")));
}

#[test]
fn price_time_priority_and_partial_fills() {
    let mut s = sim();
    s.run(limit(1, "a1", BTC, Sell, "1", "101", Day));
    s.run(limit(3, "c1", BTC, Sell, "1", "100", Day));
    s.run(limit(1, "a2", BTC, Sell, "1", "100", Day));
    let ev = s.run(limit(2, "b", BTC, Buy, "2.5", "101", Day));
    let makers: Vec<_> = ev
        .iter()
        .filter(|e| e.owner != OwnerId(2))
        .map(|e| e.cl_ord_id.to_string())
        .collect();
    assert_eq!(makers, ["c1", "a2", "a1"]);
    let last = ev.iter().rfind(|e| e.owner == OwnerId(2)).unwrap();
    assert_eq!(last.status, OrdStatus::Filled);
    assert_eq!(last.avg_px(&s.e.catalog()), d("100.2"));
    let a1 = s.e.order(OwnerId(1), "a1").unwrap();
    assert_eq!(
        (a1.status, a1.cum_qty, a1.leaves_qty),
        (OrdStatus::PartiallyFilled, d("0.5"), d("0.5"))
    );
}

#[test]
fn ioc_fok_and_market_remainders() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Sell, "1", "100", Day));
    let k = s.kinds(limit(2, "ioc", BTC, Buy, "2", "100", Ioc));
    assert_eq!(
        k,
        [
            Accepted,
            fill(Liquidity::Taker, 1),
            fill(Liquidity::Maker, 1),
            Canceled { cause: Unfilled }
        ]
    );
    assert_eq!(s.e.held("B", "USD"), Some(d("0")));
    s.run(limit(1, "a2", BTC, Sell, "1", "100", Day));
    assert_eq!(
        s.kinds(limit(2, "fok", BTC, Buy, "2", "100", Fok)),
        [Accepted, Canceled { cause: FokUnfilled }]
    );
    assert_eq!(s.e.book_side(BTC, Sell).len(), 1);
    let k = s.kinds(limit(2, "fok2", BTC, Buy, "1", "100", Fok));
    assert_eq!(
        k,
        [
            Accepted,
            fill(Liquidity::Taker, 2),
            fill(Liquidity::Maker, 2)
        ]
    );
    // Market sell into an empty bid side: accepted then canceled.
    assert_eq!(
        s.kinds(market(1, "m", BTC, Sell, "1", Day)),
        [Accepted, Canceled { cause: Unfilled }]
    );
    assert_eq!(s.e.held("A", "BTC"), Some(d("0")));
}

#[test]
fn market_buy_stops_when_funds_run_out() {
    let mut cfg = std_venue();
    cfg.accounts[1].balances = vec![("USD".into(), d("150"))];
    let mut s = Sim::new(&cfg);
    s.run(limit(1, "a", BTC, Sell, "1", "10000", Day));
    let ev = s.run(market(2, "m", BTC, Buy, "1", Ioc));
    let k: Vec<_> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        k,
        [
            Accepted,
            fill(Liquidity::Taker, 1),
            fill(Liquidity::Maker, 1),
            Canceled {
                cause: FundsExhausted
            }
        ]
    );
    // 14 lots of 0.001 at 10000 cost 10.0025 each.
    assert_eq!(ev[1].last_qty(&s.e.catalog()), d("0.014"));
    assert_eq!(s.e.balance("B", "USD"), Some(d("9.965")));
    assert_eq!(s.e.balance("B", "BTC"), Some(d("0.014")));
    // Nothing available: refused.
    let mut cfg = std_venue();
    cfg.accounts[1].balances = vec![];
    let mut s = Sim::new(&cfg);
    assert_eq!(
        s.kinds(market(2, "m", BTC, Buy, "1", Ioc)),
        [rej(RejectReason::InsufficientFunds)]
    );
}

#[test]
fn cancel_rules() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Buy, "1", "100", Day));
    let cr = |r| CancelRejected {
        reason: r,
        response_to: ResponseTo::Cancel,
    };
    assert_eq!(
        s.kinds(cancel(1, "c0", "zz", BTC, Buy)),
        [cr(RejectReason::UnknownOrder)]
    );
    assert_eq!(
        s.kinds(cancel(2, "c1", "a", BTC, Buy)),
        [cr(RejectReason::UnknownOrder)]
    );
    assert_eq!(
        s.kinds(cancel(1, "c2", "a", ETH, Buy)),
        [cr(RejectReason::SymbolMismatch)]
    );
    assert_eq!(
        s.kinds(cancel(1, "c3", "a", BTC, Sell)),
        [cr(RejectReason::SideMismatch)]
    );
    assert_eq!(
        s.kinds(cancel(1, "a", "a", BTC, Buy)),
        [cr(RejectReason::DuplicateClOrdId)]
    );
    let ev = s.run(cancel(1, "c4", "a", BTC, Buy));
    assert_eq!(ev[0].kind, Canceled { cause: Requested });
    assert_eq!(ev[0].cl_ord_id.as_ref(), "c4");
    assert_eq!(ev[0].orig_cl_ord_id.as_deref(), Some("a"));
    assert_eq!(ev[0].status, OrdStatus::Canceled);
    assert_eq!(s.e.held("A", "USD"), Some(d("0")));
    assert_eq!(
        s.kinds(cancel(1, "c5", "a", BTC, Buy)),
        [cr(RejectReason::TooLateToCancel)]
    );
    // The cancel's id joined the chain.
    assert_eq!(
        s.e.order(OwnerId(1), "c4").unwrap().status,
        OrdStatus::Canceled
    );
}

#[test]
fn replace_priority_rules() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Sell, "2", "100", Day));
    s.run(limit(3, "c", BTC, Sell, "1", "100", Day));
    let queue = |s: &Sim| {
        s.e.book_side(BTC, Sell)
            .iter()
            .map(|o| o.cl_ord_id.to_string())
            .collect::<Vec<_>>()
    };
    // Reduce at the same price: keeps its place.
    assert_eq!(
        s.kinds(replace(1, "a1", "a", BTC, Sell, "1.5", None)),
        [Replaced]
    );
    assert_eq!(queue(&s), ["a1", "c"]);
    assert_eq!(s.e.held("A", "BTC"), Some(d("1.5")));
    // Increase: to the back.
    s.run(replace(1, "a2", "a1", BTC, Sell, "1.6", None));
    assert_eq!(queue(&s), ["c", "a2"]);
    // Price change: to the back of the new level.
    s.run(replace(3, "c1", "c", BTC, Sell, "1", Some("100.5")));
    s.run(replace(1, "a3", "a2", BTC, Sell, "1.6", Some("100.5")));
    assert_eq!(queue(&s), ["c1", "a3"]);
    // Any id in the chain finds the order; replace needs the latest.
    assert_eq!(s.e.order(OwnerId(1), "a").unwrap().cl_ord_id.as_ref(), "a3");
    assert_eq!(
        s.kinds(replace(1, "a4", "a1", BTC, Sell, "1", None)),
        [CancelRejected {
            reason: RejectReason::NotLatestClOrdId,
            response_to: ResponseTo::Replace
        }]
    );
    let o = s.e.order(OwnerId(1), "a3").unwrap();
    assert_eq!(o.orig_cl_ord_id.as_deref(), Some("a2"));
}

#[test]
fn replace_to_filled_qty_ends_order_and_crossing_replace_trades() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Sell, "2", "100", Day));
    s.run(limit(2, "b", BTC, Buy, "0.5", "100", Day));
    let ev = s.run(replace(1, "a1", "a", BTC, Sell, "0.5", None));
    assert_eq!(ev[0].kind, Replaced);
    assert_eq!(ev[0].status, OrdStatus::Filled);
    assert_eq!(s.e.held("A", "BTC"), Some(d("0")));
    assert!(s.e.book_side(BTC, Sell).is_empty());
    s.run(limit(1, "x", BTC, Sell, "1", "105", Day));
    s.run(limit(2, "y", BTC, Buy, "1", "100", Day));
    let k = s.kinds(replace(2, "y1", "y", BTC, Buy, "1", Some("105")));
    assert_eq!(
        k,
        [
            Replaced,
            fill(Liquidity::Taker, 2),
            fill(Liquidity::Maker, 2)
        ]
    );
}

#[test]
fn unaffordable_replace_is_refused_and_order_unchanged() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Buy, "5", "10000", Day));
    let before = s.e.order(OwnerId(1), "a").unwrap();
    let held = s.e.held("A", "USD");
    assert_eq!(
        s.kinds(replace(1, "a1", "a", BTC, Buy, "10", None)),
        [CancelRejected {
            reason: RejectReason::InsufficientFunds,
            response_to: ResponseTo::Replace
        }]
    );
    assert_eq!(s.e.order(OwnerId(1), "a").unwrap(), before);
    assert_eq!(s.e.held("A", "USD"), held);
    // The refused id is used up.
    assert_eq!(
        s.kinds(limit(1, "a1", BTC, Buy, "1", "1", Day)),
        [rej(RejectReason::DuplicateClOrdId)]
    );
}

#[test]
fn self_trade_prevention_modes() {
    for (mode, expect_rest, expect_agg) in [
        (StpMode::CancelResting, true, false),
        (StpMode::CancelAggressor, false, true),
        (StpMode::CancelBoth, true, true),
    ] {
        let cfg = venue(
            &[("A", mode), ("B", StpMode::CancelResting)],
            &[(1, "A", &[]), (2, "B", &[])],
        );
        let mut s = Sim::new(&cfg);
        s.run(limit(1, "own", BTC, Sell, "1", "100", Day));
        s.run(limit(2, "other", BTC, Sell, "1", "101", Day));
        let ev = s.run(limit(1, "agg", BTC, Buy, "1", "101", Day));
        let canceled: Vec<_> = ev
            .iter()
            .filter(|e| e.kind == Canceled { cause: SelfTrade })
            .map(|e| e.cl_ord_id.to_string())
            .collect();
        assert_eq!(
            canceled.contains(&"own".to_string()),
            expect_rest,
            "{mode:?}"
        );
        assert_eq!(
            canceled.contains(&"agg".to_string()),
            expect_agg,
            "{mode:?}"
        );
        let traded = ev.iter().any(|e| matches!(e.kind, Fill { .. }));
        assert_eq!(traded, mode == StpMode::CancelResting, "{mode:?}");
        assert!(ev
            .iter()
            .all(|e| !(matches!(e.kind, Fill { .. }) && e.cl_ord_id.as_ref() == "own")));
    }
}

#[test]
fn duplicate_ids_per_owner_and_end_of_day() {
    let mut s = sim();
    s.run(limit(1, "day", BTC, Buy, "1", "100", Day));
    s.run(limit(1, "gtc", BTC, Buy, "1", "100", Gtc));
    assert_eq!(
        s.kinds(limit(2, "day", BTC, Buy, "1", "100", Day)),
        [Accepted]
    );
    assert_eq!(
        s.kinds(limit(1, "day", BTC, Buy, "1", "100", Day)),
        [rej(RejectReason::DuplicateClOrdId)]
    );
    let ev = s.run(Command::EndOfDay);
    assert_eq!(ev.iter().filter(|e| e.kind == Expired).count(), 2);
    assert!(ev.iter().all(|e| e.status == OrdStatus::Expired));
    assert_eq!(s.e.held("A", "USD"), Some(d("100.025")));
    assert_eq!(s.e.book_side(BTC, Buy).len(), 1);
    // A new day: yesterday's ids are free, a live GTC order's id is not.
    assert_eq!(
        s.kinds(limit(1, "day", BTC, Buy, "1", "100", Day)),
        [Accepted]
    );
    assert_eq!(
        s.kinds(limit(1, "gtc", BTC, Buy, "1", "100", Day)),
        [rej(RejectReason::DuplicateClOrdId)]
    );
}

#[test]
fn status_is_read_only() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Buy, "1", "100", Day));
    s.run(replace(1, "a1", "a", BTC, Buy, "2", None));
    let seq = s.e.last_seq();
    let hash = s.e.state_hash();
    let q = |owner, cl: Option<&str>, id| {
        Command::Status(StatusQuery {
            owner: OwnerId(owner),
            cl_ord_id: cl.map(Into::into),
            order_id: id,
            symbol: None,
            side: None,
        })
    };
    let ev = s.run(q(1, Some("a"), None));
    assert_eq!(ev[0].kind, Status);
    assert_eq!(
        (
            ev[0].cl_ord_id.as_ref(),
            ev[0].order_qty(&s.e.catalog()),
            ev[0].exec_id
        ),
        ("a1", d("2"), 0)
    );
    let id = ev[0].order_id;
    assert_eq!(s.run(q(1, None, Some(id)))[0].kind, Status);
    assert_eq!(
        s.run(q(2, None, Some(id)))[0].kind,
        StatusRejected {
            reason: RejectReason::UnknownOrder
        }
    );
    assert_eq!(
        s.run(q(1, Some("nope"), None))[0].kind,
        StatusRejected {
            reason: RejectReason::UnknownOrder
        }
    );
    assert_eq!((s.e.last_seq(), s.e.state_hash()), (seq, hash));
}

#[test]
fn ids_are_unique_and_event_order_is_fixed() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Sell, "1", "100", Day));
    s.run(limit(3, "c", BTC, Sell, "1", "100", Day));
    let ev = s.run(limit(2, "b", BTC, Buy, "3", "100", Ioc));
    let k: Vec<_> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        k,
        [
            Accepted,
            fill(Liquidity::Taker, 1),
            fill(Liquidity::Maker, 1),
            fill(Liquidity::Taker, 2),
            fill(Liquidity::Maker, 2),
            Canceled { cause: Unfilled }
        ]
    );
    let mut ids: Vec<_> = ev.iter().map(|e| e.exec_id).collect();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(ev.iter().all(|e| e.seq == 3));
}

#[test]
fn config_is_validated() {
    let mut c = std_venue();
    c.assets[0].precision = 2; // tick 0.01 × lot 0.001 is finer than cents
    assert!(matches!(
        Engine::new(&c),
        Err(ConfigError::Instrument { .. })
    ));
    let mut c = std_venue();
    c.owners[0].default_account = "nobody".into();
    assert!(matches!(
        Engine::new(&c),
        Err(ConfigError::UnknownAccount { .. })
    ));
    let mut c = std_venue();
    c.default_taker_bps = d("0.001");
    assert!(matches!(Engine::new(&c), Err(ConfigError::Fee(_))));
}

#[test]
fn every_refused_order_uses_up_its_client_id() {
    let mut s = sim();
    assert_eq!(
        s.kinds(limit(1, "x", "NOPE", Buy, "1", "100", Day)),
        [rej(RejectReason::UnknownSymbol)]
    );
    assert_eq!(
        s.kinds(limit(1, "x", BTC, Buy, "1", "100", Day)),
        [rej(RejectReason::DuplicateClOrdId)]
    );
}

#[test]
fn cancel_must_name_the_latest_client_id() {
    let mut s = sim();
    s.run(limit(1, "a", BTC, Buy, "1", "100", Gtc));
    s.run(replace(1, "a1", "a", BTC, Buy, "2", None));
    let ev = s.run(cancel(1, "c1", "a", BTC, Buy));
    assert_eq!(
        ev[0].kind,
        CancelRejected {
            reason: RejectReason::NotLatestClOrdId,
            response_to: ResponseTo::Cancel
        }
    );
    assert_eq!(
        s.kinds(cancel(1, "c2", "a1", BTC, Buy)),
        [Canceled {
            cause: CancelCause::Requested
        }]
    );
}

/// A prepared command carries its preparer's findings (ticks, lots, account); an
/// engine given one prepared under another configuration prepares it again, so it
/// answers by its own rules.
#[test]
fn commands_prepared_elsewhere_are_prepared_again() {
    let mut coarse = std_venue();
    for i in &mut coarse.instruments {
        i.tick_size = d("10");
    }
    let elsewhere = Engine::new(&coarse).unwrap();
    let mut s = sim();
    let mut out = Vec::new();
    // Off the other venue's tick, on this one's.
    let p = elsewhere.prepare(limit(1, "a", BTC, Buy, "1", "101", Day));
    s.e.apply_prepared(1, 1, &p, &mut out);
    assert_eq!(out.iter().map(|e| e.kind).collect::<Vec<_>>(), [Accepted]);
    // Prepared here, the same check refuses it.
    out.clear();
    let mut c = Sim::new(&coarse);
    let p = c.e.prepare(limit(1, "b", BTC, Buy, "1", "101", Day));
    c.e.apply_prepared(1, 1, &p, &mut out);
    assert_eq!(
        out.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [rej(RejectReason::PriceOffTick)]
    );
    assert_eq!(p.command(), &limit(1, "b", BTC, Buy, "1", "101", Day));
}
