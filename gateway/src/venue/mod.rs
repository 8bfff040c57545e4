//! The venue: FIX order entry wired to the matching engine.
//!
//! Inbound: each venue session's [`app::VenueApp`] turns order messages into
//! engine commands tagged with the session's owner id. The engine thread
//! applies a batch, journals it, and hands the events to the
//! [`router::Router`], which gives each session task its own reports in one
//! message. The session frames, stores and writes them at once; nobody
//! polls. A session that is offline stores its reports (they take its next
//! sequence numbers) and the client gets them by resend after its Logon.

pub mod app;
pub mod config;
pub mod reports;
pub mod router;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use engine::{Command, Durability, Engine, EngineHandle, RunConfig};

use crate::acceptor::SessionHandle;
use crate::app::Application;
use crate::settings::{ApplicationKind, Schedule, SessionSettings, Settings};
use crate::venue_config::VenueFile;

/// How many replayed events are kept for reconciling after a crash: the
/// window between journaling a batch and storing its reports is a few
/// microseconds, so the tail of the journal is plenty.
const MISSED_WINDOW: usize = 100_000;

pub struct Venue {
    pub engine: EngineHandle,
    /// Replayed events (the journal's tail), to hand sessions the reports
    /// they had not stored when the venue stopped.
    replayed: std::collections::VecDeque<engine::Event>,
    venue: Arc<VenueFile>,
    catalog: Arc<engine::Catalog>,
    join: Option<std::thread::JoinHandle<Result<Engine, engine::RunError>>>,
    routes: router::Routes,
    day_end: Option<tokio::task::JoinHandle<()>>,
    journal_dir: Option<PathBuf>,
}

