//! The engine: validated operations on the state, each recorded in the log before it
//! counts. See the crate doc for the rules (counters, transfers, lanes). The staff console's
//! operations and views (sessions, breaks, park/resume, returns, reservations, today's
//! presence, the waiting list) are in [`console`].

mod console;

pub use console::{StaffCounterView, WaitingState, WaitingTicket};

use std::path::Path;

use aula_protocol::{
    CallEvent, CallKind, CounterId, CounterView, DeviceId, IssuedTicket, Lane, MessageId, Needs, QueueState, Rejection,
    ServiceId, ServiceView, TicketId, TicketNumber, WaitRange,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use tracing::warn;

use crate::appointments::{ImportSummary, normalize_code, parse_ics};
use crate::config::{CounterConfig, ServiceConfig, SiteConfig};
use crate::error::{EngineError, StoreError};
use crate::event::{Event, EventKind, Issued};
use crate::hours::{ServiceHours, local_date};
use crate::lanes::{next_for, next_reserved};
use crate::state::{State, number_key, prefix_key};
use crate::store::Store;
use crate::ticket::Ticket;
use crate::ticket::{Action, CancelReason, Phase};
use crate::wait::{WaitInputs, estimate, service_stats};

/// How far ahead of the hub a kiosk's clock may be when it records an offline ticket.
pub const OFFLINE_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);
/// How old an offline ticket record may be when it reaches the hub (a kiosk's outbox can hold
/// one through a long outage; older ones are a wrong clock, not a customer).
pub const OFFLINE_MAX_AGE: TimeDelta = TimeDelta::days(7);

/// The text of a panic payload (what `panic!` was given).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// A ticket named by id or by today's number (what staff type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Id(TicketId),
    Number(TicketNumber),
}

impl From<TicketId> for TicketRef {
    fn from(id: TicketId) -> Self {
        TicketRef::Id(id)
    }
}

impl From<TicketNumber> for TicketRef {
    fn from(n: TicketNumber) -> Self {
        TicketRef::Number(n)
    }
}

impl From<&TicketNumber> for TicketRef {
    fn from(n: &TicketNumber) -> Self {
        TicketRef::Number(n.clone())
    }
}

/// The queue engine of one site.
pub struct Engine {
    site: SiteConfig,
    store: Store,
    state: State,
    /// Depth of [`Engine::batch`] nesting; writes commit when it returns to 0.
    batch_depth: u32,
    /// A write inside the current batch failed: the batch must roll back.
    poisoned: bool,
}

impl Engine {
    /// Opens (or creates) the SQLite database at `db_path` in WAL mode and rebuilds the state
    /// by replaying its log.
    pub fn open(db_path: &Path, site: SiteConfig) -> Result<Engine, EngineError> {
        let store = Store::open(db_path)?;
        Self::with_store(store, site)
    }

    /// An engine on a private in-memory database (tests, simulations).
    pub fn open_in_memory(site: SiteConfig) -> Result<Engine, EngineError> {
        let store = Store::open_in_memory()?;
        Self::with_store(store, site)
    }

    fn with_store(store: Store, site: SiteConfig) -> Result<Engine, EngineError> {
        let mut state = State::with_capacity(store.event_count()?);
        store.replay(|ev| state.apply_owned(ev))?;
        Ok(Engine { site, store, state, batch_depth: 0, poisoned: false })
    }

    pub fn site(&self) -> &SiteConfig {
        &self.site
    }

    /// Runs `f` with every write it makes in one SQLite transaction (group commit: one
    /// fsync for the whole batch). If the commit fails, the in-memory state is rebuilt from
    /// the log, so nothing of the batch is kept, and the error is returned. Batches nest (the
    /// outermost one commits).
    pub fn batch<R>(&mut self, f: impl FnOnce(&mut Engine) -> R) -> Result<R, EngineError> {
        if self.batch_depth == 0 {
            self.store.begin()?;
            self.poisoned = false;
        }
        self.batch_depth += 1;
        // A panic anywhere inside (a bug, or a value no check foresaw) must not leave the
        // transaction open or the depth raised: every later write would join a transaction
        // that is never committed (tickets answered but never stored, numbers issued twice
        // after a restart). The outermost batch rolls back, re-derives the state from the
        // log and reports the panic as an error; inner ones pass it up.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        self.batch_depth -= 1;
        let r = match r {
            Ok(r) => r,
            Err(payload) if self.batch_depth > 0 => std::panic::resume_unwind(payload),
            Err(payload) => {
                self.store.rollback();
                self.poisoned = false;
                let message = panic_message(payload.as_ref());
                tracing::error!(panic = %message, "a panic inside an engine batch; batch rolled back");
                self.rebuild()?;
                return Err(EngineError::Panicked(message));
            }
        };
        if self.batch_depth > 0 {
            return Ok(r);
        }
        if self.poisoned {
            self.store.rollback();
            self.rebuild()?;
            return Err(EngineError::Store(StoreError::Corrupt {
                seq: -1,
                message: "a write in the batch failed; batch rolled back".into(),
            }));
        }
        if let Err(e) = self.store.commit() {
            self.store.rollback();
            self.rebuild()?;
            return Err(e.into());
        }
        Ok(r)
    }

