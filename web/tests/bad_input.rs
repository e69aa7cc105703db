//! Protects "bad input is counted and survived": garbage bytes, a wrong schema version,
//! wrong field types, a 1 MB payload and an unknown topic are each counted under their
//! reason in `/api/stats`, and the hub still answers a valid request afterwards. The 1 MB
//! case also guards a poison-message bug: if the hub's MQTT client refused the packet, the
//! connection would drop and the broker would redeliver it for ever.

use aula_hub::stats::StatsView;
use aula_protocol::{Topic, Verb};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_of_bad_input_is_counted_and_the_hub_keeps_serving() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start(hub_config(dir.path(), &external(broker.port))).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let t = topics();
    let req_topic = t.topic(&Topic::HubRequest(Verb::IssueTicket));

    // (topic, payload, expected reason)
    let valid = String::from_utf8(kiosk.issue_request("vero").encode()).unwrap();
    let cases: Vec<(String, Vec<u8>, &str)> = vec![
        (req_topic.clone(), b"\x00\xff garbage \x13".to_vec(), "not_json"),
        (req_topic.clone(), valid.replacen("\"v\":1", "\"v\":9", 1).into_bytes(), "wrong_version"),
        (req_topic.clone(), valid.replacen("\"service\":\"vero\"", "\"service\":7", 1).into_bytes(), "bad_field"),
        (req_topic.clone(), vec![b'x'; 1024 * 1024], "too_large"),
        (
            format!("{}hub/request/dance", t.all_filter().trim_end_matches('#')),
            valid.clone().into_bytes(),
            "unknown_topic",
        ),
        (t.topic(&Topic::DeviceHealth(kiosk.id.clone())), br#"{"v":1}"#.to_vec(), "bad_field"),
    ];
    for (topic, payload, _) in &cases {
        kiosk.publish_raw(topic, payload.clone()).await;
    }
    let expected = |v: &StatsView| {
        v.rejected.get("not_json") == Some(&1)
            && v.rejected.get("wrong_version") == Some(&1)
            && v.rejected.get("bad_field") == Some(&2)
            && v.rejected.get("too_large") == Some(&1)
            && v.rejected.get("unknown_topic") == Some(&1)
    };
    hub.wait_for("every refusal counted", expected).await;

    // Visible in the API.
    let stats: StatsView =
        hub.client(Role::Facility).get(hub.url("/api/stats")).send().await.unwrap().json().await.unwrap();
    assert!(expected(&stats), "{stats:?}");

    // Still serving.
    let reply = kiosk.request(&kiosk.issue_request("vero")).await;
    assert_eq!(ticket(&reply).number.prefix, "V");
    hub.stop().await;
}
