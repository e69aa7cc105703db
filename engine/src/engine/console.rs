//! The staff console's side of the engine: counter sessions and breaks, finishing with an
//! outcome, parking and resuming, returning a no-show to the queue, reserving a ticket for a
//! counter and today's presence of an authority; then the read-only views staff see (the
//! waiting list, one counter's view, break figures). Each operation follows the engine's one
//! pattern: check with the pure rules (`ticket.rs`, `counters.rs`, `hours.rs`), log the
//! event, apply it ([`crate::State::apply`]).
//!
//! What staff see is what the handbook asks for and no more: number, service, lane, times
//! and needs flags. The engine holds no personal data, and none of this reaches the wall:
//! [`Engine::queue_state`] shows neither breaks nor parked tickets.

use std::ops::RangeInclusive;

use aula_protocol::{CounterId, Lane, Localized, Needs, ServiceId, TicketId, TicketNumber, WaitRange};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Engine, TicketRef};
use crate::counters::{Break, BreakFigures, BreakReason, Session, break_figures, session_services};
use crate::error::{EngineError, Held};
use crate::event::EventKind;
use crate::hours::{Presence, check_spans};
use crate::lanes::CallOrder;
use crate::ticket::{Action, Outcome, Phase, Ticket};
use crate::wait::{WaitInputs, estimate, service_stats};

/// One ticket as the counter view lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaitingTicket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub service: ServiceId,
    pub lane: Lane,
    /// Place in line: the customer's waited time counts from here (kept across transfers
    /// and returns).
    pub queued_at: DateTime<Utc>,
    pub booked_at: Option<DateTime<Utc>>,
    /// Interpreter language, accessibility, reading help: flags only.
    pub needs: Needs,
    pub state: WaitingState,
    /// Waiting for this counter only.
    pub reserved_for: Option<CounterId>,
    /// Calls so far, and returns from no-show: a number called before may be a customer
    /// who stepped out.
    pub calls: u32,
    pub returned: u32,
}

/// Where a listed ticket stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WaitingState {
    Waiting,
    Called {
        counter: CounterId,
        at: DateTime<Utc>,
    },
    /// Only as a counter view's current ticket (the waiting list leaves tickets in service out).
    Serving {
        counter: CounterId,
        since: DateTime<Utc>,
    },
    Parked {
        counter: CounterId,
        since: DateTime<Utc>,
    },
    /// A no-show of today: [`Engine::return_no_show`] puts it back in line.
    NoShow {
        at: DateTime<Utc>,
    },
}

/// One counter as its staff see it. Breaks are here and nowhere customers look.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffCounterView {
    pub counter: CounterId,
    pub name: Localized,
    /// What the counter is configured for: what a session chooses from.
    pub configured: Vec<ServiceId>,
    /// Signed in, and which services it serves now. None: not open (calls use `configured`).
    pub session: Option<Session>,
    /// The ticket called to it or in service there.
    pub current: Option<WaitingTicket>,
    pub on_break: Option<Break>,
    /// Customers who stepped out mid-service and come back here, oldest first.
    pub parked: Vec<WaitingTicket>,
    /// Waiting tickets transferred to it, in the order it calls them.
    pub reserved: Vec<WaitingTicket>,
}

impl Engine {
    // ---- counter sessions --------------------------------------------------------------

    /// Signs staff in to `counter`, serving `services` now (a non-empty subset of its
    /// configured services). On an open counter this changes the services; the same set again
    /// stores nothing (a double click).
    pub fn open_counter(
        &mut self,
        counter: &CounterId,
        services: &[ServiceId],
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let services = session_services(self.counter_cfg(counter)?, services)?;
        let current = self.state.counters.get(counter).and_then(|c| c.session.as_ref());
        if current.is_some_and(|s| s.services == services) {
            return Ok(());
        }
        self.write(now, vec![EventKind::CounterOpened { counter: counter.clone(), services }])
    }

    /// Signs staff out of `counter`. Refused while it holds a called, serving or parked
    /// ticket (the refusal names each). A break in progress ends with it; tickets reserved for
    /// the counter go back to their service's line in their original place, since nobody is
    /// left to call them.
    pub fn close_counter(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        self.counter_cfg(counter)?;
        let Some(c) = self.state.counters.get(counter).filter(|c| c.session.is_some()) else {
            return Err(EngineError::CounterNotOpen { counter: counter.clone() });
        };
        let held = self.held(counter, true);
        if !held.is_empty() {
            return Err(EngineError::CounterHolds { counter: counter.clone(), action: "close", held });
        }
        let mut kinds = Vec::new();
        if c.on_break.is_some() {
            kinds.push(EventKind::BreakEnded { counter: counter.clone() });
        }
        kinds.push(EventKind::CounterClosed { counter: counter.clone() });
        self.write(now, kinds)
    }

