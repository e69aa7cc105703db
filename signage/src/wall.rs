//! The queue wall's state machine, without a window and without I/O.
//!
//! Input: what arrives from the hub ([`Input`]: retained [`QueueState`], [`CallEvent`]s,
//! [`HubStatus`], signs of life from the broker) and the current time. Output: a
//! [`WallView`] / [`CounterViewModel`] of plain strings and numbers that the Slint adapter
//! copies into properties, and [`WallState::next_change`], the instant the view could next
//! change by itself, so the UI wakes up only then (no polling, near-zero idle CPU).
//!
//! Rules kept here:
//! - A new call is highlighted, flashed twice, kept emphasised for a while, then moves into a
//!   short history. Calls arriving meanwhile wait their turn, so every call gets its two
//!   flashes. A recall announces the number again.
//! - Nothing stale is shown as current: when neither the broker nor the hub has been heard
//!   from for `stale_after`, the view says so; it clears by itself when data returns.
//! - Static text rotates through the site's languages on wall-clock boundaries, so every wall
//!   in a lobby shows the same language at the same moment. Numbers never change with language.

use std::collections::{BTreeMap, VecDeque};

use aula_protocol::{CallEvent, CallKind, CounterId, HubStatus, Lang, QueueState, ServiceView, TicketId};
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Everything the wall reacts to.
#[derive(Debug, Clone)]
pub enum Input {
    State(QueueState),
    Call(CallEvent),
    Hub(HubStatus),
    /// Any packet from the broker, including keep-alive answers: the link is alive.
    Link,
    /// The broker connection was lost.
    Disconnected,
}

/// How calls are announced and how long things last.
#[derive(Debug, Clone)]
pub struct Timing {
    /// One flash: highlight on for this long …
    pub flash_on: Duration,
    /// … then off for this long before the next flash.
    pub flash_off: Duration,
    /// How many times a call is flashed (the domain asks for twice).
    pub flashes: u32,
    /// How long a call stays emphasised in total before moving to history.
    pub emphasis: Duration,
    /// How many previous calls are listed.
    pub history_len: usize,
    /// A call older than this when it arrives (replayed after a reconnect) goes straight to
    /// history: the counter waits 2–3 minutes for the customer, so announcing it later than
    /// that would send someone to a counter that has moved on.
    pub max_call_age: Duration,
    /// No message and no broker heartbeat for this long: the data may be out of date.
    pub stale_after: Duration,
    /// Static text changes language this often.
    pub rotate: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            flash_on: Duration::milliseconds(1000),
            flash_off: Duration::milliseconds(500),
            flashes: 2,
            emphasis: Duration::seconds(10),
            history_len: 6,
            max_call_age: Duration::seconds(120),
            stale_after: Duration::seconds(30),
            rotate: Duration::seconds(8),
        }
    }
}

impl Timing {
    /// Time from a call's start until its last flash has ended.
    pub fn announce_len(&self) -> Duration {
        self.flash_on * self.flashes as i32 + self.flash_off * (self.flashes as i32 - 1).max(0)
    }

    /// Whether the highlight is lit `elapsed` after a call started (during the flashes).
    fn flash_lit(&self, elapsed: Duration) -> bool {
        let period = self.flash_on + self.flash_off;
        if elapsed < Duration::zero() || elapsed >= self.announce_len() {
            return false;
        }
        let in_period = elapsed.num_milliseconds() % period.num_milliseconds().max(1);
        in_period < self.flash_on.num_milliseconds()
    }

    /// The next instant after `elapsed` at which the flash phase changes, if any.
    fn next_flash_edge(&self, elapsed: Duration) -> Option<Duration> {
        let period = self.flash_on + self.flash_off;
        let mut edges = Vec::new();
        for i in 0..self.flashes as i32 {
            edges.push(period * i + self.flash_on);
            if i + 1 < self.flashes as i32 {
                edges.push(period * (i + 1));
            }
        }
        edges.into_iter().find(|e| *e > elapsed)
    }
}

/// One called number as drawn: the number and where to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLine {
    pub number: String,
    pub place: String,
    pub recall: bool,
}

/// One service row of the wall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    pub name: String,
    /// Today's hours, e.g. `9:00–16:00`, or `9:00–12:00, 13:00–16:00`.
    pub hours: String,
    pub open_now: bool,
    pub walk_in: bool,
    pub waiting: u32,
    /// Estimated wait range in minutes.
    pub wait: Option<(u32, u32)>,
    /// When closed now but opening later today, e.g. `12:00`.
    pub opens_at: String,
}

