//! Outbox and session figures, printed as a table. Run in release:
//! `cargo bench -p aula-agent --bench outbox` (needs `mosquitto` on PATH).
//!
//! - durable enqueue rate: `Agent::send_event`, each call committed with fsync before return;
//! - publish → PUBACK drain rate: a backlog of rows (as after a long outage) sent through a
//!   private local Mosquitto, each deleted on its PUBACK;
//! - resident memory of this process after the drain (agent + runtime + SQLite cache).

use std::time::{Duration, Instant};

use aula_agent::{Agent, AgentConfig, Outbox};
use aula_protocol::{BoxId, DeviceEvent, DeviceId, DeviceKind, Envelope, MessageId, SiteId, Topic, Topics};

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn lid() -> DeviceEvent {
    DeviceEvent::Lid { box_id: BoxId::new("lobby").unwrap(), open: true }
}

#[tokio::main]
async fn main() {
    let n_enqueue: usize = std::env::var("BENCH_ENQUEUE").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let n_backlog: usize = std::env::var("BENCH_BACKLOG").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let broker = aula_testkit::Mosquitto::start();
    let port = broker.port;
    let site = SiteId::new("bench").unwrap();
    let rss_start = rss_kb();

    // 1. Durable enqueue, broker up (the sender drains concurrently, as in real use).
    let mut cfg = AgentConfig::new(
        site.clone(),
        DeviceId::new("bench-1").unwrap(),
        DeviceKind::Agent,
        "127.0.0.1",
        port,
        dir.path().join("enqueue.sqlite"),
    );
    cfg.health_interval_s = 0;
    let (agent, _ev) = Agent::start(cfg, "bench").await.unwrap();
    while !agent.is_connected() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t0 = Instant::now();
    for _ in 0..n_enqueue {
        agent.send_event(lid()).await.unwrap();
    }
    let enqueue_s = t0.elapsed().as_secs_f64();
    while agent.outbox_pending() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    agent.shutdown().await;

    // 2. Backlog drain: rows written while "offline" (one transaction, not the timed part).
    let path = dir.path().join("backlog.sqlite");
    drop(Outbox::open(&path).unwrap());
    {
        let topics = Topics::new(site.clone());
        let topic = topics.topic(&Topic::DeviceEvent(DeviceId::new("bench-2").unwrap()));
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for _ in 0..n_backlog {
            let env = Envelope::new(lid());
            tx.execute(
                "INSERT INTO outbox (id, topic, payload, retain, created_at) VALUES (?1, ?2, ?3, 0, '')",
                rusqlite::params![MessageId::new().to_string(), topic, env.encode()],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let mut cfg = AgentConfig::new(site, DeviceId::new("bench-2").unwrap(), DeviceKind::Agent, "127.0.0.1", port, path);
    cfg.health_interval_s = 0;
    let t0 = Instant::now();
    let (agent, _ev) = Agent::start(cfg, "bench").await.unwrap();
    assert_eq!(agent.outbox_pending(), n_backlog as u64);
    let mut peak_rss = rss_kb();
    while agent.outbox_pending() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        peak_rss = peak_rss.max(rss_kb());
    }
    let drain_s = t0.elapsed().as_secs_f64();
    let rss_end = rss_kb();
    agent.shutdown().await;
    drop(broker);

    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| durable enqueue (send_event, fsync per row, {n_enqueue} rows) | {:.0} rows/s ({:.2} ms/row) |",
        n_enqueue as f64 / enqueue_s,
        enqueue_s * 1000.0 / n_enqueue as f64
    );
    println!(
        "| backlog drain publish→PUBACK→delete ({n_backlog} rows, local Mosquitto) | {:.0} rows/s ({:.2} s) |",
        n_backlog as f64 / drain_s,
        drain_s
    );
    println!("| RSS at start (runtime only) | {:.1} MB |", rss_start as f64 / 1024.0);
    println!("| RSS peak during drain | {:.1} MB |", peak_rss as f64 / 1024.0);
    println!("| RSS after drain | {:.1} MB |", rss_end as f64 / 1024.0);
}
