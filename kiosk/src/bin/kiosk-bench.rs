//! `kiosk-bench`: the kiosk's three figures beside their targets.
//!
//! 1. Tap → ticket bytes handed to the printer, including the hub round trip through a real
//!    local Mosquitto with a responder acting as the hub (p50/p95/p99 over N taps). The tap is
//!    a real click on "Get my number" found by accessible label in the Slint UI.
//! 2. RSS of this process (the whole kiosk: Slint with the software renderer, MQTT client,
//!    printer thread) after rendering every frame of the run.
//! 3. Start to first frame: `aula-kiosk --headless-first-frame` spawned several times, from
//!    spawn until it reports the rendered frame.
//!
//! Run: `cargo run --release -p aula-kiosk --bin kiosk-bench -- [--taps 300]` (needs
//! `mosquitto` on PATH; build `aula-kiosk` first for figure 3).

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aula_kiosk::KioskWindow;
use aula_kiosk::config::KioskConfig;
use aula_kiosk::testkit::{Mosquitto, Responder, example_state};
use clap::Parser;
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 300)]
    taps: usize,
    #[arg(long, default_value_t = 5)]
    starts: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    slint::platform::set_platform(Box::new(i_slint_backend_testing::TestingBackend::new(
        i_slint_backend_testing::TestingBackendOptions {
            // Slint's own clock is mocked because mock clicks advance it; the kiosk's flow and
            // every figure here use the real monotonic clock.
            mock_time: true,
            threading: false,
            renderer_name: Some("software".into()),
        },
    )))
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    let broker = Mosquitto::start()?;
    let tmp = tempfile::tempdir()?;
    let config_text = include_str!("../../../config/kiosk-1.toml")
        .replace("localhost:1884", &format!("127.0.0.1:{}", broker.port))
        .replace("var/kiosk-1", &tmp.path().join("state").display().to_string())
        .replace("var/tickets", &tmp.path().join("tickets").display().to_string());
    let config_path = tmp.path().join("kiosk.toml");
    std::fs::write(&config_path, &config_text)?;
    let cfg = KioskConfig::from_file(&config_path)?;
    let _responder = Responder::start(broker.port, &cfg.site, example_state(chrono::Utc::now()));

    // Stop the clock when the ESC/POS bytes reach the printer sink.
    let handed: Arc<Mutex<Option<Instant>>> = Arc::default();
    let h2 = handed.clone();
    let hook: aula_kiosk::printing::BytesHook = Arc::new(move |_, _| *h2.lock().unwrap() = Some(Instant::now()));
    let window = KioskWindow::new()?;
    window.window().set_size(slint::PhysicalSize::new(800, 480));
    let kiosk = aula_kiosk::run::build(&cfg, window, Some(Arc::new(|| {})), Some(hook))?;
    kiosk.window().show()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while kiosk.flow().queue().is_none() {
        anyhow::ensure!(Instant::now() < deadline, "no queue state from the responder");
        kiosk.pump_wait(Duration::from_millis(50));
    }

    let adapter = kiosk.window().global::<aula_kiosk::KioskAdapter>();
    let mut lat = Vec::with_capacity(args.taps);
    for _ in 0..args.taps {
        adapter.invoke_home();
        adapter.invoke_take_number();
        adapter.invoke_choose_service("vero".into());
        kiosk.window().window().take_snapshot()?; // draw the needs screen, as the panel would
        let button = ElementHandle::find_by_accessible_label(kiosk.window(), "Hae numero")
            .next()
            .ok_or_else(|| anyhow::anyhow!("no 'Get my number' button"))?;
        *handed.lock().unwrap() = None;
        let t0 = Instant::now();
        button.mock_single_click(PointerEventButton::Left);
        let t1 = loop {
            if let Some(t) = *handed.lock().unwrap() {
                break t;
            }
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(5), "no ticket printed");
            kiosk.pump_wait(Duration::from_millis(5));
        };
        lat.push(t1 - t0);
        // Let the print result arrive and draw the ticket screen.
        while kiosk.pump_wait(Duration::from_millis(20)) > 0 {}
        kiosk.window().window().take_snapshot()?;
        // Past the debounce window, as a real next customer would be.
        std::thread::sleep(Duration::from_millis(1));
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1].as_secs_f64() * 1000.0;
    let rss_mb = rss_kb() as f64 / 1024.0;

    let exe = std::env::current_exe()?.with_file_name("aula-kiosk");
    let mut starts = Vec::new();
    if exe.exists() {
        for _ in 0..args.starts {
            starts.push(first_frame(&exe, &config_path)?);
        }
        starts.sort_by(|a, b| a.total_cmp(b));
    }
    drop(broker);

    println!("aula-kiosk benchmark ({} taps, {} starts)", lat.len(), starts.len());
    println!("{:<58} {:>12} {:>10} {:>5}", "figure", "measured", "target", "ok");
    let row = |name: &str, v: f64, unit: &str, target: f64| {
        println!(
            "{name:<58} {:>9.2} {unit:<2} {:>7} {unit:<2} {:>5}",
            v,
            target,
            if v < target { "yes" } else { "NO" }
        );
    };
    row("tap -> ticket bytes to printer, incl. Mosquitto RT, p50", pct(0.50), "ms", 50.0);
    row("tap -> ticket bytes to printer, incl. Mosquitto RT, p95", pct(0.95), "ms", 50.0);
    row("tap -> ticket bytes to printer, incl. Mosquitto RT, p99", pct(0.99), "ms", 50.0);
    row("kiosk RSS, software renderer 800x480 (after the run)", rss_mb, "MB", 80.0);
    if let Some(median) = starts.get(starts.len() / 2) {
        row("start -> first frame, headless software (median)", *median, "ms", 1000.0);
        row("start -> first frame, headless software (worst)", *starts.last().unwrap(), "ms", 1000.0);
    } else {
        println!("start -> first frame: build the aula-kiosk binary next to kiosk-bench to measure");
    }
    Ok(())
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Spawns the kiosk binary and times spawn → its "first-frame" line.
fn first_frame(exe: &PathBuf, config: &PathBuf) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let mut child = std::process::Command::new(exe)
        .arg("--config")
        .arg(config)
        .arg("--headless-first-frame")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let elapsed = t0.elapsed().as_secs_f64() * 1000.0;
    let _ = child.wait();
    anyhow::ensure!(line.starts_with("first-frame"), "unexpected output {line:?}");
    Ok(elapsed)
}
