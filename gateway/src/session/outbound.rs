//! Framing what the session sends: the header in standard order, the store
//! (application messages kept for resend, admin ones only counted), and the
//! admin messages QuickFIX generates.

use chrono::{DateTime, Utc};
use fix_codec::{tags, value, Message, MessageBuilder, SessionReject};

use super::Session;

impl Session {
    /// Frames and records one message; writes it out when the connection
    /// may carry it. Returns its sequence number.
    pub(super) fn send(
        &mut self,
        msg_type: &[u8],
        extra_header: &[(i32, Vec<u8>)],
        now: DateTime<Utc>,
        is_app: bool,
        body: impl FnOnce(&mut MessageBuilder),
    ) -> u64 {
        let seq = self.store.next_sender_seq();
        self.build(msg_type, seq, extra_header, now, body);
        let writes = match &self.conn {
            Some(c) => c.logged_on || !is_app,
            None => false,
        };
        let start = self.out.len();
        let mut scratch = Vec::new();
        let dst = if writes { &mut self.out } else { &mut scratch };
        self.builder.finish_into(dst);
        let bytes = if writes {
            &self.out[start..]
        } else {
            &scratch[..]
        };
        let stored = if is_app {
            self.store.save_message_and_incr_next_sender_seq(seq, bytes)
        } else {
            self.store.incr_next_sender_seq()
        };
        if let Err(e) = stored {
            self.out.truncate(start);
            self.store_error(e);
            return seq;
        }
        if writes {
            self.stats.messages_out += 1;
            if let Some(c) = self.conn.as_mut() {
                c.last_sent = now;
            }
        }
        seq
    }

    /// MsgType, then header fields in ascending tag order (ours and the
    /// extra ones), then the body.
    fn build(
        &mut self,
        msg_type: &[u8],
        seq: u64,
        extra: &[(i32, Vec<u8>)],
        now: DateTime<Utc>,
        body: impl FnOnce(&mut MessageBuilder),
    ) {
        if extra.is_empty() {
            // The common case, with no allocation: 34 < 49 < 50 < 52 < 56.
            let id = &self.cfg.id;
            let b = &mut self.builder;
            b.start(msg_type);
            b.uint(tags::MSG_SEQ_NUM, seq);
            b.str(tags::SENDER_COMP_ID, &id.sender_comp_id);
            if let Some(sub) = &self.cfg.sender_sub_id {
                b.str(tags::SENDER_SUB_ID, sub);
            }
            b.timestamp(tags::SENDING_TIME, &now);
            b.str(tags::TARGET_COMP_ID, &id.target_comp_id);
            body(b);
            return;
        }
        let mut ts = Vec::with_capacity(21);
        value::write_utc_timestamp_millis(&mut ts, &now);
        let mut seq_buf = itoa::Buffer::new();
        let seq_str = seq_buf.format(seq).as_bytes();
        let id = &self.cfg.id;
        let mut header: Vec<(i32, &[u8])> = Vec::with_capacity(6 + extra.len());
        header.push((tags::MSG_SEQ_NUM as i32, seq_str));
        header.push((tags::SENDER_COMP_ID as i32, id.sender_comp_id.as_bytes()));
        if let Some(sub) = &self.cfg.sender_sub_id {
            header.push((tags::SENDER_SUB_ID as i32, sub.as_bytes()));
        }
        header.push((tags::SENDING_TIME as i32, &ts));
        header.push((tags::TARGET_COMP_ID as i32, id.target_comp_id.as_bytes()));
        header.extend(extra.iter().map(|(t, v)| (*t, &v[..])));
        header.sort_by_key(|(t, _)| *t);
        self.builder.start(msg_type);
        for (t, v) in header {
            self.builder.raw_signed(t, v);
        }
        body(&mut self.builder);
    }

    pub(super) fn send_admin(
        &mut self,
        msg_type: &[u8],
        now: DateTime<Utc>,
        body: impl FnOnce(&mut MessageBuilder),
    ) {
        self.send(msg_type, &[], now, false, body);
    }

    pub(super) fn send_heartbeat(&mut self, test_req_id: Option<&[u8]>, now: DateTime<Utc>) {
        self.send_admin(b"0", now, |b| {
            if let Some(id) = test_req_id {
                b.raw(tags::TEST_REQ_ID, id);
            }
        });
    }

    pub(super) fn send_test_request(&mut self, id: &str, now: DateTime<Utc>) {
        self.send_admin(b"1", now, |b| {
            b.str(tags::TEST_REQ_ID, id);
        });
    }

    pub(super) fn send_resend_request(&mut self, begin: u64, now: DateTime<Utc>) {
        self.send_admin(b"2", now, |b| {
            b.uint(tags::BEGIN_SEQ_NO, begin).uint(tags::END_SEQ_NO, 0);
        });
    }

    pub(super) fn send_logout(&mut self, text: Option<&str>, now: DateTime<Utc>) {
        self.send_admin(b"5", now, |b| {
            if let Some(t) = text {
                b.str(tags::TEXT, t);
            }
        });
        if let Some(c) = self.conn.as_mut() {
            c.sent_logout = Some(now);
        }
    }

