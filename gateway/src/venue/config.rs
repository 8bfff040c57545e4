//! From the settings and venue files to the engine's configuration: every
//! venue session becomes an engine owner with its default and allowed
//! accounts.

use engine::{InstrumentConfig, OwnerConfig, OwnerId, VenueConfig};

use crate::settings::{ApplicationKind, SessionId, Settings};
use crate::venue_config::VenueFile;

/// A session's engine identity: a stable hash of its SessionID, so that a
/// reordered settings file maps journaled orders to the same sessions.
pub fn owner_id(id: &SessionId) -> OwnerId {
    // FNV-1a, 32 bits.
    let mut h: u32 = 0x811c_9dc5;
    for b in id.to_string().bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    OwnerId(h)
}

/// The engine configuration for these files.
pub fn engine_config(settings: &Settings, venue: &VenueFile) -> Result<VenueConfig, String> {
    venue
        .check_session_accounts(settings)
        .map_err(|e| e.to_string())?;
    let mut owners: Vec<OwnerConfig> = Vec::new();
    for s in settings
        .sessions
        .iter()
        .filter(|s| s.application == ApplicationKind::Venue)
    {
        let owner = owner_id(&s.id);
        if let Some(other) = owners.iter().find(|o| o.owner == owner) {
            return Err(format!(
                "session {} collides with owner {:?}; rename a CompID",
                s.id, other.owner
            ));
        }
        let default_account = s
            .account
            .clone()
            .or_else(|| s.accounts.first().cloned())
            .ok_or_else(|| {
                format!(
                    "{}:{}: session {} has no Account",
                    settings.file_name, s.line, s.id
                )
            })?;
        owners.push(OwnerConfig {
            owner,
            default_account,
            allowed_accounts: s.accounts.clone(),
        });
    }
    Ok(VenueConfig {
        default_maker_bps: venue.maker_fee_bps,
        default_taker_bps: venue.taker_fee_bps,
        assets: venue.assets.clone(),
        instruments: venue
            .instruments
            .iter()
            .map(|i| InstrumentConfig {
                symbol: i.symbol.clone(),
                base_asset: i.base_asset.clone(),
                quote_asset: i.quote_asset.clone(),
                tick_size: i.tick_size,
                lot_size: i.lot_size,
                min_qty: i.min_qty,
                max_qty: Some(i.max_qty),
                max_notional: i.max_notional,
            })
            .collect(),
        accounts: venue.accounts.clone(),
        owners,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_files_make_a_valid_engine() {
        let cfg = engine_config(
            &Settings::default_embedded(),
            &VenueFile::default_embedded(),
        )
        .unwrap();
        assert_eq!(cfg.owners.len(), 2);
        engine::Engine::new(&cfg).unwrap();
    }

    #[test]
    fn owner_ids_are_stable_and_distinct() {
        let a = owner_id(&SessionId::new("FIX.4.2", "VENUE", "CLIENT1"));
        let b = owner_id(&SessionId::new("FIX.4.2", "VENUE", "CLIENT2"));
        assert_ne!(a, b);
        assert_eq!(a, owner_id(&SessionId::new("FIX.4.2", "VENUE", "CLIENT1")));
    }
}
