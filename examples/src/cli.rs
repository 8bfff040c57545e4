//! The pure parts of `fix-client`: the command parser, ClOrdID chain
//! tracking and the report table. No I/O here, so all of it is unit-testable.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::Received;

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// FIX Side(54).
    pub fn fix(self) -> &'static str {
        match self {
            Side::Buy => "1",
            Side::Sell => "2",
        }
    }
}

/// TimeInForce(59) values the venue accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tif {
    Day,
    Gtc,
    Ioc,
    Fok,
}

impl Tif {
    pub fn fix(self) -> &'static str {
        match self {
            Tif::Day => "0",
            Tif::Gtc => "1",
            Tif::Ioc => "3",
            Tif::Fok => "4",
        }
    }

    fn parse(s: &str) -> Option<Tif> {
        match s.to_ascii_lowercase().as_str() {
            "day" => Some(Tif::Day),
            "gtc" => Some(Tif::Gtc),
            "ioc" => Some(Tif::Ioc),
            "fok" => Some(Tif::Fok),
            _ => None,
        }
    }
}

/// One line of input to `fix-client`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A NewOrderSingle; no price means a market order.
    Order {
        side: Side,
        symbol: String,
        qty: Decimal,
        price: Option<Decimal>,
        tif: Tif,
    },
    Cancel {
        id: String,
    },
    Replace {
        id: String,
        qty: Decimal,
        price: Option<Decimal>,
    },
    Status {
        id: String,
    },
    /// Pause this many milliseconds (scripts).
    Sleep(u64),
    /// Wait until every request has been answered (scripts).
    Wait,
    Help,
    Quit,
    /// A blank line or a `#` comment.
    Nothing,
}

pub const HELP: &str = "\
commands:
  buy  SYMBOL QTY [PRICE] [ioc|fok|gtc|day]   new order (no PRICE: market order)
  sell SYMBOL QTY [PRICE] [ioc|fok|gtc|day]
  cancel  CLORDID                 cancel the order (any ClOrdID of its chain)
  replace CLORDID QTY [PRICE]     new total quantity / price (keeps the price if omitted)
  status  CLORDID                 OrderStatusRequest
  sleep MS                        pause (scripts)
  wait                            wait until every request is answered (scripts)
  help                            this text
  quit                            log out and exit (also on end of input)
lines starting with # are ignored";

fn positive(s: &str, what: &str) -> Result<Decimal, String> {
    let d = Decimal::from_str(s).map_err(|_| format!("{what} '{s}' is not a number"))?;
    if d <= Decimal::ZERO {
        return Err(format!("{what} must be positive"));
    }
    Ok(d)
}

/// Parses one input line.
pub fn parse_command(line: &str) -> Result<Command, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Command::Nothing);
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let verb = words[0].to_ascii_lowercase();
    let args = &words[1..];
    let want = |n: std::ops::RangeInclusive<usize>, usage: &str| {
        if n.contains(&args.len()) {
            Ok(())
        } else {
            Err(format!("usage: {usage}"))
        }
    };
    match verb.as_str() {
        "buy" | "sell" | "b" | "s" => {
            let usage = format!("{verb} SYMBOL QTY [PRICE] [ioc|fok|gtc|day]");
            want(2..=4, &usage)?;
            let side = if verb.starts_with('b') {
                Side::Buy
            } else {
                Side::Sell
            };
            let qty = positive(args[1], "quantity")?;
            let mut price = None;
            let mut tif = None;
            for a in &args[2..] {
                if let Some(t) = Tif::parse(a) {
                    if tif.replace(t).is_some() {
                        return Err(format!("usage: {usage}"));
                    }
                } else if price.is_none() && tif.is_none() {
                    price = Some(positive(a, "price")?);
                } else {
                    return Err(format!("unexpected '{a}'; usage: {usage}"));
                }
            }
            Ok(Command::Order {
                side,
                symbol: args[0].to_string(),
                qty,
                price,
                tif: tif.unwrap_or(Tif::Day),
            })
        }
        "cancel" | "c" => {
            want(1..=1, "cancel CLORDID")?;
            Ok(Command::Cancel { id: args[0].into() })
        }
        "replace" | "r" => {
            want(2..=3, "replace CLORDID QTY [PRICE]")?;
            Ok(Command::Replace {
                id: args[0].into(),
                qty: positive(args[1], "quantity")?,
                price: args.get(2).map(|p| positive(p, "price")).transpose()?,
            })
        }
        "status" | "st" => {
            want(1..=1, "status CLORDID")?;
            Ok(Command::Status { id: args[0].into() })
        }
        "sleep" => {
            want(1..=1, "sleep MS")?;
            args[0]
                .parse()
                .map(Command::Sleep)
                .map_err(|_| "usage: sleep MS".to_string())
        }
        "wait" => Ok(Command::Wait),
        "help" | "?" | "h" => Ok(Command::Help),
        "quit" | "exit" | "q" => Ok(Command::Quit),
        _ => Err(format!("unknown command '{}' (try help)", words[0])),
    }
}

