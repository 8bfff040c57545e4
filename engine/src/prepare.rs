//! Preparing a command: everything about it that follows from the venue's
//! configuration alone, worked out before it reaches the matcher.
//!
//! Which instrument a symbol names, a price in ticks, a quantity in lots, the size
//! limits, which account an order uses and what it holds per lot, and the hashes of
//! its client ids: none of it depends on the book or the funds. [`EngineHandle::submit`]
//! prepares on the thread that submits (a gateway session), so the single matcher
//! thread is left with the work that needs its state. Refusals found here are kept,
//! not answered: the engine reports them in the same order of precedence as before,
//! after the checks that do need state (a duplicate id, an unknown order).
//!
//! [`EngineHandle::submit`]: crate::runner::EngineHandle::submit

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::book::FxMap;
use crate::config::{Compiled, Instrument, Owner};
use crate::ids::{ClientIds, KeyHash};
use crate::types::*;

/// A command and what its preparation found. Built by [`Preparer::prepare`] (or
/// [`crate::Engine::prepare`]); applied by [`crate::Engine::apply_prepared`].
#[derive(Clone, Debug)]
pub struct Prepared {
    cmd: Command,
    pub(crate) pre: Pre,
    /// Which preparer made it: an engine re-prepares a command made by another.
    pub(crate) stamp: u64,
}

impl Prepared {
    pub fn command(&self) -> &Command {
        &self.cmd
    }

    pub fn into_command(self) -> Command {
        self.cmd
    }

    /// Start loading this command's own bytes (a hint). A loop over a long run of
    /// commands calls it [`STREAM_AHEAD`] places ahead: the hardware's stream
    /// prefetch alone left the matcher waiting on the first read of each command.
    #[inline]
    pub fn prefetch(&self) {
        crate::prefetch::read_all(self);
    }
}

/// How many places ahead a loop over prepared commands asks for their bytes
/// ([`Prepared::prefetch`]), so they arrive before [`crate::Engine::prefetch`]
/// (at [`crate::PREFETCH_AHEAD`]) reads them.
pub const STREAM_AHEAD: usize = 16;

/// The configuration-only part of a new order's checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NewTerms {
    pub account: u32,
    pub price: i64,
    pub lots: i64,
    pub hold_asset: u32,
    pub hold_per_lot: i128,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pre {
    New {
        id: KeyHash,
        /// `None`: unknown symbol.
        instrument: Option<u32>,
        /// Meaningful when the instrument is known.
        terms: Result<NewTerms, RejectReason>,
    },
    Cancel {
        id: KeyHash,
        orig: KeyHash,
        /// `None`: unknown symbol.
        instrument: Option<u32>,
    },
    /// `price` and `lots` in the request's instrument: used only once the target
    /// is found in that same instrument.
    Replace {
        id: KeyHash,
        orig: KeyHash,
        instrument: Option<u32>,
        /// `None`: keep the order's price.
        price: Option<Result<i64, RejectReason>>,
        lots: Result<i64, RejectReason>,
    },
    Nothing,
}

/// Venue rules that never change while the engine runs, and the checks that need
/// only them. Shared (`Arc`) between the engine, which reads its instruments here,
/// and whoever submits to it.
pub struct Preparer {
    stamp: u64,
    pub(crate) instruments: Vec<Instrument>,
    pub(crate) symbols: FxMap<Arc<str>, u32>,
    pub(crate) account_ix: FxMap<Arc<str>, u32>,
    pub(crate) owners: FxMap<OwnerId, Owner>,
    /// Per account, the larger of its maker and taker rates (what a buy holds for).
    hold_rates: Vec<i64>,
}

/// `d <= 0`, from the sign and mantissa (a full Decimal comparison aligns scales).
#[inline]
fn not_positive(d: Decimal) -> bool {
    d.is_sign_negative() || d.is_zero()
}

#[inline]
pub(crate) fn ticks(inst: &Instrument, p: Decimal) -> Result<i64, RejectReason> {
    if not_positive(p) {
        return Err(RejectReason::InvalidPrice);
    }
    inst.tick
        .count(p)
        .filter(|t| *t > 0)
        .ok_or(RejectReason::PriceOffTick)
}

#[inline]
pub(crate) fn lots(inst: &Instrument, q: Decimal) -> Result<i64, RejectReason> {
    if not_positive(q) {
        return Err(RejectReason::InvalidQty);
    }
    let n = inst.lot.count(q).ok_or(RejectReason::QtyOffLot)?;
    if n < inst.min_lots {
        return Err(RejectReason::BelowMinQty);
    }
    if inst.max_lots.is_some_and(|m| n > m) {
        return Err(RejectReason::AboveMaxQty);
    }
    Ok(n)
}

pub(crate) fn check_notional(inst: &Instrument, price: i64, lots: i64) -> Result<(), RejectReason> {
    if let Some(m) = inst.max_notional {
        let v = (price as i128 * lots as i128).saturating_mul(inst.notional_unit);
        if v > m {
            return Err(RejectReason::AboveMaxNotional);
        }
    }
    Ok(())
}

/// Each preparer's stamp is new, so a command prepared for one engine is never
/// taken as prepared by another.
static NEXT_STAMP: AtomicU64 = AtomicU64::new(1);

