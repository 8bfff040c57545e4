//! Unit tests of the session state machine with fake time.
//!
//! A [`Rig`] owns one [`Session`] (FIX.4.2 VENUE<-CLIENT, in-memory store,
//! the echo application) and a clock `now` that only moves when a test moves
//! it; nothing sleeps. Client messages are built with correct BodyLength and
//! CheckSum, fed through the same framer the acceptor uses, and everything
//! the session writes is framed, checked (BodyLength, CheckSum) and decoded
//! into [`Out`] values the tests inspect one by one.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use fix_codec::framer::{verify, Framer, FramerEvent};
use fix_codec::{Message, MessageBuilder, ValidationOptions};
use session_store::MemoryStore;

use super::{Session, SessionConfig};
use crate::app::{append_field, EchoApp, Outgoing};
use crate::settings::{Schedule, SessionId};

// ---------------------------------------------------------------------------------------------
// The rig
// ---------------------------------------------------------------------------------------------

/// A FIX timestamp with milliseconds, as the session writes them.
fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y%m%d-%H:%M:%S%.3f").to_string()
}

/// A FIX timestamp with whole seconds, as many clients write them.
fn ts_secs(t: DateTime<Utc>) -> String {
    t.format("%Y%m%d-%H:%M:%S").to_string()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, 9, 0, 0).unwrap()
}

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

/// `35=..|tag=value|...` (`|` for SOH) framed as FIX.4.2 with correct
/// BodyLength and CheckSum. Tags are written as given, in the order given.
fn frame(fields: &str) -> Vec<u8> {
    let mut b = MessageBuilder::new("FIX.4.2");
    let mut it = fields.split('|').filter(|f| !f.is_empty());
    let first = it.next().expect("a MsgType");
    let ty = first.strip_prefix("35=").expect("fields start with 35=");
    b.start(ty.as_bytes());
    for f in it {
        let (tag, value) = f.split_once('=').expect("tag=value");
        b.raw_signed(tag.parse().expect("integer tag"), value.as_bytes());
    }
    b.finish()
}

/// One message the session wrote, decoded.
#[derive(Debug, Clone)]
struct Out {
    fields: Vec<(i32, String)>,
}

impl Out {
    fn parse(bytes: &[u8]) -> Out {
        assert_eq!(
            verify(bytes),
            Ok(()),
            "session wrote a bad frame: {}",
            show(bytes)
        );
        let msg = Message::decode(bytes).expect("session output decodes");
        let fields = msg
            .fields()
            .iter()
            .map(|f| (f.tag, String::from_utf8_lossy(msg.value(f)).into_owned()))
            .collect();
        Out { fields }
    }

    fn get(&self, tag: i32) -> Option<&str> {
        self.fields
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }

    fn ty(&self) -> &str {
        self.get(35).unwrap_or("")
    }

    fn seq(&self) -> u64 {
        self.get(34)
            .and_then(|v| v.parse().ok())
            .expect("MsgSeqNum")
    }

    fn show(&self) -> String {
        self.fields
            .iter()
            .map(|(t, v)| format!("{t}={v}|"))
            .collect()
    }

    /// Compares the fields between BodyLength and CheckSum, in order, with a
    /// pattern `35=A|34=1|52=*|...` where `*` matches any value.
    fn assert_is(&self, pattern: &str) {
        let got: Vec<&(i32, String)> = self
            .fields
            .iter()
            .filter(|(t, _)| !matches!(t, 8..=10))
            .collect();
        let want: Vec<(i32, &str)> = pattern
            .split('|')
            .filter(|f| !f.is_empty())
            .map(|f| {
                let (t, v) = f.split_once('=').expect("tag=value");
                (t.parse().expect("integer tag"), v)
            })
            .collect();
        let ok = got.len() == want.len()
            && got
                .iter()
                .zip(&want)
                .all(|((gt, gv), (wt, wv))| gt == wt && (*wv == "*" || gv == wv));
        assert!(ok, "\nexpected {pattern}\nreceived {}", self.show());
    }
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\x01', "|")
}

fn config(reset_on_logon: bool) -> SessionConfig {
    SessionConfig {
        id: SessionId::new("FIX.4.2", "VENUE", "CLIENT"),
        sender_sub_id: None,
        schedule: Schedule::always_on(),
        reset_on_logon,
        reset_on_logout: false,
        reset_on_disconnect: false,
        check_latency: true,
        max_latency: secs(120),
        check_comp_id: true,
        validate_incoming: true,
        validation: ValidationOptions::default(),
        send_redundant_resend_requests: false,
        logout_timeout: secs(2),
    }
}

struct Rig {
    s: Session,
    app: EchoApp,
    now: DateTime<Utc>,
    framer: Framer,
    /// What the session wrote and the test has not looked at yet.
    inbox: VecDeque<Out>,
    /// The session asked for the connection to close (after its output).
    closed: bool,
}