/// One order as the client knows it: every ClOrdID it had, and the latest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub symbol: String,
    pub side: Side,
    /// Limit price, or `None` for a market order.
    pub price: Option<Decimal>,
    pub qty: Decimal,
    /// The ClOrdID the venue knows the order by now.
    pub latest: String,
    /// Every ClOrdID of the chain, oldest first (including pending ones).
    pub ids: Vec<String>,
    pub order_id: Option<String>,
    /// Latest OrdStatus(39) seen.
    pub status: Option<String>,
}

impl Chain {
    /// Done: filled, canceled, rejected or expired.
    pub fn is_done(&self) -> bool {
        matches!(self.status.as_deref(), Some("2" | "4" | "8" | "C"))
    }
}

/// A request sent and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub chain: usize,
    /// "D", "F", "G" or "H".
    pub msg_type: &'static str,
}

/// ClOrdID generation and chain tracking.
#[derive(Debug, Default)]
pub struct Orders {
    prefix: String,
    next: u64,
    pub chains: Vec<Chain>,
    by_id: HashMap<String, usize>,
    /// Requests by their ClOrdID, until answered.
    pub pending: HashMap<String, Pending>,
}

impl Orders {
    /// ClOrdIDs are `PREFIX` followed by 1, 2, 3...
    pub fn new(prefix: &str) -> Orders {
        Orders {
            prefix: prefix.into(),
            next: 1,
            ..Default::default()
        }
    }

    pub fn next_id(&mut self) -> String {
        let id = format!("{}{}", self.prefix, self.next);
        self.next += 1;
        id
    }

    /// Records a new order; returns its ClOrdID.
    pub fn new_order(
        &mut self,
        symbol: &str,
        side: Side,
        qty: Decimal,
        price: Option<Decimal>,
    ) -> String {
        let id = self.next_id();
        let n = self.chains.len();
        self.chains.push(Chain {
            symbol: symbol.into(),
            side,
            price,
            qty,
            latest: id.clone(),
            ids: vec![id.clone()],
            order_id: None,
            status: None,
        });
        self.by_id.insert(id.clone(), n);
        self.pending.insert(
            id.clone(),
            Pending {
                chain: n,
                msg_type: "D",
            },
        );
        id
    }

    /// The chain that `id` (any of its ClOrdIDs, or just the number after
    /// the prefix of one) belongs to.
    pub fn chain_of(&self, id: &str) -> Option<usize> {
        self.by_id
            .get(id)
            .or_else(|| self.by_id.get(&format!("{}{id}", self.prefix)))
            .copied()
    }

    pub fn chain(&self, id: &str) -> Option<&Chain> {
        self.chain_of(id).map(|n| &self.chains[n])
    }

    /// Starts a cancel or replace of the order `id` names: returns
    /// (OrigClOrdID = the chain's latest ClOrdID, the new ClOrdID).
    pub fn amend(&mut self, id: &str, msg_type: &'static str) -> Result<(String, String), String> {
        let n = self
            .chain_of(id)
            .ok_or_else(|| format!("unknown order '{id}'"))?;
        let orig = self.chains[n].latest.clone();
        let new = self.next_id();
        self.chains[n].ids.push(new.clone());
        self.by_id.insert(new.clone(), n);
        self.pending
            .insert(new.clone(), Pending { chain: n, msg_type });
        Ok((orig, new))
    }

    /// Notes an OrderStatusRequest sent for `id` (answered by its latest ClOrdID).
    pub fn status_request(&mut self, id: &str) -> Result<String, String> {
        let n = self
            .chain_of(id)
            .ok_or_else(|| format!("unknown order '{id}'"))?;
        let latest = self.chains[n].latest.clone();
        self.pending
            .entry(format!("H:{latest}"))
            .or_insert(Pending {
                chain: n,
                msg_type: "H",
            });
        Ok(latest)
    }

    /// Updates the chains from an ExecutionReport or OrderCancelReject.
    pub fn on_message(&mut self, m: &Received) {
        let Some(cl) = m.get(11) else { return };
        let Some(n) = self.chain_of(cl) else { return };
        let c = &mut self.chains[n];
        match m.msg_type() {
            "8" => {
                if let Some(oid) = m.get(37).filter(|o| *o != "NONE") {
                    c.order_id = Some(oid.into());
                }
                if let Some(s) = m.get(39) {
                    c.status = Some(s.into());
                }
                let exec_type = m.get(150).unwrap_or("");
                if m.get(20) == Some("3") {
                    self.pending.remove(&format!("H:{cl}"));
                    return;
                }
                // An accepted cancel or replace makes the request's ClOrdID
                // the order's; later reports carry it (a refused one is
                // answered by an OrderCancelReject instead).
                let pos = |x: &str| c.ids.iter().position(|i| i == x);
                if pos(cl) > pos(&c.latest) {
                    c.latest = cl.into();
                }
                if exec_type == "5" {
                    if let Some(q) = m.get(38).and_then(|q| Decimal::from_str(q).ok()) {
                        c.qty = q;
                    }
                    if let Some(p) = m.get(44).and_then(|p| Decimal::from_str(p).ok()) {
                        c.price = Some(p);
                    }
                }
                self.pending.remove(cl);
            }
            "9" => {
                if let Some(s) = m.get(39).filter(|s| *s != "8") {
                    c.status = Some(s.into());
                }
                self.pending.remove(cl);
            }
            _ => {}
        }
    }

