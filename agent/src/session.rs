//! The MQTT session task: one loop that owns the rumqttc event loop, connects with a fixed
//! client id and `clean_session = false`, sets the retained last will (`Offline`), publishes
//! `Online` and (re)subscribes on every connect, feeds outbox rows to the broker within a
//! window, deletes them on PUBACK, routes incoming messages, and reconnects with backoff
//! forever.
//!
//! Why one task: rumqttc numbers publishes when they leave its request queue, so to know
//! which PUBACK acknowledges which outbox row (`tracker.rs`) every publish must be queued by
//! this task, in an order it knows. The poll future is never cancelled (cancelling it could
//! lose a publish between rumqttc's bookkeeping and the socket); application messages are
//! served while it is pending, since only the client's queue is touched then.
//!
//! On a connection error the session drops rumqttc's own retransmission queue and resends
//! unacknowledged rows from the database with fresh packet ids: the database is the single
//! source of truth, and a broker restarted without persistence (no session) is handled the
//! same way as one that kept the session.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aula_protocol::{DeviceStatus, Envelope, Topic};
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::agent::{SessionMsg, Shared};
use crate::events::{AgentEvent, Inbound, route};
use crate::tracker::{Notice, Slot, Tracker};

/// Largest MQTT packet accepted or sent. Well above the protocol's payload limit (64 KiB), so
/// an oversized message is refused by `decode` with a reason instead of killing the
/// connection: a QoS 1 message rumqttc refuses is redelivered by the broker on every
/// reconnect and would keep the device offline. Brokers should set `message_size_limit`
/// (Mosquitto) below this.
const MAX_PACKET: usize = 1024 * 1024;
/// Room in rumqttc's inflight table for publishes that are not outbox rows.
const OTHER_INFLIGHT: u16 = 32;
const BACKOFF_START: Duration = Duration::from_millis(200);
/// How long a clean shutdown waits for the DISCONNECT to leave.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

pub(crate) fn mqtt_options(shared: &Shared) -> MqttOptions {
    let cfg = &shared.cfg;
    let mut o = MqttOptions::new(cfg.client_id(), cfg.broker.host.clone(), cfg.broker.port);
    o.set_keep_alive(cfg.keepalive());
    o.set_clean_session(false);
    o.set_max_packet_size(MAX_PACKET, MAX_PACKET);
    o.set_inflight(cfg.max_inflight + OTHER_INFLIGHT);
    let will = Envelope::new(DeviceStatus::Offline).encode();
    o.set_last_will(LastWill::new(
        shared.topics.topic(&Topic::DeviceStatus(cfg.device.clone())),
        will,
        QoS::AtLeastOnce,
        true,
    ));
    if let Some(user) = &cfg.broker.username {
        o.set_credentials(user.clone(), cfg.broker.password.clone().unwrap_or_default());
    }
    if cfg.broker.tls {
        match crate::tls::transport(&cfg.broker) {
            Ok(t) => {
                o.set_transport(t);
            }
            // The config check found the files; one that vanished since is logged. Still TLS,
            // with no CA: every attempt fails at the handshake, and the credentials never go
            // out in plain text.
            Err(e) => {
                warn!(error = %e, "TLS setup failed");
                o.set_transport(rumqttc::Transport::tls(Vec::new(), None, None));
            }
        }
    }
    o
}

struct Session {
    shared: Arc<Shared>,
    client: AsyncClient,
    tracker: Tracker,
    events: mpsc::Sender<AgentEvent>,
    connected: bool,
    shutdown: Option<(oneshot::Sender<()>, Instant)>,
}