    /// Re-derives the state from the log (after a failed commit or a panic).
    fn rebuild(&mut self) -> Result<(), EngineError> {
        let mut state = State::with_capacity(self.store.event_count()?);
        self.store.replay(|ev| state.apply_owned(ev))?;
        self.state = state;
        Ok(())
    }

    /// Logs `kinds` atomically, then applies them. Outside a batch this is its own
    /// transaction; inside, it joins the batch.
    fn write(&mut self, at: DateTime<Utc>, kinds: Vec<EventKind>) -> Result<(), EngineError> {
        let events: Vec<Event> = kinds.into_iter().map(|kind| Event { at, kind }).collect();
        let own_tx = self.batch_depth == 0 && events.len() > 1;
        if own_tx {
            self.store.begin()?;
        }
        for ev in &events {
            if let Err(e) = self.store.append(ev) {
                if own_tx {
                    self.store.rollback();
                } else if self.batch_depth > 0 {
                    self.poisoned = true;
                }
                return Err(e.into());
            }
        }
        if own_tx && let Err(e) = self.store.commit() {
            self.store.rollback();
            return Err(e.into());
        }
        for ev in &events {
            self.state.apply(ev);
        }
        Ok(())
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        local_date(self.site.time_zone, now)
    }

    fn service_cfg(&self, service: &ServiceId) -> Result<&ServiceConfig, Rejection> {
        self.site.service(service).ok_or_else(|| Rejection::UnknownService { service: service.to_string() })
    }

    /// A service's hours as they stand: configured, with today's presence (and any other
    /// day staff changed) laid over them. Everything that asks "open?" asks this.
    pub fn hours_of<'a>(&'a self, svc: &'a ServiceConfig) -> ServiceHours<'a> {
        svc.hours.with_changes(self.state.presence.get(&svc.id))
    }

    /// The next free online number of `prefix` on `day` (skips numbers used offline).
    fn next_number(&self, prefix: &str, day: NaiveDate) -> TicketNumber {
        let mut seq = 1;
        if let Some(n) = self.state.numbers.get(&(prefix_key(prefix), day)) {
            seq = n.last + 1;
            while n.used.contains(&seq) {
                seq += 1;
            }
        }
        TicketNumber { prefix: prefix.to_owned(), seq }
    }

    fn answer(&self, t: &Ticket) -> IssuedTicket {
        IssuedTicket {
            id: t.id,
            number: t.number.clone(),
            service: t.service.clone(),
            service_name: self.site.service(&t.service).map(|s| s.name.clone()).unwrap_or_default(),
            lane: t.lane,
            people_ahead: t.people_ahead,
            wait: t.wait,
            issued_at: t.queued_at,
            booked_at: t.booked_at,
            follow_url: None,
        }
    }

    /// A repeated request gets the first answer.
    fn repeated(&self, request: MessageId) -> Option<IssuedTicket> {
        let id = self.state.requests.get(&request)?;
        self.state.tickets.get(id).map(|t| self.answer(t))
    }

    fn store_issue(&mut self, i: Issued, now: DateTime<Utc>) -> Result<IssuedTicket, Rejection> {
        let id = i.id;
        self.write(now, vec![EventKind::Issued(Box::new(i))])
            .map_err(|e| Rejection::Internal { message: e.to_string() })?;
        Ok(self.answer(&self.state.tickets[&id]))
    }

    /// The lane a walk-in ticket joins: priority for accessibility needs where the site wants
    /// it, else walk-in. One rule for live and offline-recorded tickets.
    fn walk_in_lane(&self, needs: &Needs) -> Lane {
        if self.site.priority_for_accessibility && needs.accessibility { Lane::Priority } else { Lane::WalkIn }
    }

    /// Takes a walk-in queue number. Idempotent on `request`: the same id returns the same
    /// ticket and stores nothing new (a rejected request stores nothing, so a retry is
    /// judged again).
    pub fn issue_ticket(
        &mut self,
        request: MessageId,
        service: &ServiceId,
        needs: Needs,
        now: DateTime<Utc>,
    ) -> Result<IssuedTicket, Rejection> {
        if let Some(a) = self.repeated(request) {
            return Ok(a);
        }
        let tz = self.site.time_zone;
        let svc = self.service_cfg(service)?;
        if !svc.walk_in {
            return Err(Rejection::AppointmentsOnly { service: service.clone() });
        }
        let day = self.today(now);
        let hours = self.hours_of(svc);
        if !hours.open_on(day) {
            return Err(Rejection::NotToday { service: service.clone() });
        }
        if !hours.open_at(tz, now) {
            return Err(Rejection::Closed { service: service.clone(), opens_next: hours.opens_next(tz, now) });
        }
        let lane = self.walk_in_lane(&needs);
        let number = self.next_number(&svc.prefix, day);
        let (ahead, wait) = self.estimate_new(service, lane, now);
        let issued = Issued {
            id: TicketId::new(),
            request: Some(request),
            service: service.clone(),
            number,
            lane,
            needs,
            day,
            queued_at: now,
            booked_at: None,
            booking: None,
            people_ahead: ahead,
            wait,
            offline: false,
        };
        self.store_issue(issued, now)
    }

