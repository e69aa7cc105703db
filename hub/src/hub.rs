//! The hub's shared core: the engine and the device store behind locks, the clock, the
//! counters, the announcement, and the change feed the publisher listens to. The HTTP API
//! and the MQTT ingest loop both act through [`Hub`], so a staff call from the API and a
//! ticket from a kiosk take the same path into the engine and out to the walls.

use std::sync::{Mutex, MutexGuard};

use aula_engine::{Engine, EngineError, SiteConfig, TicketRef};
use aula_protocol::{
    CallEvent, Command, CounterId, DeviceId, Envelope, IssuedTicket, Lang, Localized, MessageId, Needs, QueueState,
    Rejection, Reply, ReplyResult, Request, RequestKind, ServiceId, TicketId, TicketNumber, TicketState, Topics,
    WaitRange,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::stats::Stats;
use crate::store::{DeviceMsg, DeviceStore, DeviceView, StoreError};

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

/// Why a hub operation failed; the API maps each to a status code.
#[derive(Debug, Error)]
pub enum HubError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("refused: {0:?}")]
    Rejected(Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
}

/// The shared core (in an `Arc`).
pub struct Hub {
    engine: Mutex<Engine>,
    devices: Mutex<DeviceStore>,
    pub stats: Stats,
    pub topics: Topics,
    pub clock: Clock,
    public_url: String,
    announcement: Mutex<Option<Localized>>,
    changes: mpsc::UnboundedSender<Change>,
    /// Connected and subscribed to the hub's filters.
    mqtt_ready: tokio::sync::watch::Sender<bool>,
    /// Drop-box ledger and alerts (`facility.rs`).
    pub facility: crate::facility::Facility,
}

/// What the "follow my number" page shows: no personal data, only the number and its place.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowView {
    pub number: TicketNumber,
    pub service: ServiceId,
    pub service_name: Localized,
    pub state: TicketState,
    pub people_ahead: u32,
    pub wait: Option<WaitRange>,
    /// The counter's name once called.
    pub counter_name: Option<Localized>,
}

impl Hub {
    pub fn new(
        engine: Engine,
        devices: DeviceStore,
        clock: Clock,
        public_url: String,
    ) -> (Hub, mpsc::UnboundedReceiver<Change>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let topics = Topics::new(engine.site().id.clone());
        let facility = crate::facility::Facility::detached(engine.site(), clock.now());
        let hub = Hub {
            engine: Mutex::new(engine),
            devices: Mutex::new(devices),
            stats: Stats::default(),
            topics,
            clock,
            public_url,
            announcement: Mutex::new(None),
            changes: tx,
            mqtt_ready: tokio::sync::watch::Sender::new(false),
            facility,
        };
        (hub, rx)
    }

    /// The engine, locked. Engine calls are short (memory plus one SQLite commit), so a
    /// std mutex held across them is fine even on the async runtime.
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn devices_store(&self) -> MutexGuard<'_, DeviceStore> {
        self.devices.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_mqtt_ready(&self, ready: bool) {
        self.mqtt_ready.send_replace(ready);
    }

    pub fn mqtt_ready(&self) -> bool {
        *self.mqtt_ready.borrow()
    }

