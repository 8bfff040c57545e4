//! fixload: a FIX 4.2 order-entry load generator. See examples/README.md.
//!
//!   fixload --sessions 1 --orders 20000 --with-floor
//!   fixload --mode open --rate 5000 --duration 10 --sessions 4
//!   fixload echo --messages 10000

use std::io::IsTerminal;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use examples::load::{self, report, LoadConfig, LoadMode, Progress, Summary, Wait};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rust_decimal::Decimal;

#[derive(Parser, Debug)]
#[command(
    name = "fixload",
    version,
    about = "FIX 4.2 order-entry load generator (closed/open loop, loopback floor)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    args: LoadArgs,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the load against a built-in loopback echo server only (the floor).
    Echo(LoadArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// K orders in flight per session (--outstanding K).
    Closed,
    /// Fixed offered rate (--rate), latency from each order's due time.
    Open,
    /// Closed loop against the built-in echo server (or open with --rate).
    Echo,
}

#[derive(Args, Debug, Clone)]
struct LoadArgs {
    /// Venue host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 9878)]
    port: u16,
    /// Number of sessions.
    #[arg(long, default_value_t = 1)]
    sessions: usize,
    /// Number of the first session (SenderCompID = prefix + number).
    #[arg(long, default_value_t = 1)]
    first_session: usize,
    /// SenderCompID prefix: CLIENT gives CLIENT1..N; may contain {n} or {n+K}.
    #[arg(long, default_value = "CLIENT")]
    sender_prefix: String,
    /// TargetCompID.
    #[arg(long, default_value = "VENUE")]
    target: String,
    #[arg(long, default_value = "BTC-USD")]
    symbol: String,
    /// Quantity of each resting order (the crossing IOC carries the total
    /// of the orders it crosses).
    #[arg(long, default_value = "0.0001")]
    qty: Decimal,
    /// Limit price of every order (resting and crossing).
    #[arg(long, default_value = "30000")]
    price: Decimal,
    /// Account(1) of the resting orders, e.g. 'ACC{n}' (session number
    /// substituted). Default: no Account tag.
    #[arg(long)]
    account: Option<String>,
    /// Account(1) of the crossing IOCs, e.g. 'ACC{n+2}' (use a different
    /// account than --account, or self-trade prevention cancels instead of
    /// trading). Default: as --account.
    #[arg(long)]
    take_account: Option<String>,
    /// Every K-th order of a session is an IOC crossing the K-1 GTC orders
    /// before it; 2 = every second order trades; 1 = IOCs only.
    #[arg(long, default_value_t = 2)]
    cross_every: u32,
    /// Measured orders to send (all sessions together).
    #[arg(long, alias = "messages")]
    orders: Option<u64>,
    /// Seconds of measured sending (default 10 when --orders is not given).
    #[arg(long)]
    duration: Option<f64>,
    /// Seconds of unmeasured sending first.
    #[arg(long, default_value_t = 0.0)]
    warmup: f64,
    #[arg(long, value_enum, default_value_t = Mode::Closed)]
    mode: Mode,
    /// Open loop: offered orders per second across all sessions.
    #[arg(long)]
    rate: Option<f64>,
    /// Orders in flight per session (closed loop); cap on unanswered
    /// orders per session in open loop (default 1 closed, 100000 open).
    #[arg(long)]
    outstanding: Option<usize>,
    /// Busy-poll nonblocking sockets (default).
    #[arg(long, conflicts_with = "block")]
    spin: bool,
    /// Sleep in the OS readiness poll until a socket is readable.
    #[arg(long)]
    block: bool,
    /// Worker threads, each multiplexing its share of the sessions
    /// (0 = min(sessions, cores/2)).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Logon with ResetSeqNumFlag=Y (the default).
    #[arg(long, conflicts_with = "no_reset")]
    reset: bool,
    /// Logon without ResetSeqNumFlag.
    #[arg(long)]
    no_reset: bool,
    /// HeartBtInt sent on Logon.
    #[arg(long, default_value_t = 30)]
    heartbeat: u32,
    /// Seconds to wait for the last answers after sending stops.
    #[arg(long, default_value_t = 5.0)]
    drain_timeout: f64,
    /// ClOrdID prefix (default: unique per run).
    #[arg(long)]
    clordid_prefix: Option<String>,
    /// First run the same load against the loopback echo server and print
    /// both side by side.
    #[arg(long)]
    with_floor: bool,
    /// Write a JSON summary here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a latency percentile plot (PNG) here.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn config(a: &LoadArgs) -> Result<LoadConfig, String> {
    let addr: SocketAddr = (a.host.as_str(), a.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}:{}: {e}", a.host, a.port))?
        .next()
        .ok_or_else(|| format!("{}: no address", a.host))?;
    let open = a.mode == Mode::Open || (a.mode == Mode::Echo && a.rate.is_some());
    let mode = if open {
        LoadMode::Open {
            rate: a.rate.ok_or("--mode open needs --rate")?,
        }
    } else {
        LoadMode::Closed
    };
    let secs = |s: f64, what: &str| {
        if s.is_finite() && s >= 0.0 {
            Ok(Duration::from_secs_f64(s))
        } else {
            Err(format!("{what} must be a non-negative number of seconds"))
        }
    };
    let duration = match (a.duration, a.orders) {
        (Some(d), _) => Some(secs(d, "--duration")?),
        (None, Some(_)) => None,
        (None, None) => Some(Duration::from_secs(10)),
    };
    let mut c = LoadConfig {
        addr,
        sessions: a.sessions,
        first_session: a.first_session,
        sender_prefix: a.sender_prefix.clone(),
        target: a.target.clone(),
        symbol: a.symbol.clone(),
        qty: a.qty,
        price: a.price,
        account: a.account.clone(),
        take_account: a.take_account.clone(),
        cross_every: a.cross_every.max(1),
        orders: a.orders,
        duration,
        warmup: secs(a.warmup, "--warmup")?,
        mode,
        outstanding: a.outstanding.unwrap_or(if open { 100_000 } else { 1 }),
        wait: if a.block { Wait::Block } else { Wait::Spin },
        threads: a.threads,
        reset: !a.no_reset,
        heartbeat: a.heartbeat,
        drain_timeout: secs(a.drain_timeout, "--drain-timeout")?,
        ..LoadConfig::default()
    };
    if let Some(p) = &a.clordid_prefix {
        c.clordid_prefix = p.clone();
    }
    Ok(c)
}

