//! Wire-level scenarios against a real in-process acceptor.
//!
//! Each `tests/scenarios/<name>.scn` file is one test (listed in the
//! `scenarios!` macro below; a guard test fails if a file is not listed). A
//! scenario gets a fresh [`Acceptor`] on 127.0.0.1, port 0, with one echo
//! session FIX.4.2 VENUE<-CLIENT (ResetOnLogon=Y, in-memory store,
//! LogoutTimeout=1), and talks to it over TCP. Every wait is bounded.
//!
//! # The scenario language
//!
//! One command per line; blank lines and lines starting with `#` are ignored.
//! Commands act on connection 1 unless the first argument is `@N`.
//!
//! | line | meaning |
//! | --- | --- |
//! | `connect [@N]` | open a TCP connection |
//! | `disconnect [@N]` | close it |
//! | `send [@N] <fix>` | send a message |
//! | `expect [@N] <fix>` | the next message received must match |
//! | `expect_disconnect [@N]` | the acceptor closes the connection without sending another byte |
//! | `sleep <ms>` | wait (at most 3000 ms) |
//!
//! `<fix>` is written with `|` for SOH. Placeholders `<NOW>`, `<NOW+N>` and
//! `<NOW-N>` become the current UTC time shifted by N seconds, as
//! `YYYYMMDD-HH:MM:SS`.
//!
//! Sending: a payload starting with `8=` gets a trailing `|` if missing, a
//! BodyLength after its first field unless it has a `9=` field, and a CheckSum
//! unless it ends with a `10=` field. An explicit `9=` or `10=` is sent as
//! written (that is how garbled messages are made); `9=<LEN>` is replaced by
//! the true length of what follows it up to the `10=` field. A payload not
//! starting with `8=` is sent verbatim.
//!
//! Expecting: the received message is framed strictly (its BodyLength must
//! land exactly on `10=`, and its CheckSum must be right). Then both are split
//! into fields and compared in order, tag by tag and value by value, except:
//! * 9: the expected value is computed from the pattern (counting 52 and 122
//!   as `YYYYMMDD-HH:MM:SS.sss`, 21 bytes) unless the pattern gives one;
//! * 10: any correct CheckSum;
//! * 52, 122: `YYYYMMDD-HH:MM:SS.sss`, and 52 within a minute of now;
//! * 60: a timestamp of the same length as the pattern's (echoed verbatim);
//! * a pattern value `*` matches anything.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use gateway::acceptor::Acceptor;
use gateway::app::{Application, EchoApp};
use gateway::settings::Settings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The bound on every wait: a message, a connect, a disconnect.
const WAIT: Duration = Duration::from_secs(5);
const SOH: u8 = 0x01;

const SETTINGS: &str = "\
[DEFAULT]
ConnectionType=acceptor
SocketAcceptAddress=127.0.0.1
SocketAcceptPort=0
LogonTimeout=5
LogoutTimeout=1
BeginString=FIX.4.2
SenderCompID=VENUE
StartTime=00:00:00
EndTime=00:00:00
ResetOnLogon=Y
Application=echo

[SESSION]
TargetCompID=CLIENT
";

macro_rules! scenarios {
    ($($(#[$attr:meta])* $name:ident,)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                run_scenario(stringify!($name));
            }
        )*
        /// Every scenario with a test above.
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

scenarios! {
    logon_valid_then_client_logout,
    logon_seq_too_high_requests_resend,
    logon_duplicate_identity_dropped,
    logon_wrong_sender_comp_id_closed,
    logon_wrong_target_comp_id_closed,
    logon_wrong_begin_string_closed,
    logon_bad_body_length_closed,
    logon_stale_sending_time_closed,
    first_message_not_logon_closed,
    seq_correct_heartbeats_accepted,
    seq_too_high_queued_until_resent,
    seq_too_low_logs_out,
    garbled_bad_checksum_ignored,
    garbled_bad_body_length_ignored,
    garbled_first_fields_out_of_order_ignored,
    garbled_non_integer_tag_ignored,
    poss_dup_already_received_ignored,
    poss_dup_not_yet_received_processed,
    poss_dup_without_orig_sending_time_rejected,
    poss_dup_orig_sending_time_later_rejected,
    begin_string_changed_logs_out,
    begin_string_changed_logout_unanswered_times_out,
    comp_id_wrong_after_logon_rejected,
    sending_time_too_old_rejected,
    sending_time_too_far_ahead_rejected,
    msg_type_invalid_rejected,
    unregistered_app_message_business_reject,
    reject_invalid_tag_number,
    reject_required_tag_missing,
    reject_tag_not_defined_for_msg_type,
    reject_tag_without_value,
    reject_value_out_of_range,
    reject_incorrect_data_format,
    reject_field_out_of_order,
    reject_repeated_tag,
    reject_group_count_mismatch,
    reject_reverses_routing,
    reject_does_not_reverse_empty_routing,
    test_request_answered_with_heartbeat,
    inbound_reject_consumes_number,
    resend_app_messages_only,
    resend_admin_messages_only,
    resend_mixed_range,
    sequence_reset_reset_mode,
    sequence_reset_gap_fill_mode,
    poss_resend_duplicate_order_dropped,
    repeating_group_zero_count_echoed,
    fields_any_order_echoed_canonically,
    timing_heartbeat_test_request_disconnect,
}

#[test]
fn every_scenario_file_is_listed() {
    let mut files: Vec<String> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "scn").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = LISTED.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "tests/scenarios/*.scn and the scenarios! list differ"
    );
}

