//! Venue configuration (plain Decimal-based structs) and its validated, integer form.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::types::{OwnerId, StpMode};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetConfig {
    pub name: String,
    /// Decimal places of the smallest unit (balances, fees and settlement use it).
    pub precision: u32,
}

/// Money is kept in integer minor units, so `tick_size × lot_size` must be a whole
/// number of quote minor units (e.g. tick 0.01 × lot 0.001 needs quote precision ≥ 5)
/// and `lot_size` a whole number of base minor units; otherwise [`ConfigError::Instrument`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentConfig {
    pub symbol: String,
    pub base_asset: String,
    pub quote_asset: String,
    pub tick_size: Decimal,
    /// Quantity step.
    pub lot_size: Decimal,
    pub min_qty: Decimal,
    pub max_qty: Option<Decimal>,
    /// Maximum price × quantity of a limit order, in the quote asset.
    pub max_notional: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountConfig {
    pub name: String,
    pub balances: Vec<(String, Decimal)>,
    /// Basis points, multiple of 0.01, 0..=10000; `None` = venue default.
    pub maker_fee_bps: Option<Decimal>,
    pub taker_fee_bps: Option<Decimal>,
    pub self_trade: StpMode,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerConfig {
    pub owner: OwnerId,
    pub default_account: String,
    /// Accounts the owner may name besides its default.
    pub allowed_accounts: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VenueConfig {
    pub default_maker_bps: Decimal,
    pub default_taker_bps: Decimal,
    pub assets: Vec<AssetConfig>,
    pub instruments: Vec<InstrumentConfig>,
    pub accounts: Vec<AccountConfig>,
    pub owners: Vec<OwnerConfig>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("duplicate {kind} {name:?}")]
    Duplicate { kind: &'static str, name: String },
    #[error("{what} refers to unknown asset {asset:?}")]
    UnknownAsset { what: String, asset: String },
    #[error("{what} refers to unknown account {account:?}")]
    UnknownAccount { what: String, account: String },
    #[error("asset {0:?}: precision above 18")]
    Precision(String),
    #[error("instrument {symbol:?}: {problem}")]
    Instrument { symbol: String, problem: String },
    #[error("account {account:?}: {problem}")]
    Account { account: String, problem: String },
    #[error("fee {0} bps: must be 0..=10000 in steps of 0.01")]
    Fee(Decimal),
}

/// 10^0 ..= 10^18, the powers of ten that fit in an i64.
const POW10: [i64; 19] = {
    let mut p = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// A positive decimal step `mantissa × 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub mantissa: i128,
    pub scale: u32,
}

impl Step {
    fn new(d: Decimal) -> Option<Step> {
        if d <= Decimal::ZERO {
            return None;
        }
        let d = d.normalize();
        Some(Step {
            mantissa: d.mantissa(),
            scale: d.scale(),
        })
    }

    /// `d / step` if it is a whole number that fits in i64 (integer arithmetic only).
    #[inline]
    pub fn count(self, d: Decimal) -> Option<i64> {
        // Fast path (the usual case: the value is written at or below the step's scale
        // and everything fits in 64 bits): scale up by a power of ten, then one 64-bit
        // division, skipped for a unit step. Same result as the general path.
        let (s, b) = (d.scale(), self.mantissa);
        if s <= self.scale && self.scale - s < POW10.len() as u32 && b <= i64::MAX as i128 {
            if let Ok(m) = i64::try_from(d.mantissa()) {
                if let Some(a) = m.checked_mul(POW10[(self.scale - s) as usize]) {
                    let b = b as i64;
                    return if b == 1 {
                        Some(a)
                    } else if a % b == 0 {
                        Some(a / b)
                    } else {
                        None
                    };
                }
            }
        }
        self.count_wide(d)
    }

    /// [`Step::count`] in 128 bits, for values with more places than the step or
    /// mantissas beyond 64 bits.
    #[cold]
    #[inline(never)]
    fn count_wide(self, d: Decimal) -> Option<i64> {
        let (m, s) = (d.mantissa(), d.scale());
        let t = s.max(self.scale);
        let a = m.checked_mul(10i128.checked_pow(t - s)?)?;
        let b = self
            .mantissa
            .checked_mul(10i128.checked_pow(t - self.scale)?)?;
        if a % b != 0 {
            return None;
        }
        i64::try_from(a / b).ok()
    }

    /// `n × step` as a Decimal at the step's scale.
    #[inline]
    pub fn decimal(self, n: i64) -> Decimal {
        // Same value and representation as the general path, without 128-bit checks.
        if let Ok(m) = i64::try_from(self.mantissa) {
            if let Some(v) = n.checked_mul(m) {
                if self.scale <= 28 {
                    return Decimal::new(v, self.scale);
                }
            }
        }
        Decimal::try_from_i128_with_scale(n as i128 * self.mantissa, self.scale)
            .unwrap_or(Decimal::MAX)
    }
}

pub(crate) struct Asset {
    pub name: Arc<str>,
    pub precision: u32,
}

#[derive(Clone)]
pub(crate) struct Instrument {
    pub symbol: Arc<str>,
    pub base: u32,
    pub quote: u32,
    pub quote_name: Arc<str>,
    pub tick: Step,
    pub lot: Step,
    pub min_lots: i64,
    pub max_lots: Option<i64>,
    /// In quote minor units.
    pub max_notional: Option<i128>,
    /// Quote minor units per (1 tick × 1 lot).
    pub notional_unit: i128,
    /// Base minor units per lot.
    pub lot_unit: i128,
}

pub(crate) struct AccountStatic {
    pub name: Arc<str>,
    /// Fee rates in millionths (1 bp = 100).
    pub maker_rate: i64,
    pub taker_rate: i64,
    pub stp: StpMode,
    pub balances: Vec<i128>,
}

#[derive(Clone)]
pub(crate) struct Owner {
    pub default_account: u32,
    pub allowed: Vec<u32>,
}

/// Validated configuration in integer units.
pub(crate) struct Compiled {
    pub assets: Vec<Asset>,
    pub instruments: Vec<Instrument>,
    pub accounts: Vec<AccountStatic>,
    pub owners: HashMap<OwnerId, Owner>,
}

fn minor(d: Decimal, precision: u32) -> Option<i128> {
    Step {
        mantissa: 1,
        scale: precision,
    }
    .count(d)
    .map(i128::from)
}

fn rate(bps: Decimal) -> Result<i64, ConfigError> {
    let r = bps * Decimal::from(100);
    if bps < Decimal::ZERO || bps > Decimal::from(10_000) || !r.fract().is_zero() {
        return Err(ConfigError::Fee(bps));
    }
    i64::try_from(r).map_err(|_| ConfigError::Fee(bps))
}

impl VenueConfig {
    pub(crate) fn compile(&self) -> Result<Compiled, ConfigError> {
        let mut asset_ix = HashMap::new();
        let mut assets = Vec::new();
        for a in &self.assets {
            if a.precision > 18 {
                return Err(ConfigError::Precision(a.name.clone()));
            }
            if asset_ix
                .insert(a.name.clone(), assets.len() as u32)
                .is_some()
            {
                return Err(ConfigError::Duplicate {
                    kind: "asset",
                    name: a.name.clone(),
                });
            }
            assets.push(Asset {
                name: a.name.as_str().into(),
                precision: a.precision,
            });
        }
        let asset = |what: &str, name: &str| {
            asset_ix
                .get(name)
                .copied()
                .ok_or_else(|| ConfigError::UnknownAsset {
                    what: what.to_string(),
                    asset: name.to_string(),
                })
        };
        let mut symbols = HashSet::new();
        let mut instruments = Vec::new();
        for i in &self.instruments {
            let bad = |problem: &str| ConfigError::Instrument {
                symbol: i.symbol.clone(),
                problem: problem.to_string(),
            };
            if !symbols.insert(i.symbol.clone()) {
                return Err(ConfigError::Duplicate {
                    kind: "instrument",
                    name: i.symbol.clone(),
                });
            }
            let what = format!("instrument {}", i.symbol);
            let base = asset(&what, &i.base_asset)?;
            let quote = asset(&what, &i.quote_asset)?;
            if base == quote {
                return Err(bad("base and quote asset are the same"));
            }
            let tick = Step::new(i.tick_size).ok_or_else(|| bad("tick size must be positive"))?;
            let lot = Step::new(i.lot_size).ok_or_else(|| bad("lot size must be positive"))?;
            let qp = assets[quote as usize].precision;
            let bp = assets[base as usize].precision;
            let notional_unit = minor(i.tick_size * i.lot_size, qp)
                .ok_or_else(|| bad("tick × lot is finer than the quote asset precision"))?;
            let lot_unit = minor(i.lot_size, bp)
                .ok_or_else(|| bad("lot size is finer than the base asset precision"))?;
            let min_lots = lot
                .count(i.min_qty)
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad("min qty must be a positive multiple of the lot size"))?;
            let max_lots = match i.max_qty {
                None => None,
                Some(q) => Some(
                    lot.count(q)
                        .filter(|n| *n >= min_lots)
                        .ok_or_else(|| bad("max qty must be a lot multiple ≥ min qty"))?,
                ),
            };
            let max_notional = match i.max_notional {
                None => None,
                Some(v) if v > Decimal::ZERO => Some(
                    (v * Decimal::from(10i64.pow(qp)))
                        .trunc()
                        .try_into()
                        .map_err(|_| bad("max notional too large"))?,
                ),
                Some(_) => return Err(bad("max notional must be positive")),
            };
            instruments.push(Instrument {
                symbol: i.symbol.as_str().into(),
                base,
                quote,
                quote_name: assets[quote as usize].name.clone(),
                tick,
                lot,
                min_lots,
                max_lots,
                max_notional,
                notional_unit,
                lot_unit,
            });
        }
        let maker = rate(self.default_maker_bps)?;
        let taker = rate(self.default_taker_bps)?;
        let mut account_ix = HashMap::new();
        let mut accounts = Vec::new();
        for a in &self.accounts {
            if account_ix
                .insert(a.name.clone(), accounts.len() as u32)
                .is_some()
            {
                return Err(ConfigError::Duplicate {
                    kind: "account",
                    name: a.name.clone(),
                });
            }
            let mut balances = vec![0i128; assets.len()];
            let what = format!("account {}", a.name);
            for (name, amount) in &a.balances {
                let ix = asset(&what, name)? as usize;
                let v = minor(*amount, assets[ix].precision)
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| ConfigError::Account {
                        account: a.name.clone(),
                        problem: format!(
                            "balance {amount} {name} negative or finer than precision"
                        ),
                    })?;
                balances[ix] += v;
            }
            accounts.push(AccountStatic {
                name: a.name.as_str().into(),
                maker_rate: a.maker_fee_bps.map(rate).transpose()?.unwrap_or(maker),
                taker_rate: a.taker_fee_bps.map(rate).transpose()?.unwrap_or(taker),
                stp: a.self_trade,
                balances,
            });
        }
        let account = |what: &str, name: &str| {
            account_ix
                .get(name)
                .copied()
                .ok_or_else(|| ConfigError::UnknownAccount {
                    what: what.to_string(),
                    account: name.to_string(),
                })
        };
        let mut owners = HashMap::new();
        for o in &self.owners {
            let what = format!("owner {}", o.owner.0);
            let default_account = account(&what, &o.default_account)?;
            let mut allowed = vec![default_account];
            for n in &o.allowed_accounts {
                let ix = account(&what, n)?;
                if !allowed.contains(&ix) {
                    allowed.push(ix);
                }
            }
            let owner = Owner {
                default_account,
                allowed,
            };
            if owners.insert(o.owner, owner).is_some() {
                return Err(ConfigError::Duplicate {
                    kind: "owner",
                    name: o.owner.0.to_string(),
                });
            }
        }
        Ok(Compiled {
            assets,
            instruments,
            accounts,
            owners,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_count() {
        let s = Step::new(Decimal::new(5, 2)).unwrap();
        assert_eq!(s.count(Decimal::new(100, 0)), Some(2000));
        assert_eq!(s.count(Decimal::new(10015, 2)), Some(2003));
        assert_eq!(s.count(Decimal::new(10013, 2)), None);
        assert_eq!(s.decimal(2003), Decimal::new(10015, 2));
    }

    #[test]
    fn step_count_fast_path_matches_wide() {
        let steps = [(1, 0), (1, 2), (5, 2), (25, 3), (1, 8), (3, 18), (1, 28)];
        let mantissas = [
            0,
            1,
            -1,
            5,
            -25,
            10013,
            10015,
            123_456_789,
            i64::MAX as i128,
            i64::MIN as i128,
            i64::MAX as i128 + 1,
            (1i128 << 96) - 1,
        ];
        for (sm, ss) in steps {
            let step = Step::new(Decimal::new(sm, ss)).unwrap();
            for m in mantissas {
                for scale in [0, 1, 2, 3, 8, 18, 19, 28] {
                    let Ok(d) = Decimal::try_from_i128_with_scale(m, scale) else {
                        continue;
                    };
                    assert_eq!(step.count(d), step.count_wide(d), "{d} / {sm}e-{ss}");
                }
            }
        }
    }
}