impl Rig {
    fn new(reset_on_logon: bool) -> Rig {
        let now = t0();
        let dict = Arc::new(fix_codec::fix42().clone());
        let s = Session::new(
            config(reset_on_logon),
            dict,
            Box::new(MemoryStore::new(now)),
        );
        let mut rig = Rig {
            s,
            app: EchoApp::default(),
            now,
            framer: Framer::new(65536),
            inbox: VecDeque::new(),
            closed: false,
        };
        rig.connect();
        rig
    }

    /// A rig whose client is logged on with HeartBtInt `h`; the Logon reply
    /// has been consumed.
    fn logged_on(h: u32) -> Rig {
        let mut rig = Rig::new(true);
        rig.logon(1, h);
        rig
    }

    fn connect(&mut self) {
        self.s.connect(self.now);
        self.closed = false;
    }

    /// The client closes the TCP connection.
    fn drop_connection(&mut self) {
        self.s.disconnected(self.now, &mut self.app);
        self.closed = true;
    }

    fn logon(&mut self, seq: u64, h: u32) -> Out {
        self.send("A", seq, &format!("98=0|108={h}|"));
        let reply = self.expect("A");
        assert!(self.s.is_logged_on());
        reply
    }

    /// Feeds raw bytes the way the acceptor does: framer, verify, session.
    fn feed(&mut self, bytes: &[u8]) {
        let mut buf = bytes.to_vec();
        loop {
            if self.s.wants_disconnect() || !self.s.is_connected() {
                break;
            }
            match self.framer.next(&buf) {
                FramerEvent::NeedMore => break,
                FramerEvent::Skip { len, reason } => {
                    buf.drain(..len);
                    self.s.handle_garbled(&reason);
                }
                FramerEvent::Frame { len } => {
                    let f: Vec<u8> = buf.drain(..len).collect();
                    match verify(&f) {
                        Ok(()) => self.s.handle_frame(&f, self.now, &mut self.app),
                        Err(reason) => self.s.handle_garbled(&reason),
                    }
                }
            }
        }
        self.pump();
    }

    /// A client message with the standard header (SendingTime = now) and
    /// `rest` after it (extra header fields first, then the body).
    fn send(&mut self, ty: &str, seq: u64, rest: &str) {
        self.send_at(ty, seq, self.now, rest);
    }

    fn send_at(&mut self, ty: &str, seq: u64, sending_time: DateTime<Utc>, rest: &str) {
        let bytes = frame(&format!(
            "35={ty}|34={seq}|49=CLIENT|52={}|56=VENUE|{rest}",
            ts_secs(sending_time)
        ));
        self.feed(&bytes);
    }

    fn order(&mut self, seq: u64, cl_ord_id: &str) {
        self.send("D", seq, &order_body(cl_ord_id, self.now));
    }

    /// Moves the output into the inbox; closes if the session asked to.
    fn pump(&mut self) {
        let out = self.s.take_output();
        let mut buf = &out[..];
        while !buf.is_empty() {
            match self.framer.next(buf) {
                FramerEvent::Frame { len } => {
                    self.inbox.push_back(Out::parse(&buf[..len]));
                    buf = &buf[len..];
                }
                other => panic!("session output does not frame: {other:?} in {}", show(buf)),
            }
        }
        if self.s.wants_disconnect() && !self.closed {
            self.closed = true;
            self.s.disconnected(self.now, &mut self.app);
        }
    }

    /// Sets the clock to `t` and ticks the timers once.
    fn tick_at(&mut self, t: DateTime<Utc>) {
        assert!(t >= self.now, "time goes forward");
        self.now = t;
        self.s.handle_timeout(self.now);
        self.pump();
    }

    fn tick_after(&mut self, d: Duration) {
        self.tick_at(self.now + d);
    }

    fn next(&mut self) -> Out {
        self.inbox.pop_front().expect("the session wrote a message")
    }

    fn expect(&mut self, ty: &str) -> Out {
        let m = self.next();
        assert_eq!(m.ty(), ty, "expected MsgType {ty}, got {}", m.show());
        m
    }

    fn expect_is(&mut self, pattern: &str) -> Out {
        let m = self.next();
        m.assert_is(pattern);
        m
    }

    /// Nothing written, connection still open.
    fn expect_quiet(&mut self) {
        assert!(
            self.inbox.is_empty(),
            "unexpected output: {:?}",
            self.inbox.iter().map(Out::show).collect::<Vec<_>>()
        );
        assert!(!self.closed, "unexpected disconnect");
    }

    /// The session closed the connection and wrote nothing (more).
    fn expect_silent_close(&mut self) {
        assert!(
            self.inbox.is_empty(),
            "unexpected output: {:?}",
            self.inbox.iter().map(Out::show).collect::<Vec<_>>()
        );
        assert!(self.closed, "expected a disconnect");
    }
}

fn order_body(cl_ord_id: &str, t: DateTime<Utc>) -> String {
    format!(
        "11={cl_ord_id}|21=1|38=250|40=1|54=2|55=WIDGET|60={}|",
        ts_secs(t)
    )
}

// ---------------------------------------------------------------------------------------------
// Logon
// ---------------------------------------------------------------------------------------------

