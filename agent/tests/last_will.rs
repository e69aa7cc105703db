//! The last will: when a device vanishes without saying goodbye, the broker publishes its
//! retained `Offline` status, so the hub and the console see it go dark.

use std::time::{Duration, Instant};

use aula_agent::Agent;
use aula_protocol::{DeviceStatus, Envelope, Topic, decode};

use crate::support::{Proxy, Sub, broker, config, topics, wait_until_async};

fn state(payload: &[u8]) -> DeviceStatus {
    let env: Envelope<DeviceStatus> = decode(payload).unwrap();
    env.body
}

/// Guards: a connection that goes silent (cable pulled, process frozen) is declared dead by
/// the broker after 1.5× keepalive, and the retained status becomes `Offline`.
///
/// Measured finding: Mosquitto 2.0.x scans keepalives only every 5 s (`keepalive__check`:
/// `last_keepalive_check + 5`), in whole seconds, so the will comes 1.5× keepalive plus up to
/// ~6 s late on that broker (5.4–5.9 s here with keepalive 2 s). The agent cannot shorten
/// this; the bound below allows for the scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connection_gets_offline_within_one_and_a_half_keepalives() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let proxy = Proxy::start(broker.port).await;
    let mut cfg = config(dir.path(), "kiosk-9", proxy.port);
    cfg.keepalive_s = 2;
    let status = topics().topic(&Topic::DeviceStatus(cfg.device.clone()));
    let mut sub = Sub::start(broker.port, "test-sub-will", false, &status).await;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    let m = sub.next_on(&status, Duration::from_secs(5)).await.expect("online");
    assert!(matches!(state(&m.payload), DeviceStatus::Online { .. }));
    wait_until_async("connected", Duration::from_secs(5), async || agent.is_connected()).await;

    proxy.freeze();
    let t0 = Instant::now();
    let m = sub.next_on(&status, Duration::from_secs(10)).await.expect("offline");
    let took = t0.elapsed();
    assert_eq!(state(&m.payload), DeviceStatus::Offline);
    eprintln!("last will after {took:?} (keepalive 2 s)");
    // 1.5 × keepalive, plus the broker's 5 s scan and whole-second clock.
    assert!(took >= Duration::from_millis(1000), "dead before 1.5 × keepalive? {took:?}");
    assert!(took <= Duration::from_millis(3000 + 5000 + 1000), "took {took:?}");

    // A new subscriber sees it retained.
    let mut late = Sub::start(broker.port, "test-sub-will-late", false, &status).await;
    let m = late.next_on(&status, Duration::from_secs(5)).await.expect("retained");
    assert!(m.retain);
    assert_eq!(state(&m.payload), DeviceStatus::Offline);
    drop(agent);
}

/// Guards: a process that dies (here: every handle dropped, the TCP connection closed
/// without DISCONNECT) gets `Offline` at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_session_gets_offline() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let cfg = config(dir.path(), "kiosk-8", broker.port);
    let status = topics().topic(&Topic::DeviceStatus(cfg.device.clone()));
    let mut sub = Sub::start(broker.port, "test-sub-kill", false, &status).await;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    sub.next_on(&status, Duration::from_secs(5)).await.expect("online");
    let t0 = Instant::now();
    drop(agent);
    let m = sub.next_on(&status, Duration::from_secs(5)).await.expect("offline");
    assert_eq!(state(&m.payload), DeviceStatus::Offline);
    assert!(t0.elapsed() < Duration::from_secs(3));
}
