//! The FIX session layer as a pure state machine.
//!
//! No sockets, no clocks: the driver feeds bytes it framed
//! ([`Session::handle_frame`], [`Session::handle_garbled`]), timer ticks
//! ([`Session::handle_timeout`]) and connection changes, each with `now`;
//! the session answers by appending bytes to its output and raising a
//! disconnect flag. Its only side effect is its [`MessageStore`], which it
//! owns (the same shape as QuickFIX/Go's session and store).
//!
//! Method groups, as quinn-proto's `Connection`:
//! - getters: [`Session::id`], [`Session::is_connected`], [`Session::is_logged_on`],
//!   [`Session::next_sender_seq`], [`Session::next_target_seq`];
//! - input: `handle_*`, [`Session::connect`], [`Session::disconnected`];
//! - commands: [`Session::send_app`], [`Session::send_app_with`], [`Session::logout`];
//! - output: [`Session::take_output`], [`Session::wants_disconnect`],
//!   [`Session::next_deadline`].
//!
//! Drain order for a driver after any input: write `take_output()` in full
//! (in order), then close the connection if `wants_disconnect()`, then sleep
//! until `next_deadline()` or the next input.
//!
//! The rules are QuickFIX's (`Session.cpp`), one concern per file:
//! [`logon`] (the first message), [`in_session`] (sequencing and the admin
//! messages), [`resend`] (answering ResendRequest), [`timers`] (heartbeat,
//! TestRequest, Logout timeouts), [`outbound`] (framing what is sent).

mod in_session;
mod logon;
mod outbound;
mod resend;
mod timers;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use fix_codec::{
    dictionary::Dictionary, framer::Garbled, Field, Message, MessageBuilder, ValidationOptions,
};
use session_store::MessageStore;

use crate::app::{Application, Outgoing};
use crate::settings::{Schedule, SessionId, SessionSettings};

/// What a session needs from its configuration.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub id: SessionId,
    pub sender_sub_id: Option<String>,
    pub schedule: Schedule,
    pub reset_on_logon: bool,
    pub reset_on_logout: bool,
    pub reset_on_disconnect: bool,
    pub check_latency: bool,
    pub max_latency: Duration,
    pub check_comp_id: bool,
    pub validate_incoming: bool,
    pub validation: ValidationOptions,
    pub send_redundant_resend_requests: bool,
    pub logout_timeout: Duration,
}

impl SessionConfig {
    pub fn from_settings(s: &SessionSettings, logout_timeout: std::time::Duration) -> Self {
        let v = s.validation;
        SessionConfig {
            id: s.id.clone(),
            sender_sub_id: s.sender_sub_id.clone(),
            schedule: s.schedule,
            reset_on_logon: s.reset_on_logon,
            reset_on_logout: s.reset_on_logout,
            reset_on_disconnect: s.reset_on_disconnect,
            check_latency: s.check_latency,
            max_latency: Duration::from_std(s.max_latency).unwrap_or(Duration::seconds(120)),
            check_comp_id: s.check_comp_id,
            validate_incoming: v.validate_incoming_message,
            validation: ValidationOptions {
                check_fields_out_of_order: v.validate_fields_out_of_order,
                check_fields_have_values: v.validate_fields_have_values,
                check_user_defined_fields: v.validate_user_defined_fields,
                allow_unknown_msg_fields: v.allow_unknown_msg_fields,
            },
            send_redundant_resend_requests: s.send_redundant_resend_requests,
            logout_timeout: Duration::from_std(logout_timeout).unwrap_or(Duration::seconds(2)),
        }
    }
}

/// State that lives as long as one connection.
#[derive(Debug)]
struct Connection {
    logged_on: bool,
    heart_bt_int: Duration,
    last_sent: DateTime<Utc>,
    last_received: DateTime<Utc>,
    /// TestRequests sent since the peer was last heard from.
    test_requests: u32,
    /// When we sent Logout, if we did.
    sent_logout: Option<DateTime<Utc>>,
    /// The gap we asked the peer to resend: (first, last).
    resend_range: Option<(u64, u64)>,
    /// Messages that arrived early, by sequence number, as received.
    queue: BTreeMap<u64, Vec<u8>>,
}

impl Connection {
    fn new(now: DateTime<Utc>) -> Self {
        Connection {
            logged_on: false,
            heart_bt_int: Duration::zero(),
            last_sent: now,
            last_received: now,
            test_requests: 0,
            sent_logout: None,
            resend_range: None,
            queue: BTreeMap::new(),
        }
    }
}

/// Counters a driver can export.
#[derive(Debug, Default, Clone, Copy)]
pub struct SessionStats {
    pub messages_in: u64,
    pub messages_out: u64,
    pub rejects_sent: u64,
    pub resent: u64,
    pub garbled: u64,
}

/// One FIX session: its store, and the state of its current connection.
pub struct Session {
    cfg: SessionConfig,
    dict: Arc<Dictionary>,
    store: Box<dyn MessageStore>,
    builder: MessageBuilder,
    conn: Option<Connection>,
    out: Vec<u8>,
    disconnect: bool,
    /// Reused decode buffer.
    fields: Vec<Field>,
    stats: SessionStats,
    store_failed: bool,
}

impl Session {
    pub fn new(cfg: SessionConfig, dict: Arc<Dictionary>, store: Box<dyn MessageStore>) -> Self {
        let builder = MessageBuilder::new(&cfg.id.begin_string);
        Session {
            cfg,
            dict,
            store,
            builder,
            conn: None,
            out: Vec::with_capacity(4096),
            disconnect: false,
            fields: Vec::with_capacity(64),
            stats: SessionStats::default(),
            store_failed: false,
        }
    }

