//! The `aula-agent` binary end to end: a real process with simulated GPIO (driven through
//! its stdin lines), the simulated file printer, a private Mosquitto and a private
//! `dbus-daemon` serving timedate1, NetworkManager, systemd1 and login1. What the hub sees
//! on the device's topics is checked exactly, and the process's exit code for a restart.

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::time::{Duration, Instant};

use aula_protocol::{
    BoxId, Command, DeviceEvent, DeviceId, DeviceStatus, EmptiedBy, Envelope, Health, NetworkState, PrinterState,
    Topic, decode,
};
use rumqttc::QoS;

use aula_protocol::{SiteId, Topics};
use aula_testkit::Mosquitto;
use aula_testkit::dbus::{DbusDaemon, Logind, serve_freedesktop};
use aula_testkit::mqtt::Sub;

fn topics() -> Topics {
    Topics::new(SiteId::new("testsite").unwrap())
}

const WAIT: Duration = Duration::from_secs(5);

fn device_file(port: u16, dir: &Path, bus: &str) -> String {
    format!(
        r#"
[agent]
site = "testsite"
device = "dropbox-7"
broker = "mqtt://127.0.0.1:{port}"
state_dir = "{dir}"
keepalive_s = 2
health_interval_s = 1
reconnect_max_ms = 500
units = ["aula-agent.service"]
dbus_address = "{bus}"

[dropbox]
box_id = "lobby"

[gpio]
backend = "simulated"
[[gpio.inputs]]
name = "lid"
pin = 17
pull = "up"
active = "low"
[[gpio.inputs]]
name = "emptied"
pin = 27
pull = "up"
active = "low"
[[gpio.inputs]]
name = "help_button"
pin = 5
pull = "down"
active = "high"
debounce_ms = 20
[[gpio.inputs]]
name = "cover_open"
pin = 22
pull = "up"
active = "low"

[printer]
kind = "file"
dir = "{dir}/prints"
paper = "58mm"
"#,
        dir = dir.display()
    )
}

struct Running {
    child: Child,
    stdin: ChildStdin,
}