/// The highlighted call and how it is drawn right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    pub call: CallLine,
    /// The highlight is lit (flash phase); false between flashes and after them.
    pub lit: bool,
    /// Still within its flashes (as opposed to the calm emphasis that follows).
    pub announcing: bool,
}

/// What the wall shows at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallView {
    pub lang: Lang,
    pub site_name: String,
    pub current: Option<Highlight>,
    pub history: Vec<CallLine>,
    pub services: Vec<ServiceLine>,
    pub announcement: String,
    pub stale: bool,
    /// No queue state received yet.
    pub waiting_for_data: bool,
    /// Local time `14:05` and date `22.11.2026`; weekday 0 = Monday (named by the UI).
    pub time: String,
    pub date: String,
    pub weekday: u32,
    /// Increases every time a call starts being announced (drives the optional chime).
    pub announce_seq: u64,
}

/// What a counter display shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterViewModel {
    pub lang: Lang,
    pub counter_name: String,
    pub number: String,
    pub lit: bool,
    pub announcing: bool,
    pub stale: bool,
    pub time: String,
}

#[derive(Debug, Clone)]
struct Active {
    call: CallEvent,
    since: DateTime<Utc>,
}

/// The wall's memory between inputs. See the module docs for the rules.
#[derive(Debug)]
pub struct WallState {
    timing: Timing,
    languages: Vec<Lang>,
    tz: Tz,
    started: DateTime<Utc>,
    state: Option<QueueState>,
    current: Option<Active>,
    pending: VecDeque<CallEvent>,
    /// Calls that were announced here, newest first; merged with the hub's list.
    announced: Vec<CallEvent>,
    /// Latest call per counter, for counter displays.
    per_counter: BTreeMap<CounterId, Active>,
    last_heard: Option<DateTime<Utc>>,
    hub_offline_since: Option<DateTime<Utc>>,
    announce_seq: u64,
}

impl WallState {
    /// `languages` must not be empty (config validation ensures it).
    pub fn new(timing: Timing, languages: Vec<Lang>, tz: Tz, now: DateTime<Utc>) -> Self {
        assert!(!languages.is_empty(), "at least one language");
        Self {
            timing,
            languages,
            tz,
            started: now,
            state: None,
            current: None,
            pending: VecDeque::new(),
            announced: Vec::new(),
            per_counter: BTreeMap::new(),
            last_heard: None,
            hub_offline_since: None,
            announce_seq: 0,
        }
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Applies one input at `now`.
    pub fn apply(&mut self, input: Input, now: DateTime<Utc>) {
        match input {
            Input::Link => self.heard(now),
            // A lost connection is not stale yet: the broker has `stale_after` to come back
            // (reconnects take a second or two) before the wall says anything.
            Input::Disconnected => {}
            Input::Hub(status) => {
                self.heard(now);
                if status.online {
                    self.hub_offline_since = None;
                } else if self.hub_offline_since.is_none() {
                    self.hub_offline_since = Some(now);
                }
            }
            Input::State(state) => {
                self.heard(now);
                // The hub republishes on every change; an older seq is a late duplicate.
                if self.state.as_ref().is_some_and(|s| s.seq > state.seq) {
                    tracing::debug!(seq = state.seq, "ignoring older queue state");
                } else {
                    self.state = Some(state);
                }
            }
            Input::Call(call) => {
                self.heard(now);
                self.on_call(call, now);
            }
        }
        self.settle(now);
    }

    fn heard(&mut self, now: DateTime<Utc>) {
        self.last_heard = Some(now);
    }

    fn on_call(&mut self, call: CallEvent, now: DateTime<Utc>) {
        let same = |c: &CallEvent| c.ticket == call.ticket;
        if now - call.called_at > self.timing.max_call_age {
            tracing::debug!(number = %call.number, "call too old to announce; history only");
            self.remember(call);
            return;
        }
        if call.kind == CallKind::Call {
            // A redelivered first call is not a new announcement.
            if self.current.as_ref().is_some_and(|a| same(&a.call)) || self.pending.iter().any(same) {
                return;
            }
            if self.announced.iter().any(|c| same(c) && c.called_at >= call.called_at) {
                return;
            }
        }
        self.pending.retain(|c| !same(c));
        self.per_counter.insert(call.counter.clone(), Active { call: call.clone(), since: now });
        if self.current.as_ref().is_some_and(|a| same(&a.call)) {
            // A recall of the number on the wall: announce it again from the start.
            self.current = Some(Active { call, since: now });
            self.announce_seq += 1;
        } else {
            self.pending.push_back(call);
        }
    }

    /// Moves the highlight on when its time is up and promotes the next waiting call.
    fn settle(&mut self, now: DateTime<Utc>) {
        loop {
            if let Some(a) = &self.current {
                let elapsed = now - a.since;
                let done = elapsed >= self.timing.emphasis
                    || (!self.pending.is_empty() && elapsed >= self.timing.announce_len());
                if !done {
                    return;
                }
                let a = self.current.take().expect("checked above");
                self.remember(a.call);
            }
            match self.pending.pop_front() {
                Some(call) => {
                    self.current = Some(Active { call, since: now });
                    self.announce_seq += 1;
                }
                None => return,
            }
        }
    }

    fn remember(&mut self, call: CallEvent) {
        self.announced.retain(|c| c.ticket != call.ticket);
        self.announced.insert(0, call);
        // A day's worth is not needed: the view shows `history_len`.
        self.announced.truncate(self.timing.history_len * 2);
    }

    /// Brings time-driven changes up to `now` (call the UI's timer here).
    pub fn tick(&mut self, now: DateTime<Utc>) {
        self.settle(now);
    }

    /// Whether the shown data may be out of date at `now`.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        let limit = self.timing.stale_after;
        let silent_since = self.last_heard.unwrap_or(self.started);
        if now - silent_since >= limit {
            return true;
        }
        if let Some(off) = self.hub_offline_since {
            return now - off >= limit;
        }
        if self.state.is_none() {
            return now - self.started >= limit;
        }
        false
    }

