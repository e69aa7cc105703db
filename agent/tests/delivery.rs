//! The outbox's promise: every accepted event reaches the broker, across broker outages and
//! process restarts. Duplicates are allowed (the hub stores once per envelope id); losses
//! are not.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aula_agent::Agent;
use aula_protocol::{BoxId, DeviceEvent, DeviceId, Envelope, MessageId, Topic, decode};

use crate::support::{Proxy, Sub, broker, config, topics, wait_until_async};

fn lid(i: usize) -> DeviceEvent {
    DeviceEvent::Lid { box_id: BoxId::new("lobby").unwrap(), open: i.is_multiple_of(2) }
}

/// Collects event ids from `sub` until all of `want` arrived; returns (count per id).
async fn collect(sub: &mut Sub, topic: &str, want: &HashSet<MessageId>, within: Duration) -> HashMap<MessageId, u32> {
    let mut seen: HashMap<MessageId, u32> = HashMap::new();
    let deadline = tokio::time::Instant::now() + within;
    while !want.iter().all(|id| seen.contains_key(id)) {
        match tokio::time::timeout_at(deadline, sub.rx.recv()).await {
            Ok(Some(m)) if m.topic == topic => {
                let env: Envelope<DeviceEvent> = decode(&m.payload).expect("agent publishes valid events");
                *seen.entry(env.id).or_default() += 1;
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    seen
}

/// Outage length; the workspace integration tests run the full 30 s scenario.
fn outage() -> Duration {
    let s: f64 = std::env::var("AULA_OUTAGE_S").ok().and_then(|v| v.parse().ok()).unwrap_or(3.0);
    Duration::from_secs_f64(s)
}

/// Guards: no event is lost when the broker disappears mid-stream (rows in flight, rows
/// enqueued during the outage, rows enqueued during the catch-up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_events_survive_a_broker_outage() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = broker(true);
    let cfg = config(dir.path(), "dropbox-1", broker.port);
    let topic = topics().topic(&Topic::DeviceEvent(cfg.device.clone()));
    let mut sub = Sub::start(broker.port, "test-sub-outage", true, &topics().all_filter()).await;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    wait_until_async("connected", Duration::from_secs(5), async || agent.is_connected()).await;

    let t0 = Instant::now();
    let mut sent = HashSet::new();
    let mut order = Vec::new();
    for i in 0..300 {
        let id = agent.send_event(lid(i)).await.unwrap();
        sent.insert(id);
        order.push(id);
    }
    // Stop while rows are still in flight.
    broker.stop();
    wait_until_async("disconnect noticed", Duration::from_secs(5), async || !agent.is_connected()).await;
    let stop_at = Instant::now();
    for i in 300..700 {
        let id = agent.send_event(lid(i)).await.unwrap();
        sent.insert(id);
        order.push(id);
    }
    let rest = outage().saturating_sub(stop_at.elapsed());
    tokio::time::sleep(rest).await;
    broker.restart();
    let down = stop_at.elapsed();
    for i in 700..1000 {
        let id = agent.send_event(lid(i)).await.unwrap();
        sent.insert(id);
        order.push(id);
    }
    let seen = collect(&mut sub, &topic, &sent, Duration::from_secs(20)).await;
    let lost = sent.iter().filter(|id| !seen.contains_key(id)).count();
    let lost_at: Vec<usize> =
        order.iter().enumerate().filter(|(_, id)| !seen.contains_key(id)).map(|(i, _)| i).collect();
    if let (Some(a), Some(b)) = (lost_at.first(), lost_at.last()) {
        eprintln!(
            "lost event indexes {a}..={b} ({} of them); subscriber connacks (session present) {:?}",
            lost_at.len(),
            sub.connacks.lock().unwrap()
        );
    }
    let dups: u32 = seen.values().map(|n| n - 1).sum();
    eprintln!(
        "outage test: sent {} received {} lost {lost} duplicates {dups} broker down {:.1}s total {:.1}s",
        sent.len(),
        seen.len(),
        down.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(sub.connacks.lock().unwrap().last(), Some(&true), "fixture: the broker lost the subscriber's session");
    assert_eq!(
        lost,
        0,
        "events lost; agent: pending {} connected {} {:?}",
        agent.outbox_pending(),
        agent.is_connected(),
        agent.stats()
    );
    wait_until_async("outbox drained", Duration::from_secs(10), async || agent.outbox_pending() == 0).await;
    assert!(agent.stats().connects >= 2);
}

/// Guards: rows committed while the broker was unreachable are sent by the next process
/// that opens the same outbox file (the first one was "killed": dropped without shutdown).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_survives_a_process_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = broker(false);
    broker.stop(); // the port stays ours; nobody listens yet
    let cfg = config(dir.path(), "dropbox-2", broker.port);
    let topic = topics().topic(&Topic::DeviceEvent(cfg.device.clone()));
    let mut sent = HashSet::new();
    {
        let (agent, _events) = Agent::start(cfg.clone(), "test").await.unwrap();
        for i in 0..200 {
            sent.insert(agent.send_event(lid(i)).await.unwrap());
        }
        assert_eq!(agent.outbox_pending(), 200);
        assert!(!agent.is_connected());
        // Dropped here: the session task ends without any cleanup, like a kill.
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    broker.restart();
    let mut sub = Sub::start(broker.port, "test-sub-restart", false, &topics().all_filter()).await;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    assert_eq!(agent.outbox_pending(), 200);
    let seen = collect(&mut sub, &topic, &sent, Duration::from_secs(20)).await;
    assert_eq!(sent.iter().filter(|id| !seen.contains_key(id)).count(), 0, "events lost");
    wait_until_async("outbox drained", Duration::from_secs(10), async || agent.outbox_pending() == 0).await;
    agent.shutdown().await;
}

/// Guards: `DeviceId` in the topic is this device's, and a clean shutdown leaves `Offline`
/// retained (not the last will: a DISCONNECT discards the will).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_shutdown_publishes_offline() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let cfg = config(dir.path(), "dropbox-3", broker.port);
    let status = topics().topic(&Topic::DeviceStatus(DeviceId::new("dropbox-3").unwrap()));
    let mut sub = Sub::start(broker.port, "test-sub-shutdown", false, &status).await;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    let online = sub.next_on(&status, Duration::from_secs(5)).await.expect("online");
    assert!(String::from_utf8_lossy(&online.payload).contains("\"online\""));
    agent.shutdown().await;
    let offline = sub.next_on(&status, Duration::from_secs(5)).await.expect("offline");
    assert!(String::from_utf8_lossy(&offline.payload).contains("\"offline\""));
}

/// Guards: rows in flight on a connection that silently died (published, never
/// acknowledged, the bytes lost on the way) are sent again on the next connection, even
/// though the broker kept the session; none is deleted without its PUBACK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_in_flight_on_a_dead_connection_are_resent() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let proxy = Proxy::start(broker.port).await;
    let mut cfg = config(dir.path(), "dropbox-4", proxy.port);
    cfg.keepalive_s = 1;
    let topic = topics().topic(&Topic::DeviceEvent(cfg.device.clone()));
    let mut sub = Sub::start(broker.port, "test-sub-inflight", false, &topics().all_filter()).await;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    wait_until_async("connected", Duration::from_secs(5), async || agent.is_connected()).await;
    let mut sent = HashSet::new();
    for i in 0..50 {
        sent.insert(agent.send_event(lid(i)).await.unwrap());
    }
    wait_until_async("first rows acknowledged", Duration::from_secs(5), async || agent.outbox_pending() == 0).await;
    proxy.freeze();
    for i in 50..250 {
        sent.insert(agent.send_event(lid(i)).await.unwrap());
    }
    wait_until_async("dead connection noticed", Duration::from_secs(10), async || !agent.is_connected()).await;
    assert_eq!(agent.outbox_pending(), 200, "nothing may be deleted without a PUBACK");
    proxy.thaw();
    let seen = collect(&mut sub, &topic, &sent, Duration::from_secs(20)).await;
    let lost = sent.iter().filter(|id| !seen.contains_key(id)).count();
    let dups: u32 = seen.values().map(|n| n - 1).sum();
    eprintln!("in-flight test: sent {} lost {lost} duplicates {dups}", sent.len());
    assert_eq!(lost, 0);
    wait_until_async("outbox drained", Duration::from_secs(10), async || agent.outbox_pending() == 0).await;
}
