//! The venue end to end over FIX: real acceptor, engine thread, file stores
//! and journal; clients are plain FIX initiators.

mod common;

use std::str::FromStr;
use std::time::Duration;

use common::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn two_sessions_trade_and_both_sides_get_their_reports() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut seller = v.client(1);
    let mut buyer = v.client(2);

    order(&mut seller, "S1", "2", "1.5", Some("50000"), "1");
    let ack = report(&mut seller, "S1");
    assert_fields(
        &ack,
        &[
            (35, "8"),
            (150, "0"),
            (39, "0"),
            (20, "0"),
            (14, "0"),
            (151, "1.5"),
            (38, "1.5"),
            (44, "50000"),
            (54, "2"),
            (55, "BTC-USD"),
            (1, "ACC1"),
            (59, "1"),
        ],
    );
    assert!(ack.get(37).is_some() && ack.get(17).is_some() && ack.get(60).is_some());

    // An IOC buy for 2 at 50001 fills 1.5 at the resting price; the rest is canceled.
    order(&mut buyer, "B1", "1", "2", Some("50001"), "3");
    let b_ack = report(&mut buyer, "B1");
    assert_fields(&b_ack, &[(150, "0"), (39, "0"), (151, "2")]);
    let b_fill = report(&mut buyer, "B1");
    assert_fields(
        &b_fill,
        &[
            (150, "1"),
            (39, "1"),
            (32, "1.5"),
            (31, "50000"),
            (14, "1.5"),
            (151, "0.5"),
            (6, "50000"),
            (12, "18.75"),
            (13, "3"),
        ],
    );
    let b_cxl = report(&mut buyer, "B1");
    assert_fields(&b_cxl, &[(150, "4"), (39, "4"), (14, "1.5"), (151, "0")]);

    // The passive side hears of its fill too, with the maker fee.
    let s_fill = report(&mut seller, "S1");
    assert_fields(
        &s_fill,
        &[
            (150, "2"),
            (39, "2"),
            (32, "1.5"),
            (31, "50000"),
            (14, "1.5"),
            (151, "0"),
            (6, "50000"),
            (12, "7.5"),
            (13, "3"),
        ],
    );
    // ExecIDs are unique venue-wide.
    let ids = [
        ack.get(17),
        b_ack.get(17),
        b_fill.get(17),
        b_cxl.get(17),
        s_fill.get(17),
    ];
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            assert_ne!(a, b);
        }
    }

    let engine = v.stop();
    engine.check_invariants().unwrap();
    // Balances to the last unit: the seller got 75000 - 7.5, the buyer paid 75000 + 18.75.
    assert_eq!(engine.balance("ACC1", "USD"), Some(d("1074992.5")));
    assert_eq!(engine.balance("ACC1", "BTC"), Some(d("98.5")));
    assert_eq!(engine.balance("ACC2", "USD"), Some(d("924981.25")));
    assert_eq!(engine.balance("ACC2", "BTC"), Some(d("101.5")));
    assert_eq!(engine.held("ACC2", "USD"), Some(Decimal::ZERO));
    assert_eq!(engine.fees_collected("USD"), Some(d("26.25")));
}

