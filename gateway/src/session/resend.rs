//! Answering the peer's ResendRequest: stored application messages go out
//! again under their own numbers with PossDupFlag=Y and OrigSendingTime;
//! every run of numbers with nothing to resend (admin messages) becomes one
//! SequenceReset-GapFill. Nothing here takes a new sequence number, and the
//! whole answer is written before anything sent later, so resends never
//! interleave with live traffic.

use chrono::{DateTime, Utc};
use fix_codec::{encode, tags, Message};

use super::Session;

impl Session {
    pub(super) fn next_resend_request(&mut self, msg: &Message, now: DateTime<Utc>) {
        if !self.verify(msg, now, false, false) {
            return;
        }
        let begin = msg.get_u64(tags::BEGIN_SEQ_NO).unwrap_or(1).max(1);
        let end = msg.get_u64(tags::END_SEQ_NO).unwrap_or(0);
        self.resend_range(begin, end, now);
        if msg.seq_num() == Some(self.store.next_target_seq()) {
            self.incr_target();
        }
    }

    /// Resends `begin..=end` (`end` 0 or beyond the last sent: up to the
    /// last sent).
    pub(super) fn resend_range(&mut self, begin: u64, end: u64, now: DateTime<Utc>) {
        let last_sent = self.store.next_sender_seq().saturating_sub(1);
        let end = if end == 0 || end > last_sent {
            last_sent
        } else {
            end
        };
        tracing::info!(session = %self.cfg.id, begin, end, "resending");
        if begin > end {
            // Nothing was sent in that range: move the peer past it.
            if begin <= last_sent + 1 {
                self.send_gap_fill(begin, last_sent + 1, now);
            }
            return;
        }
        let mut stored = Vec::new();
        if let Err(e) = self.store.messages(begin, end, &mut stored) {
            self.store_error(e);
            return;
        }
        let mut gap_start: Option<u64> = None;
        let mut next = begin;
        for (seq, bytes) in &stored {
            if *seq > next && gap_start.is_none() {
                gap_start = Some(next);
            }
            if let Some(g) = gap_start.take() {
                self.send_gap_fill(g, *seq, now);
            }
            if encode::resend(bytes, &now, &mut self.out).is_ok() {
                self.stats.resent += 1;
                self.stats.messages_out += 1;
            } else {
                tracing::error!(session = %self.cfg.id, seq, "stored message unreadable; gap-filling it");
                self.send_gap_fill(*seq, seq + 1, now);
            }
            next = seq + 1;
        }
        if next <= end {
            self.send_gap_fill(next, end + 1, now);
        }
        if let Some(c) = self.conn.as_mut() {
            c.last_sent = now;
        }
    }
}
