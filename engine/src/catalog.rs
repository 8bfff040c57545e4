//! `Catalog`: the names and scales that turn an [`Event`]'s integers into FIX values.
//!
//! The engine shares it (`Engine::catalog`) so that whoever writes the reports (the
//! gateway's session threads) does the decimal formatting, off the matcher thread.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::config::{Compiled, Step};
use crate::types::{Event, EventKind, OrdType, Subject};

struct InstrumentScales {
    symbol: Arc<str>,
    tick: Step,
    lot: Step,
    quote_name: Arc<str>,
    quote_precision: u32,
}

/// Immutable for the engine's lifetime (it comes from the venue configuration).
pub struct Catalog {
    instruments: Vec<InstrumentScales>,
    accounts: Vec<Arc<str>>,
}

impl Catalog {
    pub(crate) fn new(c: &Compiled) -> Catalog {
        Catalog {
            instruments: c
                .instruments
                .iter()
                .map(|i| InstrumentScales {
                    symbol: i.symbol.clone(),
                    tick: i.tick,
                    lot: i.lot,
                    quote_name: i.quote_name.clone(),
                    quote_precision: c.assets[i.quote as usize].precision,
                })
                .collect(),
            accounts: c.accounts.iter().map(|a| a.name.clone()).collect(),
        }
    }

    pub fn symbol(&self, instrument: u32) -> &str {
        &self.instruments[instrument as usize].symbol
    }

    pub fn account(&self, account: u32) -> &str {
        &self.accounts[account as usize]
    }

    /// `lots` of `instrument` as a quantity.
    pub fn qty(&self, instrument: u32, lots: i64) -> Decimal {
        self.instruments[instrument as usize].lot.decimal(lots)
    }

    /// `ticks` of `instrument` as a price.
    pub fn price(&self, instrument: u32, ticks: i64) -> Decimal {
        self.instruments[instrument as usize].tick.decimal(ticks)
    }

    /// Average price of `lots` lots that traded for `notional` ticks × lots in total.
    pub fn avg_px(&self, instrument: u32, notional: i128, lots: i64) -> Decimal {
        if lots == 0 {
            return Decimal::ZERO;
        }
        let tick = self.instruments[instrument as usize].tick;
        let n = Decimal::try_from_i128_with_scale(notional * tick.mantissa, tick.scale)
            .unwrap_or(Decimal::MAX);
        n / Decimal::from(lots)
    }

    /// `minor` units of `instrument`'s quote asset as an amount.
    pub fn quote_amount(&self, instrument: u32, minor: i128) -> Decimal {
        let p = self.instruments[instrument as usize].quote_precision;
        Decimal::try_from_i128_with_scale(minor, p).unwrap_or(Decimal::MAX)
    }
}

/// FIX values of an event. A refused request's event answers with the request's
/// own fields and zero quantities.
impl Event {
    fn order_of(&self) -> Option<(u32, u32)> {
        match self.subject {
            Subject::Order {
                instrument,
                account,
            } => Some((instrument, account)),
            Subject::Request(_) => None,
        }
    }

    pub fn symbol<'a>(&'a self, cat: &'a Catalog) -> &'a str {
        match &self.subject {
            Subject::Order { instrument, .. } => cat.symbol(*instrument),
            Subject::Request(r) => &r.symbol,
        }
    }

    pub fn account<'a>(&'a self, cat: &'a Catalog) -> Option<&'a str> {
        match &self.subject {
            Subject::Order { account, .. } => Some(cat.account(*account)),
            Subject::Request(r) => r.account.as_deref(),
        }
    }

    pub fn order_qty(&self, cat: &Catalog) -> Decimal {
        match &self.subject {
            Subject::Order { instrument, .. } => cat.qty(*instrument, self.order_lots),
            Subject::Request(r) => r.qty,
        }
    }

    /// The limit price; `None` for a market order.
    pub fn price(&self, cat: &Catalog) -> Option<Decimal> {
        match &self.subject {
            Subject::Order { instrument, .. } => {
                (self.ord_type == OrdType::Limit).then(|| cat.price(*instrument, self.price_ticks))
            }
            Subject::Request(r) => r.price,
        }
    }

    pub fn cum_qty(&self, cat: &Catalog) -> Decimal {
        self.order_of()
            .map_or(Decimal::ZERO, |(i, _)| cat.qty(i, self.cum_lots))
    }

    pub fn leaves_qty(&self, cat: &Catalog) -> Decimal {
        self.order_of()
            .map_or(Decimal::ZERO, |(i, _)| cat.qty(i, self.leaves_lots))
    }

    pub fn avg_px(&self, cat: &Catalog) -> Decimal {
        self.order_of().map_or(Decimal::ZERO, |(i, _)| {
            cat.avg_px(i, self.cum_notional, self.cum_lots)
        })
    }

    fn fill_instrument(&self) -> Option<u32> {
        match self.kind {
            EventKind::Fill { .. } => self.order_of().map(|(i, _)| i),
            _ => None,
        }
    }

    /// This fill's quantity; zero for other events.
    pub fn last_qty(&self, cat: &Catalog) -> Decimal {
        self.fill_instrument()
            .map_or(Decimal::ZERO, |i| cat.qty(i, self.last_lots))
    }

    /// This fill's price; zero for other events.
    pub fn last_px(&self, cat: &Catalog) -> Decimal {
        self.fill_instrument()
            .map_or(Decimal::ZERO, |i| cat.price(i, self.last_ticks))
    }

    /// This side's fee for this fill (in [`Event::fee_asset`]); zero for other events.
    pub fn fee(&self, cat: &Catalog) -> Decimal {
        self.fill_instrument()
            .map_or(Decimal::ZERO, |i| cat.quote_amount(i, self.fee_minor))
    }

    /// The fee's asset (the instrument's quote asset) for a fill; `None` otherwise.
    pub fn fee_asset<'a>(&self, cat: &'a Catalog) -> Option<&'a str> {
        self.fill_instrument()
            .map(|i| &*cat.instruments[i as usize].quote_name)
    }
}
