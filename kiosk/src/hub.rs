//! Talking to the hub, as the controller sees it: the [`HubClient`] trait, the [`Inbox`]
//! through which answers come back, and the cached queue state (today's services for a kiosk
//! restarted while the hub is away). The one implementation is
//! [`crate::agent_hub::AgentHub`], over the shared device runtime `aula-agent`; the tests put
//! a scripted hub behind the same trait.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use aula_protocol::{DeviceEvent, Envelope, MessageId, QueueState, Request, decode};
use chrono::Utc;

use crate::flow::Input;

/// Where asynchronous results (replies, print results, queue states) go: the controller's
/// queue, plus a waker that makes the UI thread drain it promptly.
#[derive(Clone)]
pub struct Inbox {
    tx: mpsc::Sender<Input>,
    waker: Arc<dyn Fn() + Send + Sync>,
}

impl Inbox {
    pub fn new(waker: Arc<dyn Fn() + Send + Sync>) -> (Self, mpsc::Receiver<Input>) {
        let (tx, rx) = mpsc::channel();
        (Self { tx, waker }, rx)
    }
    pub fn send(&self, input: Input) {
        if self.tx.send(input).is_ok() {
            (self.waker)();
        }
    }
}

/// What the controller needs from the hub. Non-blocking: results arrive through the [`Inbox`].
pub trait HubClient {
    /// Publishes a request. Its reply arrives as [`Input::Reply`] with the same id; if the
    /// client knows it is offline it answers [`crate::flow::HubFailure::NotConnected`] at once.
    fn send(&self, id: MessageId, request: Request);
    /// Stores a request durably; delivered whenever the hub is reachable, even after a restart.
    fn enqueue(&self, id: MessageId, request: Request);
    /// Reports a device event (QoS 1).
    fn event(&self, event: DeviceEvent);
}

fn queue_cache_path(state_dir: &Path) -> PathBuf {
    state_dir.join("queue-state.json")
}

/// Keeps the hub's latest queue state on disk (write, then rename: a power cut never leaves
/// half a file), so a kiosk restarted while the hub is away still lists today's services and
/// can give offline numbers.
pub fn cache_queue_state(state_dir: &Path, state: &QueueState) -> std::io::Result<()> {
    let path = queue_cache_path(state_dir);
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, Envelope::new(state).encode())?;
    std::fs::rename(&tmp, &path)
}

/// The last queue state received from the hub, if it is from today (site-local day is
/// close enough: a stale list from yesterday would offer the wrong services).
pub fn cached_queue_state(state_dir: &Path) -> Option<QueueState> {
    let bytes = std::fs::read(queue_cache_path(state_dir)).ok()?;
    let env = decode::<QueueState>(&bytes).ok()?;
    (env.ts.date_naive() == Utc::now().date_naive()).then_some(env.body)
}
