//! The engine thread: batch → apply → journal → fsync (per policy) → publish.
//!
//! Nothing is published before the batch's journal records are written and, under
//! [`Durability::FsyncPerBatch`](crate::Durability), synced. Status queries ride the
//! same queue (so they see every earlier command) and are answered unjournaled.
//! This is the only module that reads a clock: each batch is stamped once with
//! `max(clock(), last timestamp)`, so time never goes backwards.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender, TryRecvError, TrySendError};

use crate::engine::Engine;
use crate::journal::{Journal, JournalError};
use crate::prepare::{Prepared, Preparer, STREAM_AHEAD};
use crate::snapshot::SnapshotError;
use crate::types::{Command, Event, RouteTag};

/// Receives each batch's events on the engine thread, after they are durable.
pub trait EventSink: Send + 'static {
    fn publish(&mut self, batch: &[Event]);
    /// A batch of `commands` was journaled; `commit` is how long the
    /// append + flush (+ fsync, per policy) took. For metrics.
    fn committed(&mut self, _commands: usize, _commit: Duration) {}
}

impl<F: FnMut(&[Event]) + Send + 'static> EventSink for F {
    fn publish(&mut self, batch: &[Event]) {
        self(batch)
    }
}

// Nearly every request is a command: boxing it would allocate for each one.
#[allow(clippy::large_enum_variant)]
pub enum Request {
    /// Prepared by [`EngineHandle::submit`] on the submitting thread.
    Command(RouteTag, Prepared),
    /// Write a snapshot after the current batch (needs a journal directory).
    Snapshot,
    /// Finish the current batch, flush, stop.
    Shutdown,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("engine queue full")]
    Full(Command),
    #[error("engine stopped")]
    Closed(Command),
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// Cheap to clone; one per gateway task. Submitting prepares the command on the
/// caller's thread (see [`Preparer`]), so the engine thread does less.
#[derive(Clone)]
pub struct EngineHandle {
    tx: Sender<Request>,
    prep: Arc<Preparer>,
}

impl EngineHandle {
    /// Enqueue without blocking.
    pub fn submit(&self, route: RouteTag, cmd: Command) -> Result<(), SubmitError> {
        self.tx
            .try_send(Request::Command(route, self.prep.prepare(cmd)))
            .map_err(|e| match e {
                TrySendError::Full(Request::Command(_, c)) => SubmitError::Full(c.into_command()),
                TrySendError::Disconnected(Request::Command(_, c)) => {
                    SubmitError::Closed(c.into_command())
                }
                _ => unreachable!(),
            })
    }

    /// Enqueue, waiting while the queue is full (back-pressure).
    pub fn submit_wait(&self, route: RouteTag, cmd: Command) -> Result<(), SubmitError> {
        self.tx
            .send(Request::Command(route, self.prep.prepare(cmd)))
            .map_err(|e| match e.0 {
                Request::Command(_, c) => SubmitError::Closed(c.into_command()),
                _ => unreachable!(),
            })
    }

    pub fn request_snapshot(&self) -> bool {
        self.tx.send(Request::Snapshot).is_ok()
    }

    /// Requests waiting in the queue.
    pub fn queue_len(&self) -> usize {
        self.tx.len()
    }

    /// Ask the loop to stop after what is queued before this call.
    pub fn shutdown(&self) {
        let _ = self.tx.send(Request::Shutdown);
    }
}

#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Requests the queue holds before `submit` waits. The whole ring is
    /// allocated and touched up front (a `Request` is ~220 bytes), and every
    /// command the engine reads has been through it, so a ring larger than
    /// a few milliseconds of commands costs memory and cache for nothing.
    pub queue_capacity: usize,
    /// Most commands applied per journal commit.
    pub max_batch: usize,
    /// How long to poll an empty queue before blocking (latency vs. a busy core).
    pub spin: Duration,
    /// Nanoseconds since the epoch.
    pub clock: fn() -> i64,
}

pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            queue_capacity: 8192,
            max_batch: 1024,
            spin: Duration::from_micros(30),
            clock: system_clock,
        }
    }
}