/// Shutdown logs a logged-on session out; a client that closes the
/// connection on seeing that Logout (instead of answering it) must not hold
/// shutdown up. Today the session task's read path (`Ok(0)` => `continue`)
/// skips the shutdown acknowledgement, waits for commands with no connection,
/// and `Acceptor::shutdown` only returns after its 5 s per-session timeout.
#[test]
fn shutdown_completes_when_client_closes_instead_of_answering_logout() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let settings = Settings::parse(SETTINGS, "scenario settings").expect("settings");
        let mut make_app = |_: &gateway::settings::SessionSettings,
                            _: &gateway::acceptor::SessionHandle| {
            Box::new(EchoApp::default()) as Box<dyn Application>
        };
        let acceptor = Acceptor::start(&settings, &mut make_app)
            .await
            .expect("acceptor starts");
        let mut log = Vec::new();
        let stream = TcpStream::connect(acceptor.local_addr)
            .await
            .expect("connect");
        let mut conn = Conn {
            stream: Some(stream),
            buf: Vec::new(),
        };
        let logon = [
            "send 8=FIX.4.2|35=A|34=1|49=CLIENT|52=<NOW>|56=VENUE|98=0|108=30|",
            "expect 8=FIX.4.2|35=A|34=1|49=VENUE|52=<NOW>|56=CLIENT|98=0|108=30|",
        ];
        run_lines(logon.into_iter(), &mut conn, &mut log)
            .await
            .expect("logged on");
        let started = tokio::time::Instant::now();
        let shutdown = tokio::spawn(acceptor.shutdown());
        let logout = read_message(&mut conn).await.expect("our Logout");
        compare(
            "8=FIX.4.2|35=5|34=2|49=VENUE|52=<NOW>|56=CLIENT|58=Venue shutting down|",
            &logout,
        )
        .expect("a Logout");
        // The client hangs up instead of answering.
        drop(conn);
        tokio::time::timeout(Duration::from_secs(10), shutdown)
            .await
            .expect("shutdown ends")
            .expect("no panic");
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "shutdown took {took:?} after the client closed"
        );
    });
}

/// Runs `send`/`expect` lines on one already open connection.
async fn run_lines<'a>(
    lines: impl Iterator<Item = &'a str>,
    conn: &mut Conn,
    log: &mut Vec<String>,
) -> Result<(), String> {
    for line in lines {
        let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
        let arg = substitute(arg)?;
        match cmd {
            "send" => {
                let bytes = prepare_send(&arg);
                log.push(format!(">> {}", show(&bytes)));
                let s = conn.stream.as_mut().ok_or("not connected")?;
                s.write_all(&bytes).await.map_err(|e| e.to_string())?;
            }
            "expect" => {
                let got = read_message(conn).await?;
                log.push(format!("<< {}", show(&got)));
                compare(&arg, &got)?;
            }
            other => return Err(format!("run_lines: unsupported {other}")),
        }
    }
    Ok(())
}

