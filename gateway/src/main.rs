//! `gateway`: the fixvenue acceptor.

use std::path::PathBuf;

use clap::Parser;
use gateway::{
    acceptor::Acceptor,
    app::{Application, EchoApp},
    settings::{ApplicationKind, Settings},
};

/// A FIX 4.2 acceptor and matching venue.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// QuickFIX-style settings file; without it, the built-in default.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Log level or filter (error, warn, info, debug, trace, or an
    /// EnvFilter directive such as `gateway=debug`).
    #[arg(long, default_value = "info")]
    log_level: String,
}

fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log_level))
        .with_target(false)
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
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(settings)) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(settings: Settings) -> Result<(), String> {
    for (key, line) in &settings.ignored_keys {
        tracing::warn!(file = %settings.file_name, line, key, "setting accepted but not used");
    }
    let mut make_app = |s: &gateway::settings::SessionSettings, _h: &gateway::acceptor::SessionHandle| -> Box<dyn Application> {
        match s.application {
            ApplicationKind::Echo => Box::new(EchoApp::default()),
            ApplicationKind::Venue => Box::new(EchoApp::default()),
        }
    };
    let acceptor = Acceptor::start(&settings, &mut make_app).await?;
    println!("fixvenue acceptor listening on {}", acceptor.local_addr);
    for s in &settings.sessions {
        println!("  session {} (clients log on with SenderCompID={} TargetCompID={})", s.id, s.id.target_comp_id, s.id.sender_comp_id);
    }
    shutdown_signal().await;
    tracing::info!("shutting down: logging sessions out");
    acceptor.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
