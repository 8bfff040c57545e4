//! The core of `fixload`: a FIX 4.2 order-entry load generator.
//!
//! N sessions log on (ResetSeqNumFlag=Y by default), then send
//! NewOrderSingles: every `cross_every`-th order is an IOC that crosses the
//! GTC orders rested before it, so that a known share of the flow trades.
//! Latency is from the moment an order is written (closed loop) or was due
//! (open loop, which corrects coordinated omission) to the first
//! ExecutionReport carrying its ClOrdID, whatever its ExecType.
//!
//! Sessions are spread over a few threads; each thread multiplexes its
//! sessions over nonblocking sockets, and either busy-polls them
//! ([`Wait::Spin`]) or sleeps in the OS readiness poll until one is readable
//! ([`Wait::Block`]). Every run is bounded by an order count and/or a
//! duration, plus a drain timeout.

pub mod echo;
pub mod report;

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use fix_codec::{
    encode::Header,
    framer::{verify, Framer, FramerEvent},
    messages::{FixMessage, NewOrderSingle},
    tags, MessageBuilder,
};
use hdrhistogram::Histogram;
use mio::{Events, Interest, Poll, Token};
use rust_decimal::Decimal;

pub use report::{Counts, Latency, Summary};

/// How orders are offered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoadMode {
    /// Each session keeps `outstanding` orders without a first report in
    /// flight, and sends the next as soon as one is answered.
    Closed,
    /// A fixed offered rate (orders/s across all sessions), whatever the
    /// answers; latency counts from each order's due time.
    Open { rate: f64 },
}

/// How a thread waits for its sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Busy-poll nonblocking reads (lowest latency, burns a core per thread).
    Spin,
    /// Sleep in the OS readiness poll (epoll/kqueue) until a socket is ready.
    Block,
}

/// What to run. Build one with [`LoadConfig::default`] and change fields.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub addr: SocketAddr,
    /// Number of sessions; session n (from `first_session`) logs on as
    /// `{sender_prefix}{n}`.
    pub sessions: usize,
    pub first_session: usize,
    pub sender_prefix: String,
    pub target: String,
    pub symbol: String,
    pub qty: Decimal,
    pub price: Decimal,
    /// Account(1) for the resting orders; `{n}` / `{n+K}` expand to the
    /// session number (plus K). `None`: no Account tag (session default).
    pub account: Option<String>,
    /// Account(1) for the crossing IOC orders (same template rules);
    /// `None`: as `account`.
    pub take_account: Option<String>,
    /// Every `cross_every`-th order of a session is an IOC crossing the
    /// `cross_every - 1` GTC orders before it (with their total quantity);
    /// 1 sends only IOCs.
    pub cross_every: u32,
    /// Measured orders to send across all sessions (after warm-up).
    pub orders: Option<u64>,
    /// How long to send measured orders (after warm-up).
    pub duration: Option<Duration>,
    /// Time to send unmeasured orders first.
    pub warmup: Duration,
    pub mode: LoadMode,
    /// Closed loop: orders in flight per session. Open loop: the cap on
    /// unanswered orders per session (sending pauses beyond it).
    pub outstanding: usize,
    pub wait: Wait,
    /// Worker threads; 0 picks `min(sessions, max(1, cores / 2))`.
    pub threads: usize,
    /// Logon with ResetSeqNumFlag=Y.
    pub reset: bool,
    pub heartbeat: u32,
    /// Prefix of every ClOrdID of the run (unique per run by default, as
    /// ClOrdIDs must be unique per session per day).
    pub clordid_prefix: String,
    /// How long to wait for the last answers after sending stops.
    pub drain_timeout: Duration,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            addr: "127.0.0.1:9878".parse().unwrap(),
            sessions: 1,
            first_session: 1,
            sender_prefix: "CLIENT".into(),
            target: "VENUE".into(),
            symbol: "BTC-USD".into(),
            qty: Decimal::new(1, 4),
            price: Decimal::new(30000, 0),
            account: None,
            take_account: None,
            cross_every: 2,
            orders: None,
            duration: None,
            warmup: Duration::ZERO,
            mode: LoadMode::Closed,
            outstanding: 1,
            wait: Wait::Spin,
            threads: 0,
            reset: true,
            heartbeat: 30,
            clordid_prefix: run_prefix(),
            drain_timeout: Duration::from_secs(5),
        }
    }
}

