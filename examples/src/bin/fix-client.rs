//! fix-client: order entry from the command line.
//!
//!   fix-client --host 127.0.0.1 --port 9878 --sender CLIENT1 --target VENUE
//!   echo "buy BTC-USD 0.01 30000 gtc" | fix-client
//!   fix-client --script orders.txt
//!
//! Commands: see `help` (examples::cli::HELP). Every ExecutionReport,
//! OrderCancelReject and reject is printed as a table row.

use std::io::{BufRead, BufReader};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;
use examples::cli::{self, Command, Orders};
use examples::{now_fix, FixClient, Received};

#[derive(Parser, Debug)]
#[command(
    name = "fix-client",
    version,
    about = "Interactive FIX 4.2 order-entry client"
)]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 9878)]
    port: u16,
    /// SenderCompID.
    #[arg(long, default_value = "CLIENT1")]
    sender: String,
    /// TargetCompID.
    #[arg(long, default_value = "VENUE")]
    target: String,
    /// Account(1) on new orders (default: the session's account).
    #[arg(long)]
    account: Option<String>,
    /// HeartBtInt, seconds.
    #[arg(long, default_value_t = 30)]
    heartbeat: u32,
    /// Logon without ResetSeqNumFlag=Y (this client keeps no sequence
    /// numbers across runs, so the venue must expect 1).
    #[arg(long)]
    no_reset: bool,
    /// Read commands from this file instead of stdin.
    #[arg(long)]
    script: Option<PathBuf>,
    /// ClOrdID prefix (default: unique per run).
    #[arg(long)]
    clordid_prefix: Option<String>,
    /// At end of input, wait up to this many ms for outstanding answers.
    #[arg(long, default_value_t = 3000)]
    linger_ms: u64,
    /// Also print admin messages (raw).
    #[arg(long, short)]
    verbose: bool,
}

struct App {
    client: FixClient,
    orders: Orders,
    account: Option<String>,
    last_send: Instant,
    heartbeat: Duration,
    rows: usize,
    verbose: bool,
}

impl App {
    fn send(&mut self, msg_type: &str, fields: &[(u32, &str)]) -> std::io::Result<()> {
        self.client.send(msg_type, fields)?;
        self.last_send = Instant::now();
        Ok(())
    }

    fn show(&mut self, m: &Received) {
        if let Some(row) = cli::format_row(m) {
            if self.rows == 0 {
                println!("{}", cli::table_header());
            }
            self.rows = (self.rows + 1) % 25;
            println!("{row}");
        } else if self.verbose {
            println!("<- {}", m.display());
        }
        match m.msg_type() {
            "8" | "9" => self.orders.on_message(m),
            "j" => self.orders.on_reject(m.get(379)),
            _ => {}
        }
    }

