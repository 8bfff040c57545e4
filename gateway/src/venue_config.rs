//! Venue file: fees, assets, instruments and accounts, in the same INI-ish syntax as the
//! settings file (see [`crate::settings::parse_ini`]).
//!
//! Sections (names case-insensitive, any order; references are resolved after reading all):
//! * `[VENUE]` (at most one, optional): `MakerFeeBps`, `TakerFeeBps` (default 0).
//! * `[ASSET]`: `Name` (letters, digits, `_`), `Precision` (0..=18 decimals).
//! * `[INSTRUMENT]`: `Symbol`, `BaseAsset`, `QuoteAsset`, `TickSize`, `LotSize`,
//!   `MinQty` (default LotSize), `MaxQty`, optional `MaxNotional`.
//! * `[ACCOUNT]`: `Name`, `Balance.<ASSET>=<amount>`..., optional `MakerFeeBps`, `TakerFeeBps`,
//!   `SelfTradePrevention` (`CancelResting` default, `CancelAggressor`, `CancelBoth`).
//!
//! Checks: positive tick/lot/qty limits, MinQty <= MaxQty, MinQty/MaxQty multiples of LotSize,
//! TickSize/LotSize not finer than the quote/base asset precision, balances >= 0 and within
//! asset precision, unique names (case-insensitive), existing asset references.
//! Fees are in basis points, 0..=10000 in steps of 0.01 (the engine pays no maker rebates).

use crate::settings::{parse_ini, suggest, ApplicationKind, Props, Settings, SettingsError};
use engine::{AccountConfig, AssetConfig, StpMode};
use rust_decimal::Decimal;
use std::path::Path;

pub type VenueConfigError = SettingsError;
type Result<T> = std::result::Result<T, VenueConfigError>;

/// Embedded default venue: USD/BTC/ETH/AAPL, 3 instruments, 4 funded accounts.
pub const DEFAULT_VENUE: &str = "\
# fixvenue default venue
[VENUE]
MakerFeeBps=1
TakerFeeBps=2.5

# USD is kept to the micro-dollar so that every tick x lot of every
# instrument is a whole number of minor units (the engine never rounds
# when it settles a trade).
[ASSET]
Name=USD
Precision=6

[ASSET]
Name=BTC
Precision=8

[ASSET]
Name=ETH
Precision=8

[ASSET]
Name=AAPL
Precision=0

[INSTRUMENT]
Symbol=BTC-USD
BaseAsset=BTC
QuoteAsset=USD
TickSize=0.01
LotSize=0.0001
MinQty=0.0001
MaxQty=1000
MaxNotional=10000000

[INSTRUMENT]
Symbol=ETH-USD
BaseAsset=ETH
QuoteAsset=USD
TickSize=0.01
LotSize=0.001
MinQty=0.001
MaxQty=10000
MaxNotional=10000000

[INSTRUMENT]
Symbol=AAPL
BaseAsset=AAPL
QuoteAsset=USD
TickSize=0.01
LotSize=1
MinQty=1
MaxQty=100000
MaxNotional=50000000

[ACCOUNT]
Name=ACC1
Balance.USD=1000000
Balance.BTC=100
Balance.ETH=1000
Balance.AAPL=10000

[ACCOUNT]
Name=ACC2
Balance.USD=1000000
Balance.BTC=100
Balance.ETH=1000
Balance.AAPL=10000

[ACCOUNT]
Name=ACC3
Balance.USD=500000
Balance.BTC=50
Balance.ETH=500
Balance.AAPL=5000
SelfTradePrevention=CancelAggressor

[ACCOUNT]
Name=ACC4
Balance.USD=500000
Balance.BTC=50
Balance.ETH=500
Balance.AAPL=5000
MakerFeeBps=0.5
TakerFeeBps=1
SelfTradePrevention=CancelBoth
";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentDef {
    pub symbol: String,
    pub base_asset: String,
    pub quote_asset: String,
    pub tick_size: Decimal,
    pub lot_size: Decimal,
    pub min_qty: Decimal,
    pub max_qty: Decimal,
    pub max_notional: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueFile {
    pub file_name: String,
    pub maker_fee_bps: Decimal,
    pub taker_fee_bps: Decimal,
    pub assets: Vec<AssetConfig>,
    pub instruments: Vec<InstrumentDef>,
    pub accounts: Vec<AccountConfig>,
}