#[test]
fn logon_reply_has_exactly_the_standard_fields() {
    let mut rig = Rig::new(true);
    rig.send("A", 1, "98=0|108=30|");
    let reply = rig.expect_is("35=A|34=1|49=VENUE|52=*|56=CLIENT|98=0|108=30");
    assert_eq!(
        reply.get(52),
        Some(ts(rig.now).as_str()),
        "SendingTime is now, with milliseconds"
    );
    rig.expect_quiet();
    assert!(rig.s.is_logged_on());
    assert_eq!((rig.s.next_sender_seq(), rig.s.next_target_seq()), (2, 2));
}

#[test]
fn logon_with_seq_too_high_is_answered_then_gap_requested() {
    let mut rig = Rig::new(true);
    rig.send("A", 4, "98=0|108=30|");
    rig.expect_is("35=A|34=1|49=VENUE|52=*|56=CLIENT|98=0|108=30");
    rig.expect_is("35=2|34=2|49=VENUE|52=*|56=CLIENT|7=1|16=0");
    rig.expect_quiet();
    // The client gap-fills 1..3; the stashed Logon (4) is then consumed.
    rig.send(
        "4",
        1,
        &format!("43=Y|122={}|36=4|123=Y|", ts_secs(rig.now)),
    );
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 5);
    rig.send("1", 5, "112=AFTERGAP|");
    rig.expect_is("35=0|34=3|49=VENUE|52=*|56=CLIENT|112=AFTERGAP");
}

#[test]
fn first_message_not_logon_closes_silently() {
    let mut rig = Rig::new(true);
    rig.send("0", 1, "");
    rig.expect_silent_close();
    assert!(!rig.s.is_logged_on());
}

#[test]
fn logon_with_wrong_comp_id_closes_silently() {
    let mut rig = Rig::new(true);
    let bytes = frame(&format!(
        "35=A|34=1|49=STRANGER|52={}|56=VENUE|98=0|108=30|",
        ts_secs(rig.now)
    ));
    rig.feed(&bytes);
    rig.expect_silent_close();
}

#[test]
fn logon_with_sending_time_off_closes_silently() {
    let mut rig = Rig::new(true);
    let then = rig.now - secs(600);
    rig.send_at("A", 1, then, "98=0|108=30|");
    rig.expect_silent_close();
}

