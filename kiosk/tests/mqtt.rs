//! The real path: a private Mosquitto (aula-testkit) and a responder acting as the hub. The
//! kiosk is built as the binary builds it (`run::build` / `run::build_survey` from a device
//! file in the one `[agent]` dialect) and talks only through aula-agent. Protects the wire
//! format and topics the kiosk uses, the reply routing by request id, the durable outbox for
//! offline issues, the cached queue state, the hub's commands (a test print on the kiosk's
//! own printer, what does not apply, restart), and TLS with a password or a client
//! certificate in every kiosk mode.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use aula_kiosk::config::KioskConfig;
use aula_kiosk::flow::Input;
use aula_kiosk::{KioskWindow, Page};
use aula_protocol::{
    Command, DeviceEvent, DeviceKind, DeviceStatus, Envelope, Lang, MessageId, OfflineIssue, Request, RequestKind,
    ServiceId, SiteId, Topic, Topics, decode,
};
use aula_testkit::{Mosquitto, Pki};
use rumqttc::{Client, Event, MqttOptions, Packet, Publish, QoS};
use slint::ComponentHandle;

use crate::common::{init_backend, number};
use crate::hubsim::{Responder, example_state};

fn pump_until(k: &aula_kiosk::app::Kiosk, what: &str, cond: impl Fn(&aula_kiosk::app::Kiosk) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond(k) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        k.pump_wait(Duration::from_millis(50));
    }
}

/// A shipped device file (`config/<name>`) pointed at `broker` (its URL, credentials and
/// `[agent.tls]`), with its state and tickets in `dir`, written to `dir/<name>` and loaded as
/// the binary loads it.
fn device_file(shipped: &str, name: &str, broker: &Mosquitto, tls: &str, dir: &Path) -> KioskConfig {
    let keys = broker.agent_keys();
    let text = shipped
        .replace("broker = \"mqtt://localhost:1884\"", keys.trim_end())
        .replace("var/kiosk-1", &dir.join("state").display().to_string())
        .replace("var/feedback-1", &dir.join("state").display().to_string())
        .replace("var/survey-1", &dir.join("state").display().to_string())
        .replace("var/tickets", &dir.join("tickets").display().to_string())
        .replace("config/surveys.toml", concat!(env!("CARGO_MANIFEST_DIR"), "/../config/surveys.toml"))
        .replace("socket = \"/run/aula/survey.sock\"\n", "")
        .replace("\n[kiosk]\n", &format!("\n{tls}\n[kiosk]\n"));
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    KioskConfig::from_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

const KIOSK_1: &str = include_str!("../../config/kiosk-1.toml");

/// A plain subscriber collecting every publish on `filter`.
fn subscribe(opts: MqttOptions, filter: &str) -> (Client, mpsc::Receiver<Publish>) {
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
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    });
    (client, rx)
}

fn next_on(rx: &mpsc::Receiver<Publish>, topic: &str) -> Publish {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.checked_duration_since(Instant::now()).unwrap_or_else(|| panic!("nothing on {topic}"));
        match rx.recv_timeout(left) {
            Ok(p) if p.topic == topic => return p,
            Ok(_) => {}
            Err(_) => panic!("nothing on {topic}"),
        }
    }
}

/// Guards: a customer's tap becomes a ticket through Mosquitto and the hub's reply, printed
/// with the hub's number; the queue state is cached on disk for a restart without the hub.
#[test]
fn a_ticket_through_mosquitto_with_the_queue_state_cached() {
    init_backend();
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = device_file(KIOSK_1, "kiosk-1.toml", &broker, "", dir.path());
    let responder = Responder::start(broker.port, &cfg.site, example_state(chrono::Utc::now()));

    let window = KioskWindow::new().unwrap();
    let kiosk = aula_kiosk::run::build(&cfg, window, Some(Arc::new(|| {})), None, Box::new(|_| {})).unwrap();
    kiosk.window().show().unwrap();
    // The retained queue state arrives after connecting.
    pump_until(&kiosk, "the queue state", |k| k.flow().queue().is_some());

    let a = kiosk.window().global::<aula_kiosk::KioskAdapter>();
    a.invoke_take_number();
    a.invoke_choose_service("vero".into());
    std::thread::sleep(Duration::from_millis(450)); // a deliberate second tap, not a bounce
    a.invoke_get_ticket();
    pump_until(&kiosk, "the ticket", |_| a.get_page() == Page::Ticket);
    pump_until(
        &kiosk,
        "the print",
        |k| matches!(k.flow().screen(), aula_kiosk::flow::Screen::Ticket(t) if t.print != aula_kiosk::flow::PrintStatus::Printing),
    );
    let bin = std::fs::read(dir.path().join("tickets/ticket-00001.bin")).unwrap();
    let text = aula_hardware::decode::ops_text(&aula_hardware::decode::decode(&bin).unwrap());
    assert!(text.contains("V001"), "{text}");
    let got = responder.received.lock().unwrap().requests.clone();
    assert_eq!(got.len(), 1);
    assert!(matches!(&got[0].body.kind, RequestKind::IssueTicket { service, .. } if service.as_str() == "vero"));
    // The queue state is cached for a restart while the hub is away.
    assert!(aula_kiosk::hub::cached_queue_state(&cfg.state_dir).is_some_and(|q| !q.services.is_empty()));
}

