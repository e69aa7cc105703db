//! The queue domain: the engine behind its lock ([`aula_engine::Engine`]: counters, tickets,
//! check-in, the append-only log), the announcement, the follow view ([`follow`]) and the
//! bookings feed ([`bookings`]). Device requests (from the intake) and staff actions (from the
//! web crate and the CLI) take the same path into the engine and out to the walls through
//! the change feed.
//!
//! Every engine operation runs inside [`Engine::batch`]: its writes commit together, and a
//! panic inside rolls back and becomes an error instead of leaving the transaction open.

pub mod bookings;
pub mod console;
pub mod follow;

use std::sync::{Arc, Mutex, MutexGuard};

use aula_engine::{Engine, EngineError, SiteConfig, TicketRef};
use aula_protocol::{
    CallEvent, CounterId, Envelope, IssuedTicket, Localized, MessageId, Needs, QueueState, Rejection, Reply,
    ReplyResult, Request, RequestKind, ServiceId, TicketId, TicketNumber,
};
use chrono::{DateTime, Utc};

use crate::changes::{Change, Changes};
use crate::clock::Clock;
use crate::error::HubError;
use crate::stats::Stats;

/// The queue domain (shared as `Arc<Queue>`).
pub struct Queue {
    engine: Mutex<Engine>,
    /// The site as configured (the engine's copy; read without its lock).
    site: Arc<SiteConfig>,
    announcement: Mutex<Option<Localized>>,
    changes: Changes,
    clock: Clock,
    stats: Arc<Stats>,
    /// Base of the follow links printed as QR codes.
    public_url: String,
}

impl Queue {
    pub fn new(engine: Engine, changes: Changes, clock: Clock, stats: Arc<Stats>, public_url: String) -> Queue {
        let site = Arc::new(engine.site().clone());
        Queue { engine: Mutex::new(engine), site, announcement: Mutex::new(None), changes, clock, stats, public_url }
    }

    /// The engine, locked. Engine calls are short (memory plus one SQLite commit), so a
    /// std mutex held across them is fine even on the async runtime.
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn notify(&self, change: Change) {
        self.changes.send(change);
    }

    pub fn site(&self) -> SiteConfig {
        (*self.site).clone()
    }

    /// The site as configured, shared (no copy, no engine lock).
    pub fn site_config(&self) -> Arc<SiteConfig> {
        self.site.clone()
    }

    /// The service of a ticket (by id, or by today's number).
    pub fn ticket_service(&self, t: &TicketRef) -> Result<ServiceId, HubError> {
        Ok(self.engine().find(t, self.now())?.service.clone())
    }

    /// A ticket's number (by id, or today's number).
    pub fn ticket_number(&self, t: &TicketRef) -> Option<TicketNumber> {
        self.engine().find(t, self.now()).ok().map(|t| t.number.clone())
    }

    /// The services a counter calls from by default.
    pub fn counter_services(&self, counter: &CounterId) -> Result<Vec<ServiceId>, HubError> {
        self.site
            .counter(counter)
            .map(|c| c.services.clone())
            .ok_or_else(|| HubError::Engine(EngineError::UnknownCounter(counter.clone())))
    }

    /// The service of the ticket a counter holds (called or in service).
    pub fn counter_ticket_service(&self, counter: &CounterId) -> Option<ServiceId> {
        self.engine().state().counter_ticket(counter).map(|t| t.service.clone())
    }

    /// The number of the ticket a counter holds.
    pub fn counter_ticket_number(&self, counter: &CounterId) -> Option<TicketNumber> {
        self.engine().state().counter_ticket(counter).map(|t| t.number.clone())
    }

    /// Today's date at the site.
    pub fn site_today(&self) -> chrono::NaiveDate {
        let tz = self.engine().site().time_zone;
        aula_engine::hours::local_date(tz, self.now())
    }

    pub fn follow_url(&self, ticket: TicketId) -> String {
        format!("{}/follow/{ticket}", self.public_url)
    }

    fn with_follow(&self, mut t: IssuedTicket) -> IssuedTicket {
        t.follow_url = Some(self.follow_url(t.id));
        t
    }

    /// Republish the queue state now even if unchanged (after a reconnect: the broker may
    /// have lost the retained one).
    pub fn resync(&self) {
        self.notify(Change::Resync);
    }

    /// Republish the queue state if it differs from the last one (time alone can change it:
    /// a service opening).
    pub fn refresh(&self) {
        self.notify(Change::State);
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
        let replies = requests
            .iter()
            .zip(results)
            .map(|(r, result)| {
                let result = match result {
                    ReplyResult::Ticket(t) => ReplyResult::Ticket(self.with_follow(t)),
                    other => other,
                };
                Reply { request_id: r.id, result }
            })
            .collect();
        if !requests.is_empty() {
            self.notify(Change::State);
        }
        replies
    }

    // ---- staff operations (web, CLI) -----------------------------------------------------

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
