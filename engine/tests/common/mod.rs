#![allow(dead_code)]
//! Shared fixtures: a small venue and command builders.

use std::str::FromStr;

use engine::*;
use rust_decimal::Decimal;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn venue(accounts: &[(&str, StpMode)], owners: &[(u32, &str, &[&str])]) -> VenueConfig {
    VenueConfig {
        default_maker_bps: d("1"),
        default_taker_bps: d("2.5"),
        assets: vec![
            AssetConfig {
                name: "USD".into(),
                precision: 6,
            },
            AssetConfig {
                name: "BTC".into(),
                precision: 8,
            },
            AssetConfig {
                name: "ETH".into(),
                precision: 6,
            },
        ],
        instruments: vec![
            InstrumentConfig {
                symbol: "BTC-USD".into(),
                base_asset: "BTC".into(),
                quote_asset: "USD".into(),
                tick_size: d("0.01"),
                lot_size: d("0.001"),
                min_qty: d("0.001"),
                max_qty: Some(d("100")),
                max_notional: Some(d("1000000")),
            },
            InstrumentConfig {
                symbol: "ETH-USD".into(),
                base_asset: "ETH".into(),
                quote_asset: "USD".into(),
                tick_size: d("0.05"),
                lot_size: d("0.01"),
                min_qty: d("0.1"),
                max_qty: None,
                max_notional: None,
            },
        ],
        accounts: accounts
            .iter()
            .map(|(n, stp)| AccountConfig {
                name: n.to_string(),
                balances: vec![
                    ("USD".into(), d("100000")),
                    ("BTC".into(), d("10")),
                    ("ETH".into(), d("100")),
                ],
                maker_fee_bps: None,
                taker_fee_bps: None,
                self_trade: *stp,
            })
            .collect(),
        owners: owners
            .iter()
            .map(|(o, def, allowed)| OwnerConfig {
                owner: OwnerId(*o),
                default_account: def.to_string(),
                allowed_accounts: allowed.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    }
}

/// Owners 1..=3 with accounts A, B, C; owner 1 may also use A2.
pub fn std_venue() -> VenueConfig {
    venue(
        &[
            ("A", StpMode::CancelResting),
            ("B", StpMode::CancelResting),
            ("C", StpMode::CancelResting),
            ("A2", StpMode::CancelResting),
        ],
        &[(1, "A", &["A2"]), (2, "B", &[]), (3, "C", &[])],
    )
}

pub fn limit(
    owner: u32,
    cl: &str,
    sym: &str,
    side: Side,
    qty: &str,
    px: &str,
    tif: Tif,
) -> Command {
    Command::New(NewOrder {
        owner: OwnerId(owner),
        cl_ord_id: cl.into(),
        account: None,
        symbol: sym.into(),
        side,
        ord_type: OrdType::Limit,
        tif,
        qty: d(qty),
        price: Some(d(px)),
    })
}

pub fn market(owner: u32, cl: &str, sym: &str, side: Side, qty: &str, tif: Tif) -> Command {
    Command::New(NewOrder {
        owner: OwnerId(owner),
        cl_ord_id: cl.into(),
        account: None,
        symbol: sym.into(),
        side,
        ord_type: OrdType::Market,
        tif,
        qty: d(qty),
        price: None,
    })
}

pub fn cancel(owner: u32, cl: &str, orig: &str, sym: &str, side: Side) -> Command {
    Command::Cancel(Cancel {
        owner: OwnerId(owner),
        cl_ord_id: cl.into(),
        orig_cl_ord_id: orig.into(),
        symbol: sym.into(),
        side,
    })
}

pub fn replace(
    owner: u32,
    cl: &str,
    orig: &str,
    sym: &str,
    side: Side,
    qty: &str,
    px: Option<&str>,
) -> Command {
    Command::Replace(Replace {
        owner: OwnerId(owner),
        cl_ord_id: cl.into(),
        orig_cl_ord_id: orig.into(),
        symbol: sym.into(),
        side,
        qty: d(qty),
        price: px.map(d),
    })
}

/// An engine plus a sequence/time counter; checks invariants after every command.
pub struct Sim {
    pub e: Engine,
    pub seq: u64,
    pub ts: i64,
}

impl Sim {
    pub fn new(cfg: &VenueConfig) -> Sim {
        Sim {
            e: Engine::new(cfg).unwrap(),
            seq: 0,
            ts: 1_000,
        }
    }

    pub fn run(&mut self, cmd: Command) -> Vec<Event> {
        let mut out = Vec::new();
        if cmd.is_journaled() {
            self.seq += 1;
        }
        self.ts += 1;
        self.e.apply(self.seq, self.ts, &cmd, &mut out);
        self.e
            .check_invariants()
            .unwrap_or_else(|e| panic!("after {cmd:?}: {e}"));
        out
    }

    pub fn kinds(&mut self, cmd: Command) -> Vec<EventKind> {
        self.run(cmd).into_iter().map(|e| e.kind).collect()
    }
}
