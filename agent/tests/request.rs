//! Request/response: a request either gets the reply with its own id or fails cleanly
//! (timeout, not connected); it never hangs and never takes someone else's reply.

use std::time::{Duration, Instant};

use aula_agent::{Agent, RequestError};
use aula_protocol::{Envelope, Lang, MessageId, Rejection, Reply, ReplyResult, Request, RequestKind, Topic, decode};
use rumqttc::QoS;

use crate::support::{Sub, broker, config, free_port, topics, wait_until_async};

/// Guards: with no hub listening, `request` returns `Timeout` after the configured time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_times_out_without_a_hub() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let mut cfg = config(dir.path(), "kiosk-1", broker.port);
    cfg.request_timeout_ms = 400;
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    wait_until_async("connected", Duration::from_secs(5), async || agent.is_connected()).await;
    let t0 = Instant::now();
    let r = agent.request(Lang::fi(), RequestKind::Help).await;
    assert_eq!(r, Err(RequestError::Timeout(Duration::from_millis(400))));
    assert!(t0.elapsed() < Duration::from_millis(1000));
}

/// Guards: without a broker, `request` fails at once with `NotConnected`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_without_broker_is_not_connected() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "kiosk-2", free_port());
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    let r = agent.request(Lang::fi(), RequestKind::Help).await;
    assert_eq!(r, Err(RequestError::NotConnected));
}

/// Guards: the reply is matched by request id; a reply for an unknown id (first) is ignored
/// and counted, and a caller-chosen id round-trips.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_gets_its_own_reply() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(false);
    let cfg = config(dir.path(), "kiosk-3", broker.port);
    let t = topics();
    // A fake hub: answers every request, after first sending a reply for a stranger id.
    let mut hub = Sub::start(broker.port, "fake-hub", false, &t.hub_filters()[4]).await;
    let hub_client = hub.client.clone();
    let t2 = t.clone();
    tokio::spawn(async move {
        while let Some(m) = hub.rx.recv().await {
            let req: Envelope<Request> = decode(&m.payload).unwrap();
            let reply_topic = t2.topic(&Topic::DeviceReply(req.body.device.clone()));
            let stranger = Envelope::new(Reply { request_id: MessageId::new(), result: ReplyResult::HelpComing });
            hub_client.publish(&reply_topic, QoS::AtLeastOnce, false, stranger.encode()).await.unwrap();
            let result = match req.body.kind {
                RequestKind::Help => ReplyResult::HelpComing,
                _ => ReplyResult::Rejected(Rejection::UnknownBooking),
            };
            let reply = Envelope::new(Reply { request_id: req.id, result });
            hub_client.publish(&reply_topic, QoS::AtLeastOnce, false, reply.encode()).await.unwrap();
        }
    });
    let (agent, _events) = Agent::start(cfg, "test").await.unwrap();
    wait_until_async("connected", Duration::from_secs(5), async || agent.is_connected()).await;
    let reply = agent.request(Lang::fi(), RequestKind::Help).await.unwrap();
    assert_eq!(reply.result, ReplyResult::HelpComing);

    let id = MessageId::new();
    let kind = RequestKind::CheckIn { code: "K7P2QX".into(), needs: Default::default() };
    let reply = agent.request_with_id(id, Lang::en(), kind).await.unwrap();
    assert_eq!(reply.request_id, id);
    assert_eq!(reply.result, ReplyResult::Rejected(Rejection::UnknownBooking));
    wait_until_async("stranger replies counted", Duration::from_secs(2), async || agent.stats().unmatched_replies >= 2)
        .await;
}