#[test]
fn garbled_logon_closes_silently() {
    let mut rig = Rig::new(true);
    let mut bytes = frame(&format!(
        "35=A|34=1|49=CLIENT|52={}|56=VENUE|98=0|108=30|",
        ts_secs(rig.now)
    ));
    let n = bytes.len();
    bytes[n - 2] = if bytes[n - 2] == b'0' { b'1' } else { b'0' }; // wrong CheckSum digit
    rig.feed(&bytes);
    rig.expect_silent_close();
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

#[test]
fn heartbeat_exactly_when_nothing_was_sent_for_heart_bt_int() {
    let mut rig = Rig::logged_on(30);
    let logon_at = rig.now;
    // The client keeps talking, so only our silence matters.
    rig.tick_at(logon_at + secs(10));
    rig.send("0", 2, "");
    rig.tick_at(logon_at + secs(20));
    rig.send("0", 3, "");
    rig.expect_quiet();
    assert_eq!(rig.s.next_deadline(), Some(logon_at + secs(30)));
    rig.tick_at(logon_at + secs(30) - ms(1));
    rig.expect_quiet();
    rig.tick_at(logon_at + secs(30));
    let hb = rig.expect_is("35=0|34=2|49=VENUE|52=*|56=CLIENT");
    assert_eq!(hb.get(52), Some(ts(logon_at + secs(30)).as_str()));
    rig.expect_quiet();
    // Next: a TestRequest 1.2 H after the client's last message (20 s).
    assert_eq!(rig.s.next_deadline(), Some(logon_at + secs(20 + 36)));
}

#[test]
fn heartbeats_repeat_every_heart_bt_int_while_the_client_talks() {
    let mut rig = Rig::logged_on(10);
    let start = rig.now;
    for n in 1..=5 {
        // The client heartbeats every 5 s, so no TestRequest ever falls due.
        rig.tick_at(start + secs(10 * n - 5));
        rig.send("0", 1 + n as u64, "");
        rig.expect_quiet();
        rig.tick_at(start + secs(10 * n) - ms(1));
        rig.expect_quiet();
        rig.tick_at(start + secs(10 * n));
        let hb = rig.expect("0");
        assert_eq!(hb.seq(), 1 + n as u64);
        assert_eq!(hb.get(112), None);
    }
}

#[test]
fn test_request_after_1_2_heart_bt_int_of_inbound_silence() {
    let mut rig = Rig::logged_on(30);
    let start = rig.now;
    rig.tick_at(start + secs(30));
    rig.expect_is("35=0|34=2|49=VENUE|52=*|56=CLIENT");
    assert_eq!(rig.s.next_deadline(), Some(start + secs(36)));
    rig.tick_at(start + secs(36) - ms(1));
    rig.expect_quiet();
    rig.tick_at(start + secs(36));
    rig.expect_is("35=1|34=3|49=VENUE|52=*|56=CLIENT|112=TEST");
    rig.expect_quiet();
}

#[test]
fn unanswered_test_request_disconnects_at_2_4_heart_bt_int_without_a_byte() {
    let mut rig = Rig::logged_on(30);
    let start = rig.now;
    rig.tick_at(start + secs(30));
    rig.expect("0");
    rig.tick_at(start + secs(36));
    rig.expect("1");
    // While the TestRequest is outstanding no Heartbeat goes out, although
    // nothing was sent for H at 66 s.
    assert_eq!(rig.s.next_deadline(), Some(start + secs(72)));
    rig.tick_at(start + secs(66));
    rig.expect_quiet();
    rig.tick_at(start + secs(72) - ms(1));
    rig.expect_quiet();
    rig.tick_at(start + secs(72));
    rig.expect_silent_close();
    assert!(!rig.s.is_connected());
}

#[test]
fn answered_test_request_resumes_heartbeats() {
    let mut rig = Rig::logged_on(30);
    let start = rig.now;
    rig.tick_at(start + secs(30));
    rig.expect("0");
    rig.tick_at(start + secs(36));
    rig.expect("1");
    rig.tick_at(start + secs(40));
    rig.send("0", 2, "112=TEST|");
    rig.expect_quiet();
    // Heartbeat H after the TestRequest; TestRequest 1.2 H after the answer.
    assert_eq!(rig.s.next_deadline(), Some(start + secs(66)));
    rig.tick_at(start + secs(66));
    rig.expect_is("35=0|34=4|49=VENUE|52=*|56=CLIENT");
    rig.tick_at(start + secs(76));
    rig.expect_is("35=1|34=5|49=VENUE|52=*|56=CLIENT|112=TEST");
    rig.tick_at(start + secs(112) - ms(1));
    rig.expect_quiet();
    rig.tick_at(start + secs(112));
    rig.expect_silent_close();
}

#[test]
fn no_timers_with_heart_bt_int_zero() {
    let mut rig = Rig::logged_on(0);
    assert_eq!(rig.s.next_deadline(), None);
    rig.tick_after(secs(3600));
    rig.expect_quiet();
}

#[test]
fn logout_timeout_after_our_logout() {
    let mut rig = Rig::logged_on(30);
    let at = rig.now + secs(5);
    rig.now = at;
    rig.s.logout(Some("Venue closing"), at);
    rig.pump();
    rig.expect_is("35=5|34=2|49=VENUE|52=*|56=CLIENT|58=Venue closing");
    assert_eq!(rig.s.next_deadline(), Some(at + secs(2)));
    rig.tick_at(at + secs(2) - ms(1));
    rig.expect_quiet();
    rig.tick_at(at + secs(2));
    rig.expect_silent_close();
}

#[test]
fn peer_logout_after_our_logout_closes_without_reply() {
    let mut rig = Rig::logged_on(30);
    rig.s.logout(None, rig.now);
    rig.pump();
    rig.expect_is("35=5|34=2|49=VENUE|52=*|56=CLIENT");
    rig.tick_after(ms(500));
    rig.send("5", 2, "");
    rig.expect_silent_close();
}

#[test]
fn unsolicited_logout_gets_a_bare_logout_and_a_close() {
    let mut rig = Rig::logged_on(30);
    rig.send("5", 2, "58=end of day|");
    rig.expect_is("35=5|34=2|49=VENUE|52=*|56=CLIENT");
    rig.expect_silent_close();
}

/// The driver sleeps until `next_deadline()`: at every deadline
/// `handle_timeout` must act (write or close), and just before it must not.
#[test]
fn next_deadline_is_exactly_when_handle_timeout_acts() {
    let mut rig = Rig::logged_on(10);
    let mut client_seq = 2;
    let mut steps = 0;
    while !rig.closed {
        steps += 1;
        assert!(steps < 50, "no disconnect after {steps} deadlines");
        let d = rig.s.next_deadline().expect("a deadline while logged on");
        assert!(d > rig.now, "deadline {d} not after now {}", rig.now);
        rig.tick_at(d - ms(1));
        rig.expect_quiet();
        rig.tick_at(d);
        assert!(
            !rig.inbox.is_empty() || rig.closed,
            "nothing happened at deadline {d}"
        );
        let acted: Vec<String> = rig.inbox.drain(..).map(|m| m.ty().to_string()).collect();
        // The client answers the first two TestRequests and then goes quiet.
        if acted.iter().any(|t| t == "1") && client_seq < 4 {
            rig.tick_after(ms(300));
            rig.send("0", client_seq, "112=TEST|");
            client_seq += 1;
            rig.expect_quiet();
        }
    }
    assert_eq!(client_seq, 4);
}

// ---------------------------------------------------------------------------------------------
// Inbound sequence numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn too_high_sends_one_resend_request_and_processes_the_stash_in_order() {
    let mut rig = Rig::logged_on(30);
    rig.send("0", 2, "");
    rig.send("1", 5, "112=FIRST|");
    rig.expect_is("35=2|34=2|49=VENUE|52=*|56=CLIENT|7=3|16=0");
    rig.send("1", 6, "112=SECOND|");
    rig.expect_quiet(); // no second ResendRequest
    assert_eq!(rig.s.next_target_seq(), 3);
    // The client resends 3 and 4; the stash (5, 6) follows in order.
    rig.send("0", 3, &format!("43=Y|122={}|", ts_secs(rig.now)));
    rig.expect_quiet();
    rig.send(
        "D",
        4,
        &format!(
            "43=Y|122={}|{}",
            ts_secs(rig.now),
            order_body("GAP-1", rig.now)
        ),
    );
    rig.expect_is(&format!(
        "35=D|34=3|49=VENUE|52=*|56=CLIENT|{}",
        order_body("GAP-1", rig.now)
    ));
    rig.expect_is("35=0|34=4|49=VENUE|52=*|56=CLIENT|112=FIRST");
    rig.expect_is("35=0|34=5|49=VENUE|52=*|56=CLIENT|112=SECOND");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 7);
}