const VENUE_KEYS: &[&str] = &["MakerFeeBps", "TakerFeeBps"];
const ASSET_KEYS: &[&str] = &["Name", "Precision"];
const INSTRUMENT_KEYS: &[&str] = &[
    "Symbol",
    "BaseAsset",
    "QuoteAsset",
    "TickSize",
    "LotSize",
    "MinQty",
    "MaxQty",
    "MaxNotional",
];
const ACCOUNT_KEYS: &[&str] = &["Name", "MakerFeeBps", "TakerFeeBps", "SelfTradePrevention"];

fn p_dec(v: &str) -> std::result::Result<Decimal, String> {
    let ok = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    match Decimal::from_str_exact(v) {
        Ok(d) if ok => Ok(d.normalize()),
        _ => Err("expected a decimal number".into()),
    }
}

fn p_positive(v: &str) -> std::result::Result<Decimal, String> {
    match p_dec(v)? {
        d if d > Decimal::ZERO => Ok(d),
        _ => Err("expected a positive decimal number".into()),
    }
}

fn p_non_negative(v: &str) -> std::result::Result<Decimal, String> {
    match p_dec(v)? {
        d if d >= Decimal::ZERO => Ok(d),
        _ => Err("expected a non-negative decimal number".into()),
    }
}

/// The engine charges fees in steps of 0.01 bps and pays no rebates.
fn p_maker_bps(v: &str) -> std::result::Result<Decimal, String> {
    match p_dec(v)? {
        d if d >= Decimal::ZERO
            && d <= Decimal::from(10_000)
            && (d * Decimal::from(100)).fract().is_zero() =>
        {
            Ok(d)
        }
        _ => Err("expected basis points between 0 and 10000 in steps of 0.01 (no rebates)".into()),
    }
}

fn p_taker_bps(v: &str) -> std::result::Result<Decimal, String> {
    match p_dec(v)? {
        d if d >= Decimal::ZERO && d <= Decimal::from(10_000) => Ok(d),
        _ => Err("expected basis points between 0 and 10000".into()),
    }
}

fn p_name(v: &str) -> std::result::Result<String, String> {
    if v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(v.to_string())
    } else {
        Err("expected letters, digits or '_'".into())
    }
}

fn p_symbol(v: &str) -> std::result::Result<String, String> {
    if v.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
        Ok(v.to_string())
    } else {
        Err("expected printable ASCII without spaces or commas".into())
    }
}

impl VenueFile {
    /// Parse the embedded [`DEFAULT_VENUE`].
    pub fn default_embedded() -> Self {
        VenueFile::parse(DEFAULT_VENUE, "<default venue>").expect("embedded venue is valid")
    }

