//! One client must never hurt another: connections without a Logon are
//! closed, connections are capped, and a client that stops reading is
//! disconnected (what it missed stays stored for resend).

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

fn echo_settings(extra: &str) -> String {
    format!(
        "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptAddress=127.0.0.1\nSocketAcceptPort=0\nBeginString=FIX.4.2\n\
         SenderCompID=VENUE\nApplication=echo\nLogoutTimeout=1\n{extra}\n[SESSION]\nTargetCompID=CLIENT1\n[SESSION]\nTargetCompID=CLIENT2\n"
    )
}

/// Reads until EOF or the deadline; true if the venue closed the connection.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    let start = Instant::now();
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return start.elapsed() < within,
        }
    }
}

#[test]
fn a_connection_without_logon_is_closed_after_logon_timeout() {
    let v = TestVenue::start_with(&echo_settings("LogonTimeout=1"), &venue_text(2));
    let mut s = TcpStream::connect(v.addr).unwrap();
    let t = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "closed too early: {:?}",
        t.elapsed()
    );
    // Another client is served meanwhile and after.
    let mut c = v.client(1);
    c.send("1", &[(112, "ping")]).unwrap();
    c.expect(WAIT, |m| m.msg_type() == "0" && m.get(112) == Some("ping"))
        .unwrap();
    v.stop();
}

#[test]
fn connections_beyond_max_connections_are_refused() {
    let v = TestVenue::start_with(&echo_settings("MaxConnections=2"), &venue_text(2));
    let _a = TcpStream::connect(v.addr).unwrap();
    let _b = TcpStream::connect(v.addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut c = TcpStream::connect(v.addr).unwrap();
    assert!(
        closed_within(&mut c, Duration::from_secs(3)),
        "third connection is closed at once"
    );
    v.stop();
}

#[test]
fn a_client_that_stops_reading_is_disconnected_and_gets_the_rest_by_resend() {
    let v = TestVenue::start_with(&echo_settings("OutboundQueueCapacity=16"), &venue_text(2));
    let mut slow = examples::FixClient::connect(v.addr, "CLIENT1", "VENUE").unwrap();
    slow.logon(30, false).unwrap();
    let mut other = v.client(2);
    // Flood echo orders without reading a byte of the answers.
    let t = now();
    let mut sent = 0u64;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut cut = false;
    while Instant::now() < deadline && !cut {
        for _ in 0..500 {
            let cl = format!("O{sent}");
            slow.encode(
                "D",
                &[
                    (11, &cl),
                    (21, "1"),
                    (55, "BTC-USD"),
                    (54, "1"),
                    (60, &t),
                    (40, "1"),
                    (38, "1"),
                ],
            );
            sent += 1;
        }
        cut = slow.flush().is_err();
        // Meanwhile another client is served normally.
        if sent.is_multiple_of(5_000) {
            other.send("1", &[(112, "alive")]).unwrap();
            other.expect(WAIT, |m| m.get(112) == Some("alive")).unwrap();
        }
    }
    assert!(
        cut || closed_within(
            &mut slow.stream().try_clone().unwrap(),
            Duration::from_secs(5)
        ),
        "slow reader was not disconnected after {sent} orders"
    );
    let next_out = slow.next_out;
    drop(slow);
    // Back again: everything echoed so far is stored and comes back by resend.
    let mut again = examples::FixClient::connect(v.addr, "CLIENT1", "VENUE").unwrap();
    again.next_out = next_out;
    let logon = again.logon(30, false).unwrap();
    assert!(
        logon.seq() > 100,
        "the venue stored its answers (next seq {})",
        logon.seq()
    );
    again.send("2", &[(7, "2"), (16, "3")]).unwrap();
    let first = again.expect(WAIT, |m| m.msg_type() == "D").unwrap();
    assert_eq!(first.get(43), Some("Y"));
    assert_eq!(first.get(11), Some("O0"));
    v.stop();
}