/// Runs one load with a progress bar when stderr is a terminal.
fn run_one(cfg: &LoadConfig, echo: bool, quiet: bool, label: &str) -> std::io::Result<Summary> {
    let show = !quiet && std::io::stderr().is_terminal();
    let (len, by_orders) = match (cfg.orders, cfg.duration) {
        (Some(n), _) => (n, true),
        (None, Some(d)) => (d.as_millis() as u64, false),
        (None, None) => (0, false),
    };
    let bar = if show {
        let b = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let tpl = if by_orders {
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} orders {msg}"
        } else {
            "{prefix} [{elapsed_precise}] {wide_bar} {msg}"
        };
        b.set_style(
            ProgressStyle::with_template(tpl).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.set_prefix(label.to_string());
        b
    } else {
        ProgressBar::hidden()
    };
    let mut last = (std::time::Instant::now(), 0u64);
    let tick = |p: &Progress| {
        let pos = if by_orders {
            p.answered
        } else {
            p.measured.as_millis() as u64
        };
        bar.set_position(pos.min(len));
        let now = std::time::Instant::now();
        let dt = now.duration_since(last.0).as_secs_f64();
        if dt >= 0.5 {
            let r = (p.answered - last.1) as f64 / dt;
            bar.set_message(if p.warming_up {
                "warming up".to_string()
            } else {
                format!("{r:.0} orders/s")
            });
            last = (now, p.answered);
        }
    };
    let r = if echo {
        load::run_echo(cfg, tick)
    } else {
        load::run(cfg, tick)
    };
    bar.finish_and_clear();
    r
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (args, echo_only) = match &cli.cmd {
        Some(Cmd::Echo(a)) => (a.clone(), true),
        None => (cli.args.clone(), cli.args.mode == Mode::Echo),
    };
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("fixload: {e}");
            return ExitCode::from(2);
        }
    };
    let result = (|| -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        let (json, runs): (String, Vec<(&str, Summary)>) = if echo_only {
            let s = run_one(&cfg, true, args.quiet, "echo").map_err(io)?;
            print!("{}", s.text());
            (
                serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?,
                vec![("loopback floor", s)],
            )
        } else if args.with_floor {
            let mut floor_cfg = cfg.clone();
            floor_cfg.clordid_prefix = format!("{}f", cfg.clordid_prefix);
            let floor = run_one(&floor_cfg, true, args.quiet, "floor").map_err(io)?;
            let venue = run_one(&cfg, false, args.quiet, "venue").map_err(io)?;
            print!("{}", floor.text());
            print!("{}", venue.text());
            let c = report::Comparison::new(floor.clone(), venue.clone());
            print!("{}", c.text());
            (
                serde_json::to_string_pretty(&c).map_err(|e| e.to_string())?,
                vec![("venue", venue), ("loopback floor", floor)],
            )
        } else {
            let s = run_one(&cfg, false, args.quiet, "venue").map_err(io)?;
            print!("{}", s.text());
            (
                serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?,
                vec![("venue", s)],
            )
        };
        if let Some(p) = &args.json {
            std::fs::write(p, json + "\n").map_err(|e| format!("{}: {e}", p.display()))?;
        }
        if let Some(p) = &args.plot {
            let s = &runs[0].1;
            let title = format!(
                "fixload {} loop, {} session(s), {} outstanding{}: time to first ExecutionReport",
                s.mode,
                s.sessions,
                s.outstanding,
                s.rate.map(|r| format!(", {r:.0}/s")).unwrap_or_default()
            );
            let refs: Vec<(&str, &Summary)> = runs.iter().map(|(n, s)| (*n, s)).collect();
            report::plot(p, &title, &refs).map_err(|e| format!("plot {}: {e}", p.display()))?;
        }
        let errors: usize = runs.iter().map(|(_, s)| s.errors.len()).sum();
        if errors > 0 {
            return Err(format!("{errors} session error(s)"));
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fixload: {e}");
            ExitCode::FAILURE
        }
    }
}
