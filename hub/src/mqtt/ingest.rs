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
use tokio::sync::mpsc;

use crate::hub::Hub;
use crate::stats::Stats;
use crate::store::{DeviceBody, DeviceMsg};

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

/// Runs until `incoming` closes (the event loop stopped). A panic while applying a batch
/// never ends this loop (see [`apply_isolated`]); if the loop ends anyway, the hub's
/// supervisor in `run_with` notices and stops the process so that systemd restarts it.
pub async fn run(hub: Arc<Hub>, client: AsyncClient, mut incoming: mpsc::UnboundedReceiver<Publish>) {
    hub.stats.intake_running.store(true, std::sync::atomic::Ordering::Relaxed);
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

/// What applying a batch decided: the replies to publish and which messages to acknowledge.
struct Applied {
    replies: Vec<(String, Vec<u8>)>,
    /// Per message of the batch: acknowledge it to the broker.
    ack: Vec<bool>,
    /// The whole batch panicked once and was applied message by message.
    panicked: bool,
}

async fn process(hub: &Hub, client: &AsyncClient, batch: &[Publish]) {
    Stats::inc(&hub.stats.batches);
    let applied = apply_isolated(hub, batch);
    for (topic, payload) in applied.replies {
        match client.publish(topic, QoS::AtLeastOnce, false, payload).await {
            Ok(()) => Stats::inc(&hub.stats.replies),
            Err(e) => tracing::warn!(error = %e, "publishing a reply failed"),
        }
    }
    for (p, ack) in batch.iter().zip(applied.ack) {
        if !ack {
            continue;
        }
        match client.ack(p).await {
            Ok(()) => Stats::inc(&hub.stats.acked),
            Err(e) => tracing::warn!(error = %e, "ack failed"),
        }
    }
}

/// Applies a batch with [`apply`], isolating panics (see [`isolate`]); a quarantined message
/// is counted as `internal_error` and logged.
fn apply_isolated(hub: &Hub, batch: &[Publish]) -> Applied {
    let (applied, quarantined) = isolate(batch, |b| apply(hub, b));
    if !quarantined.is_empty() || applied.panicked {
        Stats::inc(&hub.stats.panics);
    }
    for i in quarantined {
        Stats::inc(&hub.stats.panics);
        hub.stats.reject("internal_error", &batch[i].topic, &"applying this message panicked; it is dropped");
    }
    applied
}

/// Runs `apply` on the whole batch; if that panics (a bug, or a value no check foresaw),
/// runs it on each message alone, and a message that panics alone is acknowledged and
/// returned by index (quarantined), so it can neither stop the intake nor come back from
/// the broker on every start. The engine rolls back a batch that panics, so nothing of a
/// panicked attempt is half stored.
fn isolate<T>(batch: &[T], apply: impl Fn(&[T]) -> Applied) -> (Applied, Vec<usize>) {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    if let Ok(applied) = catch_unwind(AssertUnwindSafe(|| apply(batch))) {
        return (applied, Vec::new());
    }
    tracing::error!(messages = batch.len(), "applying a batch panicked; retrying its messages one by one");
    let mut out = Applied { replies: Vec::new(), ack: Vec::with_capacity(batch.len()), panicked: true };
    let mut quarantined = Vec::new();
    for (i, p) in batch.iter().enumerate() {
        match catch_unwind(AssertUnwindSafe(|| apply(std::slice::from_ref(p)))) {
            Ok(one) => {
                out.replies.extend(one.replies);
                out.ack.extend(one.ack);
            }
            Err(_) => {
                quarantined.push(i);
                out.ack.push(true);
            }
        }
    }
    (out, quarantined)
}

/// The synchronous part of a batch: decode and classify, store device messages in one
/// transaction, answer requests in one engine transaction.
fn apply(hub: &Hub, batch: &[Publish]) -> Applied {
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

    let mut replies = Vec::new();
    if !sorted.requests.is_empty() {
        hub.stats.requests.fetch_add(sorted.requests.len() as u64, std::sync::atomic::Ordering::Relaxed);
        // Help goes to the advisors (the help domain); tickets and check-ins to the engine.
        let (help, queue): (Vec<_>, Vec<_>) =
            sorted.requests.iter().partition(|r| matches!(r.body.kind, aula_protocol::RequestKind::Help));
        let queue: Vec<Envelope<Request>> = queue.into_iter().cloned().collect();
        let mut answers: Vec<(&Envelope<Request>, aula_protocol::Reply)> =
            queue.iter().zip(hub.queue.answer_requests(&queue)).collect();
        for r in help {
            answers.push((r, aula_protocol::Reply { request_id: r.id, result: hub.help.answer(r, now) }));
        }
        for (req, reply) in answers {
            let topic = hub.topics.topic(&Topic::DeviceReply(req.body.device.clone()));
            replies.push((topic, Envelope::new(reply).encode()));
        }
    }
    let ack = batch.iter().map(|p| ack_device || !is_device_topic(hub, &p.topic)).collect();
    Applied { replies, ack, panicked: false }
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
        Topic::DeviceStatus(device) => device_msg(hub, p, now, Some(device), DeviceBody::Status, out),
        Topic::DeviceHealth(device) => device_msg(hub, p, now, Some(device), DeviceBody::Health, out),
        Topic::DeviceEvent(device) => device_msg(hub, p, now, Some(device), DeviceBody::Event, out),
        Topic::Feedback => device_msg(hub, p, now, None, DeviceBody::Feedback, out),
        // Our own outputs (we do not subscribe to them, but a misrouted bridge could send them).
        other => stats.reject("not_for_hub", &p.topic, &format!("{other:?} is published by the hub, not to it")),
    }
}