#[test]
fn cancel_replace_and_status_follow_the_clordid_chain() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut c = v.client(1);
    order(&mut c, "A1", "1", "2", Some("100"), "0");
    let ack = report(&mut c, "A1");
    let order_id = ack.get(37).unwrap().to_owned();

    let t = now();
    c.send(
        "G",
        &[
            (11, "A2"),
            (41, "A1"),
            (21, "1"),
            (55, "BTC-USD"),
            (54, "1"),
            (60, &t),
            (40, "2"),
            (38, "3"),
            (44, "101"),
        ],
    )
    .unwrap();
    let rep = report(&mut c, "A2");
    assert_fields(
        &rep,
        &[
            (35, "8"),
            (150, "5"),
            (39, "0"),
            (41, "A1"),
            (38, "3"),
            (44, "101"),
            (151, "3"),
            (37, &order_id),
        ],
    );

    // Replacing from a ClOrdID that is no longer the latest is refused.
    c.send(
        "G",
        &[
            (11, "A3"),
            (41, "A1"),
            (21, "1"),
            (55, "BTC-USD"),
            (54, "1"),
            (60, &t),
            (40, "2"),
            (38, "4"),
            (44, "101"),
        ],
    )
    .unwrap();
    let rej = report(&mut c, "A3");
    assert_fields(&rej, &[(35, "9"), (434, "2"), (41, "A1"), (37, &order_id)]);

    // Status by the first ClOrdID of the chain answers with the latest.
    c.send("H", &[(11, "A1"), (55, "BTC-USD"), (54, "1")])
        .unwrap();
    let st = c.expect(WAIT, |m| m.get(20) == Some("3")).unwrap();
    assert_fields(
        &st,
        &[
            (150, "0"),
            (39, "0"),
            (11, "A2"),
            (38, "3"),
            (151, "3"),
            (14, "0"),
            (37, &order_id),
        ],
    );

    c.send(
        "F",
        &[(11, "A4"), (41, "A2"), (55, "BTC-USD"), (54, "1"), (60, &t)],
    )
    .unwrap();
    let cxl = report(&mut c, "A4");
    assert_fields(
        &cxl,
        &[(35, "8"), (150, "4"), (39, "4"), (41, "A2"), (151, "0")],
    );

    // Too late: the order is done.
    c.send(
        "F",
        &[(11, "A5"), (41, "A4"), (55, "BTC-USD"), (54, "1"), (60, &t)],
    )
    .unwrap();
    let late = report(&mut c, "A5");
    assert_fields(&late, &[(35, "9"), (434, "1"), (102, "0"), (39, "4")]);
    // Unknown order.
    c.send(
        "F",
        &[
            (11, "A6"),
            (41, "NOPE"),
            (55, "BTC-USD"),
            (54, "1"),
            (60, &t),
        ],
    )
    .unwrap();
    let unknown = report(&mut c, "A6");
    assert_fields(
        &unknown,
        &[(35, "9"), (37, "NONE"), (39, "8"), (102, "1"), (434, "1")],
    );
    // Status of an unknown order.
    c.send("H", &[(11, "ZZ"), (55, "BTC-USD"), (54, "1")])
        .unwrap();
    let st = report(&mut c, "ZZ");
    assert_fields(&st, &[(20, "3"), (39, "8"), (58, "Unknown order")]);
    v.stop().check_invariants().unwrap();
}

#[test]
fn refusals_carry_ordrejreason_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut c = v.client(1);
    let t = now();
    // (ClOrdID, fields, expected OrdRejReason)
    type Case<'a> = (&'a str, Vec<(u32, &'a str)>, &'a str);
    let cases: &[Case] = &[
        (
            "R1",
            vec![(55, "DOGE-USD"), (54, "1"), (40, "2"), (38, "1"), (44, "1")],
            "1",
        ),
        (
            "R2",
            vec![
                (55, "BTC-USD"),
                (54, "1"),
                (40, "2"),
                (38, "1"),
                (44, "100.001"),
            ],
            "0",
        ),
        (
            "R3",
            vec![
                (55, "BTC-USD"),
                (54, "1"),
                (40, "2"),
                (38, "0.00001"),
                (44, "100"),
            ],
            "0",
        ),
        (
            "R4",
            vec![
                (55, "BTC-USD"),
                (54, "1"),
                (40, "2"),
                (38, "900"),
                (44, "50000"),
            ],
            "3",
        ),
        (
            "R5",
            vec![
                (55, "BTC-USD"),
                (54, "1"),
                (40, "2"),
                (38, "1"),
                (44, "100"),
                (1, "ACC2"),
            ],
            "0",
        ),
    ];
    for (cl, fields, reason) in cases {
        let mut f: Vec<(u32, &str)> = vec![(11, cl), (21, "1"), (60, &t)];
        f.extend(fields.iter().copied());
        c.send("D", &f).unwrap();
        let r = report(&mut c, cl);
        assert_fields(&r, &[(150, "8"), (39, "8"), (103, reason)]);
        assert!(r.get(58).is_some_and(|t| t.len() > 10), "{}", r.display());
    }
    // A ClOrdID used today is a duplicate, even the one of a refused order.
    order(&mut c, "R1", "1", "1", Some("100"), "0");
    let dup = report(&mut c, "R1");
    assert_fields(&dup, &[(39, "8"), (103, "6")]);
    // A side the venue does not trade is refused by the gateway.
    c.send(
        "D",
        &[
            (11, "R6"),
            (21, "1"),
            (55, "BTC-USD"),
            (54, "5"),
            (60, &t),
            (40, "2"),
            (38, "1"),
            (44, "100"),
        ],
    )
    .unwrap();
    assert_fields(&report(&mut c, "R6"), &[(39, "8"), (150, "8")]);
    // Unsupported message types get a BusinessMessageReject.
    c.send("E", &[(66, "L1"), (394, "3"), (68, "0"), (73, "0")])
        .unwrap();
    let bmr = c.expect(WAIT, |m| m.msg_type() == "j").unwrap();
    assert_fields(&bmr, &[(380, "3"), (372, "E")]);
    v.stop().check_invariants().unwrap();
}

