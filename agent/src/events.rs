//! What the agent tells the application ([`AgentEvent`]) and how an incoming MQTT publish
//! becomes one ([`route`], pure: topic + payload in, decision out). Malformed payloads
//! become [`Inbound::Rejected`] with the protocol's reason code, never a panic or an exit.

use aula_protocol::{CallEvent, Command, DeviceId, HubStatus, QueueState, Reply, SurveyDef, Topic, Topics, decode};

/// Something the application may act on. Delivered on [`crate::AgentEvents`].
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// Connected (or reconnected) to the broker; subscriptions are in place.
    Connected,
    /// Lost the broker; the agent keeps reconnecting with backoff.
    Disconnected,
    /// The retained queue state (signage, kiosk service list).
    QueueState(QueueState),
    /// A number was called or recalled.
    Call(CallEvent),
    /// A command from the hub for this device.
    Command(Command),
    /// A survey definition (retained).
    Survey(SurveyDef),
    /// The hub's retained status (its last will sets `online: false`).
    HubStatus(HubStatus),
    /// A message on a subscribed topic was refused (counted and logged; the session goes on).
    Rejected { topic: String, reason: &'static str },
}

/// What to do with one incoming publish.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Event(AgentEvent),
    /// A reply to a request of this device.
    Reply(Reply),
    /// Nothing to do (an empty retained payload clearing a topic, a topic not for us).
    Ignored,
    Rejected {
        topic: String,
        reason: &'static str,
    },
}

/// Decides what an incoming publish means for device `me`.
pub fn route(topics: &Topics, me: &DeviceId, topic: &str, payload: &[u8]) -> Inbound {
    let parsed = match topics.parse(topic) {
        Ok(t) => t,
        Err(_) => return Inbound::Rejected { topic: topic.into(), reason: "unknown_topic" },
    };
    if payload.is_empty() {
        // Someone cleared a retained topic; nothing to show.
        return Inbound::Ignored;
    }
    let rejected = |e: aula_protocol::DecodeError| Inbound::Rejected { topic: topic.into(), reason: e.reason() };
    fn ev<T: serde::de::DeserializeOwned + aula_protocol::Validate>(
        topic: &str,
        payload: &[u8],
        f: fn(T) -> AgentEvent,
    ) -> Inbound {
        match decode::<T>(payload) {
            Ok(env) => Inbound::Event(f(env.body)),
            Err(e) => Inbound::Rejected { topic: topic.into(), reason: e.reason() },
        }
    }
    match parsed {
        Topic::DeviceReply(d) if &d == me => match decode::<Reply>(payload) {
            Ok(env) => Inbound::Reply(env.body),
            Err(e) => rejected(e),
        },
        Topic::DeviceCmd(d) if &d == me => ev::<Command>(topic, payload, AgentEvent::Command),
        Topic::QueueState => ev::<QueueState>(topic, payload, AgentEvent::QueueState),
        Topic::QueueCall => ev::<CallEvent>(topic, payload, AgentEvent::Call),
        Topic::Survey(_) => ev::<SurveyDef>(topic, payload, AgentEvent::Survey),
        Topic::HubStatus => ev::<HubStatus>(topic, payload, AgentEvent::HubStatus),
        _ => Inbound::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use aula_protocol::{Envelope, SiteId};

    use super::*;

    fn check(topic: &str, payload: &[u8], expected: &str) {
        let topics = Topics::new(SiteId::new("lahti").unwrap());
        let me = DeviceId::new("kiosk-1").unwrap();
        let got = match route(&topics, &me, topic, payload) {
            Inbound::Event(AgentEvent::Command(_)) => "command".to_string(),
            Inbound::Event(AgentEvent::HubStatus(_)) => "hub_status".to_string(),
            Inbound::Event(e) => format!("{e:?}"),
            Inbound::Reply(_) => "reply".into(),
            Inbound::Ignored => "ignored".into(),
            Inbound::Rejected { reason, .. } => format!("rejected:{reason}"),
        };
        assert_eq!(got, expected, "{topic} {:?}", String::from_utf8_lossy(payload));
    }

    #[test]
    fn routes_and_rejects() {
        let cmd = Envelope::new(Command::TestPrint).encode();
        let hub = Envelope::new(HubStatus { online: true, version: "1".into() }).encode();
        check("aula/v1/lahti/device/kiosk-1/cmd", &cmd, "command");
        check("aula/v1/lahti/device/kiosk-2/cmd", &cmd, "ignored");
        check("aula/v1/lahti/hub/status", &hub, "hub_status");
        check("aula/v1/lahti/hub/status", b"", "ignored");
        check("aula/v1/lahti/hub/status", b"garbage", "rejected:not_json");
        check("aula/v1/lahti/hub/status", br#"{"v":99}"#, "rejected:wrong_version");
        check("aula/v1/lahti/device/kiosk-1/cmd", &hub, "rejected:bad_field");
        check("aula/v1/lahti/nope", &hub, "rejected:unknown_topic");
        check("aula/v1/oulu/hub/status", &hub, "rejected:unknown_topic");
    }
}