    /// Records a number a kiosk handed out from its reserved block while the hub was away.
    /// The ticket queues from `issued_at` (the customer has been waiting since then) on the
    /// service day of `issued_at`. Opening hours are not checked: the customer already holds
    /// the paper. Idempotent on `request`; a number already in use that day is refused with
    /// `BadRequest`, so a number is never held by two customers.
    pub fn record_offline_ticket(
        &mut self,
        request: MessageId,
        service: &ServiceId,
        number: TicketNumber,
        issued_at: DateTime<Utc>,
        needs: Needs,
        now: DateTime<Utc>,
    ) -> Result<IssuedTicket, Rejection> {
        if let Some(a) = self.repeated(request) {
            return Ok(a);
        }
        if issued_at > now + OFFLINE_CLOCK_SKEW {
            return Err(Rejection::BadRequest {
                message: format!(
                    "offline ticket {number}: issued_at {} is ahead of the hub's clock ({}) by more than {} minutes",
                    issued_at.to_rfc3339(),
                    now.to_rfc3339(),
                    OFFLINE_CLOCK_SKEW.num_minutes()
                ),
            });
        }
        if issued_at < now - OFFLINE_MAX_AGE {
            return Err(Rejection::BadRequest {
                message: format!(
                    "offline ticket {number}: issued_at {} is more than {} days before the hub's clock ({})",
                    issued_at.to_rfc3339(),
                    OFFLINE_MAX_AGE.num_days(),
                    now.to_rfc3339()
                ),
            });
        }
        // A kiosk clock a little ahead counts as now (never queue from the future).
        let issued_at = issued_at.min(now);
        let svc = self.service_cfg(service)?;
        if number.prefix != svc.prefix {
            return Err(Rejection::BadRequest {
                message: format!("number {number} does not have {service}'s prefix {}", svc.prefix),
            });
        }
        let day = self.today(issued_at);
        if self.state.numbers.get(&(prefix_key(&number.prefix), day)).is_some_and(|n| n.used.contains(&number.seq)) {
            return Err(Rejection::BadRequest { message: format!("number {number} is already in use on {day}") });
        }
        let lane = self.walk_in_lane(&needs);
        let (ahead, wait) = self.estimate_new(service, lane, now);
        let issued = Issued {
            id: TicketId::new(),
            request: Some(request),
            service: service.clone(),
            number,
            lane,
            needs,
            day,
            queued_at: issued_at,
            booked_at: None,
            booking: None,
            people_ahead: ahead,
            wait,
            offline: true,
        };
        self.store_issue(issued, now)
    }

    /// "I have arrived": checks in a booking by code into its service's appointment lane,
    /// ordered by booked time. Accepted from `check_in_early` before to `check_in_late` after
    /// the booked time. The customer gets an ordinary number of the service's prefix.
    pub fn check_in(
        &mut self,
        request: MessageId,
        code: &str,
        needs: Needs,
        now: DateTime<Utc>,
    ) -> Result<IssuedTicket, Rejection> {
        if let Some(a) = self.repeated(request) {
            return Ok(a);
        }
        let code = normalize_code(code);
        let booking = self.state.bookings.get(&code).ok_or(Rejection::UnknownBooking)?;
        if booking.cancelled {
            return Err(Rejection::BookingCancelled);
        }
        if let Some(t) = self.state.checked_in.get(&code).and_then(|id| self.state.tickets.get(id)) {
            return Err(Rejection::AlreadyCheckedIn { number: t.number.clone() });
        }
        let opens_at = booking.start - self.site.check_in_early;
        if now < opens_at {
            return Err(Rejection::TooEarly { booked_at: booking.start, opens_at });
        }
        if now > booking.start + self.site.check_in_late {
            return Err(Rejection::TooLate { booked_at: booking.start });
        }
        let (service, booked_at) = (booking.service.clone(), booking.start);
        let svc = self.service_cfg(&service)?;
        let day = self.today(now);
        let number = self.next_number(&svc.prefix, day);
        let (ahead, wait) = self.estimate_appointment(&service, booked_at, now);
        let issued = Issued {
            id: TicketId::new(),
            request: Some(request),
            service,
            number,
            lane: Lane::Appointment,
            needs,
            day,
            queued_at: now,
            booked_at: Some(booked_at),
            booking: Some(code),
            people_ahead: ahead,
            wait,
            offline: false,
        };
        self.store_issue(issued, now)
    }

    fn counter_cfg(&self, counter: &CounterId) -> Result<&CounterConfig, EngineError> {
        self.site.counter(counter).ok_or_else(|| EngineError::UnknownCounter(counter.clone()))
    }

