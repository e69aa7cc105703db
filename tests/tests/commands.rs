//! A staff command end to end: `POST /api/devices/{id}/command` on the hub (its own process)
//! reaches the headless agent (`e2e-agent`) through a private Mosquitto on the device's own
//! `cmd` topic, and what the device did comes back as a `command_result` event in the hub's
//! device registry. A typo in the device id or the command is refused with a message saying
//! what exists, never dropped silently.

use std::time::Duration;

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_command_reaches_the_device_and_its_outcome_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker();
    let hub = HubProcess::start(env!("CARGO_BIN_EXE_e2e-hub"), dir.path(), broker.port);
    let _agent = AgentProcess::start(env!("CARGO_BIN_EXE_e2e-agent"), dir.path(), "dropbox-1", "lobby", broker.port, 5);
    let t = Duration::from_secs(20);
    wait_until_async("agent online at the hub", t, async || {
        let d = hub.get_json("/api/devices").await;
        d.as_array().unwrap().iter().any(|d| d["id"] == "dropbox-1" && d["status"]["state"] == "online")
    })
    .await;

    // This drop-box agent has no printer: it must say so, not pretend it printed.
    let r = hub.post_json("/api/devices/dropbox-1/command", json!({"type": "test_print"})).await;
    assert_eq!(r.status(), 202);
    let sent: serde_json::Value = r.json().await.unwrap();
    assert_eq!(sent["ok"], true);
    let mut last = serde_json::Value::Null;
    wait_until_async("the test print's outcome at the hub", t, async || {
        let d = hub.get_json("/api/devices").await;
        last = d.as_array().unwrap().iter().find(|d| d["id"] == "dropbox-1").unwrap()["last_event"].clone();
        last["type"] == "command_result" && last["command"] == "test_print"
    })
    .await;
    assert_eq!(last["ok"], false, "{last}");
    assert!(last["detail"].as_str().unwrap().contains("[printer]"), "{last}");

    // Typos: an unknown device and an unknown command are refused with what exists.
    let r = hub.post_json("/api/devices/dropbox-9/command", json!({"type": "test_print"})).await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("dropbox-1"), "{body}");
    let r = hub.post_json("/api/devices/dropbox-1/command", json!({"type": "reboot_now"})).await;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("reboot"), "{body}");
    // This hub has no surveys file: a survey command names none.
    let r = hub.post_json("/api/devices/dropbox-1/command", json!({"type": "show_survey", "survey": "exit"})).await;
    assert_eq!(r.status(), 404);
}