#[test]
fn runner_self_check() {
    // BodyLength and CheckSum are filled in; explicit ones are kept.
    let m = prepare_send("8=FIX.4.2|35=0|34=2|");
    assert_eq!(
        show(&m),
        format!(
            "8=FIX.4.2|9=10|35=0|34=2|10={:03}|",
            sum(b"8=FIX.4.2\x019=10\x0135=0\x0134=2\x01")
        )
    );
    let m = prepare_send("8=FIX.4.2|9=3|35=0|34=2|10=001|");
    assert_eq!(show(&m), "8=FIX.4.2|9=3|35=0|34=2|10=001|");
    let m = prepare_send("8=FIX.4.2|35=0|9=<LEN>|34=2|10=007|");
    assert_eq!(show(&m), "8=FIX.4.2|35=0|9=5|34=2|10=007|");
    // The expected BodyLength counts 52 as milliseconds.
    let fields = pattern_fields("8=FIX.4.2|35=0|52=<NOW>|");
    assert_eq!(expected_body_length(&fields), 5 + 25);
    assert!(timestamp_ok("20300101-10:11:12.123", true));
    assert!(!timestamp_ok("20300101-10:11:12", true));
    assert!(timestamp_ok("20300101-10:11:12", false));
}

// ---------------------------------------------------------------------------------------------
// Running a scenario
// ---------------------------------------------------------------------------------------------

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("scenarios")
}

fn run_scenario(name: &str) {
    let path = scenario_dir().join(format!("{name}.scn"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut log = Vec::new();
    let result = rt.block_on(async {
        let settings = Settings::parse(SETTINGS, "scenario settings").expect("settings");
        let mut make_app = |_: &gateway::settings::SessionSettings,
                            _: &gateway::acceptor::SessionHandle| {
            Box::new(EchoApp::default()) as Box<dyn Application>
        };
        let acceptor = Acceptor::start(&settings, &mut make_app)
            .await
            .expect("acceptor starts");
        let addr = acceptor.local_addr;
        let result =
            tokio::time::timeout(Duration::from_secs(60), run_script(&text, addr, &mut log))
                .await
                .unwrap_or_else(|_| Err("scenario took over 60 s".into()));
        // The script's connections are closed now. Give the session task a
        // moment to see that before Shutdown arrives: a Shutdown that races
        // with the client's close costs 5 s (see
        // `shutdown_completes_when_client_closes_instead_of_answering_logout`).
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), acceptor.shutdown()).await;
        result
    });
    if let Err(e) = result {
        panic!(
            "scenario {name} failed: {e}\n--- traffic ---\n{}",
            log.join("\n")
        );
    }
}