#[test]
fn gap_fill_releases_the_stash() {
    let mut rig = Rig::logged_on(30);
    rig.send("1", 4, "112=LATE|");
    rig.expect_is("35=2|34=2|49=VENUE|52=*|56=CLIENT|7=2|16=0");
    rig.send(
        "4",
        2,
        &format!("43=Y|122={}|36=4|123=Y|", ts_secs(rig.now)),
    );
    rig.expect_is("35=0|34=3|49=VENUE|52=*|56=CLIENT|112=LATE");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 5);
}

#[test]
fn too_low_without_poss_dup_logs_out_with_text_and_disconnects() {
    let mut rig = Rig::logged_on(30);
    rig.send("0", 2, "");
    rig.send("0", 3, "");
    rig.send("0", 2, "");
    rig.expect_is(
        "35=5|34=2|49=VENUE|52=*|56=CLIENT|58=MsgSeqNum too low, expecting 4 but received 2",
    );
    rig.expect_silent_close();
}

#[test]
fn poss_dup_duplicate_is_ignored() {
    let mut rig = Rig::logged_on(30);
    let first_sent = rig.now;
    rig.order(2, "DUP-1");
    rig.expect("D");
    rig.tick_after(secs(1));
    let rest = format!(
        "43=Y|122={}|{}",
        ts_secs(first_sent),
        order_body("DUP-1", first_sent)
    );
    rig.send("D", 2, &rest);
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 3);
    // A PossDup message with a new number is processed normally.
    let rest = format!(
        "43=Y|122={}|{}",
        ts_secs(first_sent),
        order_body("DUP-2", first_sent)
    );
    rig.send("D", 3, &rest);
    rig.expect("D");
    assert_eq!(rig.s.next_target_seq(), 4);
}

#[test]
fn poss_dup_too_low_without_orig_sending_time_is_rejected() {
    let mut rig = Rig::logged_on(30);
    rig.send("0", 2, "");
    rig.send("0", 3, "");
    rig.send("0", 2, "43=Y|");
    rig.expect_is(
        "35=3|34=2|49=VENUE|52=*|56=CLIENT|45=2|58=Required tag missing|371=122|372=0|373=1",
    );
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 4);
}

#[test]
fn poss_dup_with_orig_sending_time_after_sending_time_is_rejected_then_logout() {
    let mut rig = Rig::logged_on(30);
    rig.send("0", 2, "");
    rig.send("0", 3, "");
    rig.send("0", 2, &format!("43=Y|122={}|", ts_secs(rig.now + secs(5))));
    rig.expect_is(
        "35=3|34=2|49=VENUE|52=*|56=CLIENT|45=2|58=SendingTime accuracy problem|372=0|373=10",
    );
    rig.expect_is("35=5|34=3|49=VENUE|52=*|56=CLIENT");
    rig.expect_quiet();
    rig.send("5", 4, "");
    rig.expect_silent_close();
}

#[test]
fn sending_time_121s_off_is_rejected_then_logout() {
    for offset in [-121, 121] {
        let mut rig = Rig::logged_on(30);
        let when = rig.now + secs(offset);
        rig.send_at("0", 2, when, "");
        rig.expect_is(
            "35=3|34=2|49=VENUE|52=*|56=CLIENT|45=2|58=SendingTime accuracy problem|372=0|373=10",
        );
        rig.expect_is("35=5|34=3|49=VENUE|52=*|56=CLIENT");
        rig.expect_quiet();
        // The client's Logout ends it without a reply.
        rig.send("5", 3, "");
        rig.expect_silent_close();
    }
}

#[test]
fn sending_time_120s_off_is_accepted() {
    for offset in [-120, 120] {
        let mut rig = Rig::logged_on(30);
        let when = rig.now + secs(offset);
        rig.send_at("1", 2, when, "112=EDGE|");
        rig.expect_is("35=0|34=2|49=VENUE|52=*|56=CLIENT|112=EDGE");
    }
}