    /// The language of static text at `now`.
    pub fn lang(&self, now: DateTime<Utc>) -> Lang {
        let step = self.timing.rotate.num_milliseconds().max(1);
        let i = (now.timestamp_millis().div_euclid(step) as usize) % self.languages.len();
        self.languages[i].clone()
    }

    /// The instant after `now` when the view may change without any input, for the UI timer.
    pub fn next_change(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let mut next = Vec::with_capacity(6);
        // Clock: next minute boundary.
        let secs = now.second() as i64;
        next.push(now - Duration::nanoseconds(now.nanosecond() as i64) + Duration::seconds(60 - secs));
        if self.languages.len() > 1 {
            let step = self.timing.rotate.num_milliseconds().max(1);
            let ms = now.timestamp_millis();
            next.push(DateTime::from_timestamp_millis((ms.div_euclid(step) + 1) * step).unwrap_or(now));
        }
        let mut highlight = |a: &Active| {
            let elapsed = now - a.since;
            if let Some(edge) = self.timing.next_flash_edge(elapsed) {
                next.push(a.since + edge);
            }
            if elapsed < self.timing.announce_len() {
                next.push(a.since + self.timing.announce_len());
            }
            if elapsed < self.timing.emphasis {
                next.push(a.since + self.timing.emphasis);
            }
        };
        if let Some(a) = &self.current {
            highlight(a);
        }
        for a in self.per_counter.values() {
            highlight(a);
        }
        if !self.is_stale(now) {
            let heard = self.last_heard.unwrap_or(self.started);
            next.push(heard + self.timing.stale_after);
            if let Some(off) = self.hub_offline_since {
                next.push(off + self.timing.stale_after);
            }
        }
        next.into_iter().filter(|t| *t > now).min().unwrap_or(now + Duration::seconds(60))
    }

    fn local(&self, now: DateTime<Utc>) -> DateTime<Tz> {
        self.tz.from_utc_datetime(&now.naive_utc())
    }

    fn line(&self, c: &CallEvent, lang: &Lang) -> CallLine {
        CallLine {
            number: c.number.to_string(),
            place: c.counter_name.get(lang).to_owned(),
            recall: c.kind == CallKind::Recall,
        }
    }

