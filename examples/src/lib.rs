//! A small blocking FIX 4.2 initiator over the same codec as the venue: the
//! core of the command-line order-entry client, the load generator and the
//! venue's end-to-end tests.

pub mod cli;
pub mod load;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use chrono::Utc;
use fix_codec::{
    encode::Header,
    framer::{verify, Framer, FramerEvent},
    tags, Message, MessageBuilder,
};

/// A received message, owned: its bytes and its fields in wire order.
#[derive(Debug, Clone)]
pub struct Received {
    pub raw: Vec<u8>,
    pub fields: Vec<(i32, String)>,
}

impl Received {
    fn parse(raw: Vec<u8>) -> Option<Received> {
        let fields = {
            let m = Message::decode(&raw).ok()?;
            m.fields()
                .iter()
                .map(|f| (f.tag, String::from_utf8_lossy(m.value(f)).into_owned()))
                .collect()
        };
        Some(Received { raw, fields })
    }

    pub fn get(&self, tag: u32) -> Option<&str> {
        self.fields
            .iter()
            .find(|(t, _)| *t == tag as i32)
            .map(|(_, v)| v.as_str())
    }

    pub fn msg_type(&self) -> &str {
        self.get(tags::MSG_TYPE).unwrap_or("")
    }

    pub fn seq(&self) -> u64 {
        self.get(tags::MSG_SEQ_NUM)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.msg_type(), "0" | "1" | "2" | "3" | "4" | "5" | "A")
    }

    /// The message with `|` for SOH.
    pub fn display(&self) -> String {
        String::from_utf8_lossy(&self.raw).replace('\x01', "|")
    }
}

/// One FIX session over a blocking socket.
pub struct FixClient {
    stream: TcpStream,
    rbuf: Vec<u8>,
    framer: Framer,
    builder: MessageBuilder,
    pub sender: String,
    pub target: String,
    /// Our next outbound MsgSeqNum.
    pub next_out: u64,
    /// The highest inbound MsgSeqNum seen, plus one.
    pub next_in: u64,
    out: Vec<u8>,
}

