//! The tokio side: accept connections, find each one's session from its
//! Logon, and drive sessions. One task per configured session owns the
//! [`Session`] state machine and, while one is attached, its socket; this
//! task only moves bytes, ticks timers and forwards application output
//! (quinn's `ConnectionDriver` shape).
//!
//! Isolation between clients: a connection that sends no Logon within
//! LogonTimeout is closed; reads are handled in bounded batches; output
//! that the peer does not read piles up only to a bound, past which the
//! connection is dropped (what it missed stays in the store for resend);
//! the number of connections is capped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use chrono::Utc;
use fix_codec::{
    dictionary::Dictionary,
    framer::{Framer, FramerEvent},
    tags, Message,
};
use session_store::{FileStoreOptions, FsyncPolicy, MessageStore, StoreConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::app::{Application, Outgoing};
use crate::metrics::{Registry, SessionMetrics};
use crate::session::{Session, SessionConfig};
use crate::settings::{SessionSettings, Settings};

/// Frames handled per read before other tasks get a turn.
const READ_BATCH: usize = 64;

/// Sessions wait in place for the engine's answer only while at most this
/// many are connected.
const SPIN_MAX_SESSIONS: usize = 4;

/// What a session task can be told.
pub enum SessionCmd {
    /// A connection whose first frame is a Logon for this session.
    Attach {
        stream: TcpStream,
        pending: BytesMut,
        first: Vec<u8>,
        permit: OwnedSemaphorePermit,
    },
    /// Send an application message (stored if the session is offline).
    Send(Outgoing),
    /// Run a closure on the session (the venue writes its reports this way).
    With(Box<dyn FnOnce(&mut Session) + Send>),
    /// Log out and stop.
    Shutdown(tokio::sync::oneshot::Sender<()>),
}

/// A handle to a running session task.
#[derive(Clone)]
pub struct SessionHandle {
    pub key: String,
    pub tx: mpsc::UnboundedSender<SessionCmd>,
}

impl SessionHandle {
    pub fn send(&self, msg: Outgoing) -> bool {
        self.tx.send(SessionCmd::Send(msg)).is_ok()
    }
}

/// The store key QuickFIX users would recognise: `FIX.4.2-VENUE-CLIENT1`.
pub fn store_key(s: &SessionSettings) -> String {
    format!(
        "{}-{}-{}",
        s.id.begin_string, s.id.sender_comp_id, s.id.target_comp_id
    )
}

/// Loads the configured dictionary, or the built-in FIX 4.2 one.
pub fn load_dictionary(settings: &Settings) -> Result<Arc<Dictionary>, String> {
    match &settings.acceptor.data_dictionary {
        Some(path) => Dictionary::load(path)
            .map(Arc::new)
            .map_err(|e| e.to_string()),
        None => Ok(Arc::new(fix_codec::fix42().clone())),
    }
}

/// Opens the session's store as configured.
pub fn open_store(
    settings: &Settings,
    s: &SessionSettings,
) -> Result<Box<dyn MessageStore>, String> {
    let cfg = match &settings.acceptor.file_store_path {
        Some(dir) => StoreConfig::File {
            dir: dir.clone(),
            options: FileStoreOptions {
                fsync: if settings.acceptor.file_store_sync {
                    FsyncPolicy::EveryWrite
                } else {
                    FsyncPolicy::Never
                },
                // One write per burst of messages; flushed before sending.
                batch_writes: true,
                ..FileStoreOptions::default()
            },
        },
        None => StoreConfig::Memory,
    };
    cfg.open(&store_key(s), Utc::now())
        .map(|s| Box::new(s) as Box<dyn MessageStore>)
        .map_err(|e| format!("session store for {}: {e}", s.id))
}

/// A running acceptor.
pub struct Acceptor {
    pub local_addr: std::net::SocketAddr,
    pub sessions: HashMap<String, SessionHandle>,
    /// Where the metrics endpoint listens, if configured.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub registry: Arc<Registry>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    accept_task: tokio::task::JoinHandle<()>,
    metrics_task: Option<tokio::task::JoinHandle<()>>,
}

/// Builds the application for a session, given a handle to that session.
pub type AppFactory<'a> = dyn FnMut(&SessionSettings, &SessionHandle) -> Box<dyn Application> + 'a;

impl Acceptor {
    /// Binds the listener and starts one task per session.
    pub async fn start(
        settings: &Settings,
        make_app: &mut AppFactory<'_>,
    ) -> Result<Acceptor, String> {
        Self::start_with_registry(settings, make_app, Arc::new(Registry::default())).await
    }

    /// As [`Acceptor::start`], counting into `registry` (shared with the
    /// venue's engine counters).
    pub async fn start_with_registry(
        settings: &Settings,
        make_app: &mut AppFactory<'_>,
        registry: Arc<Registry>,
    ) -> Result<Acceptor, String> {
        let dict = load_dictionary(settings)?;
        let a = &settings.acceptor;
        let listener = TcpListener::bind((a.accept_address, a.accept_port))
            .await
            .map_err(|e| {
                format!(
                    "cannot listen on {}:{}: {e}",
                    a.accept_address, a.accept_port
                )
            })?;
        let local_addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (metrics_addr, metrics_task) = match a.http_metrics_port {
            Some(port) => {
                let l = TcpListener::bind((a.accept_address, port))
                    .await
                    .map_err(|e| {
                        format!(
                            "cannot listen for metrics on {}:{port}: {e}",
                            a.accept_address
                        )
                    })?;
                let addr = l.local_addr().ok();
                (
                    addr,
                    Some(tokio::spawn(crate::metrics::serve(
                        l,
                        Arc::clone(&registry),
                    ))),
                )
            }
            None => (None, None),
        };
        let mut sessions = HashMap::new();
        let mut routes = HashMap::new();
        let connected = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for s in &settings.sessions {
            let store = open_store(settings, s)?;
            let cfg = SessionConfig::from_settings(s, a.logout_timeout);
            let session = Session::new(cfg, Arc::clone(&dict), store);
            let (tx, rx) = mpsc::unbounded_channel();
            let handle = SessionHandle {
                key: store_key(s),
                tx,
            };
            let app = make_app(s, &handle);
            let limits = Limits {
                max_message_size: a.max_message_size,
                max_pending_bytes: a.outbound_queue_capacity.saturating_mul(512),
                reply_spin: Duration::from_micros(a.reply_spin_micros),
            };
            let metrics = registry.session(&s.id.to_string());
            tasks.push(tokio::spawn(run_session(
                session,
                app,
                rx,
                limits,
                metrics,
                Arc::clone(&connected),
            )));
            routes.insert(
                (s.id.sender_comp_id.clone(), s.id.target_comp_id.clone()),
                handle.clone(),
            );
            sessions.insert(handle.key.clone(), handle);
        }
        let routes = Arc::new(routes);
        let permits = Arc::new(Semaphore::new(a.max_connections));
        let logon_timeout = a.logon_timeout;
        let max_message_size = a.max_message_size;
        let accept_task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                    tracing::warn!(%peer, "connection limit reached; closing");
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let routes = Arc::clone(&routes);
                tokio::spawn(async move {
                    match tokio::time::timeout(logon_timeout, await_logon(stream, max_message_size))
                        .await
                    {
                        Ok(Some((stream, pending, first, key))) => match routes.get(&key) {
                            Some(h) => {
                                tracing::info!(%peer, session = %h.key, "logon received");
                                let _ = h.tx.send(SessionCmd::Attach {
                                    stream,
                                    pending,
                                    first,
                                    permit,
                                });
                            }
                            None => {
                                tracing::warn!(%peer, sender = %key.1, target = %key.0, "Logon for an unknown session; closing")
                            }
                        },
                        Ok(None) => tracing::info!(%peer, "connection closed before a valid Logon"),
                        Err(_) => tracing::warn!(%peer, "no Logon within LogonTimeout; closing"),
                    }
                });
            }
        });
        Ok(Acceptor {
            local_addr,
            sessions,
            metrics_addr,
            registry,
            tasks,
            accept_task,
            metrics_task,
        })
    }

    /// Stops accepting, logs every session out and waits for the tasks.
    pub async fn shutdown(self) {
        self.accept_task.abort();
        if let Some(t) = &self.metrics_task {
            t.abort();
        }
        let mut waits = Vec::new();
        for h in self.sessions.values() {
            let (tx, rx) = tokio::sync::oneshot::channel();
            if h.tx.send(SessionCmd::Shutdown(tx)).is_ok() {
                waits.push(rx);
            }
        }
        for w in waits {
            let _ = tokio::time::timeout(Duration::from_secs(5), w).await;
        }
        for t in self.tasks {
            t.abort();
        }
    }
}

