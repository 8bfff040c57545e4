//! Time-driven rules (QuickFIX `Session::next()` and `SessionState`):
//! a Heartbeat when nothing was sent for HeartBtInt (H); a TestRequest when
//! nothing was heard for 1.2·H (and again per further 1.2·H); disconnect at
//! 2.4·H of silence; disconnect when our Logout is not answered in time.

use chrono::{DateTime, Duration, Utc};

use super::Session;

fn scaled(h: Duration, factor_tenths: i64) -> Duration {
    Duration::milliseconds(h.num_milliseconds() * factor_tenths / 10)
}

impl Session {
    pub fn handle_timeout(&mut self, now: DateTime<Utc>) {
        let logout_timeout = self.cfg.logout_timeout;
        let Some(c) = self.conn.as_mut() else { return };
        if !c.logged_on || self.disconnect {
            return;
        }
        if let Some(t) = c.sent_logout {
            if now - t >= logout_timeout {
                tracing::warn!(session = %self.cfg.id, "timed out waiting for Logout reply");
                self.disconnect = true;
                return;
            }
        }
        if !self.cfg.schedule.is_in_session(now) && c.sent_logout.is_none() {
            tracing::info!(session = %self.cfg.id, "end of session time: logging out");
            self.send_logout(Some("Session end"), now);
            return;
        }
        let h = c.heart_bt_int;
        if h <= Duration::zero() {
            return;
        }
        let since_sent = now - c.last_sent;
        let since_received = now - c.last_received;
        if since_sent < h && since_received < h {
            return;
        }
        if since_received >= scaled(h, 24) {
            tracing::warn!(session = %self.cfg.id, "timed out waiting for heartbeat; disconnecting");
            self.disconnect = true;
        } else if since_received >= scaled(h, 12 * (c.test_requests as i64 + 1)) {
            c.test_requests += 1;
            self.send_test_request("TEST", now);
        } else if since_sent >= h && c.test_requests == 0 {
            self.send_heartbeat(None, now);
        }
    }

    /// When [`Session::handle_timeout`] next has something to do.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        let c = self.conn.as_ref()?;
        if !c.logged_on {
            return None;
        }
        let mut at: Vec<DateTime<Utc>> = Vec::with_capacity(4);
        if let Some(t) = c.sent_logout {
            at.push(t + self.cfg.logout_timeout);
        }
        let h = c.heart_bt_int;
        if h > Duration::zero() {
            if c.test_requests == 0 {
                at.push(c.last_sent + h);
            }
            at.push(c.last_received + scaled(h, 12 * (c.test_requests as i64 + 1)));
            at.push(c.last_received + scaled(h, 24));
        }
        at.into_iter().min()
    }
}