/// Start the engine thread. `journal: None` runs in memory only. The thread ends on
/// `shutdown()` or when every handle is dropped, and returns the engine.
pub fn spawn<S: EventSink>(
    engine: Engine,
    journal: Option<Journal>,
    sink: S,
    cfg: RunConfig,
) -> std::io::Result<(EngineHandle, JoinHandle<Result<Engine, RunError>>)> {
    assert!(cfg.max_batch > 0 && cfg.queue_capacity > 0);
    let (tx, rx) = bounded(cfg.queue_capacity);
    let prep = engine.preparer();
    let join = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || run(engine, journal, sink, rx, cfg))?;
    Ok((EngineHandle { tx, prep }, join))
}

/// How many commands ahead in a batch the loop asks the engine to prefetch for:
/// far enough for a miss (~100 ns) to land before the command is applied, near
/// enough that the lines are still in cache then.
pub const PREFETCH_AHEAD: usize = 4;

/// A batch larger than this means commands are streaming in.
const STREAMING_BATCH: usize = 8;

fn next(rx: &Receiver<Request>, spin: Duration) -> Option<Request> {
    match rx.try_recv() {
        Ok(r) => return Some(r),
        Err(TryRecvError::Disconnected) => return None,
        Err(TryRecvError::Empty) => {}
    }
    let deadline = Instant::now() + spin;
    loop {
        for _ in 0..64 {
            match rx.try_recv() {
                Ok(r) => return Some(r),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
            }
        }
        if Instant::now() >= deadline {
            return rx.recv().ok();
        }
        // On a busy machine the threads that feed the queue need this core
        // more than the poll does; when nobody else is runnable this returns
        // at once.
        std::thread::yield_now();
    }
}

fn run<S: EventSink>(
    mut engine: Engine,
    mut journal: Option<Journal>,
    mut sink: S,
    rx: Receiver<Request>,
    cfg: RunConfig,
) -> Result<Engine, RunError> {
    let snapshot_dir: Option<PathBuf> = journal
        .as_ref()
        .and_then(|j| j.path().parent().map(Into::into));
    let mut batch = Vec::with_capacity(cfg.max_batch);
    let mut events = Vec::with_capacity(cfg.max_batch * 4);
    let mut running = true;
    // Spinning pays off when orders come one at a time (each one's answer
    // is awaited); under a stream the queue refills on its own, and the
    // spin only takes a core from the threads feeding it.
    let mut last_batch = 0usize;
    while running {
        let spin = if last_batch > STREAMING_BATCH {
            Duration::ZERO
        } else {
            cfg.spin
        };
        let Some(first) = next(&rx, spin) else {
            break;
        };
        batch.push(first);
        while batch.len() < cfg.max_batch {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let ts = (cfg.clock)().max(engine.last_timestamp());
        let mut snapshot = false;
        last_batch = batch.len();
        for req in batch.iter().take(PREFETCH_AHEAD) {
            if let Request::Command(_, cmd) = req {
                engine.prefetch(cmd);
            }
        }
        for (i, req) in batch.iter().enumerate() {
            // The request itself first (reading it to see its kind would wait),
            // then, nearer, what applying it will read.
            crate::prefetch::read_all(batch.as_ptr().wrapping_add(i + STREAM_AHEAD));
            if let Some(Request::Command(_, ahead)) = batch.get(i + PREFETCH_AHEAD) {
                engine.prefetch(ahead);
            }
            match req {
                Request::Command(route, p) => {
                    let start = events.len();
                    let seq = engine.last_seq() + 1;
                    if p.command().is_journaled() {
                        if let Some(j) = journal.as_mut() {
                            j.append(seq, ts, p.command())?;
                        }
                    }
                    engine.apply_prepared(seq, ts, p, &mut events);
                    for e in &mut events[start..] {
                        e.route = *route;
                    }
                }
                Request::Snapshot => snapshot = true,
                Request::Shutdown => running = false,
            }
        }
        batch.clear();
        if let Some(j) = journal.as_mut() {
            let t = Instant::now();
            j.commit()?;
            sink.committed(last_batch, t.elapsed());
        }
        if !events.is_empty() {
            sink.publish(&events);
            events.clear();
        }
        if snapshot {
            if let Some(dir) = &snapshot_dir {
                engine.snapshot(dir)?;
            }
        }
    }
    if let Some(j) = journal.as_mut() {
        j.commit()?;
    }
    Ok(engine)
}