    fn illegal(t: &Ticket, action: Action) -> EngineError {
        EngineError::IllegalTransition {
            id: t.id,
            number: t.number.clone(),
            state: t.state(),
            phase: t.phase.name(),
            action,
        }
    }

    /// Refuses calling (and resuming, and another break) while the counter is on a break.
    fn not_on_break(&self, counter: &CounterId) -> Result<(), EngineError> {
        match self.state.counters.get(counter).and_then(|c| c.on_break) {
            Some(b) => Err(EngineError::OnBreak { counter: counter.clone(), reason: b.reason, since: b.since }),
            None => Ok(()),
        }
    }

    /// What must happen to the counter's current ticket before it can call another:
    /// in service → finished (pressing "next" means done); called and past the no-show
    /// window → no-show; called within the window → refused.
    fn clear_counter(&self, counter: &CounterId, now: DateTime<Utc>) -> Result<Option<EventKind>, EngineError> {
        let Some(t) = self.state.counter_ticket(counter) else { return Ok(None) };
        match &t.phase {
            Phase::Serving { .. } => Ok(Some(EventKind::Finished { ticket: t.id })),
            Phase::Called { at, .. } if now >= *at + self.site.no_show_after => {
                Ok(Some(EventKind::NoShow { ticket: t.id }))
            }
            _ => Err(EngineError::CounterBusy { counter: counter.clone(), number: t.number.clone() }),
        }
    }

    fn call_event(&self, ticket: TicketId, counter: &CounterId, kind: CallKind, at: DateTime<Utc>) -> CallEvent {
        let t = &self.state.tickets[&ticket];
        CallEvent {
            ticket,
            number: t.number.clone(),
            service: t.service.clone(),
            counter: counter.clone(),
            counter_name: self.site.counter(counter).map(|c| c.name.clone()).unwrap_or_default(),
            kind,
            called_at: at,
        }
    }

    /// The services `counter` calls from when none are named: its open session's, else its
    /// configured ones (a counter never opened works as before sessions existed).
    pub fn serving_now(&self, counter: &CounterId) -> Result<Vec<ServiceId>, EngineError> {
        Ok(self.counter_serves(self.counter_cfg(counter)?).to_vec())
    }

    /// See [`Engine::serving_now`].
    fn counter_serves<'a>(&'a self, cfg: &'a CounterConfig) -> &'a [ServiceId] {
        match self.state.counters.get(&cfg.id).and_then(|c| c.session.as_ref()) {
            Some(s) => &s.services,
            None => &cfg.services,
        }
    }

    /// Calls the next ticket to `counter`: first a ticket reserved for it (of `services`, if
    /// named), then from `services` (empty = its session's services, else its configured
    /// ones) by the lane rules of [`crate::lanes`]. A ticket the counter is serving is
    /// finished first; a called ticket past the no-show window becomes a no-show; a called
    /// ticket within the window makes this fail with [`EngineError::CounterBusy`]; a counter
    /// on a break calls nobody ([`EngineError::OnBreak`]).
    pub fn call_next(
        &mut self,
        counter: &CounterId,
        services: &[ServiceId],
        now: DateTime<Utc>,
    ) -> Result<CallEvent, EngineError> {
        let cfg = self.counter_cfg(counter)?;
        let named = !services.is_empty();
        let services: Vec<ServiceId> = if named { services.to_vec() } else { self.counter_serves(cfg).to_vec() };
        self.not_on_break(counter)?;
        let clear = self.clear_counter(counter, now)?;
        let next = next_reserved(&self.state, counter, named.then_some(&services[..]))
            .or_else(|| next_for(&self.state, &services, self.site.walk_ins_per_appointment, now))
            .ok_or_else(|| EngineError::NothingWaiting {
                counter: counter.clone(),
                services: services.iter().map(ServiceId::as_str).collect::<Vec<_>>().join(", "),
            })?;
        let mut kinds: Vec<EventKind> = clear.into_iter().collect();
        kinds.push(EventKind::Called { ticket: next, counter: counter.clone() });
        self.write(now, kinds)?;
        Ok(self.call_event(next, counter, CallKind::Call, now))
    }

    /// Resolves a ticket by id or by today's number (the latest ticket holding it).
    pub fn find(&self, ticket: &TicketRef, now: DateTime<Utc>) -> Result<&Ticket, EngineError> {
        match ticket {
            TicketRef::Id(id) => self.state.tickets.get(id).ok_or(EngineError::UnknownTicket(*id)),
            TicketRef::Number(n) => self
                .state
                .by_number
                .get(&(self.today(now), number_key(n)))
                .and_then(|id| self.state.tickets.get(id))
                .ok_or_else(|| EngineError::UnknownNumber(n.clone())),
        }
    }

