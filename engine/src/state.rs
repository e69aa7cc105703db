//! The state derived from the log: tickets, today's numbers, waiting lines per lane, what
//! each counter holds (its ticket, session, break, parked and reserved tickets), recent
//! service times, bookings, help requests, breaks and the days staff changed a service's
//! presence. [`State::apply`] is the only way it changes, so the engine's state and a replay
//! of the log cannot differ.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use aula_protocol::{CallKind, CounterId, DeviceId, Lane, MessageId, ServiceId, Span, TicketId, TicketNumber};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use tracing::warn;

use crate::appointments::Booking;
use crate::counters::{Break, BreakRecord, Session};
use crate::event::{Event, EventKind, Issued};
use crate::hours::Presence;
use crate::ticket::{Outcome, Phase, Ticket};

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
    /// Tickets of this service waiting for one counter ([`CounterState::reserved`]): not in
    /// the lanes above (no other counter calls them) but still waiting for the service.
    pub reserved: usize,
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

    /// Everyone waiting for the service, reserved tickets included.
    pub fn len(&self) -> usize {
        self.walk_in.len() + self.appointment.len() + self.priority.len() + self.reserved
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a ticket reserved for a counter stands in that counter's line: priority first, then
/// by queue time (the order [`crate::lanes`] uses across services).
pub type ReservedKey = (bool, DateTime<Utc>, TicketId);

/// The key of `t` in its counter's reserved line.
pub fn reserved_key(t: &Ticket) -> ReservedKey {
    (t.lane != Lane::Priority, t.queued_at, t.id)
}

/// What a counter holds, and who is at it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterState {
    pub current: Option<TicketId>,
    /// When the current ticket was (last) called or started.
    pub since: Option<DateTime<Utc>>,
    /// Last call, start or finish: a counter active lately counts as staffed.
    pub last_active: Option<DateTime<Utc>>,
    /// Signed in, serving these services (None: never opened, or closed).
    pub session: Option<Session>,
    pub on_break: Option<Break>,
    /// Tickets parked here, oldest first.
    pub parked: Vec<TicketId>,
    /// Waiting tickets reserved for this counter, in the order it calls them.
    pub reserved: BTreeSet<ReservedKey>,
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
    /// Every break, in log order (a few per counter a day).
    pub breaks: Vec<BreakRecord>,
    /// Days on which staff changed a service's hours: date → that day's spans (empty =
    /// absent). Laid over the configured hours by [`crate::hours::ServiceHours`].
    pub presence: BTreeMap<ServiceId, BTreeMap<NaiveDate, Vec<Span>>>,
    /// No-shows by service day, so today's (which may go back to the queue) are found
    /// without scanning every ticket ever issued.
    pub no_shows: BTreeSet<(NaiveDate, TicketId)>,
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
                t.called_at = Some(at);
                let reserved = t.reserved_for.is_some();
                leave_line(&mut self.lines, &mut self.counters, t);
                // A reserved ticket was sent to this counter by hand: it is outside the lane
                // balance, which orders the service's shared lines.
                if !reserved {
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
            EventKind::Finished { ticket } => self.finish(ticket, None, at),
            EventKind::FinishedWith { ticket, outcome } => self.finish(ticket, Some(outcome), at),
            EventKind::NoShow { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "no-show") };
                let Ok(next) = t.phase.no_show(at) else { return illegal(t, "no-show") };
                let counter = t.phase.counter().cloned();
                t.phase = next;
                self.no_shows.insert((t.day, t.id));
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
                leave_line(&mut self.lines, &mut self.counters, t);
                t.phase = next;
                self.release(*ticket, counter, at);
            }
            EventKind::Transferred { ticket, to } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "transfer") };
                let Ok(next) = t.phase.transfer(at, to.id) else { return illegal(t, "transfer") };
                let counter = t.phase.counter().cloned();
                leave_line(&mut self.lines, &mut self.counters, t);
                t.phase = next;
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
            EventKind::CounterOpened { counter, services } => {
                let c = self.counters.entry(counter).or_default();
                match &mut c.session {
                    // A change of services keeps the session (and when it began).
                    Some(s) => s.services = services,
                    None => c.session = Some(Session { services, since: at }),
                }
            }
            EventKind::CounterClosed { counter } => {
                let Some(c) = self.counters.get_mut(&counter) else { return };
                c.session = None;
                if c.on_break.take().is_some() {
                    // The engine logs the end of a break before closing; an older or damaged
                    // log may not, and the break still ends here.
                    end_break(&mut self.breaks, &counter, at);
                }
                // Nobody is left to call tickets reserved for this counter: back to their
                // service's lines, in their original place.
                for (_, _, id) in std::mem::take(&mut c.reserved) {
                    let Some(t) = self.tickets.get_mut(&id) else { continue };
                    t.reserved_for = None;
                    let lines = self.lines.entry(t.service.clone()).or_default();
                    lines.reserved = lines.reserved.saturating_sub(1);
                    lines.lane_mut(t.lane).insert((t.order_key(), id));
                }
            }
            EventKind::BreakStarted { counter, reason } => {
                let c = self.counters.entry(counter.clone()).or_default();
                if c.on_break.is_some() {
                    return warn!(%counter, "log starts a break on a counter already on one; event skipped");
                }
                c.on_break = Some(Break { reason, since: at });
                self.breaks.push(BreakRecord { counter, reason, start: at, end: None });
            }
            EventKind::BreakEnded { counter } => {
                let Some(c) = self.counters.get_mut(&counter) else { return };
                if c.on_break.take().is_none() {
                    return warn!(%counter, "log ends a break on a counter not on one; event skipped");
                }
                end_break(&mut self.breaks, &counter, at);
            }
            EventKind::Returned { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "return") };
                let Ok(next) = t.phase.return_to_queue() else { return illegal(t, "return") };
                t.phase = next;
                t.returned += 1;
                self.no_shows.remove(&(t.day, t.id));
                // Its original place: queue time (booked time for appointments) is kept.
                self.lines.entry(t.service.clone()).or_default().lane_mut(t.lane).insert((t.order_key(), t.id));
                self.open.insert(t.id);
            }
            EventKind::Parked { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "park") };
                let Ok(next) = t.phase.park(at) else { return illegal(t, "park") };
                t.phase = next;
                let counter = t.phase.counter().cloned().expect("parked has a counter");
                let c = self.counters.entry(counter).or_default();
                if c.current == Some(*ticket) {
                    c.current = None;
                    c.since = None;
                }
                c.last_active = Some(at);
                c.parked.push(*ticket);
            }
            EventKind::Resumed { ticket } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "resume") };
                let (counter, since) = match &t.phase {
                    Phase::Parked { counter, since } => (counter.clone(), *since),
                    _ => return illegal(t, "resume"),
                };
                let c = self.counters.entry(counter).or_default();
                if c.current.is_some() {
                    // One ticket per counter: the engine refuses this, so the log is damaged.
                    return illegal(t, "resume at a busy counter");
                }
                t.parked += at - since;
                t.phase = t.phase.resume(at).expect("parked resumes");
                c.current = Some(*ticket);
                c.since = Some(at);
                c.last_active = Some(at);
                c.parked.retain(|p| p != ticket);
            }
            EventKind::Reserved { ticket, counter } => {
                let ticket = &ticket;
                let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "reserve") };
                let Ok(next) = t.phase.reserve() else { return illegal(t, "reserve") };
                let called_at = t.phase.counter().cloned();
                leave_line(&mut self.lines, &mut self.counters, t);
                t.phase = next;
                t.reserved_for = Some(counter.clone());
                let key = reserved_key(t);
                self.lines.entry(t.service.clone()).or_default().reserved += 1;
                if let Some(from) = called_at {
                    // Called elsewhere: that counter was busy with it until now, and is free.
                    self.occupied(*ticket, at);
                    let c = self.counters.entry(from).or_default();
                    if c.current == Some(*ticket) {
                        c.current = None;
                        c.since = None;
                    }
                    c.last_active = Some(at);
                }
                self.counters.entry(counter).or_default().reserved.insert(key);
            }
            EventKind::PresenceSet { service, day, presence } => {
                let spans = match presence {
                    Presence::AsPlanned => {
                        if let Some(days) = self.presence.get_mut(&service) {
                            days.remove(&day);
                            if days.is_empty() {
                                self.presence.remove(&service);
                            }
                        }
                        return;
                    }
                    Presence::Absent => Vec::new(),
                    Presence::Hours(spans) => spans,
                };
                self.presence.entry(service).or_default().insert(day, spans);
            }
        }
    }

    /// A ticket in service (or parked, at day end) is done. Service time and counter
    /// occupancy leave out the time it was parked.
    fn finish(&mut self, ticket: TicketId, outcome: Option<Outcome>, at: DateTime<Utc>) {
        let ticket = &ticket;
        let Some(t) = self.tickets.get_mut(ticket) else { return missing(ticket, "finish") };
        let Ok(next) = t.phase.finish(at) else { return illegal(t, "finish") };
        if let Phase::Parked { since, .. } = t.phase {
            t.parked += at - since;
        }
        let counter = t.phase.counter().cloned();
        t.phase = next;
        t.outcome = outcome;
        if let Some(started) = t.started_at {
            let minutes = (at - started - t.parked).num_milliseconds() as f64 / 60_000.0;
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
            called_at: None,
            calls: 0,
            started_at: None,
            parked: TimeDelta::zero(),
            outcome: None,
            returned: 0,
            reserved_for: None,
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
        // From the call that brought it to this counter: after a return or a reservation the
        // first call belongs to an earlier stint, and the wait in between kept no counter busy.
        let Some(called) = t.called_at.or(t.first_called_at) else { return };
        let minutes = ((at - called - t.parked).num_milliseconds() as f64 / 60_000.0).max(0.0);
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
            if !c.parked.is_empty() {
                c.parked.retain(|p| *p != ticket);
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

/// Takes a waiting ticket out of the line it waits in: its service's lane, or the reserved
/// line of the counter it was sent to. A no-op for a ticket in no line (called).
fn leave_line(
    lines: &mut BTreeMap<ServiceId, Lines>,
    counters: &mut BTreeMap<CounterId, CounterState>,
    t: &mut Ticket,
) {
    match t.reserved_for.take() {
        None => {
            if let Some(l) = lines.get_mut(&t.service) {
                l.lane_mut(t.lane).remove(&(t.order_key(), t.id));
            }
        }
        Some(counter) => {
            if let Some(c) = counters.get_mut(&counter) {
                c.reserved.remove(&reserved_key(t));
            }
            if let Some(l) = lines.get_mut(&t.service) {
                l.reserved = l.reserved.saturating_sub(1);
            }
        }
    }
}

/// Closes the counter's running break record.
fn end_break(breaks: &mut [BreakRecord], counter: &CounterId, at: DateTime<Utc>) {
    if let Some(b) = breaks.iter_mut().rev().find(|b| &b.counter == counter && b.end.is_none()) {
        b.end = Some(at);
    }
}

fn missing(ticket: &TicketId, what: &str) {
    warn!(%ticket, what, "log names an unknown ticket; event skipped");
}

fn illegal(t: &Ticket, what: &str) {
    warn!(ticket = %t.id, number = %t.number, state = ?t.state(), what, "log has an illegal transition; event skipped");
}
