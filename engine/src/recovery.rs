//! Start-up: latest snapshot + replay of the journal after it. Replay publishes nothing.

use std::path::Path;

use crate::config::{ConfigError, VenueConfig};
use crate::engine::Engine;
use crate::journal::{Durability, Journal, JournalError, JournalRecord};
use crate::snapshot::{self, SnapshotError};
use crate::types::Event;

pub const JOURNAL_FILE: &str = "journal.log";

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("journal directory {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("journal does not continue the snapshot: snapshot at {snapshot}, journal {journal}")]
    Gap { snapshot: u64, journal: String },
}

impl Engine {
    /// Re-apply journal records (state only; the events are dropped).
    pub fn replay<'a>(&mut self, records: impl IntoIterator<Item = &'a JournalRecord>) {
        let mut scratch = Vec::new();
        for r in records {
            if r.seq <= self.last_seq() {
                continue;
            }
            self.apply(r.seq, r.timestamp_nanos, &r.command, &mut scratch);
            scratch.clear();
        }
    }

    /// Open a venue directory: build from `config`, load the latest snapshot, replay the
    /// journal after it, and return the engine with its journal ready for appends.
    pub fn open(
        config: &VenueConfig,
        dir: &Path,
        durability: Durability,
    ) -> Result<(Engine, Journal), OpenError> {
        Self::open_with_events(config, dir, durability, &mut |_| {})
    }

    /// [`Engine::open`], handing every event the replay re-creates (journal records
    /// after the snapshot) to `on_event`. Replay still publishes nothing: this is
    /// for a caller that reconciles what it had delivered before a crash.
    pub fn open_with_events(
        config: &VenueConfig,
        dir: &Path,
        durability: Durability,
        on_event: &mut dyn FnMut(&Event),
    ) -> Result<(Engine, Journal), OpenError> {
        std::fs::create_dir_all(dir).map_err(|e| OpenError::Dir(dir.display().to_string(), e))?;
        let mut engine = Engine::new(config)?;
        if let Some((_, path)) =
            snapshot::latest(dir).map_err(|e| OpenError::Dir(dir.display().to_string(), e))?
        {
            snapshot::load(&mut engine, &path)?;
        }
        let (mut journal, records) = Journal::open(&dir.join(JOURNAL_FILE), durability)?;
        let snap = engine.last_seq();
        let (first, last) = (
            records.first().map(|r| r.seq),
            records.last().map(|r| r.seq),
        );
        match (first, last) {
            (None, _) => journal.set_next_seq(snap + 1),
            (Some(f), Some(l)) if f <= snap + 1 && l >= snap => {}
            (Some(f), Some(l)) => {
                return Err(OpenError::Gap {
                    snapshot: snap,
                    journal: format!("{f}..={l}"),
                })
            }
            _ => unreachable!(),
        }
        let mut events = Vec::new();
        for r in &records {
            if r.seq <= engine.last_seq() {
                continue;
            }
            engine.apply(r.seq, r.timestamp_nanos, &r.command, &mut events);
            for e in &events {
                on_event(e);
            }
            events.clear();
        }
        debug_assert_eq!(journal.next_seq(), engine.last_seq() + 1);
        Ok((engine, journal))
    }
}