/// A ClOrdID prefix unique to this run: milliseconds since the epoch in
/// base 36 and a dot, e.g. `m3x9k2a1.`.
pub fn run_prefix() -> String {
    let mut ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut digits = Vec::new();
    while ms > 0 {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(ms % 36) as usize]);
        ms /= 36;
    }
    digits.reverse();
    format!("{}.", String::from_utf8(digits).unwrap())
}

/// The SenderCompID of session `n`: the prefix with `{n}` expanded, or the
/// prefix followed by `n` when it has no `{n}`.
pub fn sender_comp_id(prefix: &str, n: usize) -> String {
    if prefix.contains("{n") {
        expand(prefix, n)
    } else {
        format!("{prefix}{n}")
    }
}

/// Expands `{n}` and `{n+K}` in a CompID or account template.
pub fn expand(template: &str, n: usize) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("{n") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let inner = &after[..close];
        let add = if inner.is_empty() {
            Some(0)
        } else {
            inner
                .strip_prefix('+')
                .and_then(|k| k.trim().parse::<usize>().ok())
        };
        match add {
            Some(k) => out.push_str(&(n + k).to_string()),
            None => out.push_str(&rest[i..i + 3 + close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// What an order of a session is: resting GTC or crossing IOC, and its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderShape {
    pub buy: bool,
    pub aggressor: bool,
    /// Quantity in multiples of the configured quantity.
    pub lots: u32,
}

/// The `i`-th order (from 0) of a session: in each group of `cross_every`
/// orders, the first `cross_every - 1` rest and the last crosses them with
/// their total quantity; groups alternate buy-rests/sell-crosses and
/// sell-rests/buy-crosses, so positions and funds stay balanced.
pub fn order_shape(i: u64, cross_every: u32) -> OrderShape {
    let k = cross_every.max(1) as u64;
    let group = i / k;
    let rest_buy = group & 1 == 0;
    if i % k == k - 1 {
        OrderShape {
            buy: !rest_buy,
            aggressor: true,
            lots: (k - 1).max(1) as u32,
        }
    } else {
        OrderShape {
            buy: rest_buy,
            aggressor: false,
            lots: 1,
        }
    }
}

/// Live progress, handed to the caller's callback about ten times a second.
#[derive(Debug, Clone)]
pub struct Progress {
    pub elapsed: Duration,
    pub warming_up: bool,
    /// Measured orders answered so far.
    pub answered: u64,
    pub target_orders: Option<u64>,
    /// Measured send time so far, and its bound.
    pub measured: Duration,
    pub target_duration: Option<Duration>,
}

#[derive(Default)]
struct Shared {
    answered: AtomicU64,
    stop: AtomicBool,
}

/// One order in flight.
#[derive(Clone, Copy)]
struct Slot {
    /// Latency origin: the write (closed loop) or the due time (open loop).
    t0: Instant,
    seq: u64,
    measured: bool,
    answered: bool,
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum State {
    Running,
    Draining,
    LoggingOut(Instant),
    Done,
}

/// Per-session tallies and latency histogram.
struct Tally {
    hist: Histogram<u64>,
    counts: Counts,
    /// Time of the last measured answer.
    last_answer: Option<Instant>,
}

struct Session {
    stream: mio::net::TcpStream,
    /// Session number (CLIENT{n}).
    n: usize,
    sender: String,
    target: String,
    rest_account: Option<String>,
    take_account: Option<String>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    out: Vec<u8>,
    opos: usize,
    builder: MessageBuilder,
    next_out: u64,
    last_write: Instant,
    /// Orders sent from `base` on, oldest first.
    inflight: VecDeque<Slot>,
    base: u64,
    next_order: u64,
    unanswered: usize,
    measured_sent: u64,
    budget: Option<u64>,
    next_due: Instant,
    interval: Duration,
    state: State,
    tally: Tally,
    error: Option<String>,
}

struct Timing {
    warmup_end: Instant,
    send_end: Option<Instant>,
    hard_end: Instant,
}

const MAX_FRAME: usize = 64 * 1024;

impl Session {
    fn connect(cfg: &LoadConfig, n: usize) -> io::Result<Session> {
        let sender = sender_comp_id(&cfg.sender_prefix, n);
        let mut s = TcpStream::connect_timeout(&cfg.addr, Duration::from_secs(5))?;
        s.set_nodelay(true)?;
        let mut sess = Session {
            stream: mio::net::TcpStream::from_std(s.try_clone()?),
            n,
            sender,
            target: cfg.target.clone(),
            rest_account: cfg.account.as_deref().map(|a| expand(a, n)),
            take_account: cfg
                .take_account
                .as_deref()
                .or(cfg.account.as_deref())
                .map(|a| expand(a, n)),
            buf: vec![0; 4 * MAX_FRAME],
            start: 0,
            end: 0,
            out: Vec::with_capacity(64 * 1024),
            opos: 0,
            builder: MessageBuilder::new("FIX.4.2"),
            next_out: 1,
            last_write: Instant::now(),
            inflight: VecDeque::with_capacity(cfg.outstanding.min(1 << 16) * 2),
            base: 0,
            next_order: 0,
            unanswered: 0,
            measured_sent: 0,
            budget: None,
            next_due: Instant::now(),
            interval: Duration::ZERO,
            state: State::Running,
            tally: Tally {
                hist: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds"),
                counts: Counts::default(),
                last_answer: None,
            },
            error: None,
        };
        // Logon over the blocking socket; what follows the reply stays in
        // the buffer for the run.
        let hb = cfg.heartbeat.to_string();
        let mut f: Vec<(u32, &str)> = vec![(tags::ENCRYPT_METHOD, "0"), (tags::HEART_BT_INT, &hb)];
        if cfg.reset {
            f.push((tags::RESET_SEQ_NUM_FLAG, "Y"));
        }
        sess.admin(b"A", &f);
        s.write_all(&sess.out)?;
        sess.out.clear();
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        let framer = Framer::new(MAX_FRAME);
        loop {
            match framer.next(&sess.buf[sess.start..sess.end]) {
                FramerEvent::Frame { len } => {
                    let frame = sess.buf[sess.start..sess.start + len].to_vec();
                    sess.start += len;
                    match field(&frame, tags::MSG_TYPE) {
                        Some(b"A") => break,
                        Some(b"5") => {
                            let text = field(&frame, tags::TEXT)
                                .map(|t| String::from_utf8_lossy(t).into_owned());
                            return Err(io::Error::other(format!(
                                "{}: logon refused: {}",
                                sess.sender,
                                text.unwrap_or_default()
                            )));
                        }
                        _ => continue,
                    }
                }
                FramerEvent::Skip { len, .. } => sess.start += len,
                FramerEvent::NeedMore => {
                    let n = match s.read(&mut sess.buf[sess.end..]) {
                        Ok(n) => n,
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                            ) =>
                        {
                            return Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                format!("{}: no Logon reply within 5 s", sess.sender),
                            ));
                        }
                        Err(e) => return Err(e),
                    };
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!(
                                "{}: connection closed at logon (unknown CompIDs?)",
                                sess.sender
                            ),
                        ));
                    }
                    sess.end += n;
                }
            }
        }
        s.set_read_timeout(None)?;
        s.set_nonblocking(true)?;
        Ok(sess)
    }

    /// Frames an admin message into the output.
    fn admin(&mut self, msg_type: &[u8], fields: &[(u32, &str)]) {
        let seq = self.next_out;
        self.next_out += 1;
        let b = &mut self.builder;
        b.start(msg_type);
        Header {
            msg_seq_num: seq,
            sender_comp_id: &self.sender,
            target_comp_id: &self.target,
            sending_time: Some(Utc::now()),
            ..Default::default()
        }
        .write(b);
        for (t, v) in fields {
            b.str(*t, v);
        }
        b.finish_into(&mut self.out);
    }

    /// Writes what is pending, without blocking.
    fn flush(&mut self, now: Instant) -> io::Result<bool> {
        let mut wrote = false;
        while self.opos < self.out.len() {
            match self.stream.write(&self.out[self.opos..]) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "peer closed")),
                Ok(n) => {
                    self.opos += n;
                    wrote = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.opos == self.out.len() {
            self.out.clear();
            self.opos = 0;
        }
        if wrote {
            self.last_write = now;
        }
        Ok(wrote)
    }
}