/// Bodies that name their device (feedback) or take it from the topic.
trait DeviceSent: serde::de::DeserializeOwned + aula_protocol::Validate {
    fn device(&self) -> Option<&aula_protocol::DeviceId> {
        None
    }
}
impl DeviceSent for DeviceStatus {}
impl DeviceSent for Health {}
impl DeviceSent for DeviceEvent {}
impl DeviceSent for FeedbackAnswer {
    fn device(&self) -> Option<&aula_protocol::DeviceId> {
        Some(&self.device)
    }
}

/// Decodes a device message once and carries it typed from here on.
fn device_msg<T: DeviceSent>(
    hub: &Hub,
    p: &Publish,
    now: chrono::DateTime<chrono::Utc>,
    from_topic: Option<aula_protocol::DeviceId>,
    wrap: fn(T) -> DeviceBody,
    out: &mut Sorted,
) {
    match decode::<T>(&p.payload) {
        Ok(env) => {
            let Some(device) = from_topic.or_else(|| env.body.device().cloned()) else { return };
            out.device.push(DeviceMsg { id: env.id, sent_at: env.ts, received_at: now, device, body: wrap(env.body) });
        }
        Err(e) => hub.stats.reject(e.reason(), &p.topic, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies numbered messages; 13 panics (a stand-in for any bug a message can trigger).
    fn apply_numbers(batch: &[u32]) -> Applied {
        let replies = batch
            .iter()
            .map(|n| {
                assert_ne!(*n, 13, "message 13 triggers a bug");
                (format!("reply/{n}"), vec![])
            })
            .collect();
        Applied { replies, ack: vec![true; batch.len()], panicked: false }
    }

    #[test]
    fn a_message_that_panics_is_quarantined_and_the_rest_of_its_batch_is_served() {
        let (applied, quarantined) = isolate(&[1, 2, 13, 4], apply_numbers);
        assert_eq!(quarantined, [2], "the index of message 13");
        let topics: Vec<&str> = applied.replies.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(topics, ["reply/1", "reply/2", "reply/4"]);
        assert_eq!(applied.ack, [true, true, true, true], "the poison message is acknowledged too");
        assert!(applied.panicked);
    }

    #[test]
    fn a_batch_without_panics_is_applied_once_as_a_whole() {
        let (applied, quarantined) = isolate(&[1, 2], apply_numbers);
        assert!(quarantined.is_empty());
        assert!(!applied.panicked);
        assert_eq!(applied.replies.len(), 2);
    }
}
