//! What a load run reports: counts, rates and latency percentiles, as text,
//! JSON and a PNG percentile plot.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::{LoadConfig, LoadMode, Wait};

/// Message and report counts of a run (measured part unless noted).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Measured orders sent / answered by a first report (or a reject).
    pub orders_sent: u64,
    pub orders_answered: u64,
    /// Measured orders still unanswered when the drain timed out.
    pub unanswered: u64,
    /// Orders sent during the warm-up (not measured).
    pub warmup_orders: u64,
    /// Messages and bytes in and out during the measured window.
    pub msgs_in: u64,
    pub msgs_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// ExecutionReports by ExecType (whole run).
    pub er_new: u64,
    pub er_fill: u64,
    pub er_canceled: u64,
    pub er_rejected: u64,
    pub er_other: u64,
    pub cancel_rejects: u64,
    pub business_rejects: u64,
    pub session_rejects: u64,
    pub garbled: u64,
    /// Size of a first ExecutionReport, in bytes (to compare venue and echo).
    pub first_er_bytes: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.orders_sent += o.orders_sent;
        self.orders_answered += o.orders_answered;
        self.unanswered += o.unanswered;
        self.warmup_orders += o.warmup_orders;
        self.msgs_in += o.msgs_in;
        self.msgs_out += o.msgs_out;
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        self.er_new += o.er_new;
        self.er_fill += o.er_fill;
        self.er_canceled += o.er_canceled;
        self.er_rejected += o.er_rejected;
        self.er_other += o.er_other;
        self.cancel_rejects += o.cancel_rejects;
        self.business_rejects += o.business_rejects;
        self.session_rejects += o.session_rejects;
        self.garbled += o.garbled;
        self.first_er_bytes = self.first_er_bytes.max(o.first_er_bytes);
    }
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Latency {
    pub count: u64,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// The result of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// "venue" (whatever `addr` is) or "echo" (the loopback floor).
    pub target: String,
    pub addr: String,
    pub mode: String,
    pub rate: Option<f64>,
    pub wait: String,
    pub sessions: usize,
    pub threads: usize,
    pub outstanding: usize,
    pub cross_every: u32,
    pub symbol: String,
    pub qty: String,
    pub price: String,
    /// Measured window: end of warm-up to the last measured answer.
    pub seconds: f64,
    pub orders_per_sec: f64,
    pub msgs_in_per_sec: f64,
    pub msgs_out_per_sec: f64,
    pub counts: Counts,
    /// From the write (closed loop) or the due time (open loop) to the first
    /// ExecutionReport for the order.
    pub latency_us: Latency,
    /// (percentile, µs) points from 0 to 99.999 for plots.
    pub distribution: Vec<(f64, f64)>,
    pub errors: Vec<String>,
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

impl Summary {
    pub(crate) fn new(
        cfg: &LoadConfig,
        threads: usize,
        h: &Histogram<u64>,
        counts: Counts,
        window: Duration,
        errors: Vec<String>,
    ) -> Summary {
        let secs = window.as_secs_f64();
        let rate = |n: u64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let q = |x: f64| {
            if h.is_empty() {
                0.0
            } else {
                us(h.value_at_quantile(x))
            }
        };
        let latency_us = Latency {
            count: h.len(),
            min: if h.is_empty() { 0.0 } else { us(h.min()) },
            mean: if h.is_empty() { 0.0 } else { h.mean() / 1000.0 },
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            max: if h.is_empty() { 0.0 } else { us(h.max()) },
        };
        // Evenly spaced in -log10(1 - q): 20 points per decade.
        let distribution = (0..=100)
            .map(|k| {
                let quant = 1.0 - 10f64.powf(-(k as f64) / 20.0);
                (quant * 100.0, q(quant))
            })
            .collect();
        Summary {
            target: "venue".into(),
            addr: cfg.addr.to_string(),
            mode: match cfg.mode {
                LoadMode::Closed => "closed".into(),
                LoadMode::Open { .. } => "open".into(),
            },
            rate: match cfg.mode {
                LoadMode::Open { rate } => Some(rate),
                LoadMode::Closed => None,
            },
            wait: match cfg.wait {
                Wait::Spin => "spin".into(),
                Wait::Block => "block".into(),
            },
            sessions: cfg.sessions,
            threads,
            outstanding: cfg.outstanding,
            cross_every: cfg.cross_every,
            symbol: cfg.symbol.clone(),
            qty: cfg.qty.to_string(),
            price: cfg.price.to_string(),
            seconds: secs,
            orders_per_sec: rate(counts.orders_answered),
            msgs_in_per_sec: rate(counts.msgs_in),
            msgs_out_per_sec: rate(counts.msgs_out),
            counts,
            latency_us,
            distribution,
            errors,
        }
    }

    /// A few lines for a terminal.
    pub fn text(&self) -> String {
        let c = &self.counts;
        let l = &self.latency_us;
        let mut s = format!(
            "{} {} {}: {} session(s) on {} thread(s), {} outstanding{}, cross every {}, {} {} @ {}\n",
            self.target,
            self.addr,
            self.mode,
            self.sessions,
            self.threads,
            self.outstanding,
            self.rate.map(|r| format!(", offered {r:.0} orders/s")).unwrap_or_default(),
            self.cross_every,
            self.symbol,
            self.qty,
            self.price,
        );
        s += &format!(
            "  orders   {} sent, {} answered, {} unanswered (+{} warm-up) in {:.3} s\n",
            c.orders_sent, c.orders_answered, c.unanswered, c.warmup_orders, self.seconds
        );
        s += &format!(
            "  rate     {:.0} orders/s; messages {:.0}/s in, {:.0}/s out\n",
            self.orders_per_sec, self.msgs_in_per_sec, self.msgs_out_per_sec
        );
        s += &format!(
            "  reports  new {}, fill {}, canceled {}, rejected {}, other {}; cxl-rej {}, biz-rej {}, session-rej {}; first ER {} bytes\n",
            c.er_new, c.er_fill, c.er_canceled, c.er_rejected, c.er_other, c.cancel_rejects, c.business_rejects, c.session_rejects, c.first_er_bytes
        );
        s += &format!(
            "  latency  µs: p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}  (min {:.1}, mean {:.1}, n={})\n",
            l.p50, l.p90, l.p99, l.p999, l.max, l.min, l.mean, l.count
        );
        for e in &self.errors {
            s += &format!("  error    {e}\n");
        }
        s
    }
}

/// The venue next to the loopback floor of the same load.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub floor: Summary,
    pub venue: Summary,
    /// Venue minus floor, µs.
    pub added_us: Latency,
}

