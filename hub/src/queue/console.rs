//! The queue operations and views of the staff console, over the engine's console side
//! (`aula_engine::Engine::open_counter` and its siblings): counter sessions and breaks,
//! finishing with an outcome, parking and resuming, returning a no-show, reserving a ticket
//! for a counter, today's presence of an authority; and what staff see (the waiting list,
//! one counter's view). Each operation runs inside the engine's batch like every other
//! (`Queue::op`) and tells the walls and the live pages.

use aula_engine::{BreakReason, Outcome, Presence, StaffCounterView, TicketRef, WaitingTicket};
use aula_protocol::{CounterId, ServiceId, TicketId};
use chrono::NaiveDate;

use super::Queue;
use crate::changes::{Change, Live};
use crate::error::HubError;

impl Queue {
    /// Signs staff in to a counter, serving `services` now.
    pub fn open_counter(&self, counter: &CounterId, services: &[ServiceId]) -> Result<(), HubError> {
        let r = self.op(|e, now| e.open_counter(counter, services, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn close_counter(&self, counter: &CounterId) -> Result<(), HubError> {
        let r = self.op(|e, now| e.close_counter(counter, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn start_break(&self, counter: &CounterId, reason: BreakReason) -> Result<(), HubError> {
        let r = self.op(|e, now| e.start_break(counter, reason, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn end_break(&self, counter: &CounterId) -> Result<(), HubError> {
        let r = self.op(|e, now| e.end_break(counter, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn finish_with(&self, counter: &CounterId, outcome: Outcome) -> Result<(), HubError> {
        let r = self.op(|e, now| e.finish_with(counter, outcome, now)).and_then(|r| r);
        self.changed(r)
    }

    /// The customer in service steps out (fetches a document); the counter is free.
    pub fn park(&self, counter: &CounterId) -> Result<TicketId, HubError> {
        let r = self.op(|e, now| e.park(counter, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn resume(&self, counter: &CounterId, ticket: TicketRef) -> Result<(), HubError> {
        let r = self.op(|e, now| e.resume(counter, ticket, now)).and_then(|r| r);
        self.changed(r)
    }

    /// A no-show of today back in line (the customer came back).
    pub fn return_no_show(&self, ticket: TicketRef) -> Result<(), HubError> {
        let r = self.op(|e, now| e.return_no_show(ticket, now)).and_then(|r| r);
        self.changed(r)
    }

    pub fn transfer_to_counter(&self, ticket: TicketRef, counter: &CounterId) -> Result<(), HubError> {
        let r = self.op(|e, now| e.transfer_to_counter(ticket, counter, now)).and_then(|r| r);
        self.changed(r)
    }

    /// Today's (or a later day's) presence of a service; at once on kiosks and walls.
    pub fn set_presence(&self, service: &ServiceId, day: NaiveDate, presence: Presence) -> Result<(), HubError> {
        let r = self.op(|e, now| e.set_presence(service, day, presence, now)).and_then(|r| r);
        let r = self.changed(r);
        if r.is_ok() {
            self.changes.live(Live::Lobby);
        }
        r
    }

    pub fn presence(&self, service: &ServiceId, day: NaiveDate) -> Presence {
        self.engine().presence(service, day)
    }

    /// Tickets waiting for `services` in the order "call next" takes them, then called,
    /// parked and today's no-shows (empty `services`: all).
    pub fn waiting_list(&self, services: &[ServiceId]) -> Vec<WaitingTicket> {
        let now = self.now();
        self.engine().waiting_list(services, now)
    }

    /// One counter as its staff see it (session, current ticket, break, parked, reserved).
    pub fn counter_view(&self, counter: &CounterId) -> Result<StaffCounterView, HubError> {
        Ok(self.engine().counter_view(counter)?)
    }

    /// Republishes the state now (a presence change must reach kiosks at once).
    pub fn publish_now(&self) {
        self.changes.send(Change::Resync);
    }
}