    pub fn id(&self) -> &SessionId {
        &self.cfg.id
    }

    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    pub fn is_logged_on(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.logged_on)
    }

    pub fn next_sender_seq(&self) -> u64 {
        self.store.next_sender_seq()
    }

    pub fn next_target_seq(&self) -> u64 {
        self.store.next_target_seq()
    }

    /// A connection was attached; its first message must be a Logon.
    pub fn connect(&mut self, now: DateTime<Utc>) {
        self.conn = Some(Connection::new(now));
        self.out.clear();
        self.disconnect = false;
    }

    /// The connection is gone (closed by either side).
    pub fn disconnected(&mut self, now: DateTime<Utc>, app: &mut dyn Application) {
        let was_logged_on = self.is_logged_on();
        self.conn = None;
        self.out.clear();
        self.disconnect = false;
        if was_logged_on {
            app.on_logout();
        }
        if self.cfg.reset_on_disconnect {
            self.reset_store(now);
        }
    }

    /// Bytes to write, in order, once the store has them. Empties the
    /// output.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.flush_store();
        if self.store_failed {
            self.out.clear();
        }
        std::mem::take(&mut self.out)
    }

    /// Appends the bytes to write to `buf` and empties the output. The
    /// store is flushed first: nothing leaves before it is recorded.
    pub fn drain_output_into(&mut self, buf: &mut Vec<u8>) {
        self.flush_store();
        if self.store_failed {
            self.out.clear();
            return;
        }
        buf.append(&mut self.out);
    }

    /// Writes what a batching store holds back (see `take_output`, which
    /// does it too).
    pub fn flush_store(&mut self) {
        if let Err(e) = self.store.flush() {
            self.store_error(e);
        }
    }

    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// Whether the driver should close the connection (after writing the
    /// output).
    pub fn wants_disconnect(&self) -> bool {
        self.disconnect
    }

    /// A frame FIX says to ignore. Before Logon it ends the connection.
    pub fn handle_garbled(&mut self, reason: &Garbled) {
        self.stats.garbled += 1;
        tracing::warn!(session = %self.cfg.id, %reason, "garbled message ignored");
        if !self.is_logged_on() {
            self.disconnect = true;
        }
    }

    /// A frame whose framing, BodyLength and CheckSum were verified.
    pub fn handle_frame(&mut self, frame: &[u8], now: DateTime<Utc>, app: &mut dyn Application) {
        if self.conn.is_none() || self.disconnect {
            return;
        }
        self.stats.messages_in += 1;
        let fields = std::mem::take(&mut self.fields);
        let msg = match Message::decode_with(frame, Some(&self.dict), fields) {
            Ok(m) => m,
            Err(reason) => {
                self.handle_garbled(&reason);
                return;
            }
        };
        if self.is_logged_on() {
            self.process(&msg, now, app, false);
        } else {
            self.handle_logon(&msg, now, app);
        }
        self.fields = msg.into_fields();
    }

    /// Sends an application message now if logged on; otherwise stores it
    /// under the next sequence number for resend after the next Logon.
    pub fn send_app(&mut self, msg: &Outgoing, now: DateTime<Utc>) -> u64 {
        self.send_app_with(&msg.msg_type, &msg.header, now, |b| {
            outbound::append_encoded(b, &msg.body)
        })
    }

    /// As [`Session::send_app`], with the body written by `body`.
    pub fn send_app_with(
        &mut self,
        msg_type: &[u8],
        header: &[(i32, Vec<u8>)],
        now: DateTime<Utc>,
        body: impl FnOnce(&mut MessageBuilder),
    ) -> u64 {
        self.send(msg_type, header, now, true, body)
    }

    /// Starts a Logout (shutdown, end of the session's day).
    pub fn logout(&mut self, text: Option<&str>, now: DateTime<Utc>) {
        if self.is_logged_on() && self.conn.as_ref().is_some_and(|c| c.sent_logout.is_none()) {
            self.send_logout(text, now);
        } else if self.is_connected() {
            self.disconnect = true;
        }
    }

    /// The highest numeric ExecID(17) among the ExecutionReports in the
    /// store: how far the venue's reports to this session got.
    pub fn max_stored_exec_id(&self) -> u64 {
        let mut stored = Vec::new();
        if self.store.messages(1, u64::MAX, &mut stored).is_err() {
            return 0;
        }
        stored
            .iter()
            .filter_map(|(_, bytes)| {
                let m = Message::decode(bytes).ok()?;
                if m.msg_type() != b"8" {
                    return None;
                }
                m.get_u64(fix_codec::tags::EXEC_ID)
            })
            .max()
            .unwrap_or(0)
    }

    /// Resets the store: sequence numbers 1, a new creation time.
    pub fn reset_store(&mut self, now: DateTime<Utc>) {
        if let Err(e) = self.store.reset(now) {
            self.store_error(e);
        }
    }

    /// Flushes the store to disk.
    pub fn sync_store(&mut self) {
        if let Err(e) = self.store.sync() {
            self.store_error(e);
        }
    }

    fn store_error(&mut self, e: session_store::Error) {
        tracing::error!(session = %self.cfg.id, error = %e, "session store failed; disconnecting");
        self.store_failed = true;
        self.disconnect = true;
    }

    fn conn(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("a connection is attached")
    }
}
