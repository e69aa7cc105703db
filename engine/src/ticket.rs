//! A ticket's life as a state machine: [`Phase`] holds the state with its data, and each staff
//! action ([`Action`]) is a method that returns the next phase or refuses. No I/O, no clock:
//! the engine calls these with `now` and logs what they allow.
//!
//! ```text
//!   Waiting ──call──▶ Called ──start──▶ Serving ──finish──▶ Served
//!      │   ◀──────┐     │  ▲ recall          │
//!      │ (never)  │     │  └───┘             └──(call next: auto-finish)
//!      │          │     ├──no-show / wait window over──▶ NoShow
//!      ├──transfer──────┴──────────────────────────────▶ Transferred (→ new ticket)
//!      └──cancel (also: Called) ───────────────────────▶ Cancelled
//! ```
//! Final states: Served, NoShow, Cancelled, Transferred. A called ticket can be transferred
//! (the customer came to the wrong counter); a ticket in service can only be finished.

use std::fmt;

use aula_protocol::{CounterId, Lane, MessageId, Needs, ServiceId, TicketId, TicketNumber, TicketState, WaitRange};
use chrono::{DateTime, NaiveDate, Utc};

/// Something staff or a timer does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Call,
    Recall,
    Start,
    Finish,
    NoShow,
    Transfer,
    Cancel,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Call => "call",
            Action::Recall => "recall",
            Action::Start => "start",
            Action::Finish => "finish",
            Action::NoShow => "mark as no-show",
            Action::Transfer => "transfer",
            Action::Cancel => "cancel",
        })
    }
}

/// Why a ticket was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// Staff or the customer cancelled it.
    Staff,
    /// The service day ended with the ticket still waiting (daily rollover).
    DayClosed,
}

/// Where a ticket is in its life, with the data each state needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    /// Called to `counter`; `at` is the latest call (recalls move it, so the no-show window
    /// counts from the last announcement).
    Called {
        counter: CounterId,
        at: DateTime<Utc>,
    },
    Serving {
        counter: CounterId,
        since: DateTime<Utc>,
    },
    Served {
        at: DateTime<Utc>,
    },
    NoShow {
        at: DateTime<Utc>,
    },
    Cancelled {
        at: DateTime<Utc>,
        reason: CancelReason,
    },
    /// Moved to another service as ticket `to`.
    Transferred {
        at: DateTime<Utc>,
        to: TicketId,
    },
}

/// The action is not allowed in the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub state: TicketState,
    pub action: Action,
}

impl Phase {
    /// The wire name of this state.
    pub fn state(&self) -> TicketState {
        match self {
            Phase::Waiting => TicketState::Waiting,
            Phase::Called { .. } => TicketState::Called,
            Phase::Serving { .. } => TicketState::Serving,
            Phase::Served { .. } => TicketState::Served,
            Phase::NoShow { .. } => TicketState::NoShow,
            Phase::Cancelled { .. } => TicketState::Cancelled,
            Phase::Transferred { .. } => TicketState::Transferred,
        }
    }

    pub fn is_final(&self) -> bool {
        self.state().is_final()
    }

    /// The counter holding the ticket, if called or in service.
    pub fn counter(&self) -> Option<&CounterId> {
        match self {
            Phase::Called { counter, .. } | Phase::Serving { counter, .. } => Some(counter),
            _ => None,
        }
    }

    fn illegal(&self, action: Action) -> Illegal {
        Illegal { state: self.state(), action }
    }

    /// First call. Only a waiting ticket can be called; a called ticket is *recalled*.
    pub fn call(&self, counter: &CounterId, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting => Ok(Phase::Called { counter: counter.clone(), at }),
            _ => Err(self.illegal(Action::Call)),
        }
    }

    /// Announce again; restarts the no-show window.
    pub fn recall(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Called { counter, .. } => Ok(Phase::Called { counter: counter.clone(), at }),
            _ => Err(self.illegal(Action::Recall)),
        }
    }

    /// The customer arrived at the counter.
    pub fn start(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Called { counter, .. } => Ok(Phase::Serving { counter: counter.clone(), since: at }),
            _ => Err(self.illegal(Action::Start)),
        }
    }

    /// Service done. Only from Serving: a called customer who never arrived is a no-show,
    /// not "served", or the service-time statistics would fill with zeros.
    pub fn finish(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Serving { .. } => Ok(Phase::Served { at }),
            _ => Err(self.illegal(Action::Finish)),
        }
    }

    pub fn no_show(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Called { .. } => Ok(Phase::NoShow { at }),
            _ => Err(self.illegal(Action::NoShow)),
        }
    }

    /// Waiting or called tickets can move to another service; one in service cannot (finish
    /// it, then issue a new ticket if the customer needs another authority too).
    pub fn transfer(&self, at: DateTime<Utc>, to: TicketId) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting | Phase::Called { .. } => Ok(Phase::Transferred { at, to }),
            _ => Err(self.illegal(Action::Transfer)),
        }
    }

    pub fn cancel(&self, at: DateTime<Utc>, reason: CancelReason) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting | Phase::Called { .. } => Ok(Phase::Cancelled { at, reason }),
            _ => Err(self.illegal(Action::Cancel)),
        }
    }
}

/// One ticket as the engine knows it (derived from the log).
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub service: ServiceId,
    pub lane: Lane,
    pub needs: Needs,
    /// The service day (site-local date) the number belongs to.
    pub day: NaiveDate,
    /// Place in line: FIFO order within a lane. Kept across a transfer.
    pub queued_at: DateTime<Utc>,
    /// When this ticket record was created (differs from `queued_at` after a transfer, and
    /// for offline tickets recorded later).
    pub created_at: DateTime<Utc>,
    /// Appointments: booked time and the booking code.
    pub booked_at: Option<DateTime<Utc>>,
    pub booking: Option<String>,
    pub phase: Phase,
    /// First call (the end of the customer's wait).
    pub first_called_at: Option<DateTime<Utc>>,
    pub calls: u32,
    pub started_at: Option<DateTime<Utc>>,
    pub transferred_from: Option<TicketId>,
    /// The request that created it (idempotency key), if any.
    pub request: Option<MessageId>,
    /// What the customer was told at issue.
    pub people_ahead: u32,
    pub wait: Option<WaitRange>,
    /// Issued by a kiosk from its reserved block while the hub was away.
    pub offline: bool,
}

impl Ticket {
    pub fn state(&self) -> TicketState {
        self.phase.state()
    }

    /// When this ticket's turn is reckoned from: booked time for appointments, else place
    /// in line.
    pub fn order_key(&self) -> DateTime<Utc> {
        match (self.lane, self.booked_at) {
            (Lane::Appointment, Some(b)) => b,
            _ => self.queued_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_needs_serving() {
        let t = Utc::now();
        let c = CounterId::new("3").unwrap();
        let called = Phase::Waiting.call(&c, t).unwrap();
        assert_eq!(called.finish(t).unwrap_err(), Illegal { state: TicketState::Called, action: Action::Finish });
        let serving = called.start(t).unwrap();
        assert!(serving.finish(t).unwrap().is_final());
        assert!(serving.transfer(t, TicketId::new()).is_err());
    }
}