impl FixClient {
    pub fn connect(addr: SocketAddr, sender: &str, target: &str) -> io::Result<FixClient> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        Ok(FixClient {
            stream,
            rbuf: Vec::with_capacity(64 * 1024),
            framer: Framer::default(),
            builder: MessageBuilder::new("FIX.4.2"),
            sender: sender.into(),
            target: target.into(),
            next_out: 1,
            next_in: 1,
            out: Vec::with_capacity(1024),
        })
    }

    /// Sends Logon and waits for the reply.
    pub fn logon(&mut self, heart_bt_int: u32, reset: bool) -> io::Result<Received> {
        let hb = heart_bt_int.to_string();
        let mut fields = vec![
            (tags::ENCRYPT_METHOD, "0"),
            (tags::HEART_BT_INT, hb.as_str()),
        ];
        if reset {
            self.next_out = 1;
            fields.push((tags::RESET_SEQ_NUM_FLAG, "Y"));
        }
        self.send("A", &fields)?;
        self.expect(Duration::from_secs(5), |m| m.msg_type() == "A")
    }

    /// Frames and sends one message; returns its MsgSeqNum.
    pub fn send(&mut self, msg_type: &str, fields: &[(u32, &str)]) -> io::Result<u64> {
        self.out.clear();
        self.encode(msg_type, fields);
        self.flush()?;
        Ok(self.next_out - 1)
    }

    /// Frames one message into the pending output without writing it.
    pub fn encode(&mut self, msg_type: &str, fields: &[(u32, &str)]) {
        let seq = self.next_out;
        self.next_out += 1;
        self.builder.start(msg_type.as_bytes());
        Header {
            msg_seq_num: seq,
            sender_comp_id: &self.sender,
            target_comp_id: &self.target,
            sending_time: Some(Utc::now()),
            ..Default::default()
        }
        .write(&mut self.builder);
        for (t, v) in fields {
            self.builder.str(*t, v);
        }
        self.builder.finish_into(&mut self.out);
    }

    /// SequenceReset-GapFill from `begin` to our next number.
    pub fn send_gap_fill(&mut self, begin: u64) -> io::Result<()> {
        let now = Utc::now();
        self.builder.start(b"4");
        Header {
            msg_seq_num: begin,
            poss_dup: true,
            sender_comp_id: &self.sender,
            target_comp_id: &self.target,
            sending_time: Some(now),
            orig_sending_time: Some(now),
            ..Default::default()
        }
        .write(&mut self.builder);
        self.builder
            .uint(tags::NEW_SEQ_NO, self.next_out)
            .bool(tags::GAP_FILL_FLAG, true);
        self.out.clear();
        self.builder.finish_into(&mut self.out);
        self.flush()
    }

    /// Writes everything [`FixClient::encode`] queued, in one write.
    pub fn flush(&mut self) -> io::Result<()> {
        self.stream.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }

    /// The next message, or `None` if nothing came within `timeout`.
    /// TestRequests are answered here.
    pub fn recv(&mut self, timeout: Duration) -> io::Result<Option<Received>> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.framer.next(&self.rbuf) {
                FramerEvent::Frame { len } => {
                    let raw: Vec<u8> = self.rbuf.drain(..len).collect();
                    if verify(&raw).is_err() {
                        continue;
                    }
                    let Some(m) = Received::parse(raw) else {
                        continue;
                    };
                    let seq = m.seq();
                    if m.get(tags::POSS_DUP_FLAG) != Some("Y") || seq >= self.next_in {
                        self.next_in = self.next_in.max(seq + 1);
                    }
                    if m.msg_type() == "4" {
                        if let Some(n) = m.get(tags::NEW_SEQ_NO).and_then(|s| s.parse().ok()) {
                            self.next_in = self.next_in.max(n);
                        }
                    }
                    if m.msg_type() == "1" {
                        let id = m.get(tags::TEST_REQ_ID).unwrap_or("").to_owned();
                        self.send("0", &[(tags::TEST_REQ_ID, &id)])?;
                    }
                    if m.msg_type() == "2" {
                        // This client keeps no outbound store: it answers a
                        // resend request with a gap fill, as FIX allows for
                        // messages it will not resend.
                        let begin = m
                            .get(tags::BEGIN_SEQ_NO)
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(1);
                        self.send_gap_fill(begin)?;
                    }
                    return Ok(Some(m));
                }
                FramerEvent::Skip { len, .. } => {
                    self.rbuf.drain(..len);
                    continue;
                }
                FramerEvent::NeedMore => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.stream
                .set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))?;
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "venue closed the connection",
                    ))
                }
                Ok(n) => self.rbuf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits for the first message matching `pred` (others are dropped).
    pub fn expect(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&Received) -> bool,
    ) -> io::Result<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv(left)? {
                Some(m) if pred(&m) => return Ok(m),
                Some(_) => continue,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "expected message did not arrive",
                    ))
                }
            }
        }
    }

    /// Application messages received within `timeout` of the last one, in
    /// order (heartbeats and other admin messages skipped).
    pub fn drain_app(&mut self, timeout: Duration) -> io::Result<Vec<Received>> {
        let mut out = Vec::new();
        while let Some(m) = self.recv(timeout)? {
            if !m.is_admin() {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Sends Logout and waits for the reply (or the close).
    pub fn logout(&mut self) -> io::Result<()> {
        self.send("5", &[])?;
        let _ = self.expect(Duration::from_secs(3), |m| m.msg_type() == "5");
        Ok(())
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

/// TransactTime for now, as FIX text.
pub fn now_fix() -> String {
    Utc::now().format("%Y%m%d-%H:%M:%S%.3f").to_string()
}
