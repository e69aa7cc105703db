//! The device link over TLS, configured in the one `[agent]` dialect every device binary
//! reads: a broker that requires TLS (the test CA) and a username/password, and one that
//! requires a client certificate whose CN is the device id (mutual TLS, the ACL's `%u`).
//! Protects: `mqtts://` works in every build (no feature to forget), credentials and
//! certificates are used, and a device without them is refused instead of silently sending
//! in plain text.

use std::time::Duration;

use aula_agent::{Agent, AgentConfig};
use aula_protocol::{DeviceEvent, DeviceKind, DeviceStatus, Topic, decode};
use aula_testkit::{Mosquitto, Pki};

use crate::support::{Sub, topics, wait_until_async};

fn device_file(broker: &Mosquitto, device: &str, dir: &std::path::Path, tls: &str) -> String {
    format!(
        "[agent]\nsite = \"testsite\"\ndevice = \"{device}\"\n{}state_dir = \"{}\"\nhealth_interval_s = 0\n\
         reconnect_max_ms = 500\n{tls}",
        broker.agent_keys(),
        dir.join(device).display()
    )
}

/// Guards: TLS verified against the site's CA plus a password: the device connects and its
/// event reaches the hub's side; the same device with a wrong password never connects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_a_password_from_the_device_file() {
    let pki = Pki::new();
    let broker = Mosquitto::builder().tls(&pki).user("kiosk-1", "s3cret").start();
    assert!(broker.url().starts_with("mqtts://"));
    let dir = tempfile::tempdir().unwrap();
    let text = device_file(&broker, "kiosk-1", dir.path(), &broker.agent_tls(None));
    let cfg = AgentConfig::from_toml_str(&text, "kiosk-1.toml", DeviceKind::Kiosk).unwrap();
    assert!(cfg.broker.tls && cfg.broker.password.is_some());

    let t = topics();
    let me = cfg.device.clone();
    let events = t.topic(&Topic::DeviceEvent(me.clone()));
    let mut sub = Sub::with_options(broker.options("test-hub"), false, &events).await;
    let (agent, _ev) = Agent::start(cfg.clone(), "test").await.unwrap();
    wait_until_async("connected over TLS", Duration::from_secs(10), async || agent.is_connected()).await;
    agent.send_event(DeviceEvent::HelpButton).await.unwrap();
    let m = sub.next_on(&events, Duration::from_secs(5)).await.expect("the event over TLS");
    assert_eq!(decode::<DeviceEvent>(&m.payload).unwrap().body, DeviceEvent::HelpButton);

    let mut wrong = cfg.clone();
    wrong.device = aula_protocol::DeviceId::new("kiosk-2").unwrap();
    wrong.outbox_path = dir.path().join("kiosk-2.sqlite");
    wrong.broker.password = Some("guess".into());
    let (refused, _ev2) = Agent::start(wrong, "test").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!refused.is_connected() && refused.stats().connects == 0, "a wrong password must be refused");
    assert!(agent.is_connected(), "the good device stays connected");
}

/// Guards: mutual TLS: the device shows its certificate (CN = device id, the broker's user
/// name for the ACL); its retained Online status says what kind it is. Without a
/// certificate the broker refuses the device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_with_the_device_certificate() {
    let pki = Pki::new();
    let acl = "pattern readwrite aula/v1/testsite/device/%u/#\npattern read aula/v1/testsite/#\n\
               pattern write aula/v1/testsite/hub/request/#\n\nuser test-observer\ntopic readwrite #\n";
    let broker = Mosquitto::builder().require_certificate(&pki).acl(acl).start();
    let dir = tempfile::tempdir().unwrap();
    let cert = pki.client("wall-1");
    let text = device_file(&broker, "wall-1", dir.path(), &broker.agent_tls(Some(&cert)));
    let cfg = AgentConfig::from_toml_str(&text, "wall-1.toml", DeviceKind::Signage).unwrap();

    let t = topics();
    let status = t.topic(&Topic::DeviceStatus(cfg.device.clone()));
    let mut sub = Sub::with_options(broker.options("test-hub"), false, &status).await;
    let (agent, _ev) = Agent::start(cfg, "test").await.unwrap();
    let m = sub.next_on(&status, Duration::from_secs(10)).await.expect("online over mutual TLS");
    assert!(
        matches!(
            decode::<DeviceStatus>(&m.payload).unwrap().body,
            DeviceStatus::Online { kind: DeviceKind::Signage, .. }
        ),
        "{:?}",
        String::from_utf8_lossy(&m.payload)
    );
    assert!(agent.is_connected());

    let text = device_file(&broker, "wall-2", dir.path(), &broker.agent_tls(None));
    let cfg = AgentConfig::from_toml_str(&text, "wall-2.toml", DeviceKind::Signage).unwrap();
    let (refused, _ev2) = Agent::start(cfg, "test").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(refused.stats().connects, 0, "no client certificate, no connection");
}
