//! Errors of the engine: what staff actions can get wrong (illegal transitions, unknown
//! counters), what the store can fail at, and configuration errors that name the file, the key
//! and what was expected.

use std::fmt;

use aula_protocol::{CounterId, ServiceId, TicketId, TicketNumber, TicketState};
use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use crate::counters::BreakReason;
use crate::ticket::Action;

/// A site configuration that cannot be used: the workspace's one config error.
pub use aula_conf::ConfigError;

/// Why the store failed. Wraps SQLite errors and log records that cannot be decoded.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("event log record {seq} is corrupt: {message}")]
    Corrupt { seq: i64, message: String },
}

/// Why a staff action or a store operation was refused.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The ticket's state does not allow the action (e.g. finishing a ticket that was never
    /// started). `state` is the wire state; `phase` the engine's exact one (a parked ticket
    /// is `Serving` on the wire and `Parked` here), which is what the message says.
    #[error("ticket {number} ({id}) is {phase}: cannot {action}")]
    IllegalTransition { id: TicketId, number: TicketNumber, state: TicketState, phase: &'static str, action: Action },
    #[error("unknown counter {0}")]
    UnknownCounter(CounterId),
    #[error("unknown service {0}")]
    UnknownService(ServiceId),
    #[error("no ticket {0} today")]
    UnknownNumber(TicketNumber),
    #[error("no ticket with id {0}")]
    UnknownTicket(TicketId),
    /// The counter has nothing called or in service, so there is nothing to recall, start,
    /// finish or mark as no-show.
    #[error("counter {counter} has no ticket: call one first")]
    CounterIdle { counter: CounterId },
    /// The counter still has a called ticket whose customer has not arrived.
    #[error("counter {counter} still has {number} called: start it, recall it or mark it as no-show first")]
    CounterBusy { counter: CounterId, number: TicketNumber },
    /// Nobody waits in the services the counter asked for.
    #[error("nobody is waiting for {services} (counter {counter})")]
    NothingWaiting { counter: CounterId, services: String },
    /// The transfer target is the ticket's own service.
    #[error("ticket {number} is already in {service}")]
    SameService { number: TicketNumber, service: ServiceId },
    /// A session needs at least one service.
    #[error("counter {counter}: choose at least one of its services ({serves})")]
    NoServices { counter: CounterId, serves: String },
    /// The counter is not configured for the service (sessions choose among the configured
    /// ones; a ticket is reserved only for a counter that serves its service).
    #[error("counter {counter} does not serve {service} (it serves {serves})")]
    NotServedHere { counter: CounterId, service: ServiceId, serves: String },
    /// Closing a counter that has no session.
    #[error("counter {counter} is not open")]
    CounterNotOpen { counter: CounterId },
    /// The counter still holds tickets (called, in service or parked) that must be dealt
    /// with first; `held` names each.
    #[error("counter {counter} cannot {action}: it still holds {}", Held::list(held))]
    CounterHolds { counter: CounterId, action: &'static str, held: Vec<Held> },
    /// The counter is on a break: it calls nobody and starts no other break.
    #[error("counter {counter} is on a break ({reason}) since {since}: end the break first")]
    OnBreak { counter: CounterId, reason: BreakReason, since: DateTime<Utc> },
    #[error("counter {counter} is not on a break")]
    NotOnBreak { counter: CounterId },
    /// Only today's no-shows go back to the queue.
    #[error("ticket {number} is from {day}: only today's no-shows can go back to the queue")]
    NotToday { number: TicketNumber, day: NaiveDate },
    /// Resuming a ticket parked at another counter (`counter`, where it must resume).
    #[error("ticket {number} is parked at counter {counter}: resume it there")]
    ParkedElsewhere { number: TicketNumber, counter: CounterId },
    /// The ticket already waits for, or is called to, that counter.
    #[error("ticket {number} is already at counter {counter}")]
    SameCounter { number: TicketNumber, counter: CounterId },
    /// Another counter tried to call a ticket reserved for `counter`.
    #[error("ticket {number} waits for counter {counter}: transfer it to this counter to call it here")]
    ReservedForOther { number: TicketNumber, counter: CounterId },
    /// Today's presence could not be set.
    #[error("presence of {service}: {message}")]
    BadPresence { service: ServiceId, message: String },
    /// An iCalendar feed could not be read at all.
    #[error("calendar feed: {0}")]
    Ics(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug panicked inside a batch; the batch was rolled back and the state re-derived
    /// from the log.
    #[error("internal error (rolled back): {0}")]
    Panicked(String),
}

/// A ticket a counter still holds, as a refusal names it: `V004 (parked)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub number: TicketNumber,
    /// The engine's phase name, lower case (`called`, `serving`, `parked`).
    pub phase: &'static str,
}

impl Held {
    fn list(held: &[Held]) -> String {
        held.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number, self.phase)
    }
}

impl From<rusqlite::Error> for EngineError {
    fn from(e: rusqlite::Error) -> Self {
        EngineError::Store(StoreError::Sqlite(e))
    }
}