impl Running {
    fn start(config: &Path, log: &Path) -> Running {
        let mut child = Process::new(env!("CARGO_BIN_EXE_aula-agent"))
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "info,rumqttc=warn")
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("aula-agent built by cargo for this test");
        let stdin = child.stdin.take().unwrap();
        Running { child, stdin }
    }

    fn line(&mut self, l: &str) {
        writeln!(self.stdin, "{l}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The exit code, waiting at most `within`.
    fn exit_code(&mut self, within: Duration) -> Option<i32> {
        let t0 = Instant::now();
        while t0.elapsed() < within {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn next_event(sub: &mut Sub, topic: &str) -> DeviceEvent {
    let m = sub.next_on(topic, WAIT).await.expect("device event");
    decode::<DeviceEvent>(&m.payload).expect("valid event").body
}

fn result(command: &str, ok: bool) -> impl Fn(&DeviceEvent) -> bool + '_ {
    move |e| matches!(e, DeviceEvent::CommandResult { command: c, ok: o, .. } if c == command && *o == ok)
}

/// Guards, in one process life (starting the binary is the slow part):
/// - stdin lines `lid open`, `lid closed`, `emptied`, `help` (what the hub's end-to-end
///   tests drive) give exactly the drop-box events, in order;
/// - the wired cover line is reported once per change as a printer state, and health
///   carries it with the D-Bus figures read from the bus;
/// - `test_print` prints on the configured printer, `reboot` reaches logind once, a reload
///   of a broken file is refused with the key named while the process keeps running, and a
///   reload of a good file exits 75 for systemd to restart the unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_box_agent_obeys_inputs_and_hub_commands() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start();
    let daemon = DbusDaemon::start();
    let logind = Logind::default();
    let _bus_server = serve_freedesktop(&daemon.address, logind.clone()).await;

    let me = DeviceId::new("dropbox-7").unwrap();
    let t = topics();
    let (ev_topic, health_topic) =
        (t.topic(&Topic::DeviceEvent(me.clone())), t.topic(&Topic::DeviceHealth(me.clone())));
    let status_topic = t.topic(&Topic::DeviceStatus(me.clone()));
    let cmd_topic = t.topic(&Topic::DeviceCmd(me.clone()));
    let mut sub =
        Sub::start(broker.port, "test-hub", false, &t.topic(&Topic::DeviceStatus(me.clone())).replace("/status", "/#"))
            .await;

    let config = dir.path().join("agent.toml");
    let good = device_file(broker.port, dir.path(), &daemon.address);
    std::fs::write(&config, &good).unwrap();
    let mut agent = Running::start(&config, &dir.path().join("agent.log"));

    let online = sub.next_on(&status_topic, WAIT).await.expect("online status");
    assert!(matches!(decode::<DeviceStatus>(&online.payload).unwrap().body, DeviceStatus::Online { .. }));
    let lobby = BoxId::new("lobby").unwrap();
    assert_eq!(next_event(&mut sub, &ev_topic).await, DeviceEvent::Printer { state: PrinterState::Ready });

    // The simulated inputs, one at a time (each waits for its debounced event).
    let steps: [(&str, DeviceEvent); 6] = [
        ("lid open", DeviceEvent::Lid { box_id: lobby.clone(), open: true }),
        ("lid closed", DeviceEvent::Lid { box_id: lobby.clone(), open: false }),
        ("emptied", DeviceEvent::BoxEmptied { box_id: lobby.clone(), by: EmptiedBy::Switch }),
        ("help", DeviceEvent::HelpButton),
        ("cover open", DeviceEvent::Printer { state: PrinterState::CoverOpen }),
        ("cover closed", DeviceEvent::Printer { state: PrinterState::Ready }),
    ];
    for (i, (line, expected)) in steps.iter().enumerate() {
        agent.line(line);
        assert_eq!(&next_event(&mut sub, &ev_topic).await, expected, "after `{line}`");
        if i == 4 {
            // Health reports the open cover, and the D-Bus figures from the private bus.
            let deadline = Instant::now() + WAIT;
            loop {
                let m = sub.next_on(&health_topic, WAIT).await.expect("health");
                let h: Health = decode::<Health>(&m.payload).unwrap().body;
                if h.printer == Some(PrinterState::CoverOpen) {
                    assert_eq!((h.clock_synced, h.network), (Some(true), Some(NetworkState::Connected)));
                    assert_eq!(h.units.first().map(|u| u.active_state.as_str()), Some("active"));
                    assert_eq!(h.version, env!("CARGO_PKG_VERSION"));
                    break;
                }
                assert!(Instant::now() < deadline, "health never showed the open cover: {h:?}");
            }
        }
    }

    let client = sub.client.clone();
    let send = |cmd: Command| {
        let client = client.clone();
        let topic = cmd_topic.clone();
        async move { client.publish(topic, QoS::AtLeastOnce, false, Envelope::new(cmd).encode()).await.unwrap() }
    };

    send(Command::TestPrint).await;
    let e = next_event(&mut sub, &ev_topic).await;
    assert!(result("test_print", true)(&e), "{e:?}");
    assert!(dir.path().join("prints/ticket-00001.bin").exists(), "test ticket printed");

    send(Command::Reboot).await;
    let e = next_event(&mut sub, &ev_topic).await;
    assert!(result("reboot", true)(&e), "{e:?}");
    assert_eq!(*logind.reboots.lock().unwrap(), vec![false], "one non-interactive Reboot call");

    // A broken file is refused; the agent keeps running on the old config.
    std::fs::write(&config, good.replace("pin = 22", "pin = 99")).unwrap();
    send(Command::ReloadConfig).await;
    let e = next_event(&mut sub, &ev_topic).await;
    assert!(result("reload_config", false)(&e), "{e:?}");
    let DeviceEvent::CommandResult { detail, .. } = &e else { unreachable!() };
    assert!(detail.contains("agent.toml") && detail.contains("gpio.inputs[3].pin"), "{detail}");
    assert_eq!(agent.exit_code(Duration::from_millis(300)), None, "still running");
    agent.line("lid open");
    assert_eq!(next_event(&mut sub, &ev_topic).await, DeviceEvent::Lid { box_id: lobby.clone(), open: true });

    // A good file: restart to apply it (exit 75, systemd starts the unit again).
    std::fs::write(&config, &good).unwrap();
    send(Command::ReloadConfig).await;
    let e = next_event(&mut sub, &ev_topic).await;
    assert!(result("reload_config", true)(&e), "{e:?}");
    assert_eq!(agent.exit_code(WAIT), Some(aula_agent::EXIT_RESTART));
    drop(broker);
}

/// Guards: a health-only agent (no [gpio], no [printer]) on a machine without any D-Bus
/// publishes health with the D-Bus figures and the printer unknown, and `test_print` /
/// `reboot` report why they cannot, instead of crashing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_bus_or_printer_figures_are_unknown_and_commands_explain() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start();
    let me = DeviceId::new("dropbox-7").unwrap();
    let t = topics();
    let (ev_topic, health_topic) =
        (t.topic(&Topic::DeviceEvent(me.clone())), t.topic(&Topic::DeviceHealth(me.clone())));
    let mut sub = Sub::start(broker.port, "test-hub-2", false, &ev_topic.replace("/event", "/#")).await;
    let full = device_file(broker.port, dir.path(), "unix:path=/nonexistent/aula-test-bus");
    let health_only = &full[..full.find("[dropbox]").unwrap()];
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, health_only).unwrap();
    let agent = Running::start(&config, &dir.path().join("agent.log"));

    let m = sub.next_on(&health_topic, WAIT).await.expect("health");
    let h: Health = decode::<Health>(&m.payload).unwrap().body;
    assert_eq!((h.network, h.clock_synced, h.units.len(), h.printer), (None, None, 0, None));
    assert!(h.mem_total_bytes.is_some() && h.disk_free_bytes.is_some());

    let client = sub.client.clone();
    let cmd_topic = t.topic(&Topic::DeviceCmd(me.clone()));
    for (cmd, name, why) in [(Command::TestPrint, "test_print", "[printer]"), (Command::Reboot, "reboot", "D-Bus")] {
        client.publish(cmd_topic.clone(), QoS::AtLeastOnce, false, Envelope::new(cmd).encode()).await.unwrap();
        let e = next_event(&mut sub, &ev_topic).await;
        let DeviceEvent::CommandResult { command, ok, detail } = &e else { panic!("{e:?}") };
        assert_eq!((command.as_str(), *ok), (name, false));
        assert!(detail.contains(why), "{detail}");
    }
    drop(agent);
}

