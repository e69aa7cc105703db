//! Which waiting ticket a counter gets next.
//!
//! Within one service:
//! 1. the **priority** lane first (first in, first out);
//! 2. then, when both a walk-in and a *due* appointment (booked time reached) wait, the lane
//!    balance decides: after `walk_ins_per_appointment` walk-ins in a row, one appointment
//!    (0 = due appointments always first). Due appointments go by booked time;
//! 3. walk-ins first in, first out (by place in line: a transferred ticket keeps its place);
//! 4. when no walk-in waits, an appointment checked in early may be served before its time
//!    (an idle counter should not wait for the clock).
//!
//! Across the services a counter serves: a priority candidate first, else the candidate that
//! has waited longest (queue time), so no service starves a shared counter.
//!
//! Before all of that, a counter takes the tickets **reserved for it** (transferred to it by
//! hand), priority first, then by queue time; no other counter takes them. A reserved call
//! is outside the lane balance (it does not move the walk-in streak).
//!
//! [`CallOrder`] walks the same rules forward ("then the next, then the next…") for the staff
//! waiting list; [`next_for`] is its first step, so the list and the call cannot disagree.

use std::collections::btree_set;
use std::iter::Peekable;

use aula_protocol::{CounterId, Lane, ServiceId, TicketId};
use chrono::{DateTime, Utc};

use crate::state::State;

type LaneIter<'a> = Peekable<btree_set::Iter<'a, (DateTime<Utc>, TicketId)>>;

/// One service's lines read from the front, with the lane balance as it would move.
struct ServiceCursor<'a> {
    priority: LaneIter<'a>,
    walk_in: LaneIter<'a>,
    appointment: LaneIter<'a>,
    streak: u32,
}

impl<'a> ServiceCursor<'a> {
    fn new(state: &'a State, service: &ServiceId) -> Option<ServiceCursor<'a>> {
        let lines = state.lines.get(service)?;
        Some(ServiceCursor {
            priority: lines.priority.iter().peekable(),
            walk_in: lines.walk_in.iter().peekable(),
            appointment: lines.appointment.iter().peekable(),
            streak: state.walk_in_streak.get(service).copied().unwrap_or(0),
        })
    }

    /// The ticket this service would give next, with its lane.
    fn peek(&mut self, walk_ins_per_appointment: u32, now: DateTime<Utc>) -> Option<(TicketId, Lane)> {
        if let Some((_, id)) = self.priority.peek() {
            return Some((*id, Lane::Priority));
        }
        let appt = self.appointment.peek().copied();
        let due_appt = appt.filter(|(booked, _)| *booked <= now);
        match (self.walk_in.peek(), due_appt) {
            (Some((_, w)), Some((_, a))) => {
                if self.streak >= walk_ins_per_appointment {
                    Some((*a, Lane::Appointment))
                } else {
                    Some((*w, Lane::WalkIn))
                }
            }
            (Some((_, w)), None) => Some((*w, Lane::WalkIn)),
            (None, Some((_, a))) => Some((*a, Lane::Appointment)),
            (None, None) => appt.map(|(_, a)| (*a, Lane::Appointment)),
        }
    }

    /// Takes the front of `lane`, moving the balance as a call does ([`State::apply`]).
    fn take(&mut self, lane: Lane) {
        match lane {
            Lane::Priority => drop(self.priority.next()),
            Lane::WalkIn => {
                self.walk_in.next();
                self.streak += 1;
            }
            Lane::Appointment => {
                self.appointment.next();
                self.streak = 0;
            }
        }
    }
}

/// The next ticket in one service, with its lane.
pub fn next_in_service(
    state: &State,
    service: &ServiceId,
    walk_ins_per_appointment: u32,
    now: DateTime<Utc>,
) -> Option<(TicketId, Lane)> {
    ServiceCursor::new(state, service)?.peek(walk_ins_per_appointment, now)
}

/// The shared lines of `services` in the order successive calls would take them, if no
/// ticket arrived meanwhile and nothing was reserved.
pub struct CallOrder<'a> {
    state: &'a State,
    cursors: Vec<ServiceCursor<'a>>,
    walk_ins_per_appointment: u32,
    now: DateTime<Utc>,
}

impl<'a> CallOrder<'a> {
    pub fn new(
        state: &'a State,
        services: &[ServiceId],
        walk_ins_per_appointment: u32,
        now: DateTime<Utc>,
    ) -> CallOrder<'a> {
        // A service named twice must not yield its tickets twice.
        let mut seen: Vec<&ServiceId> = Vec::with_capacity(services.len());
        let mut cursors = Vec::with_capacity(services.len());
        for s in services {
            if !seen.contains(&s) {
                seen.push(s);
                cursors.extend(ServiceCursor::new(state, s));
            }
        }
        CallOrder { state, cursors, walk_ins_per_appointment, now }
    }
}

impl Iterator for CallOrder<'_> {
    type Item = TicketId;

    fn next(&mut self) -> Option<TicketId> {
        let (ratio, now, state) = (self.walk_ins_per_appointment, self.now, self.state);
        let (_, i, lane) = self
            .cursors
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| c.peek(ratio, now).map(|(id, lane)| (i, id, lane)))
            .filter_map(|(i, id, lane)| {
                state.tickets.get(&id).map(|t| ((lane != Lane::Priority, t.queued_at, id), i, lane))
            })
            .min()?;
        let id = self.cursors[i].peek(ratio, now).map(|(id, _)| id);
        self.cursors[i].take(lane);
        id
    }
}

/// The next ticket among `services`' shared lines for one counter.
pub fn next_for(
    state: &State,
    services: &[ServiceId],
    walk_ins_per_appointment: u32,
    now: DateTime<Utc>,
) -> Option<TicketId> {
    CallOrder::new(state, services, walk_ins_per_appointment, now).next()
}

/// The first ticket reserved for `counter`, among `services` when given (`None`: any).
pub fn next_reserved(state: &State, counter: &CounterId, services: Option<&[ServiceId]>) -> Option<TicketId> {
    let c = state.counters.get(counter)?;
    c.reserved
        .iter()
        .map(|(_, _, id)| *id)
        .find(|id| services.is_none_or(|s| state.tickets.get(id).is_some_and(|t| s.contains(&t.service))))
}
