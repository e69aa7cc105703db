//! The change feed: what happened in the hub that must go out over MQTT (the retained queue
//! state, a call, a device command). Domains get a [`Changes`] sender at construction and
//! never know who listens; the MQTT publisher (`mqtt::publish`) is the one receiver.

use aula_protocol::{CallEvent, Command, DeviceId, Envelope};
use tokio::sync::mpsc;

/// What the publisher must send out.
#[derive(Debug, Clone)]
pub enum Change {
    /// The queue changed: republish the retained state (debounced).
    State,
    /// A call or recall: publish it on `queue/call` now, then the state.
    Call(CallEvent),
    /// (Re)connected: publish the state now even if unchanged (the broker may have lost it).
    Resync,
    /// A staff command for one device: publish it on that device's `cmd` topic (QoS 1).
    Command(DeviceId, Envelope<Command>),
}

/// The sending side of the change feed (cheap to clone).
#[derive(Debug, Clone)]
pub struct Changes(mpsc::UnboundedSender<Change>);

impl Changes {
    /// A feed and its one receiver.
    pub fn channel() -> (Changes, mpsc::UnboundedReceiver<Change>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Changes(tx), rx)
    }

    pub fn send(&self, change: Change) {
        // The publisher only stops at shutdown; a lost notification then does not matter.
        let _ = self.0.send(change);
    }
}