    /// Calls a specific waiting number out of order (same counter rules as
    /// [`Engine::call_next`]). A ticket reserved for another counter is refused
    /// ([`EngineError::ReservedForOther`]): transfer it here first.
    pub fn call_number(
        &mut self,
        counter: &CounterId,
        number: &TicketNumber,
        now: DateTime<Utc>,
    ) -> Result<CallEvent, EngineError> {
        self.counter_cfg(counter)?;
        self.not_on_break(counter)?;
        let t = self.find(&TicketRef::Number(number.clone()), now)?;
        t.phase.call(counter, now).map_err(|_| Self::illegal(t, Action::Call))?;
        if let Some(other) = t.reserved_for.as_ref().filter(|c| *c != counter) {
            return Err(EngineError::ReservedForOther { number: t.number.clone(), counter: other.clone() });
        }
        let id = t.id;
        let clear = self.clear_counter(counter, now)?;
        let mut kinds: Vec<EventKind> = clear.into_iter().collect();
        kinds.push(EventKind::Called { ticket: id, counter: counter.clone() });
        self.write(now, kinds)?;
        Ok(self.call_event(id, counter, CallKind::Call, now))
    }

    /// The counter's current ticket after checking `action` is allowed for it.
    fn current(&self, counter: &CounterId, action: Action, now: DateTime<Utc>) -> Result<TicketId, EngineError> {
        self.counter_cfg(counter)?;
        let t =
            self.state.counter_ticket(counter).ok_or_else(|| EngineError::CounterIdle { counter: counter.clone() })?;
        let ok = match action {
            Action::Recall => t.phase.recall(now).is_ok(),
            Action::Start => t.phase.start(now).is_ok(),
            Action::Finish => t.phase.finish(now).is_ok(),
            Action::NoShow => t.phase.no_show(now).is_ok(),
            Action::Park => t.phase.park(now).is_ok(),
            _ => false,
        };
        if ok { Ok(t.id) } else { Err(Self::illegal(t, action)) }
    }

    /// Announces the counter's called ticket again (restarts the no-show window).
    pub fn recall(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<CallEvent, EngineError> {
        let id = self.current(counter, Action::Recall, now)?;
        self.write(now, vec![EventKind::Recalled { ticket: id }])?;
        Ok(self.call_event(id, counter, CallKind::Recall, now))
    }

    /// The called customer arrived: service starts.
    pub fn start(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        let id = self.current(counter, Action::Start, now)?;
        self.write(now, vec![EventKind::Started { ticket: id }])
    }

    /// Service done.
    pub fn finish(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        let id = self.current(counter, Action::Finish, now)?;
        self.write(now, vec![EventKind::Finished { ticket: id }])
    }

    /// The called customer did not come.
    pub fn no_show(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        let id = self.current(counter, Action::NoShow, now)?;
        self.write(now, vec![EventKind::NoShow { ticket: id }])
    }

    /// Moves a waiting or called ticket to another service; returns the new ticket.
    ///
    /// The old ticket ends as Transferred. The new one **keeps the customer's number** (they
    /// hold the paper, and prefixes are unique on the site, so it cannot clash) and **keeps
    /// the original queue time**, in the target's walk-in lane (priority stays priority): the
    /// customer is not sent to the back for having picked the wrong authority.
    pub fn transfer(
        &mut self,
        ticket: impl Into<TicketRef>,
        to: &ServiceId,
        now: DateTime<Utc>,
    ) -> Result<IssuedTicket, EngineError> {
        let t = self.find(&ticket.into(), now)?;
        if self.site.service(to).is_none() {
            return Err(EngineError::UnknownService(to.clone()));
        }
        if &t.service == to {
            return Err(EngineError::SameService { number: t.number.clone(), service: to.clone() });
        }
        let new_id = TicketId::new();
        t.phase.transfer(now, new_id).map_err(|_| Self::illegal(t, Action::Transfer))?;
        let lane = if t.lane == Lane::Priority { Lane::Priority } else { Lane::WalkIn };
        let (old, number, needs, day, queued_at) = (t.id, t.number.clone(), t.needs.clone(), t.day, t.queued_at);
        let ahead = self.ahead_of(to, lane, queued_at, now);
        let wait = self.wait_for(to, ahead, now);
        let issued = Issued {
            id: new_id,
            request: None,
            service: to.clone(),
            number,
            lane,
            needs,
            day,
            queued_at,
            booked_at: None,
            booking: None,
            people_ahead: ahead,
            wait,
            offline: false,
        };
        self.write(now, vec![EventKind::Transferred { ticket: old, to: Box::new(issued) }])?;
        Ok(self.answer(&self.state.tickets[&new_id]))
    }

    /// Cancels a waiting or called ticket.
    pub fn cancel(&mut self, ticket: TicketId, now: DateTime<Utc>) -> Result<(), EngineError> {
        let t = self.find(&TicketRef::Id(ticket), now)?;
        t.phase.cancel(now, CancelReason::Staff).map_err(|_| Self::illegal(t, Action::Cancel))?;
        self.write(now, vec![EventKind::Cancelled { ticket, reason: CancelReason::Staff }])
    }

    /// How an open ticket ends when its day is over. A parked ticket ends as served: its
    /// service had started, and the customer may have left with what they came for.
    fn closing_event(t: &Ticket) -> Option<EventKind> {
        match t.phase {
            Phase::Waiting => Some(EventKind::Cancelled { ticket: t.id, reason: CancelReason::DayClosed }),
            Phase::Called { .. } => Some(EventKind::NoShow { ticket: t.id }),
            Phase::Serving { .. } | Phase::Parked { .. } => Some(EventKind::Finished { ticket: t.id }),
            _ => None,
        }
    }

    /// Ends the breaks and sessions of counters for which `stale` holds (after the tickets'
    /// closing events, so a closed counter holds nothing).
    fn closing_counters(&self, stale: impl Fn(DateTime<Utc>) -> bool) -> Vec<EventKind> {
        let mut kinds = Vec::new();
        for (id, c) in &self.state.counters {
            if c.on_break.is_some_and(|b| stale(b.since)) {
                kinds.push(EventKind::BreakEnded { counter: id.clone() });
            }
            if c.session.as_ref().is_some_and(|s| stale(s.since)) {
                kinds.push(EventKind::CounterClosed { counter: id.clone() });
            }
        }
        kinds
    }

    /// Timers: called tickets past the no-show window become no-shows; open tickets of an
    /// earlier service day are closed (rollover), and so are breaks and counter sessions
    /// begun on an earlier day. Returns the tickets changed. A store failure is logged and
    /// retried on the next tick.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<TicketId> {
        let today = self.today(now);
        let window = self.site.no_show_after;
        let mut kinds: Vec<EventKind> = self
            .state
            .open
            .iter()
            .filter_map(|id| self.state.tickets.get(id))
            .filter_map(|t| {
                if t.day < today {
                    Self::closing_event(t)
                } else if let Phase::Called { at, .. } = t.phase {
                    (now >= at + window).then_some(EventKind::NoShow { ticket: t.id })
                } else {
                    None
                }
            })
            .collect();
        let tz = self.site.time_zone;
        kinds.extend(self.closing_counters(|since| local_date(tz, since) < today));
        self.write_all(kinds, now)
    }