#[test]
fn sequence_reset_reset_raises_ignores_equal_and_rejects_lower() {
    let mut rig = Rig::logged_on(30);
    // Reset mode ignores the message's own number.
    rig.send("4", 7, "36=40|");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 40);
    rig.send("4", 1, "123=N|36=40|");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 40);
    rig.send("4", 9, "36=12|");
    rig.expect_is("35=3|34=2|49=VENUE|52=*|56=CLIENT|45=9|58=Value is incorrect (out of range) for this tag|372=4|373=5");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 40);
    rig.send("1", 40, "112=STILL-HERE|");
    rig.expect_is("35=0|34=3|49=VENUE|52=*|56=CLIENT|112=STILL-HERE");
}

#[test]
fn gap_fill_with_lower_new_seq_no_is_rejected_373_5() {
    let mut rig = Rig::logged_on(30);
    rig.send("0", 2, "");
    rig.send("0", 3, "");
    rig.send("4", 4, "123=Y|36=2|");
    rig.expect_is("35=3|34=2|49=VENUE|52=*|56=CLIENT|45=4|58=Value is incorrect (out of range) for this tag|372=4|373=5");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 4);
}

#[test]
fn gap_fill_in_sequence_moves_expected_to_new_seq_no() {
    let mut rig = Rig::logged_on(30);
    rig.send("4", 2, "123=Y|36=15|");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 15);
}

// ---------------------------------------------------------------------------------------------
// Resend
// ---------------------------------------------------------------------------------------------

/// Our side after this: 1 Logon, 2 echo A, 3 Heartbeat, 4 echo B, 5 echo C.
/// Returns the SendingTime of each echo.
fn rig_with_history() -> (Rig, [String; 3]) {
    let mut rig = Rig::logged_on(30);
    rig.tick_after(secs(1));
    rig.order(2, "HIST-A");
    let a = rig.expect("D").get(52).unwrap().to_string();
    rig.tick_after(secs(1));
    rig.send("1", 3, "112=PING|");
    rig.expect("0");
    rig.tick_after(secs(1));
    rig.order(4, "HIST-B");
    let b = rig.expect("D").get(52).unwrap().to_string();
    rig.tick_after(secs(1));
    rig.order(5, "HIST-C");
    let c = rig.expect("D").get(52).unwrap().to_string();
    rig.tick_after(secs(1));
    assert_eq!(rig.s.next_sender_seq(), 6);
    (rig, [a, b, c])
}

#[test]
fn resend_request_resends_app_messages_and_gap_fills_admin_runs() {
    let (mut rig, [a, b, c]) = rig_with_history();
    let body = |id: &str, t0: DateTime<Utc>| order_body(id, t0);
    let start = t0();
    rig.send("2", 6, "7=1|16=0|");
    rig.expect_is("35=4|34=1|43=Y|49=VENUE|52=*|56=CLIENT|122=*|36=2|123=Y");
    let m = rig.expect_is(&format!(
        "35=D|34=2|43=Y|49=VENUE|52=*|56=CLIENT|122={a}|{}",
        body("HIST-A", start + secs(1))
    ));
    assert_eq!(m.get(52), Some(ts(rig.now).as_str()), "a fresh SendingTime");
    rig.expect_is("35=4|34=3|43=Y|49=VENUE|52=*|56=CLIENT|122=*|36=4|123=Y");
    rig.expect_is(&format!(
        "35=D|34=4|43=Y|49=VENUE|52=*|56=CLIENT|122={b}|{}",
        body("HIST-B", start + secs(3))
    ));
    rig.expect_is(&format!(
        "35=D|34=5|43=Y|49=VENUE|52=*|56=CLIENT|122={c}|{}",
        body("HIST-C", start + secs(4))
    ));
    rig.expect_quiet();
    // Resending takes no new numbers.
    assert_eq!(rig.s.next_sender_seq(), 6);
    assert_eq!(rig.s.next_target_seq(), 7);
    rig.send("1", 7, "112=AFTER|");
    rig.expect_is("35=0|34=6|49=VENUE|52=*|56=CLIENT|112=AFTER");
}

#[test]
fn resend_request_end_seq_no_zero_or_beyond_means_up_to_the_last_sent() {
    for end in ["0", "5", "999"] {
        let (mut rig, _) = rig_with_history();
        rig.send("2", 6, &format!("7=4|16={end}|"));
        assert_eq!(rig.expect("D").seq(), 4, "16={end}");
        assert_eq!(rig.expect("D").seq(), 5, "16={end}");
        rig.expect_quiet();
    }
    // A bounded range stops where asked.
    let (mut rig, _) = rig_with_history();
    rig.send("2", 6, "7=2|16=2|");
    let m = rig.expect("D");
    assert_eq!((m.seq(), m.get(43)), (2, Some("Y")));
    rig.expect_quiet();
}