    pub fn load(path: impl AsRef<Path>) -> Result<VenueFile> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SettingsError::new(&name, None, format!("cannot read file: {e}")))?;
        VenueFile::parse(&text, &name)
    }

    pub fn parse(text: &str, file_name: &str) -> Result<VenueFile> {
        let sections = parse_ini(text, file_name)?;
        let props: Vec<Props> = sections
            .iter()
            .map(|s| Props {
                file: file_name,
                section: &s.name,
                section_line: s.line,
                entries: s.entries.iter().collect(),
            })
            .collect();

        // Section names and keys.
        let mut venue_line: Option<usize> = None;
        for p in &props {
            let known = match p.section {
                "VENUE" => {
                    if let Some(l) = venue_line {
                        return Err(p.err_at(
                            p.section_line,
                            format!("duplicate [VENUE] section (first on line {l})"),
                        ));
                    }
                    venue_line = Some(p.section_line);
                    VENUE_KEYS
                }
                "ASSET" => ASSET_KEYS,
                "INSTRUMENT" => INSTRUMENT_KEYS,
                "ACCOUNT" => ACCOUNT_KEYS,
                other => {
                    return Err(p.err_at(
                        p.section_line,
                        format!(
                            "unknown section [{other}] (expected [VENUE], [ASSET], [INSTRUMENT] \
                             or [ACCOUNT])"
                        ),
                    ))
                }
            };
            for e in &p.entries {
                let is_balance = p.section == "ACCOUNT" && balance_asset(&e.key).is_some();
                if !is_balance && !known.iter().any(|k| k.eq_ignore_ascii_case(&e.key)) {
                    return Err(p.err_at(
                        e.line,
                        format!(
                            "unknown key '{}' in [{}]{}",
                            e.key,
                            p.section,
                            suggest(&e.key, known)
                        ),
                    ));
                }
            }
        }

        let mut venue = VenueFile {
            file_name: file_name.to_string(),
            maker_fee_bps: Decimal::ZERO,
            taker_fee_bps: Decimal::ZERO,
            assets: Vec::new(),
            instruments: Vec::new(),
            accounts: Vec::new(),
        };

        // Pass 1: venue and assets.
        let mut asset_lines: Vec<usize> = Vec::new();
        for p in &props {
            match p.section {
                "VENUE" => {
                    venue.maker_fee_bps = p.opt("MakerFeeBps", p_maker_bps)?.unwrap_or_default();
                    venue.taker_fee_bps = p.opt("TakerFeeBps", p_taker_bps)?.unwrap_or_default();
                }
                "ASSET" => {
                    let name = p.req("Name", p_name)?;
                    let precision = p.req("Precision", |v| match v.parse::<u32>() {
                        Ok(n) if n <= 18 => Ok(n),
                        _ => Err("expected an integer 0..=18".to_string()),
                    })?;
                    if let Some(i) = venue
                        .assets
                        .iter()
                        .position(|a| a.name.eq_ignore_ascii_case(&name))
                    {
                        return Err(p.err_at(
                            p.get("Name").unwrap().line,
                            format!(
                                "duplicate asset '{name}' (first defined in [ASSET] on line {})",
                                asset_lines[i]
                            ),
                        ));
                    }
                    asset_lines.push(p.section_line);
                    venue.assets.push(AssetConfig { name, precision });
                }
                _ => {}
            }
        }

        // Pass 2: instruments and accounts.
        let mut instrument_lines: Vec<usize> = Vec::new();
        let mut account_lines: Vec<usize> = Vec::new();
        for p in &props {
            match p.section {
                "INSTRUMENT" => {
                    let inst = parse_instrument(p, &venue)?;
                    if let Some(i) = venue
                        .instruments
                        .iter()
                        .position(|x| x.symbol.eq_ignore_ascii_case(&inst.symbol))
                    {
                        return Err(p.err_at(
                            p.get("Symbol").unwrap().line,
                            format!(
                                "duplicate instrument '{}' (first defined in [INSTRUMENT] on \
                                 line {})",
                                inst.symbol, instrument_lines[i]
                            ),
                        ));
                    }
                    instrument_lines.push(p.section_line);
                    venue.instruments.push(inst);
                }
                "ACCOUNT" => {
                    let acc = parse_account(p, &venue)?;
                    if let Some(i) = venue
                        .accounts
                        .iter()
                        .position(|x| x.name.eq_ignore_ascii_case(&acc.name))
                    {
                        return Err(p.err_at(
                            p.get("Name").unwrap().line,
                            format!(
                                "duplicate account '{}' (first defined in [ACCOUNT] on line {})",
                                acc.name, account_lines[i]
                            ),
                        ));
                    }
                    account_lines.push(p.section_line);
                    venue.accounts.push(acc);
                }
                _ => {}
            }
        }
        Ok(venue)
    }

    pub fn asset(&self, name: &str) -> Option<&AssetConfig> {
        self.assets.iter().find(|a| a.name == name)
    }

    pub fn instrument(&self, symbol: &str) -> Option<&InstrumentDef> {
        self.instruments.iter().find(|i| i.symbol == symbol)
    }

    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Effective (maker, taker) fee in bps: account override, else venue default.
    pub fn fees_for(&self, account: &AccountConfig) -> (Decimal, Decimal) {
        (
            account.maker_fee_bps.unwrap_or(self.maker_fee_bps),
            account.taker_fee_bps.unwrap_or(self.taker_fee_bps),
        )
    }

    /// Cross-check: every `Application=venue` session has at least one account and all of its
    /// `Account`/`Accounts` exist here. Errors point at the settings file line.
    pub fn check_session_accounts(&self, settings: &Settings) -> Result<()> {
        for s in &settings.sessions {
            if s.application != ApplicationKind::Venue {
                continue;
            }
            let err = |m: String| SettingsError::new(&settings.file_name, Some(s.accounts_line), m);
            if s.accounts.is_empty() {
                return Err(err(format!(
                    "session {} (Application=venue) has no Account/Accounts",
                    s.id
                )));
            }
            if let Some(a) = s.accounts.iter().find(|a| self.account(a).is_none()) {
                return Err(err(format!(
                    "Accounts: unknown account '{a}' (not defined in {})",
                    self.file_name
                )));
            }
        }
        Ok(())
    }
}