    fn write_all(&mut self, kinds: Vec<EventKind>, now: DateTime<Utc>) -> Vec<TicketId> {
        let ids: Vec<TicketId> = kinds
            .iter()
            .filter_map(|k| match k {
                EventKind::Cancelled { ticket, .. } | EventKind::NoShow { ticket } | EventKind::Finished { ticket } => {
                    Some(*ticket)
                }
                _ => None,
            })
            .collect();
        if kinds.is_empty() {
            return ids;
        }
        match self.write(now, kinds) {
            Ok(()) => ids,
            Err(e) => {
                warn!(error = %e, "timer events not stored; will retry");
                Vec::new()
            }
        }
    }

    /// Closes the service day now: every open ticket ends (waiting → cancelled, called →
    /// no-show, serving or parked → served), breaks end and counters close. Returns the
    /// tickets changed.
    pub fn close_day(&mut self, now: DateTime<Utc>) -> Result<Vec<TicketId>, EngineError> {
        let mut kinds: Vec<EventKind> = self
            .state
            .open
            .iter()
            .filter_map(|id| self.state.tickets.get(id))
            .filter_map(Self::closing_event)
            .collect();
        kinds.extend(self.closing_counters(|_| true));
        let ids = kinds
            .iter()
            .filter_map(|k| match k {
                EventKind::Cancelled { ticket, .. } | EventKind::NoShow { ticket } | EventKind::Finished { ticket } => {
                    Some(*ticket)
                }
                _ => None,
            })
            .collect();
        if !kinds.is_empty() {
            self.write(now, kinds)?;
        }
        Ok(ids)
    }

    // ---- wait estimates ---------------------------------------------------------------

    /// People ahead of a new ticket entering `service`'s `lane` with queue time `queued_at`.
    fn ahead_of(&self, service: &ServiceId, lane: Lane, queued_at: DateTime<Utc>, now: DateTime<Utc>) -> u32 {
        let Some(lines) = self.state.lines.get(service) else { return 0 };
        let before = |set: &std::collections::BTreeSet<(DateTime<Utc>, TicketId)>| {
            set.iter().take_while(|(t, _)| *t <= queued_at).count()
        };
        let n = match lane {
            Lane::Priority => before(&lines.priority),
            // Walk-ins wait behind priority tickets, earlier walk-ins and due appointments.
            Lane::WalkIn => {
                lines.priority.len()
                    + before(&lines.walk_in)
                    + lines.appointment.iter().filter(|(b, _)| *b <= now).count()
            }
            Lane::Appointment => lines.priority.len() + before(&lines.appointment),
        };
        n as u32
    }

    fn ahead_of_appointment(&self, service: &ServiceId, booked_at: DateTime<Utc>) -> u32 {
        let Some(lines) = self.state.lines.get(service) else { return 0 };
        (lines.priority.len() + lines.appointment.iter().take_while(|(b, _)| *b <= booked_at).count()) as u32
    }

