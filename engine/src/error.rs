//! Errors of the engine: what staff actions can get wrong (illegal transitions, unknown
//! counters), what the store can fail at, and configuration errors that name the file, the key
//! and what was expected.

use aula_protocol::{CounterId, ServiceId, TicketId, TicketNumber, TicketState};
use thiserror::Error;

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
    /// started).
    #[error("ticket {number} ({id}) is {state:?}: cannot {action}")]
    IllegalTransition { id: TicketId, number: TicketNumber, state: TicketState, action: Action },
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

impl From<rusqlite::Error> for EngineError {
    fn from(e: rusqlite::Error) -> Self {
        EngineError::Store(StoreError::Sqlite(e))
    }
}
