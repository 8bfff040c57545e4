//! The Prometheus endpoint shows per-session and engine counters.

mod common;

use std::io::{Read, Write};

use common::*;

fn scrape(addr: std::net::SocketAddr) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn value(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("{series} missing from:\n{text}"))
}

#[test]
fn metrics_endpoint_counts_sessions_and_engine() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = settings_text(dir.path(), 0, 2).replace(
        "Application=venue\n",
        &format!("Application=venue\nHttpMetricsPort={port}\n"),
    );
    let v = TestVenue::start_with(&settings, &venue_text(2));
    let mut s = v.client(1);
    let mut b = v.client(2);
    order(&mut s, "S1", "2", "1", Some("100"), "1");
    report(&mut s, "S1");
    order(&mut b, "B1", "1", "1", Some("100"), "3");
    report(&mut b, "B1");
    report(&mut b, "B1");
    report(&mut s, "S1");

    // A session publishes its counters just after it writes to the socket,
    // so a client can read a report a moment before the counters move:
    // scrape until they show what the exchange above implies (bounded),
    // then check each.
    let addr = v.metrics.expect("metrics endpoint configured");
    let expected = [
        (
            "fixvenue_session_messages_in_total{session=\"FIX.4.2:VENUE->CLIENT1\"}",
            2,
        ),
        (
            "fixvenue_session_messages_out_total{session=\"FIX.4.2:VENUE->CLIENT1\"}",
            3,
        ),
        (
            "fixvenue_session_next_target_seq{session=\"FIX.4.2:VENUE->CLIENT2\"}",
            3,
        ),
        (
            "fixvenue_session_logged_on{session=\"FIX.4.2:VENUE->CLIENT2\"}",
            1,
        ),
    ];
    let mut text = scrape(addr);
    for _ in 0..100 {
        if expected
            .iter()
            .all(|(series, want)| value(&text, series) == *want)
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        text = scrape(addr);
    }
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains("Content-Type: text/plain; version=0.0.4"));
    assert!(text.contains("# TYPE fixvenue_session_messages_in_total counter"));
    // Logon + order in, Logon reply + ack + fill out, for the seller.
    assert_eq!(
        value(
            &text,
            "fixvenue_session_messages_in_total{session=\"FIX.4.2:VENUE->CLIENT1\"}"
        ),
        2
    );
    assert_eq!(
        value(
            &text,
            "fixvenue_session_messages_out_total{session=\"FIX.4.2:VENUE->CLIENT1\"}"
        ),
        3
    );
    assert_eq!(
        value(
            &text,
            "fixvenue_session_next_target_seq{session=\"FIX.4.2:VENUE->CLIENT2\"}"
        ),
        3
    );
    assert_eq!(
        value(
            &text,
            "fixvenue_session_logged_on{session=\"FIX.4.2:VENUE->CLIENT2\"}"
        ),
        1
    );
    assert_eq!(value(&text, "fixvenue_engine_orders_accepted_total"), 2);
    assert_eq!(value(&text, "fixvenue_engine_fills_total"), 2);
    assert_eq!(value(&text, "fixvenue_engine_orders_rejected_total"), 0);
    assert!(value(&text, "fixvenue_engine_batches_total") >= 2);
    // Two orders, journaled in one or two batches.
    let commits = value(&text, "fixvenue_engine_journal_commits_total");
    assert!((1..=2).contains(&commits), "{commits} commits");
    assert!(value(&text, "fixvenue_engine_journal_commit_nanos_total") > 0);
    assert_eq!(value(&text, "fixvenue_engine_queue_depth"), 0);
    v.stop();
}
