//! fixload's core against its own loopback echo server: bounded runs, and
//! checks that the summary adds up (no timing thresholds).

use std::time::Duration;

use examples::load::{self, LoadConfig, LoadMode, Summary, Wait};

fn check(s: &Summary, orders: u64) {
    let c = &s.counts;
    assert!(s.errors.is_empty(), "errors: {:?}", s.errors);
    assert_eq!(s.target, "echo");
    assert_eq!(c.orders_sent, orders);
    assert_eq!(c.orders_answered, orders);
    assert_eq!(c.unanswered, 0);
    assert_eq!(s.latency_us.count, orders);
    // The echo answers every order with exactly one ExecType=New report.
    assert_eq!(c.er_new, orders + c.warmup_orders);
    assert_eq!(c.er_fill + c.er_canceled + c.er_rejected + c.er_other, 0);
    assert_eq!(c.msgs_out, orders);
    assert!(c.msgs_in >= orders);
    assert!(c.first_er_bytes > 100);
    let l = &s.latency_us;
    assert!(l.min > 0.0);
    assert!(
        l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max,
        "{l:?}"
    );
    assert!(l.mean >= l.min && l.mean <= l.max);
    assert!(s
        .distribution
        .windows(2)
        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
    assert!(s.seconds > 0.0 && s.orders_per_sec > 0.0);
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["counts"]["orders_answered"], orders);
}

fn cfg() -> LoadConfig {
    LoadConfig {
        orders: Some(500),
        drain_timeout: Duration::from_secs(10),
        threads: 1,
        ..LoadConfig::default()
    }
}

#[test]
fn closed_loop_one_session_spin() {
    let s = load::run_echo(&cfg(), |_| {}).expect("run");
    check(&s, 500);
    assert_eq!(s.mode, "closed");
}

#[test]
fn closed_loop_many_sessions_outstanding_block() {
    let c = LoadConfig {
        sessions: 7,
        outstanding: 16,
        orders: Some(1001),
        wait: Wait::Block,
        threads: 2,
        ..cfg()
    };
    let s = load::run_echo(&c, |_| {}).expect("run");
    check(&s, 1001);
    assert_eq!(s.sessions, 7);
}

#[test]
fn open_loop_with_warmup() {
    let c = LoadConfig {
        sessions: 3,
        mode: LoadMode::Open { rate: 2000.0 },
        outstanding: 10_000,
        orders: Some(300),
        warmup: Duration::from_millis(50),
        wait: Wait::Block,
        ..cfg()
    };
    let mut ticks = 0;
    let s = load::run_echo(&c, |_| ticks += 1).expect("run");
    check(&s, 300);
    assert!(s.counts.warmup_orders > 0);
    assert_eq!(s.rate, Some(2000.0));
    assert!(ticks > 0);
}

#[test]
fn unbounded_run_is_refused() {
    let c = LoadConfig {
        orders: None,
        duration: None,
        ..cfg()
    };
    assert!(load::run_echo(&c, |_| {}).is_err());
}

#[test]
fn order_mix_crosses_every_kth() {
    use examples::load::order_shape;
    let shapes: Vec<_> = (0..8).map(|i| order_shape(i, 2)).collect();
    // rest buy, cross sell, rest sell, cross buy, ...
    assert!(shapes[0].buy && !shapes[0].aggressor);
    assert!(!shapes[1].buy && shapes[1].aggressor && shapes[1].lots == 1);
    assert!(!shapes[2].buy && !shapes[2].aggressor);
    assert!(shapes[3].buy && shapes[3].aggressor);
    let s3: Vec<_> = (0..3).map(|i| order_shape(i, 3)).collect();
    assert!(!s3[0].aggressor && !s3[1].aggressor && s3[2].aggressor && s3[2].lots == 2);
    assert!((0..4).all(|i| order_shape(i, 1).aggressor));
    assert_eq!(examples::load::expand("ACC{n+2}", 1), "ACC3");
    assert_eq!(examples::load::expand("X{n}Y", 7), "X7Y");
    assert_eq!(examples::load::sender_comp_id("CLIENT", 12), "CLIENT12");
}
