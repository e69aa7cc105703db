//! Setup shared by the tests: a headless Slint platform per test thread (software renderer,
//! mock time), a wall clock that follows Slint's mock time, a private Mosquitto (aula-testkit)
//! with a state dir for the wall's outbox, and the hub played by a plain client.

use std::rc::Rc;
use std::time::{Duration, Instant};

use aula_agent::AgentConfig;
use aula_protocol::{Envelope, Lang, SiteId, Topic, Topics};
use aula_signage::config::Mode;
use aula_signage::ui::{Clock, SignageUi};
use aula_signage::wall::{Timing, WallState};
use aula_testkit::Mosquitto;
use chrono::{DateTime, Utc};
use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use rumqttc::{Client, MqttOptions, QoS};

/// Installs the testing backend on this thread (each test runs on its own thread).
pub fn init_slint() {
    thread_local!(static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if DONE.replace(true) {
        return;
    }
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .expect("fresh test thread");
}

/// "Now" = `base` + Slint's mock time, so advancing mock time moves the wall's clock too.
pub fn mock_clock(base: DateTime<Utc>) -> Clock {
    Rc::new(move || base + chrono::Duration::milliseconds(i_slint_backend_testing::get_mocked_time() as i64))
}

pub fn advance_ms(ms: u64) {
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(ms));
}

/// A wall (or counter display) on the testing backend, at `base`, in `langs`.
pub fn signage(mode: Mode, langs: &[&str], base: DateTime<Utc>, timing: Timing, size: (u32, u32)) -> SignageUi {
    init_slint();
    let langs = langs.iter().map(|l| Lang::new(*l).unwrap()).collect();
    let state = WallState::new(timing, langs, chrono_tz::Europe::Helsinki, base);
    let ui = SignageUi::new(&mode, state, mock_clock(base)).unwrap();
    ui.window().set_size(slint::PhysicalSize::new(size.0, size.1));
    ui.show().unwrap();
    ui
}

pub fn topics() -> Topics {
    Topics::new(SiteId::new("lahti").unwrap())
}

/// A private Mosquitto (aula-testkit) and a state directory for the wall's outbox.
pub struct Broker {
    pub mosquitto: Mosquitto,
    pub port: u16,
    state: tempfile::TempDir,
}

impl Broker {
    pub fn start() -> Self {
        Self::with(Mosquitto::start())
    }

    pub fn with(mosquitto: Mosquitto) -> Self {
        Self { port: mosquitto.port, mosquitto, state: tempfile::tempdir().unwrap() }
    }

    /// The wall's device link to this broker (plain TCP; kind `signage`).
    pub fn link(&self) -> AgentConfig {
        AgentConfig::new(
            SiteId::new("lahti").unwrap(),
            aula_protocol::DeviceId::new("wall-test").unwrap(),
            aula_protocol::DeviceKind::Signage,
            "127.0.0.1",
            self.port,
            self.state.path().join("wall-test").join("outbox.sqlite"),
        )
    }
}

/// Plays the hub: publishes envelopes with a plain rumqttc client.
pub struct Hub {
    client: Client,
    topics: Topics,
}

impl Hub {
    pub fn connect(port: u16) -> Self {
        let mut opts = MqttOptions::new(format!("test-hub-{port}"), "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        Self::with_options(opts)
    }

    /// Any broker: options from `Mosquitto::options` carry its TLS and credentials.
    pub fn with_options(opts: MqttOptions) -> Self {
        let (client, mut connection) = Client::new(opts, 64);
        std::thread::spawn(move || {
            for e in connection.iter() {
                if e.is_err() {
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        });
        Self { client, topics: topics() }
    }

    pub fn publish<T: serde::Serialize>(&self, topic: Topic, body: T) {
        let retain = topic.retained();
        let payload = Envelope::new(body).encode();
        self.client.publish(self.topics.topic(&topic), QoS::AtLeastOnce, retain, payload).unwrap();
    }
}

/// Hands inputs from the feed thread to the UI until `done` holds (real time, `secs` at most).
pub fn pump_until(
    ui: &SignageUi,
    rx: &std::sync::mpsc::Receiver<aula_signage::wall::Input>,
    secs: u64,
    done: impl Fn() -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        while let Ok(input) = rx.try_recv() {
            ui.handle(input);
        }
        if done() {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for the wall");
        std::thread::sleep(Duration::from_millis(10));
    }
}
