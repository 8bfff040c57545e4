//! fix-client's command parser and ClOrdID chain tracking.

use std::str::FromStr;

use examples::cli::{format_row, parse_command, Command, Orders, Side, Tif};
use examples::Received;
use fix_codec::{encode::Header, MessageBuilder};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn parses_orders() {
    assert_eq!(
        parse_command("buy BTC-USD 0.5 30000 ioc"),
        Ok(Command::Order {
            side: Side::Buy,
            symbol: "BTC-USD".into(),
            qty: d("0.5"),
            price: Some(d("30000")),
            tif: Tif::Ioc
        })
    );
    assert_eq!(
        parse_command("  SELL AAPL 10  "),
        Ok(Command::Order {
            side: Side::Sell,
            symbol: "AAPL".into(),
            qty: d("10"),
            price: None,
            tif: Tif::Day
        })
    );
    assert_eq!(
        parse_command("sell ETH-USD 1 fok"),
        Ok(Command::Order {
            side: Side::Sell,
            symbol: "ETH-USD".into(),
            qty: d("1"),
            price: None,
            tif: Tif::Fok
        })
    );
    assert_eq!(
        parse_command("buy ETH-USD 1 2000 GTC"),
        Ok(Command::Order {
            side: Side::Buy,
            symbol: "ETH-USD".into(),
            qty: d("1"),
            price: Some(d("2000")),
            tif: Tif::Gtc
        })
    );
    assert!(parse_command("buy BTC-USD").is_err());
    assert!(parse_command("buy BTC-USD -1 5").is_err());
    assert!(parse_command("buy BTC-USD 1 abc").is_err());
    assert!(parse_command("buy BTC-USD 1 ioc 30000").is_err());
    assert!(parse_command("buy BTC-USD 1 ioc gtc").is_err());
}

#[test]
fn parses_other_commands() {
    assert_eq!(
        parse_command("cancel X1"),
        Ok(Command::Cancel { id: "X1".into() })
    );
    assert_eq!(
        parse_command("replace X1 2"),
        Ok(Command::Replace {
            id: "X1".into(),
            qty: d("2"),
            price: None
        })
    );
    assert_eq!(
        parse_command("replace X1 2 101.5"),
        Ok(Command::Replace {
            id: "X1".into(),
            qty: d("2"),
            price: Some(d("101.5"))
        })
    );
    assert_eq!(
        parse_command("status X1"),
        Ok(Command::Status { id: "X1".into() })
    );
    assert_eq!(parse_command("sleep 250"), Ok(Command::Sleep(250)));
    assert_eq!(parse_command("wait"), Ok(Command::Wait));
    assert_eq!(parse_command("help"), Ok(Command::Help));
    assert_eq!(parse_command("quit"), Ok(Command::Quit));
    assert_eq!(parse_command(""), Ok(Command::Nothing));
    assert_eq!(parse_command("# comment"), Ok(Command::Nothing));
    assert!(parse_command("cancel").is_err());
    assert!(parse_command("frobnicate").is_err());
}

/// An ExecutionReport or OrderCancelReject as the venue would send it.
fn msg(msg_type: &str, fields: &[(u32, &str)]) -> Received {
    let mut b = MessageBuilder::new("FIX.4.2");
    b.start(msg_type.as_bytes());
    Header {
        msg_seq_num: 1,
        sender_comp_id: "VENUE",
        target_comp_id: "CLIENT1",
        ..Default::default()
    }
    .write(&mut b);
    for (t, v) in fields {
        b.str(*t, v);
    }
    let raw = b.finish();
    let m = fix_codec::Message::decode(&raw).unwrap();
    let fields = m
        .fields()
        .iter()
        .map(|f| (f.tag, String::from_utf8_lossy(m.value(f)).into_owned()))
        .collect();
    Received {
        raw: raw.clone(),
        fields,
    }
}

#[test]
fn tracks_the_chain_through_replace_and_cancel() {
    let mut o = Orders::new("T-");
    let a = o.new_order("BTC-USD", Side::Buy, d("1"), Some(d("100")));
    assert_eq!(a, "T-1");
    assert!(o.pending.contains_key("T-1"));
    o.on_message(&msg(
        "8",
        &[(11, "T-1"), (37, "7"), (39, "0"), (150, "0"), (20, "0")],
    ));
    assert!(o.pending.is_empty());
    assert_eq!(o.chain("T-1").unwrap().order_id.as_deref(), Some("7"));

    // A replace names the latest ClOrdID; the short form "1" works too.
    let (orig, new) = o.amend("1", "G").unwrap();
    assert_eq!((orig.as_str(), new.as_str()), ("T-1", "T-2"));
    // Refused: the chain keeps T-1 as latest.
    o.on_message(&msg(
        "9",
        &[
            (11, "T-2"),
            (37, "7"),
            (39, "0"),
            (41, "T-1"),
            (434, "2"),
            (102, "2"),
        ],
    ));
    assert_eq!(o.chain("T-2").unwrap().latest, "T-1");
    assert!(o.pending.is_empty());

    let (orig, new) = o.amend("T-2", "G").unwrap();
    assert_eq!((orig.as_str(), new.as_str()), ("T-1", "T-3"));
    o.on_message(&msg(
        "8",
        &[
            (11, "T-3"),
            (37, "7"),
            (38, "2"),
            (39, "0"),
            (41, "T-1"),
            (44, "101"),
            (150, "5"),
            (20, "0"),
        ],
    ));
    let c = o.chain("T-1").unwrap();
    assert_eq!(c.latest, "T-3");
    assert_eq!((c.qty, c.price), (d("2"), Some(d("101"))));

    // Cancel by the original ClOrdID still uses the latest one.
    let (orig, new) = o.amend("T-1", "F").unwrap();
    assert_eq!((orig.as_str(), new.as_str()), ("T-3", "T-4"));
    o.on_message(&msg(
        "8",
        &[
            (11, "T-4"),
            (37, "7"),
            (39, "4"),
            (41, "T-3"),
            (150, "4"),
            (20, "0"),
        ],
    ));
    let c = o.chain("T-2").unwrap();
    assert_eq!(c.latest, "T-4");
    assert!(c.is_done());
    assert_eq!(o.status_request("T-1").unwrap(), "T-4");
    assert!(o.amend("nope", "F").is_err());
}

#[test]
fn formats_rows() {
    let er = msg(
        "8",
        &[
            (6, "30000"),
            (11, "T-1"),
            (12, "0.75"),
            (14, "0.1"),
            (20, "0"),
            (31, "30000"),
            (32, "0.1"),
            (37, "7"),
            (38, "0.1"),
            (39, "2"),
            (44, "30000"),
            (54, "1"),
            (55, "BTC-USD"),
            (60, "20240102-03:04:05.678"),
            (150, "2"),
            (151, "0"),
        ],
    );
    let row = format_row(&er).unwrap();
    for part in [
        "03:04:05.678",
        "T-1",
        "Fill",
        "Filled",
        "Buy",
        "BTC-USD",
        "0.1@30000",
        "0.75",
    ] {
        assert!(row.contains(part), "{part} in {row}");
    }
    let rej = msg(
        "9",
        &[
            (11, "T-2"),
            (37, "NONE"),
            (39, "8"),
            (41, "T-1"),
            (58, "Unknown order"),
            (102, "1"),
            (434, "1"),
        ],
    );
    let row = format_row(&rej).unwrap();
    assert!(
        row.contains("CxlReject") && row.contains("Unknown order") && row.contains("cancel of T-1"),
        "{row}"
    );
    assert!(format_row(&msg("0", &[])).is_none());
}