    /// The tickets `counter` holds: the called or serving one, and (if asked) the parked ones.
    fn held(&self, counter: &CounterId, with_parked: bool) -> Vec<Held> {
        let mut out: Vec<Held> = self
            .state
            .counter_ticket(counter)
            .map(|t| Held { number: t.number.clone(), phase: held_phase(&t.phase) })
            .into_iter()
            .collect();
        if with_parked && let Some(c) = self.state.counters.get(counter) {
            out.extend(
                c.parked
                    .iter()
                    .filter_map(|id| self.state.tickets.get(id))
                    .map(|t| Held { number: t.number.clone(), phase: "parked" }),
            );
        }
        out
    }

    // ---- breaks ------------------------------------------------------------------------

    /// `counter` goes on a break for `reason`. It then calls nobody and is not counted as
    /// staffed in the wait estimate; customers see nothing but no number at that counter.
    /// Refused while it has a ticket called or in service (parked ones may wait: their
    /// customers are away anyway), or is on a break already.
    pub fn start_break(
        &mut self,
        counter: &CounterId,
        reason: BreakReason,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.counter_cfg(counter)?;
        self.not_on_break(counter)?;
        let held = self.held(counter, false);
        if !held.is_empty() {
            return Err(EngineError::CounterHolds { counter: counter.clone(), action: "start a break", held });
        }
        self.write(now, vec![EventKind::BreakStarted { counter: counter.clone(), reason }])
    }

    /// `counter` is back from its break.
    pub fn end_break(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        self.counter_cfg(counter)?;
        if self.state.counters.get(counter).is_none_or(|c| c.on_break.is_none()) {
            return Err(EngineError::NotOnBreak { counter: counter.clone() });
        }
        self.write(now, vec![EventKind::BreakEnded { counter: counter.clone() }])
    }

    /// Count and minutes of breaks per counter and reason that started on `days`
    /// (site-local); one still running counts up to `now`. For reports, never for customers.
    pub fn break_figures(&self, days: RangeInclusive<NaiveDate>, now: DateTime<Utc>) -> Vec<BreakFigures> {
        break_figures(&self.state.breaks, self.site.time_zone, days, now)
    }

    // ---- tickets -----------------------------------------------------------------------

    /// Service done, with how it went ([`Outcome`]); kept on the ticket for reports.
    /// [`Engine::finish`] stays for "outcome unknown".
    pub fn finish_with(
        &mut self,
        counter: &CounterId,
        outcome: Outcome,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let id = self.current(counter, Action::Finish, now)?;
        self.write(now, vec![EventKind::FinishedWith { ticket: id, outcome }])
    }