#[test]
fn resend_request_for_admin_only_range_is_one_gap_fill() {
    let (mut rig, _) = rig_with_history();
    rig.send("2", 6, "7=3|16=3|");
    rig.expect_is("35=4|34=3|43=Y|49=VENUE|52=*|56=CLIENT|122=*|36=4|123=Y");
    rig.expect_quiet();
    // And a trailing admin run (our Heartbeat 6) is gap-filled up to the next number.
    rig.tick_after(secs(30));
    rig.expect("0");
    rig.send("2", 7, "7=5|16=0|");
    rig.expect("D");
    rig.expect_is("35=4|34=6|43=Y|49=VENUE|52=*|56=CLIENT|122=*|36=7|123=Y");
    rig.expect_quiet();
}

// ---------------------------------------------------------------------------------------------
// Resetting sequence numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn reset_on_logon_starts_every_connection_at_one() {
    let mut rig = Rig::new(true);
    rig.logon(1, 30);
    rig.order(2, "R-1");
    rig.expect("D");
    rig.send("5", 3, "");
    rig.expect("5");
    assert!(rig.closed);
    rig.tick_after(secs(10));
    rig.connect();
    let reply = rig.logon(1, 30);
    assert_eq!(reply.seq(), 1);
    assert_eq!((rig.s.next_sender_seq(), rig.s.next_target_seq()), (2, 2));
}

#[test]
fn without_reset_on_logon_numbers_carry_over_and_too_low_logon_is_refused() {
    let mut rig = Rig::new(false);
    rig.logon(1, 30);
    rig.send("0", 2, "");
    rig.drop_connection();
    rig.connect();
    // Numbers continue: the next Logon is 3, and our reply is 2.
    let reply = rig.logon(3, 30);
    assert_eq!(reply.seq(), 2);
    rig.drop_connection();
    rig.connect();
    rig.send("A", 1, "98=0|108=30|");
    rig.expect_is(
        "35=5|34=3|49=VENUE|52=*|56=CLIENT|58=MsgSeqNum too low, expecting 4 but received 1",
    );
    rig.expect_silent_close();
}

#[test]
fn reset_seq_num_flag_resets_both_sides_and_is_echoed() {
    let mut rig = Rig::new(false);
    rig.logon(1, 30);
    rig.send("0", 2, "");
    rig.send("0", 3, "");
    rig.drop_connection();
    rig.connect();
    rig.send("A", 1, "98=0|108=30|141=Y|");
    rig.expect_is("35=A|34=1|49=VENUE|52=*|56=CLIENT|98=0|108=30|141=Y");
    rig.expect_quiet();
    assert_eq!((rig.s.next_sender_seq(), rig.s.next_target_seq()), (2, 2));
}

#[test]
fn report_sent_while_disconnected_is_stored_and_resent_after_the_next_logon() {
    let mut rig = Rig::new(false);
    rig.logon(1, 30);
    rig.drop_connection();
    rig.tick_after(secs(5));
    let sent_at = rig.now;
    let mut body = Vec::new();
    for (tag, v) in [
        (6, "0"),
        (11, "OFF-1"),
        (14, "0"),
        (17, "X-1"),
        (20, "0"),
        (37, "O-1"),
        (39, "0"),
    ] {
        append_field(&mut body, tag, v.as_bytes());
    }
    for (tag, v) in [(54, "1"), (55, "WIDGET"), (150, "0"), (151, "100")] {
        append_field(&mut body, tag, v.as_bytes());
    }
    let report = Outgoing {
        msg_type: b"8".to_vec(),
        header: vec![],
        body,
    };
    let seq = rig.s.send_app(&report, sent_at);
    assert_eq!(seq, 2);
    rig.pump();
    assert!(rig.inbox.is_empty(), "nothing written while disconnected");
    assert_eq!(rig.s.next_sender_seq(), 3);

    rig.tick_after(secs(5));
    rig.connect();
    let reply = rig.logon(2, 30);
    assert_eq!(reply.seq(), 3, "the Logon reply follows the stored report");
    rig.expect_quiet();
    // The client sees 3 where it expected 2 and asks.
    rig.send("2", 3, "7=2|16=0|");
    let resent = rig.expect_is(
        "35=8|34=2|43=Y|49=VENUE|52=*|56=CLIENT|122=*|6=0|11=OFF-1|14=0|17=X-1|20=0|37=O-1|39=0|54=1|55=WIDGET|150=0|151=100",
    );
    assert_eq!(
        resent.get(122),
        Some(ts(sent_at).as_str()),
        "OrigSendingTime is when it was stored"
    );
    assert_eq!(resent.get(52), Some(ts(rig.now).as_str()));
    rig.expect_is("35=4|34=3|43=Y|49=VENUE|52=*|56=CLIENT|122=*|36=4|123=Y");
    rig.expect_quiet();
}

#[test]
fn send_app_while_logged_on_goes_out_at_once() {
    let mut rig = Rig::logged_on(30);
    let mut body = Vec::new();
    append_field(&mut body, 58, b"hello");
    append_field(&mut body, 148, b"notice");
    let seq = rig.s.send_app(
        &Outgoing {
            msg_type: b"B".to_vec(),
            header: vec![],
            body,
        },
        rig.now,
    );
    rig.pump();
    assert_eq!(seq, 2);
    rig.expect_is("35=B|34=2|49=VENUE|52=*|56=CLIENT|58=hello|148=notice");
}

