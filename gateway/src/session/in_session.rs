//! A logged-on session's inbound rules: BeginString, validation, then the
//! per-type handlers, each of which runs QuickFIX's `verify` (SendingTime,
//! CompIDs, sequence number too high / too low) before acting.

use chrono::{DateTime, Utc};
use fix_codec::{tags, validate, Message};

use super::Session;
use crate::app::{AppAction, Application};

impl Session {
    /// One message after Logon. `queued` is true when it comes from the
    /// stash of early messages, which the caller then keeps draining.
    pub(super) fn process(
        &mut self,
        msg: &Message,
        now: DateTime<Utc>,
        app: &mut dyn Application,
        queued: bool,
    ) {
        let msg_type = msg.msg_type();
        if msg.get(tags::BEGIN_STRING) != Some(self.cfg.id.begin_string.as_bytes()) {
            if msg_type == b"5" {
                self.next_logout(msg, now, app);
            } else {
                self.send_logout(Some("Incorrect BeginString"), now);
                self.incr_target();
            }
        } else if let Err(rej) = self.validate(msg) {
            self.send_reject(msg, &rej, now);
        } else {
            match msg_type {
                b"A" => {
                    tracing::warn!(session = %self.cfg.id, "Logon while logged on; disconnecting");
                    self.disconnect = true;
                }
                b"0" => {
                    if self.verify(msg, now, true, true) {
                        self.incr_target();
                    }
                }
                b"1" => {
                    if self.verify(msg, now, true, true) {
                        self.send_heartbeat(msg.get(tags::TEST_REQ_ID), now);
                        self.incr_target();
                    }
                }
                b"2" => self.next_resend_request(msg, now),
                b"3" => {
                    if self.verify(msg, now, false, true) {
                        self.incr_target();
                    }
                }
                b"4" => self.next_sequence_reset(msg, now),
                b"5" => self.next_logout(msg, now, app),
                _ => self.next_app(msg, now, app),
            }
        }
        if !queued {
            self.process_queued(now, app);
        }
    }

    fn validate(&self, msg: &Message) -> Result<(), fix_codec::SessionReject> {
        if self.cfg.validate_incoming {
            self.dict.validate(msg, &self.cfg.validation)
        } else {
            Ok(())
        }
    }

    /// QuickFIX's `verify`: false if the message must not be acted on (and
    /// whatever it called for was done).
    pub(super) fn verify(
        &mut self,
        msg: &Message,
        now: DateTime<Utc>,
        check_too_high: bool,
        check_too_low: bool,
    ) -> bool {
        if self.cfg.check_latency
            && validate::check_sending_time(msg, now, self.cfg.max_latency).is_err()
        {
            let rej = fix_codec::SessionReject::new(
                fix_codec::SessionRejectReason::SendingTimeAccuracyProblem,
                None,
            );
            self.send_reject(msg, &rej, now);
            self.send_logout(None, now);
            return false;
        }
        if self.cfg.check_comp_id
            && validate::check_comp_ids(
                msg,
                &self.cfg.id.sender_comp_id,
                &self.cfg.id.target_comp_id,
            )
            .is_err()
        {
            let rej =
                fix_codec::SessionReject::new(fix_codec::SessionRejectReason::CompIdProblem, None);
            self.send_reject(msg, &rej, now);
            self.send_logout(None, now);
            return false;
        }
        let seq = msg.seq_num().unwrap_or(0);
        let expected = self.store.next_target_seq();
        if check_too_high && seq > expected {
            self.target_too_high(msg, seq, now);
            return false;
        }
        if check_too_low && seq < expected {
            self.target_too_low(msg, seq, expected, now);
            return false;
        }
        let c = self.conn();
        if check_too_high || check_too_low {
            if let Some((_, last)) = c.resend_range {
                if seq >= last {
                    c.resend_range = None;
                }
            }
        }
        c.last_received = now;
        c.test_requests = 0;
        true
    }

    /// Stash the message and ask for the gap, unless already asked.
    pub(super) fn target_too_high(&mut self, msg: &Message, seq: u64, now: DateTime<Utc>) {
        let expected = self.store.next_target_seq();
        let redundant = !self.cfg.send_redundant_resend_requests;
        let c = self.conn();
        c.queue.insert(seq, msg.as_bytes().to_vec());
        if redundant && c.resend_range.is_some_and(|(first, _)| seq >= first) {
            tracing::debug!(seq, "gap already requested; queued");
            return;
        }
        c.resend_range = Some((expected, seq - 1));
        tracing::info!(session = %self.cfg.id, expected, received = seq, "sequence gap; sending ResendRequest");
        self.send_resend_request(expected, now);
    }

