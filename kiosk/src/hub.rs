//! Talking to the hub: the [`HubClient`] trait the controller uses, the [`Inbox`] through which
//! answers come back, and [`MqttHub`], the implementation over MQTT.
//!
//! Why the kiosk has its own small MQTT client instead of `aula-agent`: the agent runtime was
//! being written in parallel and had no `Agent::start` yet. Everything MQTT-specific is in
//! this one module behind [`HubClient`], so switching to the agent is a local change.
//!
//! Durability of offline issues: [`HubClient::enqueue`] writes the request to
//! `<state_dir>/outbox/<id>.json` *before* publishing, resends every file on each (re)connect
//! and every 30 s, and deletes a file only when the hub's reply for that id arrives (an
//! end-to-end acknowledgement, stronger than a PUBACK). The hub stores a request id once, so
//! resends are harmless.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use aula_protocol::{
    DeviceEvent, DeviceId, DeviceKind, DeviceStatus, Envelope, MessageId, QueueState, Reply, Request, Topic, Topics,
    decode,
};
use chrono::Utc;
use rumqttc::{Client, Event, LastWill, MqttOptions, Packet, QoS};

use crate::flow::{HubFailure, Input};

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
    /// client knows it is offline it answers [`HubFailure::NotConnected`] at once.
    fn send(&self, id: MessageId, request: Request);
    /// Stores a request durably; delivered whenever the hub is reachable, even after a restart.
    fn enqueue(&self, id: MessageId, request: Request);
    /// Reports a device event (QoS 1).
    fn event(&self, event: DeviceEvent);
}

/// MQTT connection settings.
#[derive(Debug, Clone)]
pub struct MqttSettings {
    pub topics: Topics,
    pub device: DeviceId,
    pub host: String,
    pub port: u16,
    pub state_dir: PathBuf,
    pub version: String,
}

struct Shared {
    client: Client,
    settings: MqttSettings,
    connected: AtomicBool,
    /// Events raised while disconnected, flushed on the next connect.
    held_events: Mutex<VecDeque<DeviceEvent>>,
    inbox: Inbox,
}

/// [`HubClient`] over MQTT (rumqttc, no TLS in this build: LAN broker).
#[derive(Clone)]
pub struct MqttHub {
    shared: Arc<Shared>,
}

impl MqttHub {
    /// Connects in the background (and keeps reconnecting); replies and queue states go to
    /// `inbox`.
    pub fn start(settings: MqttSettings, inbox: Inbox) -> std::io::Result<Self> {
        std::fs::create_dir_all(settings.state_dir.join("outbox"))?;
        let client_id = format!("aula-{}-{}", settings.topics.site(), settings.device);
        let mut opts = MqttOptions::new(client_id, settings.host.clone(), settings.port);
        opts.set_keep_alive(Duration::from_secs(5));
        let offline = Envelope::new(DeviceStatus::Offline);
        opts.set_last_will(LastWill::new(
            settings.topics.topic(&Topic::DeviceStatus(settings.device.clone())),
            offline.encode(),
            QoS::AtLeastOnce,
            true,
        ));
        let (client, mut connection) = Client::new(opts, 64);
        // Small request/reply messages: without TCP_NODELAY, Nagle's algorithm meets the
        // peer's delayed ACK and every round trip costs ~40 ms.
        let mut net = connection.eventloop.network_options();
        net.set_tcp_nodelay(true);
        connection.eventloop.set_network_options(net);
        let shared = Arc::new(Shared {
            client,
            settings,
            connected: AtomicBool::new(false),
            held_events: Mutex::new(VecDeque::new()),
            inbox,
        });
        let hub = MqttHub { shared: shared.clone() };

        let conn_hub = hub.clone();
        std::thread::Builder::new().name("kiosk-mqtt".into()).spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => conn_hub.on_connect(),
                    Ok(Event::Incoming(Packet::Publish(p))) => conn_hub.on_publish(&p.topic, &p.payload),
                    Ok(_) => {}
                    Err(e) => {
                        if conn_hub.shared.connected.swap(false, Ordering::SeqCst) {
                            tracing::warn!(error = %e, "lost the broker; reconnecting");
                        }
                        // rumqttc reconnects on the next poll; do not spin.
                        std::thread::sleep(Duration::from_millis(500));
                    }
                }
            }
        })?;

        let resend_hub = hub.clone();
        std::thread::Builder::new().name("kiosk-outbox".into()).spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(30));
                if resend_hub.shared.connected.load(Ordering::SeqCst) {
                    resend_hub.flush_outbox();
                }
            }
        })?;
        Ok(hub)
    }

    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    fn on_connect(&self) {
        let s = &self.shared;
        let me = &s.settings.device;
        for filter in s.settings.topics.device_filters(me) {
            if let Err(e) = s.client.try_subscribe(filter, QoS::AtLeastOnce) {
                tracing::warn!(error = %e, "subscribe failed");
            }
        }
        let status = Envelope::new(DeviceStatus::Online {
            kind: DeviceKind::Kiosk,
            version: s.settings.version.clone(),
            started_at: Utc::now(),
        });
        let _ = s.client.try_publish(
            s.settings.topics.topic(&Topic::DeviceStatus(me.clone())),
            QoS::AtLeastOnce,
            true,
            status.encode(),
        );
        s.connected.store(true, Ordering::SeqCst);
        tracing::info!(host = %s.settings.host, port = s.settings.port, "connected to the broker");
        let held: Vec<_> = s.held_events.lock().unwrap_or_else(|p| p.into_inner()).drain(..).collect();
        for ev in held {
            self.event(ev);
        }
        self.flush_outbox();
    }

    fn on_publish(&self, topic: &str, payload: &[u8]) {
        let s = &self.shared;
        let inbox = &s.inbox;
        match s.settings.topics.parse(topic) {
            Ok(Topic::DeviceReply(d)) if d == s.settings.device => match decode::<Reply>(payload) {
                Ok(env) => {
                    let id = env.body.request_id;
                    let file = self.outbox_file(id);
                    if file.exists() {
                        // The hub has recorded an offline issue: done with it.
                        tracing::info!(%id, "hub acknowledged an offline issue");
                        let _ = std::fs::remove_file(file);
                    } else {
                        inbox.send(Input::Reply { id, result: Ok(env.body.result) });
                    }
                }
                Err(e) => tracing::warn!(error = %e, reason = e.reason(), "bad reply ignored"),
            },
            Ok(Topic::QueueState) => match decode::<QueueState>(payload) {
                Ok(env) => {
                    // Kept on disk so a kiosk restarted while the hub is away still lists
                    // today's services and can give offline numbers.
                    let path = queue_cache_path(&s.settings.state_dir);
                    let tmp = path.with_extension("tmp");
                    if let Err(e) = std::fs::write(&tmp, payload).and_then(|()| std::fs::rename(&tmp, &path)) {
                        tracing::warn!(error = %e, "could not cache the queue state");
                    }
                    inbox.send(Input::QueueState(Box::new(env.body)));
                }
                Err(e) => tracing::warn!(error = %e, reason = e.reason(), "bad queue state ignored"),
            },
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "topic ignored"),
        }
    }

    fn outbox_file(&self, id: MessageId) -> PathBuf {
        self.shared.settings.state_dir.join("outbox").join(format!("{id}.json"))
    }

    fn request_topic(&self, request: &Request) -> String {
        self.shared.settings.topics.topic(&Topic::HubRequest(request.kind.verb()))
    }

    fn flush_outbox(&self) {
        let dir = self.shared.settings.state_dir.join("outbox");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(bytes) = std::fs::read(&path) else { continue };
            match decode::<Request>(&bytes) {
                Ok(env) => {
                    let topic = self.request_topic(&env.body);
                    let _ = self.shared.client.try_publish(topic, QoS::AtLeastOnce, false, bytes);
                }
                Err(e) => {
                    tracing::error!(path = %path.display(), error = %e, "unreadable outbox entry set aside");
                    let _ = std::fs::rename(&path, path.with_extension("bad"));
                }
            }
        }
    }
}