    /// The customer in service steps out (to fetch a document): the ticket is parked at the
    /// counter, which is free to call others. Returns the parked ticket.
    pub fn park(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<TicketId, EngineError> {
        let id = self.current(counter, Action::Park, now)?;
        self.write(now, vec![EventKind::Parked { ticket: id }])?;
        Ok(id)
    }

    /// A parked customer is back: the ticket goes back into service at the counter it was
    /// parked at. Refused if it is parked elsewhere, if the counter has another ticket called
    /// or in service (finish or park that first), or is on a break.
    pub fn resume(
        &mut self,
        counter: &CounterId,
        ticket: impl Into<TicketRef>,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        self.counter_cfg(counter)?;
        let t = self.find(&ticket.into(), now)?;
        t.phase.resume(now).map_err(|_| Self::illegal(t, Action::Resume))?;
        if let Some(other) = t.phase.counter().filter(|c| *c != counter) {
            return Err(EngineError::ParkedElsewhere { number: t.number.clone(), counter: other.clone() });
        }
        let id = t.id;
        self.not_on_break(counter)?;
        let held = self.held(counter, false);
        if !held.is_empty() {
            return Err(EngineError::CounterHolds { counter: counter.clone(), action: "resume", held });
        }
        self.write(now, vec![EventKind::Resumed { ticket: id }])
    }

    /// A no-show of today whose customer came back goes back to Waiting in its lane with its
    /// **original** place in line (the handbook: the counter's own tools handle a missed
    /// number). Counted on the ticket as returned. Refused for any other state, and for an
    /// earlier day's no-show.
    pub fn return_no_show(&mut self, ticket: impl Into<TicketRef>, now: DateTime<Utc>) -> Result<(), EngineError> {
        let t = self.find(&ticket.into(), now)?;
        t.phase.return_to_queue().map_err(|_| Self::illegal(t, Action::Return))?;
        if t.day != self.today(now) {
            return Err(EngineError::NotToday { number: t.number.clone(), day: t.day });
        }
        let id = t.id;
        self.write(now, vec![EventKind::Returned { ticket: id }])
    }

    /// Reserves a waiting or called ticket for `counter`: same ticket, same number, same
    /// place in line, still waiting for its service; `counter` calls it before anything else
    /// and no other counter calls it. A called ticket leaves the counter that called it.
    /// Refused if `counter` is not configured for the ticket's service (transfer it to the
    /// right service first) or it already waits for, or is at, that counter.
    pub fn transfer_to_counter(
        &mut self,
        ticket: impl Into<TicketRef>,
        counter: &CounterId,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let cfg = self.counter_cfg(counter)?;
        let t = self.find(&ticket.into(), now)?;
        t.phase.reserve().map_err(|_| Self::illegal(t, Action::Reserve))?;
        if !cfg.services.contains(&t.service) {
            return Err(EngineError::NotServedHere {
                counter: counter.clone(),
                service: t.service.clone(),
                serves: cfg.services.iter().map(ServiceId::as_str).collect::<Vec<_>>().join(", "),
            });
        }
        if t.reserved_for.as_ref() == Some(counter) || t.phase.counter() == Some(counter) {
            return Err(EngineError::SameCounter { number: t.number.clone(), counter: counter.clone() });
        }
        let id = t.id;
        self.write(now, vec![EventKind::Reserved { ticket: id, counter: counter.clone() }])
    }

    // ---- today's presence --------------------------------------------------------------

    /// Sets which hours `service` keeps on `day` (today or later, site-local): absent (no
    /// walk-in service: kiosks do not offer it, a ticket is refused as `NotToday`), other
    /// hours, or back as planned. Effective at once in [`Engine::queue_state`], issuing and
    /// the wait estimate. Tickets already waiting stay (staff transfer or cancel them);
    /// check-in of bookings is not affected (a booked expert may come for bookings only).
    pub fn set_presence(
        &mut self,
        service: &ServiceId,
        day: NaiveDate,
        presence: Presence,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        if self.site.service(service).is_none() {
            return Err(EngineError::UnknownService(service.clone()));
        }
        let today = self.today(now);
        if day < today {
            return Err(EngineError::BadPresence {
                service: service.clone(),
                message: format!("{day} is before today ({today}): only today and later days can change"),
            });
        }
        if let Presence::Hours(spans) = &presence {
            check_spans(spans).map_err(|message| EngineError::BadPresence { service: service.clone(), message })?;
        }
        self.write(now, vec![EventKind::PresenceSet { service: service.clone(), day, presence }])
    }

    /// What staff set for `service` on `day` ([`Presence::AsPlanned`] if nothing).
    pub fn presence(&self, service: &ServiceId, day: NaiveDate) -> Presence {
        match self.state.presence.get(service).and_then(|d| d.get(&day)) {
            None => Presence::AsPlanned,
            Some(spans) if spans.is_empty() => Presence::Absent,
            Some(spans) => Presence::Hours(spans.clone()),
        }
    }

    // ---- views -------------------------------------------------------------------------

    fn row(t: &Ticket, state: WaitingState) -> WaitingTicket {
        WaitingTicket {
            id: t.id,
            number: t.number.clone(),
            service: t.service.clone(),
            lane: t.lane,
            queued_at: t.queued_at,
            booked_at: t.booked_at,
            needs: t.needs.clone(),
            state,
            reserved_for: t.reserved_for.clone(),
            calls: t.calls,
            returned: t.returned,
        }
    }

    /// A ticket's row with its state, if it is in one a counter view shows.
    fn row_of(t: &Ticket) -> Option<WaitingTicket> {
        let state = match &t.phase {
            Phase::Waiting => WaitingState::Waiting,
            Phase::Called { counter, at } => WaitingState::Called { counter: counter.clone(), at: *at },
            Phase::Serving { counter, since } => WaitingState::Serving { counter: counter.clone(), since: *since },
            Phase::Parked { counter, since } => WaitingState::Parked { counter: counter.clone(), since: *since },
            Phase::NoShow { at } => WaitingState::NoShow { at: *at },
            _ => return None,
        };
        Some(Self::row(t, state))
    }

    /// The counter view's list for `services` (empty = every service), in this order:
    /// 1. waiting tickets reserved for a counter (each is next at its counter), priority
    ///    first then by queue time;
    /// 2. the shared lines in the order [`Engine::call_next`] would take them
    ///    ([`crate::lanes::CallOrder`]: lanes, balance, longest wait across services);
    /// 3. called tickets, by call time; 4. parked tickets, by when parked;
    /// 5. today's no-shows, latest first (the one just missed is the one likely back).
    pub fn waiting_list(&self, services: &[ServiceId], now: DateTime<Utc>) -> Vec<WaitingTicket> {
        let all: Vec<ServiceId>;
        let services = if services.is_empty() {
            all = self.site.services.iter().map(|s| s.id.clone()).collect();
            &all[..]
        } else {
            services
        };
        let of_these = |t: &&Ticket| services.contains(&t.service);
        let mut out = Vec::new();

        let mut reserved: Vec<_> = self.state.counters.values().flat_map(|c| c.reserved.iter()).collect();
        reserved.sort();
        out.extend(
            reserved
                .into_iter()
                .filter_map(|(_, _, id)| self.state.tickets.get(id))
                .filter(of_these)
                .map(|t| Self::row(t, WaitingState::Waiting)),
        );
        out.extend(
            CallOrder::new(&self.state, services, self.site.walk_ins_per_appointment, now)
                .filter_map(|id| self.state.tickets.get(&id))
                .map(|t| Self::row(t, WaitingState::Waiting)),
        );

        let open: Vec<&Ticket> =
            self.state.open.iter().filter_map(|id| self.state.tickets.get(id)).filter(of_these).collect();
        let mut called: Vec<(DateTime<Utc>, &Ticket)> = open
            .iter()
            .filter_map(|t| if let Phase::Called { at, .. } = t.phase { Some((at, *t)) } else { None })
            .collect();
        called.sort_by_key(|(at, t)| (*at, t.id));
        let mut parked: Vec<(DateTime<Utc>, &Ticket)> = open
            .iter()
            .filter_map(|t| if let Phase::Parked { since, .. } = t.phase { Some((since, *t)) } else { None })
            .collect();
        parked.sort_by_key(|(at, t)| (*at, t.id));
        out.extend(called.into_iter().chain(parked).filter_map(|(_, t)| Self::row_of(t)));

        let today = self.today(now);
        let mut no_shows: Vec<&Ticket> = self
            .state
            .no_shows
            .range((today, TicketId(Uuid::nil()))..)
            .take_while(|(day, _)| *day == today)
            .filter_map(|(_, id)| self.state.tickets.get(id))
            .filter(of_these)
            .collect();
        no_shows.sort_by_key(|t| std::cmp::Reverse((no_show_at(t), t.id)));
        out.extend(no_shows.into_iter().filter_map(Self::row_of));
        out
    }

    /// One counter as its staff see it: session, current ticket, break, parked and reserved
    /// tickets.
    pub fn counter_view(&self, counter: &CounterId) -> Result<StaffCounterView, EngineError> {
        let cfg = self.counter_cfg(counter)?;
        let st = self.state.counters.get(counter);
        let rows = |ids: &mut dyn Iterator<Item = TicketId>| -> Vec<WaitingTicket> {
            ids.filter_map(|id| self.state.tickets.get(&id)).filter_map(Self::row_of).collect()
        };
        Ok(StaffCounterView {
            counter: counter.clone(),
            name: cfg.name.clone(),
            configured: cfg.services.clone(),
            session: st.and_then(|c| c.session.clone()),
            current: self.state.counter_ticket(counter).and_then(Self::row_of),
            on_break: st.and_then(|c| c.on_break),
            parked: st.map(|c| rows(&mut c.parked.iter().copied())).unwrap_or_default(),
            reserved: st.map(|c| rows(&mut c.reserved.iter().map(|(_, _, id)| *id))).unwrap_or_default(),
        })
    }

    /// People ahead of a reserved ticket (earlier ones reserved for the same counter) and the
    /// wait with that one counter serving.
    pub(super) fn reserved_progress(&self, t: &Ticket) -> (u32, Option<WaitRange>) {
        let Some(counter) = &t.reserved_for else { return (0, None) };
        let Some(c) = self.state.counters.get(counter) else { return (0, None) };
        let key = crate::state::reserved_key(t);
        let ahead = c.reserved.range(..key).count() as u32;
        let prior = self.site.service(&t.service).map_or(7.0, |s| s.service_time_min) + 1.0;
        let (mean_min, sd_min) = service_stats(self.state.desk_minutes.get(&t.service), prior);
        let at_counters = u32::from(c.current.is_some());
        let wait = estimate(&WaitInputs { ahead, at_counters, counters: 1.0, mean_min, sd_min });
        (ahead, wait)
    }
}

/// How a refusal names a held ticket's state.
fn held_phase(p: &Phase) -> &'static str {
    match p {
        Phase::Called { .. } => "called",
        Phase::Serving { .. } => "serving",
        Phase::Parked { .. } => "parked",
        other => other.name(),
    }
}

fn no_show_at(t: &Ticket) -> Option<DateTime<Utc>> {
    if let Phase::NoShow { at } = t.phase { Some(at) } else { None }
}
