//! What the log records: one [`Event`] per change. Events are facts in the past tense and
//! carry everything replay needs (the number, the day, the queue time), so the state derived
//! from them does not depend on the configuration in force when they are replayed.
//!
//! Codes are stable: a code is never reused or re-encoded, so a database written by any
//! earlier version replays. Codes 1–10 are the original ticket life; 11–20 the staff console
//! (sessions, breaks, outcomes, park/resume, returns, reservations, today's presence).

use aula_protocol::{CounterId, DeviceId, Lane, MessageId, Needs, ServiceId, TicketId, TicketNumber, WaitRange};
use chrono::{DateTime, NaiveDate, Utc};

use crate::appointments::Booking;
use crate::counters::BreakReason;
use crate::hours::Presence;
use crate::ticket::{CancelReason, Outcome};

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened (the `now` the operation was given).
    pub at: DateTime<Utc>,
    pub kind: EventKind,
}

/// A new ticket (walk-in, offline, check-in, or the target of a transfer).
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    pub id: TicketId,
    pub request: Option<MessageId>,
    pub service: ServiceId,
    pub number: TicketNumber,
    pub lane: Lane,
    pub needs: Needs,
    pub day: NaiveDate,
    pub queued_at: DateTime<Utc>,
    pub booked_at: Option<DateTime<Utc>>,
    pub booking: Option<String>,
    pub people_ahead: u32,
    pub wait: Option<WaitRange>,
    pub offline: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    Issued(Box<Issued>),
    Called {
        ticket: TicketId,
        counter: CounterId,
    },
    Recalled {
        ticket: TicketId,
    },
    Started {
        ticket: TicketId,
    },
    Finished {
        ticket: TicketId,
    },
    NoShow {
        ticket: TicketId,
    },
    Cancelled {
        ticket: TicketId,
        reason: CancelReason,
    },
    /// `ticket` ends as Transferred; `to` is the new ticket in the target service.
    Transferred {
        ticket: TicketId,
        to: Box<Issued>,
    },
    /// A booking was added or changed by a calendar import.
    Booked(Booking),
    /// A device asked for help ("I need help" button or kiosk request).
    Help {
        request: MessageId,
        device: DeviceId,
    },
    /// Staff signed in to `counter` serving `services` now (a subset of its configured ones);
    /// on an open counter, a change of services.
    CounterOpened {
        counter: CounterId,
        services: Vec<ServiceId>,
    },
    /// Staff signed out of `counter`; tickets reserved for it go back to their lines.
    CounterClosed {
        counter: CounterId,
    },
    BreakStarted {
        counter: CounterId,
        reason: BreakReason,
    },
    BreakEnded {
        counter: CounterId,
    },
    /// Finished with a known outcome (plain [`EventKind::Finished`] leaves it unknown).
    FinishedWith {
        ticket: TicketId,
        outcome: Outcome,
    },
    /// A no-show of today back to Waiting with its original place in line.
    Returned {
        ticket: TicketId,
    },
    /// The ticket in service was put aside at its counter.
    Parked {
        ticket: TicketId,
    },
    /// A parked ticket back in service at the counter it was parked at.
    Resumed {
        ticket: TicketId,
    },
    /// A waiting or called ticket now waits for `counter` only.
    Reserved {
        ticket: TicketId,
        counter: CounterId,
    },
    /// Which hours `service` keeps on `day` (site-local), set by staff on the day.
    PresenceSet {
        service: ServiceId,
        day: NaiveDate,
        presence: Presence,
    },
}

impl EventKind {
    /// Stable small number stored in the `kind` column (reports filter on it).
    pub fn code(&self) -> u8 {
        match self {
            EventKind::Issued(_) => 1,
            EventKind::Called { .. } => 2,
            EventKind::Recalled { .. } => 3,
            EventKind::Started { .. } => 4,
            EventKind::Finished { .. } => 5,
            EventKind::NoShow { .. } => 6,
            EventKind::Cancelled { .. } => 7,
            EventKind::Transferred { .. } => 8,
            EventKind::Booked(_) => 9,
            EventKind::Help { .. } => 10,
            EventKind::CounterOpened { .. } => 11,
            EventKind::CounterClosed { .. } => 12,
            EventKind::BreakStarted { .. } => 13,
            EventKind::BreakEnded { .. } => 14,
            EventKind::FinishedWith { .. } => 15,
            EventKind::Returned { .. } => 16,
            EventKind::Parked { .. } => 17,
            EventKind::Resumed { .. } => 18,
            EventKind::Reserved { .. } => 19,
            EventKind::PresenceSet { .. } => 20,
        }
    }
}