/// Reads until the first frame. Returns the stream, the bytes after that
/// frame, the frame, and (our SenderCompID, our TargetCompID) from it — or
/// `None` if the peer closed, or sent garbage or something not a Logon
/// (FIX: such a connection is dropped without a reply).
async fn await_logon(
    stream: TcpStream,
    max: usize,
) -> Option<(TcpStream, BytesMut, Vec<u8>, (String, String))> {
    let framer = Framer::new(max);
    let mut buf = BytesMut::with_capacity(1024);
    loop {
        stream.readable().await.ok()?;
        match stream.try_read_buf(&mut buf) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
        match framer.next_verified(&buf) {
            FramerEvent::NeedMore => continue,
            FramerEvent::Skip { .. } => return None,
            FramerEvent::Frame { len } => {
                let frame = buf.split_to(len).to_vec();
                let msg = Message::decode(&frame).ok()?;
                if msg.msg_type() != b"A" {
                    return None;
                }
                let ours = msg.get_str(tags::TARGET_COMP_ID)?.to_owned();
                let theirs = msg.get_str(tags::SENDER_COMP_ID)?.to_owned();
                return Some((stream, buf, frame, (ours, theirs)));
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Limits {
    max_message_size: usize,
    max_pending_bytes: usize,
    reply_spin: Duration,
}

/// The session task: owns the session, its application, and the socket of
/// the attached connection.
async fn run_session(
    mut session: Session,
    mut app: Box<dyn Application>,
    mut rx: mpsc::UnboundedReceiver<SessionCmd>,
    limits: Limits,
    metrics: Arc<SessionMetrics>,
    connected: Arc<AtomicUsize>,
) {
    let key = session.id().to_string();
    let mut was_connected = false;
    let framer = Framer::new(limits.max_message_size);
    let mut conn: Option<(TcpStream, OwnedSemaphorePermit)> = None;
    let mut rbuf = BytesMut::with_capacity(16 * 1024);
    let mut wbuf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut shutdown_ack: Option<tokio::sync::oneshot::Sender<()>> = None;
    // Frames left in `rbuf` after a full read batch.
    let mut backlog = false;
    loop {
        if conn.is_some() != was_connected {
            was_connected = conn.is_some();
            if was_connected {
                connected.fetch_add(1, Ordering::Relaxed);
            } else {
                connected.fetch_sub(1, Ordering::Relaxed);
            }
        }
        // A shutdown waits for the connection to end, however it ends.
        if conn.is_none() {
            if let Some(ack) = shutdown_ack.take() {
                session.sync_store();
                let _ = ack.send(());
                break;
            }
        }
        let deadline = session.next_deadline().map(|d| {
            let wait = (d - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            tokio::time::Instant::now() + wait
        });
        match conn.as_mut() {
            None => {
                let Some(cmd) = rx.recv().await else { break };
                match cmd {
                    SessionCmd::Attach {
                        stream,
                        pending,
                        first,
                        permit,
                    } => {
                        session.connect(Utc::now());
                        rbuf = pending;
                        session.handle_frame(&first, Utc::now(), app.as_mut());
                        conn = Some((stream, permit));
                        backlog = handle_bytes(&mut session, app.as_mut(), &framer, &mut rbuf).1;
                    }
                    SessionCmd::Send(m) => {
                        session.send_app(&m, Utc::now());
                    }
                    SessionCmd::With(f) => f(&mut session),
                    SessionCmd::Shutdown(ack) => {
                        session.sync_store();
                        let _ = ack.send(());
                        break;
                    }
                }
            }
            Some(_) if backlog => {
                // Let other sessions run, then go on with what was read.
                tokio::task::yield_now().await;
                backlog = handle_bytes(&mut session, app.as_mut(), &framer, &mut rbuf).1;
                app.take_submitted();
            }
            Some((stream, _)) => {
                let want_write = !wbuf.is_empty();
                tokio::select! {
                    biased;
                    // Reports first: they free the client to send more.
                    cmd = rx.recv() => {
                        let Some(cmd) = cmd else { break };
                        apply_connected(cmd, &mut session, &mut rx, &mut shutdown_ack, &key);
                    }
                    r = stream.readable() => {
                        if r.is_err() {
                            session.disconnected(Utc::now(), app.as_mut());
                            conn = None;
                            continue;
                        }
                        match stream.try_read_buf(&mut rbuf) {
                            Ok(0) => {
                                tracing::info!(session = %key, "peer closed the connection");
                                session.disconnected(Utc::now(), app.as_mut());
                                conn = None;
                                continue;
                            }
                            Ok(_) => {
                                let (frames, more) = handle_bytes(&mut session, app.as_mut(), &framer, &mut rbuf);
                                backlog = more;
                                // The engine answers in microseconds: when this was a
                                // lone order (not a stream to keep reading), wait for
                                // the answer here rather than park and be woken again.
                                let submitted = app.take_submitted();
                                // Only while few sessions are connected: with many, the
                                // wait would hold up the others on this thread.
                                let few = connected.load(Ordering::Relaxed) <= SPIN_MAX_SESSIONS;
                                if !limits.reply_spin.is_zero() && submitted && frames <= 2 && !more && few {
                                    if let Some(cmd) = spin_for_replies(&mut session, &mut rx, limits.reply_spin) {
                                        apply_connected(cmd, &mut session, &mut rx, &mut shutdown_ack, &key);
                                    }
                                }
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                            Err(e) => {
                                tracing::info!(session = %key, error = %e, "read failed");
                                session.disconnected(Utc::now(), app.as_mut());
                                conn = None;
                                continue;
                            }
                        }
                    }
                    w = stream.writable(), if want_write => {
                        if w.is_err() {
                            session.disconnected(Utc::now(), app.as_mut());
                            conn = None;
                            continue;
                        }
                    }
                    _ = sleep_until(deadline) => session.handle_timeout(Utc::now()),
                }
            }
        }
        // Write what the session produced (after storing it), as far as the
        // socket takes it now.
        if conn.is_some() {
            session.drain_output_into(&mut wbuf);
            let (stream, _) = conn.as_mut().expect("connected");
            if !flush(stream, &mut wbuf) {
                tracing::info!(session = %key, "write failed; disconnecting");
                wbuf.clear();
                session.disconnected(Utc::now(), app.as_mut());
                conn = None;
            } else if wbuf.len() > limits.max_pending_bytes {
                tracing::warn!(session = %key, pending = wbuf.len(), "peer is not reading; disconnecting (missed messages stay stored)");
                wbuf.clear();
                session.disconnected(Utc::now(), app.as_mut());
                conn = None;
            } else if session.wants_disconnect() {
                let (mut stream, _) = conn.take().expect("connected");
                let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&wbuf)).await;
                let _ = stream.shutdown().await;
                wbuf.clear();
                session.disconnected(Utc::now(), app.as_mut());
                tracing::info!(session = %key, "disconnected");
            }
        } else {
            // Offline: reports were stored; make them survive a crash.
            session.flush_store();
        }
        metrics.update(&session);
    }
    if was_connected {
        connected.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Applies a command while a connection is attached.
fn apply_connected(
    cmd: SessionCmd,
    session: &mut Session,
    rx: &mut mpsc::UnboundedReceiver<SessionCmd>,
    shutdown_ack: &mut Option<tokio::sync::oneshot::Sender<()>>,
    key: &str,
) {
    let mut next = Some(cmd);
    while let Some(cmd) = next.take() {
        match cmd {
            SessionCmd::Attach { stream: extra, .. } => {
                tracing::warn!(session = %key, "second connection for a logged-on session; closing it");
                drop(extra);
            }
            SessionCmd::Send(m) => {
                session.send_app(&m, Utc::now());
                next = drain_app_commands(session, rx);
            }
            SessionCmd::With(f) => {
                f(session);
                next = drain_app_commands(session, rx);
            }
            SessionCmd::Shutdown(ack) => {
                session.logout(Some("Venue shutting down"), Utc::now());
                *shutdown_ack = Some(ack);
            }
        }
    }
}

/// Polls for the engine's reports for up to `budget` after a command was
/// submitted, so that the reply is written without this thread parking and
/// being woken. Returns a non-report command met on the way.
fn spin_for_replies(
    session: &mut Session,
    rx: &mut mpsc::UnboundedReceiver<SessionCmd>,
    budget: Duration,
) -> Option<SessionCmd> {
    let deadline = std::time::Instant::now() + budget;
    let mut polls = 0u32;
    loop {
        match rx.try_recv() {
            Ok(SessionCmd::Send(m)) => {
                session.send_app(&m, Utc::now());
                return drain_app_commands(session, rx);
            }
            Ok(SessionCmd::With(f)) => {
                f(session);
                return drain_app_commands(session, rx);
            }
            Ok(other) => return Some(other),
            Err(mpsc::error::TryRecvError::Empty) => {
                polls = polls.wrapping_add(1);
                // Reading the clock costs more than a poll.
                if polls.is_multiple_of(64) && std::time::Instant::now() >= deadline {
                    return None;
                }
                std::hint::spin_loop();
            }
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
        }
    }
}

/// Takes every Send/With already queued so that all reports of one engine
/// batch go out in one write. Returns the first other command, for the
/// caller to handle next.
fn drain_app_commands(
    session: &mut Session,
    rx: &mut mpsc::UnboundedReceiver<SessionCmd>,
) -> Option<SessionCmd> {
    for _ in 0..1024 {
        match rx.try_recv() {
            Ok(SessionCmd::Send(m)) => {
                session.send_app(&m, Utc::now());
            }
            Ok(SessionCmd::With(f)) => f(session),
            Ok(other) => return Some(other),
            Err(_) => return None,
        }
    }
    None
}

/// Frames what was read and feeds the session, a bounded batch at a time.
/// Returns how many frames it handled, and whether it stopped at the batch
/// limit with more bytes buffered (the caller comes back after yielding).
fn handle_bytes(
    session: &mut Session,
    app: &mut dyn Application,
    framer: &Framer,
    rbuf: &mut BytesMut,
) -> (usize, bool) {
    for n in 0..READ_BATCH {
        if session.wants_disconnect() || !session.is_connected() {
            return (n, false);
        }
        // A frame that fails verification (BodyLength, CheckSum, 8/9/35
        // order) comes back as a skip with its reason: garbled either way.
        match framer.next_verified(rbuf) {
            FramerEvent::NeedMore => return (n, false),
            FramerEvent::Skip { len, reason } => {
                rbuf.advance(len);
                session.handle_garbled(&reason);
            }
            FramerEvent::Frame { len } => {
                let frame = rbuf.split_to(len);
                session.handle_frame(&frame, Utc::now(), app);
            }
        }
    }
    (READ_BATCH, !rbuf.is_empty())
}

/// Writes as much of `wbuf` as the socket takes now. False on error.
fn flush(stream: &TcpStream, wbuf: &mut Vec<u8>) -> bool {
    while !wbuf.is_empty() {
        match stream.try_write(wbuf) {
            Ok(n) => {
                wbuf.drain(..n);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
    }
    true
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