    /// A session Reject for `msg`, QuickFIX's `generateReject`: routing
    /// reversed, 45/58/371/372 and 373 for FIX 4.2 reasons; the rejected
    /// message uses up its number if it had the expected one (not Logon or
    /// SequenceReset).
    pub(super) fn send_reject(
        &mut self,
        msg: &Message,
        reject: &SessionReject,
        now: DateTime<Utc>,
    ) {
        let seq = msg.get(tags::MSG_SEQ_NUM).filter(|v| !v.is_empty());
        let msg_type = msg.msg_type();
        let route = reverse_route(msg);
        tracing::info!(session = %self.cfg.id, %reject, msg_type = %String::from_utf8_lossy(msg_type), "session reject");
        self.stats.rejects_sent += 1;
        self.send(b"3", &route, now, false, |b| {
            if let Some(s) = seq {
                b.raw(tags::REF_SEQ_NUM, s);
            }
            b.str(tags::TEXT, reject.text());
            if let Some(t) = reject.ref_tag {
                b.int(tags::REF_TAG_ID, t as i64);
            }
            if !msg_type.is_empty() {
                b.raw(tags::REF_MSG_TYPE, msg_type);
            }
            if reject.reason.in_fix42() {
                b.uint(tags::SESSION_REJECT_REASON, reject.reason.code() as u64);
            }
        });
        if msg_type != b"A"
            && msg_type != b"4"
            && msg.seq_num() == Some(self.store.next_target_seq())
        {
            self.incr_target();
        }
    }

    /// BusinessMessageReject(j), an application message; it uses up the
    /// rejected message's number.
    pub(super) fn send_business_reject(
        &mut self,
        msg: &Message,
        rej: &crate::app::BusinessReject,
        now: DateTime<Utc>,
    ) {
        let seq = msg.get(tags::MSG_SEQ_NUM).unwrap_or_default().to_vec();
        let msg_type = msg.msg_type().to_vec();
        self.incr_target();
        self.send(b"j", &[], now, true, |b| {
            b.raw(tags::REF_SEQ_NUM, &seq);
            b.str(tags::TEXT, &rej.text);
            b.raw(tags::REF_MSG_TYPE, &msg_type);
            if let Some(id) = &rej.ref_id {
                b.str(tags::BUSINESS_REJECT_REF_ID, id);
            }
            b.uint(tags::BUSINESS_REJECT_REASON, rej.reason as u64);
        });
    }

    /// SequenceReset-GapFill for `begin..new_seq_no`, sent under `begin`.
    pub(super) fn send_gap_fill(&mut self, begin: u64, new_seq_no: u64, now: DateTime<Utc>) {
        let mut ts = Vec::with_capacity(21);
        value::write_utc_timestamp_millis(&mut ts, &now);
        let extra = [
            (tags::POSS_DUP_FLAG as i32, b"Y".to_vec()),
            (tags::ORIG_SENDING_TIME as i32, ts),
        ];
        self.build(b"4", begin, &extra, now, |b| {
            b.uint(tags::NEW_SEQ_NO, new_seq_no)
                .bool(tags::GAP_FILL_FLAG, true);
        });
        self.builder.finish_into(&mut self.out);
        self.stats.messages_out += 1;
    }

    pub(super) fn incr_target(&mut self) {
        if let Err(e) = self.store.incr_next_target_seq() {
            self.store_error(e);
        }
    }

    pub(super) fn set_target(&mut self, seq: u64) {
        if let Err(e) = self.store.set_next_target_seq(seq) {
            self.store_error(e);
        }
    }
}

/// The reply's routing fields: OnBehalfOf* ↔ DeliverTo*, non-empty only.
pub(super) fn reverse_route(msg: &Message) -> Vec<(i32, Vec<u8>)> {
    const PAIRS: [(u32, u32); 6] = [
        (tags::ON_BEHALF_OF_COMP_ID, tags::DELIVER_TO_COMP_ID),
        (tags::ON_BEHALF_OF_SUB_ID, tags::DELIVER_TO_SUB_ID),
        (tags::ON_BEHALF_OF_LOCATION_ID, tags::DELIVER_TO_LOCATION_ID),
        (tags::DELIVER_TO_COMP_ID, tags::ON_BEHALF_OF_COMP_ID),
        (tags::DELIVER_TO_SUB_ID, tags::ON_BEHALF_OF_SUB_ID),
        (tags::DELIVER_TO_LOCATION_ID, tags::ON_BEHALF_OF_LOCATION_ID),
    ];
    PAIRS
        .iter()
        .filter_map(|&(from, to)| {
            msg.get(from)
                .filter(|v| !v.is_empty())
                .map(|v| (to as i32, v.to_vec()))
        })
        .collect()
}

/// Appends pre-encoded `tag=value SOH` fields to a builder.
pub(crate) fn append_encoded(b: &mut MessageBuilder, body: &[u8]) {
    for field in body
        .split(|&c| c == fix_codec::SOH)
        .filter(|f| !f.is_empty())
    {
        let eq = field.iter().position(|&c| c == b'=').unwrap_or(field.len());
        let tag = value::parse_int(&field[..eq]).unwrap_or(0) as i32;
        b.raw_signed(tag, field.get(eq + 1..).unwrap_or_default());
    }
}