#[test]
fn fok_that_cannot_fill_is_canceled_without_fills() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut s = v.client(1);
    let mut b = v.client(2);
    order(&mut s, "S1", "2", "1", Some("100"), "1");
    report(&mut s, "S1");
    order(&mut b, "F1", "1", "2", Some("100"), "4");
    assert_fields(&report(&mut b, "F1"), &[(150, "0")]);
    assert_fields(
        &report(&mut b, "F1"),
        &[(150, "4"), (39, "4"), (14, "0"), (151, "0")],
    );
    let engine = v.stop();
    assert_eq!(engine.balance("ACC2", "BTC"), Some(d("100")));
}

#[test]
fn passive_side_offline_gets_its_fill_by_resend_after_logon() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut seller = v.client(1);
    order(&mut seller, "S1", "2", "1", Some("100"), "1");
    report(&mut seller, "S1");
    seller.logout().unwrap();
    let (last_seen, next_out) = (seller.next_in, seller.next_out);
    drop(seller);

    let mut buyer = v.client(2);
    order(&mut buyer, "B1", "1", "1", Some("100"), "3");
    assert_fields(&report(&mut buyer, "B1"), &[(150, "0")]);
    assert_fields(&report(&mut buyer, "B1"), &[(150, "2")]);

    // The seller comes back: the Logon shows the gap, a resend brings the
    // fill (or, if the seller was quicker than the engine's hand-off, the
    // fill comes live right after the Logon).
    let mut seller = examples::FixClient::connect(v.addr, "CLIENT1", "VENUE").unwrap();
    seller.next_out = next_out;
    let logon = seller.logon(30, false).unwrap();
    seller
        .send("2", &[(7, &last_seen.to_string()), (16, "0")])
        .unwrap();
    let fill = seller.expect(WAIT, |m| m.msg_type() == "8").unwrap();
    assert_fields(&fill, &[(11, "S1"), (150, "2"), (32, "1"), (31, "100")]);
    if fill.seq() < logon.seq() {
        assert_fields(&fill, &[(43, "Y")]);
        assert!(fill.get(122).is_some());
    }
    v.stop().check_invariants().unwrap();
}

