//! Protects the "nothing lost" chain: requests published at QoS 1 while the hub is stopped
//! wait at the broker (persistent session, clean_session = false) and are processed exactly
//! once when the hub comes back; device messages redelivered are stored once.

use std::time::Duration;

use aula_protocol::{DeviceEvent, Envelope, Topic};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_sent_while_the_hub_is_down_are_answered_once_when_it_returns() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(dir.path(), &external(broker.port));

    // First run establishes the hub's persistent session (its subscriptions).
    let hub = TestHub::start(config.clone()).await;
    let mut kiosk = Device::connect_with(broker.port, "kiosk-1", false).await;
    let first = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).number.clone();
    hub.stop().await;

    // Hub down: the kiosk's outbox publishes 5 requests and 3 events.
    let reqs: Vec<_> = (0..5).map(|_| kiosk.issue_request("vero")).collect();
    for r in &reqs {
        kiosk.send(r).await;
    }
    let event_topic = topics().topic(&Topic::DeviceEvent(kiosk.id.clone()));
    let event = Envelope::new(DeviceEvent::HelpButton);
    for _ in 0..3 {
        // The same envelope three times: a redelivering outbox.
        kiosk.publish_raw(&event_topic, event.encode()).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let hub = TestHub::start(config.clone()).await;
    let mut seqs = Vec::new();
    for r in &reqs {
        seqs.push(ticket(&kiosk.reply_to(r.id).await).number.seq);
    }
    seqs.sort();
    assert_eq!(seqs, (first.seq + 1..=first.seq + 5).collect::<Vec<_>>(), "each queued request exactly one new number");
    hub.wait_for("events stored", |v| v.device_messages + v.duplicates >= 3).await;
    let v = hub.hub.stats.view();
    assert_eq!((v.device_messages, v.duplicates), (1, 2), "the event is stored once");
    let devices = hub.hub.devices.list().unwrap();
    assert_eq!(devices.iter().find(|d| d.id.as_str() == "kiosk-1").unwrap().messages, 1);
    hub.stop().await;

    // A third start: nothing is redelivered (everything was acknowledged after commit).
    let hub = TestHub::start(config).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(hub.hub.stats.view().requests, 0, "{:?}", hub.hub.stats.view());
    hub.stop().await;
}
