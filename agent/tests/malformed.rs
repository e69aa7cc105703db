//! Garbage on a subscribed topic is counted, logged and reported as `Rejected`; the session
//! goes on and the next valid message is delivered.

use std::time::Duration;

use aula_agent::{Agent, AgentEvent};
use aula_protocol::{Command, Envelope, Health, Topic, decode};
use rumqttc::QoS;

use crate::support::{Sub, broker, config, topics, wait_until_async};

async fn next_event(events: &mut aula_agent::AgentEvents) -> AgentEvent {
    tokio::time::timeout(Duration::from_secs(5), events.recv()).await.expect("event in time").expect("open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_counted_and_survived() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let cfg = config(dir.path(), "signage-1", broker.port);
    let t = topics();
    let me = cfg.device.clone();
    let (agent, mut events) = Agent::start(cfg, "test").await.unwrap();
    assert_eq!(next_event(&mut events).await, AgentEvent::Connected);
    tokio::time::sleep(Duration::from_millis(200)).await; // let the SUBSCRIBE land

    let pubber = Sub::start(broker.port, "test-pub", false, "unused/x").await;
    let c = &pubber.client;
    c.publish(t.topic(&Topic::QueueState), QoS::AtLeastOnce, false, b"\x00\xffgarbage".to_vec()).await.unwrap();
    c.publish(t.topic(&Topic::HubStatus), QoS::AtLeastOnce, false, br#"{"v":7,"id":"x"}"#.to_vec()).await.unwrap();
    c.publish(t.topic(&Topic::DeviceReply(me.clone())), QoS::AtLeastOnce, false, br#"{"v":1}"#.to_vec()).await.unwrap();
    c.publish(t.topic(&Topic::QueueCall), QoS::AtLeastOnce, false, vec![b'{'; 100_000]).await.unwrap();
    let cmd = Envelope::new(Command::TestPrint);
    c.publish(t.topic(&Topic::DeviceCmd(me)), QoS::AtLeastOnce, false, cmd.encode()).await.unwrap();

    let mut reasons = Vec::new();
    loop {
        match next_event(&mut events).await {
            AgentEvent::Rejected { reason, .. } => reasons.push(reason),
            AgentEvent::Command(c) => {
                assert_eq!(c, Command::TestPrint);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(reasons, ["not_json", "wrong_version", "bad_field", "too_large"]);
    assert_eq!(agent.stats().malformed, 4);
    wait_until_async("still connected", Duration::from_secs(5), async || agent.is_connected()).await;
}

/// Guards: the health publisher runs and reports the outbox backlog, with D-Bus figures
/// "unknown" where no system bus exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let mut cfg = config(dir.path(), "dropbox-9", broker.port);
    cfg.health_interval_s = 1;
    let topic = topics().topic(&Topic::DeviceHealth(cfg.device.clone()));
    let mut sub = Sub::start(broker.port, "test-sub-health", false, &topic).await;
    let (_agent, _events) = Agent::start(cfg, "9.9.9").await.unwrap();
    let m = sub.next_on(&topic, Duration::from_secs(5)).await.expect("health");
    let h: Envelope<Health> = decode(&m.payload).unwrap();
    assert_eq!(h.body.version, "9.9.9");
    assert!(h.body.mem_total_bytes.is_some() && h.body.disk_free_bytes.is_some());
    eprintln!("health sample: {:?}", h.body);
}
