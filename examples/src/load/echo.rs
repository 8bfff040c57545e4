//! The loopback floor: a tiny FIX "venue" on 127.0.0.1 that answers each
//! NewOrderSingle with one ExecutionReport (ExecType New) shaped exactly like
//! the venue's first report (same fields, same number formatting), and does
//! nothing else. Run against it, the load generator measures what the machine,
//! the kernel's loopback and the client loop cost on their own.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::Utc;
use fix_codec::{
    encode::Header,
    framer::{verify, Framer, FramerEvent},
    messages::{ExecutionReport, FixMessage, NewOrderSingle},
    tags, Message, MessageBuilder,
};

/// Open connections and their threads.
type Conns = Arc<Mutex<Vec<(TcpStream, JoinHandle<()>)>>>;

/// A running echo server; stopped (and its threads joined) on drop.
pub struct EchoServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    conns: Conns,
}

impl EchoServer {
    /// Listens on 127.0.0.1 at an ephemeral port.
    pub fn start() -> io::Result<EchoServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Conns = Arc::default();
        let accept = {
            let stop = stop.clone();
            let conns = conns.clone();
            std::thread::Builder::new()
                .name("echo-accept".into())
                .spawn(move || {
                    for s in listener.incoming() {
                        if stop.load(Ordering::Acquire) {
                            break;
                        }
                        let Ok(s) = s else { continue };
                        let _ = s.set_nodelay(true);
                        let Ok(handle) = s.try_clone() else { continue };
                        let t =
                            std::thread::Builder::new()
                                .name("echo-conn".into())
                                .spawn(move || {
                                    let _ = serve(s);
                                });
                        if let Ok(t) = t {
                            conns.lock().unwrap().push((handle, t));
                        }
                    }
                })?
        };
        Ok(EchoServer {
            addr,
            stop,
            accept: Some(accept),
            conns,
        })
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
        for (s, t) in self.conns.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
            let _ = t.join();
        }
    }
}

fn header<'a>(seq: u64, us: &'a str, them: &'a str) -> Header<'a> {
    Header {
        msg_seq_num: seq,
        sender_comp_id: us,
        target_comp_id: them,
        sending_time: Some(Utc::now()),
        ..Default::default()
    }
}

struct Responder {
    builder: MessageBuilder,
    out: Vec<u8>,
    next_out: u64,
    /// Our CompID (the client's TargetCompID) and theirs.
    us: String,
    them: String,
    next_id: u64,
}

impl Responder {
    fn seq(&mut self) -> u64 {
        self.next_out += 1;
        self.next_out - 1
    }

    fn admin(&mut self, msg_type: &[u8], fields: &[(u32, &[u8])]) {
        let seq = self.seq();
        let b = &mut self.builder;
        b.start(msg_type);
        header(seq, &self.us, &self.them).write(b);
        for (t, v) in fields {
            b.raw(*t, v);
        }
        b.finish_into(&mut self.out);
    }

    /// The venue's ExecutionReport for an accepted order, field for field.
    fn new_report(&mut self, o: &NewOrderSingle<'_>) {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let n = |d: rust_decimal::Decimal| d.normalize();
        let er = ExecutionReport {
            account: Some(o.account.unwrap_or("ACC1")),
            avg_px: rust_decimal::Decimal::ZERO,
            cl_ord_id: Some(o.cl_ord_id),
            commission: None,
            comm_type: None,
            cum_qty: rust_decimal::Decimal::ZERO,
            exec_id: &id,
            exec_trans_type: b'0',
            last_px: None,
            last_shares: None,
            order_id: &id,
            order_qty: o.order_qty.map(n),
            ord_status: b'0',
            ord_type: Some(o.ord_type),
            orig_cl_ord_id: None,
            price: o.price.map(n),
            side: o.side,
            symbol: o.symbol,
            text: None,
            time_in_force: Some(o.time_in_force.unwrap_or(b'0')),
            transact_time: Some(Utc::now()),
            ord_rej_reason: None,
            exec_type: b'0',
            leaves_qty: o.order_qty.map(n).unwrap_or_default(),
        };
        let seq = self.seq();
        er.encode(
            &header(seq, &self.us, &self.them),
            &mut self.builder,
            &mut self.out,
        );
    }
}

/// Serves one connection until Logout or close.
fn serve(mut s: TcpStream) -> io::Result<()> {
    let framer = Framer::default();
    let mut buf = vec![0u8; 256 * 1024];
    let (mut start, mut end) = (0usize, 0usize);
    let mut r = Responder {
        builder: MessageBuilder::new("FIX.4.2"),
        out: Vec::with_capacity(64 * 1024),
        next_out: 1,
        us: String::new(),
        them: String::new(),
        next_id: 0,
    };
    loop {
        if buf.len() - end < 16 * 1024 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        let n = s.read(&mut buf[end..])?;
        if n == 0 {
            return Ok(());
        }
        end += n;
        let mut logout = false;
        loop {
            match framer.next(&buf[start..end]) {
                FramerEvent::NeedMore => break,
                FramerEvent::Skip { len, .. } => start += len,
                FramerEvent::Frame { len } => {
                    let frame = &buf[start..start + len];
                    start += len;
                    if verify(frame).is_err() {
                        continue;
                    }
                    let Ok(m) = Message::decode(frame) else {
                        continue;
                    };
                    match m.msg_type() {
                        b"D" => {
                            if let Ok(o) = NewOrderSingle::parse(&m) {
                                r.new_report(&o);
                            }
                        }
                        b"A" => {
                            r.us = m
                                .get_str(tags::TARGET_COMP_ID)
                                .unwrap_or("VENUE")
                                .to_string();
                            r.them = m
                                .get_str(tags::SENDER_COMP_ID)
                                .unwrap_or("CLIENT")
                                .to_string();
                            let hb = m.get(tags::HEART_BT_INT).unwrap_or(b"30").to_vec();
                            let mut f: Vec<(u32, &[u8])> =
                                vec![(tags::ENCRYPT_METHOD, b"0"), (tags::HEART_BT_INT, &hb)];
                            if m.get_bool(tags::RESET_SEQ_NUM_FLAG) == Some(true) {
                                f.push((tags::RESET_SEQ_NUM_FLAG, b"Y"));
                            }
                            r.admin(b"A", &f);
                        }
                        b"1" => {
                            let id = m.get(tags::TEST_REQ_ID).unwrap_or(b"").to_vec();
                            r.admin(b"0", &[(tags::TEST_REQ_ID, &id)]);
                        }
                        b"5" => {
                            r.admin(b"5", &[]);
                            logout = true;
                        }
                        _ => {}
                    }
                }
            }
        }
        if !r.out.is_empty() {
            s.write_all(&r.out)?;
            r.out.clear();
        }
        if logout {
            let _ = s.shutdown(Shutdown::Write);
            return Ok(());
        }
    }
}
