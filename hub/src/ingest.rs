//! The ingest loop: what devices send, in group-committed batches.
//!
//! The "nothing lost" chain: a device publishes at QoS 1 from its outbox → the broker keeps
//! the message until the hub acknowledges it → the hub acknowledges only after the message is
//! committed to SQLite. Per batch: take what has arrived (up to [`MAX_BATCH`]), decode and
//! classify each message, answer all requests in one engine transaction, store all device
//! messages in one device-store transaction, publish the replies, then ack the whole batch.
//! A crash anywhere before the ack means redelivery, and redelivery is harmless: requests are
//! idempotent per envelope id in the engine, device messages are stored once per id.
//!
//! Refused input (bad topic, garbage, wrong schema version, wrong types, oversized) is counted
//! per reason, logged (rate-limited) and acknowledged: redelivering it would not make it
//! better.

use std::sync::Arc;

use aula_protocol::{DeviceEvent, DeviceStatus, Envelope, FeedbackAnswer, Health, Request, Topic, TopicError, decode};
use rumqttc::{AsyncClient, Publish, QoS};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::hub::{Change, Hub};
use crate::stats::Stats;
use crate::store::{DeviceMsg, MsgKind};

/// Most messages taken into one transaction. The broker's in-flight window (Mosquitto's
/// `max_inflight_messages`, 20 by default) usually caps a batch first.
pub const MAX_BATCH: usize = 512;

/// Stable reason names for topic errors (counted like `DecodeError::reason()`).
pub fn topic_reason(e: &TopicError) -> &'static str {
    match e {
        TopicError::NotAula(_) => "not_aula_topic",
        TopicError::OtherSite { .. } => "other_site",
        TopicError::Unknown(_) => "unknown_topic",
        TopicError::BadId { .. } => "bad_topic_id",
    }
}

/// Runs until `incoming` closes (the event loop stopped).
pub async fn run(hub: Arc<Hub>, client: AsyncClient, mut incoming: mpsc::UnboundedReceiver<Publish>) {
    let mut batch = Vec::with_capacity(64);
    while let Some(first) = incoming.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match incoming.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        process(&hub, &client, &batch).await;
        batch.clear();
    }
}

/// What one batch turned into.
#[derive(Default)]
struct Sorted {
    requests: Vec<Envelope<Request>>,
    device: Vec<DeviceMsg>,
}

async fn process(hub: &Hub, client: &AsyncClient, batch: &[Publish]) {
    Stats::inc(&hub.stats.batches);
    let now = hub.now();
    let mut sorted = Sorted::default();
    for p in batch {
        Stats::inc(&hub.stats.received);
        classify(hub, p, now, &mut sorted);
    }

    let mut ack_device = true;
    if !sorted.device.is_empty() {
        match hub.store_device_messages(&sorted.device) {
            Ok(fresh) => {
                hub.stats.device_messages.fetch_add(fresh as u64, std::sync::atomic::Ordering::Relaxed);
                hub.stats
                    .duplicates
                    .fetch_add((sorted.device.len() - fresh) as u64, std::sync::atomic::Ordering::Relaxed);
            }
            Err(e) => {
                // Not acknowledged: the broker redelivers them after the next reconnect.
                Stats::inc(&hub.stats.store_failures);
                tracing::error!(error = %e, messages = sorted.device.len(), "storing device messages failed");
                ack_device = false;
            }
        }
    }

    if !sorted.requests.is_empty() {
        hub.stats.requests.fetch_add(sorted.requests.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let replies = hub.answer_requests(&sorted.requests);
        for (req, reply) in sorted.requests.iter().zip(replies) {
            let topic = hub.topics.topic(&Topic::DeviceReply(req.body.device.clone()));
            let env = Envelope::new(reply);
            match client.publish(topic, QoS::AtLeastOnce, false, env.encode()).await {
                Ok(()) => Stats::inc(&hub.stats.replies),
                Err(e) => tracing::warn!(error = %e, "publishing a reply failed"),
            }
        }
        hub.notify(Change::State);
    }

    for p in batch {
        if !ack_device && is_device_topic(hub, &p.topic) {
            continue;
        }
        match client.ack(p).await {
            Ok(()) => Stats::inc(&hub.stats.acked),
            Err(e) => tracing::warn!(error = %e, "ack failed"),
        }
    }
}

fn is_device_topic(hub: &Hub, topic: &str) -> bool {
    matches!(
        hub.topics.parse(topic),
        Ok(Topic::DeviceStatus(_) | Topic::DeviceHealth(_) | Topic::DeviceEvent(_) | Topic::Feedback)
    )
}

fn classify(hub: &Hub, p: &Publish, now: chrono::DateTime<chrono::Utc>, out: &mut Sorted) {
    let topic = match hub.topics.parse(&p.topic) {
        Ok(t) => t,
        Err(e) => return hub.stats.reject(topic_reason(&e), &p.topic, &e),
    };
    let stats = &hub.stats;
    match topic {
        Topic::HubRequest(verb) => match decode::<Request>(&p.payload) {
            Ok(env) if env.body.kind.verb() != verb => stats.reject(
                "verb_mismatch",
                &p.topic,
                &format!("request of kind {} sent to {}", env.body.kind.verb().as_str(), verb.as_str()),
            ),
            Ok(env) => out.requests.push(env),
            Err(e) => stats.reject(e.reason(), &p.topic, &e),
        },
        Topic::DeviceStatus(device) => device_msg::<DeviceStatus>(hub, p, now, MsgKind::Status, Some(device), out),
        Topic::DeviceHealth(device) => device_msg::<Health>(hub, p, now, MsgKind::Health, Some(device), out),
        Topic::DeviceEvent(device) => device_msg::<DeviceEvent>(hub, p, now, MsgKind::Event, Some(device), out),
        Topic::Feedback => device_msg::<FeedbackAnswer>(hub, p, now, MsgKind::Feedback, None, out),
        // Our own outputs (we do not subscribe to them, but a misrouted bridge could send them).
        other => stats.reject("not_for_hub", &p.topic, &format!("{other:?} is published by the hub, not to it")),
    }
}

/// Bodies that name their device (feedback) or take it from the topic.
trait DeviceBody: serde::de::DeserializeOwned + aula_protocol::Validate + Serialize {
    fn device(&self) -> Option<&aula_protocol::DeviceId> {
        None
    }
}
impl DeviceBody for DeviceStatus {}
impl DeviceBody for Health {}
impl DeviceBody for DeviceEvent {}
impl DeviceBody for FeedbackAnswer {
    fn device(&self) -> Option<&aula_protocol::DeviceId> {
        Some(&self.device)
    }
}

fn device_msg<T: DeviceBody>(
    hub: &Hub,
    p: &Publish,
    now: chrono::DateTime<chrono::Utc>,
    kind: MsgKind,
    from_topic: Option<aula_protocol::DeviceId>,
    out: &mut Sorted,
) {
    match decode::<T>(&p.payload) {
        Ok(env) => {
            let Some(device) = from_topic.or_else(|| env.body.device().cloned()) else { return };
            let body = serde_json::to_string(&env.body).expect("protocol types always serialise");
            out.device.push(DeviceMsg { id: env.id, sent_at: env.ts, received_at: now, device, kind, body });
        }
        Err(e) => hub.stats.reject(e.reason(), &p.topic, &e),
    }
}
