//! Guards the faults issue's item 0 end to end over real Mosquitto. Before the fix, one
//! offline-ticket record with an absurd issue time panicked the hub's MQTT intake inside an
//! open database transaction: kiosks got no more replies, tickets issued over HTTP answered
//! 201 but were never written, after a restart the same numbers were handed out again, and
//! the unacknowledged message panicked the intake again on every start.

use aula_protocol::{Envelope, Lang, OfflineIssue, Rejection, ReplyResult, Request, RequestKind, ServiceId};
use chrono::{DateTime, TimeDelta, Utc};

use crate::support::*;

fn offline(device: &Device, number: &str, issued_at: DateTime<Utc>) -> Envelope<Request> {
    Envelope::new(Request {
        device: device.id.clone(),
        lang: Lang::fi(),
        kind: RequestKind::IssueTicket {
            service: ServiceId::new("vero").unwrap(),
            needs: Default::default(),
            offline: Some(OfflineIssue { number: number.parse().unwrap(), issued_at }),
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_issue_time_is_refused_and_the_hub_keeps_every_number_once() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(dir.path(), &external(broker.port));
    let hub = TestHub::start(config.clone()).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;

    // The end of chrono's range: refused by the decoder (no plausible clock says so),
    // counted, acknowledged, never near the engine.
    kiosk.send(&offline(&kiosk, "V900", DateTime::<Utc>::MAX_UTC)).await;
    hub.wait_for("the absurd time counted as invalid", |v| v.rejected.get("invalid") == Some(&1)).await;

    // Plausible as a date but a year ahead of the hub: the engine refuses it with a reason.
    let ahead = offline(&kiosk, "V901", Utc::now() + TimeDelta::days(365));
    match kiosk.request(&ahead).await.result {
        ReplyResult::Rejected(Rejection::BadRequest { message }) => assert!(message.contains("issued"), "{message}"),
        other => panic!("expected a BadRequest reply, got {other:?}"),
    }

    // The intake is alive: a kiosk request is answered, and a desk ticket is written.
    let first = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).number.to_string();
    let resp = hub
        .client(Role::Advisor)
        .post(hub.url("/api/tickets"))
        .json(&serde_json::json!({"service": "vero"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let desk: serde_json::Value = resp.json().await.unwrap();
    let desk = desk["number"].as_str().unwrap().to_owned();
    assert_ne!(first, desk);
    hub.stop().await;

    // After a restart both numbers are still taken: the next is new, the desk ticket exists.
    let hub = TestHub::start(config).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let after = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).number.to_string();
    assert!(after != first && after != desk, "{after} was handed out before the restart ({first}, {desk})");
    let queue: serde_json::Value =
        hub.client(Role::Advisor).get(hub.url("/api/queue")).send().await.unwrap().json().await.unwrap();
    let vero = queue["services"].as_array().unwrap().iter().find(|s| s["id"] == "vero").unwrap();
    assert_eq!(vero["waiting"], 3, "kiosk ticket, desk ticket and the new one: {vero}");
    // Nothing was left unacknowledged to panic the intake again on start.
    assert_eq!(hub.hub.stats.view().rejected.get("invalid"), None);
    hub.stop().await;
}