    /// Waits until the hub is connected and subscribed (false on timeout).
    pub async fn wait_mqtt_ready(&self, timeout: std::time::Duration) -> bool {
        let mut rx = self.mqtt_ready.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|r| *r)).await.is_ok()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn notify(&self, change: Change) {
        // The publisher only stops at shutdown; a lost notification then does not matter.
        let _ = self.changes.send(change);
    }

    pub fn site(&self) -> SiteConfig {
        self.engine().site().clone()
    }

    pub fn follow_url(&self, ticket: TicketId) -> String {
        format!("{}/follow/{ticket}", self.public_url)
    }

    fn with_follow(&self, mut t: IssuedTicket) -> IssuedTicket {
        t.follow_url = Some(self.follow_url(t.id));
        t
    }

    // ---- requests from devices (MQTT) ----------------------------------------------------

    /// Answers a batch of device requests with every write in one engine transaction (one
    /// fsync). If the commit fails, nothing of the batch is kept and every request gets an
    /// `internal` rejection: the device resends with the same id.
    pub fn answer_requests(&self, requests: &[Envelope<Request>]) -> Vec<Reply> {
        let now = self.now();
        let mut engine = self.engine();
        let mut results = engine.batch(|e| requests.iter().map(|r| answer(e, r, now)).collect::<Vec<_>>());
        if let Err(EngineError::Panicked(_)) = &results {
            // One request broke the batch (and was rolled back with it): answer each on its
            // own, so only the one that panics again is refused and the others are served.
            Stats::inc(&self.stats.panics);
            results = Ok(requests
                .iter()
                .map(|r| {
                    engine.batch(|e| answer(e, r, now)).unwrap_or_else(|err| {
                        tracing::error!(request = %r.id, device = %r.body.device, error = %err, "request refused");
                        ReplyResult::Rejected(Rejection::Internal { message: err.to_string() })
                    })
                })
                .collect());
        }
        drop(engine);
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                Stats::inc(&self.stats.store_failures);
                tracing::error!(error = %e, "storing a batch of requests failed");
                let message = e.to_string();
                requests
                    .iter()
                    .map(|_| ReplyResult::Rejected(Rejection::Internal { message: message.clone() }))
                    .collect()
            }
        };
        requests
            .iter()
            .zip(results)
            .map(|(r, result)| {
                let result = match result {
                    ReplyResult::Ticket(t) => ReplyResult::Ticket(self.with_follow(t)),
                    other => other,
                };
                Reply { request_id: r.id, result }
            })
            .collect()
    }

    /// Stores device messages once each, with their drop-box ledger rows and alert changes
    /// in the same transaction; returns how many were new.
    pub fn store_device_messages(&self, msgs: &[DeviceMsg]) -> Result<usize, StoreError> {
        let now = self.now();
        let fresh = self.facility.store_batch(&mut self.devices_store(), msgs, now)?;
        Ok(fresh.iter().filter(|f| **f).count())
    }

    /// The feedback surveys and settings, if the device store records feedback.
    pub fn feedback(&self) -> Option<std::sync::Arc<crate::feedback::FeedbackConfig>> {
        self.devices_store().feedback()
    }

    /// Runs a read query on the device store (feedback reports). Holds the store's lock:
    /// report queries read compact rollups and take milliseconds.
    pub fn with_device_db<R>(&self, f: impl FnOnce(&rusqlite::Connection) -> R) -> R {
        f(self.devices_store().conn())
    }

    pub fn devices(&self) -> Result<Vec<DeviceView>, StoreError> {
        self.devices_store().devices()
    }

    /// Sends a staff command to one device: QoS 1 on its `cmd` topic, not retained (a device
    /// that is away gets it from its persistent session when it returns; a retained reboot
    /// would reboot it on every connect). Refuses a device that has never reported to this
    /// hub (a typo would otherwise vanish silently) and a survey the hub does not have. The
    /// device reports what it did as a `command_result` event.
    pub fn send_command(&self, device: &DeviceId, cmd: Command) -> Result<MessageId, HubError> {
        let known = self.devices()?;
        if !known.iter().any(|d| d.id == device.as_str()) {
            let ids: Vec<&str> = known.iter().map(|d| d.id.as_str()).collect();
            return Err(HubError::NotFound(format!(
                "no device {device} has reported to this hub; known devices: {}",
                if ids.is_empty() { "none yet".to_string() } else { ids.join(", ") }
            )));
        }
        if let Command::ShowSurvey { survey } = &cmd {
            let surveys: Vec<String> =
                self.feedback().map(|f| f.surveys.iter().map(|s| s.id.to_string()).collect()).unwrap_or_default();
            if !surveys.iter().any(|s| s == survey.as_str()) {
                return Err(HubError::NotFound(format!(
                    "no survey {survey} in the hub's surveys file; known surveys: {}",
                    if surveys.is_empty() { "none".to_string() } else { surveys.join(", ") }
                )));
            }
        }
        let env = Envelope::new(cmd);
        let id = env.id;
        tracing::info!(%device, command = ?env.body, %id, "command queued for the device");
        self.notify(Change::Command(device.clone(), env));
        Ok(id)
    }

    // ---- staff operations (HTTP API) -----------------------------------------------------

    pub fn queue_state(&self) -> QueueState {
        let now = self.now();
        let mut qs = self.engine().queue_state(now);
        qs.announcement = self.announcement();
        qs
    }

    pub fn announcement(&self) -> Option<Localized> {
        self.announcement.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sets (or with `None` clears) the text shown on the walls.
    pub fn set_announcement(&self, text: Option<Localized>) {
        *self.announcement.lock().unwrap_or_else(|p| p.into_inner()) = text;
        self.notify(Change::State);
    }

    /// Runs one engine operation inside [`Engine::batch`]: its writes commit together, and a
    /// panic inside rolls back and becomes an error instead of leaving the transaction open.
    fn op<R>(&self, f: impl FnOnce(&mut Engine, DateTime<Utc>) -> R) -> Result<R, EngineError> {
        let now = self.now();
        let r = self.engine().batch(|e| f(e, now));
        if let Err(EngineError::Panicked(_)) = &r {
            Stats::inc(&self.stats.panics);
        }
        r
    }

    fn called(&self, r: Result<CallEvent, EngineError>) -> Result<CallEvent, HubError> {
        let ev = r?;
        self.notify(Change::Call(ev.clone()));
        Ok(ev)
    }

    fn changed<T>(&self, r: Result<T, EngineError>) -> Result<T, HubError> {
        let v = r?;
        self.notify(Change::State);
        Ok(v)
    }

    pub fn call_next(&self, counter: &CounterId, services: &[ServiceId]) -> Result<CallEvent, HubError> {
        let r = self.op(|e, now| e.call_next(counter, services, now)).and_then(|r| r);
        self.called(r)
    }

    pub fn call_number(&self, counter: &CounterId, number: &TicketNumber) -> Result<CallEvent, HubError> {
        let r = self.op(|e, now| e.call_number(counter, number, now)).and_then(|r| r);
        self.called(r)
    }

    pub fn recall(&self, counter: &CounterId) -> Result<CallEvent, HubError> {
        let r = self.op(|e, now| e.recall(counter, now)).and_then(|r| r);
        self.called(r)
    }

    pub fn start(&self, counter: &CounterId) -> Result<(), HubError> {
        let r = self.op(|e, now| e.start(counter, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn finish(&self, counter: &CounterId) -> Result<(), HubError> {
        let r = self.op(|e, now| e.finish(counter, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn no_show(&self, counter: &CounterId) -> Result<(), HubError> {
        let r = self.op(|e, now| e.no_show(counter, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn transfer(&self, ticket: TicketRef, to: &ServiceId) -> Result<IssuedTicket, HubError> {
        let r = self.op(|e, now| e.transfer(ticket, to, now)).and_then(|r| r);
        self.changed(r).map(|t| self.with_follow(t))
    }

    pub fn cancel(&self, ticket: TicketRef) -> Result<(), HubError> {
        let r = self
            .op(|e, now| {
                let id = e.find(&ticket, now)?.id;
                e.cancel(id, now)
            })
            .and_then(|r| r);
        self.changed(r)
    }

    /// Issues a walk-in ticket for a customer at a staff desk. `request` makes a retried
    /// HTTP call idempotent when the caller sends the same id.
    pub fn issue(&self, request: MessageId, service: &ServiceId, needs: Needs) -> Result<IssuedTicket, HubError> {
        let t = self.op(|e, now| e.issue_ticket(request, service, needs, now))?.map_err(HubError::Rejected)?;
        self.notify(Change::State);
        Ok(self.with_follow(t))
    }

    pub fn check_in(&self, request: MessageId, code: &str, needs: Needs) -> Result<IssuedTicket, HubError> {
        let t = self.op(|e, now| e.check_in(request, code, needs, now))?.map_err(HubError::Rejected)?;
        self.notify(Change::State);
        Ok(self.with_follow(t))
    }

    /// Runs the engine's timers (no-show windows, day rollover). True if anything changed.
    pub fn tick(&self) -> bool {
        let changed = self.op(|e, now| e.tick(now)).unwrap_or_default();
        if !changed.is_empty() {
            tracing::debug!(tickets = changed.len(), "timers changed tickets");
            self.notify(Change::State);
        }
        !changed.is_empty()
    }

    pub fn import_bookings(&self, ics: &str) -> Result<aula_engine::ImportSummary, HubError> {
        let r = self.op(|e, now| e.import_bookings_ics(ics, now)).and_then(|r| r);
        self.changed(r)
    }

    /// The "follow my number" view of a ticket; follows a transfer to the new ticket.
    pub fn follow(&self, id: TicketId) -> Option<FollowView> {
        let now = self.now();
        let engine = self.engine();
        let mut t = engine.ticket(id)?;
        for _ in 0..8 {
            match &t.phase {
                aula_engine::Phase::Transferred { to, .. } => t = engine.ticket(*to)?,
                _ => break,
            }
        }
        let (people_ahead, wait) = engine.ticket_progress(t.id, now).unwrap_or((0, None));
        let wait = if t.state() == TicketState::Waiting { wait } else { None };
        let site = engine.site();
        let service_name = site.service(&t.service).map(|s| s.name.clone()).unwrap_or_default();
        let counter_name = t.phase.counter().and_then(|c| site.counter(c)).map(|c| c.name.clone());
        Some(FollowView {
            number: t.number.clone(),
            service: t.service.clone(),
            service_name,
            state: t.state(),
            people_ahead,
            wait,
            counter_name,
        })
    }
}

/// One request → its answer (inside the batch transaction).
fn answer(e: &mut Engine, r: &Envelope<Request>, now: DateTime<Utc>) -> ReplyResult {
    let ticket = |res: Result<IssuedTicket, Rejection>| match res {
        Ok(t) => ReplyResult::Ticket(t),
        Err(rej) => ReplyResult::Rejected(rej),
    };
    match &r.body.kind {
        RequestKind::IssueTicket { service, needs, offline: None } => {
            ticket(e.issue_ticket(r.id, service, needs.clone(), now))
        }
        RequestKind::IssueTicket { service, needs, offline: Some(off) } => {
            ticket(e.record_offline_ticket(r.id, service, off.number.clone(), off.issued_at, needs.clone(), now))
        }
        RequestKind::CheckIn { code, needs } => ticket(e.check_in(r.id, code, needs.clone(), now)),
        RequestKind::Help => match e.record_help(r.id, &r.body.device, now) {
            Ok(_) => ReplyResult::HelpComing,
            Err(err) => ReplyResult::Rejected(Rejection::Internal { message: err.to_string() }),
        },
    }
}

/// The language to use for a page: `?lang=` first, then Accept-Language, then Finnish.
pub fn pick_lang(query: Option<&str>, accept: Option<&str>) -> Lang {
    const SHIPPED: [&str; 3] = ["fi", "sv", "en"];
    if let Some(q) = query.map(str::trim).filter(|q| SHIPPED.contains(q)) {
        return Lang::new(q).expect("shipped language");
    }
    if let Some(accept) = accept {
        let mut best: Option<(f32, &str)> = None;
        for part in accept.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            if let Some(l) = SHIPPED.iter().find(|l| **l == primary)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        if let Some((_, l)) = best {
            return Lang::new(l).expect("shipped language");
        }
    }
    Lang::fi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_query_then_accept_language() {
        let check = |q, a, expected: &str| assert_eq!(pick_lang(q, a).as_str(), expected, "{q:?} {a:?}");
        check(Some("sv"), Some("en"), "sv");
        check(None, Some("en-GB,en;q=0.9,fi;q=0.8"), "en");
        check(None, Some("de-DE, sv;q=0.5, fi;q=0.4"), "sv");
        check(None, Some("de"), "fi");
        check(Some("xx"), None, "fi");
        check(None, None, "fi");
    }
}
