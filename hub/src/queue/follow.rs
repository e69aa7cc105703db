//! The "follow my number" view of a ticket: what the customer's phone shows after scanning
//! the ticket's QR code. No personal data exists to show: the number, its service, people
//! ahead, the wait range and, once called, the counter.

use aula_protocol::{Localized, ServiceId, TicketId, TicketNumber, TicketState, WaitRange};
use serde::Serialize;

use super::Queue;

/// What the "follow my number" page shows.
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

impl Queue {
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
