//! Property tests over random operation sequences, staff console included (sessions, breaks,
//! outcomes, park/resume, returns, reservations, today's presence): unique numbers, FIFO
//! within a lane, one final state per ticket (a return undoes a no-show), every call takes
//! the first ticket of the staff waiting list, counters hold what their tickets say, and
//! state == replay of the log (also after reopening from disk).

use std::collections::{BTreeSet, HashMap, HashSet};

use aula_engine::{BreakReason, Engine, EngineError, EventKind, Outcome, Phase, Presence, State, WaitingState, replay};
use aula_protocol::{CounterId, Lane, MessageId, Needs, ServiceId, Span, TicketId};
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::common::*;

#[derive(Debug, Clone)]
enum Op {
    Issue(usize),
    Call(usize),
    Recall(usize),
    Start(usize),
    Finish(usize),
    NoShow(usize),
    Transfer(usize, usize),
    Cancel(usize),
    Advance(i64),
    Tick,
    NextDay,
    /// Counter, and which of its configured services (bit i = the i-th; none is refused).
    Open(usize, u8),
    Close(usize),
    Break(usize, usize),
    EndBreak(usize),
    FinishWith(usize, usize),
    Park(usize),
    Resume(usize, usize),
    Return(usize),
    Reserve(usize, usize),
    /// Service, and 0 absent / 1 as planned / 2 hours 10–12, today.
    Presence(usize, usize),
}

const SERVICES: [&str; 3] = ["vero", "kela", "dvv"];
const COUNTERS: [&str; 3] = ["1", "2", "3"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize).prop_map(Op::Issue),
        4 => (0..3usize).prop_map(Op::Call),
        1 => (0..3usize).prop_map(Op::Recall),
        3 => (0..3usize).prop_map(Op::Start),
        3 => (0..3usize).prop_map(Op::Finish),
        1 => (0..3usize).prop_map(Op::NoShow),
        1 => (0..50usize, 0..3usize).prop_map(|(t, s)| Op::Transfer(t, s)),
        1 => (0..50usize).prop_map(Op::Cancel),
        3 => (0..8i64).prop_map(Op::Advance),
        1 => Just(Op::Tick),
        1 => Just(Op::NextDay),
        1 => (0..3usize, 0..4u8).prop_map(|(c, m)| Op::Open(c, m)),
        1 => (0..3usize).prop_map(Op::Close),
        1 => (0..3usize, 0..4usize).prop_map(|(c, r)| Op::Break(c, r)),
        1 => (0..3usize).prop_map(Op::EndBreak),
        2 => (0..3usize, 0..3usize).prop_map(|(c, o)| Op::FinishWith(c, o)),
        2 => (0..3usize).prop_map(Op::Park),
        2 => (0..3usize, 0..50usize).prop_map(|(c, t)| Op::Resume(c, t)),
        1 => (0..50usize).prop_map(Op::Return),
        1 => (0..50usize, 0..3usize).prop_map(|(t, c)| Op::Reserve(t, c)),
        1 => (0..3usize, 0..3usize).prop_map(|(s, k)| Op::Presence(s, k)),
    ]
}

/// What `call_next(counter, [])` must take, read off the staff waiting list: the first ticket
/// reserved for the counter, else the first unreserved waiting ticket of the services it
/// serves now.
fn expected_call(e: &Engine, c: &CounterId, now: DateTime<Utc>) -> Option<TicketId> {
    let waiting = |t: &aula_engine::WaitingTicket| t.state == WaitingState::Waiting;
    let reserved = e.waiting_list(&[], now).into_iter().find(|t| waiting(t) && t.reserved_for.as_ref() == Some(c));
    reserved
        .or_else(|| {
            let services = e.serving_now(c).unwrap();
            e.waiting_list(&services, now).into_iter().find(|t| waiting(t) && t.reserved_for.is_none())
        })
        .map(|t| t.id)
}