    /// A session-level or business reject answers the request it names.
    pub fn on_reject(&mut self, cl: Option<&str>) {
        if let Some(cl) = cl {
            self.pending.remove(cl);
        }
    }
}

/// ExecType(150) as a word.
pub fn exec_type_name(v: &str) -> &'static str {
    match v {
        "0" => "New",
        "1" => "PartialFill",
        "2" => "Fill",
        "3" => "DoneForDay",
        "4" => "Canceled",
        "5" => "Replaced",
        "6" => "PendingCxl",
        "7" => "Stopped",
        "8" => "Rejected",
        "9" => "Suspended",
        "A" => "PendingNew",
        "B" => "Calculated",
        "C" => "Expired",
        "D" => "Restated",
        "E" => "PendingRepl",
        _ => "?",
    }
}

/// OrdStatus(39) as a word.
pub fn ord_status_name(v: &str) -> &'static str {
    match v {
        "0" => "New",
        "1" => "PartFilled",
        "2" => "Filled",
        "3" => "DoneForDay",
        "4" => "Canceled",
        "5" => "Replaced",
        "6" => "PendingCxl",
        "7" => "Stopped",
        "8" => "Rejected",
        "9" => "Suspended",
        "A" => "PendingNew",
        "B" => "Calculated",
        "C" => "Expired",
        "D" => "AcceptBid",
        "E" => "PendingRepl",
        _ => "",
    }
}

fn side_name(v: &str) -> &'static str {
    match v {
        "1" => "Buy",
        "2" => "Sell",
        "" => "",
        _ => "?",
    }
}

const COLUMNS: [(&str, usize); 15] = [
    ("Time", 12),
    ("ClOrdID", 16),
    ("OrderID", 8),
    ("ExecType", 11),
    ("OrdStatus", 10),
    ("Side", 4),
    ("Symbol", 8),
    ("Qty", 9),
    ("Price", 10),
    ("Last", 18),
    ("Cum", 9),
    ("Leaves", 9),
    ("AvgPx", 10),
    ("Fee", 9),
    ("Text", 0),
];

fn row(cells: [&str; 15]) -> String {
    let mut s = String::new();
    for (i, (c, (_, w))) in cells.iter().zip(COLUMNS).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        if w == 0 {
            s.push_str(c);
        } else {
            s.push_str(&format!("{c:<w$}"));
        }
    }
    s.trim_end().to_string()
}

/// The table header.
pub fn table_header() -> String {
    row(COLUMNS.map(|(n, _)| n))
}

/// `HH:MM:SS.sss` of a FIX timestamp.
fn clock(ts: &str) -> &str {
    ts.split_once('-').map(|(_, t)| t).unwrap_or(ts)
}

/// One table row for an ExecutionReport, OrderCancelReject, Reject or
/// BusinessMessageReject; `None` for other messages.
pub fn format_row(m: &Received) -> Option<String> {
    let g = |t: u32| m.get(t).unwrap_or("");
    let time = clock(m.get(60).or(m.get(52)).unwrap_or(""));
    match m.msg_type() {
        "8" => {
            let last = match (m.get(32), m.get(31)) {
                (Some(q), Some(p)) => format!("{q}@{p}"),
                _ => String::new(),
            };
            let exec = if g(20) == "3" {
                "Status".to_string()
            } else {
                exec_type_name(g(150)).to_string()
            };
            Some(row([
                time,
                g(11),
                g(37),
                &exec,
                ord_status_name(g(39)),
                side_name(g(54)),
                g(55),
                g(38),
                g(44),
                &last,
                g(14),
                g(151),
                g(6),
                g(12),
                g(58),
            ]))
        }
        "9" => {
            let to = match g(434) {
                "1" => "cancel",
                "2" => "replace",
                _ => "request",
            };
            let text = format!("{to} of {} rejected (102={}): {}", g(41), g(102), g(58));
            Some(row([
                time,
                g(11),
                g(37),
                "CxlReject",
                ord_status_name(g(39)),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                &text,
            ]))
        }
        "3" => {
            let text = format!(
                "session reject of seq {} (371={} 373={}): {}",
                g(45),
                g(371),
                g(373),
                g(58)
            );
            Some(row([
                time, "", "", "Reject", "", "", "", "", "", "", "", "", "", "", &text,
            ]))
        }
        "j" => {
            let text = format!("business reject (380={}): {}", g(380), g(58));
            Some(row([
                time,
                g(379),
                "",
                "BizReject",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                &text,
            ]))
        }
        _ => None,
    }
}
