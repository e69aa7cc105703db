//! `signage-bench`: measures the wall against its targets and prints a table.
//!
//! - call made at the hub → number drawn on the wall, through a private Mosquitto: p50/p99;
//! - the wall's memory (RSS);
//! - CPU when idle (nothing published for 10 s; clock, language rotation and broker
//!   keep-alives and the device link's health report still run), from `/proc/self/stat`.
//!
//! The wall is fed through `AgentFeed` (the shared device runtime), as in production.
//!
//! The wall runs headless on Slint's software renderer (what a Pi without a GPU uses) in a
//! hand-written event loop that renders only when something changed, exactly like the real
//! backends do. Calls are published every 100 ms with shortened flash timings so each call is
//! drawn at once instead of queueing behind the previous one's ten-second emphasis: the
//! measured path (broker → decode → state → adapter → frame) is the production one.
//!
//! Run: `cargo bench -p aula-signage --bench signage-bench` (release; needs `mosquitto`).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aula_agent::AgentConfig;
use aula_protocol::{CallKind, DeviceId, DeviceKind, Envelope, Lang, SiteId, Topic, Topics};
use aula_signage::agent_feed::AgentFeed;
use aula_signage::config::{Mode, Orientation};
use aula_signage::ui::{SignageUi, system_clock};
use aula_signage::wall::{Input, Timing, WallState};
use aula_signage::{WallAdapter, fixture};
use slint::ComponentHandle;
use slint::platform::software_renderer::{MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};

const CALLS: usize = 200;
const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

struct Headless(Rc<MinimalSoftwareWindow>);

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.0.clone())
    }
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start at ")".
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();

    let broker = aula_testkit::Mosquitto::start();
    let result = run(broker.port);
    drop(broker);
    result
}

fn run(port: u16) -> anyhow::Result<()> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
    slint::platform::set_platform(Box::new(Headless(window.clone()))).map_err(|e| anyhow::anyhow!("{e}"))?;
    window.set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));

    let timing = Timing {
        flash_on: chrono::Duration::milliseconds(20),
        flash_off: chrono::Duration::milliseconds(10),
        emphasis: chrono::Duration::milliseconds(60),
        ..Timing::default()
    };
    let langs = vec![Lang::fi(), Lang::sv(), Lang::en()];
    let state = WallState::new(timing, langs, chrono_tz::Europe::Helsinki, chrono::Utc::now());
    let ui = SignageUi::new(&Mode::Wall(Orientation::Landscape), state, system_clock())?;
    ui.show()?;
    let adapter = ui.wall().expect("wall").global::<WallAdapter>();

    let site = SiteId::new("bench")?;
    // A fresh outbox per run, as on a wall's first start.
    let state_dir = std::env::temp_dir().join(format!("signage-bench-{}", std::process::id()));
    let link = AgentConfig::new(
        site.clone(),
        DeviceId::new("wall-bench")?,
        DeviceKind::Signage,
        "127.0.0.1",
        port,
        state_dir.join("outbox.sqlite"),
    );
    let (tx, rx) = std::sync::mpsc::channel::<Input>();
    AgentFeed::new(link, Duration::from_secs(30)).spawn(move |i| tx.send(i).is_ok());

    // The hub: a plain client publishing the state, then calls, recording when each was sent.
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let publishing_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let sent = sent.clone();
        let done = publishing_done.clone();
        std::thread::spawn(move || {
            let topics = Topics::new(site);
            let (client, mut conn) =
                rumqttc::Client::new(rumqttc::MqttOptions::new("bench-hub", "127.0.0.1", port), 64);
            std::thread::spawn(move || for _ in conn.iter() {});
            let publish = |t: Topic, payload: Vec<u8>| {
                client.publish(topics.topic(&t), rumqttc::QoS::AtLeastOnce, t.retained(), payload).expect("publish");
            };
            publish(Topic::QueueState, Envelope::new(fixture::state(1)).encode());
            std::thread::sleep(Duration::from_secs(1));
            for i in 0..CALLS {
                let number = format!("K{:03}", 100 + i);
                let mut call = fixture::call(&number, "3", "kela", chrono::Duration::zero(), CallKind::Call);
                call.called_at = chrono::Utc::now();
                let payload = Envelope::new(call).encode();
                sent.lock().unwrap().insert(number, Instant::now());
                publish(Topic::QueueCall, payload);
                std::thread::sleep(Duration::from_millis(100));
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }

    let mut buffer = vec![PremultipliedRgbaColor::default(); (WIDTH * HEIGHT) as usize];
    let mut latencies = Vec::<Duration>::new();
    let mut frames = 0u64;
    let mut idle: Option<(Instant, u64, u64)> = None;
    let idle_len = Duration::from_secs(10);
    loop {
        slint::platform::update_timers_and_animations();
        let drew = window.draw_if_needed(|r| {
            r.render(&mut buffer, WIDTH as usize);
        });
        if drew {
            frames += 1;
            if adapter.get_has_current() {
                let number = adapter.get_current().number.to_string();
                if let Some(t0) = sent.lock().unwrap().remove(&number) {
                    latencies.push(t0.elapsed());
                }
            }
        }
        if idle.is_none() && publishing_done.load(std::sync::atomic::Ordering::SeqCst) {
            // Let the last call settle, then start the idle window.
            std::thread::sleep(Duration::from_millis(500));
            idle = Some((Instant::now(), cpu_ticks(), frames));
        }
        if let Some((start, _, _)) = idle
            && start.elapsed() >= idle_len
        {
            break;
        }
        let wait = if window.has_active_animations() {
            Duration::from_millis(16)
        } else {
            slint::platform::duration_until_next_timer_update()
                .unwrap_or(Duration::from_secs(1))
                .min(Duration::from_secs(1))
        };
        match rx.recv_timeout(wait) {
            Ok(input) => {
                ui.handle(input);
                while let Ok(more) = rx.try_recv() {
                    ui.handle(more);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let (start, ticks0, frames0) = idle.expect("idle phase ran");
    let secs = start.elapsed().as_secs_f64();
    // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common platform.
    let idle_cpu = (cpu_ticks() - ticks0) as f64 / 100.0 / secs * 100.0;
    let idle_frames = frames - frames0;

    latencies.sort();
    let pct = |p: f64| {
        latencies.get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or_default()
    };
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let rss = status_kb("VmRSS:") as f64 / 1024.0;
    let hwm = status_kb("VmHWM:") as f64 / 1024.0;
    let build = if cfg!(debug_assertions) { "debug" } else { "release" };
    println!("aula-signage bench ({build} build, {WIDTH}×{HEIGHT} wall, software renderer, Mosquitto on localhost)");
    println!("{:<46} {:>12}   target", "measure", "value");
    println!("{:<46} {:>12}   all", format!("calls drawn / published"), format!("{}/{}", latencies.len(), CALLS));
    println!("{:<46} {:>12}   ", "call at hub → number drawn, p50", ms(pct(0.50)));
    println!("{:<46} {:>12}   < 100 ms", "call at hub → number drawn, p99", ms(pct(0.99)));
    println!("{:<46} {:>12}   ", "call at hub → number drawn, max", ms(pct(1.0)));
    println!("{:<46} {:>12}   < 80 MB", "wall memory RSS (now / peak)", format!("{rss:.1}/{hwm:.1} MB"));
    println!(
        "{:<46} {:>12}   < 2 % of one core",
        format!("CPU when idle ({secs:.0} s, {idle_frames} frames drawn)"),
        format!("{idle_cpu:.2} %")
    );
    let _ = std::fs::remove_dir_all(&state_dir);
    Ok(())
}