impl HubClient for MqttHub {
    fn send(&self, id: MessageId, request: Request) {
        // Immediate answer when offline: the customer should not wait out a timeout for a
        // broker we know is gone.
        if !self.is_connected() {
            return self.send_failure(id);
        }
        let topic = self.request_topic(&request);
        let env = Envelope::with(id, Utc::now(), request);
        if let Err(e) = self.shared.client.try_publish(topic, QoS::AtLeastOnce, false, env.encode()) {
            tracing::warn!(error = %e, "request not published");
            self.send_failure(id);
        }
    }

    fn enqueue(&self, id: MessageId, request: Request) {
        let env = Envelope::with(id, Utc::now(), request);
        let bytes = env.encode();
        let path = self.outbox_file(id);
        // Write-then-rename so a power cut never leaves half a request.
        let tmp = path.with_extension("tmp");
        if let Err(e) = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, &path)) {
            tracing::error!(path = %path.display(), error = %e, "could not store an offline issue");
        }
        if self.is_connected() {
            let topic = self.request_topic(&env.body);
            let _ = self.shared.client.try_publish(topic, QoS::AtLeastOnce, false, bytes);
        }
    }

    fn event(&self, event: DeviceEvent) {
        if !self.is_connected() {
            let mut held = self.shared.held_events.lock().unwrap_or_else(|p| p.into_inner());
            // Bounded: a kiosk offline all day must not grow without limit.
            if held.len() >= 1000 {
                held.pop_front();
            }
            held.push_back(event);
            return;
        }
        let topic = self.shared.settings.topics.topic(&Topic::DeviceEvent(self.shared.settings.device.clone()));
        let _ = self.shared.client.try_publish(topic, QoS::AtLeastOnce, false, Envelope::new(event).encode());
    }
}

impl MqttHub {
    fn send_failure(&self, id: MessageId) {
        // Through the inbox like a reply: the flow has recorded the pending request by then.
        self.shared.inbox.send(Input::Reply { id, result: Err(HubFailure::NotConnected) });
    }
}

fn queue_cache_path(state_dir: &std::path::Path) -> PathBuf {
    state_dir.join("queue-state.json")
}

/// The last queue state received from the hub, if it is from today (site-local day is
/// close enough: a stale list from yesterday would offer the wrong services).
pub fn cached_queue_state(state_dir: &std::path::Path) -> Option<QueueState> {
    let bytes = std::fs::read(queue_cache_path(state_dir)).ok()?;
    let env = decode::<QueueState>(&bytes).ok()?;
    (env.ts.date_naive() == Utc::now().date_naive()).then_some(env.body)
}