/// The same path through `AgentHub` alone: a request answered by the hub, and an offline
/// issue delivered from the agent's durable outbox.
#[test]
fn agent_hub_requests_and_enqueues_through_mosquitto() {
    use aula_kiosk::hub::HubClient;
    let broker = Mosquitto::start();
    let site = SiteId::new("lahti").unwrap();
    let responder = Responder::start(broker.port, &site, example_state(chrono::Utc::now()));
    let dir = tempfile::tempdir().unwrap();
    let cfg = device_file(KIOSK_1, "kiosk-1.toml", &broker, "", dir.path());
    let (inbox, rx) = aula_kiosk::app::Kiosk::inbox(Arc::new(|| {}));
    let hub = aula_kiosk::agent_hub::AgentHub::start(&cfg, inbox, None, Box::new(|_| {})).unwrap();
    // Wait for the session (the retained queue state arrives once subscribed).
    let got_state = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(got_state, Input::QueueState(_)));
    let id = MessageId::new();
    let req = |offline| Request {
        device: cfg.device.clone(),
        lang: Lang::fi(),
        kind: RequestKind::IssueTicket { service: ServiceId::new("vero").unwrap(), needs: Default::default(), offline },
    };
    hub.send(id, req(None));
    match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
        Input::Reply { id: got, result: Ok(aula_protocol::ReplyResult::Ticket(t)) } => {
            assert_eq!(got, id);
            assert_eq!(t.number.prefix, "V");
        }
        other => panic!("{other:?}"),
    }
    let offline_id = MessageId::new();
    hub.enqueue(offline_id, req(Some(OfflineIssue { number: number("V900"), issued_at: chrono::Utc::now() })));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !responder.received.lock().unwrap().requests.iter().any(|e| e.id == offline_id) {
        assert!(Instant::now() < deadline, "the offline issue never reached the hub");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(hub.agent().outbox_pending(), 0);
}

/// Guards the bug "a kiosk silently ignores hub commands": `test_print` on the check-in
/// kiosk's cmd topic prints a test ticket on its own printer (the file sink) and reports
/// `ok`; `show_survey` says it does not apply; `restart_app` reports and exits 75.
#[test]
fn a_test_print_from_the_hub_prints_on_the_kiosk_and_is_reported() {
    init_backend();
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = device_file(KIOSK_1, "kiosk-1.toml", &broker, "", dir.path());
    let t = Topics::new(cfg.site.clone());
    let events = t.topic(&Topic::DeviceEvent(cfg.device.clone()));
    let (hub, rx) = subscribe(MqttOptions::new("test-hub", "127.0.0.1", broker.port), &events);

    let (exit_tx, exit_rx) = mpsc::channel();
    let window = KioskWindow::new().unwrap();
    let kiosk = aula_kiosk::run::build(
        &cfg,
        window,
        Some(Arc::new(|| {})),
        None,
        Box::new(move |code| exit_tx.send(code).unwrap()),
    )
    .unwrap();
    kiosk.window().show().unwrap();
    let status = t.topic(&Topic::DeviceStatus(cfg.device.clone()));
    let (_s, statuses) = subscribe(MqttOptions::new("test-console", "127.0.0.1", broker.port), &status);
    assert!(matches!(
        decode::<DeviceStatus>(&next_on(&statuses, &status).payload).unwrap().body,
        DeviceStatus::Online { kind: DeviceKind::Kiosk, .. }
    ));

    let cmd_topic = t.topic(&Topic::DeviceCmd(cfg.device.clone()));
    let result = |cmd: Command| {
        hub.publish(&cmd_topic, QoS::AtLeastOnce, false, Envelope::new(cmd).encode()).unwrap();
        match decode::<DeviceEvent>(&next_on(&rx, &events).payload).unwrap().body {
            DeviceEvent::CommandResult { command, ok, detail } => (command, ok, detail),
            other => panic!("{other:?}"),
        }
    };
    let (name, ok, detail) = result(Command::TestPrint);
    assert_eq!((name.as_str(), ok, detail.as_str()), ("test_print", true, "test ticket printed"));
    let bin = std::fs::read(dir.path().join("tickets/ticket-00001.bin")).expect("the test ticket file");
    let text = aula_hardware::decode::ops_text(&aula_hardware::decode::decode(&bin).unwrap());
    assert!(text.contains("TEST") && text.contains("kiosk-1"), "{text}");

    let (name, ok, detail) = result(Command::ShowSurvey { survey: aula_protocol::SurveyId::new("exit").unwrap() });
    assert_eq!((name.as_str(), ok), ("show_survey", false));
    assert_eq!(detail, "not applicable: a check-in kiosk shows no surveys");

    // A broken file on disk is refused; the kiosk keeps running.
    let file: PathBuf = cfg.file.clone();
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, good.replace("inactivity_s = 45", "inactivity_s = 1")).unwrap();
    let (name, ok, detail) = result(Command::ReloadConfig);
    assert_eq!((name.as_str(), ok), ("reload_config", false));
    assert!(detail.contains("kiosk.inactivity_s") && detail.contains("kept"), "{detail}");
    assert!(exit_rx.try_recv().is_err());

    let (name, ok, _) = result(Command::RestartApp);
    assert_eq!((name.as_str(), ok), ("restart_app", true));
    assert_eq!(exit_rx.recv_timeout(Duration::from_secs(10)), Ok(aula_agent::EXIT_RESTART));
    drop(kiosk);
}