    /// The wall as it should look at `now`. Call [`WallState::tick`] first.
    pub fn view(&self, now: DateTime<Utc>) -> WallView {
        let lang = self.lang(now);
        let local = self.local(now);
        let current = self.current.as_ref().map(|a| {
            let elapsed = now - a.since;
            Highlight {
                call: self.line(&a.call, &lang),
                lit: self.timing.flash_lit(elapsed),
                announcing: elapsed < self.timing.announce_len(),
            }
        });
        WallView {
            site_name: self.state.as_ref().map(|s| s.site_name.get(&lang).to_owned()).unwrap_or_default(),
            current,
            history: self.history().iter().map(|c| self.line(c, &lang)).collect(),
            services: self
                .state
                .as_ref()
                .map(|s| {
                    s.services.iter().filter(|v| v.open_today).map(|v| service_line(v, &lang, self.tz, local)).collect()
                })
                .unwrap_or_default(),
            announcement: self
                .state
                .as_ref()
                .and_then(|s| s.announcement.as_ref())
                .map(|a| a.get(&lang).trim().to_owned())
                .unwrap_or_default(),
            stale: self.is_stale(now),
            waiting_for_data: self.state.is_none(),
            time: format!("{}:{:02}", local.hour(), local.minute()),
            date: format!("{}.{}.{}", local.day(), local.month(), local.year()),
            weekday: local.weekday().num_days_from_monday(),
            announce_seq: self.announce_seq,
            lang,
        }
    }

    /// Previous calls, newest first: the hub's list merged with what was announced here,
    /// without whatever is highlighted or still waiting to be.
    fn history(&self) -> Vec<&CallEvent> {
        let skip = |t: &TicketId| {
            self.current.as_ref().is_some_and(|a| a.call.ticket == *t) || self.pending.iter().any(|c| c.ticket == *t)
        };
        let mut all: Vec<&CallEvent> = self.announced.iter().collect();
        if let Some(s) = &self.state {
            all.extend(s.calls.iter());
        }
        all.sort_by_key(|c| std::cmp::Reverse(c.called_at));
        let mut seen = Vec::<TicketId>::new();
        all.retain(|c| {
            if skip(&c.ticket) || seen.contains(&c.ticket) {
                return false;
            }
            seen.push(c.ticket);
            true
        });
        all.truncate(self.timing.history_len);
        all
    }

    /// What the display by `counter` shows at `now`: the number it serves, flashed on a call.
    pub fn counter_view(&self, counter: &CounterId, now: DateTime<Utc>) -> CounterViewModel {
        let lang = self.lang(now);
        let local = self.local(now);
        let from_state = self.state.as_ref().and_then(|s| s.counters.iter().find(|c| &c.id == counter));
        let event = self.per_counter.get(counter);
        // The newer of the hub's state and the latest call event wins.
        let use_event = match (event, from_state.and_then(|c| c.since)) {
            (Some(e), Some(since)) => e.call.called_at >= since,
            (Some(_), None) => from_state.is_none_or(|c| c.current.is_none()),
            (None, _) => false,
        };
        let (number, elapsed) = if use_event {
            let e = event.expect("checked");
            (e.call.number.to_string(), Some(now - e.since))
        } else {
            (from_state.and_then(|c| c.current.as_ref()).map(|n| n.to_string()).unwrap_or_default(), None)
        };
        let counter_name = from_state
            .map(|c| c.name.get(&lang).to_owned())
            .or_else(|| event.map(|e| e.call.counter_name.get(&lang).to_owned()))
            .unwrap_or_else(|| counter.to_string());
        CounterViewModel {
            counter_name,
            number,
            lit: elapsed.is_some_and(|e| self.timing.flash_lit(e)),
            announcing: elapsed.is_some_and(|e| e < self.timing.announce_len()),
            stale: self.is_stale(now),
            time: format!("{}:{:02}", local.hour(), local.minute()),
            lang,
        }
    }
}

fn hm(t: chrono::NaiveTime) -> String {
    format!("{}:{:02}", t.hour(), t.minute())
}

fn service_line(v: &ServiceView, lang: &Lang, tz: Tz, today: DateTime<Tz>) -> ServiceLine {
    let hours = v.hours_today.iter().map(|s| format!("{}–{}", hm(s.open), hm(s.close))).collect::<Vec<_>>().join(", ");
    let opens_at = if v.open_now {
        String::new()
    } else {
        // Only a reopening later today is worth showing on today's wall.
        v.opens_next
            .map(|t| tz.from_utc_datetime(&t.naive_utc()))
            .filter(|t| t.date_naive() == today.date_naive())
            .map(|t| hm(t.time()))
            .unwrap_or_default()
    };
    ServiceLine {
        name: v.name.get(lang).to_owned(),
        hours,
        open_now: v.open_now,
        walk_in: v.walk_in,
        waiting: v.waiting,
        wait: v.wait.map(|w| (w.low_min, w.high_min)),
        opens_at,
    }
}

#[cfg(test)]
mod tests;
