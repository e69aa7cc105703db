//! One device message as the hub carries it after decoding: typed ([`DeviceBody`]), decoded
//! once at the intake and never re-parsed on its way to the domains' tables.

use aula_protocol::{DeviceEvent, DeviceId, DeviceStatus, FeedbackAnswer, Health, MessageId};
use chrono::{DateTime, Utc};

/// What kind of device message a row holds (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgKind {
    Status,
    Health,
    Event,
    Feedback,
}

impl MsgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MsgKind::Status => "status",
            MsgKind::Health => "health",
            MsgKind::Event => "event",
            MsgKind::Feedback => "feedback",
        }
    }
}

/// A device message's body, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceBody {
    Status(DeviceStatus),
    Health(Health),
    Event(DeviceEvent),
    Feedback(FeedbackAnswer),
}

impl DeviceBody {
    pub fn kind(&self) -> MsgKind {
        match self {
            DeviceBody::Status(_) => MsgKind::Status,
            DeviceBody::Health(_) => MsgKind::Health,
            DeviceBody::Event(_) => MsgKind::Event,
            DeviceBody::Feedback(_) => MsgKind::Feedback,
        }
    }

    /// The body as JSON, for the message table (protocol types always serialise).
    pub fn to_json(&self) -> String {
        let r = match self {
            DeviceBody::Status(b) => serde_json::to_string(b),
            DeviceBody::Health(b) => serde_json::to_string(b),
            DeviceBody::Event(b) => serde_json::to_string(b),
            DeviceBody::Feedback(b) => serde_json::to_string(b),
        };
        r.expect("protocol types always serialise")
    }
}

/// One decoded device message, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceMsg {
    pub id: MessageId,
    /// The device's own timestamp (envelope `ts`).
    pub sent_at: DateTime<Utc>,
    /// When the hub received it.
    pub received_at: DateTime<Utc>,
    pub device: DeviceId,
    pub body: DeviceBody,
}

impl DeviceMsg {
    pub fn kind(&self) -> MsgKind {
        self.body.kind()
    }
}
