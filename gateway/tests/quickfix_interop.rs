//! A real QuickFIX C++ initiator (Debian's libquickfix-dev) trades on the
//! venue: two sessions, crossing orders, an IOC that fills in part, a
//! replace, a status request and a cancel. Every report is checked field by
//! field as QuickFIX parsed it — after QuickFIX validated it against its own
//! FIX 4.2 dictionary. `.ci/run` installs libquickfix-dev and g++.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;

fn build_client() -> PathBuf {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/qf_client.cpp");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("qf_client");
    let status = Command::new("g++")
        .args(["-std=c++14", "-O1", "-Wno-deprecated", "-o"])
        .arg(&out)
        .arg(&src)
        .args(["-lquickfix", "-lpthread"])
        .status()
        .expect("g++ runs (apt-get install g++ libquickfix-dev)");
    assert!(
        status.success(),
        "building the QuickFIX client failed: install libquickfix-dev (see .ci/run)"
    );
    out
}

/// One received message as QuickFIX printed it: tag → value.
struct Parsed(Vec<(u32, String)>);

impl Parsed {
    fn get(&self, tag: u32) -> Option<&str> {
        self.0
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }
    fn check(&self, want: &[(u32, &str)]) {
        for (t, v) in want {
            assert_eq!(self.get(*t), Some(*v), "tag {t} in {:?}", self.0);
        }
    }
}

struct QuickFix {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: mpsc::Receiver<String>,
    /// Messages received but not yet asked for: (sender, message).
    pending: Vec<(String, Parsed)>,
}

impl QuickFix {
    fn cmd(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next line starting with `prefix`.
    fn wait(&mut self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("QuickFIX never said {prefix}"));
            if line.starts_with(prefix) {
                return line;
            }
        }
    }

    /// The first message QuickFIX received on `sender` whose ClOrdID is
    /// `cl` and that was not asked for before (sessions interleave).
    fn report(&mut self, sender: &str, cl: &str) -> Parsed {
        loop {
            if let Some(i) = self
                .pending
                .iter()
                .position(|(s, p)| s == sender && p.get(11) == Some(cl))
            {
                return self.pending.remove(i).1;
            }
            let line = self.wait("RECV ");
            let mut parts = line.splitn(3, ' ');
            let (_, from, msg) = (
                parts.next(),
                parts.next().unwrap().to_owned(),
                parts.next().unwrap(),
            );
            let fields: Vec<(u32, String)> = msg
                .split('|')
                .filter_map(|f| f.split_once('='))
                .map(|(t, v)| (t.parse().unwrap(), v.to_owned()))
                .collect();
            self.pending.push((from, Parsed(fields)));
        }
    }
}

