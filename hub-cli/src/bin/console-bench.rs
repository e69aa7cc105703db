//! `console-bench`: the staff console under a lobby's load, printed beside the targets. The
//! hub runs as a child process (`aula-hub serve`, next to this binary) on a private
//! Mosquitto, so its memory is its own. Build both in release first:
//! `cargo build --release -p aula-hub-cli && target/release/console-bench`.
//!
//! What a page does is what `console.js` does: a signed-in staff member's page holds the
//! live feed (`/events`, server-sent events) open and, when an event names its area, fetches
//! the page again. So "a page updated" here = the event arrived and the page was fetched.
//!
//! Measured (50 signed-in staff with live pages, 20 counter actions a second):
//! - click → queue state published (the action's HTTP answer, then the retained state on
//!   MQTT with the change), p50 / p99 (target p99 < 150 ms);
//! - click → every other open page updated, p50 / p99 (target p99 < 150 ms);
//! - help request from a kiosk → visible on the advisors' pages, p99 (target < 500 ms);
//! - the hub's RSS with 50 live pages;
//! - login time (Argon2id, 19 MiB, 2 passes, 1 lane), p50 / p99.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aula_hub::staff::{Role, Staff, StaffConfig};
use aula_protocol::{Envelope, Lang, Needs, QueueState, Request, RequestKind, ServiceId, SiteId, Topic, Topics};
use clap::Parser;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use support::{Killed, free_port, wait_port};

#[derive(Debug, Parser)]
#[command(about = "Benchmark the staff console with live pages")]
struct Args {
    /// Signed-in staff with a live page open.
    #[arg(long, default_value_t = 50)]
    pages: usize,
    /// Counter actions a second.
    #[arg(long, default_value_t = 20)]
    rate: u32,
    /// Seconds of load.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Help requests sent during the run.
    #[arg(long, default_value_t = 20)]
    helps: usize,
}

