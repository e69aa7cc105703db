//! The engine: validated operations on the state, each recorded in the log before it
//! counts. See the crate doc for the rules (counters, transfers, lanes).

use std::path::Path;

use aula_protocol::{
    CallEvent, CounterId, DeviceId, IssuedTicket, MessageId, Needs, QueueState, Rejection, ServiceId, TicketId,
    TicketNumber,
};
use chrono::{DateTime, Utc};

use crate::appointments::ImportSummary;
use crate::config::SiteConfig;
use crate::error::EngineError;
use crate::event::Event;
use crate::state::State;
use crate::store::Store;
use crate::ticket::Ticket;

/// A ticket named by id or by today's number (what staff type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Id(TicketId),
    Number(TicketNumber),
}

impl From<TicketId> for TicketRef {
    fn from(id: TicketId) -> Self {
        TicketRef::Id(id)
    }
}

impl From<TicketNumber> for TicketRef {
    fn from(n: TicketNumber) -> Self {
        TicketRef::Number(n)
    }
}

impl From<&TicketNumber> for TicketRef {
    fn from(n: &TicketNumber) -> Self {
        TicketRef::Number(n.clone())
    }
}

/// The queue engine of one site.
pub struct Engine {
    site: SiteConfig,
    store: Store,
    state: State,
    /// Depth of [`Engine::batch`] nesting; writes commit when it returns to 0.
    batch_depth: u32,
}

impl Engine {
    /// Opens (or creates) the SQLite database at `db_path` in WAL mode and rebuilds the state
    /// by replaying its log.
    pub fn open(db_path: &Path, site: SiteConfig) -> Result<Engine, EngineError> {
        let store = Store::open(db_path)?;
        Self::with_store(store, site)
    }

    /// An engine on a private in-memory database (tests, simulations).
    pub fn open_in_memory(site: SiteConfig) -> Result<Engine, EngineError> {
        let store = Store::open_in_memory()?;
        Self::with_store(store, site)
    }

    fn with_store(store: Store, site: SiteConfig) -> Result<Engine, EngineError> {
        let mut state = State::default();
        store.for_each(|ev| state.apply(&ev))?;
        Ok(Engine { site, store, state, batch_depth: 0 })
    }

    pub fn site(&self) -> &SiteConfig {
        &self.site
    }

    /// Runs `f` with every write it makes in one SQLite transaction (group commit: one
    /// fsync for the whole batch). If the commit fails, the in-memory state is rebuilt from
    /// the log, so nothing of the batch is kept, and the error is returned.
    pub fn batch<R>(&mut self, f: impl FnOnce(&mut Engine) -> R) -> Result<R, EngineError> {
        todo!()
    }

    /// Takes a walk-in queue number. Idempotent on `request`: the same id returns the same
    /// ticket and stores nothing new.
    pub fn issue_ticket(
        &mut self,
        request: MessageId,
        service: &ServiceId,
        needs: Needs,
        now: DateTime<Utc>,
    ) -> Result<IssuedTicket, Rejection> {
        todo!()
    }

    /// Records a number a kiosk handed out from its reserved block while the hub was away.
    /// The ticket queues from `issued_at`. Idempotent on `request`.
    pub fn record_offline_ticket(
        &mut self,
        request: MessageId,
        service: &ServiceId,
        number: TicketNumber,
        issued_at: DateTime<Utc>,
        needs: Needs,
        now: DateTime<Utc>,
    ) -> Result<IssuedTicket, Rejection> {
        todo!()
    }

    /// "I have arrived": checks in a booking by code into its service's appointment lane.
    pub fn check_in(&mut self, request: MessageId, code: &str, needs: Needs, now: DateTime<Utc>) -> Result<IssuedTicket, Rejection> {
        todo!()
    }

    /// Calls the next ticket to `counter` from `services` (empty = the counter's configured
    /// services). A ticket the counter is serving is finished first; a called ticket whose
    /// customer has not come yet makes this fail with [`EngineError::CounterBusy`].
    pub fn call_next(&mut self, counter: &CounterId, services: &[ServiceId], now: DateTime<Utc>) -> Result<CallEvent, EngineError> {
        todo!()
    }

    /// Calls a specific waiting number out of order.
    pub fn call_number(&mut self, counter: &CounterId, number: &TicketNumber, now: DateTime<Utc>) -> Result<CallEvent, EngineError> {
        todo!()
    }

    /// Announces the counter's called ticket again (restarts the no-show window).
    pub fn recall(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<CallEvent, EngineError> {
        todo!()
    }

    /// The called customer arrived: service starts.
    pub fn start(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        todo!()
    }

    /// Service done.
    pub fn finish(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        todo!()
    }

    /// The called customer did not come.
    pub fn no_show(&mut self, counter: &CounterId, now: DateTime<Utc>) -> Result<(), EngineError> {
        todo!()
    }

    /// Moves a waiting or called ticket to another service; returns the new ticket.
    pub fn transfer(&mut self, ticket: impl Into<TicketRef>, to: &ServiceId, now: DateTime<Utc>) -> Result<IssuedTicket, EngineError> {
        todo!()
    }

    /// Cancels a waiting or called ticket.
    pub fn cancel(&mut self, ticket: TicketId, now: DateTime<Utc>) -> Result<(), EngineError> {
        todo!()
    }

    /// Timers: called tickets past the no-show window become no-shows; tickets of an earlier
    /// service day are closed (rollover). Returns the tickets changed.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<TicketId> {
        todo!()
    }

    /// Closes the service day now: every open ticket ends (waiting → cancelled, called →
    /// no-show, serving → served). Returns the tickets changed.
    pub fn close_day(&mut self, now: DateTime<Utc>) -> Result<Vec<TicketId>, EngineError> {
        todo!()
    }

    /// What the queue wall and the kiosk show.
    pub fn queue_state(&self, now: DateTime<Utc>) -> QueueState {
        todo!()
    }

    /// Imports (adds or updates) bookings from iCalendar text.
    pub fn import_bookings_ics(&mut self, ics: &str, now: DateTime<Utc>) -> Result<ImportSummary, EngineError> {
        todo!()
    }

    /// Records a help request from a device. Returns false if `request` was already recorded.
    pub fn record_help(&mut self, request: MessageId, device: &DeviceId, now: DateTime<Utc>) -> Result<bool, EngineError> {
        todo!()
    }

    /// Generic "store once by message id": true if `id` was seen before; else remembers it
    /// (in the same transaction as the current batch) and returns false.
    pub fn seen_before(&mut self, id: MessageId, now: DateTime<Utc>) -> Result<bool, EngineError> {
        todo!()
    }

    /// All tickets ever issued (every day), in no particular order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.state.tickets.values()
    }

    pub fn ticket(&self, id: TicketId) -> Option<&Ticket> {
        self.state.tickets.get(&id)
    }

    /// The derived state; equal to `replay(log)` at all times (tests assert it).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Reads the whole log back (tests, exports).
    pub fn read_log(&self) -> Result<Vec<Event>, EngineError> {
        let mut out = Vec::new();
        self.store.for_each(|ev| out.push(ev))?;
        Ok(out)
    }
}

/// Rebuilds the state from a log.
pub fn replay(events: impl IntoIterator<Item = Event>) -> State {
    let mut state = State::default();
    for ev in events {
        state.apply(&ev);
    }
    state
}
