//! `kiosk-bench`: the kiosk's three figures beside their targets.
//!
//! 1. Tap → ticket bytes handed to the printer, including the hub round trip through a real
//!    local Mosquitto with a responder acting as the hub (p50/p95/p99 over N taps). The tap is
//!    a real click on "Get my number" found by accessible label in the Slint UI.
//! 2. RSS of this process (the whole kiosk: Slint with the software renderer, MQTT client,
//!    printer thread) after rendering every frame of the run.
//! 3. Start to first frame: `aula-kiosk --headless-first-frame` spawned several times, from
//!    spawn until it reports the rendered frame.
//! 4. Feedback terminal: tap on "Ready" → the visit committed to aula-agent's SQLite outbox
//!    (the click returns only after the commit), over N visits on a feedback-mode kiosk
//!    connected to the same Mosquitto.
//!
//! Run: `cargo bench -p aula-kiosk --bench kiosk-bench -- [--taps 300]` (release; needs
//! `mosquitto` on PATH; cargo builds the `aula-kiosk` binary for figure 3).

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aula_kiosk::KioskWindow;
use aula_kiosk::config::KioskConfig;
use aula_testkit::Mosquitto;
use clap::Parser;
use hubsim::{Responder, example_state};
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

#[path = "../tests/hubsim.rs"]
mod hubsim;

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

    let broker = Mosquitto::start();
    let tmp = tempfile::tempdir()?;
    let config_text = include_str!("../../config/kiosk-1.toml")
        .replace("mqtt://localhost:1884", &broker.url())
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
    let kiosk = aula_kiosk::run::build(&cfg, window, Some(Arc::new(|| {})), Some(hook), Box::new(|_| {}))?;
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

    let commit = feedback_commits(&tmp, &broker, args.taps.min(200))?;

    let exe = PathBuf::from(env!("CARGO_BIN_EXE_aula-kiosk"));
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
    if !commit.is_empty() {
        let cp = |p: f64| {
            commit[((commit.len() as f64 * p).ceil() as usize).clamp(1, commit.len()) - 1].as_secs_f64() * 1000.0
        };
        row("feedback: tap Ready -> answer committed to outbox, p50", cp(0.50), "ms", 50.0);
        row("feedback: tap Ready -> answer committed to outbox, p99", cp(0.99), "ms", 50.0);
    }
    if let Some(median) = starts.get(starts.len() / 2) {
        row("start -> first frame, headless software (median)", *median, "ms", 1000.0);
        row("start -> first frame, headless software (worst)", *starts.last().unwrap(), "ms", 1000.0);
    } else {
        println!("start -> first frame: build the aula-kiosk binary next to kiosk-bench to measure");
    }
    Ok(())
}

/// A feedback-mode kiosk on the real outbox: N visits of two taps (a smiley, then Ready),
/// timing the Ready click, which returns after the SQLite commit. The survey flow runs on a
/// hand-moved clock so the per-device rate limit (which would allow 6 visits a minute) does
/// not turn the benchmark into a wait; the commit itself is real.
fn feedback_commits(tmp: &tempfile::TempDir, broker: &Mosquitto, visits: usize) -> anyhow::Result<Vec<Duration>> {
    use aula_kiosk::survey_app::{SurveyInbox, SurveyKiosk, SurveySite};
    let text = include_str!("../../config/feedback-1.toml")
        .replace("mqtt://localhost:1884", &broker.url())
        .replace("var/feedback-1", &tmp.path().join("feedback").display().to_string());
    let cfg = KioskConfig::from_toml_str(&text, std::path::Path::new("feedback-1.toml"))?;
    let settings = cfg.survey.clone().ok_or_else(|| anyhow::anyhow!("no [survey]"))?;
    let def = aula_kiosk::survey::parse_surveys(
        include_str!("../tests/surveys.toml"),
        std::path::Path::new("kiosk/tests/surveys.toml"),
    )?
    .into_iter()
    .find(|d| d.id.as_str() == "exit")
    .ok_or_else(|| anyhow::anyhow!("no exit survey"))?;
    let (inbox, rx) = SurveyInbox::new(Arc::new(|| {}));
    let link = aula_kiosk::agent_hub::AgentFeedback::start(&cfg, inbox, Box::new(|_| {}))?;
    let clock = aula_kiosk::app::ManualClock::new(chrono::Utc::now());
    let site = SurveySite {
        site_name: cfg.site_name.clone(),
        languages: cfg.languages.clone(),
        survey: settings.id.clone(),
        active: settings.active,
        idle: settings.idle,
        always_visible: settings.always_visible,
    };
    let window = KioskWindow::new()?;
    window.window().set_size(slint::PhysicalSize::new(800, 480));
    let kiosk = SurveyKiosk::new(window, settings.flow, def, site, Box::new(link), rx, Box::new(clock.clone()));
    kiosk.window().show()?;
    let find = |label: &str| {
        ElementHandle::find_by_accessible_label(kiosk.window(), label)
            .next()
            .ok_or_else(|| anyhow::anyhow!("no {label:?} button"))
    };
    let mut lat = Vec::with_capacity(visits);
    for _ in 0..visits {
        // Past the rate limit's minute and the cool-down: a visitor every 12 s.
        // The thank-you ends on a tick; the next visitor taps a second later (a tap in the
        // same instant as the redraw would be a bounce). Slint's mocked clock moves too, so two
        // taps are never taken for a double click.
        clock.advance(Duration::from_secs(10));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(10));
        kiosk.tick();
        clock.advance(Duration::from_secs(1));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
        kiosk.window().window().take_snapshot()?;
        find("Tyytyväinen")?.mock_single_click(PointerEventButton::Left);
        anyhow::ensure!(
            kiosk.flow().view().answered,
            "the smiley tap was not taken (stage {:?}, {} refused)",
            kiosk.flow().stage(),
            kiosk.flow().taps_rejected_total()
        );
        clock.advance(Duration::from_secs(1));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
        kiosk.window().window().take_snapshot()?;
        let before = kiosk.flow().committed_total();
        let ready = find("Valmis")?;
        let t0 = Instant::now();
        ready.mock_single_click(PointerEventButton::Left);
        lat.push(t0.elapsed());
        anyhow::ensure!(kiosk.flow().committed_total() == before + 1, "the visit was not committed");
        anyhow::ensure!(kiosk.pending() == 0, "a commit failed");
    }
    lat.sort();
    Ok(lat)
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