    /// Reads what arrives within `wait`, printing it; sends heartbeats.
    fn pump(&mut self, wait: Duration) -> std::io::Result<bool> {
        let mut got = false;
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.client.recv(left)? {
                Some(m) => {
                    got = true;
                    if m.msg_type() == "5" {
                        self.show(&m);
                        return Err(std::io::Error::other(format!(
                            "venue logged out: {}",
                            m.get(58).unwrap_or("")
                        )));
                    }
                    self.show(&m);
                }
                None => break,
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        if !self.heartbeat.is_zero() && self.last_send.elapsed() >= self.heartbeat {
            self.send("0", &[])?;
        }
        Ok(got)
    }

    fn run(&mut self, c: Command) -> std::io::Result<bool> {
        let t = now_fix();
        match c {
            Command::Nothing => {}
            Command::Help => println!("{}", cli::HELP),
            Command::Quit => return Ok(false),
            Command::Sleep(ms) => {
                let end = Instant::now() + Duration::from_millis(ms);
                while Instant::now() < end {
                    self.pump(
                        end.saturating_duration_since(Instant::now())
                            .min(Duration::from_millis(100)),
                    )?;
                }
            }
            Command::Wait => self.wait_pending(Duration::from_secs(5))?,
            Command::Order {
                side,
                symbol,
                qty,
                price,
                tif,
            } => {
                let id = self.orders.new_order(&symbol, side, qty, price);
                let (q, p) = (qty.to_string(), price.map(|p| p.to_string()));
                let mut f: Vec<(u32, &str)> = Vec::new();
                let account = self.account.clone();
                if let Some(a) = &account {
                    f.push((1, a));
                }
                f.extend([(11, id.as_str()), (21, "1"), (38, q.as_str())]);
                f.push((40, if p.is_some() { "2" } else { "1" }));
                if let Some(p) = &p {
                    f.push((44, p));
                }
                f.extend([
                    (54, side.fix()),
                    (55, symbol.as_str()),
                    (59, tif.fix()),
                    (60, t.as_str()),
                ]);
                self.send("D", &f)?;
                println!("-> new {id}");
            }
            Command::Cancel { id } => match self.orders.amend(&id, "F") {
                Ok((orig, new)) => {
                    let ch = self.orders.chain(&new).expect("chain").clone();
                    let q = ch.qty.to_string();
                    let mut f: Vec<(u32, &str)> = vec![(11, &new), (38, &q), (41, &orig)];
                    if let Some(oid) = &ch.order_id {
                        f.insert(0, (37, oid));
                    }
                    f.extend([
                        (54, ch.side.fix()),
                        (55, ch.symbol.as_str()),
                        (60, t.as_str()),
                    ]);
                    self.send("F", &f)?;
                    println!("-> cancel {orig} as {new}");
                }
                Err(e) => println!("! {e}"),
            },
            Command::Replace { id, qty, price } => match self.orders.amend(&id, "G") {
                Ok((orig, new)) => {
                    let ch = self.orders.chain(&new).expect("chain").clone();
                    let (q, p) = (qty.to_string(), price.map(|p| p.to_string()));
                    let mut f: Vec<(u32, &str)> = Vec::new();
                    if let Some(oid) = &ch.order_id {
                        f.push((37, oid));
                    }
                    f.extend([(11, new.as_str()), (21, "1"), (38, q.as_str())]);
                    f.push((40, if ch.price.is_some() { "2" } else { "1" }));
                    f.push((41, &orig));
                    if let Some(p) = &p {
                        f.push((44, p));
                    }
                    f.extend([
                        (54, ch.side.fix()),
                        (55, ch.symbol.as_str()),
                        (60, t.as_str()),
                    ]);
                    self.send("G", &f)?;
                    println!("-> replace {orig} as {new}");
                }
                Err(e) => println!("! {e}"),
            },
            Command::Status { id } => match self.orders.status_request(&id) {
                Ok(latest) => {
                    let ch = self.orders.chain(&latest).expect("chain").clone();
                    let mut f: Vec<(u32, &str)> = vec![(11, &latest)];
                    if let Some(oid) = &ch.order_id {
                        f.push((37, oid));
                    }
                    f.extend([(54, ch.side.fix()), (55, ch.symbol.as_str())]);
                    self.send("H", &f)?;
                    println!("-> status {latest}");
                }
                Err(e) => println!("! {e}"),
            },
        }
        Ok(true)
    }

    /// Waits until nothing is pending (or `max` passes).
    fn wait_pending(&mut self, max: Duration) -> std::io::Result<()> {
        let end = Instant::now() + max;
        while !self.orders.pending.is_empty() && Instant::now() < end {
            self.pump(Duration::from_millis(50))?;
        }
        // Reports that follow the first answer (fills) come right after.
        self.pump(Duration::from_millis(200))?;
        Ok(())
    }
}

fn main() -> ExitCode {
    let a = Args::parse();
    let addr = match (a.host.as_str(), a.port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut x| x.next())
    {
        Some(x) => x,
        None => {
            eprintln!("fix-client: cannot resolve {}:{}", a.host, a.port);
            return ExitCode::from(2);
        }
    };
    // Input: a script file or stdin, read on its own thread.
    let reader: Box<dyn BufRead + Send> = match &a.script {
        Some(p) => match std::fs::File::open(p) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) => {
                eprintln!("fix-client: {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => Box::new(BufReader::new(std::io::stdin())),
    };
    let mut client = match FixClient::connect(addr, &a.sender, &a.target) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("fix-client: connect {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match client.logon(a.heartbeat, !a.no_reset) {
        Ok(_) => eprintln!(
            "logged on to {addr} as {} -> {} (type help)",
            a.sender, a.target
        ),
        Err(e) => {
            eprintln!("fix-client: logon failed: {e} (unknown CompIDs, or sequence numbers: try without --no-reset)");
            return ExitCode::FAILURE;
        }
    }
    let prefix = a
        .clordid_prefix
        .clone()
        .unwrap_or_else(examples::load::run_prefix);
    let mut app = App {
        client,
        orders: Orders::new(&prefix),
        account: a.account.clone(),
        last_send: Instant::now(),
        heartbeat: Duration::from_secs(a.heartbeat as u64),
        rows: 0,
        verbose: a.verbose,
    };
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in reader.lines() {
            match line {
                Ok(l) => {
                    if tx.send(l).is_err() {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    });
    let result = (|| -> std::io::Result<()> {
        loop {
            match rx.try_recv() {
                Ok(line) => match cli::parse_command(&line) {
                    Ok(c) => {
                        if !app.run(c)? {
                            app.wait_pending(Duration::from_millis(a.linger_ms))?;
                            break;
                        }
                        app.pump(Duration::ZERO)?;
                    }
                    Err(e) => println!("! {e}"),
                },
                Err(mpsc::TryRecvError::Empty) => {
                    app.pump(Duration::from_millis(20))?;
                }
                Err(mpsc::TryRecvError::Disconnected) => {
                    // End of input: collect the answers still due.
                    app.wait_pending(Duration::from_millis(a.linger_ms))?;
                    break;
                }
            }
        }
        app.client.logout()?;
        eprintln!("logged out");
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fix-client: {e}");
            ExitCode::FAILURE
        }
    }
}