/// The value of `tag` in a frame, by a linear scan.
pub fn field(frame: &[u8], tag: u32) -> Option<&[u8]> {
    fields(frame).find(|(t, _)| *t == tag).map(|(_, v)| v)
}

/// The `(tag, value)` pairs of a frame.
pub fn fields(frame: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    frame
        .split(|&b| b == fix_codec::SOH)
        .filter(|f| !f.is_empty())
        .filter_map(|f| {
            let eq = f.iter().position(|&b| b == b'=')?;
            let mut tag = 0u32;
            for &d in &f[..eq] {
                if !d.is_ascii_digit() {
                    return None;
                }
                tag = tag.checked_mul(10)?.checked_add((d - b'0') as u32)?;
            }
            Some((tag, &f[eq + 1..]))
        })
}

fn parse_u64(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &d in v {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (d - b'0') as u64;
    }
    Some(n)
}

struct Worker<'a> {
    cfg: &'a LoadConfig,
    timing: &'a Timing,
    shared: &'a Shared,
    framer: Framer,
    prefix: Vec<u8>,
}

impl Worker<'_> {
    /// One pass over a session: read, answer, send. Returns whether anything
    /// happened.
    fn step(&self, s: &mut Session) -> io::Result<bool> {
        let mut busy = false;
        // Read everything there is.
        loop {
            if s.buf.len() - s.end < MAX_FRAME {
                s.buf.copy_within(s.start..s.end, 0);
                s.end -= s.start;
                s.start = 0;
            }
            match s.stream.read(&mut s.buf[s.end..]) {
                Ok(0) => {
                    if matches!(s.state, State::LoggingOut(_) | State::Done) {
                        s.state = State::Done;
                        return Ok(true);
                    }
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "venue closed the connection",
                    ));
                }
                Ok(n) => {
                    s.end += n;
                    busy = true;
                    let now = Instant::now();
                    self.frames(s, now)?;
                    if s.state == State::Done {
                        return Ok(true);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        match s.state {
            State::Running => {
                busy |= self.send_orders(s, now);
            }
            State::Draining => {
                if s.unanswered == 0
                    || now >= self.timing.hard_end
                    || self.shared.stop.load(Ordering::Relaxed)
                {
                    s.tally.counts.unanswered = s.unanswered as u64;
                    s.admin(b"5", &[]);
                    s.state = State::LoggingOut(now + Duration::from_secs(2));
                    busy = true;
                }
            }
            State::LoggingOut(deadline) => {
                if now >= deadline {
                    s.state = State::Done;
                }
            }
            State::Done => {}
        }
        if s.state != State::Done
            && now.duration_since(s.last_write)
                >= Duration::from_secs(self.cfg.heartbeat.max(1) as u64)
        {
            s.admin(b"0", &[]);
        }
        if !s.out.is_empty() {
            let before = s.out.len() - s.opos;
            s.flush(now)?;
            busy |= s.out.len() - s.opos != before;
        }
        Ok(busy)
    }

    /// Whether a message at `now` counts towards the measured rates.
    fn in_window(&self, s: &Session, now: Instant) -> bool {
        now >= self.timing.warmup_end && matches!(s.state, State::Running | State::Draining)
    }

    /// Handles the complete frames in the buffer.
    fn frames(&self, s: &mut Session, now: Instant) -> io::Result<()> {
        loop {
            match self.framer.next(&s.buf[s.start..s.end]) {
                FramerEvent::NeedMore => return Ok(()),
                FramerEvent::Skip { len, .. } => s.start += len,
                FramerEvent::Frame { len } => {
                    let (a, b) = (s.start, s.start + len);
                    s.start = b;
                    let frame = std::mem::take(&mut s.buf);
                    let r = self.frame(s, &frame[a..b], now);
                    s.buf = frame;
                    r?;
                }
            }
        }
    }

    fn frame(&self, s: &mut Session, frame: &[u8], now: Instant) -> io::Result<()> {
        if verify(frame).is_err() {
            s.tally.counts.garbled += 1;
            return Ok(());
        }
        if self.in_window(s, now) {
            s.tally.counts.msgs_in += 1;
            s.tally.counts.bytes_in += frame.len() as u64;
        }
        let mut msg_type: &[u8] = b"";
        let (mut cl, mut exec_type, mut ref_seq, mut test_req, mut begin_seq) =
            (None, None, None, None, None);
        for (t, v) in fields(frame) {
            match t {
                tags::MSG_TYPE => msg_type = v,
                tags::CL_ORD_ID => cl = Some(v),
                tags::EXEC_TYPE => exec_type = Some(v),
                tags::REF_SEQ_NUM => ref_seq = Some(v),
                tags::TEST_REQ_ID => test_req = Some(v),
                tags::BEGIN_SEQ_NO => begin_seq = Some(v),
                tags::BUSINESS_REJECT_REF_ID => cl = Some(v),
                _ => {}
            }
        }
        let c = &mut s.tally.counts;
        match msg_type {
            b"8" => {
                match exec_type.unwrap_or(b"") {
                    b"0" => c.er_new += 1,
                    b"1" | b"2" => c.er_fill += 1,
                    b"4" => c.er_canceled += 1,
                    b"8" => c.er_rejected += 1,
                    _ => c.er_other += 1,
                }
                if let Some(cl) = cl {
                    if let Some(i) = self.order_index(cl) {
                        if self.answer(s, i, now) && s.tally.counts.first_er_bytes == 0 {
                            s.tally.counts.first_er_bytes = frame.len() as u64;
                        }
                    }
                }
            }
            b"9" => c.cancel_rejects += 1,
            b"j" => {
                c.business_rejects += 1;
                if let Some(i) = cl.and_then(|cl| self.order_index(cl)) {
                    self.answer(s, i, now);
                }
            }
            b"3" => {
                c.session_rejects += 1;
                if let Some(seq) = ref_seq.and_then(parse_u64) {
                    if let Some(pos) = s.inflight.iter().position(|x| x.seq == seq) {
                        let i = s.base + pos as u64;
                        self.answer(s, i, now);
                    }
                }
            }
            b"1" => {
                let id = String::from_utf8_lossy(test_req.unwrap_or(b"")).into_owned();
                s.admin(b"0", &[(tags::TEST_REQ_ID, &id)]);
            }
            b"2" => {
                // No outbound store: gap-fill whatever is asked for.
                let begin = begin_seq.and_then(parse_u64).unwrap_or(1);
                let seq = s.next_out;
                let b = &mut s.builder;
                b.start(b"4");
                let t = Utc::now();
                Header {
                    msg_seq_num: begin,
                    poss_dup: true,
                    sender_comp_id: &s.sender,
                    target_comp_id: &self.cfg.target,
                    sending_time: Some(t),
                    orig_sending_time: Some(t),
                    ..Default::default()
                }
                .write(b);
                b.uint(tags::NEW_SEQ_NO, seq)
                    .bool(tags::GAP_FILL_FLAG, true);
                b.finish_into(&mut s.out);
            }
            b"5" => {
                if matches!(s.state, State::LoggingOut(_)) {
                    s.state = State::Done;
                } else {
                    let text = field(frame, tags::TEXT)
                        .map(|t| String::from_utf8_lossy(t).into_owned())
                        .unwrap_or_default();
                    return Err(io::Error::other(format!("venue logged out: {text}")));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The order number in a ClOrdID of this run (`{prefix}{n}-{i}`).
    fn order_index(&self, cl: &[u8]) -> Option<u64> {
        if !cl.starts_with(&self.prefix) {
            return None;
        }
        let dash = cl.iter().rposition(|&b| b == b'-')?;
        parse_u64(&cl[dash + 1..])
    }

    /// Marks order `i` answered; true if this was its first answer.
    fn answer(&self, s: &mut Session, i: u64, now: Instant) -> bool {
        if i < s.base {
            return false;
        }
        let Some(slot) = s.inflight.get_mut((i - s.base) as usize) else {
            return false;
        };
        if slot.answered {
            return false;
        }
        slot.answered = true;
        s.unanswered -= 1;
        if slot.measured {
            let ns = now.saturating_duration_since(slot.t0).as_nanos().max(1) as u64;
            s.tally.hist.saturating_record(ns);
            s.tally.last_answer = Some(now);
            self.shared.answered.fetch_add(1, Ordering::Relaxed);
        }
        while s.inflight.front().is_some_and(|x| x.answered) {
            s.inflight.pop_front();
            s.base += 1;
        }
        true
    }

    /// Sends what the mode allows now; moves to Draining when done.
    fn send_orders(&self, s: &mut Session, now: Instant) -> bool {
        let t = self.timing;
        let stop = self.shared.stop.load(Ordering::Relaxed);
        let over = |s: &Session, at: Instant| {
            stop || t.send_end.is_some_and(|e| at >= e)
                || (at >= t.warmup_end && s.budget.is_some_and(|b| s.measured_sent >= b))
        };
        let first = s.out.len();
        let mut sent = 0usize;
        match self.cfg.mode {
            LoadMode::Closed => {
                while s.unanswered < self.cfg.outstanding && !over(s, now) {
                    self.encode_order(s, now, now >= t.warmup_end);
                    sent += 1;
                }
            }
            LoadMode::Open { .. } => {
                while s.next_due <= now
                    && s.unanswered < self.cfg.outstanding
                    && !over(s, s.next_due)
                {
                    let due = s.next_due;
                    self.encode_order(s, due, due >= t.warmup_end);
                    s.next_due += s.interval;
                    sent += 1;
                }
            }
        }
        if sent > 0 {
            // Closed loop: latency counts from just before the write.
            if self.cfg.mode == LoadMode::Closed {
                let t0 = Instant::now();
                let n = s.inflight.len();
                for slot in s.inflight.range_mut(n - sent..) {
                    slot.t0 = t0;
                }
            }
            if self.in_window(s, now) {
                s.tally.counts.bytes_out += (s.out.len() - first) as u64;
            }
        }
        let at = match self.cfg.mode {
            LoadMode::Closed => now,
            LoadMode::Open { .. } => s.next_due,
        };
        if over(s, at) {
            s.state = State::Draining;
        }
        sent > 0
    }

    fn encode_order(&self, s: &mut Session, t0: Instant, measured: bool) {
        let i = s.next_order;
        s.next_order += 1;
        let shape = order_shape(i, self.cfg.cross_every);
        let cl = format!("{}{}-{}", self.cfg.clordid_prefix, s.n, i);
        let seq = s.next_out;
        s.next_out += 1;
        let account = if shape.aggressor {
            s.take_account.as_deref()
        } else {
            s.rest_account.as_deref()
        };
        let now = Utc::now();
        let o = NewOrderSingle {
            account,
            cl_ord_id: &cl,
            handl_inst: b'1',
            order_qty: Some(self.cfg.qty * Decimal::from(shape.lots)),
            ord_type: b'2',
            price: Some(self.cfg.price),
            side: if shape.buy { b'1' } else { b'2' },
            symbol: &self.cfg.symbol,
            time_in_force: Some(if shape.aggressor { b'3' } else { b'1' }),
            transact_time: now,
        };
        let h = Header {
            msg_seq_num: seq,
            sender_comp_id: &s.sender,
            target_comp_id: &self.cfg.target,
            sending_time: Some(now),
            ..Default::default()
        };
        o.encode(&h, &mut s.builder, &mut s.out);
        s.inflight.push_back(Slot {
            t0,
            seq,
            measured,
            answered: false,
        });
        s.unanswered += 1;
        if measured {
            s.measured_sent += 1;
            s.tally.counts.orders_sent += 1;
            s.tally.counts.msgs_out += 1;
        } else {
            s.tally.counts.warmup_orders += 1;
        }
    }

    fn run(&self, sessions: &mut [Session]) {
        let mut poll = match self.cfg.wait {
            Wait::Block => match Poll::new() {
                Ok(p) => Some(p),
                Err(e) => {
                    for s in sessions.iter_mut() {
                        s.error = Some(format!("poll: {e}"));
                    }
                    return;
                }
            },
            Wait::Spin => None,
        };
        if let Some(p) = &poll {
            for (k, s) in sessions.iter_mut().enumerate() {
                if let Err(e) = p.registry().register(
                    &mut s.stream,
                    Token(k),
                    Interest::READABLE | Interest::WRITABLE,
                ) {
                    s.error = Some(format!("register: {e}"));
                    s.state = State::Done;
                }
            }
        }
        let mut events = Events::with_capacity(256);
        let mut ready: Vec<bool> = vec![true; sessions.len()];
        loop {
            let mut busy = false;
            let mut live = false;
            for (k, s) in sessions.iter_mut().enumerate() {
                if s.state == State::Done {
                    continue;
                }
                live = true;
                if poll.is_some() && !ready[k] && !self.due(s) {
                    continue;
                }
                ready[k] = false;
                match self.step(s) {
                    // A session that did something is looked at again at once.
                    Ok(b) => {
                        busy |= b;
                        ready[k] = b;
                    }
                    Err(e) => {
                        s.error = Some(format!("{}: {e}", s.sender));
                        s.state = State::Done;
                    }
                }
            }
            if !live {
                break;
            }
            if Instant::now() >= self.timing.hard_end + Duration::from_secs(3) {
                for s in sessions.iter_mut().filter(|s| s.state != State::Done) {
                    s.error
                        .get_or_insert_with(|| format!("{}: did not finish in time", s.sender));
                    s.state = State::Done;
                }
                break;
            }
            if busy {
                continue;
            }
            match &mut poll {
                None => std::hint::spin_loop(),
                Some(p) => {
                    let timeout = self.next_timer(sessions);
                    if p.poll(&mut events, Some(timeout)).is_ok() {
                        for ev in events.iter() {
                            if let Some(r) = ready.get_mut(ev.token().0) {
                                *r = true;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whether a session has something to do without any I/O event.
    fn due(&self, s: &Session) -> bool {
        let now = Instant::now();
        match s.state {
            State::Running => match self.cfg.mode {
                LoadMode::Closed => s.unanswered < self.cfg.outstanding,
                LoadMode::Open { .. } => s.next_due <= now,
            },
            State::Draining => s.unanswered == 0 || now >= self.timing.hard_end,
            State::LoggingOut(d) => now >= d,
            State::Done => false,
        }
    }

    /// How long the thread may sleep in the poll.
    fn next_timer(&self, sessions: &[Session]) -> Duration {
        let now = Instant::now();
        let mut next = now + Duration::from_millis(50);
        for s in sessions {
            match s.state {
                State::Running if matches!(self.cfg.mode, LoadMode::Open { .. }) => {
                    next = next.min(s.next_due)
                }
                State::LoggingOut(d) => next = next.min(d),
                _ => {}
            }
        }
        next.saturating_duration_since(now)
    }
}

/// Runs a load against `cfg.addr` and summarizes it. `tick` is called
/// about ten times a second from the calling thread.
pub fn run(cfg: &LoadConfig, mut tick: impl FnMut(&Progress)) -> io::Result<Summary> {
    if cfg.orders.is_none() && cfg.duration.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "give an order count or a duration (the run must be bounded)",
        ));
    }
    if cfg.sessions == 0 || cfg.outstanding == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "sessions and outstanding must be at least 1",
        ));
    }
    if let LoadMode::Open { rate } = cfg.mode {
        if !(rate > 0.0 && rate.is_finite()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "open loop needs a positive --rate",
            ));
        }
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let threads = if cfg.threads == 0 {
        (cores / 2).max(1)
    } else {
        cfg.threads
    }
    .min(cfg.sessions);

    // Log on, sequentially.
    let mut sessions = Vec::with_capacity(cfg.sessions);
    for k in 0..cfg.sessions {
        sessions.push(Session::connect(cfg, cfg.first_session + k)?);
    }
    // Order budgets, spread evenly.
    if let Some(total) = cfg.orders {
        let n = cfg.sessions as u64;
        for (k, s) in sessions.iter_mut().enumerate() {
            s.budget = Some(total / n + u64::from((k as u64) < total % n));
        }
    }
    let start = Instant::now() + Duration::from_millis(10);
    let warmup_end = start + cfg.warmup;
    let send_end = cfg.duration.map(|d| warmup_end + d);
    // Without a duration, allow generously for the order count.
    let hard_end = send_end.unwrap_or(warmup_end + Duration::from_secs(600)) + cfg.drain_timeout;
    let timing = Timing {
        warmup_end,
        send_end,
        hard_end,
    };
    if let LoadMode::Open { rate } = cfg.mode {
        let interval = Duration::from_secs_f64(cfg.sessions as f64 / rate);
        for (k, s) in sessions.iter_mut().enumerate() {
            s.interval = interval;
            s.next_due = start + Duration::from_secs_f64(k as f64 / rate);
        }
    }
    for s in sessions.iter_mut() {
        s.last_write = Instant::now();
    }

    let shared = Shared::default();
    let mut groups: Vec<Vec<Session>> = (0..threads).map(|_| Vec::new()).collect();
    for (k, s) in sessions.into_iter().enumerate() {
        groups[k % threads].push(s);
    }
    let finished: Vec<Session> = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|mut group| {
                let (timing, shared) = (&timing, &shared);
                scope.spawn(move || {
                    while Instant::now() < start {
                        std::hint::spin_loop();
                    }
                    let w = Worker {
                        cfg,
                        timing,
                        shared,
                        framer: Framer::new(MAX_FRAME),
                        prefix: cfg.clordid_prefix.as_bytes().to_vec(),
                    };
                    w.run(&mut group);
                    group
                })
            })
            .collect();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let now = Instant::now();
            tick(&Progress {
                elapsed: now.duration_since(start),
                warming_up: now < warmup_end,
                answered: shared.answered.load(Ordering::Relaxed),
                target_orders: cfg.orders,
                measured: now.saturating_duration_since(warmup_end),
                target_duration: cfg.duration,
            });
            if handles.iter().all(|h| h.is_finished()) {
                break;
            }
            if now >= hard_end {
                shared.stop.store(true, Ordering::Relaxed);
            }
        }
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("load thread panicked"))
            .collect()
    });

    let mut hist =
        Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds");
    let mut counts = Counts::default();
    let mut last = warmup_end;
    let mut errors = Vec::new();
    for s in &finished {
        let _ = hist.add(&s.tally.hist);
        counts.add(&s.tally.counts);
        if let Some(t) = s.tally.last_answer {
            last = last.max(t);
        }
        if let Some(e) = &s.error {
            errors.push(e.clone());
        }
    }
    counts.orders_answered = hist.len();
    let window = last.saturating_duration_since(warmup_end);
    Ok(Summary::new(cfg, threads, &hist, counts, window, errors))
}

/// Starts an [`echo::EchoServer`] and runs the same load against it.
pub fn run_echo(cfg: &LoadConfig, tick: impl FnMut(&Progress)) -> io::Result<Summary> {
    let server = echo::EchoServer::start()?;
    let mut c = cfg.clone();
    c.addr = server.addr;
    let mut s = run(&c, tick)?;
    s.target = "echo".into();
    drop(server);
    Ok(s)
}
