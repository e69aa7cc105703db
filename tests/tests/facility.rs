//! The drop box end to end: the headless agent loop (`aula_agent::runner`, run as
//! `e2e-agent`) with simulated GPIO, a private Mosquitto, the hub as its own process. Lid and
//! "emptied" switch changes typed on the agent's stdin become exactly the expected ledger rows
//! at the hub; a lid left open raises "lid open too long"; an agent killed with SIGKILL is
//! shown offline through its last will (alert raised), and the alert clears when the agent
//! comes back.

use std::time::Duration;

use crate::support::{AgentProcess, HubProcess, broker, wait_until_async};
use serde_json::Value;

fn has_alert(alerts: &Value, kind: &str, subject: &str) -> bool {
    alerts["active"].as_array().unwrap().iter().any(|a| a["kind"] == kind && a["subject"] == subject)
}

fn kinds(ledger: &Value) -> Vec<String> {
    ledger["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_box_agent_fills_the_ledger_and_its_death_raises_offline_until_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker();
    let hub = HubProcess::start_with(
        env!("CARGO_BIN_EXE_e2e-hub"),
        dir.path(),
        broker.port,
        "",
        "[[dropbox]]\nid = \"lobby\"\nemptying = [\"16:15\"]\nlid_open_limit_s = 1\n",
    );
    let mut agent =
        AgentProcess::start(env!("CARGO_BIN_EXE_e2e-agent"), dir.path(), "dropbox-1", "lobby", broker.port, 1);
    let t = Duration::from_secs(20);
    wait_until_async("agent online at the hub", t, async || {
        let d = hub.get_json("/api/devices").await;
        d.as_array().unwrap().iter().any(|d| d["id"] == "dropbox-1" && d["status"]["state"] == "online")
    })
    .await;

    // A deposit with a chattering lid switch: five edges within 16 ms as it opens and again as
    // it closes 300 ms later (50 ms debounce) are one opening and one closing, nothing more.
    agent.input("lid bounce open");
    tokio::time::sleep(Duration::from_millis(300)).await;
    agent.input("lid bounce closed");
    wait_until_async("a deposit in the ledger", t, async || {
        kinds(&hub.get_json("/api/dropbox/lobby/ledger").await).len() == 2
    })
    .await;

    // A long open: alert after 1 s, cleared by closing.
    agent.input("lid open");
    wait_until_async("lid open too long", t, async || {
        has_alert(&hub.get_json("/api/alerts").await, "lid_open_too_long", "lobby")
    })
    .await;
    agent.input("lid closed");
    wait_until_async("lid alert cleared", t, async || {
        !has_alert(&hub.get_json("/api/alerts").await, "lid_open_too_long", "lobby")
    })
    .await;

    // The staff's "emptied" switch inside the collection door.
    agent.input("emptied");
    wait_until_async("emptied by the switch", t, async || {
        kinds(&hub.get_json("/api/dropbox/lobby/ledger").await).len() == 5
    })
    .await;
    let day = hub.get_json("/api/dropbox/lobby/ledger").await;
    assert_eq!(kinds(&day), ["lid_opened", "lid_closed", "lid_opened", "lid_closed", "emptied"]);
    assert_eq!(day["deposits"], 2);
    assert_eq!(day["emptyings"][0]["by"], "switch");
    assert_eq!(day["emptyings"][0]["device"], "dropbox-1");
    assert_eq!(day["emptyings"][0]["deposits_before"], 2);
    assert!(day["entries"].as_array().unwrap().iter().all(|e| e["device_at"].is_string()), "device times kept: {day}");

    // SIGKILL: only the broker's last will can tell the hub.
    agent.kill9();
    wait_until_async("offline alert through the last will", t, async || {
        has_alert(&hub.get_json("/api/alerts").await, "device_offline", "dropbox-1")
    })
    .await;
    agent.restart();
    wait_until_async("offline alert cleared on return", t, async || {
        !has_alert(&hub.get_json("/api/alerts").await, "device_offline", "dropbox-1")
    })
    .await;
    let alerts = hub.get_json("/api/alerts").await;
    let offline: Vec<&Value> =
        alerts["recent"].as_array().unwrap().iter().filter(|a| a["kind"] == "device_offline").collect();
    assert_eq!(offline.len(), 1, "raised once, cleared once: {alerts}");
    assert!(offline[0]["cleared_at"].is_string());
    // The ledger is unchanged by the restart (no replayed rows).
    assert_eq!(kinds(&hub.get_json("/api/dropbox/lobby/ledger").await).len(), 5);
}