/// Where the engine keeps its journal: `JournalPath`, else `engine/` beside
/// the session stores, else nowhere (in memory).
pub fn journal_dir(settings: &Settings) -> Option<PathBuf> {
    let a = &settings.acceptor;
    a.journal_path.clone().or_else(|| {
        a.file_store_path.as_ref().map(|p| {
            p.parent()
                .filter(|q| !q.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join("engine")
        })
    })
}

impl Venue {
    /// Recovers the engine (snapshot + journal) and starts its thread.
    pub fn start(
        settings: &Settings,
        venue: VenueFile,
        registry: &crate::metrics::Registry,
    ) -> Result<Venue, String> {
        let config = config::engine_config(settings, &venue)?;
        let venue = Arc::new(venue);
        let dir = journal_dir(settings);
        let durability = if settings.acceptor.journal_sync {
            Durability::FsyncPerBatch
        } else {
            Durability::None
        };
        let mut replayed = std::collections::VecDeque::new();
        let (engine, journal) = match &dir {
            Some(d) => {
                let mut keep = |e: &engine::Event| {
                    // CancelRejects carry no ExecID to reconcile by.
                    if e.exec_id != 0 {
                        if replayed.len() == MISSED_WINDOW {
                            replayed.pop_front();
                        }
                        replayed.push_back(e.clone());
                    }
                };
                let (e, j) = Engine::open_with_events(&config, d, durability, &mut keep)
                    .map_err(|e| format!("engine journal {}: {e}", d.display()))?;
                (e, Some(j))
            }
            None => (
                Engine::new(&config).map_err(|e| format!("venue configuration: {e}"))?,
                None,
            ),
        };
        tracing::info!(last_seq = engine.last_seq(), journal = ?dir, "engine recovered");
        let routes: router::Routes = Arc::new(RwLock::new(HashMap::new()));
        let catalog = engine.catalog();
        let sink = router::Router::new(
            Arc::clone(&routes),
            Arc::clone(&venue),
            Arc::clone(&catalog),
            Arc::clone(&registry.engine),
        );
        let run = RunConfig {
            spin: Duration::from_micros(settings.acceptor.engine_spin_micros),
            queue_capacity: settings.acceptor.engine_queue_capacity,
            ..RunConfig::default()
        };
        let (handle, join) =
            engine::spawn(engine, journal, sink, run).map_err(|e| format!("engine thread: {e}"))?;
        if let Ok(mut depth) = registry.engine_queue_depth.lock() {
            let h = handle.clone();
            *depth = Some(Box::new(move || h.queue_len()));
        }
        Ok(Venue {
            engine: handle,
            replayed,
            venue,
            catalog,
            join: Some(join),
            routes,
            day_end: None,
            journal_dir: dir,
        })
    }

    /// The application for a venue session; registers the session as the
    /// destination of its owner's reports.
    pub fn app_for(&self, s: &SessionSettings, handle: &SessionHandle) -> Box<dyn Application> {
        let owner = config::owner_id(&s.id);
        if let Ok(mut r) = self.routes.write() {
            r.insert(owner, handle.clone());
        }
        Box::new(app::VenueApp::new(owner, self.engine.clone()))
    }

    /// After a crash: gives each session the reports of journaled events it
    /// had not stored (ExecIDs above the highest in its store), so nothing
    /// the engine acknowledged goes unreported. Call once sessions started.
    pub fn deliver_missed(&mut self) {
        let mut by_owner: HashMap<engine::OwnerId, Vec<engine::Event>> = HashMap::new();
        for e in self.replayed.drain(..) {
            by_owner.entry(e.owner).or_default().push(e);
        }
        let Ok(routes) = self.routes.read() else {
            return;
        };
        for (owner, events) in by_owner {
            let Some(h) = routes.get(&owner) else {
                continue;
            };
            let venue = Arc::clone(&self.venue);
            let catalog = Arc::clone(&self.catalog);
            let _ = h.tx.send(crate::acceptor::SessionCmd::With(Box::new(move |s| {
                let reported = s.max_stored_exec_id();
                let missed: Vec<engine::Event> = events.into_iter().filter(|e| e.exec_id > reported).collect();
                if !missed.is_empty() {
                    tracing::warn!(session = %s.id(), n = missed.len(), "delivering reports journaled but not stored before the last stop");
                    router::deliver(s, &missed, &venue, &catalog);
                }
            })));
        }
    }

    /// Expires Day orders at the end of each trading day (the first venue
    /// session's EndTime), and at start-up if a day ended while the venue
    /// was down.
    pub fn schedule_day_end(&mut self, settings: &Settings) {
        let Some(s) = settings
            .sessions
            .iter()
            .find(|s| s.application == ApplicationKind::Venue)
        else {
            return;
        };
        let schedule = s.schedule;
        let engine = self.engine.clone();
        let marker = self.journal_dir.as_ref().map(|d| d.join("last-day-end"));
        let last_done = marker
            .as_ref()
            .and_then(|m| std::fs::read_to_string(m).ok())
            .and_then(|t| t.trim().parse::<DateTime<Utc>>().ok());
        let now = Utc::now();
        let previous = next_day_end(&schedule, now) - TimeDelta::days(1);
        match last_done {
            Some(t) if t < previous => {
                tracing::info!(%previous, "a trading day ended while the venue was down: expiring Day orders");
                let _ = engine.submit(0, Command::EndOfDay);
                write_marker(marker.as_deref(), previous);
            }
            None => write_marker(marker.as_deref(), previous),
            _ => {}
        }
        self.day_end = Some(tokio::spawn(async move {
            loop {
                let at = next_day_end(&schedule, Utc::now());
                let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                tokio::time::sleep(wait).await;
                tracing::info!(%at, "end of trading day: expiring Day orders");
                if engine.submit_wait(0, Command::EndOfDay).is_err() {
                    return;
                }
                write_marker(marker.as_deref(), at);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }

    /// Stops the engine after what is queued, flushing its journal, and
    /// returns its final state.
    pub fn shutdown(mut self) -> Option<Engine> {
        if let Some(t) = self.day_end.take() {
            t.abort();
        }
        self.engine.shutdown();
        match self.join.take()?.join() {
            Ok(Ok(engine)) => {
                tracing::info!(
                    last_seq = engine.last_seq(),
                    "engine stopped; journal flushed"
                );
                Some(engine)
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "engine stopped with an error");
                None
            }
            Err(_) => {
                tracing::error!("engine thread panicked");
                None
            }
        }
    }
}

fn write_marker(path: Option<&Path>, at: DateTime<Utc>) {
    if let Some(p) = path {
        if let Err(e) = std::fs::write(p, at.to_rfc3339()) {
            tracing::warn!(path = %p.display(), error = %e, "cannot record the trading day end");
        }
    }
}

/// The next end of the trading day after `now`: the session's EndTime each
/// day (in its time zone). Weekly schedules end their trading day daily too.
pub fn next_day_end(schedule: &Schedule, now: DateTime<Utc>) -> DateTime<Utc> {
    let offset = schedule.utc_offset;
    let local = now.with_timezone(&offset);
    let end: NaiveTime = schedule.end;
    let mut candidate = local.date_naive().and_time(end);
    if candidate
        .and_local_timezone(offset)
        .single()
        .is_none_or(|c| c <= local)
    {
        candidate += TimeDelta::days(1);
    }
    candidate
        .and_local_timezone(offset)
        .single()
        .map(|c| c.with_timezone(&Utc))
        .unwrap_or(now + TimeDelta::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn day_end_is_the_next_end_time() {
        let mut s = Schedule::always_on();
        s.end = NaiveTime::from_hms_opt(21, 0, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 11, 26, 20, 0, 0).unwrap();
        assert_eq!(
            next_day_end(&s, before),
            Utc.with_ymd_and_hms(2026, 11, 26, 21, 0, 0).unwrap()
        );
        let after = Utc.with_ymd_and_hms(2026, 11, 26, 21, 0, 0).unwrap();
        assert_eq!(
            next_day_end(&s, after),
            Utc.with_ymd_and_hms(2026, 11, 27, 21, 0, 0).unwrap()
        );
    }
}
