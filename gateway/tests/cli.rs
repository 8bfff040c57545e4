//! The binary refuses bad configuration with the file, line and problem,
//! and starts from the shipped example files.

use std::process::Command;

fn gateway(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn bad_settings_stop_start_up_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.cfg"), "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPrt=5001\n[SESSION]\nBeginString=FIX.4.2\nSenderCompID=A\nTargetCompID=B\n").unwrap();
    let out = gateway(dir.path(), &["--config", "bad.cfg"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.cfg:3:") && err.contains("SocketAcceptPrt"),
        "{err}"
    );
}

#[test]
fn bad_venue_file_stops_start_up_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/venue.cfg");
    let cfg = std::fs::read_to_string(example)
        .unwrap()
        .replace("SocketAcceptPort=9878", "SocketAcceptPort=0")
        .replace("HttpMetricsPort=9100\n", "");
    std::fs::write(dir.path().join("v.cfg"), cfg).unwrap();
    std::fs::write(dir.path().join("v.ini"), "[ASSET]\nName=USD\nPrecision=2\n[INSTRUMENT]\nSymbol=X\nBaseAsset=NOPE\nQuoteAsset=USD\nTickSize=0.01\nLotSize=1\nMaxQty=10\n").unwrap();
    let out = gateway(dir.path(), &["--config", "v.cfg", "--venue", "v.ini"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("v.ini:") && err.contains("NOPE"), "{err}");
}
