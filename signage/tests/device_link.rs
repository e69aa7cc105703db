//! A queue wall is a device like every other, on a real Mosquitto: it publishes a retained
//! `Online` status with kind `signage` and health reports, the broker publishes its `Offline`
//! last will when the connection dies without a goodbye, and hub commands get an answer
//! (restart exits with `EXIT_RESTART`, a broken config is refused and the wall keeps running,
//! commands that do not apply say so). Also the one device-link dialect over TLS: a wall
//! whose file names an `mqtts://` broker with a password, or with its own client certificate.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use aula_agent::EXIT_RESTART;
use aula_protocol::{Command, DeviceEvent, DeviceKind, DeviceStatus, Topic, decode};
use aula_signage::agent_feed::AgentFeed;
use aula_signage::wall::Input;
use rumqttc::{Client, Event, MqttOptions, Packet, Publish, QoS};

use crate::common::{Broker, Hub, topics};

/// A plain subscriber collecting every publish on `filter`.
struct Sub {
    rx: mpsc::Receiver<Publish>,
    _client: Client,
}

impl Sub {
    fn start(port: u16, id: &str, filter: &str) -> Self {
        Self::with_options(MqttOptions::new(id, "127.0.0.1", port), filter)
    }

    /// Any broker: options from `Mosquitto::options` carry its TLS and credentials.
    fn with_options(opts: MqttOptions, filter: &str) -> Self {
        let (client, mut connection) = Client::new(opts, 64);
        client.subscribe(filter, QoS::AtLeastOnce).unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for ev in connection.iter() {
                match ev {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        if tx.send(p).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
        Self { rx, _client: client }
    }

    /// The next publish on `topic` within `secs`.
    fn next_on(&self, topic: &str, secs: u64) -> Option<Publish> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(p) if p.topic == topic => return Some(p),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
}

fn status(p: &Publish) -> DeviceStatus {
    decode::<DeviceStatus>(&p.payload).unwrap().body
}

fn event(p: &Publish) -> DeviceEvent {
    decode::<DeviceEvent>(&p.payload).unwrap().body
}

#[test]
fn a_wall_reports_online_as_signage_and_its_last_will_says_offline() {
    let broker = Broker::start();
    let mut link = broker.link();
    // Low keepalive and a fast health period so the test sees both quickly.
    link.keepalive_s = 1;
    link.health_interval_s = 1;
    let t = topics();
    let status_topic = t.topic(&Topic::DeviceStatus(link.device.clone()));
    let health_topic = t.topic(&Topic::DeviceHealth(link.device.clone()));
    let sub = Sub::start(broker.port, "test-sub-wall", &status_topic);
    let health = Sub::start(broker.port, "test-sub-health", &health_topic);

    let (tx, rx) = mpsc::channel();
    let feed = AgentFeed::new(link.clone(), Duration::from_secs(30)).spawn(move |i| tx.send(i).is_ok());
    let online = sub.next_on(&status_topic, 10).expect("the wall says it is online");
    assert!(matches!(status(&online), DeviceStatus::Online { kind: DeviceKind::Signage, .. }), "{:?}", status(&online));
    // The connection is a sign of life for the staleness logic.
    assert!(matches!(rx.recv_timeout(Duration::from_secs(5)), Ok(Input::Link)));
    // Retained: a console that starts later still sees the wall.
    let late = Sub::start(broker.port, "test-sub-late", &status_topic);
    let m = late.next_on(&status_topic, 5).expect("retained status");
    assert!(m.retain && matches!(status(&m), DeviceStatus::Online { .. }));
    assert!(health.next_on(&health_topic, 5).is_some(), "health report within 5 s at a 1 s period");

    // The wall's connection dies without a DISCONNECT: the broker publishes the last will.
    let t0 = Instant::now();
    feed.abort();
    let m = sub.next_on(&status_topic, 10).expect("the broker publishes the last will");
    assert_eq!(status(&m), DeviceStatus::Offline, "after {:?}", t0.elapsed());
    let late = Sub::start(broker.port, "test-sub-late-2", &status_topic);
    let m = late.next_on(&status_topic, 5).expect("retained offline");
    assert!(m.retain);
    assert_eq!(status(&m), DeviceStatus::Offline);
}

#[test]
fn hub_commands_are_answered_and_restart_exits_with_75() {
    let broker = Broker::start();
    let link = broker.link();
    let t = topics();
    let events_topic = t.topic(&Topic::DeviceEvent(link.device.clone()));
    let status_topic = t.topic(&Topic::DeviceStatus(link.device.clone()));
    let events = Sub::start(broker.port, "test-sub-events", &events_topic);
    let statuses = Sub::start(broker.port, "test-sub-status", &status_topic);

    // The file a reload would apply is broken: the wall must refuse and keep running.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wall-test.toml");
    std::fs::write(&file, "[agent]\nsite = \"lahti\"\ndevice = \"wall-test\"\nbroker = \"mqtt://127.0.0.1:1883\"\n\n[signage]\nrotate_s = 0\n").unwrap();
    let (exit_tx, exit_rx) = mpsc::channel();
    let feed = AgentFeed::new(link.clone(), Duration::from_secs(30))
        .with_config_file(file.clone())
        .on_exit(move |code| exit_tx.send(code).unwrap())
        .spawn(|_| true);
    statuses.next_on(&status_topic, 10).expect("online");

    let hub = Hub::connect(broker.port);
    let cmd = |c: Command| hub.publish(Topic::DeviceCmd(link.device.clone()), c);
    let result = || match event(&events.next_on(&events_topic, 10).expect("a command result")) {
        DeviceEvent::CommandResult { command, ok, detail } => (command, ok, detail),
        other => panic!("{other:?}"),
    };

    cmd(Command::ReloadConfig);
    let (name, ok, detail) = result();
    assert_eq!((name.as_str(), ok), ("reload_config", false));
    assert!(detail.contains("signage.rotate_s") && detail.contains("kept"), "{detail}");

    cmd(Command::TestPrint);
    let (name, ok, detail) = result();
    assert_eq!((name.as_str(), ok), ("test_print", false));
    assert!(detail.starts_with("not applicable"), "{detail}");
    assert!(exit_rx.try_recv().is_err() && !feed.is_finished(), "still running after refusals");

    // Fixed file: a reload now restarts the wall (exit 75), after reporting it and saying
    // goodbye with a clean Offline.
    std::fs::write(
        &file,
        "[agent]\nsite = \"lahti\"\ndevice = \"wall-test\"\nbroker = \"mqtt://127.0.0.1:1883\"\n\n[signage]\n",
    )
    .unwrap();
    cmd(Command::ReloadConfig);
    let (name, ok, _) = result();
    assert_eq!((name.as_str(), ok), ("reload_config", true));
    assert_eq!(exit_rx.recv_timeout(Duration::from_secs(10)), Ok(EXIT_RESTART));
    let m = statuses.next_on(&status_topic, 5).expect("offline on the way out");
    assert_eq!(status(&m), DeviceStatus::Offline);
}

/// A wall started from a whole device file (`Config::parse`, as `aula-signage` reads it)
/// whose `[agent]` names `broker`, credentials and `[agent.tls]`, comes online on `broker`.
fn wall_online_over(broker: &aula_testkit::Mosquitto, tls: &str, device: &str) {
    let state = tempfile::tempdir().unwrap();
    let text = format!(
        "[agent]\nsite = \"lahti\"\ndevice = \"{device}\"\n{}state_dir = \"{}\"\n{tls}\n[signage]\nmode = \"wall\"\n",
        broker.agent_keys(),
        state.path().display()
    );
    let cfg = aula_signage::config::Config::parse(std::path::Path::new("wall-tls.toml"), &text).unwrap();
    assert!(cfg.link.broker.tls);
    let status_topic = topics().topic(&Topic::DeviceStatus(cfg.link.device.clone()));
    let sub = Sub::with_options(broker.options("test-sub-tls"), &status_topic);
    let feed = AgentFeed::new(cfg.link, Duration::from_secs(30)).spawn(|_| true);
    let online = sub.next_on(&status_topic, 10).expect("the wall comes online over TLS");
    assert!(matches!(status(&online), DeviceStatus::Online { kind: DeviceKind::Signage, .. }));
    feed.abort();
}

#[test]
fn a_wall_connects_with_tls_and_a_password_from_its_file() {
    let pki = aula_testkit::Pki::new();
    let broker = aula_testkit::Mosquitto::builder().tls(&pki).user("wall-1", "s3cret").start();
    wall_online_over(&broker, &broker.agent_tls(None), "wall-1");
}

#[test]
fn a_wall_connects_with_its_own_client_certificate() {
    let pki = aula_testkit::Pki::new();
    let broker = aula_testkit::Mosquitto::builder().require_certificate(&pki).start();
    let cert = pki.client("wall-2");
    wall_online_over(&broker, &broker.agent_tls(Some(&cert)), "wall-2");
}