/// Runs `ops`; every refusal is fine (that is the engine doing its job). Fails if a call
/// takes another ticket than the waiting list says it would.
fn run(e: &mut Engine, ops: &[Op], mut now: DateTime<Utc>) -> Result<DateTime<Utc>, TestCaseError> {
    let mut ids: Vec<TicketId> = Vec::new();
    let pick = |ids: &Vec<TicketId>, t: usize| ids.get(t % ids.len().max(1)).copied();
    for op in ops {
        match op {
            Op::Issue(s) => {
                if let Ok(t) = e.issue_ticket(MessageId::new(), &svc(SERVICES[*s]), Needs::default(), now) {
                    ids.push(t.id);
                }
            }
            Op::Call(c) => {
                let c = counter(COUNTERS[*c]);
                let want = expected_call(e, &c, now);
                match e.call_next(&c, &[], now) {
                    Ok(call) => prop_assert_eq!(Some(call.ticket), want, "call_next at {} vs the waiting list", c),
                    Err(EngineError::NothingWaiting { .. }) => prop_assert_eq!(want, None),
                    Err(_) => {}
                }
            }
            Op::Recall(c) => drop(e.recall(&counter(COUNTERS[*c]), now)),
            Op::Start(c) => drop(e.start(&counter(COUNTERS[*c]), now)),
            Op::Finish(c) => drop(e.finish(&counter(COUNTERS[*c]), now)),
            Op::NoShow(c) => drop(e.no_show(&counter(COUNTERS[*c]), now)),
            Op::Transfer(t, s) => {
                if let Some(id) = ids.get(*t % ids.len().max(1))
                    && let Ok(n) = e.transfer(*id, &svc(SERVICES[*s]), now)
                {
                    ids.push(n.id);
                }
            }
            Op::Cancel(t) => {
                if let Some(id) = ids.get(*t % ids.len().max(1)) {
                    drop(e.cancel(*id, now));
                }
            }
            Op::Advance(m) => now += TimeDelta::minutes(*m),
            Op::Tick => drop(e.tick(now)),
            Op::NextDay => {
                now += TimeDelta::days(1);
                e.tick(now);
            }
            Op::Open(c, mask) => {
                let c = counter(COUNTERS[*c]);
                let configured = e.site().counter(&c).unwrap().services.clone();
                let chosen: Vec<ServiceId> =
                    configured.into_iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, s)| s).collect();
                drop(e.open_counter(&c, &chosen, now));
            }
            Op::Close(c) => drop(e.close_counter(&counter(COUNTERS[*c]), now)),
            Op::Break(c, r) => drop(e.start_break(&counter(COUNTERS[*c]), BreakReason::ALL[*r], now)),
            Op::EndBreak(c) => drop(e.end_break(&counter(COUNTERS[*c]), now)),
            Op::FinishWith(c, o) => drop(e.finish_with(&counter(COUNTERS[*c]), Outcome::ALL[*o], now)),
            Op::Park(c) => drop(e.park(&counter(COUNTERS[*c]), now)),
            // Half the time a ticket that can take the action (random ones are nearly always
            // refused, which leaves the action itself untested), half the time any ticket.
            Op::Resume(c, t) => {
                let c = counter(COUNTERS[*c]);
                let parked = e.state().counters.get(&c).and_then(|s| s.parked.first().copied());
                if let Some(id) = if t % 2 == 0 { parked } else { pick(&ids, *t) } {
                    drop(e.resume(&c, id, now));
                }
            }
            Op::Return(t) => {
                let no_show = e
                    .waiting_list(&[], now)
                    .into_iter()
                    .find(|w| matches!(w.state, WaitingState::NoShow { .. }))
                    .map(|w| w.id);
                if let Some(id) = if t % 2 == 0 { no_show } else { pick(&ids, *t) } {
                    drop(e.return_no_show(id, now));
                }
            }
            Op::Reserve(t, c) => {
                if let Some(id) = pick(&ids, *t) {
                    drop(e.transfer_to_counter(id, &counter(COUNTERS[*c]), now));
                }
            }
            Op::Presence(s, k) => {
                let day = now.with_timezone(&chrono_tz::Europe::Helsinki).date_naive();
                let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
                let p =
                    [Presence::Absent, Presence::AsPlanned, Presence::Hours(vec![Span { open: t(10), close: t(12) }])];
                drop(e.set_presence(&svc(SERVICES[*s]), day, p[*k].clone(), now));
            }
        }
    }
    Ok(now)
}

