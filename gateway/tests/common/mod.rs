//! An in-process venue for end-to-end tests: the real acceptor, sessions,
//! engine thread and file stores, on 127.0.0.1 with an OS-chosen port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use examples::{FixClient, Received};
use gateway::{
    acceptor::{Acceptor, SessionHandle},
    app::{Application, EchoApp},
    settings::{ApplicationKind, SessionSettings, Settings},
    venue::Venue,
    venue_config::VenueFile,
};

pub const WAIT: Duration = Duration::from_secs(5);

/// Settings for `clients` venue sessions (VENUE <- CLIENTn, account ACCn),
/// stores and journal under `dir`.
pub fn settings_text(dir: &Path, port: u16, clients: usize) -> String {
    let mut s = format!(
        "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptAddress=127.0.0.1\nSocketAcceptPort={port}\n\
         BeginString=FIX.4.2\nSenderCompID=VENUE\nFileStorePath={}\nJournalPath={}\nApplication=venue\nLogoutTimeout=1\n",
        dir.join("store").display(),
        dir.join("engine").display()
    );
    for i in 1..=clients {
        s.push_str(&format!(
            "\n[SESSION]\nTargetCompID=CLIENT{i}\nAccount=ACC{i}\nAccounts=ACC{i}\n"
        ));
    }
    s
}

/// A venue file with `accounts` funded accounts ACC1..ACCn.
pub fn venue_text(accounts: usize) -> String {
    let mut v = String::from(
        "[VENUE]\nMakerFeeBps=1\nTakerFeeBps=2.5\n\
         [ASSET]\nName=USD\nPrecision=6\n[ASSET]\nName=BTC\nPrecision=8\n\
         [INSTRUMENT]\nSymbol=BTC-USD\nBaseAsset=BTC\nQuoteAsset=USD\nTickSize=0.01\nLotSize=0.0001\nMinQty=0.0001\nMaxQty=1000\n",
    );
    for i in 1..=accounts {
        v.push_str(&format!(
            "[ACCOUNT]\nName=ACC{i}\nBalance.USD=1000000\nBalance.BTC=100\n"
        ));
    }
    v
}

pub struct TestVenue {
    pub rt: tokio::runtime::Runtime,
    pub addr: SocketAddr,
    pub metrics: Option<SocketAddr>,
    acceptor: Option<Acceptor>,
    venue: Option<Venue>,
}

impl TestVenue {
    pub fn start(dir: &Path, clients: usize) -> TestVenue {
        Self::start_with(&settings_text(dir, 0, clients), &venue_text(clients.max(2)))
    }

    pub fn start_with(settings: &str, venue: &str) -> TestVenue {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
            ))
            .try_init();
        let settings = Settings::parse(settings, "test.cfg").expect("settings");
        let venue_file = VenueFile::parse(venue, "test.venue").expect("venue");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let registry = std::sync::Arc::new(gateway::metrics::Registry::default());
        let mut venue = Venue::start(&settings, venue_file, &registry).expect("venue starts");
        let acceptor = rt.block_on(async {
            let mut make_app = |s: &SessionSettings, h: &SessionHandle| -> Box<dyn Application> {
                match s.application {
                    ApplicationKind::Venue => venue.app_for(s, h),
                    ApplicationKind::Echo => Box::new(EchoApp::default()),
                }
            };
            Acceptor::start_with_registry(&settings, &mut make_app, registry)
                .await
                .expect("acceptor starts")
        });
        let _guard = rt.enter();
        venue.deliver_missed();
        venue.schedule_day_end(&settings);
        let addr = acceptor.local_addr;
        let metrics = acceptor.metrics_addr;
        TestVenue {
            rt,
            addr,
            metrics,
            acceptor: Some(acceptor),
            venue: Some(venue),
        }
    }

    /// A logged-on client for CLIENTn.
    pub fn client(&self, n: usize) -> FixClient {
        let mut c = FixClient::connect(self.addr, &format!("CLIENT{n}"), "VENUE").expect("connect");
        c.logon(30, false).expect("logon");
        c
    }

    /// Ends the trading day now, as the venue's day-end timer does.
    pub fn end_of_day(&self) {
        self.venue
            .as_ref()
            .expect("running")
            .engine
            .submit(0, engine::Command::EndOfDay)
            .expect("engine accepts");
    }

    /// Graceful stop: sessions logged out, journal and stores flushed.
    pub fn stop(mut self) -> engine::Engine {
        if let Some(a) = self.acceptor.take() {
            self.rt.block_on(a.shutdown());
        }
        self.venue
            .take()
            .expect("running")
            .shutdown()
            .expect("engine state")
    }
}

/// TransactTime now.
pub fn now() -> String {
    examples::now_fix()
}

/// Sends a NewOrderSingle.
pub fn order(
    c: &mut FixClient,
    cl: &str,
    side: &str,
    qty: &str,
    px: Option<&str>,
    tif: &str,
) -> u64 {
    let t = now();
    let mut f = vec![
        (11, cl),
        (21, "1"),
        (55, "BTC-USD"),
        (54, side),
        (60, t.as_str()),
        (38, qty),
        (59, tif),
    ];
    match px {
        Some(p) => {
            f.push((40, "2"));
            f.push((44, p));
        }
        None => f.push((40, "1")),
    }
    c.send("D", &f).expect("send order")
}

/// The next application message whose ClOrdID is `cl`.
pub fn report(c: &mut FixClient, cl: &str) -> Received {
    c.expect(WAIT, |m| !m.is_admin() && m.get(11) == Some(cl))
        .unwrap_or_else(|e| panic!("no report for {cl}: {e}"))
}

/// Asserts fields of a message, tag by tag.
pub fn assert_fields(m: &Received, want: &[(u32, &str)]) {
    for (tag, v) in want {
        assert_eq!(m.get(*tag), Some(*v), "tag {tag} in {}", m.display());
    }
}