/// Runs until a clean shutdown, or until every [`crate::Agent`] handle is dropped (then it
/// stops abruptly, like a crash).
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<SessionMsg>,
    mut life: oneshot::Receiver<()>,
    events: mpsc::Sender<AgentEvent>,
    health: Option<JoinHandle<()>>,
) {
    let cap = usize::from(shared.cfg.max_inflight) * 2 + 64;
    let (client, mut eventloop) = AsyncClient::new(mqtt_options(&shared), cap);
    // Small request/reply messages: without TCP_NODELAY, Nagle's algorithm meets the
    // broker's delayed ACK and every kiosk round trip costs ~40 ms.
    let mut net = eventloop.network_options();
    net.set_tcp_nodelay(true);
    eventloop.set_network_options(net);
    let window = usize::from(shared.cfg.max_inflight);
    let mut s = Session {
        shared: shared.clone(),
        client,
        tracker: Tracker::new(window),
        events,
        connected: false,
        shutdown: None,
    };
    let mut backoff = BACKOFF_START;
    let max_backoff = Duration::from_millis(shared.cfg.reconnect_max_ms);
    info!(client_id = %shared.cfg.client_id(), broker = %shared.cfg.broker.url(), "agent session starting");

    'session: loop {
        let result = {
            let poll = eventloop.poll();
            tokio::pin!(poll);
            loop {
                let deadline = s.shutdown.as_ref().map(|(_, d)| *d);
                tokio::select! {
                    biased;
                    r = &mut poll => break r,
                    _ = &mut life => break 'session,
                    _ = sleep_until_opt(deadline) => break 'session,
                    m = rx.recv() => match m {
                        Some(m) => s.message(m),
                        None => break 'session,
                    },
                    _ = s.shared.kick.notified(), if s.connected => s.fill(),
                }
            }
        };
        match result {
            Ok(ev) => {
                if s.event(ev) {
                    break 'session;
                }
            }
            Err(e) => {
                // Not connected from here on: nothing may be queued into the client until the
                // next ConnAck. (Regression: a PUBACK among the buffered events below used to
                // refill the window into the dead connection's queue; rumqttc then sent those
                // rows on the next connection, unpaired, and acks deleted the wrong rows.)
                let was_connected = s.connected;
                s.connected = false;
                s.shared.connected.store(false, Ordering::Relaxed);
                // Events rumqttc buffered before the error belong to the connection that just
                // ended: account for them (acks delete rows, messages are routed) before
                // forgetting everything in flight.
                let buffered: Vec<Event> = eventloop.state.events.drain(..).collect();
                for ev in buffered {
                    s.event(ev);
                }
                // Drop rumqttc's retransmission queue and anything still in its request queue:
                // unacknowledged rows are resent from the database with fresh packet ids.
                eventloop.clean();
                eventloop.pending.clear();
                eventloop.state.events.clear();
                eventloop.state.collision = None;
                s.tracker.reset();
                if was_connected {
                    warn!(error = %e, "broker connection lost; reconnecting");
                    s.emit(AgentEvent::Disconnected);
                    backoff = BACKOFF_START;
                } else {
                    debug!(error = %e, delay_ms = backoff.as_millis() as u64, "connect failed");
                }
                if s.shutdown.is_some() {
                    break 'session;
                }
                // Wait before the next attempt, still serving the application.
                let wake = Instant::now() + jitter(backoff);
                loop {
                    tokio::select! {
                        biased;
                        _ = &mut life => break 'session,
                        _ = tokio::time::sleep_until(wake) => break,
                        m = rx.recv() => match m {
                            Some(SessionMsg::Shutdown(done)) => { let _ = done.send(()); break 'session; }
                            Some(m) => s.message(m),
                            None => break 'session,
                        },
                    }
                }
                backoff = (backoff * 2).min(max_backoff);
            }
        }
        if s.connected {
            backoff = BACKOFF_START;
        }
    }
    if let Some((done, _)) = s.shutdown.take() {
        let _ = done.send(());
    }
    s.shared.connected.store(false, Ordering::Relaxed);
    if let Some(h) = health {
        h.abort();
    }
    info!("agent session stopped");
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// ±25 % so a building's devices do not all reconnect in the same millisecond after the
/// broker comes back.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let factor = 0.75 + f64::from(nanos % 1000) / 2000.0;
    d.mul_f64(factor)
}

