//! `hub-bench`: measures the hub through a real, private Mosquitto on loopback and prints a
//! table beside the targets. The hub runs as a child process (`aula-hub serve`, found next
//! to this binary) so its memory can be read from /proc. Build both in release first:
//! `cargo build --release -p aula-hub-cli && target/release/hub-bench`.
//!
//! Measured:
//! - issue-a-ticket round trip device → hub → device, sequential, p50/p99 (target p99 < 10 ms);
//! - raw Mosquitto QoS-1 publish → subscribe throughput (the ceiling of this machine);
//! - hub ingest of device events, each committed (WAL, synchronous=FULL) before its ack,
//!   with the ratio to raw Mosquitto (target ≥ 2,000 msg/s);
//! - the hub's peak RSS during that load (target < 50 MB).

mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aula_engine::{Engine, SiteConfig};
use aula_protocol::{CounterId, MessageId};
use aula_protocol::{
    DeviceEvent, DeviceId, Envelope, Lang, Needs, Reply, Request, RequestKind, ServiceId, SiteId, Topic, Topics,
};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use clap::Parser;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use support::{Killed, free_port, wait_port};
use tokio::sync::mpsc;

#[derive(Debug, Parser)]
#[command(about = "Benchmark the hub through a private Mosquitto")]
struct Args {
    /// Sequential issue-ticket round trips to time.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Device events for the ingest and raw-broker runs.
    #[arg(long, default_value_t = 20000)]
    events: usize,
    /// Concurrent publishing devices.
    #[arg(long, default_value_t = 4)]
    publishers: usize,
    /// Mosquitto's max_inflight_messages (the hub's batch size is bounded by it).
    #[arg(long, default_value_t = 100)]
    inflight: usize,
    /// Events in the log for the restart measurement (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    replay_events: u64,
    /// Site file for the restart and simulated-day runs.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/site.toml"))]
    site: PathBuf,
    /// Simulated busy days for the wait-estimate accuracy (0 skips it).
    #[arg(long, default_value_t = 3)]
    days: u64,
}

fn local(site: &SiteConfig, date: NaiveDate, h: u32) -> DateTime<Utc> {
    aula_engine::hours::local_to_utc(site.time_zone, date, NaiveTime::from_hms_opt(h, 0, 0).unwrap())
}

/// Fills `db` with about `events` events through the engine (issue, call, start, finish over
/// as many days as it takes), like the engine's own bench.
fn build_log(db: &std::path::Path, site: &SiteConfig, events: u64) -> anyhow::Result<u64> {
    let mut e = Engine::open(db, site.clone())?;
    let pairs: Vec<(ServiceId, CounterId)> = site
        .counters
        .iter()
        .filter_map(|c| {
            c.services.iter().find(|s| site.service(s).is_some_and(|x| x.walk_in)).map(|s| (s.clone(), c.id.clone()))
        })
        .collect();
    anyhow::ensure!(!pairs.is_empty(), "no counter serves a walk-in service");
    let mut date = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let mut now = local(site, date, 10);
    let mut i = 0usize;
    let mut misses = 0;
    while e.state().events < events {
        e.batch(|e| {
            for _ in 0..2_000 {
                let (s, c) = &pairs[i % pairs.len()];
                i += 1;
                match e.issue_ticket(MessageId::new(), s, Needs::default(), now) {
                    Ok(_) => {
                        misses = 0;
                        if e.call_next(c, &[], now).is_ok() {
                            let _ = e.start(c, now + TimeDelta::seconds(20));
                            let _ = e.finish(c, now + TimeDelta::seconds(60));
                        }
                        now += TimeDelta::seconds(5);
                    }
                    Err(_) => {
                        misses += 1;
                        if misses >= pairs.len() {
                            date = date.succ_opt().unwrap();
                            now = local(site, date, 10);
                            e.tick(now);
                            misses = 0;
                        }
                    }
                }
            }
        })?;
    }
    Ok(e.state().events)
}

