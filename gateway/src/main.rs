//! `gateway`: the fixvenue acceptor.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use gateway::{
    acceptor::{Acceptor, SessionHandle},
    app::{Application, EchoApp},
    metrics::Registry,
    settings::{ApplicationKind, SessionSettings, Settings},
    venue::Venue,
    venue_config::VenueFile,
};

/// A FIX 4.2 acceptor and matching venue.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// QuickFIX-style settings file; without it, the built-in default.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Venue file (instruments, accounts, fees); overrides the settings'
    /// VenueConfig key; without either, the built-in default.
    #[arg(long)]
    venue: Option<PathBuf>,
    /// Log level or filter (error, warn, info, debug, trace, or an
    /// EnvFilter directive such as `gateway=debug`).
    #[arg(long, default_value = "info")]
    log_level: String,
    /// Threads that run the FIX sessions (the engine has its own thread).
    #[arg(long, default_value_t = 2)]
    io_threads: usize,
}

fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log_level))
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let settings = match &args.config {
        Some(path) => Settings::load(path),
        None => Ok(Settings::default_embedded()),
    };
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.io_threads)
        .thread_name("fix-io")
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(settings, args.venue)) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(settings: Settings, venue_path: Option<PathBuf>) -> Result<(), String> {
    for (key, line) in &settings.ignored_keys {
        tracing::warn!(file = %settings.file_name, line, key, "setting accepted but not used");
    }
    let has_venue = settings
        .sessions
        .iter()
        .any(|s| s.application == ApplicationKind::Venue);
    let venue_file = if has_venue {
        Some(
            match venue_path.or_else(|| settings.acceptor.venue_config.clone()) {
                Some(p) => VenueFile::load(&p).map_err(|e| e.to_string())?,
                None => VenueFile::default_embedded(),
            },
        )
    } else {
        None
    };
    let registry = Arc::new(Registry::default());
    let mut venue = match &venue_file {
        Some(v) => Some(Venue::start(&settings, v.clone(), &registry)?),
        None => None,
    };
    let mut make_app = |s: &SessionSettings, h: &SessionHandle| -> Box<dyn Application> {
        match (s.application, &venue) {
            (ApplicationKind::Venue, Some(v)) => v.app_for(s, h),
            _ => Box::new(EchoApp::default()),
        }
    };
    let acceptor = Acceptor::start_with_registry(&settings, &mut make_app, registry).await?;
    if let Some(v) = venue.as_mut() {
        v.deliver_missed();
        v.schedule_day_end(&settings);
    }
    print_banner(&settings, &acceptor, venue_file.as_ref());
    shutdown_signal().await;
    tracing::info!("shutting down: logging sessions out");
    acceptor.shutdown().await;
    if let Some(v) = venue {
        v.shutdown();
    }
    tracing::info!("stopped");
    Ok(())
}

/// What a client needs to connect.
fn print_banner(settings: &Settings, acceptor: &Acceptor, venue: Option<&VenueFile>) {
    let a = &settings.acceptor;
    println!(
        "fixvenue listening on {} (BeginString FIX.4.2)",
        acceptor.local_addr
    );
    if let Some(m) = acceptor.metrics_addr {
        println!("  metrics: http://{m}/metrics");
    }
    match &a.file_store_path {
        Some(p) => println!("  session stores: {}", p.display()),
        None => println!("  session stores: in memory"),
    }
    if let Some(d) = gateway::venue::journal_dir(settings) {
        println!("  engine journal: {}", d.display());
    }
    for s in &settings.sessions {
        let what = match s.application {
            ApplicationKind::Venue => format!("venue, accounts {}", s.accounts.join(",")),
            ApplicationKind::Echo => "echo".to_string(),
        };
        println!(
            "  session: SenderCompID={} TargetCompID={}  ({what})",
            s.id.target_comp_id, s.id.sender_comp_id
        );
    }
    if let Some(v) = venue {
        let symbols: Vec<&str> = v.instruments.iter().map(|i| i.symbol.as_str()).collect();
        println!("  instruments: {}", symbols.join(", "));
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