#[test]
fn restart_mid_day_keeps_open_orders_and_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut c = v.client(1);
    order(&mut c, "G1", "2", "1", Some("200"), "1");
    order(&mut c, "D1", "2", "1", Some("201"), "0");
    report(&mut c, "G1");
    report(&mut c, "D1");
    c.logout().unwrap();
    let (out, inn) = (c.next_out, c.next_in);
    drop(c);
    v.stop();

    let v = TestVenue::start(dir.path(), 2);
    let mut c = examples::FixClient::connect(v.addr, "CLIENT1", "VENUE").unwrap();
    c.next_out = out;
    let logon = c.logon(30, false).unwrap();
    assert_eq!(
        logon.seq(),
        inn,
        "outbound sequence numbers continue after a restart"
    );
    let mut b = v.client(2);
    order(&mut b, "B1", "1", "2", Some("201"), "3");
    report(&mut b, "B1");
    let f1 = report(&mut b, "B1");
    let f2 = report(&mut b, "B1");
    assert_fields(&f1, &[(150, "1"), (31, "200"), (32, "1")]);
    assert_fields(&f2, &[(150, "2"), (31, "201"), (32, "1")]);
    assert_fields(&report(&mut c, "G1"), &[(150, "2")]);
    assert_fields(&report(&mut c, "D1"), &[(150, "2")]);
    v.stop().check_invariants().unwrap();
}

#[test]
fn many_sessions_fire_ioc_orders_each_answered_exactly_once() {
    const SESSIONS: usize = 8;
    const ORDERS: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), SESSIONS);
    let addr = v.addr;
    let threads: Vec<_> = (1..=SESSIONS)
        .map(|n| {
            std::thread::spawn(move || {
                let mut c =
                    examples::FixClient::connect(addr, &format!("CLIENT{n}"), "VENUE").unwrap();
                c.logon(30, false).unwrap();
                let side = if n % 2 == 0 { "1" } else { "2" };
                // Odd sessions rest GTC sells, even ones fire IOC buys at them.
                let tif = if n % 2 == 0 { "3" } else { "1" };
                let t = now();
                for i in 0..ORDERS {
                    let cl = format!("C{n}-{i}");
                    c.encode(
                        "D",
                        &[
                            (11, &cl),
                            (21, "1"),
                            (55, "BTC-USD"),
                            (54, side),
                            (60, &t),
                            (40, "2"),
                            (38, "0.1"),
                            (44, "100"),
                            (59, tif),
                        ],
                    );
                }
                c.flush().unwrap();
                // Every ClOrdID gets exactly one first answer (New or Rejected),
                // and IOCs end (filled or canceled).
                let mut firsts = std::collections::HashMap::new();
                let mut done = std::collections::HashSet::new();
                let deadline = std::time::Instant::now() + Duration::from_secs(20);
                while std::time::Instant::now() < deadline
                    && (firsts.len() < ORDERS || (tif == "3" && done.len() < ORDERS))
                {
                    let Some(m) = c.recv(Duration::from_millis(500)).unwrap() else {
                        continue;
                    };
                    if m.msg_type() != "8" {
                        continue;
                    }
                    let cl = m.get(11).unwrap().to_owned();
                    if matches!(m.get(150), Some("0") | Some("8")) {
                        assert!(
                            firsts
                                .insert(cl.clone(), m.get(150).unwrap().to_owned())
                                .is_none(),
                            "{cl} acked twice"
                        );
                    }
                    if matches!(m.get(39), Some("2") | Some("4") | Some("8")) {
                        assert!(done.insert(cl), "done twice");
                    }
                }
                assert_eq!(firsts.len(), ORDERS, "session {n}: every order answered");
                c
            })
        })
        .collect();
    let clients: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    drop(clients);
    let engine = v.stop();
    engine.check_invariants().unwrap();
    // Conservation: BTC and USD over all accounts plus fees are unchanged.
    let total = |asset: &str| -> Decimal {
        (1..=SESSIONS)
            .map(|n| engine.balance(&format!("ACC{n}"), asset).unwrap())
            .sum::<Decimal>()
            + engine.fees_collected(asset).unwrap_or_default()
    };
    assert_eq!(total("BTC"), Decimal::from(100 * SESSIONS as i64));
    assert_eq!(total("USD"), Decimal::from(1_000_000 * SESSIONS as i64));
}