impl Session {
    fn emit(&self, ev: AgentEvent) {
        match self.events.try_send(ev) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(ev)) => {
                self.shared.counters.events_dropped.fetch_add(1, Ordering::Relaxed);
                warn!(event = ?ev, "application is not reading agent events; dropped one");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn message(&mut self, m: SessionMsg) {
        match m {
            SessionMsg::Publish { topic, payload, qos, retain } => {
                if self.connected && self.shutdown.is_none() {
                    self.publish_other(topic, payload, qos, retain);
                } else {
                    debug!(%topic, "not connected; publish dropped");
                }
            }
            SessionMsg::Shutdown(done) => {
                if !self.connected {
                    let _ = done.send(());
                    self.shutdown = Some((oneshot::channel().0, Instant::now()));
                    return;
                }
                let status = Envelope::new(DeviceStatus::Offline).encode();
                let topic = self.shared.topics.topic(&Topic::DeviceStatus(self.shared.me().clone()));
                self.publish_other(topic, status, QoS::AtLeastOnce, true);
                if let Err(e) = self.client.try_disconnect() {
                    warn!(error = %e, "could not queue DISCONNECT");
                }
                self.shutdown = Some((done, Instant::now() + SHUTDOWN_GRACE));
            }
        }
    }

    fn publish_other(&mut self, topic: String, payload: Vec<u8>, qos: QoS, retain: bool) {
        match self.client.try_publish(topic.clone(), qos, retain, payload) {
            Ok(()) => self.tracker.queued(Slot::Other),
            Err(e) => warn!(%topic, error = %e, "publish not queued"),
        }
    }

    /// Hands outbox rows to the client while the window has room.
    fn fill(&mut self) {
        if !self.connected || self.shutdown.is_some() {
            return;
        }
        let free = self.tracker.free();
        if free == 0 {
            return;
        }
        let rows = match self.shared.outbox.next_batch(self.tracker.cursor(), free) {
            Ok(r) => r,
            Err(e) => {
                warn!(error = %e, "outbox read failed; retrying on the next acknowledgement or event");
                return;
            }
        };
        for row in rows {
            match self.client.try_publish(row.topic, QoS::AtLeastOnce, row.retain, row.payload) {
                Ok(()) => self.tracker.queued(Slot::Row(row.seq)),
                Err(e) => {
                    debug!(error = %e, "client queue full; rest of the batch waits");
                    break;
                }
            }
        }
    }

    /// Handles one rumqttc event; `true` ends the session (clean shutdown done).
    fn event(&mut self, ev: Event) -> bool {
        match ev {
            Event::Incoming(Packet::ConnAck(ack)) => {
                self.connected = true;
                self.shared.connected.store(true, Ordering::Relaxed);
                self.shared.counters.connects.fetch_add(1, Ordering::Relaxed);
                info!(
                    session_present = ack.session_present,
                    pending = self.shared.outbox.pending(),
                    "connected to broker"
                );
                let me = self.shared.me().clone();
                let status = Envelope::new(DeviceStatus::Online {
                    kind: self.shared.cfg.kind,
                    version: self.shared.version.clone(),
                    started_at: self.shared.started_at,
                })
                .encode();
                self.publish_other(
                    self.shared.topics.topic(&Topic::DeviceStatus(me.clone())),
                    status,
                    QoS::AtLeastOnce,
                    true,
                );
                let filters = self.shared.topics.device_filters(&me);
                let subs = filters.into_iter().map(|f| rumqttc::SubscribeFilter::new(f, QoS::AtLeastOnce));
                if let Err(e) = self.client.try_subscribe_many(subs) {
                    warn!(error = %e, "could not queue SUBSCRIBE");
                }
                self.fill();
                self.emit(AgentEvent::Connected);
            }
            Event::Incoming(Packet::Publish(p)) => {
                let topic = p.topic.clone();
                match route(&self.shared.topics, self.shared.me(), &topic, &p.payload) {
                    Inbound::Event(ev) => {
                        self.shared.touch();
                        self.emit(ev);
                    }
                    Inbound::Reply(reply) => {
                        self.shared.touch();
                        let waiter =
                            self.shared.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&reply.request_id);
                        match waiter {
                            Some(tx) => {
                                let _ = tx.send(reply);
                            }
                            None => {
                                self.shared.counters.unmatched_replies.fetch_add(1, Ordering::Relaxed);
                                debug!(request_id = %reply.request_id, "reply for no waiting request; ignored");
                            }
                        }
                    }
                    Inbound::Ignored => debug!(%topic, "message ignored"),
                    Inbound::Rejected { topic, reason } => {
                        self.shared.counters.malformed.fetch_add(1, Ordering::Relaxed);
                        warn!(%topic, reason, bytes = p.payload.len(), "malformed message refused");
                        self.emit(AgentEvent::Rejected { topic, reason });
                    }
                }
            }
            Event::Incoming(Packet::PubAck(ack)) => {
                if let Notice::Acked(seq) = self.tracker.puback(ack.pkid) {
                    match self.shared.outbox.delete(seq) {
                        Ok(_) => {
                            self.shared.counters.outbox_acked.fetch_add(1, Ordering::Relaxed);
                        }
                        // The row stays and is sent again later: a duplicate, never a loss.
                        Err(e) => warn!(error = %e, seq, "could not delete acknowledged outbox row"),
                    }
                    self.fill();
                }
            }
            Event::Outgoing(Outgoing::Publish(pkid)) => {
                if self.tracker.outgoing(pkid) == Notice::Unexpected {
                    warn!(pkid, "publish notice without a queued publish");
                }
            }
            Event::Outgoing(Outgoing::AwaitAck(pkid)) => {
                if self.tracker.await_ack(pkid) == Notice::Unexpected {
                    warn!(pkid, "collision notice without a queued publish");
                }
            }
            Event::Outgoing(Outgoing::Disconnect) if self.shutdown.is_some() => {
                info!("disconnected cleanly");
                return true;
            }
            other => debug!(event = ?other, "mqtt"),
        }
        false
    }
}
