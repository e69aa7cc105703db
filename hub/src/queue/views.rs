//! What staff see of the queue: the waiting list of some services in calling order and what
//! a counter holds. Only numbers, service, lane, times and needs flags: the engine holds no
//! personal data, and staff never see more than they need.

use aula_protocol::{CounterId, Lane, Needs, ServiceId, TicketNumber, TicketState};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Queue;

/// One waiting ticket as the counter and lobby views list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiting {
    pub number: TicketNumber,
    pub service: ServiceId,
    pub lane: Lane,
    /// When it started waiting (the original time, kept through a transfer).
    pub queued_at: DateTime<Utc>,
    /// Appointments: the booked time.
    pub booked_at: Option<DateTime<Utc>>,
    pub needs: Needs,
}

/// What a counter holds now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Current {
    pub number: TicketNumber,
    pub service: ServiceId,
    pub state: TicketState,
    /// Called or started at.
    pub since: Option<DateTime<Utc>>,
    pub needs: Needs,
}

fn lane_rank(l: Lane) -> u8 {
    match l {
        Lane::Priority => 0,
        Lane::Appointment => 1,
        Lane::WalkIn => 2,
    }
}

impl Queue {
    /// Tickets waiting for `services` today: priority first, then by queue time (an
    /// appointment by its booked time), so roughly the order "call next" takes them.
    pub fn waiting(&self, services: &[ServiceId]) -> Vec<Waiting> {
        let engine = self.engine();
        let state = engine.state();
        let mut out: Vec<(u8, DateTime<Utc>, Waiting)> = Vec::new();
        for s in services {
            let Some(lines) = state.lines.get(s) else { continue };
            for lane in [Lane::Priority, Lane::Appointment, Lane::WalkIn] {
                for (key, id) in lines.lane(lane) {
                    let Some(t) = state.tickets.get(id) else { continue };
                    out.push((
                        lane_rank(lane),
                        *key,
                        Waiting {
                            number: t.number.clone(),
                            service: t.service.clone(),
                            lane,
                            queued_at: t.queued_at,
                            booked_at: t.booked_at,
                            needs: t.needs.clone(),
                        },
                    ));
                }
            }
        }
        out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        out.into_iter().map(|(_, _, w)| w).collect()
    }

    /// The ticket a counter holds (called or in service).
    pub fn current(&self, counter: &CounterId) -> Option<Current> {
        let engine = self.engine();
        let t = engine.state().counter_ticket(counter)?;
        Some(Current {
            number: t.number.clone(),
            service: t.service.clone(),
            state: t.state(),
            since: engine.state().counters.get(counter).and_then(|c| c.since),
            needs: t.needs.clone(),
        })
    }
}