/// What each counter holds agrees with its tickets: the current one is called or in service
/// there, parked ones are parked there (and every parked ticket is listed by its counter),
/// reserved ones wait for it, and each service's count of reserved tickets is right.
fn check_counters(state: &State) -> Result<(), String> {
    let mut reserved_per_service: HashMap<&ServiceId, usize> = HashMap::new();
    for (id, c) in &state.counters {
        if let Some(cur) = c.current {
            let t = &state.tickets[&cur];
            if !matches!(&t.phase, Phase::Called { counter, .. } | Phase::Serving { counter, .. } if counter == id) {
                return Err(format!("counter {id} holds {} which is {:?}", t.number, t.phase));
            }
        }
        for p in &c.parked {
            let t = &state.tickets[p];
            if !matches!(&t.phase, Phase::Parked { counter, .. } if counter == id) {
                return Err(format!("counter {id} lists {} as parked but it is {:?}", t.number, t.phase));
            }
        }
        for (_, _, r) in &c.reserved {
            let t = &state.tickets[r];
            if t.phase != Phase::Waiting || t.reserved_for.as_ref() != Some(id) {
                return Err(format!(
                    "counter {id} reserves {} which is {:?} for {:?}",
                    t.number, t.phase, t.reserved_for
                ));
            }
            *reserved_per_service.entry(&t.service).or_default() += 1;
        }
    }
    for t in state.tickets.values() {
        if let Phase::Parked { counter, .. } = &t.phase
            && !state.counters.get(counter).is_some_and(|c| c.parked.contains(&t.id))
        {
            return Err(format!("{} is parked at {counter} but the counter does not list it", t.number));
        }
    }
    for (s, lines) in &state.lines {
        let want = reserved_per_service.get(s).copied().unwrap_or(0);
        if lines.reserved != want {
            return Err(format!("{s} counts {} reserved tickets, counters hold {want}", lines.reserved));
        }
    }
    Ok(())
}