#[test]
fn quickfix_initiator_trades_on_the_venue() {
    let client = build_client();
    let dir = tempfile::tempdir().unwrap();
    let v = TestVenue::start(dir.path(), 2);
    let dict = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/FIX42.xml");
    let cfg = dir.path().join("qf.cfg");
    std::fs::write(
        &cfg,
        format!(
            "[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort={}\nHeartBtInt=30\n\
             ReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\nUseDataDictionary=Y\nDataDictionary={}\n\
             BeginString=FIX.4.2\nTargetCompID=VENUE\n[SESSION]\nSenderCompID=CLIENT1\n[SESSION]\nSenderCompID=CLIENT2\n",
            v.addr.port(),
            dict.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(client)
        .arg(&cfg)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut qf = QuickFix {
        child,
        stdin,
        lines,
        pending: Vec::new(),
    };
    qf.cmd("wait_logon CLIENT1");
    qf.wait("OK wait_logon CLIENT1");
    qf.cmd("wait_logon CLIENT2");
    qf.wait("OK wait_logon CLIENT2");
    let t = now();

    // CLIENT1 rests a GTC sell.
    qf.cmd(&format!(
        "send CLIENT1 D 11=S1|21=1|55=BTC-USD|54=2|60={t}|40=2|38=1.5|44=50000|59=1"
    ));
    let ack = qf.report("CLIENT1", "S1");
    ack.check(&[
        (35, "8"),
        (20, "0"),
        (150, "0"),
        (39, "0"),
        (55, "BTC-USD"),
        (54, "2"),
        (38, "1.5"),
        (44, "50000"),
        (14, "0"),
        (151, "1.5"),
        (6, "0"),
        (1, "ACC1"),
        (59, "1"),
    ]);
    let order_id = ack.get(37).unwrap().to_owned();
    assert!(ack.get(17).is_some() && ack.get(60).is_some());

    // CLIENT2's IOC buy for 2 fills 1.5; the rest is canceled.
    qf.cmd(&format!(
        "send CLIENT2 D 11=B1|21=1|55=BTC-USD|54=1|60={t}|40=2|38=2|44=50001|59=3"
    ));
    qf.report("CLIENT2", "B1")
        .check(&[(150, "0"), (39, "0"), (151, "2"), (14, "0")]);
    qf.report("CLIENT2", "B1").check(&[
        (150, "1"),
        (39, "1"),
        (32, "1.5"),
        (31, "50000"),
        (14, "1.5"),
        (151, "0.5"),
        (6, "50000"),
        (12, "18.75"),
        (13, "3"),
        (38, "2"),
        (44, "50001"),
    ]);
    qf.report("CLIENT2", "B1")
        .check(&[(150, "4"), (39, "4"), (14, "1.5"), (151, "0")]);
    let fill = qf.report("CLIENT1", "S1");
    fill.check(&[
        (150, "2"),
        (39, "2"),
        (32, "1.5"),
        (31, "50000"),
        (14, "1.5"),
        (151, "0"),
        (6, "50000"),
        (12, "7.5"),
        (13, "3"),
        (37, &order_id),
    ]);

    // Replace, status and cancel along a ClOrdID chain.
    qf.cmd(&format!(
        "send CLIENT1 D 11=S2|21=1|55=BTC-USD|54=2|60={t}|40=2|38=1|44=51000|59=1"
    ));
    let s2 = qf.report("CLIENT1", "S2");
    let s2_id = s2.get(37).unwrap().to_owned();
    qf.cmd(&format!(
        "send CLIENT1 G 11=S3|41=S2|21=1|55=BTC-USD|54=2|60={t}|40=2|38=2|44=51500"
    ));
    qf.report("CLIENT1", "S3").check(&[
        (150, "5"),
        (39, "0"),
        (41, "S2"),
        (38, "2"),
        (44, "51500"),
        (151, "2"),
        (37, &s2_id),
    ]);
    qf.cmd("send CLIENT1 H 11=S2|55=BTC-USD|54=2");
    qf.report("CLIENT1", "S3").check(&[
        (20, "3"),
        (150, "0"),
        (39, "0"),
        (38, "2"),
        (151, "2"),
        (14, "0"),
    ]);
    qf.cmd(&format!(
        "send CLIENT1 F 11=S4|41=S3|55=BTC-USD|54=2|60={t}"
    ));
    qf.report("CLIENT1", "S4").check(&[
        (150, "4"),
        (39, "4"),
        (41, "S3"),
        (151, "0"),
        (37, &s2_id),
    ]);
    // A cancel for an order that does not exist: OrderCancelReject.
    qf.cmd(&format!(
        "send CLIENT1 F 11=S5|41=NOPE|55=BTC-USD|54=2|60={t}"
    ));
    qf.report("CLIENT1", "S5")
        .check(&[(35, "9"), (37, "NONE"), (39, "8"), (102, "1"), (434, "1")]);

    qf.cmd("quit");
    let _ = qf.child.wait();
    // QuickFIX found nothing to reject in anything the venue sent.
    while let Ok(line) = qf.lines.try_recv() {
        assert!(
            !line.contains("|35=3|"),
            "QuickFIX rejected a venue message: {line}"
        );
    }
    for (_, p) in &qf.pending {
        assert_ne!(
            p.get(35),
            Some("3"),
            "QuickFIX rejected a venue message: {:?}",
            p.0
        );
    }
    v.stop().check_invariants().unwrap();
}