// ---------------------------------------------------------------------------------------------
// Garbled input, validation, application
// ---------------------------------------------------------------------------------------------

#[test]
fn garbled_frames_after_logon_are_ignored_and_take_no_number() {
    let mut rig = Rig::logged_on(30);
    let good = frame(&format!(
        "35=1|34=2|49=CLIENT|52={}|56=VENUE|112=A|",
        ts_secs(rig.now)
    ));
    let mut bad_sum = good.clone();
    let n = bad_sum.len();
    bad_sum[n - 2] = if bad_sum[n - 2] == b'9' { b'8' } else { b'9' };
    rig.feed(&bad_sum);
    rig.expect_quiet();
    let bad_tag = show(&good).replace("112=A", "1x2=A").replace('|', "\x01");
    let bad_tag = frame_with_length_and_sum(&bad_tag);
    rig.feed(&bad_tag);
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 2);
    assert_eq!(rig.s.stats().garbled, 2);
    rig.feed(&good);
    rig.expect_is("35=0|34=2|49=VENUE|52=*|56=CLIENT|112=A");
}

/// Recomputes 9 and 10 of a frame whose body was edited.
fn frame_with_length_and_sum(edited: &str) -> Vec<u8> {
    let bytes = edited.as_bytes();
    let body_start = bytes.windows(3).position(|w| w == b"\x0135").unwrap() + 1;
    let trailer = bytes.windows(4).rposition(|w| w == b"\x0110=").unwrap() + 1;
    let body = &bytes[body_start..trailer];
    let mut out = format!("8=FIX.4.2\x019={}\x01", body.len()).into_bytes();
    out.extend_from_slice(body);
    let sum = fix_codec::checksum(&out);
    out.extend_from_slice(format!("10={sum:03}\x01").as_bytes());
    out
}

#[test]
fn begin_string_change_logs_out_and_consumes_the_number() {
    let mut rig = Rig::logged_on(30);
    let mut b = MessageBuilder::new("FIX.4.1");
    b.start(b"0")
        .raw(34, b"2")
        .raw(49, b"CLIENT")
        .raw(52, ts_secs(rig.now).as_bytes())
        .raw(56, b"VENUE");
    rig.feed(&b.finish());
    rig.expect_is("35=5|34=2|49=VENUE|52=*|56=CLIENT|58=Incorrect BeginString");
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 3);
    rig.tick_after(secs(2));
    rig.expect_silent_close();
}

#[test]
fn validation_reject_consumes_the_number_and_reverses_routing() {
    let mut rig = Rig::logged_on(30);
    rig.send(
        "D",
        2,
        &format!(
            "115=BROKER|128=DESK|11=V-1|21=7|38=5|40=1|54=1|55=WIDGET|60={}|",
            ts_secs(rig.now)
        ),
    );
    rig.expect_is(
        "35=3|34=2|49=VENUE|52=*|56=CLIENT|115=DESK|128=BROKER|45=2|58=Value is incorrect (out of range) for this tag|371=21|372=D|373=5",
    );
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 3);
}

#[test]
fn rejects_without_a_fix42_reason_carry_no_373() {
    let mut rig = Rig::logged_on(30);
    rig.send("0", 2, "112=A|112=B|");
    rig.expect_is(
        "35=3|34=2|49=VENUE|52=*|56=CLIENT|45=2|58=Tag appears more than once|371=112|372=0",
    );
    assert_eq!(rig.s.next_target_seq(), 3);
}

#[test]
fn unsupported_application_message_gets_business_reject() {
    let mut rig = Rig::logged_on(30);
    rig.send(
        "8",
        2,
        "6=0|11=Z|14=0|17=E|20=0|31=0|32=0|37=O|38=1|39=0|54=1|55=WIDGET|150=0|151=1|",
    );
    rig.expect_is("35=j|34=2|49=VENUE|52=*|56=CLIENT|45=2|58=Unsupported Message Type|372=8|380=3");
    assert_eq!(rig.s.next_target_seq(), 3);
}

#[test]
fn poss_resend_order_with_a_known_cl_ord_id_is_dropped_but_counted() {
    let mut rig = Rig::logged_on(30);
    rig.order(2, "PR-1");
    rig.expect("D");
    rig.send("D", 3, &format!("97=Y|{}", order_body("PR-1", rig.now)));
    rig.expect_quiet();
    assert_eq!(rig.s.next_target_seq(), 4);
    // Unknown ClOrdID with PossResend: echoed, 97 kept.
    rig.send("D", 4, &format!("97=Y|{}", order_body("PR-2", rig.now)));
    rig.expect_is(&format!(
        "35=D|34=3|49=VENUE|52=*|56=CLIENT|97=Y|{}",
        order_body("PR-2", rig.now)
    ));
}

#[test]
fn second_logon_on_a_logged_on_connection_disconnects() {
    let mut rig = Rig::logged_on(30);
    rig.send("A", 2, "98=0|108=30|");
    rig.expect_silent_close();
}