impl Comparison {
    pub fn new(floor: Summary, venue: Summary) -> Comparison {
        let (f, v) = (&floor.latency_us, &venue.latency_us);
        let added_us = Latency {
            count: v.count,
            min: v.min - f.min,
            mean: v.mean - f.mean,
            p50: v.p50 - f.p50,
            p90: v.p90 - f.p90,
            p99: v.p99 - f.p99,
            p999: v.p999 - f.p999,
            max: v.max - f.max,
        };
        Comparison {
            floor,
            venue,
            added_us,
        }
    }

    pub fn text(&self) -> String {
        let (f, v, d) = (
            &self.floor.latency_us,
            &self.venue.latency_us,
            &self.added_us,
        );
        let mut s = String::from(
            "latency µs      p50       p90       p99     p99.9       max    orders/s\n",
        );
        let line = |name: &str, l: &Latency, r: f64| {
            format!(
                "{name:<10} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>11.0}\n",
                l.p50, l.p90, l.p99, l.p999, l.max, r
            )
        };
        s += &line("floor", f, self.floor.orders_per_sec);
        s += &line("venue", v, self.venue.orders_per_sec);
        s += &format!(
            "{:<10} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
            "added", d.p50, d.p90, d.p99, d.p999, d.max
        );
        s += &format!(
            "venue adds {:.1} µs at p50 and {:.1} µs at p99 over the loopback floor\n",
            d.p50, d.p99
        );
        s
    }
}

/// Makes a TrueType font available to the plot: `FIXLOAD_FONT`, then the
/// usual DejaVu/Liberation/Arial locations.
fn load_font() -> Result<(), String> {
    use std::sync::OnceLock;
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut paths: Vec<String> = std::env::var("FIXLOAD_FONT").into_iter().collect();
        paths.extend(
            [
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/TTF/DejaVuSans.ttf",
                "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
                "/Library/Fonts/Arial.ttf",
                "/System/Library/Fonts/Supplemental/Arial.ttf",
                "C:\\Windows\\Fonts\\arial.ttf",
            ]
            .map(String::from),
        );
        for p in &paths {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font(
                    "sans-serif",
                    plotters::style::FontStyle::Normal,
                    bytes,
                )
                .is_ok()
                {
                    return Ok(());
                }
            }
        }
        Err(
            "no TrueType font found for the plot's text (set FIXLOAD_FONT=/path/to/font.ttf)"
                .into(),
        )
    })
    .clone()
}

fn pct_label(x: f64) -> String {
    // x = -log10(1 - q)
    match x.round() as i32 {
        0 => "0%".into(),
        1 => "90%".into(),
        2 => "99%".into(),
        3 => "99.9%".into(),
        4 => "99.99%".into(),
        5 => "99.999%".into(),
        _ => String::new(),
    }
}

/// Writes a percentile-distribution plot (log latency against percentile on
/// a "nines" axis) of one or more runs to a PNG file.
pub fn plot(path: &std::path::Path, title: &str, runs: &[(&str, &Summary)]) -> Result<(), String> {
    use plotters::prelude::*;
    load_font()?;
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let x_of = |p: f64| -(1.0 - p / 100.0).max(1e-5).log10();
    let mut lo = f64::MAX;
    let mut hi: f64 = 1.0;
    let mut xmax: f64 = 1.0;
    for (_, s) in runs {
        let n = s.latency_us.count.max(1) as f64;
        for &(p, v) in &s.distribution {
            // Points past the 1/n quantile repeat the maximum; stop there.
            if p / 100.0 > 1.0 - 1.0 / n {
                break;
            }
            lo = lo.min(v.max(0.1));
            hi = hi.max(v);
            xmax = xmax.max(x_of(p));
        }
        hi = hi.max(s.latency_us.max);
    }
    if lo == f64::MAX {
        lo = 0.1;
    }
    let xmax = xmax.ceil().clamp(1.0, 5.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..xmax, (lo * 0.8..hi * 1.25).log_scale())
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (µs)")
        .x_labels(xmax as usize + 1)
        .x_label_formatter(&|x| pct_label(*x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|x| e(&x))?;
    let colors = [RED, BLUE, GREEN, MAGENTA, CYAN, BLACK];
    for (k, (name, s)) in runs.iter().enumerate() {
        let color = colors[k % colors.len()];
        let n = s.latency_us.count.max(1) as f64;
        let mut pts: Vec<(f64, f64)> = s
            .distribution
            .iter()
            .take_while(|(p, _)| p / 100.0 <= 1.0 - 1.0 / n)
            .map(|&(p, v)| (x_of(p), v.max(lo)))
            .collect();
        pts.push((x_of(100.0 * (1.0 - 1.0 / n)).min(xmax), s.latency_us.max));
        let l = &s.latency_us;
        let label = format!(
            "{name}: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            l.p50, l.p99, l.max
        );
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}
