//! The first message on a connection: it must be a valid Logon for this
//! session, or the connection closes without a word (FIX: an acceptor does
//! not answer what might not be its counterparty).

use chrono::{DateTime, Duration, Utc};
use fix_codec::{tags, validate, Message};

use super::Session;
use crate::app::Application;

impl Session {
    pub(super) fn handle_logon(
        &mut self,
        msg: &Message,
        now: DateTime<Utc>,
        app: &mut dyn Application,
    ) {
        if let Err(why) = self.check_logon(msg, now) {
            tracing::warn!(session = %self.cfg.id, why, "logon refused; disconnecting");
            self.disconnect = true;
            return;
        }
        // A new session period (trading day) starts with fresh numbers.
        if self
            .cfg
            .schedule
            .needs_reset(self.store.creation_time(), now)
        {
            tracing::info!(session = %self.cfg.id, "new session period: resetting sequence numbers");
            self.reset_store(now);
        }
        let reset_requested = msg.get_bool(tags::RESET_SEQ_NUM_FLAG) == Some(true);
        if self.cfg.reset_on_logon || reset_requested {
            self.reset_store(now);
        }
        let seq = msg.seq_num().unwrap_or(0);
        let expected = self.store.next_target_seq();
        if seq < expected && !reset_requested {
            let text = format!("MsgSeqNum too low, expecting {expected} but received {seq}");
            tracing::warn!(session = %self.cfg.id, text, "logon refused");
            self.send_logout(Some(&text), now);
            self.disconnect = true;
            return;
        }
        let heart_bt_int = msg.get_int(tags::HEART_BT_INT).unwrap_or(0);
        {
            let c = self.conn();
            c.logged_on = true;
            c.heart_bt_int = Duration::seconds(heart_bt_int);
            c.last_received = now;
        }
        self.send_admin(b"A", now, |b| {
            b.int(tags::ENCRYPT_METHOD, 0)
                .int(tags::HEART_BT_INT, heart_bt_int);
            if reset_requested {
                b.bool(tags::RESET_SEQ_NUM_FLAG, true);
            }
        });
        tracing::info!(session = %self.cfg.id, heart_bt_int, next_sender = self.store.next_sender_seq(), next_target = expected, "logged on");
        app.on_logon();
        if seq > expected && !reset_requested {
            self.target_too_high(msg, seq, now);
        } else {
            self.incr_target();
            self.process_queued(now, app);
        }
    }

    /// Why a first message is not an acceptable Logon, if it is not.
    fn check_logon(&self, msg: &Message, now: DateTime<Utc>) -> Result<(), &'static str> {
        if msg.msg_type() != b"A" {
            return Err("first message is not a Logon");
        }
        if msg.get(tags::BEGIN_STRING) != Some(self.cfg.id.begin_string.as_bytes()) {
            return Err("wrong BeginString");
        }
        if self.cfg.validate_incoming && self.dict.validate(msg, &self.cfg.validation).is_err() {
            return Err("Logon fails validation");
        }
        if self.cfg.check_comp_id
            && validate::check_comp_ids(
                msg,
                &self.cfg.id.sender_comp_id,
                &self.cfg.id.target_comp_id,
            )
            .is_err()
        {
            return Err("CompID problem");
        }
        if self.cfg.check_latency
            && validate::check_sending_time(msg, now, self.cfg.max_latency).is_err()
        {
            return Err("SendingTime accuracy problem");
        }
        if msg.get_int(tags::HEART_BT_INT).is_none_or(|h| h < 0) {
            return Err("HeartBtInt missing or negative");
        }
        if msg.seq_num().is_none() {
            return Err("MsgSeqNum missing");
        }
        if !self.cfg.schedule.is_in_session(now) {
            return Err("Logon outside the session's time");
        }
        Ok(())
    }
}
