//! The state derived from the log: tickets, today's numbers, waiting lines per lane, what
//! each counter holds, recent service times, bookings and help requests. [`State::apply`] is
//! the only way it changes, so the engine's state and a replay of the log cannot differ.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use aula_protocol::{CallKind, CounterId, DeviceId, Lane, MessageId, ServiceId, TicketId, TicketNumber};
use chrono::{DateTime, NaiveDate, Utc};
use tracing::warn;

use crate::appointments::Booking;
use crate::event::{Event, EventKind, Issued};
use crate::ticket::{Phase, Ticket};

/// A fast non-cryptographic hasher (the Fx mix used by rustc). Keys here are UUIDs, ids and
/// numbers the engine made itself, so hash flooding is not a concern, and SipHash was a
/// measurable share of replaying a million events.
#[derive(Debug, Clone, Copy, Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Hash map / set with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// How many finished services per service feed the wait estimate.
pub const HISTORY: usize = 30;
/// How many calls the wall's "latest calls" list keeps.
pub const RECENT_CALLS: usize = 12;

/// Numbers used by one service on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayNumbers {
    /// Highest online sequence drawn.
    pub last: u32,
    /// Every sequence in use (online, offline and transferred-in numbers of this prefix).
    pub used: FastSet<u32>,
}

/// The waiting lines of one service. Keys sort by order time then ticket id, so equal times
/// still have a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    pub walk_in: BTreeSet<(DateTime<Utc>, TicketId)>,
    /// Keyed by booked time.
    pub appointment: BTreeSet<(DateTime<Utc>, TicketId)>,
    pub priority: BTreeSet<(DateTime<Utc>, TicketId)>,
}

impl Lines {
    pub fn lane_mut(&mut self, lane: Lane) -> &mut BTreeSet<(DateTime<Utc>, TicketId)> {
        match lane {
            Lane::WalkIn => &mut self.walk_in,
            Lane::Appointment => &mut self.appointment,
            Lane::Priority => &mut self.priority,
        }
    }

    pub fn lane(&self, lane: Lane) -> &BTreeSet<(DateTime<Utc>, TicketId)> {
        match lane {
            Lane::WalkIn => &self.walk_in,
            Lane::Appointment => &self.appointment,
            Lane::Priority => &self.priority,
        }
    }

    pub fn len(&self) -> usize {
        self.walk_in.len() + self.appointment.len() + self.priority.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a counter holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterState {
    pub current: Option<TicketId>,
    /// When the current ticket was (last) called or started.
    pub since: Option<DateTime<Utc>>,
    /// Last call, start or finish: a counter active lately counts as staffed.
    pub last_active: Option<DateTime<Utc>>,
}

/// A recorded help request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRequest {
    pub request: MessageId,
    pub device: DeviceId,
    pub at: DateTime<Utc>,
}

/// A call or recall, for the wall's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentCall {
    pub ticket: TicketId,
    pub counter: CounterId,
    pub kind: CallKind,
    pub at: DateTime<Utc>,
}

/// Everything derived from the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub tickets: FastMap<TicketId, Ticket>,
    /// Request id → ticket it created (idempotency).
    pub requests: FastMap<MessageId, TicketId>,
    /// Keyed by prefix and day: a transferred ticket keeps its number, so a prefix's numbers
    /// may live in another service's line.
    pub numbers: FastMap<(u32, NaiveDate), DayNumbers>,
    /// A day's number → the latest ticket holding it (a transfer keeps the number).
    pub by_number: FastMap<(NaiveDate, u64), TicketId>,
    pub lines: BTreeMap<ServiceId, Lines>,
    /// Tickets not yet final.
    pub open: BTreeSet<TicketId>,
    pub counters: BTreeMap<CounterId, CounterState>,
    /// Walk-ins called in a row since the last appointment, per service (lane balance).
    pub walk_in_streak: FastMap<ServiceId, u32>,
    /// Recent service times (minutes), newest last, per service.
    pub service_minutes: FastMap<ServiceId, VecDeque<f64>>,
    /// Recent counter occupancy per ticket (first call → finished / no-show / transferred),
    /// minutes, per service: what the wait estimate uses, since a counter is busy from the
    /// call, not from the start of service (walking up, no-show windows, transfers).
    pub desk_minutes: FastMap<ServiceId, VecDeque<f64>>,
    /// Bookings by code, and which ticket checked each in.
    pub bookings: FastMap<String, Booking>,
    pub checked_in: FastMap<String, TicketId>,
    pub help: Vec<HelpRequest>,
    pub help_ids: FastSet<MessageId>,
    pub recent_calls: VecDeque<RecentCall>,
    /// Events applied; also the queue state's `seq`.
    pub events: u64,
}

