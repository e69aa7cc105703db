//! What the hub publishes: its retained status, the surveys (retained), each call and the
//! retained queue state (debounced), and staff commands to one device, all driven by the
//! change feed ([`crate::changes`]).

use std::sync::Arc;
use std::time::Duration;

use aula_protocol::{Envelope, HubStatus, QueueState, Topic};
use rumqttc::{AsyncClient, QoS};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::changes::Change;
use crate::hub::Hub;
use crate::stats::Stats;

/// At most this often the retained queue state is republished for ordinary changes; a call
/// goes out at once.
pub const STATE_DEBOUNCE: Duration = Duration::from_millis(100);

pub async fn status(client: &AsyncClient, hub: &Hub, online: bool) {
    let status = Envelope::new(HubStatus { online, version: env!("CARGO_PKG_VERSION").into() });
    if let Err(e) = client.publish(hub.topics.topic(&Topic::HubStatus), QoS::AtLeastOnce, true, status.encode()).await {
        tracing::warn!(error = %e, "publishing hub status failed");
    }
}

/// Publishes every survey retained on `survey/<id>`, on each (re)connect: the broker may have
/// lost retained messages, and a changed survey file must replace the old definition.
pub async fn surveys(client: &AsyncClient, hub: &Hub) {
    for s in hub.feedback.surveys() {
        let topic = hub.topics.topic(&Topic::Survey(s.id.clone()));
        let env = Envelope::new(s.clone());
        if let Err(e) = client.publish(topic, QoS::AtLeastOnce, true, env.encode()).await {
            tracing::warn!(error = %e, survey = %s.id, "publishing a survey failed");
        }
    }
}

/// Sends out what changed: each call at once on `queue/call` (QoS 1), the retained queue
/// state at most every [`STATE_DEBOUNCE`] (immediately after a call), skipping states equal
/// to the last one published. Ends when every sender of `changes` is gone.
pub async fn publisher(client: AsyncClient, hub: Arc<Hub>, mut changes: mpsc::UnboundedReceiver<Change>) {
    let state_topic = hub.topics.topic(&Topic::QueueState);
    let call_topic = hub.topics.topic(&Topic::QueueCall);
    let mut last: Option<QueueState> = None;
    let mut last_at = Instant::now() - STATE_DEBOUNCE;
    let mut due: Option<Instant> = None;
    loop {
        let change = match due {
            Some(at) => tokio::select! {
                c = changes.recv() => c,
                _ = tokio::time::sleep_until(at) => { due = None; state(&client, &hub, &state_topic, &mut last).await; last_at = Instant::now(); continue; }
            },
            None => changes.recv().await,
        };
        match change {
            None => return,
            Some(Change::Call(ev)) => {
                let env = Envelope::new(ev);
                match client.publish(call_topic.clone(), QoS::AtLeastOnce, false, env.encode()).await {
                    Ok(()) => Stats::inc(&hub.stats.calls_published),
                    Err(e) => tracing::warn!(error = %e, "publishing a call failed"),
                }
                due = None;
                state(&client, &hub, &state_topic, &mut last).await;
                last_at = Instant::now();
            }
            Some(Change::Command(device, env)) => {
                let topic = hub.topics.topic(&Topic::DeviceCmd(device.clone()));
                if let Err(e) = client.publish(topic, QoS::AtLeastOnce, false, env.encode()).await {
                    tracing::warn!(%device, error = %e, "publishing a command failed");
                }
            }
            Some(Change::Resync) => {
                last = None;
                due = None;
                state(&client, &hub, &state_topic, &mut last).await;
                last_at = Instant::now();
            }
            Some(Change::State) => {
                let at = last_at + STATE_DEBOUNCE;
                if at <= Instant::now() && due.is_none() {
                    state(&client, &hub, &state_topic, &mut last).await;
                    last_at = Instant::now();
                } else if due.is_none() {
                    due = Some(at);
                }
            }
        }
    }
}

async fn state(client: &AsyncClient, hub: &Hub, topic: &str, last: &mut Option<QueueState>) {
    let mut qs = hub.queue.queue_state();
    if let Some(prev) = last.as_ref() {
        let mut same = qs.clone();
        same.seq = prev.seq;
        if &same == prev {
            return;
        }
        // The engine's seq counts logged events; an announcement changes the state
        // without an event, so keep the sequence strictly increasing ourselves.
        qs.seq = qs.seq.max(prev.seq + 1);
    }
    let env = Envelope::new(qs.clone());
    match client.publish(topic.to_owned(), QoS::AtLeastOnce, true, env.encode()).await {
        Ok(()) => {
            Stats::inc(&hub.stats.state_published);
            *last = Some(qs);
        }
        Err(e) => tracing::warn!(error = %e, "publishing the queue state failed"),
    }
}
