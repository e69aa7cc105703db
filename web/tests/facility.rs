//! The facility side through a private Mosquitto: drop-box events from a device become
//! exactly the expected ledger rows and alerts (an opening at night, a long open, a repeated
//! "open", a missed emptying cleared by staff), each alert is POSTed to a webhook once when
//! raised and once when cleared even though the receiver fails its first attempts, a device
//! that vanishes is shown offline through its last will, and `/metrics` reports it all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aula_hub::clock::Clock;
use aula_hub::config::HubConfig;
use aula_hub::facility::ledger::EntryKind;
use aula_protocol::{
    BoxId, DeviceEvent, DeviceId, DeviceKind, DeviceStatus, EmptiedBy, Envelope, Health, PrinterState, Topic,
};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, NaiveTime};
use rumqttc::{AsyncClient, LastWill, MqttOptions, QoS};
use serde_json::Value;

use crate::support::{Role, TestHub, broker, external, topics};

/// Weekdays 08:00–16:30: closed at night, so the simulated clock below is out of hours.
fn site_toml() -> String {
    let all_day = r#"hours = { mon = ["00:00-24:00"], tue = ["00:00-24:00"], wed = ["00:00-24:00"], thu = ["00:00-24:00"], fri = ["00:00-24:00"], sat = ["00:00-24:00"], sun = ["00:00-24:00"] }"#;
    let office = r#"hours = { mon = ["08:00-16:30"], tue = ["08:00-16:30"], wed = ["08:00-16:30"], thu = ["08:00-16:30"], fri = ["08:00-16:30"] }"#;
    aula_hub::testsite::SITE_TOML.replacen(all_day, office, 1)
}

fn config(dir: &std::path::Path, broker_port: u16, webhook: &str, clock: Clock) -> HubConfig {
    std::fs::write(dir.join("site.toml"), site_toml()).unwrap();
    let toml = format!(
        "[hub]\nsite = \"site.toml\"\ndb = \"data/aula.db\"\nhttp = \"127.0.0.1:0\"\nclient_id = \"aula-hub-fac\"\n{}\n\
         [[dropbox]]\nid = \"lobby\"\nemptying = [\"22:00\"]\nlid_open_limit_s = 1\ngrace_min = 0\n\n\
         [alerts]\ndisk_low_mb = 100\nwebhook_retry_base_ms = 50\nhome_assistant = true\n[[alerts.webhook]]\nurl = \"{webhook}\"\n",
        external(broker_port)
    );
    std::fs::write(dir.join("hub.toml"), &toml).unwrap();
    let mut c = HubConfig::load(&dir.join("hub.toml")).unwrap();
    c.clock = clock;
    c
}

/// Monday 30 Nov 2026, 21:59:55 in Helsinki: the site closed at 16:30, the box's scheduled
/// emptying (22:00) is five seconds away (after the lid alerts below have come and gone).
fn night_clock() -> Clock {
    let t = aula_engine::hours::local_to_utc(
        chrono_tz::Europe::Helsinki,
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        NaiveTime::from_hms_opt(21, 59, 55).unwrap(),
    );
    Clock::simulated(t, 1.0)
}

/// A webhook receiver on 127.0.0.1:0 that answers 500 to its first `fail_first` requests.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Value>>>,
    attempts: Arc<Mutex<u32>>,
}

async fn receiver(fail_first: u32) -> Receiver {
    #[derive(Clone)]
    struct S {
        got: Arc<Mutex<Vec<Value>>>,
        attempts: Arc<Mutex<u32>>,
        fail_first: u32,
    }
    async fn hook(State(s): State<S>, body: axum::Json<Value>) -> StatusCode {
        let mut a = s.attempts.lock().unwrap();
        *a += 1;
        if *a <= s.fail_first {
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
        s.got.lock().unwrap().push(body.0);
        StatusCode::NO_CONTENT
    }
    let s = S { got: Default::default(), attempts: Default::default(), fail_first };
    let (got, attempts) = (s.got.clone(), s.attempts.clone());
    let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(s);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, got, attempts }
}