    fn estimate_new(&self, service: &ServiceId, lane: Lane, now: DateTime<Utc>) -> (u32, Option<WaitRange>) {
        let ahead = self.ahead_of(service, lane, now, now);
        (ahead, self.wait_for(service, ahead, now))
    }

    fn estimate_appointment(
        &self,
        service: &ServiceId,
        booked_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> (u32, Option<WaitRange>) {
        let ahead = self.ahead_of_appointment(service, booked_at);
        // Not called before the booked time (unless counters are idle): the wait is at least
        // the time until then.
        let until = ((booked_at - now).num_seconds().max(0) as f64 / 60.0).floor() as u32;
        let wait = self
            .wait_for(service, ahead, now)
            .map(|w| WaitRange { low_min: w.low_min.max(until), high_min: w.high_min.max(until + 1) });
        (ahead, wait)
    }

    /// The inputs of the estimate for `service` now; see [`crate::wait`] (which counters
    /// count as staffed is decided there, in "Staffed counters").
    pub fn wait_inputs(&self, service: &ServiceId, ahead: u32, now: DateTime<Utc>) -> Option<WaitInputs> {
        let svc = self.site.service(service)?;
        let tz = self.site.time_zone;
        let state_of = |c: &CounterConfig| self.state.counters.get(&c.id);
        let on_break = |c: &CounterConfig| state_of(c).is_some_and(|s| s.on_break.is_some());
        let counted: Vec<&CounterConfig> = if self.state.counters.values().any(|s| s.session.is_some()) {
            // Sessions in use: exactly the open counters whose session includes the service.
            self.site
                .counters
                .iter()
                .filter(|c| state_of(c).and_then(|s| s.session.as_ref()).is_some_and(|s| s.services.contains(service)))
                .filter(|c| !on_break(c))
                .collect()
        } else {
            // No sessions: counters active in the last hour count; if none is, all configured
            // ones do (start of the day).
            let recent = |c: &CounterConfig| {
                state_of(c).is_some_and(|s| {
                    s.current.is_some() || s.last_active.is_some_and(|a| now - a < TimeDelta::hours(1))
                })
            };
            let serving: Vec<&CounterConfig> =
                self.site.counters.iter().filter(|c| c.services.contains(service)).collect();
            let active: Vec<&CounterConfig> = serving.iter().copied().filter(|c| recent(c)).collect();
            let mut counted = if active.is_empty() { serving } else { active };
            counted.retain(|c| !on_break(c));
            counted
        };
        // Each counted counter is shared among the services it serves that have customers now.
        let share = |c: &CounterConfig| {
            let busy = self
                .counter_serves(c)
                .iter()
                .filter(|s| {
                    *s == service
                        || (self.state.waiting(s) > 0
                            && self.site.service(s).is_some_and(|x| self.hours_of(x).open_at(tz, now)))
                })
                .count()
                .max(1);
            1.0 / busy as f64
        };
        // `+ 0.0`: an empty float sum is -0.0, which would print as "-0" wherever it is shown.
        let counters: f64 = counted.iter().map(|c| share(c)).sum::<f64>() + 0.0;
        let at_counters = self
            .state
            .counters
            .values()
            .filter_map(|c| c.current)
            .filter(|id| self.state.tickets.get(id).is_some_and(|t| &t.service == service))
            .count() as u32;
        // Counter occupancy (call → release), with the configured service time plus a minute
        // for walking up as the prior.
        let (mean_min, sd_min) = service_stats(self.state.desk_minutes.get(service), svc.service_time_min + 1.0);
        Some(WaitInputs { ahead, at_counters, counters, mean_min, sd_min })
    }

    fn wait_for(&self, service: &ServiceId, ahead: u32, now: DateTime<Utc>) -> Option<WaitRange> {
        self.wait_inputs(service, ahead, now).and_then(|i| estimate(&i))
    }

    /// For the "follow my number" page: people ahead of an open ticket and the current
    /// estimate. `None` for final tickets.
    pub fn ticket_progress(&self, id: TicketId, now: DateTime<Utc>) -> Option<(u32, Option<WaitRange>)> {
        let t = self.state.tickets.get(&id)?;
        match t.phase {
            Phase::Waiting if t.reserved_for.is_some() => Some(self.reserved_progress(t)),
            Phase::Waiting => {
                let ahead = match (t.lane, t.booked_at) {
                    (Lane::Appointment, Some(b)) => self.ahead_of_appointment(&t.service, b).saturating_sub(1),
                    _ => self.ahead_of(&t.service, t.lane, t.queued_at, now).saturating_sub(1),
                };
                Some((ahead, self.wait_for(&t.service, ahead, now)))
            }
            Phase::Called { .. } | Phase::Serving { .. } | Phase::Parked { .. } => {
                Some((0, Some(WaitRange { low_min: 0, high_min: 0 })))
            }
            _ => None,
        }
    }

    /// What the queue wall and the kiosk show. Staff-only facts stay out: a counter on a
    /// break or with a parked customer shows no current number, exactly as an idle one;
    /// reserved tickets count as waiting for their service.
    pub fn queue_state(&self, now: DateTime<Utc>) -> QueueState {
        let tz = self.site.time_zone;
        let day = self.today(now);
        let services = self
            .site
            .services
            .iter()
            .map(|s| {
                // Today's presence as staff set it: an absent authority is not open today,
                // so kiosks do not offer it.
                let hours = self.hours_of(s);
                let open_now = hours.open_at(tz, now);
                let waiting = self.state.waiting(&s.id) as u32;
                ServiceView {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    authority: s.authority.clone(),
                    prefix: s.prefix.clone(),
                    open_today: hours.open_on(day),
                    open_now,
                    walk_in: s.walk_in,
                    hours_today: hours.spans_on(day).to_vec(),
                    opens_next: if open_now { None } else { hours.opens_next(tz, now) },
                    waiting,
                    wait: if open_now && s.walk_in {
                        self.wait_for(&s.id, self.ahead_of(&s.id, Lane::WalkIn, now, now), now)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let counters = self
            .site
            .counters
            .iter()
            .map(|c| {
                let st = self.state.counters.get(&c.id);
                CounterView {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    current: self.state.counter_ticket(&c.id).map(|t| t.number.clone()),
                    since: st.and_then(|s| s.since),
                }
            })
            .collect();
        let calls = self
            .state
            .recent_calls
            .iter()
            .take(QueueState::MAX_CALLS)
            .filter(|c| self.state.tickets.contains_key(&c.ticket))
            .map(|c| self.call_event(c.ticket, &c.counter, c.kind, c.at))
            .collect();
        QueueState {
            seq: self.state.events,
            site_name: self.site.name.clone(),
            services,
            counters,
            calls,
            announcement: None,
        }
    }

    /// Imports (adds or updates) bookings from iCalendar text, in one transaction. Bookings
    /// already known unchanged store nothing, so the hub can re-import a feed every few
    /// minutes.
    pub fn import_bookings_ics(&mut self, ics: &str, now: DateTime<Utc>) -> Result<ImportSummary, EngineError> {
        let parsed = parse_ics(ics, &self.site)?;
        let mut summary = ImportSummary { skipped: parsed.skipped, ..Default::default() };
        let mut kinds = Vec::new();
        for b in parsed.bookings {
            match self.state.bookings.get(&b.code) {
                Some(old) if *old == b => summary.unchanged += 1,
                Some(_) => {
                    summary.updated += 1;
                    kinds.push(EventKind::Booked(b));
                }
                None => {
                    summary.added += 1;
                    kinds.push(EventKind::Booked(b));
                }
            }
        }
        if !kinds.is_empty() {
            if self.batch_depth == 0 {
                self.store.begin()?;
                for k in kinds {
                    let ev = Event { at: now, kind: k };
                    if let Err(e) = self.store.append(&ev) {
                        self.store.rollback();
                        self.rebuild()?;
                        return Err(e.into());
                    }
                    self.state.apply(&ev);
                }
                if let Err(e) = self.store.commit() {
                    self.store.rollback();
                    self.rebuild()?;
                    return Err(e.into());
                }
            } else {
                self.write(now, kinds)?;
            }
        }
        Ok(summary)
    }

    /// Records a help request from a device. Returns false if `request` was already recorded.
    pub fn record_help(
        &mut self,
        request: MessageId,
        device: &DeviceId,
        now: DateTime<Utc>,
    ) -> Result<bool, EngineError> {
        if self.state.help_ids.contains(&request) {
            return Ok(false);
        }
        self.write(now, vec![EventKind::Help { request, device: device.clone() }])?;
        Ok(true)
    }

    /// Help requests recorded on the site-local `day`.
    pub fn help_count(&self, day: NaiveDate) -> usize {
        self.state.help.iter().filter(|h| local_date(self.site.time_zone, h.at) == day).count()
    }

    /// Generic "store once by message id": true if `id` was seen before; else remembers it
    /// (in the current batch's transaction, if any) and returns false.
    pub fn seen_before(&mut self, id: MessageId, now: DateTime<Utc>) -> Result<bool, EngineError> {
        Ok(self.store.seen_before(id, now)?)
    }

    /// The SQLite connection, for read-only report queries over `events`.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// All tickets ever issued (every day), in no particular order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.state.tickets.values()
    }

    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.state.tickets.get(&id)
    }

    /// The derived state; equal to `replay(log)` at all times (tests assert it).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Reads the whole log back (tests, exports).
    pub fn read_log(&self) -> Result<Vec<Event>, EngineError> {
        let mut out = Vec::new();
        self.store.for_each(|ev| out.push(ev))?;
        Ok(out)
    }
}

/// Rebuilds the state from a log.
pub fn replay(events: impl IntoIterator<Item = Event>) -> State {
    let mut state = State::default();
    for ev in events {
        state.apply_owned(ev);
    }
    state
}
