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

use aula_protocol::{Lane, ServiceId, TicketId};
use chrono::{DateTime, Utc};

use crate::state::State;

/// The next ticket in one service, with its lane.
pub fn next_in_service(
    state: &State,
    service: &ServiceId,
    walk_ins_per_appointment: u32,
    now: DateTime<Utc>,
) -> Option<(TicketId, Lane)> {
    let lines = state.lines.get(service)?;
    if let Some((_, id)) = lines.priority.first() {
        return Some((*id, Lane::Priority));
    }
    let due_appt = lines.appointment.first().filter(|(booked, _)| *booked <= now);
    let walk_in = lines.walk_in.first();
    match (walk_in, due_appt) {
        (Some((_, w)), Some((_, a))) => {
            let streak = state.walk_in_streak.get(service).copied().unwrap_or(0);
            if streak >= walk_ins_per_appointment { Some((*a, Lane::Appointment)) } else { Some((*w, Lane::WalkIn)) }
        }
        (Some((_, w)), None) => Some((*w, Lane::WalkIn)),
        (None, Some((_, a))) => Some((*a, Lane::Appointment)),
        (None, None) => lines.appointment.first().map(|(_, a)| (*a, Lane::Appointment)),
    }
}

/// The next ticket among `services` for one counter.
pub fn next_for(
    state: &State,
    services: &[ServiceId],
    walk_ins_per_appointment: u32,
    now: DateTime<Utc>,
) -> Option<TicketId> {
    services
        .iter()
        .filter_map(|s| next_in_service(state, s, walk_ins_per_appointment, now))
        .filter_map(|(id, lane)| state.tickets.get(&id).map(|t| (lane != Lane::Priority, t.queued_at, id)))
        .min()
        .map(|(_, _, id)| id)
}