impl State {
    /// An empty state with room for a log of `events` events (about one ticket per four
    /// events), so a big replay does not rehash its maps over and over.
    pub fn with_capacity(events: u64) -> State {
        let tickets = (events / 4) as usize;
        let mut s = State::default();
        s.tickets.reserve(tickets);
        s.requests.reserve(tickets);
        s.by_number.reserve(tickets);
        s
    }

    /// Applies one logged event. The engine only logs events it has checked, so anything
    /// inconsistent here means a damaged log: it is logged and skipped, never a panic.
    pub fn apply(&mut self, ev: &Event) {
        self.apply_owned(ev.clone());
    }

    /// [`State::apply`] taking the event by value, so replay moves strings into tickets
    /// instead of copying them.
    pub fn apply_owned(&mut self, ev: Event) {
        self.events += 1;
        let at = ev.at;
        match ev.kind {
            EventKind::Issued(i) => self.add_ticket(*i, at, None),
            EventKind::Called { ticket, counter } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "call") };
                if !matches!(t.phase, Phase::Waiting) {
                    return illegal(t, "call");
                }
                t.phase = Phase::Called { counter: counter.clone(), at };
                t.calls += 1;
                t.first_called_at.get_or_insert(at);
                let key = (t.order_key(), t.id);
                if let Some(lines) = self.lines.get_mut(&t.service) {
                    lines.lane_mut(t.lane).remove(&key);
                }
                // Look up before inserting: `entry` would allocate a key every call.
                let streak = match self.walk_in_streak.get_mut(&t.service) {
                    Some(s) => s,
                    None => self.walk_in_streak.entry(t.service.clone()).or_default(),
                };
                match t.lane {
                    Lane::WalkIn => *streak += 1,
                    Lane::Appointment => *streak = 0,
                    Lane::Priority => {}
                }
                let c = match self.counters.get_mut(&counter) {
                    Some(c) => c,
                    None => self.counters.entry(counter.clone()).or_default(),
                };
                c.current = Some(*ticket);
                c.since = Some(at);
                c.last_active = Some(at);
                self.push_call(*ticket, counter, CallKind::Call, at);
            }
            EventKind::Recalled { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "recall") };
                let Ok(next) = t.phase.recall(at) else { return illegal(t, "recall") };
                t.phase = next;
                t.calls += 1;
                let counter = t.phase.counter().cloned().expect("called has a counter");
                let c = self.counters.entry(counter.clone()).or_default();
                c.since = Some(at);
                c.last_active = Some(at);
                self.push_call(*ticket, counter, CallKind::Recall, at);
            }
            EventKind::Started { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "start") };
                if !matches!(t.phase, Phase::Called { .. }) {
                    return illegal(t, "start");
                }
                // Move the counter id over instead of cloning it (a million-event replay
                // notices every allocation).
                if let Phase::Called { counter, .. } = std::mem::replace(&mut t.phase, Phase::Waiting) {
                    t.phase = Phase::Serving { counter, since: at };
                }
                t.started_at = Some(at);
                if let Some(counter) = t.phase.counter() {
                    let c = self.counters.entry(counter.clone()).or_default();
                    c.since = Some(at);
                    c.last_active = Some(at);
                }
            }
            EventKind::Finished { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "finish") };
                let Ok(next) = t.phase.finish(at) else { return illegal(t, "finish") };
                let counter = t.phase.counter().cloned();
                t.phase = next;
                if let Some(started) = t.started_at {
                    let minutes = (at - started).num_milliseconds() as f64 / 60_000.0;
                    let h = match self.service_minutes.get_mut(&t.service) {
                        Some(h) => h,
                        None => self.service_minutes.entry(t.service.clone()).or_default(),
                    };
                    h.push_back(minutes.max(0.0));
                    if h.len() > HISTORY {
                        h.pop_front();
                    }
                }
                self.occupied(*ticket, at);
                self.release(*ticket, counter, at);
            }
            EventKind::NoShow { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "no-show") };
                let Ok(next) = t.phase.no_show(at) else { return illegal(t, "no-show") };
                let counter = t.phase.counter().cloned();
                t.phase = next;
                if counter.is_some() {
                    self.occupied(*ticket, at);
                }
                self.release(*ticket, counter, at);
            }
            EventKind::Cancelled { ticket, reason } => {
                let (ticket, reason) = (&ticket, &reason);
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "cancel") };
                // Closing the day also ends tickets in service (as served) and called ones (as
                // no-shows): those are logged as Finished / NoShow, so Cancelled is only ever
                // applied to waiting or called tickets.
                let Ok(next) = t.phase.cancel(at, *reason) else { return illegal(t, "cancel") };
                let counter = t.phase.counter().cloned();
                let key = (t.order_key(), t.id);
                let (service, lane) = (t.service.clone(), t.lane);
                t.phase = next;
                if let Some(lines) = self.lines.get_mut(&service) {
                    lines.lane_mut(lane).remove(&key);
                }
                self.release(*ticket, counter, at);
            }
            EventKind::Transferred { ticket, to } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "transfer") };
                let Ok(next) = t.phase.transfer(at, to.id) else { return illegal(t, "transfer") };
                let counter = t.phase.counter().cloned();
                let key = (t.order_key(), t.id);
                let (service, lane) = (t.service.clone(), t.lane);
                t.phase = next;
                if let Some(lines) = self.lines.get_mut(&service) {
                    lines.lane_mut(lane).remove(&key);
                }
                if counter.is_some() {
                    self.occupied(*ticket, at);
                }
                self.release(*ticket, counter, at);
                self.add_ticket(*to, at, Some(*ticket));
            }
            EventKind::Booked(b) => {
                self.bookings.insert(b.code.clone(), b);
            }
            EventKind::Help { request, device } => {
                if self.help_ids.insert(request) {
                    self.help.push(HelpRequest { request, device, at });
                }
            }
        }
    }

    fn add_ticket(&mut self, i: Issued, at: DateTime<Utc>, from: Option<TicketId>) {
        if let Some(r) = i.request {
            self.requests.insert(r, i.id);
        }
        if let Some(code) = &i.booking {
            self.checked_in.insert(code.clone(), i.id);
        }
        let nums = self.numbers.entry((prefix_key(&i.number.prefix), i.day)).or_default();
        nums.used.insert(i.number.seq);
        if !i.offline && from.is_none() {
            nums.last = nums.last.max(i.number.seq);
        }
        self.by_number.insert((i.day, number_key(&i.number)), i.id);
        let t = Ticket {
            id: i.id,
            number: i.number,
            service: i.service,
            lane: i.lane,
            needs: i.needs,
            day: i.day,
            queued_at: i.queued_at,
            created_at: at,
            booked_at: i.booked_at,
            booking: i.booking,
            phase: Phase::Waiting,
            first_called_at: None,
            calls: 0,
            started_at: None,
            transferred_from: from,
            request: i.request,
            people_ahead: i.people_ahead,
            wait: i.wait,
            offline: i.offline,
        };
        let lines = match self.lines.get_mut(&t.service) {
            Some(l) => l,
            None => self.lines.entry(t.service.clone()).or_default(),
        };
        lines.lane_mut(t.lane).insert((t.order_key(), t.id));
        self.open.insert(t.id);
        self.tickets.insert(t.id, t);
    }

    /// Records how long the ticket kept its counter busy.
    fn occupied(&mut self, ticket: TicketId, at: DateTime<Utc>) {
        let Some(t) = self.tickets.get(&ticket) else { return };
        let Some(called) = t.first_called_at else { return };
        let minutes = ((at - called).num_milliseconds() as f64 / 60_000.0).max(0.0);
        let h = match self.desk_minutes.get_mut(&t.service) {
            Some(h) => h,
            None => self.desk_minutes.entry(t.service.clone()).or_default(),
        };
        h.push_back(minutes);
        if h.len() > HISTORY {
            h.pop_front();
        }
    }

    /// A ticket reached a final state: free its counter.
    fn release(&mut self, ticket: TicketId, counter: Option<CounterId>, at: DateTime<Utc>) {
        self.open.remove(&ticket);
        if let Some(counter) = counter {
            let c = match self.counters.get_mut(&counter) {
                Some(c) => c,
                None => self.counters.entry(counter).or_default(),
            };
            if c.current == Some(ticket) {
                c.current = None;
                c.since = None;
            }
            c.last_active = Some(at);
        }
    }

    fn push_call(&mut self, ticket: TicketId, counter: CounterId, kind: CallKind, at: DateTime<Utc>) {
        self.recent_calls.push_front(RecentCall { ticket, counter, kind, at });
        self.recent_calls.truncate(RECENT_CALLS);
    }

    /// The ticket a counter holds (called or in service).
    pub fn counter_ticket(&self, counter: &CounterId) -> Option<&Ticket> {
        self.counters.get(counter).and_then(|c| c.current).and_then(|id| self.tickets.get(&id))
    }

    /// Waiting tickets of a service.
    pub fn waiting(&self, service: &ServiceId) -> usize {
        self.lines.get(service).map_or(0, Lines::len)
    }
}

/// A prefix (1–3 ASCII letters) packed into an integer: map keys without allocating.
pub fn prefix_key(prefix: &str) -> u32 {
    prefix.bytes().take(4).fold(0u32, |k, b| (k << 8) | b as u32)
}

/// A ticket number packed into an integer (prefix in the high half, sequence in the low).
pub fn number_key(n: &TicketNumber) -> u64 {
    ((prefix_key(&n.prefix) as u64) << 32) | n.seq as u64
}

fn missing(ticket: &TicketId, what: &str) {
    warn!(%ticket, what, "log names an unknown ticket; event skipped");
}

fn illegal(t: &Ticket, what: &str) {
    warn!(ticket = %t.id, number = %t.number, state = ?t.state(), what, "log has an illegal transition; event skipped");
}