/// Builds the kiosk of `shipped` in its mode against `broker` and waits for its retained
/// Online status (the link is up) on the test's own connection.
fn comes_online(shipped: &str, name: &str, broker: &Mosquitto, tls: &str, kind: DeviceKind) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = device_file(shipped, name, broker, tls, dir.path());
    assert!(cfg.link.broker.tls, "{name}: the file names an mqtts:// broker");
    let status = Topics::new(cfg.site.clone()).topic(&Topic::DeviceStatus(cfg.device.clone()));
    let (_c, rx) = subscribe(broker.options(&format!("test-console-{name}")), &status);
    let window = KioskWindow::new().unwrap();
    window.window().set_size(slint::PhysicalSize::new(800, 480));
    let _keep: Box<dyn std::any::Any> = if cfg.mode == aula_kiosk::config::Mode::Checkin {
        Box::new(aula_kiosk::run::build(&cfg, window, Some(Arc::new(|| {})), None, Box::new(|_| {})).unwrap())
    } else {
        Box::new(aula_kiosk::run::build_survey(&cfg, window, Some(Arc::new(|| {})), Box::new(|_| {})).unwrap())
    };
    let online = decode::<DeviceStatus>(&next_on(&rx, &status).payload).unwrap().body;
    assert!(matches!(online, DeviceStatus::Online { kind: k, .. } if k == kind), "{name}: {online:?}");
}

/// Guards: every kiosk mode (check-in, exit feedback terminal, survey pop-up) reaches a
/// broker that requires TLS against the site's CA and a password, from the one `[agent]`
/// dialect of its device file.
#[test]
fn every_kiosk_mode_connects_with_tls_and_a_password() {
    init_backend();
    let pki = Pki::new();
    let broker = Mosquitto::builder().tls(&pki).user("kiosk", "s3cret").start();
    let tls = broker.agent_tls(None);
    comes_online(KIOSK_1, "kiosk-1.toml", &broker, &tls, DeviceKind::Kiosk);
    comes_online(include_str!("../../config/feedback-1.toml"), "feedback-1.toml", &broker, &tls, DeviceKind::Feedback);
    comes_online(include_str!("../../config/survey-1.toml"), "survey-1.toml", &broker, &tls, DeviceKind::Feedback);
}

/// Guards: mutual TLS: the kiosk shows its own certificate (CN = its device id).
#[test]
fn a_kiosk_connects_with_its_client_certificate() {
    init_backend();
    let pki = Pki::new();
    let broker = Mosquitto::builder().require_certificate(&pki).start();
    let cert = pki.client("kiosk-1");
    comes_online(KIOSK_1, "kiosk-1.toml", &broker, &broker.agent_tls(Some(&cert)), DeviceKind::Kiosk);
}
