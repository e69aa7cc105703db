//! Protects the single-machine default: with no `[broker]` the hub starts rumqttd itself and
//! a device can connect to it and get a ticket.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_gets_a_ticket_through_the_embedded_broker() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let hub =
        TestHub::start(hub_config(dir.path(), &format!("[embedded_broker]\nlisten = \"127.0.0.1:{port}\"\n"))).await;
    let mut kiosk = Device::connect(port, "kiosk-1").await;
    let reply = kiosk.request(&kiosk.issue_request("poliisi")).await;
    assert_eq!(ticket(&reply).number.prefix, "P");
    hub.stop().await;
}