/// Walk-in calls come out in queue order, checked against the log independently of the
/// engine's lane code: a service's shared line first in, first out, and a counter's reserved
/// tickets first in, first out (a returned no-show re-enters with its queue time; a closed
/// counter's reserved tickets go back to the shared line).
fn check_fifo(log: &[aula_engine::Event]) -> Result<(), String> {
    let mut lines: HashMap<ServiceId, BTreeSet<(DateTime<Utc>, TicketId)>> = HashMap::new();
    let mut info: HashMap<TicketId, (ServiceId, Lane, DateTime<Utc>)> = HashMap::new();
    let mut reserved: HashMap<CounterId, BTreeSet<(DateTime<Utc>, TicketId)>> = HashMap::new();
    for ev in log {
        let leave = |id: &TicketId,
                     lines: &mut HashMap<ServiceId, BTreeSet<_>>,
                     reserved: &mut HashMap<CounterId, BTreeSet<(DateTime<Utc>, TicketId)>>| {
            if let Some((s, _, q)) = info.get(id) {
                lines.get_mut(s).map(|l| l.remove(&(*q, *id)));
                for r in reserved.values_mut() {
                    r.remove(&(*q, *id));
                }
            }
        };
        match &ev.kind {
            EventKind::Issued(i) => {
                info.insert(i.id, (i.service.clone(), i.lane, i.queued_at));
                if i.lane == Lane::WalkIn {
                    lines.entry(i.service.clone()).or_default().insert((i.queued_at, i.id));
                }
            }
            EventKind::Transferred { ticket, to } => {
                leave(ticket, &mut lines, &mut reserved);
                info.insert(to.id, (to.service.clone(), to.lane, to.queued_at));
                lines.entry(to.service.clone()).or_default().insert((to.queued_at, to.id));
            }
            EventKind::Cancelled { ticket, .. } => leave(ticket, &mut lines, &mut reserved),
            EventKind::Reserved { ticket, counter } => {
                leave(ticket, &mut lines, &mut reserved);
                let q = info[ticket].2;
                reserved.entry(counter.clone()).or_default().insert((q, *ticket));
            }
            EventKind::Returned { ticket } => {
                let (s, _, q) = info[ticket].clone();
                lines.entry(s).or_default().insert((q, *ticket));
            }
            EventKind::CounterClosed { counter } => {
                for (q, id) in reserved.remove(counter).unwrap_or_default() {
                    lines.entry(info[&id].0.clone()).or_default().insert((q, id));
                }
            }
            EventKind::Called { ticket, counter } => {
                let (s, lane, q) = info[ticket].clone();
                if let Some(r) = reserved.get_mut(counter).filter(|r| r.contains(&(q, *ticket))) {
                    let first = r.first().copied();
                    if first != Some((q, *ticket)) {
                        return Err(format!("{counter} called reserved {ticket} queued {q} before {first:?}"));
                    }
                    r.remove(&(q, *ticket));
                } else if lane == Lane::WalkIn {
                    let first = lines[&s].first().copied();
                    if first != Some((q, *ticket)) {
                        return Err(format!("called {ticket} queued {q} but {first:?} waited longer in {s}"));
                    }
                    lines.get_mut(&s).unwrap().remove(&(q, *ticket));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn engine_invariants(ops in prop::collection::vec(op(), 1..160)) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("aula.db");
        let mut e = Engine::open(&db, small_site()).unwrap();
        let start = at("2026-11-24 09:00");
        let end = e.batch(|e| run(e, &ops, start)).unwrap()?;
        let log = e.read_log().unwrap();
        prop_assert_eq!(check_counters(e.state()), Ok(()));
        // The staff list shows every waiting ticket once.
        let listed = e.waiting_list(&[], end).iter().filter(|t| t.state == WaitingState::Waiting).count();
        let waiting: usize = e.state().lines.values().map(|l| l.len()).sum();
        prop_assert_eq!(listed, waiting);

        // A number is issued once per prefix and day (transfers carry the number along).
        let mut seen = HashSet::new();
        for ev in &log {
            if let EventKind::Issued(i) = &ev.kind {
                prop_assert!(seen.insert((i.day, i.number.clone())), "{} issued twice on {}", i.number, i.day);
            }
        }
        // FIFO within the walk-in lane.
        prop_assert_eq!(check_fifo(&log), Ok(()));
        // State is the replay of the log, in memory and after reopening from disk.
        prop_assert_eq!(e.state(), &replay(log.clone()));
        let state = e.state().clone();
        drop(e);
        let mut e = Engine::open(&db, small_site()).unwrap();
        prop_assert_eq!(e.state(), &state);

        // After closing, every ticket is final, and reached a final state exactly once (a
        // no-show returned to the queue did not stay final: the return undoes it); every
        // counter is closed and off its break.
        e.close_day(end + TimeDelta::hours(12)).unwrap();
        prop_assert!(e.tickets().all(|t| t.state().is_final()));
        prop_assert!(e.state().counters.values().all(|c| c.session.is_none() && c.on_break.is_none() && c.parked.is_empty() && c.reserved.is_empty()));
        let mut finals: HashMap<TicketId, i32> = HashMap::new();
        for ev in e.read_log().unwrap() {
            match ev.kind {
                EventKind::Finished { ticket } | EventKind::FinishedWith { ticket, .. } | EventKind::NoShow { ticket } | EventKind::Cancelled { ticket, .. } | EventKind::Transferred { ticket, .. } => {
                    *finals.entry(ticket).or_default() += 1;
                }
                EventKind::Returned { ticket } => *finals.entry(ticket).or_default() -= 1,
                _ => {}
            }
        }
        for t in e.tickets() {
            prop_assert_eq!(finals.get(&t.id).copied(), Some(1), "ticket {} {:?}", t.number, t.state());
        }
        prop_assert_eq!(e.state(), &replay(e.read_log().unwrap()));
    }
}