/// `Balance.USD` -> `Some("USD")` (prefix case-insensitive).
fn balance_asset(key: &str) -> Option<&str> {
    let (prefix, asset) = key.split_at_checked(8)?;
    (prefix.eq_ignore_ascii_case("Balance.") && !asset.is_empty()).then_some(asset)
}

fn asset_ref<'v>(p: &Props, key: &str, venue: &'v VenueFile) -> Result<&'v AssetConfig> {
    let e = p.required(key)?;
    venue.asset(&e.value).ok_or_else(|| {
        p.err_at(
            e.line,
            format!(
                "{key}: unknown asset '{}' (no [ASSET] with that Name)",
                e.value
            ),
        )
    })
}

fn check_scale(p: &Props, key: &str, value: Decimal, asset: &AssetConfig) -> Result<()> {
    if value.normalize().scale() > asset.precision {
        let line = p.get(key).map_or(p.section_line, |e| e.line);
        return Err(p.err_at(
            line,
            format!(
                "{key}: {value} has more decimals than {} precision {}",
                asset.name, asset.precision
            ),
        ));
    }
    Ok(())
}

fn parse_instrument(p: &Props, venue: &VenueFile) -> Result<InstrumentDef> {
    let symbol = p.req("Symbol", p_symbol)?;
    let base = asset_ref(p, "BaseAsset", venue)?;
    let quote = asset_ref(p, "QuoteAsset", venue)?;
    if base.name == quote.name {
        let line = p.get("QuoteAsset").unwrap().line;
        return Err(p.err_at(line, "QuoteAsset: must differ from BaseAsset"));
    }
    let tick_size = p.req("TickSize", p_positive)?;
    let lot_size = p.req("LotSize", p_positive)?;
    check_scale(p, "TickSize", tick_size, quote)?;
    check_scale(p, "LotSize", lot_size, base)?;
    let min_qty = p.opt("MinQty", p_positive)?.unwrap_or(lot_size);
    let max_qty = p.req("MaxQty", p_positive)?;
    for (key, q) in [("MinQty", min_qty), ("MaxQty", max_qty)] {
        if !(q % lot_size).is_zero() {
            let line = p.get(key).map_or(p.section_line, |e| e.line);
            return Err(p.err_at(
                line,
                format!("{key}: {q} is not a multiple of LotSize {lot_size}"),
            ));
        }
    }
    if min_qty > max_qty {
        let line = p.get("MinQty").unwrap().line;
        return Err(p.err_at(line, format!("MinQty: {min_qty} exceeds MaxQty {max_qty}")));
    }
    Ok(InstrumentDef {
        symbol,
        base_asset: base.name.clone(),
        quote_asset: quote.name.clone(),
        tick_size,
        lot_size,
        min_qty,
        max_qty,
        max_notional: p.opt("MaxNotional", p_positive)?,
    })
}