struct Conn {
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

async fn run_script(
    text: &str,
    addr: std::net::SocketAddr,
    log: &mut Vec<String>,
) -> Result<(), String> {
    let mut conns: Vec<Conn> = Vec::new();
    let mut steps = 0;
    for (i, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        steps += 1;
        let at = |e: String| format!("line {}: {e}\n    {line}", i + 1);
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let (id, arg) = match rest.strip_prefix('@') {
            Some(r) => {
                let (n, a) = r.split_once(' ').unwrap_or((r, ""));
                (
                    n.parse::<usize>()
                        .map_err(|_| at(format!("bad connection id @{n}")))?,
                    a,
                )
            }
            None => (1, rest),
        };
        if id == 0 || id > 9 {
            return Err(at("connection ids are 1-9".into()));
        }
        while conns.len() < id {
            conns.push(Conn {
                stream: None,
                buf: Vec::new(),
            });
        }
        let conn = &mut conns[id - 1];
        match cmd {
            "connect" => {
                let s = tokio::time::timeout(WAIT, TcpStream::connect(addr))
                    .await
                    .map_err(|_| at("connect timed out".into()))?
                    .map_err(|e| at(format!("connect failed: {e}")))?;
                s.set_nodelay(true).ok();
                log.push(format!("@{id} connect"));
                conn.stream = Some(s);
                conn.buf.clear();
            }
            "disconnect" => {
                log.push(format!("@{id} disconnect"));
                conn.stream = None;
                conn.buf.clear();
            }
            "send" => {
                let bytes = prepare_send(&substitute(arg).map_err(at)?);
                log.push(format!("@{id} >> {}", show(&bytes)));
                let s = conn
                    .stream
                    .as_mut()
                    .ok_or_else(|| at("not connected".into()))?;
                tokio::time::timeout(WAIT, s.write_all(&bytes))
                    .await
                    .map_err(|_| at("send timed out".into()))?
                    .map_err(|e| at(format!("send failed: {e}")))?;
            }
            "expect" => {
                let pattern = substitute(arg).map_err(at)?;
                let got = read_message(conn).await.map_err(at)?;
                log.push(format!("@{id} << {}", show(&got)));
                compare(&pattern, &got).map_err(|e| {
                    at(format!(
                        "{e}\n    expected {pattern}\n    received {}",
                        show(&got)
                    ))
                })?;
            }
            "expect_disconnect" => {
                expect_disconnect(conn).await.map_err(at)?;
                log.push(format!("@{id} closed by the acceptor"));
            }
            "sleep" => {
                let ms: u64 = arg
                    .trim()
                    .parse()
                    .map_err(|_| at("sleep takes milliseconds".into()))?;
                if ms > 3000 {
                    return Err(at("sleep is limited to 3000 ms".into()));
                }
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            other => return Err(at(format!("unknown command '{other}'"))),
        }
    }
    if steps == 0 {
        return Err("empty scenario".into());
    }
    Ok(())
}

/// Replaces `<NOW>`, `<NOW+N>`, `<NOW-N>`.
fn substitute(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("<NOW") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('>')
            .ok_or("unterminated <NOW placeholder")?
            + start;
        let offset = &rest[start + 4..end];
        let secs: i64 = match offset {
            "" => 0,
            o if o.starts_with('+') || o.starts_with('-') => {
                o.parse().map_err(|_| format!("bad offset in <NOW{o}>"))?
            }
            o => return Err(format!("bad placeholder <NOW{o}>")),
        };
        let t = Utc::now() + chrono::Duration::seconds(secs);
        out.push_str(&t.format("%Y%m%d-%H:%M:%S").to_string());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn sum(bytes: &[u8]) -> u32 {
    bytes.iter().map(|&b| b as u32).sum::<u32>() % 256
}

/// The bytes to send for a `send` payload (see the module docs).
fn prepare_send(payload: &str) -> Vec<u8> {
    if !payload.starts_with("8=") {
        return payload.replace('|', "\x01").into_bytes();
    }
    let mut text = payload.to_string();
    if !text.ends_with('|') {
        text.push('|');
    }
    let mut fields: Vec<String> = text
        .trim_end_matches('|')
        .split('|')
        .map(str::to_owned)
        .collect();
    let has_checksum = fields.last().is_some_and(|f| f.starts_with("10="));
    let trailer_at = if has_checksum {
        fields.len() - 1
    } else {
        fields.len()
    };
    if let Some(k) = fields.iter().position(|f| f == "9=<LEN>") {
        let len: usize = fields[k + 1..trailer_at].iter().map(|f| f.len() + 1).sum();
        fields[k] = format!("9={len}");
    } else if !fields.iter().any(|f| f.starts_with("9=")) {
        let len: usize = fields[1..trailer_at].iter().map(|f| f.len() + 1).sum();
        fields.insert(1, format!("9={len}"));
    }
    let mut out: Vec<u8> = Vec::new();
    for f in &fields {
        out.extend_from_slice(f.as_bytes());
        out.push(SOH);
    }
    if !has_checksum {
        let s = sum(&out);
        out.extend_from_slice(format!("10={s:03}").as_bytes());
        out.push(SOH);
    }
    out
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\x01', "|")
}

/// Reads one message, framed strictly by its BodyLength.
async fn read_message(conn: &mut Conn) -> Result<Vec<u8>, String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(msg) = take_message(&mut conn.buf)? {
            return Ok(msg);
        }
        let s = conn.stream.as_mut().ok_or("not connected")?;
        let mut chunk = [0u8; 4096];
        let n = match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Err(_) => {
                return Err(format!(
                    "no message within {} s{}",
                    WAIT.as_secs(),
                    if conn.buf.is_empty() {
                        String::new()
                    } else {
                        format!(" (partial: {})", show(&conn.buf))
                    }
                ))
            }
            Ok(Err(e)) => return Err(format!("read failed: {e}")),
            Ok(Ok(n)) => n,
        };
        if n == 0 {
            return Err(format!(
                "the acceptor closed the connection{}",
                if conn.buf.is_empty() {
                    ""
                } else {
                    " mid-message"
                }
            ));
        }
        conn.buf.extend_from_slice(&chunk[..n]);
    }
}

/// One whole message from the front of `buf`, if there is one.
fn take_message(buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, String> {
    if buf.is_empty() {
        return Ok(None);
    }
    if !buf.starts_with(&b"8="[..buf.len().min(2)]) {
        return Err(format!("bytes before 8=: {}", show(buf)));
    }
    let Some(p) = buf.windows(3).position(|w| w == b"\x019=") else {
        return Ok(None);
    };
    let Some(q) = buf[p + 3..].iter().position(|&b| b == SOH) else {
        return Ok(None);
    };
    let len: usize = std::str::from_utf8(&buf[p + 3..p + 3 + q])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("bad BodyLength in {}", show(buf)))?;
    let body_start = p + 3 + q + 1;
    let trailer = body_start + len;
    if buf.len() < trailer + 7 {
        return Ok(None);
    }
    if &buf[trailer..trailer + 3] != b"10=" || buf[trailer + 6] != SOH {
        return Err(format!(
            "BodyLength {len} does not end at 10=: {}",
            show(buf)
        ));
    }
    let msg: Vec<u8> = buf.drain(..trailer + 7).collect();
    let declared = std::str::from_utf8(&msg[trailer + 3..trailer + 6])
        .ok()
        .and_then(|v| v.parse::<u32>().ok());
    if declared != Some(sum(&msg[..trailer])) {
        return Err(format!("wrong CheckSum: {}", show(&msg)));
    }
    Ok(Some(msg))
}

