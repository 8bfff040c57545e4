//! The engine's subscriber: on the engine thread, after a batch is durable,
//! hand each session its own reports in one message, in engine order. The
//! session task frames, stores and writes them; a session that is offline
//! stores them for resend after its next Logon.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::Utc;
use engine::{Event, EventSink, OwnerId};

use crate::acceptor::{SessionCmd, SessionHandle};
use crate::venue_config::VenueFile;

/// Owner → session task, filled as sessions start.
pub type Routes = Arc<RwLock<HashMap<OwnerId, SessionHandle>>>;

pub struct Router {
    pub routes: Routes,
    pub venue: Arc<VenueFile>,
    /// Per-owner scratch, reused across batches.
    pending: HashMap<OwnerId, Vec<Event>>,
}

impl Router {
    pub fn new(routes: Routes, venue: Arc<VenueFile>) -> Self {
        Router { routes, venue, pending: HashMap::new() }
    }
}

impl EventSink for Router {
    fn publish(&mut self, batch: &[Event]) {
        for e in batch {
            self.pending.entry(e.owner).or_default().push(e.clone());
        }
        let Ok(routes) = self.routes.read() else { return };
        for (owner, events) in self.pending.iter_mut() {
            if events.is_empty() {
                continue;
            }
            let events = std::mem::take(events);
            match routes.get(owner) {
                Some(h) => {
                    let venue = Arc::clone(&self.venue);
                    let _ = h.tx.send(SessionCmd::With(Box::new(move |s| deliver(s, &events, &venue))));
                }
                None => tracing::error!(?owner, n = events.len(), "reports for an owner with no session"),
            }
        }
    }
}

/// Writes a batch of reports on a session (or stores them when offline).
pub fn deliver(session: &mut crate::session::Session, events: &[Event], venue: &VenueFile) {
    let now = Utc::now();
    for e in events {
        session.send_app_with(super::reports::msg_type(e), &[], now, |b| super::reports::write_report(e, venue, b));
    }
}
