//! Kill the venue process (SIGKILL) while clients are sending orders,
//! restart it, and reconcile: every report a client received is still in
//! the session store (resent identically) and reflected in the engine's
//! state (status requests), and clients resume by ordinary resend.

mod common;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use common::{now, settings_text, venue_text};
use examples::{FixClient, Received};
use rust_decimal::Decimal;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args([
            "--config",
            "venue.cfg",
            "--venue",
            "venue.ini",
            "--log-level",
            "warn",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("gateway starts")
}

fn connect(addr: SocketAddr, n: usize, next_out: u64) -> FixClient {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut c) = FixClient::connect(addr, &format!("CLIENT{n}"), "VENUE") {
            c.next_out = next_out;
            if c.logon(30, false).is_ok() {
                return c;
            }
        }
        assert!(Instant::now() < deadline, "venue did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn dec(s: Option<&str>) -> Decimal {
    s.map(|v| Decimal::from_str(v).unwrap()).unwrap_or_default()
}

/// Everything the venue stored for this client, by resend from 1.
fn resend_all(c: &mut FixClient) -> HashMap<u64, Received> {
    c.send("2", &[(7, "1"), (16, "0")]).unwrap();
    let mut out = HashMap::new();
    while let Some(m) = c.recv(Duration::from_millis(700)).unwrap() {
        if m.msg_type() == "8" || m.msg_type() == "9" {
            out.insert(m.seq(), m);
        }
    }
    out
}

#[test]
#[allow(clippy::zombie_processes)] // both gateways are killed and waited for
fn sigkill_mid_stream_loses_no_acknowledged_report() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    std::fs::write(
        dir.path().join("venue.cfg"),
        settings_text(Path::new("data"), port, 2),
    )
    .unwrap();
    std::fs::write(dir.path().join("venue.ini"), venue_text(2)).unwrap();
    let mut gw = start(dir.path());
    // Killed below, or by this guard if the test fails first.
    let mut seller = connect(addr, 1, 1);
    let mut buyer = connect(addr, 2, 1);

    // Both clients stream orders; the venue dies part-way through.
    let mut received: [Vec<Received>; 2] = [Vec::new(), Vec::new()];
    let mut sent = 0;
    let t = now();
    let kill_at = Instant::now() + Duration::from_millis(400);
    let mut killed = false;
    while !killed || sent < 10 {
        if !killed && Instant::now() >= kill_at {
            gw.kill().unwrap();
            gw.wait().unwrap();
            killed = true;
        }
        let cl = format!("S{sent}");
        let b = format!("B{sent}");
        let s_ok = seller.send(
            "D",
            &[
                (11, &cl),
                (21, "1"),
                (55, "BTC-USD"),
                (54, "2"),
                (60, &t),
                (40, "2"),
                (38, "0.5"),
                (44, "100"),
                (59, "1"),
            ],
        );
        let b_ok = buyer.send(
            "D",
            &[
                (11, &b),
                (21, "1"),
                (55, "BTC-USD"),
                (54, "1"),
                (60, &t),
                (40, "2"),
                (38, "0.3"),
                (44, "100"),
                (59, "3"),
            ],
        );
        sent += 1;
        for (i, c) in [&mut seller, &mut buyer].into_iter().enumerate() {
            while let Ok(Some(m)) = c.recv(Duration::from_millis(1)) {
                if !m.is_admin() {
                    received[i].push(m);
                }
            }
        }
        if killed && (s_ok.is_err() || b_ok.is_err()) {
            break;
        }
    }
    let pre_crash: usize = received.iter().map(Vec::len).sum();
    assert!(pre_crash > 0, "some reports arrived before the crash");
    let (s_out, b_out) = (seller.next_out, buyer.next_out);
    drop((seller, buyer));

    // Restart; clients log on with their own numbers and ask for everything.
    let mut gw = start(dir.path());
    let mut clients = [connect(addr, 1, s_out), connect(addr, 2, b_out)];
    for (i, c) in clients.iter_mut().enumerate() {
        let stored = resend_all(c);
        // Every report received before the crash is in the store, unchanged.
        for m in &received[i] {
            let again = stored
                .get(&m.seq())
                .unwrap_or_else(|| panic!("report seq {} lost: {}", m.seq(), m.display()));
            for tag in [35, 11, 17, 37, 39, 150, 14, 151, 32, 31, 12] {
                assert_eq!(again.get(tag), m.get(tag), "tag {tag} of seq {}", m.seq());
            }
            assert_eq!(again.get(43), Some("Y"));
        }
        // And the engine's state reflects every one of them.
        let mut max_cum: HashMap<String, Decimal> = HashMap::new();
        for m in received[i]
            .iter()
            .chain(stored.values())
            .filter(|m| m.msg_type() == "8")
        {
            let e = max_cum.entry(m.get(37).unwrap().to_owned()).or_default();
            *e = (*e).max(dec(m.get(14)));
        }
        let acked: Vec<&Received> = received[i]
            .iter()
            .filter(|m| m.get(150) == Some("0"))
            .collect();
        let side = if i == 0 { "2" } else { "1" };
        for m in acked {
            let cl = m.get(11).unwrap();
            c.send("H", &[(11, cl), (55, "BTC-USD"), (54, side)])
                .unwrap();
            let st = c
                .expect(Duration::from_secs(5), |r| {
                    r.get(20) == Some("3") && r.get(37) == m.get(37)
                })
                .unwrap();
            assert_ne!(
                st.get(39),
                Some("8"),
                "acknowledged order {cl} unknown after restart"
            );
            assert_eq!(
                dec(st.get(14)),
                max_cum[m.get(37).unwrap()],
                "CumQty of {cl}"
            );
        }
    }
    // The venue goes on trading.
    let t = now();
    clients[1]
        .send(
            "D",
            &[
                (11, "AFTER"),
                (21, "1"),
                (55, "BTC-USD"),
                (54, "1"),
                (60, &t),
                (40, "2"),
                (38, "0.1"),
                (44, "99"),
                (59, "1"),
            ],
        )
        .unwrap();
    let ack = clients[1]
        .expect(Duration::from_secs(5), |m| m.get(11) == Some("AFTER"))
        .unwrap();
    assert_eq!(ack.get(150), Some("0"));
    let _ = Command::new("kill")
        .args(["-TERM", &gw.id().to_string()])
        .status();
    let status = gw.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown after SIGTERM: {status:?}"
    );
}
