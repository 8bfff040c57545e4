//! Counters for Prometheus: per session and for the engine, kept in atomics
//! that the owning task updates with relaxed stores, and served as the
//! Prometheus text format over a minimal HTTP endpoint (`HttpMetricsPort`).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::session::Session;

/// One session's counters, written by its task.
#[derive(Debug, Default)]
pub struct SessionMetrics {
    pub messages_in: AtomicU64,
    pub messages_out: AtomicU64,
    pub rejects: AtomicU64,
    pub resent: AtomicU64,
    pub garbled: AtomicU64,
    pub next_sender_seq: AtomicU64,
    pub next_target_seq: AtomicU64,
    pub logged_on: AtomicU64,
}

impl SessionMetrics {
    pub fn update(&self, s: &Session) {
        let st = s.stats();
        self.messages_in.store(st.messages_in, Relaxed);
        self.messages_out.store(st.messages_out, Relaxed);
        self.rejects.store(st.rejects_sent, Relaxed);
        self.resent.store(st.resent, Relaxed);
        self.garbled.store(st.garbled, Relaxed);
        self.next_sender_seq.store(s.next_sender_seq(), Relaxed);
        self.next_target_seq.store(s.next_target_seq(), Relaxed);
        self.logged_on.store(s.is_logged_on() as u64, Relaxed);
    }
}

/// Engine counters, written on the engine thread by the router.
#[derive(Debug, Default)]
pub struct EngineMetrics {
    pub batches: AtomicU64,
    pub events: AtomicU64,
    pub orders_accepted: AtomicU64,
    pub orders_rejected: AtomicU64,
    pub fills: AtomicU64,
    pub cancels: AtomicU64,
    pub replaces: AtomicU64,
    pub cancel_rejects: AtomicU64,
    pub expired: AtomicU64,
    pub last_batch_events: AtomicU64,
    pub max_batch_events: AtomicU64,
    pub journal_commits: AtomicU64,
    pub journal_commit_nanos: AtomicU64,
    pub journal_commit_max_nanos: AtomicU64,
    pub last_batch_commands: AtomicU64,
}

/// Everything the endpoint shows.
#[derive(Default)]
pub struct Registry {
    pub sessions: Mutex<Vec<(String, Arc<SessionMetrics>)>>,
    pub engine: Arc<EngineMetrics>,
    /// Commands waiting in the engine's queue, if known.
    pub engine_queue_depth: Mutex<Option<Box<dyn Fn() -> usize + Send>>>,
}

impl Registry {
    pub fn session(&self, name: &str) -> Arc<SessionMetrics> {
        let m = Arc::new(SessionMetrics::default());
        if let Ok(mut s) = self.sessions.lock() {
            s.push((name.to_owned(), Arc::clone(&m)));
        }
        m
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let sessions = self.sessions.lock().map(|s| s.clone()).unwrap_or_default();
        type Get = fn(&SessionMetrics) -> &AtomicU64;
        let per_session: [(&str, &str, &str, Get); 8] = [
            (
                "fixvenue_session_messages_in_total",
                "counter",
                "Messages received.",
                |m| &m.messages_in,
            ),
            (
                "fixvenue_session_messages_out_total",
                "counter",
                "Messages sent.",
                |m| &m.messages_out,
            ),
            (
                "fixvenue_session_rejects_total",
                "counter",
                "Session-level Rejects sent.",
                |m| &m.rejects,
            ),
            (
                "fixvenue_session_resent_total",
                "counter",
                "Messages resent on ResendRequest.",
                |m| &m.resent,
            ),
            (
                "fixvenue_session_garbled_total",
                "counter",
                "Garbled messages ignored.",
                |m| &m.garbled,
            ),
            (
                "fixvenue_session_next_sender_seq",
                "gauge",
                "Next outbound MsgSeqNum.",
                |m| &m.next_sender_seq,
            ),
            (
                "fixvenue_session_next_target_seq",
                "gauge",
                "Next expected inbound MsgSeqNum.",
                |m| &m.next_target_seq,
            ),
            (
                "fixvenue_session_logged_on",
                "gauge",
                "1 while logged on.",
                |m| &m.logged_on,
            ),
        ];
        for (name, kind, help, get) in per_session {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (session, m) in &sessions {
                let _ = writeln!(
                    out,
                    "{name}{{session=\"{session}\"}} {}",
                    get(m).load(Relaxed)
                );
            }
        }
        let e = &self.engine;
        let engine: [(&str, &str, &str, &AtomicU64); 15] = [
            (
                "fixvenue_engine_batches_total",
                "counter",
                "Batches applied and published.",
                &e.batches,
            ),
            (
                "fixvenue_engine_events_total",
                "counter",
                "Events published.",
                &e.events,
            ),
            (
                "fixvenue_engine_orders_accepted_total",
                "counter",
                "Orders accepted.",
                &e.orders_accepted,
            ),
            (
                "fixvenue_engine_orders_rejected_total",
                "counter",
                "Orders refused.",
                &e.orders_rejected,
            ),
            (
                "fixvenue_engine_fills_total",
                "counter",
                "Fill reports (one per side of a trade).",
                &e.fills,
            ),
            (
                "fixvenue_engine_cancels_total",
                "counter",
                "Cancels (requested, IOC/FOK remainders, STP).",
                &e.cancels,
            ),
            (
                "fixvenue_engine_replaces_total",
                "counter",
                "Replaces.",
                &e.replaces,
            ),
            (
                "fixvenue_engine_cancel_rejects_total",
                "counter",
                "Cancel/replace requests refused.",
                &e.cancel_rejects,
            ),
            (
                "fixvenue_engine_expired_total",
                "counter",
                "Day orders expired.",
                &e.expired,
            ),
            (
                "fixvenue_engine_last_batch_events",
                "gauge",
                "Events in the last batch.",
                &e.last_batch_events,
            ),
            (
                "fixvenue_engine_max_batch_events",
                "gauge",
                "Most events in one batch.",
                &e.max_batch_events,
            ),
            (
                "fixvenue_engine_journal_commits_total",
                "counter",
                "Journal commits (one per batch).",
                &e.journal_commits,
            ),
            (
                "fixvenue_engine_journal_commit_nanos_total",
                "counter",
                "Time spent committing the journal (append, flush, fsync per policy), ns.",
                &e.journal_commit_nanos,
            ),
            (
                "fixvenue_engine_journal_commit_max_nanos",
                "gauge",
                "Slowest journal commit, ns.",
                &e.journal_commit_max_nanos,
            ),
            (
                "fixvenue_engine_last_batch_commands",
                "gauge",
                "Commands in the last batch.",
                &e.last_batch_commands,
            ),
        ];
        for (name, kind, help, v) in engine {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Relaxed)
            );
        }
        if let Ok(g) = self.engine_queue_depth.lock() {
            if let Some(f) = g.as_ref() {
                let name = "fixvenue_engine_queue_depth";
                let _ = writeln!(out, "# HELP {name} Commands waiting for the engine.\n# TYPE {name} gauge\n{name} {}", f());
            }
        }
        out
    }
}

/// Serves `GET /metrics` (any path, in fact) until the task is dropped.
pub async fn serve(listener: TcpListener, registry: Arc<Registry>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let registry = Arc::clone(&registry);
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            // Read the request head; its content does not matter.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), stream.read(&mut buf))
                .await;
            let body = registry.render();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}
