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
    // Same result in 64 bits when it fits (a 128-bit division is a library call).
    if let Ok(n) = u64::try_from(notional) {
        if let Some(p) = n.checked_mul(rate as u64) {
            if let Some(p) = p.checked_add(RATE_ONE as u64 - 1) {
                return (p / RATE_ONE as u64) as i128;
            }
        }
    }
    (notional * rate as i128 + RATE_ONE - 1) / RATE_ONE
}

/// An account's static terms. Its money is in the [`Ledger`].
pub(crate) struct Account {
    pub name: Arc<str>,
    pub maker_rate: i64,
    pub taker_rate: i64,
    pub stp: StpMode,
}

/// One account's money in one asset, in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Funds {
    pub balance: i128,
    /// Reserved by open orders.
    pub hold: i128,
}

impl Funds {
    #[inline]
    pub fn available(&self) -> i128 {
        self.balance - self.hold
    }
}

/// Every account's funds in one flat array (account-major): an account's balance
/// is one indexed load, not a hop through per-account vectors.
pub(crate) struct Ledger {
    assets: usize,
    funds: Vec<Funds>,
}

impl Ledger {
    /// Start loading an account's funds (all assets, when they share a line).
    #[inline]
    pub fn prefetch(&self, account: u32) {
        if let Some(f) = self.funds.get(account as usize * self.assets) {
            crate::prefetch::read(f);
        }
    }

    pub fn new(accounts: usize, assets: usize) -> Ledger {
        Ledger {
            assets,
            funds: vec![Funds::default(); accounts * assets],
        }
    }

    #[inline]
    pub fn at(&self, account: u32, asset: u32) -> &Funds {
        &self.funds[account as usize * self.assets + asset as usize]
    }

    #[inline]
    pub fn at_mut(&mut self, account: u32, asset: u32) -> &mut Funds {
        &mut self.funds[account as usize * self.assets + asset as usize]
    }
}