/// A network printer on a free port (raw TCP, as on port 9100) that answers every
/// `DLE EOT n` with `answers[n - 1]`, one connection after another.
fn fake_printer(answers: [u8; 4]) -> u16 {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let mut req = [0u8; 3];
            while c.read_exact(&mut req).is_ok() {
                if req[..2] == [0x10, 0x04] && (1..=4).contains(&req[2]) {
                    let _ = c.write_all(&[answers[usize::from(req[2]) - 1]]);
                }
            }
        }
    });
    port
}

/// Guards: the printer's own real-time status and the wired cover line are merged into one
/// printer state. The printer says "paper near end" (DLE EOT 4 bits 2-3); the first report
/// already says so (not a "ready" contradicted a moment later), the cover line overrides it
/// while open, and health carries the merged state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printer_status_and_wired_cover_line_merge() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Mosquitto::start();
    // Fixed bits 0001_0010 in every answer; n=4 adds 0000_1100 (near end).
    let printer_port = fake_printer([0x12, 0x12, 0x12, 0x1E]);
    let me = DeviceId::new("dropbox-7").unwrap();
    let t = topics();
    let (ev_topic, health_topic) =
        (t.topic(&Topic::DeviceEvent(me.clone())), t.topic(&Topic::DeviceHealth(me.clone())));
    let mut sub = Sub::start(broker.port, "test-hub-3", false, &ev_topic.replace("/event", "/#")).await;
    let full = device_file(broker.port, dir.path(), "unix:path=/nonexistent/aula-test-bus");
    let text = format!(
        "{}[printer]\nkind = \"tcp\"\nhost = \"127.0.0.1\"\nport = {printer_port}\npaper = \"58mm\"\nstatus_poll_s = 5\n",
        &full[..full.find("[printer]").unwrap()]
    );
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, text).unwrap();
    let mut agent = Running::start(&config, &dir.path().join("agent.log"));

    let printer = |state| DeviceEvent::Printer { state };
    assert_eq!(next_event(&mut sub, &ev_topic).await, printer(PrinterState::PaperLow));
    let m = sub.next_on(&health_topic, WAIT).await.expect("health");
    assert_eq!(decode::<Health>(&m.payload).unwrap().body.printer, Some(PrinterState::PaperLow));
    agent.line("cover open");
    assert_eq!(next_event(&mut sub, &ev_topic).await, printer(PrinterState::CoverOpen));
    agent.line("cover closed");
    assert_eq!(next_event(&mut sub, &ev_topic).await, printer(PrinterState::PaperLow));
}

/// The binary started from a health-only device file whose `[agent]` names `broker`'s URL,
/// credentials and `tls` table; its retained Online status (kind `agent`) must arrive.
async fn comes_online_over(broker: &Mosquitto, tls: &str) {
    let dir = tempfile::tempdir().unwrap();
    let full = device_file(broker.port, dir.path(), "unix:path=/nonexistent/aula-test-bus");
    let health_only = full[..full.find("[dropbox]").unwrap()]
        .replace(&format!("broker = \"mqtt://127.0.0.1:{}\"\n", broker.port), &broker.agent_keys());
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, format!("{health_only}\n{tls}")).unwrap();
    let status = topics().topic(&Topic::DeviceStatus(DeviceId::new("dropbox-7").unwrap()));
    let mut sub = Sub::with_options(broker.options("test-hub-tls"), false, &status).await;
    let _agent = Running::start(&config, &dir.path().join("agent.log"));
    let m = sub.next_on(&status, WAIT).await.expect("online over TLS");
    assert!(matches!(
        decode::<DeviceStatus>(&m.payload).unwrap().body,
        DeviceStatus::Online { kind: aula_protocol::DeviceKind::Agent, .. }
    ));
}

/// Guards: the headless binary reads the one `[agent]` dialect: an `mqtts://` broker that
/// requires the site's CA and a password, and one that requires the device's own client
/// certificate (mutual TLS).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_with_tls_and_a_password_or_its_certificate() {
    let pki = aula_testkit::Pki::new();
    let broker = Mosquitto::builder().tls(&pki).user("dropbox-7", "s3cret").start();
    comes_online_over(&broker, &broker.agent_tls(None)).await;
    let broker = Mosquitto::builder().require_certificate(&pki).start();
    let cert = pki.client("dropbox-7");
    comes_online_over(&broker, &broker.agent_tls(Some(&cert))).await;
}
