//! [`Agent`], the handle applications hold: start the session, ask the hub, put events into
//! the outbox, read the link state, shut down. All MQTT work happens in the session task
//! (`session.rs`); this file only shares state with it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aula_protocol::{
    DeviceEvent, DeviceId, Envelope, FeedbackAnswer, Lang, MessageId, PrinterState, Reply, Request, RequestKind, Topic,
    Topics,
};
use serde::Serialize;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::config::AgentConfig;
use crate::error::{AgentError, OutboxError, RequestError};
use crate::events::AgentEvent;
use crate::outbox::Outbox;

/// The application's end of the event stream. Bounded: if the application stops reading,
/// further events are dropped (and counted in [`AgentStats::events_dropped`]) rather than
/// stalling the MQTT session.
pub type AgentEvents = mpsc::Receiver<AgentEvent>;

/// Capacity of [`AgentEvents`].
pub const EVENT_CAPACITY: usize = 1024;

/// Counters for logs, health and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Successful connections (the first one included).
    pub connects: u64,
    /// Messages on subscribed topics that were refused (garbage, wrong version, bad fields).
    pub malformed: u64,
    /// Replies whose request id nobody waits for (late, or for another run).
    pub unmatched_replies: u64,
    /// Events the application did not read in time.
    pub events_dropped: u64,
    /// Outbox rows the broker acknowledged.
    pub outbox_acked: u64,
}

/// Requests sent to the session task.
#[derive(Debug)]
pub(crate) enum SessionMsg {
    /// Publish outside the outbox (requests at QoS 1, health at QoS 0). Dropped when not
    /// connected.
    Publish { topic: String, payload: Vec<u8>, qos: rumqttc::QoS, retain: bool },
    /// Publish `Offline`, disconnect cleanly, then confirm.
    Shutdown(oneshot::Sender<()>),
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub connects: AtomicU64,
    pub malformed: AtomicU64,
    pub unmatched_replies: AtomicU64,
    pub events_dropped: AtomicU64,
    pub outbox_acked: AtomicU64,
}

/// State shared by the handles, the session task and the health task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub cfg: AgentConfig,
    pub version: String,
    pub topics: Topics,
    pub outbox: Outbox,
    pub started: Instant,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub connected: AtomicBool,
    /// Milliseconds since `started` of the last valid incoming message; 0 = none yet.
    pub last_message_ms: AtomicU64,
    pub counters: Counters,
    pub waiting: Mutex<HashMap<MessageId, oneshot::Sender<Reply>>>,
    /// Wakes the session when new outbox rows were committed.
    pub kick: Notify,
    pub to_session: mpsc::UnboundedSender<SessionMsg>,
    pub printer: Mutex<Option<PrinterState>>,
}

impl Shared {
    pub(crate) fn me(&self) -> &DeviceId {
        &self.cfg.device
    }

    pub(crate) fn touch(&self) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.last_message_ms.store(ms.max(1), Ordering::Relaxed);
    }
}

/// Dropping the last [`Agent`] clone drops this, which ends the session abruptly (like a
/// crash: no DISCONNECT, so the broker publishes the last will).
#[derive(Debug)]
struct Life {
    _alive: oneshot::Sender<()>,
}

/// The device runtime's handle; cheap to clone. See the crate docs for an example.
#[derive(Debug, Clone)]
pub struct Agent {
    shared: Arc<Shared>,
    _life: Arc<Life>,
}

