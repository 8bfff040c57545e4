//! Balances, holds and fee arithmetic in asset minor units.

use std::sync::Arc;

use crate::types::StpMode;

/// Fee rates are millionths: 1 bp = 100.
pub(crate) const RATE_ONE: i128 = 1_000_000;

/// Fee on `notional` (quote minor units), rounded **up** (in the venue's favour) so that
/// every unit is accounted for and conservation holds exactly.
#[inline]
pub(crate) fn fee(notional: i128, rate: i64) -> i128 {
    debug_assert!(notional >= 0 && rate >= 0);
    (notional * rate as i128 + RATE_ONE - 1) / RATE_ONE
}

pub(crate) struct Account {
    pub name: Arc<str>,
    pub maker_rate: i64,
    pub taker_rate: i64,
    pub stp: StpMode,
    pub balance: Vec<i128>,
    pub hold: Vec<i128>,
}

impl Account {
    #[inline]
    pub fn available(&self, asset: u32) -> i128 {
        self.balance[asset as usize] - self.hold[asset as usize]
    }

    /// Quote held per lot of a buy at `price` ticks: the value at the limit plus the
    /// larger fee rate, rounded up per lot. Σ over fills of the actual cost never
    /// exceeds it, since ceil(a + b) ≤ ceil(a) + ceil(b) and fills are at or below the limit.
    #[inline]
    pub fn buy_hold_per_lot(&self, price: i64, notional_unit: i128) -> i128 {
        let v = price as i128 * notional_unit;
        v + fee(v, self.maker_rate.max(self.taker_rate))
    }
}
