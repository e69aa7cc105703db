//! Where the wall's [`Input`]s come from. [`Feed`] is the seam; [`MqttFeed`] is a small
//! subscriber of our own on rumqttc (the shared `aula-agent` runtime was not usable yet when
//! this was written; swapping it in means one more `Feed` impl). It subscribes to the queue
//! state, calls and hub status through [`Topics`] (never a topic string of its own), decodes
//! envelopes with [`decode`], and reports every packet from the broker (keep-alive answers
//! included) as a sign of life, which is what staleness is measured against.

use std::time::Duration;

use aula_protocol::{CallEvent, HubStatus, QueueState, Topic, Topics, decode};
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};

use crate::config::LinkConfig;
use crate::wall::Input;

/// A source of wall inputs, run on its own thread until `deliver` returns false.
pub trait Feed: Send + 'static {
    fn run(self: Box<Self>, deliver: Box<dyn FnMut(Input) -> bool + Send>);
}

/// Subscribes to one site's queue topics on an MQTT broker.
pub struct MqttFeed {
    link: LinkConfig,
    keep_alive: Duration,
}

impl MqttFeed {
    /// `stale_after` sets the keep-alive: pings every third of it, so a healthy but quiet
    /// broker is heard from well within the staleness limit.
    pub fn new(link: LinkConfig, stale_after: Duration) -> Self {
        let keep_alive = (stale_after / 3).clamp(Duration::from_secs(5), Duration::from_secs(60));
        Self { link, keep_alive }
    }

    /// Starts the feed on a thread of its own.
    pub fn spawn(self, deliver: impl FnMut(Input) -> bool + Send + 'static) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("signage-mqtt".into())
            .spawn(move || Box::new(self).run(Box::new(deliver)))
            .expect("spawn mqtt thread")
    }
}

impl Feed for MqttFeed {
    fn run(self: Box<Self>, mut deliver: Box<dyn FnMut(Input) -> bool + Send>) {
        let topics = Topics::new(self.link.site.clone());
        let client_id = format!("aula-signage-{}", self.link.device);
        let mut opts = MqttOptions::new(client_id, self.link.broker_host.clone(), self.link.broker_port);
        opts.set_keep_alive(self.keep_alive);
        // A wall keeps nothing across restarts: the retained state is the truth on connect.
        opts.set_clean_session(true);
        let (client, mut connection) = Client::new(opts, 16);
        let wanted = [Topic::QueueState, Topic::QueueCall, Topic::HubStatus];
        for event in connection.iter() {
            let input = match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    tracing::info!(host = %self.link.broker_host, port = self.link.broker_port, "connected to broker");
                    for t in &wanted {
                        if let Err(e) = client.try_subscribe(topics.topic(t), QoS::AtLeastOnce) {
                            tracing::warn!(error = %e, "subscribe failed");
                        }
                    }
                    Some(Input::Link)
                }
                Ok(Event::Incoming(Packet::Publish(p))) => Some(match topics.parse(&p.topic) {
                    Ok(Topic::QueueState) => match decode::<QueueState>(&p.payload) {
                        Ok(env) => Input::State(env.body),
                        Err(e) => bad(&p.topic, e),
                    },
                    Ok(Topic::QueueCall) => match decode::<CallEvent>(&p.payload) {
                        Ok(env) => Input::Call(env.body),
                        Err(e) => bad(&p.topic, e),
                    },
                    Ok(Topic::HubStatus) => match decode::<HubStatus>(&p.payload) {
                        Ok(env) => Input::Hub(env.body),
                        Err(e) => bad(&p.topic, e),
                    },
                    _ => {
                        tracing::debug!(topic = %p.topic, "unexpected topic");
                        Input::Link
                    }
                }),
                Ok(Event::Incoming(_)) => Some(Input::Link),
                Ok(Event::Outgoing(_)) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "broker connection lost; retrying");
                    if !deliver(Input::Disconnected) {
                        return;
                    }
                    // rumqttc reconnects on the next poll; don't spin while the broker is away.
                    std::thread::sleep(Duration::from_secs(1));
                    None
                }
            };
            if let Some(input) = input
                && !deliver(input)
            {
                return;
            }
        }
    }
}

/// A malformed message is counted in the log and otherwise ignored, never fatal; it still
/// proves the link is alive.
fn bad(topic: &str, e: aula_protocol::DecodeError) -> Input {
    tracing::warn!(topic, reason = e.reason(), error = %e, "ignoring malformed message");
    Input::Link
}

/// The example site with a new call every `every`, for `--demo` and for trying layouts
/// without a hub.
pub struct DemoFeed {
    pub every: Duration,
}

impl Default for DemoFeed {
    fn default() -> Self {
        Self { every: Duration::from_secs(12) }
    }
}

impl DemoFeed {
    pub fn spawn(self, deliver: impl FnMut(Input) -> bool + Send + 'static) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("signage-demo".into())
            .spawn(move || Box::new(self).run(Box::new(deliver)))
            .expect("spawn demo thread")
    }
}

impl Feed for DemoFeed {
    fn run(self: Box<Self>, mut deliver: Box<dyn FnMut(Input) -> bool + Send>) {
        use crate::fixture;
        let mut state = fixture::state(1);
        let places = ["1", "2", "3", "4", "5", "a", "b"];
        let services = [("kela", "K"), ("poliisi", "P"), ("vero", "V"), ("te", "T"), ("neuvonta", "N")];
        if !deliver(Input::State(state.clone())) {
            return;
        }
        for i in 0u32.. {
            std::thread::sleep(self.every);
            let (service, prefix) = services[i as usize % services.len()];
            let mut call = fixture::call(
                &format!("{prefix}{:03}", 40 + i),
                places[i as usize % places.len()],
                service,
                chrono::Duration::zero(),
                aula_protocol::CallKind::Call,
            );
            call.called_at = chrono::Utc::now();
            state.seq += 1;
            state.calls.insert(0, call.clone());
            state.calls.truncate(QueueState::MAX_CALLS);
            if !deliver(Input::Call(call)) || !deliver(Input::State(state.clone())) {
                return;
            }
        }
    }
}