impl Agent {
    /// Opens the outbox and spawns the MQTT session (and the health publisher when
    /// `health_interval_s > 0`) on the current tokio runtime. Returns at once: the session
    /// connects in the background and keeps reconnecting forever; watch
    /// [`AgentEvent::Connected`] or [`Agent::is_connected`].
    pub async fn start(cfg: AgentConfig, version: &str) -> Result<(Agent, AgentEvents), AgentError> {
        let path = cfg.outbox_path.clone();
        let outbox = tokio::task::spawn_blocking(move || Outbox::open(&path))
            .await
            .map_err(|_| OutboxError::TaskGone { path: cfg.outbox_path.clone() })??;
        let (to_session, session_rx) = mpsc::unbounded_channel();
        let (events_tx, events_rx) = mpsc::channel(EVENT_CAPACITY);
        let (life_tx, life_rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            topics: Topics::new(cfg.site.clone()),
            version: version.to_string(),
            outbox,
            started: Instant::now(),
            started_at: chrono::Utc::now(),
            connected: AtomicBool::new(false),
            last_message_ms: AtomicU64::new(0),
            counters: Counters::default(),
            waiting: Mutex::new(HashMap::new()),
            kick: Notify::new(),
            to_session,
            printer: Mutex::new(None),
            cfg,
        });
        let health = (shared.cfg.health_interval_s > 0).then(|| tokio::spawn(crate::health::run(shared.clone())));
        tokio::spawn(crate::session::run(shared.clone(), session_rx, life_rx, events_tx, health));
        Ok((Agent { shared, _life: Arc::new(Life { _alive: life_tx }) }, events_rx))
    }

    /// Asks the hub (QoS 1 on `hub/request/<verb>`) and waits for the reply on
    /// `device/<id>/reply` with the same request id, at most `request_timeout_ms`.
    pub async fn request(&self, lang: Lang, kind: RequestKind) -> Result<Reply, RequestError> {
        self.request_with_id(MessageId::new(), lang, kind).await
    }

    /// Like [`Agent::request`] with a caller-chosen id: retrying with the same id is
    /// idempotent (the hub answers a repeated id with its first answer).
    pub async fn request_with_id(&self, id: MessageId, lang: Lang, kind: RequestKind) -> Result<Reply, RequestError> {
        if !self.is_connected() {
            return Err(RequestError::NotConnected);
        }
        let topic = self.shared.topics.topic(&Topic::HubRequest(kind.verb()));
        let env = Envelope::with(id, chrono::Utc::now(), Request { device: self.shared.me().clone(), lang, kind });
        let (tx, rx) = oneshot::channel();
        {
            let mut w = self.shared.waiting.lock().unwrap_or_else(|p| p.into_inner());
            if w.contains_key(&id) {
                return Err(RequestError::Duplicate);
            }
            w.insert(id, tx);
        }
        // Removes the waiter however this future ends (reply, timeout, caller dropped it).
        struct Unwait<'a>(&'a Shared, MessageId);
        impl Drop for Unwait<'_> {
            fn drop(&mut self) {
                self.0.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.1);
            }
        }
        let _unwait = Unwait(&self.shared, id);
        let msg = SessionMsg::Publish { topic, payload: env.encode(), qos: rumqttc::QoS::AtLeastOnce, retain: false };
        self.shared.to_session.send(msg).map_err(|_| RequestError::Stopped)?;
        let timeout = self.shared.cfg.request_timeout();
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(RequestError::Stopped),
            Err(_) => Err(RequestError::Timeout(timeout)),
        }
    }

    /// Puts a device event into the durable outbox (`device/<id>/event`). Returns once the
    /// row is committed to disk; the session publishes it when connected.
    pub async fn send_event(&self, ev: DeviceEvent) -> Result<MessageId, AgentError> {
        self.enqueue(Topic::DeviceEvent(self.shared.me().clone()), ev).await
    }

    /// Puts a survey answer into the durable outbox (`feedback`).
    pub async fn send_feedback(&self, answer: FeedbackAnswer) -> Result<MessageId, AgentError> {
        self.enqueue(Topic::Feedback, answer).await
    }

    /// Puts any message into the durable outbox, wrapped in a fresh envelope; retained if
    /// the topic is. Returns the envelope id.
    pub async fn enqueue(&self, topic: Topic, body: impl Serialize) -> Result<MessageId, AgentError> {
        self.enqueue_envelope(topic, Envelope::new(body)).await
    }

    /// Puts a ready envelope into the outbox (caller-chosen id and time).
    pub async fn enqueue_envelope<T: Serialize>(
        &self,
        topic: Topic,
        env: Envelope<T>,
    ) -> Result<MessageId, AgentError> {
        let id = env.id;
        let payload = env.encode();
        let retain = topic.retained();
        let topic = self.shared.topics.topic(&topic);
        let outbox = self.shared.outbox.clone();
        let path = outbox.path().to_path_buf();
        tokio::task::spawn_blocking(move || outbox.insert(id, &topic, &payload, retain))
            .await
            .map_err(|_| OutboxError::TaskGone { path })??;
        self.shared.kick.notify_one();
        Ok(id)
    }

    /// Connected to the broker right now.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Relaxed)
    }

    /// Time since the last valid message arrived on a subscribed topic; `None` before the
    /// first. Signage shows "data may be stale" when this grows.
    pub fn last_message_age(&self) -> Option<Duration> {
        match self.shared.last_message_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(self.shared.started.elapsed().saturating_sub(Duration::from_millis(ms))),
        }
    }

    /// Outbox rows not yet acknowledged by the broker.
    pub fn outbox_pending(&self) -> u64 {
        self.shared.outbox.pending()
    }

    /// The printer state reported in the next health publications (`None` = no printer).
    pub fn set_printer_state(&self, state: Option<PrinterState>) {
        *self.shared.printer.lock().unwrap_or_else(|p| p.into_inner()) = state;
    }

    pub fn config(&self) -> &AgentConfig {
        &self.shared.cfg
    }

    pub fn topics(&self) -> &Topics {
        &self.shared.topics
    }

    pub fn stats(&self) -> AgentStats {
        let c = &self.shared.counters;
        AgentStats {
            connects: c.connects.load(Ordering::Relaxed),
            malformed: c.malformed.load(Ordering::Relaxed),
            unmatched_replies: c.unmatched_replies.load(Ordering::Relaxed),
            events_dropped: c.events_dropped.load(Ordering::Relaxed),
            outbox_acked: c.outbox_acked.load(Ordering::Relaxed),
        }
    }

    /// Clean stop: publishes the retained `Offline` status, disconnects, and waits (at most
    /// 3 s) for that to reach the broker. Rows still in the outbox stay for the next start.
    pub async fn shutdown(self) {
        let (tx, rx) = oneshot::channel();
        if self.shared.to_session.send(SessionMsg::Shutdown(tx)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(3), rx).await;
        }
    }
}
