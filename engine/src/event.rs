//! What the log records: one [`Event`] per change. Events are facts in the past tense and
//! carry everything replay needs (the number, the day, the queue time), so the state derived
//! from them does not depend on the configuration in force when they are replayed.

use aula_protocol::{CounterId, DeviceId, Lane, MessageId, Needs, ServiceId, TicketId, TicketNumber, WaitRange};
use chrono::{DateTime, NaiveDate, Utc};

use crate::appointments::Booking;
use crate::ticket::CancelReason;

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
        }
    }
}