/// A device that publishes envelopes and, optionally, has an `Offline` last will.
async fn device(port: u16, id: &str, will: bool) -> (AsyncClient, tokio::task::JoinHandle<()>) {
    let dev = DeviceId::new(id).unwrap();
    let mut o = MqttOptions::new(format!("fac-{id}"), "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(5));
    if will {
        let status = topics().topic(&Topic::DeviceStatus(dev));
        o.set_last_will(LastWill::new(status, Envelope::new(DeviceStatus::Offline).encode(), QoS::AtLeastOnce, true));
    }
    let (client, mut eventloop) = AsyncClient::new(o, 100);
    let task = tokio::spawn(async move {
        loop {
            if eventloop.poll().await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    (client, task)
}

async fn event(c: &AsyncClient, id: &str, ev: DeviceEvent) {
    let t = topics().topic(&Topic::DeviceEvent(DeviceId::new(id).unwrap()));
    c.publish(t, QoS::AtLeastOnce, false, Envelope::new(ev).encode()).await.unwrap();
}

async fn get(hub: &TestHub, path: &str) -> Value {
    hub.client(Role::Facility)
        .get(hub.url(path))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn active_kinds(alerts: &Value) -> Vec<String> {
    let mut v: Vec<String> = alerts["active"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}:{}", a["kind"].as_str().unwrap(), a["subject"].as_str().unwrap()))
        .collect();
    v.sort();
    v
}

/// Polls `/api/alerts` until the active set is `want` (sorted `kind:subject`).
async fn wait_active(hub: &TestHub, want: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let a = get(hub, "/api/alerts").await;
        if active_kinds(&a) == want {
            return a;
        }
        assert!(tokio::time::Instant::now() < deadline, "active alerts {:?}, expected {want:?}", active_kinds(&a));
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_at_the_drop_box_gives_the_expected_ledger_alerts_and_webhooks() {
    let broker = broker();
    let hook = receiver(2).await;
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start(config(dir.path(), broker.port, &hook.url, night_clock())).await;
    let (dev, _task) = device(broker.port, "dropbox-1", false).await;
    let lobby = BoxId::new("lobby").unwrap();

    // 21:59:55, site closed: the lid opens (and a repeated "open" arrives).
    event(&dev, "dropbox-1", DeviceEvent::Lid { box_id: lobby.clone(), open: true }).await;
    event(&dev, "dropbox-1", DeviceEvent::Lid { box_id: lobby.clone(), open: true }).await;
    wait_active(&hub, &["opened_out_of_hours:lobby"]).await;
    // Open longer than the 1 s limit: raised by the hub's tick.
    wait_active(&hub, &["lid_open_too_long:lobby", "opened_out_of_hours:lobby"]).await;
    event(&dev, "dropbox-1", DeviceEvent::Lid { box_id: lobby.clone(), open: false }).await;
    // 22:00 (+0 grace) passes without an emptying.
    wait_active(&hub, &["box_overdue:lobby", "opened_out_of_hours:lobby"]).await;

    // Staff empty it (the CLI's client, over the API): overdue and the night opening are
    // dealt with.
    let client = aula_web::client::HubClient::new(&hub.url("")).with_token(Some(&hub.token(Role::Facility)));
    let e = client.dropbox_emptied("lobby", Some("security desk".into())).await.unwrap();
    assert_eq!((e.kind, e.by, e.label.as_deref()), (EntryKind::Emptied, Some(EmptiedBy::Staff), Some("security desk")));
    wait_active(&hub, &[]).await;
    let too_long = "x".repeat(41);
    let r = client.dropbox_emptied("lobby", Some(too_long)).await.unwrap_err();
    assert_eq!(r.code(), Some("bad_request"), "{r}");
    // An unknown box is refused with a clear message, not a new ledger.
    let r = hub.client(Role::Facility).post(hub.url("/api/dropbox/lobbby/emptied")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("known boxes: lobby"));

    let typed = client.dropbox_ledger("lobby", Some("2026-11-30")).await.unwrap();
    assert_eq!(typed.deposits, 1);
    let day = get(&hub, "/api/dropbox/lobby/ledger?date=2026-11-30").await;
    let rows: Vec<(&str, bool)> = day["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["out_of_hours"].as_bool().unwrap()))
        .collect();
    assert_eq!(rows, [("lid_opened", true), ("lid_closed", false), ("emptied", false)]);
    assert_eq!(day["deposits"], 1);
    assert_eq!(day["out_of_hours_openings"], 1);
    assert_eq!(day["emptyings"][0]["by"], "staff");
    assert_eq!(day["emptyings"][0]["label"], "security desk");
    assert_eq!(day["emptyings"][0]["deposits_before"], 1);
    assert_eq!(day["documents_received_at"].as_array().unwrap().len(), 1);
    assert_eq!(day["entries"][0]["device"], "dropbox-1");
    let csv = hub
        .client(Role::Facility)
        .get(hub.url("/api/dropbox/lobby/ledger?date=2026-11-30&format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.text().await.unwrap().lines().count(), 4);
    let bad =
        hub.client(Role::Facility).get(hub.url("/api/dropbox/lobby/ledger?date=30.11.2026")).send().await.unwrap();
    assert_eq!(bad.status(), 400);

    // Three conditions, each raised once and cleared once, delivered despite two failures.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while hook.got.lock().unwrap().len() < 6 {
        assert!(tokio::time::Instant::now() < deadline, "webhooks: {:?}", hook.got.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = hook.got.lock().unwrap().clone();
    let mut seen: Vec<String> = got
        .iter()
        .map(|n| format!("{} {}", n["event"].as_str().unwrap(), n["alert"]["kind"].as_str().unwrap()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            "cleared box_overdue",
            "cleared lid_open_too_long",
            "cleared opened_out_of_hours",
            "raised box_overdue",
            "raised lid_open_too_long",
            "raised opened_out_of_hours"
        ]
    );
    assert_eq!(*hook.attempts.lock().unwrap(), 8, "two failed attempts, then six deliveries");
    assert_eq!(got[0]["site"], "test");
    assert_eq!(got[0]["alert"]["title"]["sv"], "Inlämningslådan öppnad utanför öppettiderna");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_device_is_offline_through_its_last_will_and_printer_alerts_follow_health() {
    let broker = broker();
    let hook = receiver(0).await;
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start(config(dir.path(), broker.port, &hook.url, Clock::system())).await;
    let id = DeviceId::new("kiosk-7").unwrap();
    let status = topics().topic(&Topic::DeviceStatus(id.clone()));
    let health = topics().topic(&Topic::DeviceHealth(id.clone()));
    let online = DeviceStatus::Online { kind: DeviceKind::Kiosk, version: "t".into(), started_at: chrono::Utc::now() };

    let (dev, task) = device(broker.port, "kiosk-7", true).await;
    dev.publish(&status, QoS::AtLeastOnce, true, Envelope::new(online.clone()).encode()).await.unwrap();
    let h = |printer, disk| Health {
        printer: Some(printer),
        disk_free_bytes: Some(disk),
        clock_synced: None,
        ..Health::default()
    };
    dev.publish(&health, QoS::AtLeastOnce, false, Envelope::new(h(PrinterState::PaperOut, 50_000_000)).encode())
        .await
        .unwrap();
    wait_active(&hub, &["disk_low:kiosk-7", "paper_out:kiosk-7"]).await;
    dev.publish(&health, QoS::AtLeastOnce, false, Envelope::new(h(PrinterState::Ready, 900_000_000)).encode())
        .await
        .unwrap();
    wait_active(&hub, &[]).await;

    // The process dies: no DISCONNECT, the socket just closes; the broker sends the will.
    task.abort();
    drop(dev);
    let a = wait_active(&hub, &["device_offline:kiosk-7"]).await;
    assert_eq!(a["active"][0]["title"]["fi"], "Laite ei ole yhteydessä");
    let metrics = hub.client(Role::Facility).get(hub.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("aula_hub_alerts_active{kind=\"device_offline\"} 1"), "{metrics}");
    assert!(metrics.contains("aula_hub_devices{status=\"offline\"} 1"), "{metrics}");
    assert!(metrics.contains("aula_hub_dropbox_lid_open{box=\"lobby\"} 0"), "{metrics}");

    // It comes back: the retained Online clears the alert.
    let (dev, _task) = device(broker.port, "kiosk-7", true).await;
    dev.publish(&status, QoS::AtLeastOnce, true, Envelope::new(online).encode()).await.unwrap();
    wait_active(&hub, &[]).await;
    let recent = get(&hub, "/api/alerts").await;
    assert!(recent["recent"].as_array().unwrap().iter().all(|a| !a["cleared_at"].is_null()));

    // Home Assistant discovery: a retained connectivity sensor on the device's own status.
    let mut o = MqttOptions::new("fac-homeassistant", "127.0.0.1", broker.port);
    o.set_keep_alive(Duration::from_secs(5));
    let (ha, mut ha_loop) = AsyncClient::new(o, 100);
    ha.subscribe("homeassistant/#", QoS::AtLeastOnce).await.unwrap();
    let want = "homeassistant/binary_sensor/aula_test_kiosk-7/online/config";
    let config = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) = ha_loop.poll().await
                && p.topic == want
            {
                return serde_json::from_slice::<Value>(&p.payload).unwrap();
            }
        }
    })
    .await
    .expect("discovery config published within 10 s");
    assert_eq!(config["state_topic"], status);
    hub.stop().await;
}