async fn expect_disconnect(conn: &mut Conn) -> Result<(), String> {
    if !conn.buf.is_empty() {
        return Err(format!(
            "expected a disconnect, got data: {}",
            show(&conn.buf)
        ));
    }
    let s = conn.stream.as_mut().ok_or("not connected")?;
    let mut chunk = [0u8; 4096];
    let r = tokio::time::timeout(WAIT, s.read(&mut chunk)).await;
    match r {
        Err(_) => Err(format!("still connected after {} s", WAIT.as_secs())),
        Ok(Ok(0)) => {
            conn.stream = None;
            Ok(())
        }
        Ok(Ok(n)) => Err(format!(
            "expected a disconnect, got data: {}",
            show(&chunk[..n])
        )),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            conn.stream = None;
            Ok(())
        }
        Ok(Err(e)) => Err(format!("read failed: {e}")),
    }
}

fn pattern_fields(pattern: &str) -> Vec<(String, String)> {
    pattern
        .split('|')
        .filter(|f| !f.is_empty())
        .map(|f| match f.split_once('=') {
            Some((t, v)) => (t.to_string(), v.to_string()),
            None => (f.to_string(), String::new()),
        })
        .collect()
}

/// The BodyLength a message matching these pattern fields has.
fn expected_body_length(fields: &[(String, String)]) -> usize {
    fields
        .iter()
        .filter(|(t, _)| !matches!(t.as_str(), "8" | "9" | "10"))
        .map(|(t, v)| {
            let value_len = match t.as_str() {
                "52" | "122" => 21,
                _ => v.len(),
            };
            t.len() + 1 + value_len + 1
        })
        .sum()
}

/// `YYYYMMDD-HH:MM:SS` plus `.sss` (required when `millis`, else optional).
fn timestamp_ok(v: &str, millis: bool) -> bool {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let base = b.len() >= 17
        && digits(0..8)
        && b[8] == b'-'
        && digits(9..11)
        && b[11] == b':'
        && digits(12..14)
        && b[14] == b':'
        && digits(15..17);
    let frac = match b.len() {
        17 => !millis,
        21 => b[17] == b'.' && digits(18..21),
        _ => false,
    };
    base && frac
}

fn compare(pattern: &str, got: &[u8]) -> Result<(), String> {
    let mut want = pattern_fields(pattern);
    if !want.iter().any(|(t, _)| t == "9") && want.first().is_some_and(|(t, _)| t == "8") {
        let len = expected_body_length(&want);
        want.insert(1, ("9".into(), len.to_string()));
    }
    if !want.iter().any(|(t, _)| t == "10") {
        want.push(("10".into(), "*".into()));
    }
    let text = String::from_utf8_lossy(got).into_owned();
    let have = pattern_fields(&text.replace('\x01', "|"));
    if want.len() != have.len() {
        return Err(format!(
            "{} fields expected, {} received",
            want.len(),
            have.len()
        ));
    }
    for ((wt, wv), (ht, hv)) in want.iter().zip(&have) {
        if wt != ht {
            return Err(format!("tag {ht} where {wt} was expected"));
        }
        if wv == "*" {
            continue;
        }
        let ok = match wt.as_str() {
            "10" => hv.len() == 3 && hv.bytes().all(|b| b.is_ascii_digit()),
            "52" | "122" => timestamp_ok(hv, true),
            "60" => timestamp_ok(hv, false) && hv.len() == wv.len(),
            _ => wv == hv,
        };
        if !ok {
            return Err(format!("{wt}={hv} does not match {wt}={wv}"));
        }
        if wt == "52" {
            let t = chrono::NaiveDateTime::parse_from_str(hv, "%Y%m%d-%H:%M:%S%.3f")
                .map_err(|e| e.to_string())?;
            let off = (Utc::now().naive_utc() - t).num_seconds().abs();
            if off > 60 {
                return Err(format!("52={hv} is {off} s away from now"));
            }
        }
    }
    Ok(())
}
