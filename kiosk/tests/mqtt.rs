//! The real path: a private Mosquitto (`mosquitto -p PORT`, stopped by PID) and a tiny
//! responder acting as the hub. Protects the wire format and topics the kiosk uses, the
//! reply routing by request id, and the durable outbox for offline issues.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aula_hardware::printer::FileSink;
use aula_hardware::ticket::PaperWidth;
use aula_kiosk::app::{Kiosk, SiteInfo, SystemClock};
use aula_kiosk::hub::{HubClient, MqttHub, MqttSettings};
use aula_kiosk::printing::Printer;
use aula_kiosk::testkit::{Mosquitto, Responder, example_state};
use aula_kiosk::{KioskWindow, Page};
use aula_protocol::{Lang, MessageId, OfflineIssue, Request, RequestKind, ServiceId, SiteId, Topics};
use slint::ComponentHandle;

use crate::common::{flow_config, init_backend, number};

fn pump_until(k: &Kiosk, what: &str, cond: impl Fn(&Kiosk) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond(k) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        k.pump_wait(Duration::from_millis(50));
    }
}

#[test]
fn a_ticket_through_mosquitto_and_an_offline_issue_reconciled() {
    if std::process::Command::new("mosquitto").arg("-h").output().is_err() {
        eprintln!("mosquitto not installed: skipped");
        return;
    }
    init_backend();
    let broker = Mosquitto::start().unwrap();
    let site = SiteId::new("lahti").unwrap();
    let responder = Responder::start(broker.port, &site, example_state(chrono::Utc::now()));
    let state_dir = tempfile::tempdir().unwrap();
    let tickets = tempfile::tempdir().unwrap();

    let window = KioskWindow::new().unwrap();
    let (inbox, rx) = Kiosk::inbox(Arc::new(|| {}));
    let cfg = flow_config();
    let hub = MqttHub::start(
        MqttSettings {
            topics: Topics::new(site.clone()),
            device: cfg.device.clone(),
            host: "127.0.0.1".into(),
            port: broker.port,
            state_dir: state_dir.path().into(),
            version: "test".into(),
        },
        inbox.clone(),
    )
    .unwrap();
    let printer = Printer::start(
        Box::new(FileSink::new(tickets.path(), PaperWidth::Mm58).unwrap()),
        PaperWidth::Mm58,
        inbox,
        None,
    );
    let siteinfo = SiteInfo {
        site_name: aula_protocol::Localized::from_pairs(&[("fi", "Lahti"), ("sv", "Lahtis"), ("en", "Lahti")]),
        languages: vec![Lang::fi(), Lang::sv(), Lang::en()],
        interpreter_languages: vec![],
        timezone: chrono_tz::Europe::Helsinki,
        paper: PaperWidth::Mm58,
        state_dir: Some(state_dir.path().into()),
    };
    let kiosk: Rc<Kiosk> =
        Kiosk::new(window, cfg.clone(), siteinfo, Box::new(hub.clone()), printer, rx, Box::new(SystemClock));
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
    let bin = std::fs::read(tickets.path().join("ticket-00001.bin")).unwrap();
    let text = aula_hardware::decode::ops_text(&aula_hardware::decode::decode(&bin).unwrap());
    assert!(text.contains("V001"), "{text}");
    let got = responder.received.lock().unwrap().requests.clone();
    assert_eq!(got.len(), 1);
    assert!(matches!(&got[0].body.kind, RequestKind::IssueTicket { service, .. } if service.as_str() == "vero"));

    // An offline issue waits in the outbox until the hub has answered it.
    let id = MessageId::new();
    hub.enqueue(
        id,
        Request {
            device: cfg.device.clone(),
            lang: Lang::fi(),
            kind: RequestKind::IssueTicket {
                service: ServiceId::new("vero").unwrap(),
                needs: Default::default(),
                offline: Some(OfflineIssue { number: number("V900"), issued_at: chrono::Utc::now() }),
            },
        },
    );
    let file = state_dir.path().join("outbox").join(format!("{id}.json"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while file.exists() {
        assert!(Instant::now() < deadline, "outbox entry never acknowledged");
        std::thread::sleep(Duration::from_millis(20));
    }
    let got = responder.received.lock().unwrap().requests.clone();
    assert!(got.iter().any(|e| e.id == id), "the hub received the offline issue");
    // The queue state is cached for a restart while the hub is away.
    assert!(aula_kiosk::hub::cached_queue_state(state_dir.path()).is_some_and(|q| !q.services.is_empty()));
    drop(broker);
}

/// The same path through the shared device runtime (`--features agent`): a request answered
/// by the hub, and an offline issue delivered from the agent's durable outbox.
#[cfg(feature = "agent")]
#[test]
fn agent_hub_requests_and_enqueues_through_mosquitto() {
    if std::process::Command::new("mosquitto").arg("-h").output().is_err() {
        return;
    }
    let broker = Mosquitto::start().unwrap();
    let site = SiteId::new("lahti").unwrap();
    let responder = Responder::start(broker.port, &site, example_state(chrono::Utc::now()));
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../config/kiosk-1.toml")
        .replace("localhost:1884", &format!("127.0.0.1:{}", broker.port))
        .replace("var/kiosk-1", &dir.path().join("state").display().to_string())
        .replace("var/tickets", &dir.path().join("tickets").display().to_string());
    let cfg = aula_kiosk::config::KioskConfig::from_toml_str(&text, std::path::Path::new("kiosk.toml")).unwrap();
    let (inbox, rx) = Kiosk::inbox(Arc::new(|| {}));
    let hub = aula_kiosk::agent_hub::AgentHub::start(&cfg, inbox).unwrap();
    // Wait for the session (the retained queue state arrives once subscribed).
    let got_state = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(got_state, aula_kiosk::flow::Input::QueueState(_)));
    let id = MessageId::new();
    let req = |offline| Request {
        device: cfg.device.clone(),
        lang: Lang::fi(),
        kind: RequestKind::IssueTicket { service: ServiceId::new("vero").unwrap(), needs: Default::default(), offline },
    };
    hub.send(id, req(None));
    match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
        aula_kiosk::flow::Input::Reply { id: got, result: Ok(aula_protocol::ReplyResult::Ticket(t)) } => {
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
}