fn rss_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// A connected client and its incoming publishes.
async fn client(port: u16, id: &str, subscribe: &[String]) -> (AsyncClient, mpsc::UnboundedReceiver<rumqttc::Publish>) {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(30)).set_inflight(100).set_max_packet_size(1 << 20, 1 << 20);
    let (c, mut ev) = AsyncClient::new(o, 1000);
    ev.set_network_options(aula_hub::mqtt::network_options());
    let (tx, rx) = mpsc::unbounded_channel();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let want = subscribe.len();
    tokio::spawn(async move {
        let mut subacks = 0;
        if want == 0 {
            let _ = ready_tx.send(());
        }
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send(p);
                }
                Ok(Event::Incoming(Packet::ConnAck(_))) if want == 0 => {}
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    subacks += 1;
                    if subacks == want {
                        let _ = ready_tx.send(());
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    for s in subscribe {
        c.subscribe(s.clone(), QoS::AtLeastOnce).await.unwrap();
    }
    let _ = ready_rx.recv().await;
    (c, rx)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let hub_bin: PathBuf = std::env::current_exe()?.with_file_name("aula-hub");
    if !hub_bin.exists() {
        bail!("{} not found: build it first (cargo build --release -p aula-hub)", hub_bin.display());
    }

    // Private Mosquitto.
    let (_mosquitto, mport) = support::mosquitto(
        dir.path(),
        &format!("max_queued_messages 1000000\nmax_inflight_messages {}\n", args.inflight),
    )?;

    // Hub child.
    std::fs::write(dir.path().join("site.toml"), aula_hub::testsite::SITE_TOML)?;
    let hport = free_port();
    std::fs::write(
        dir.path().join("hub.toml"),
        format!(
            "[hub]\nsite = \"site.toml\"\ndb = \"aula.db\"\nhttp = \"127.0.0.1:{hport}\"\n[broker]\nurl = \"mqtt://127.0.0.1:{mport}\"\n"
        ),
    )?;
    let hub = Killed(
        Command::new(&hub_bin)
            .args(["serve", "--config"])
            .arg(dir.path().join("hub.toml"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting aula-hub")?,
    );
    let hub_pid = hub.0.id();
    wait_port(hport)?;
    let api = aula_web::client::HubClient::new(&format!("http://127.0.0.1:{hport}"));
    let topics = Topics::new(SiteId::new("test")?);
    tokio::time::sleep(Duration::from_millis(300)).await; // hub subscribed
    let rss_idle = rss_kb(hub_pid).unwrap_or(0);

    // 1. Round trips.
    let device = DeviceId::new("bench-kiosk")?;
    let (kiosk, mut replies) = client(mport, "bench-kiosk", &[topics.topic(&Topic::DeviceReply(device.clone()))]).await;
    let req_topic = topics.topic(&Topic::HubRequest(aula_protocol::Verb::IssueTicket));
    let services = ["vero", "kela", "poliisi"];
    let mut lat = Vec::with_capacity(args.requests);
    for i in 0..args.requests + 50 {
        let req = Envelope::new(Request {
            device: device.clone(),
            lang: Lang::fi(),
            kind: RequestKind::IssueTicket {
                service: ServiceId::new(services[i % 3])?,
                needs: Needs::default(),
                offline: None,
            },
        });
        let t = Instant::now();
        kiosk.publish(req_topic.clone(), QoS::AtLeastOnce, false, req.encode()).await?;
        loop {
            let p = tokio::time::timeout(Duration::from_secs(5), replies.recv())
                .await
                .context("reply timeout")?
                .context("closed")?;
            let r = aula_protocol::decode::<Reply>(&p.payload)?;
            if r.body.request_id == req.id {
                break;
            }
        }
        if i >= 50 {
            lat.push(t.elapsed());
        }
    }
    lat.sort();
    let (p50, p99) = (pct(&lat, 0.50), pct(&lat, 0.99));

    // 2. Raw broker throughput: publishers → one QoS-1 subscriber.
    let sample = Envelope::new(DeviceEvent::TapsRejected { count: 12 }).encode();
    let raw_topic = "bench/raw".to_string();
    let (_sub, mut raw_rx) = client(mport, "bench-raw-sub", std::slice::from_ref(&raw_topic)).await;
    let per = args.events / args.publishers;
    let total = per * args.publishers;
    let mut pubs = Vec::new();
    for k in 0..args.publishers {
        pubs.push(client(mport, &format!("bench-raw-pub-{k}"), &[]).await.0);
    }
    let t = Instant::now();
    for p in pubs.clone() {
        let topic = raw_topic.clone();
        let payload = sample.clone();
        tokio::spawn(async move {
            for _ in 0..per {
                let _ = p.publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone()).await;
            }
        });
    }
    for _ in 0..total {
        tokio::time::timeout(Duration::from_secs(30), raw_rx.recv()).await.context("raw subscriber stalled")?;
    }
    let raw_rate = total as f64 / t.elapsed().as_secs_f64();

    // 3. Hub ingest of device events (each stored and committed before its ack).
    let before = api.stats().await?.device_messages;
    let mut devs = Vec::new();
    for k in 0..args.publishers {
        let id = DeviceId::new(format!("bench-dev-{k}"))?;
        devs.push((client(mport, &format!("bench-dev-{k}"), &[]).await.0, topics.topic(&Topic::DeviceEvent(id))));
    }
    let t = Instant::now();
    for (c, topic) in devs {
        tokio::spawn(async move {
            for i in 0..per {
                let e = Envelope::new(DeviceEvent::TapsRejected { count: i as u32 }).encode();
                let _ = c.publish(topic.clone(), QoS::AtLeastOnce, false, e).await;
            }
        });
    }
    let mut rss_peak = rss_kb(hub_pid).unwrap_or(0);
    loop {
        let s = api.stats().await?;
        rss_peak = rss_peak.max(rss_kb(hub_pid).unwrap_or(0));
        if s.device_messages - before >= total as u64 {
            break;
        }
        if t.elapsed() > Duration::from_secs(120) {
            bail!("hub stored {} of {total} events in 120 s", s.device_messages - before);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hub_rate = total as f64 / t.elapsed().as_secs_f64();
    let stats = api.stats().await?;
    drop(hub);

    // 4. Restart on a big log: from process start to answering the API (replay included).
    let mut restart = None;
    if args.replay_events > 0 {
        let site = SiteConfig::load(&args.site)?;
        let rdir = tempfile::tempdir()?;
        let db = rdir.path().join("big.db");
        let events = build_log(&db, &site, args.replay_events)?;
        drop(Engine::open(&db, site.clone())?); // checkpoint the WAL: time a normal start
        let port = free_port();
        std::fs::write(
            rdir.path().join("hub.toml"),
            format!(
                "[hub]\nsite = \"{}\"\ndb = \"big.db\"\nhttp = \"127.0.0.1:{port}\"\nclient_id = \"aula-hub-restart\"\n[broker]\nurl = \"mqtt://127.0.0.1:{mport}\"\n",
                args.site.canonicalize()?.display()
            ),
        )?;
        let t = Instant::now();
        let child = Killed(
            Command::new(&hub_bin)
                .args(["serve", "--config"])
                .arg(rdir.path().join("hub.toml"))
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()?,
        );
        let api = aula_web::client::HubClient::new(&format!("http://127.0.0.1:{port}"));
        loop {
            if api.stats().await.is_ok_and(|s| s.mqtt_ready) {
                break;
            }
            anyhow::ensure!(t.elapsed() < Duration::from_secs(60), "hub did not come up on the big log");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        restart = Some((events, t.elapsed(), rss_kb(child.0.id()).unwrap_or(0)));
    }

    // 5. Wait-estimate accuracy on simulated busy days (the engine's simulator).
    let mut sims = Vec::new();
    if args.days > 0 {
        let site = SiteConfig::load(&args.site)?;
        for seed in 0..args.days {
            sims.push(aula_engine::sim::simulate_day(&site, seed + 1, 1500));
        }
    }
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);

    println!(
        "hub-bench: {} round trips, {total} events from {} devices, Mosquitto max_inflight_messages {}",
        args.requests, args.publishers, args.inflight
    );
    println!("| measure | result | target |");
    println!("|---|---|---|");
    println!("| issue-ticket round trip p50 | {} | |", ms(p50));
    println!("| issue-ticket round trip p99 | {} | < 10 ms |", ms(p99));
    println!("| raw Mosquitto QoS-1 pub→sub | {raw_rate:.0} msg/s | (ceiling) |");
    println!("| hub ingest, durable (commit before ack) | {hub_rate:.0} msg/s | ≥ 2,000 msg/s |");
    println!("| hub / raw ratio | {:.2} | |", hub_rate / raw_rate);
    println!("| mean batch (messages per commit) | {:.1} | |", stats.received as f64 / stats.batches.max(1) as f64);
    println!(
        "| hub RSS idle / peak under load | {:.1} / {:.1} MB | < 50 MB |",
        rss_idle as f64 / 1024.0,
        rss_peak as f64 / 1024.0
    );
    if let Some((events, d, rss)) = restart {
        println!(
            "| hub start on a {events}-event log → serving | {:.2} s (RSS {:.1} MB) | replay < 2 s |",
            d.as_secs_f64(),
            rss as f64 / 1024.0
        );
    }
    for (i, r) in sims.iter().enumerate() {
        println!(
            "| simulated day {} ({} tickets): real wait inside shown range / within ±3 min | {:.0} % / {:.0} % (mean |error| {:.1} min) | |",
            i + 1,
            r.tickets,
            r.share_inside() * 100.0,
            r.share_within_3() * 100.0,
            r.mean_abs_error_min
        );
    }
    Ok(())
}