fn parse_account(p: &Props, venue: &VenueFile) -> Result<AccountConfig> {
    let name = p.req("Name", p_symbol)?;
    let mut balances = Vec::new();
    for e in &p.entries {
        let Some(asset_name) = balance_asset(&e.key) else {
            continue;
        };
        let asset = venue
            .asset(asset_name)
            .ok_or_else(|| p.err_at(e.line, format!("{}: unknown asset '{asset_name}'", e.key)))?;
        let amount = p_non_negative(&e.value)
            .map_err(|m| p.err_at(e.line, format!("{}: {m}, got '{}'", e.key, e.value)))?;
        check_scale(p, &e.key, amount, asset)?;
        balances.push((asset.name.clone(), amount));
    }
    Ok(AccountConfig {
        name,
        balances,
        maker_fee_bps: p.opt("MakerFeeBps", p_maker_bps)?,
        taker_fee_bps: p.opt("TakerFeeBps", p_taker_bps)?,
        self_trade: p
            .opt("SelfTradePrevention", |v| {
                match v.to_ascii_lowercase().as_str() {
                    "cancelresting" => Ok(StpMode::CancelResting),
                    "cancelaggressor" => Ok(StpMode::CancelAggressor),
                    "cancelboth" => Ok(StpMode::CancelBoth),
                    _ => Err("expected CancelResting, CancelAggressor or CancelBoth".to_string()),
                }
            })?
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const F: &str = "venue.cfg";

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    const HEAD: &str = "[ASSET]\nName=USD\nPrecision=2\n[ASSET]\nName=BTC\nPrecision=8\n";

    fn err(body: &str) -> String {
        VenueFile::parse(&format!("{HEAD}{body}"), F)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn default_venue_parses() {
        let v = VenueFile::default_embedded();
        assert_eq!(v.maker_fee_bps, d("1"));
        assert_eq!(v.taker_fee_bps, d("2.5"));
        assert_eq!(v.assets.len(), 4);
        assert_eq!(v.instruments.len(), 3);
        let btc = v.instrument("BTC-USD").unwrap();
        assert_eq!(btc.tick_size, d("0.01"));
        assert_eq!(btc.lot_size, d("0.0001"));
        assert_eq!(btc.max_notional, Some(d("10000000")));
        assert_eq!(v.instrument("AAPL").unwrap().quote_asset, "USD");
        let names: Vec<&str> = v.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["ACC1", "ACC2", "ACC3", "ACC4"]);
        let a1 = v.account("ACC1").unwrap();
        assert_eq!(a1.balances[0], ("USD".to_string(), d("1000000")));
        assert_eq!(a1.self_trade, StpMode::CancelResting);
        let a4 = v.account("ACC4").unwrap();
        assert_eq!(a4.self_trade, StpMode::CancelBoth);
        assert_eq!(v.fees_for(a4), (d("0.5"), d("1")));
        assert_eq!(v.fees_for(a1), (d("1"), d("2.5")));
    }

    #[test]
    fn default_settings_match_default_venue() {
        let v = VenueFile::default_embedded();
        let s = Settings::default_embedded();
        v.check_session_accounts(&s).unwrap();
        let bad = crate::settings::DEFAULT_SETTINGS.replace("ACC2,ACC4", "ACC2,ACC9");
        let s = Settings::parse(&bad, "a.cfg").unwrap();
        let e = v.check_session_accounts(&s).unwrap_err().to_string();
        assert!(e.starts_with("a.cfg:"), "{e}");
        assert!(e.contains("unknown account 'ACC9'"), "{e}");
    }

    #[test]
    fn order_independent_and_defaults() {
        let text = "[ACCOUNT]\nName=A\nbalance.btc=1.5\n[INSTRUMENT]\nSymbol=X\nBaseAsset=btc\n\
                    QuoteAsset=USD\nTickSize=0.5\nLotSize=0.1\nMaxQty=10\n\
                    [asset]\nName=btc\nPrecision=1\n[ASSET]\nName=USD\nPrecision=2\n";
        let v = VenueFile::parse(text, F).unwrap();
        assert_eq!(v.instruments[0].min_qty, d("0.1"));
        assert_eq!(v.accounts[0].balances, vec![("btc".to_string(), d("1.5"))]);
        assert_eq!(v.maker_fee_bps, Decimal::ZERO);
    }

    #[test]
    fn errors_name_the_line() {
        let inst = "[INSTRUMENT]\nSymbol=BTC-USD\nBaseAsset=BTC\nQuoteAsset=USD\n";
        let cases: Vec<(String, &str)> = vec![
            ("[VENUE]\nMakerFee=1\n".into(), "venue.cfg:8: unknown key 'MakerFee' in [VENUE] (did you mean 'MakerFeeBps'?)"),
            ("[VENUE]\nTakerFeeBps=-1\n".into(), "venue.cfg:8: TakerFeeBps: expected basis points between 0 and 10000, got '-1'"),
            ("[VENUE]\n[VENUE]\n".into(), "venue.cfg:8: duplicate [VENUE] section (first on line 7)"),
            ("[MARKET]\n".into(), "venue.cfg:7: unknown section [MARKET]"),
            ("[ASSET]\nName=usd\nPrecision=2\n".into(), "venue.cfg:8: duplicate asset 'usd' (first defined in [ASSET] on line 1)"),
            ("[ASSET]\nName=X\nPrecision=30\n".into(), "venue.cfg:9: Precision: expected an integer 0..=18, got '30'"),
            ("[ASSET]\nName=X.Y\nPrecision=1\n".into(), "venue.cfg:8: Name: expected letters"),
            ("[ASSET]\nName=X\n".into(), "venue.cfg:7: [ASSET] is missing required key 'Precision'"),
            (format!("{inst}TickSize=0\nLotSize=1\nMaxQty=1\n"), "venue.cfg:11: TickSize: expected a positive decimal number, got '0'"),
            (format!("{inst}TickSize=abc\nLotSize=1\nMaxQty=1\n"), "venue.cfg:11: TickSize: expected a decimal number, got 'abc'"),
            (format!("{inst}TickSize=0.001\nLotSize=1\nMaxQty=1\n"), "venue.cfg:11: TickSize: 0.001 has more decimals than USD precision 2"),
            (format!("{inst}TickSize=0.01\nLotSize=-1\nMaxQty=1\n"), "venue.cfg:12: LotSize: expected a positive decimal number, got '-1'"),
            (format!("{inst}TickSize=0.01\nLotSize=0.1\nMaxQty=1.05\n"), "venue.cfg:13: MaxQty: 1.05 is not a multiple of LotSize 0.1"),
            (format!("{inst}TickSize=0.01\nLotSize=0.1\nMinQty=2\nMaxQty=1\n"), "venue.cfg:13: MinQty: 2 exceeds MaxQty 1"),
            (format!("{inst}TickSize=0.01\nLotSize=1\n"), "venue.cfg:7: [INSTRUMENT] is missing required key 'MaxQty'"),
            ("[INSTRUMENT]\nSymbol=X\nBaseAsset=ETH\nQuoteAsset=USD\n".into(), "venue.cfg:9: BaseAsset: unknown asset 'ETH'"),
            ("[INSTRUMENT]\nSymbol=X\nBaseAsset=USD\nQuoteAsset=USD\n".into(), "venue.cfg:10: QuoteAsset: must differ from BaseAsset"),
            (format!("{inst}TickSize=1\nLotSize=1\nMaxQty=1\n{inst}TickSize=1\nLotSize=1\nMaxQty=1\n"), "venue.cfg:15: duplicate instrument 'BTC-USD' (first defined in [INSTRUMENT] on line 7)"),
            ("[ACCOUNT]\nName=A\nBalance.ETH=1\n".into(), "venue.cfg:9: Balance.ETH: unknown asset 'ETH'"),
            ("[ACCOUNT]\nName=A\nBalance.USD=-5\n".into(), "venue.cfg:9: Balance.USD: expected a non-negative decimal number, got '-5'"),
            ("[ACCOUNT]\nName=A\nBalance.USD=1.234\n".into(), "venue.cfg:9: Balance.USD: 1.234 has more decimals than USD precision 2"),
            ("[ACCOUNT]\nName=A\nBalance.USD=1\nBALANCE.usd=2\n".into(), "venue.cfg:10: duplicate key 'BALANCE.usd' (already set on line 9)"),
            ("[ACCOUNT]\nName=A\nSelfTradePrevention=Never\n".into(), "venue.cfg:9: SelfTradePrevention: expected CancelResting"),
            ("[ACCOUNT]\nName=A\nBalanc.USD=1\n".into(), "venue.cfg:9: unknown key 'Balanc.USD' in [ACCOUNT]"),
            ("[ACCOUNT]\nName=A\n[ACCOUNT]\nName=A\n".into(), "venue.cfg:10: duplicate account 'A' (first defined in [ACCOUNT] on line 7)"),
            ("[ACCOUNT]\nName=A\nMakerFeeBps=1e3\n".into(), "venue.cfg:9: MakerFeeBps: expected a decimal number, got '1e3'"),
        ];
        for (body, want) in &cases {
            let got = err(body);
            assert!(got.starts_with(want), "\n got: {got}\nwant: {want}");
        }
        let e = VenueFile::load("/nonexistent/v.cfg").unwrap_err();
        assert_eq!(e.line, None);
    }

    #[test]
    fn load_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("venue.cfg");
        std::fs::write(&p, DEFAULT_VENUE).unwrap();
        assert_eq!(
            VenueFile::load(&p).unwrap(),
            VenueFile {
                file_name: p.display().to_string(),
                ..VenueFile::default_embedded()
            }
        );
    }
}
