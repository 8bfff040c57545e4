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

/// Two `Funds` to a cache line, the line aligned: with two assets an account's
/// funds are exactly one line (a plain `Vec<Funds>` is only 16-byte aligned, so
/// most accounts straddled two lines, and one prefetch brought only half).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Line([Funds; 2]);

/// Every account's funds in one flat array (account-major): an account's balance
/// is one indexed load, not a hop through per-account vectors.
pub(crate) struct Ledger {
    assets: usize,
    lines: Vec<Line>,
}

impl Ledger {
    /// Start loading an account's funds (all assets, when they share a line).
    #[inline]
    pub fn prefetch(&self, account: u32) {
        if let Some(l) = self.lines.get(account as usize * self.assets / 2) {
            crate::prefetch::read(l);
        }
    }

    pub fn new(accounts: usize, assets: usize) -> Ledger {
        Ledger {
            assets,
            lines: vec![Line::default(); (accounts * assets).div_ceil(2)],
        }
    }

    #[inline]
    pub fn at(&self, account: u32, asset: u32) -> &Funds {
        let i = account as usize * self.assets + asset as usize;
        &self.lines[i / 2].0[i % 2]
    }

    #[inline]
    pub fn at_mut(&mut self, account: u32, asset: u32) -> &mut Funds {
        let i = account as usize * self.assets + asset as usize;
        &mut self.lines[i / 2].0[i % 2]
    }
}