#[test]
fn reports_journaled_but_not_stored_are_delivered_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut s = v.client(1);
    let mut b = v.client(2);
    order(&mut s, "S1", "2", "1", Some("100"), "1");
    report(&mut s, "S1");
    order(&mut b, "B1", "1", "1", Some("100"), "3");
    report(&mut b, "B1");
    report(&mut s, "S1");
    drop((s, b));
    v.stop();
    // As if the venue had died after journaling but before CLIENT1's store
    // got its reports: that store is gone.
    std::fs::remove_file(dir.path().join("store/FIX.4.2-VENUE-CLIENT1.store")).unwrap();

    let v = TestVenue::start(dir.path(), 2);
    let mut s = examples::FixClient::connect(v.addr, "CLIENT1", "VENUE").unwrap();
    let logon = s.logon(30, false).unwrap();
    assert_eq!(
        logon.seq(),
        3,
        "the ack and the fill were stored under 1 and 2"
    );
    s.send("2", &[(7, "1"), (16, "0")]).unwrap();
    let ack = s.expect(WAIT, |m| m.msg_type() == "8").unwrap();
    assert_fields(&ack, &[(34, "1"), (43, "Y"), (11, "S1"), (150, "0")]);
    let fill = s.expect(WAIT, |m| m.msg_type() == "8").unwrap();
    assert_fields(
        &fill,
        &[(34, "2"), (43, "Y"), (11, "S1"), (150, "2"), (32, "1")],
    );
    // CLIENT2's store had everything: nothing is delivered twice.
    let mut b = examples::FixClient::connect(v.addr, "CLIENT2", "VENUE").unwrap();
    b.next_out = 3;
    b.logon(30, false).unwrap();
    b.send("2", &[(7, "1"), (16, "0")]).unwrap();
    let reports = b.drain_app(Duration::from_millis(500)).unwrap();
    let kinds: Vec<&str> = reports.iter().filter_map(|m| m.get(150)).collect();
    assert_eq!(kinds, ["0", "2"], "CLIENT2's ack and fill, once each");
    v.stop().check_invariants().unwrap();
}

#[test]
fn day_orders_expire_at_the_end_of_the_day_and_gtc_orders_stay() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut c = v.client(1);
    order(&mut c, "DAY1", "1", "1", Some("100"), "0");
    order(&mut c, "GTC1", "1", "1", Some("99"), "1");
    report(&mut c, "DAY1");
    report(&mut c, "GTC1");
    v.end_of_day();
    let exp = report(&mut c, "DAY1");
    assert_fields(&exp, &[(150, "C"), (39, "C"), (151, "0"), (14, "0")]);
    // The GTC order is still there and tradable.
    let mut s = v.client(2);
    order(&mut s, "S1", "2", "1", Some("99"), "3");
    assert_fields(&report(&mut s, "S1"), &[(150, "0")]);
    assert_fields(&report(&mut s, "S1"), &[(150, "2"), (31, "99")]);
    assert_fields(&report(&mut c, "GTC1"), &[(150, "2")]);
    let engine = v.stop();
    engine.check_invariants().unwrap();
    // The expired order's hold is released: only the trade moved USD.
    assert_eq!(engine.held("ACC1", "USD"), Some(Decimal::ZERO));
}

#[test]
fn market_order_fills_what_rests_and_cancels_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let mut s = v.client(1);
    let mut b = v.client(2);
    order(&mut s, "S1", "2", "0.5", Some("100"), "1");
    order(&mut s, "S2", "2", "0.5", Some("101"), "1");
    report(&mut s, "S1");
    report(&mut s, "S2");
    order(&mut b, "M1", "1", "2", None, "0");
    assert_fields(&report(&mut b, "M1"), &[(150, "0"), (40, "1")]);
    let f1 = report(&mut b, "M1");
    assert_fields(&f1, &[(150, "1"), (31, "100"), (32, "0.5")]);
    assert!(f1.get(44).is_none(), "a market order carries no Price");
    assert_fields(
        &report(&mut b, "M1"),
        &[
            (150, "1"),
            (31, "101"),
            (32, "0.5"),
            (14, "1"),
            (6, "100.5"),
        ],
    );
    assert_fields(
        &report(&mut b, "M1"),
        &[(150, "4"), (39, "4"), (14, "1"), (151, "0")],
    );
    v.stop().check_invariants().unwrap();
}
