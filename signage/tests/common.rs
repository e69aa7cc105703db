//! Setup shared by the tests: a headless Slint platform per test thread (software renderer,
//! mock time), a wall clock that follows Slint's mock time, and a private Mosquitto.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use aula_protocol::{Envelope, Lang, SiteId, Topic, Topics};
use aula_signage::config::{LinkConfig, Mode};
use aula_signage::ui::{Clock, SignageUi};
use aula_signage::wall::{Timing, WallState};
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

/// A private Mosquitto on a free port, stopped (by its PID) when dropped, and a state
/// directory for the wall's outbox.
pub struct Broker {
    child: Child,
    pub port: u16,
    state: tempfile::TempDir,
}

impl Broker {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port)
    }

    pub fn start_on(port: u16) -> Self {
        let child = Command::new("mosquitto")
            .args(["-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto is installed (apt-get install mosquitto)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "mosquitto did not start on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port, state: tempfile::tempdir().unwrap() }
    }

    pub fn link(&self) -> LinkConfig {
        LinkConfig {
            site: SiteId::new("lahti").unwrap(),
            device: aula_protocol::DeviceId::new("wall-test").unwrap(),
            broker_host: "127.0.0.1".into(),
            broker_port: self.port,
            state_dir: self.state.path().join("wall-test"),
            keepalive_s: 5,
            health_interval_s: 60,
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
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