impl Preparer {
    pub(crate) fn new(c: &Compiled) -> Preparer {
        Preparer {
            stamp: NEXT_STAMP.fetch_add(1, Ordering::Relaxed),
            instruments: c.instruments.clone(),
            symbols: c
                .instruments
                .iter()
                .enumerate()
                .map(|(i, x)| (x.symbol.clone(), i as u32))
                .collect(),
            account_ix: c
                .accounts
                .iter()
                .enumerate()
                .map(|(i, a)| (a.name.clone(), i as u32))
                .collect(),
            owners: c.owners.iter().map(|(k, v)| (*k, v.clone())).collect(),
            hold_rates: c
                .accounts
                .iter()
                .map(|a| a.maker_rate.max(a.taker_rate))
                .collect(),
        }
    }

    pub fn prepare(&self, cmd: Command) -> Prepared {
        Prepared {
            pre: self.pre(&cmd),
            cmd,
            stamp: self.stamp,
        }
    }

    #[inline]
    pub(crate) fn is_mine(&self, p: &Prepared) -> bool {
        p.stamp == self.stamp
    }

    /// Instrument index of a symbol: a short scan when there are few (no hashing).
    #[inline]
    pub(crate) fn instrument_ix(&self, symbol: &str) -> Option<u32> {
        if self.instruments.len() <= 8 {
            return self
                .instruments
                .iter()
                .position(|i| same_text(&i.symbol, symbol))
                .map(|i| i as u32);
        }
        self.symbols.get(symbol).copied()
    }

    /// Quote held per lot of a buy at `price` ticks: the value at the limit plus the
    /// larger fee rate, rounded up per lot. Σ over fills of the actual cost never
    /// exceeds it, since ceil(a + b) ≤ ceil(a) + ceil(b) and fills are at or below the limit.
    #[inline]
    pub(crate) fn buy_hold_per_lot(&self, account: u32, price: i64, notional_unit: i128) -> i128 {
        let v = price as i128 * notional_unit;
        v + crate::accounts::fee(v, self.hold_rates[account as usize])
    }

    #[inline]
    pub(crate) fn pre(&self, cmd: &Command) -> Pre {
        match cmd {
            Command::New(c) => {
                let instrument = self.instrument_ix(&c.symbol);
                Pre::New {
                    id: ClientIds::hash(c.owner, &c.cl_ord_id),
                    instrument,
                    terms: match instrument {
                        Some(ii) => self.new_terms(c, ii),
                        None => Err(RejectReason::UnknownSymbol),
                    },
                }
            }
            Command::Cancel(c) => Pre::Cancel {
                id: ClientIds::hash(c.owner, &c.cl_ord_id),
                orig: ClientIds::hash(c.owner, &c.orig_cl_ord_id),
                instrument: self.instrument_ix(&c.symbol),
            },
            Command::Replace(c) => {
                let instrument = self.instrument_ix(&c.symbol);
                let inst = instrument.map(|ii| &self.instruments[ii as usize]);
                Pre::Replace {
                    id: ClientIds::hash(c.owner, &c.cl_ord_id),
                    orig: ClientIds::hash(c.owner, &c.orig_cl_ord_id),
                    instrument,
                    price: match (inst, c.price) {
                        (_, None) => None,
                        (Some(inst), Some(p)) => Some(ticks(inst, p)),
                        (None, Some(_)) => Some(Err(RejectReason::UnknownSymbol)),
                    },
                    lots: inst.map_or(Err(RejectReason::UnknownSymbol), |inst| lots(inst, c.qty)),
                }
            }
            Command::Status(_) | Command::EndOfDay => Pre::Nothing,
        }
    }

    /// A new order's checks that need only the configuration, in precedence order;
    /// only the funds check is left to the engine.
    fn new_terms(&self, c: &NewOrder, ii: u32) -> Result<NewTerms, RejectReason> {
        let owner = self
            .owners
            .get(&c.owner)
            .ok_or(RejectReason::AccountNotAllowed)?;
        let account = match &c.account {
            None => owner.default_account,
            Some(n) => {
                let ix = *self
                    .account_ix
                    .get(&**n)
                    .ok_or(RejectReason::UnknownAccount)?;
                if !owner.allowed.contains(&ix) {
                    return Err(RejectReason::AccountNotAllowed);
                }
                ix
            }
        };
        let inst = &self.instruments[ii as usize];
        let price = match (c.ord_type, c.price) {
            (OrdType::Limit, None) => return Err(RejectReason::MissingPrice),
            (OrdType::Market, Some(_)) => return Err(RejectReason::UnexpectedPrice),
            (OrdType::Market, None) => 0,
            (OrdType::Limit, Some(p)) => ticks(inst, p)?,
        };
        let lots = lots(inst, c.qty)?;
        if c.ord_type == OrdType::Limit {
            check_notional(inst, price, lots)?;
        }
        let (hold_asset, hold_per_lot) = match (c.side, c.ord_type) {
            // A market buy holds nothing up front: it spends at most what is available.
            (Side::Buy, OrdType::Market) => (inst.quote, 0),
            (Side::Buy, OrdType::Limit) => (
                inst.quote,
                self.buy_hold_per_lot(account, price, inst.notional_unit),
            ),
            (Side::Sell, _) => (inst.base, inst.lot_unit),
        };
        Ok(NewTerms {
            account,
            price,
            lots,
            hold_asset,
            hold_per_lot,
        })
    }
}

/// `a == b` for short texts such as symbols, without a library call: the lengths, then
/// the bytes as two overlapping words.
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w4 = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4"));
    let w8 = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    match n {
        4..=8 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        9..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same_text;

    #[test]
    fn same_text_matches_equality() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abce",
            "BTC-USD",
            "BTC-USE",
            "ETH-USD",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "bbcdefghi",
            "0123456789abcdef",
            "0123456789abcdeg",
            "0123456789abcdefg",
            "0123456789abcdefh",
        ];
        for a in words {
            for b in words {
                assert_eq!(same_text(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
