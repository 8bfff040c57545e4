//! The engine's subscriber: on the engine thread, after a batch is durable,
//! hand each session its own reports in one message, in engine order. The
//! session task frames, stores and writes them; a session that is offline
//! stores them for resend after its next Logon.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::Utc;
use std::sync::atomic::Ordering::Relaxed;

use engine::{Catalog, Event, EventKind, EventSink, OwnerId};

use crate::metrics::EngineMetrics;

use crate::acceptor::{SessionCmd, SessionHandle};
use crate::venue_config::VenueFile;

/// Owner → session task, filled as sessions start.
pub type Routes = Arc<RwLock<HashMap<OwnerId, SessionHandle>>>;

pub struct Router {
    pub routes: Routes,
    pub venue: Arc<VenueFile>,
    /// Turns events into FIX values on the session threads (off the engine thread).
    pub catalog: Arc<Catalog>,
    pub metrics: Arc<EngineMetrics>,
    /// Per-owner scratch, reused across batches.
    pending: HashMap<OwnerId, Vec<Event>>,
}

impl Router {
    pub fn new(
        routes: Routes,
        venue: Arc<VenueFile>,
        catalog: Arc<Catalog>,
        metrics: Arc<EngineMetrics>,
    ) -> Self {
        Router {
            routes,
            venue,
            catalog,
            metrics,
            pending: HashMap::new(),
        }
    }

    fn count(&self, batch: &[Event]) {
        let m = &self.metrics;
        m.batches.fetch_add(1, Relaxed);
        m.events.fetch_add(batch.len() as u64, Relaxed);
        m.last_batch_events.store(batch.len() as u64, Relaxed);
        m.max_batch_events.fetch_max(batch.len() as u64, Relaxed);
        for e in batch {
            let c = match e.kind {
                EventKind::Accepted => &m.orders_accepted,
                EventKind::Rejected { .. } => &m.orders_rejected,
                EventKind::Fill { .. } => &m.fills,
                EventKind::Canceled { .. } => &m.cancels,
                EventKind::Replaced => &m.replaces,
                EventKind::CancelRejected { .. } => &m.cancel_rejects,
                EventKind::Expired => &m.expired,
                EventKind::Status | EventKind::StatusRejected { .. } => continue,
            };
            c.fetch_add(1, Relaxed);
        }
    }
}

impl EventSink for Router {
    fn committed(&mut self, commands: usize, commit: std::time::Duration) {
        let m = &self.metrics;
        let ns = commit.as_nanos() as u64;
        m.journal_commits.fetch_add(1, Relaxed);
        m.journal_commit_nanos.fetch_add(ns, Relaxed);
        m.journal_commit_max_nanos.fetch_max(ns, Relaxed);
        m.last_batch_commands.store(commands as u64, Relaxed);
    }

    fn publish(&mut self, batch: &[Event]) {
        self.count(batch);
        for e in batch {
            self.pending.entry(e.owner).or_default().push(e.clone());
        }
        let Ok(routes) = self.routes.read() else {
            return;
        };
        for (owner, events) in self.pending.iter_mut() {
            if events.is_empty() {
                continue;
            }
            let events = std::mem::take(events);
            match routes.get(owner) {
                Some(h) => {
                    let venue = Arc::clone(&self.venue);
                    let catalog = Arc::clone(&self.catalog);
                    let _ = h.tx.send(SessionCmd::With(Box::new(move |s| {
                        deliver(s, &events, &venue, &catalog)
                    })));
                }
                None => tracing::error!(
                    ?owner,
                    n = events.len(),
                    "reports for an owner with no session"
                ),
            }
        }
    }
}

/// Writes a batch of reports on a session (or stores them when offline).
pub fn deliver(
    session: &mut crate::session::Session,
    events: &[Event],
    venue: &VenueFile,
    catalog: &Catalog,
) {
    let now = Utc::now();
    for e in events {
        session.send_app_with(super::reports::msg_type(e), &[], now, |b| {
            super::reports::write_report(e, venue, catalog, b)
        });
    }
}