const PASSWORD: &str = "bench password 2026";

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.to_owned()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Signs in with the login form; returns the session cookie and the time it took.
async fn login(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<(String, Duration)> {
    let t = Instant::now();
    let r = http
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={}", PASSWORD.replace(' ', "+")))
        .send()
        .await?;
    let took = t.elapsed();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("aula_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .context("no session cookie")?;
    Ok((cookie, took))
}

/// One live page: holds the feed open; on an event for its area, fetches the page and
/// reports (event id, when the page was there).
async fn page(
    http: reqwest::Client,
    base: String,
    cookie: String,
    path: &'static str,
    area: &'static str,
    seen: Arc<Mutex<Vec<(String, Instant)>>>,
) {
    let Ok(mut r) = http.get(format!("{base}/events")).header("cookie", format!("aula_session={cookie}")).send().await
    else {
        return;
    };
    let mut buf = String::new();
    while let Ok(Some(chunk)) = r.chunk().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let ev: String = buf.drain(..end + 2).collect();
            let data = ev.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or("");
            if data != area {
                continue;
            }
            let page =
                http.get(format!("{base}{path}")).header("cookie", format!("aula_session={cookie}")).send().await;
            if let Ok(p) = page
                && let Ok(body) = p.text().await
            {
                seen.lock().unwrap().push((body, Instant::now()));
            }
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let (_broker, mqtt_port) = support::mosquitto(dir.path(), "max_queued_messages 100000\n")?;
    std::fs::write(dir.path().join("site.toml"), aula_hub::testsite::SITE_TOML)?;
    let http_port = free_port();
    std::fs::write(
        dir.path().join("hub.toml"),
        format!(
            "[hub]\nsite = \"site.toml\"\ndb = \"aula.db\"\nhttp = \"127.0.0.1:{http_port}\"\nclient_id = \"console-bench\"\n\
             [broker]\nurl = \"mqtt://127.0.0.1:{mqtt_port}\"\n"
        ),
    )?;
    // Staff and a counter token, made in the hub's database before it starts.
    let n_counter = args.pages / 2;
    let token = {
        let config = aula_hub::config::HubConfig::load(&dir.path().join("hub.toml"))?;
        let store = aula_hub::store::Store::open(&config.devices_db())?;
        let staff = Staff::new(Arc::new(store), StaffConfig::default())?;
        let now = chrono::Utc::now();
        for i in 0..args.pages {
            let role = if i < n_counter { Role::Counter { authority: "vero".into() } } else { Role::Advisor };
            staff.add_account(&format!("s{i}"), &role, "fi", PASSWORD, now)?;
        }
        staff.add_token("bench-counter", &Role::Counter { authority: "vero".into() }, now)?
    };
    let exe = std::env::current_exe()?.with_file_name("aula-hub");
    let hub = Killed(
        std::process::Command::new(&exe)
            .args(["serve", "--config"])
            .arg(dir.path().join("hub.toml"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("starting {} (cargo build --release -p aula-hub-cli)", exe.display()))?,
    );
    wait_port(http_port)?;
    let base = format!("http://127.0.0.1:{http_port}");
    let http = reqwest::Client::builder().pool_max_idle_per_host(200).build()?;

    // Sign everyone in (one at a time: the login time alone).
    let mut cookies = Vec::new();
    let mut logins = Vec::new();
    for i in 0..args.pages {
        let (c, took) = login(&http, &base, &format!("s{i}")).await?;
        cookies.push(c);
        logins.push(took.as_secs_f64() * 1000.0);
    }

    // A kiosk and a wall on MQTT.
    let topics = Topics::new(SiteId::new("test")?);
    let mut o = MqttOptions::new("bench-wall", "127.0.0.1", mqtt_port);
    o.set_keep_alive(Duration::from_secs(10)).set_max_packet_size(1 << 20, 1 << 20);
    let (wall, mut wall_loop) = AsyncClient::new(o, 1000);
    wall.subscribe(topics.topic(&Topic::QueueState), QoS::AtLeastOnce).await?;
    let states: Arc<Mutex<Vec<(QueueState, Instant)>>> = Arc::default();
    {
        let states = states.clone();
        tokio::spawn(async move {
            loop {
                match wall_loop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        if let Ok(env) = aula_protocol::decode::<QueueState>(&p.payload) {
                            states.lock().unwrap().push((env.body, Instant::now()));
                        }
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
    }
    let kiosk_id = aula_protocol::DeviceId::new("kiosk-bench")?;
    let mut o = MqttOptions::new("bench-kiosk", "127.0.0.1", mqtt_port);
    o.set_keep_alive(Duration::from_secs(10));
    let (kiosk, mut kiosk_loop) = AsyncClient::new(o, 1000);
    tokio::spawn(async move {
        loop {
            if kiosk_loop.poll().await.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let request = |kind: RequestKind| Envelope::new(Request { device: kiosk_id.clone(), lang: Lang::fi(), kind });
    // Enough numbers for every call of the run.
    let total_calls = (args.rate as u64 * args.seconds) as usize;
    for _ in 0..total_calls + 10 {
        let req = request(RequestKind::IssueTicket {
            service: ServiceId::new("vero")?,
            needs: Needs::default(),
            offline: None,
        });
        kiosk
            .publish(
                topics.topic(&Topic::HubRequest(aula_protocol::Verb::IssueTicket)),
                QoS::AtLeastOnce,
                false,
                req.encode(),
            )
            .await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The live pages: counter experts on counter 1's page (queue), advisors on the lobby.
    let mut seen = Vec::new();
    for (i, cookie) in cookies.iter().enumerate() {
        let s = Arc::new(Mutex::new(Vec::new()));
        let (path, area) = if i < n_counter { ("/counter/1", "queue") } else { ("/lobby", "help") };
        tokio::spawn(page(http.clone(), base.clone(), cookie.clone(), path, area, s.clone()));
        seen.push((area, s));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = rss_kb(hub.0.id());

    // The load: call next / start / finish at counter 1 by token, `rate` a second; help
    // requests now and then.
    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let mut actions: Vec<(Instant, Duration, String)> = Vec::new();
    let mut helps: Vec<(Instant, String)> = Vec::new();
    let start = Instant::now();
    let mut step = 0usize;
    let mut rss_peak = rss_idle;
    while start.elapsed() < Duration::from_secs(args.seconds) {
        let what = ["call-next", "start", "finish"][step % 3];
        let t0 = Instant::now();
        let r = http
            .post(format!("{base}/api/counters/1/{what}"))
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await?;
        let answered = t0.elapsed();
        let body = r.text().await.unwrap_or_default();
        if what == "call-next" {
            let number = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["number"].as_str().map(str::to_owned))
                .unwrap_or_default();
            actions.push((t0, answered, number));
        }
        if step % (3 * args.rate as usize * args.seconds as usize / args.helps.max(1)).max(1) == 0 {
            let req = request(RequestKind::Help);
            let id = req.id.to_string();
            helps.push((Instant::now(), id));
            kiosk
                .publish(
                    topics.topic(&Topic::HubRequest(aula_protocol::Verb::Help)),
                    QoS::AtLeastOnce,
                    false,
                    req.encode(),
                )
                .await?;
        }
        step += 1;
        rss_peak = rss_peak.max(rss_kb(hub.0.id()));
        let next = start + period * step as u32;
        tokio::time::sleep(next.saturating_duration_since(Instant::now())).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // click → state published (the first state with the called number at counter 1).
    let states = states.lock().unwrap().clone();
    let mut published = Vec::new();
    for (t0, _, number) in &actions {
        if let Some((_, at)) = states.iter().find(|(qs, at)| {
            at >= t0
                && qs
                    .counters
                    .iter()
                    .any(|c| c.id.as_str() == "1" && c.current.as_ref().is_some_and(|n| n.to_string() == *number))
        }) {
            published.push(at.duration_since(*t0).as_secs_f64() * 1000.0);
        }
    }
    // click → every other open page updated (a counter page fetched with the number on it).
    let mut updated = Vec::new();
    let mut missing_pages = 0usize;
    for (t0, _, number) in &actions {
        for (area, s) in &seen {
            if *area != "queue" {
                continue;
            }
            let s = s.lock().unwrap();
            match s.iter().find(|(body, at)| at >= t0 && body.contains(number.as_str())) {
                Some((_, at)) => updated.push(at.duration_since(*t0).as_secs_f64() * 1000.0),
                None => missing_pages += 1,
            }
        }
    }
    // help → visible on the advisors' pages.
    let open_help = {
        let mut m: HashMap<&str, Instant> = HashMap::new();
        for (t0, id) in &helps {
            m.insert(id, *t0);
        }
        m
    };
    let mut help_seen = Vec::new();
    for (t0, _) in &helps {
        for (area, s) in &seen {
            if *area != "help" {
                continue;
            }
            let s = s.lock().unwrap();
            // The n-th help request: the first page fetch at or after it.
            if let Some((_, at)) = s.iter().find(|(_, at)| at >= t0) {
                help_seen.push(at.duration_since(*t0).as_secs_f64() * 1000.0);
            }
        }
    }
    let _ = open_help;
    if actions.is_empty() {
        bail!("no counter actions were made");
    }
    let answered: Vec<f64> = actions.iter().map(|(_, a, _)| a.as_secs_f64() * 1000.0).collect();
    let (mut published, mut updated, mut help_seen, mut logins, mut answered) =
        (published, updated, help_seen, logins, answered);

    println!(
        "console-bench: {} live pages ({} counter, {} lobby), {} counter actions/s for {} s, {} help requests",
        args.pages,
        n_counter,
        args.pages - n_counter,
        args.rate,
        args.seconds,
        helps.len()
    );
    println!("| figure | p50 | p99 | target |");
    println!("|---|---|---|---|");
    println!(
        "| counter action answered (HTTP) | {:.1} ms | {:.1} ms | |",
        pct(&mut answered, 0.5),
        pct(&mut answered, 0.99)
    );
    println!(
        "| click → queue state published ({} of {} calls seen) | {:.1} ms | {:.1} ms | p99 < 150 ms |",
        published.len(),
        actions.len(),
        pct(&mut published, 0.5),
        pct(&mut published, 0.99)
    );
    println!(
        "| click → every other open page updated ({} updates, {missing_pages} missing) | {:.1} ms | {:.1} ms | p99 < 150 ms |",
        updated.len(),
        pct(&mut updated, 0.5),
        pct(&mut updated, 0.99)
    );
    println!(
        "| help request → on the advisors' pages ({} seen) | {:.1} ms | {:.1} ms | p99 < 500 ms |",
        help_seen.len(),
        pct(&mut help_seen, 0.5),
        pct(&mut help_seen, 0.99)
    );
    println!(
        "| login (Argon2id m=19 MiB, t=2, p=1) | {:.0} ms | {:.0} ms | |",
        pct(&mut logins, 0.5),
        pct(&mut logins, 0.99)
    );
    println!(
        "| hub RSS, {} live pages: idle / peak under load | {:.1} MB / {:.1} MB | | |",
        args.pages,
        rss_idle as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    Ok(())
}