    fn target_too_low(&mut self, msg: &Message, seq: u64, expected: u64, now: DateTime<Utc>) {
        if msg.get_bool(tags::POSS_DUP_FLAG) != Some(true) {
            let text = format!("MsgSeqNum too low, expecting {expected} but received {seq}");
            tracing::warn!(session = %self.cfg.id, text);
            self.send_logout(Some(&text), now);
            self.disconnect = true;
            return;
        }
        if msg.msg_type() == b"4" {
            return;
        }
        match (
            msg.get_timestamp(tags::ORIG_SENDING_TIME),
            msg.get_timestamp(tags::SENDING_TIME),
        ) {
            (None, _) => {
                let rej = fix_codec::SessionReject::new(
                    fix_codec::SessionRejectReason::RequiredTagMissing,
                    Some(tags::ORIG_SENDING_TIME as i32),
                );
                self.send_reject(msg, &rej, now);
            }
            (Some(orig), Some(sent)) if orig > sent => {
                let rej = fix_codec::SessionReject::new(
                    fix_codec::SessionRejectReason::SendingTimeAccuracyProblem,
                    None,
                );
                self.send_reject(msg, &rej, now);
                self.send_logout(None, now);
            }
            // A duplicate we already processed: ignore it.
            _ => {}
        }
    }

    fn next_sequence_reset(&mut self, msg: &Message, now: DateTime<Utc>) {
        let gap_fill = msg.get_bool(tags::GAP_FILL_FLAG) == Some(true);
        if !self.verify(msg, now, gap_fill, gap_fill) {
            return;
        }
        let Some(new_seq_no) = msg.get_u64(tags::NEW_SEQ_NO) else {
            return;
        };
        let expected = self.store.next_target_seq();
        if new_seq_no > expected {
            self.set_target(new_seq_no);
        } else if new_seq_no < expected {
            let rej = fix_codec::SessionReject::new(
                fix_codec::SessionRejectReason::ValueIsIncorrect,
                None,
            );
            self.send_reject(msg, &rej, now);
        }
    }

    fn next_logout(&mut self, msg: &Message, now: DateTime<Utc>, _app: &mut dyn Application) {
        if !self.verify(msg, now, false, false) {
            return;
        }
        let we_asked = self.conn().sent_logout.is_some();
        if we_asked {
            tracing::info!(session = %self.cfg.id, "logout confirmed");
        } else {
            tracing::info!(session = %self.cfg.id, text = msg.get_str(tags::TEXT).unwrap_or(""), "logout requested by peer");
            self.send_logout(None, now);
        }
        self.incr_target();
        if self.cfg.reset_on_logout {
            self.reset_store(now);
        }
        self.disconnect = true;
    }

    fn next_app(&mut self, msg: &Message, now: DateTime<Utc>, app: &mut dyn Application) {
        if !self.verify(msg, now, true, true) {
            return;
        }
        let dict = std::sync::Arc::clone(&self.dict);
        match app.from_app(msg, &dict) {
            AppAction::Accepted => self.incr_target(),
            AppAction::Reply(replies) => {
                self.incr_target();
                for r in &replies {
                    self.send_app(r, now);
                }
            }
            AppAction::Reject(rej) => self.send_business_reject(msg, &rej, now),
        }
    }

    /// Processes stashed messages that are now in sequence.
    pub(super) fn process_queued(&mut self, now: DateTime<Utc>, app: &mut dyn Application) {
        loop {
            if self.disconnect || !self.is_logged_on() {
                return;
            }
            let expected = self.store.next_target_seq();
            let c = self.conn();
            // Anything below the expected number is stale.
            while let Some((&seq, _)) = c.queue.first_key_value() {
                if seq >= expected {
                    break;
                }
                c.queue.pop_first();
            }
            let Some(frame) = c.queue.remove(&expected) else {
                return;
            };
            let Ok(msg) = Message::decode_with(&frame, Some(&self.dict), Vec::new()) else {
                return;
            };
            tracing::debug!(seq = expected, "processing queued message");
            match msg.msg_type() {
                b"A" | b"2" => self.incr_target(),
                _ => self.process(&msg, now, app, true),
            }
        }
    }
}
