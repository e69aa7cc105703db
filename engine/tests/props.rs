//! Property tests over random operation sequences: unique numbers, FIFO within a lane, one
//! final state per ticket, and state == replay of the log (also after reopening from disk).

use std::collections::{BTreeSet, HashMap, HashSet};

use aula_engine::{Engine, EventKind, replay};
use aula_protocol::{Lane, MessageId, Needs, ServiceId, TicketId};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

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
    ]
}

/// Runs `ops`; every refusal is fine (that is the engine doing its job).
fn run(e: &mut Engine, ops: &[Op], mut now: DateTime<Utc>) -> DateTime<Utc> {
    let mut ids: Vec<TicketId> = Vec::new();
    for op in ops {
        match op {
            Op::Issue(s) => {
                if let Ok(t) = e.issue_ticket(MessageId::new(), &svc(SERVICES[*s]), Needs::default(), now) {
                    ids.push(t.id);
                }
            }
            Op::Call(c) => drop(e.call_next(&counter(COUNTERS[*c]), &[], now)),
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
        }
    }
    now
}

/// Walk-in calls come out in queue order, checked against the log independently of the
/// engine's lane code.
fn check_fifo(log: &[aula_engine::Event]) -> Result<(), String> {
    let mut lines: HashMap<ServiceId, BTreeSet<(DateTime<Utc>, TicketId)>> = HashMap::new();
    let mut info: HashMap<TicketId, (ServiceId, Lane, DateTime<Utc>)> = HashMap::new();
    for ev in log {
        let leave = |id: &TicketId, lines: &mut HashMap<ServiceId, BTreeSet<_>>| {
            if let Some((s, _, q)) = info.get(id) {
                lines.get_mut(s).map(|l| l.remove(&(*q, *id)));
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
                leave(ticket, &mut lines);
                info.insert(to.id, (to.service.clone(), to.lane, to.queued_at));
                lines.entry(to.service.clone()).or_default().insert((to.queued_at, to.id));
            }
            EventKind::Cancelled { ticket, .. } => leave(ticket, &mut lines),
            EventKind::Called { ticket, .. } => {
                let (s, lane, q) = info[ticket].clone();
                if lane == Lane::WalkIn {
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
        let end = e.batch(|e| run(e, &ops, start)).unwrap();
        let log = e.read_log().unwrap();

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

        // After closing, every ticket is final, and reached a final state exactly once.
        e.close_day(end + TimeDelta::hours(12)).unwrap();
        prop_assert!(e.tickets().all(|t| t.state().is_final()));
        let mut finals: HashMap<TicketId, u32> = HashMap::new();
        for ev in e.read_log().unwrap() {
            match ev.kind {
                EventKind::Finished { ticket } | EventKind::NoShow { ticket } | EventKind::Cancelled { ticket, .. } | EventKind::Transferred { ticket, .. } => {
                    *finals.entry(ticket).or_default() += 1;
                }
                _ => {}
            }
        }
        for t in e.tickets() {
            prop_assert_eq!(finals.get(&t.id).copied(), Some(1), "ticket {} {:?}", t.number, t.state());
        }
    }
}
