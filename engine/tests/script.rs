//! A tiny staff-action script for table-driven tests: one action per line, with what it must
//! answer after `=>`, e.g.
//!
//! ```text
//! 09:00 take vero      => V001
//! 09:01 call 1         => V001
//! 09:02 break 1 lunch  => error: counter 1 cannot start a break: it still holds V001 (called)
//! ```
//!
//! Times are Helsinki wall-clock on the date of the previous line (a line may start with a
//! date, `2026-11-25 08:00`; the first date is Tue 24 Nov 2026). A line without `=>` must
//! not fail. After every script the engine's state must equal a replay of its log: each
//! case also guards "replay == live state" for the actions it uses.

use aula_engine::{BreakReason, Engine, Outcome, Presence, TicketRef, WaitingState, replay};
use aula_protocol::{MessageId, Needs, ServiceId, Span};
use chrono::{DateTime, NaiveTime, Utc};

use crate::common::*;

/// Runs `script` on a fresh engine of the small site and checks each expected answer.
pub fn check(script: &str) -> Engine {
    let mut e = engine();
    check_on(&mut e, script);
    e
}

/// Runs `script` on `e` (for cases that need their own site or a prepared engine).
pub fn check_on(e: &mut Engine, script: &str) {
    let mut date = "2026-11-24".to_owned();
    for (i, line) in script.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()) {
        let (action, want) = match line.split_once("=>") {
            Some((a, w)) => (a.trim(), Some(w.trim())),
            None => (line, None),
        };
        let mut words: Vec<&str> = action.split_whitespace().collect();
        if words[0].contains('-') {
            date = words.remove(0).to_owned();
        }
        let now = at(&format!("{date} {}", words.remove(0)));
        let got = run(e, &words, now);
        match want {
            Some(w) => assert!(matches(&got, w), "line {}: {line}\n  got: {got}", i + 1),
            None => assert!(!got.starts_with("error"), "line {}: {line}: {got}", i + 1),
        }
    }
    assert_eq!(e.state(), &replay(e.read_log().unwrap()), "state == replay of the log");
}

/// `got` equals `want`, where `…` in `want` stands for any text (a ticket's random id).
fn matches(got: &str, want: &str) -> bool {
    let parts: Vec<&str> = want.split('…').collect();
    if parts.len() == 1 {
        return got == want;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !got.starts_with(first) || !got.ends_with(last) || got.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &got[first.len()..got.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

fn done(r: Result<(), aula_engine::EngineError>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e) => format!("error: {e}"),
    }
}

fn services(list: &str) -> Vec<ServiceId> {
    if list == "all" || list.is_empty() { Vec::new() } else { list.split(',').map(svc).collect() }
}

fn spans(list: &str) -> Vec<Span> {
    list.split(',')
        .map(|s| {
            let (a, b) = s.split_once('-').unwrap();
            let t = |x: &str| NaiveTime::parse_from_str(x, "%H:%M").unwrap();
            Span { open: t(a), close: t(b) }
        })
        .collect()
}

fn reason(s: &str) -> BreakReason {
    match s {
        "lunch" => BreakReason::Lunch,
        "short" => BreakReason::Short,
        "meeting" => BreakReason::Meeting,
        _ => BreakReason::Other,
    }
}

fn outcome(s: &str) -> Outcome {
    match s {
        "done" => Outcome::Done,
        "pending" => Outcome::Pending,
        _ => Outcome::Elsewhere,
    }
}

/// One row of a staff list: `V001`, `V002>3` (reserved for counter 3), `V003:called@1`,
/// `V004:parked@1`, `V005:no-show`, `K001:serving@2`; `!` after a number with needs.
fn row(t: &aula_engine::WaitingTicket) -> String {
    let mut s = t.number.to_string();
    if t.needs.any() {
        s.push('!');
    }
    if let Some(c) = &t.reserved_for {
        s.push_str(&format!(">{c}"));
    }
    match &t.state {
        WaitingState::Waiting => {}
        WaitingState::Called { counter, .. } => s.push_str(&format!(":called@{counter}")),
        WaitingState::Serving { counter, .. } => s.push_str(&format!(":serving@{counter}")),
        WaitingState::Parked { counter, .. } => s.push_str(&format!(":parked@{counter}")),
        WaitingState::NoShow { .. } => s.push_str(":no-show"),
    }
    s
}

fn rows(list: &[aula_engine::WaitingTicket]) -> String {
    if list.is_empty() { "-".into() } else { list.iter().map(row).collect::<Vec<_>>().join(" ") }
}

fn run(e: &mut Engine, w: &[&str], now: DateTime<Utc>) -> String {
    let arg = |i: usize| w.get(i).copied().unwrap_or("");
    let c = || counter(arg(1));
    match w[0] {
        "take" => {
            let needs = Needs { accessibility: arg(2) == "access", ..Needs::default() };
            match e.issue_ticket(MessageId::new(), &svc(arg(1)), needs, now) {
                Ok(t) => t.number.to_string(),
                Err(r) => format!("refused: {r:?}"),
            }
        }
        "call" => match e.call_next(&c(), &if arg(2).is_empty() { vec![] } else { services(arg(2)) }, now) {
            Ok(call) => call.number.to_string(),
            Err(e) => format!("error: {e}"),
        },
        "callnum" => match e.call_number(&c(), &num(arg(2)), now) {
            Ok(call) => call.number.to_string(),
            Err(e) => format!("error: {e}"),
        },
        "recall" => done(e.recall(&c(), now).map(drop)),
        "start" => done(e.start(&c(), now)),
        "finish" if arg(2).is_empty() => done(e.finish(&c(), now)),
        "finish" => done(e.finish_with(&c(), outcome(arg(2)), now)),
        "noshow" => done(e.no_show(&c(), now)),
        "open" => done(e.open_counter(&c(), &services(arg(2)), now)),
        "close" => done(e.close_counter(&c(), now)),
        "break" => done(e.start_break(&c(), reason(arg(2)), now)),
        "back" => done(e.end_break(&c(), now)),
        "park" => match e.park(&c(), now) {
            Ok(id) => e.ticket(id).unwrap().number.to_string(),
            Err(e) => format!("error: {e}"),
        },
        "resume" => done(e.resume(&c(), num(arg(2)), now)),
        "return" => done(e.return_no_show(num(arg(1)), now)),
        "send" => done(e.transfer_to_counter(num(arg(1)), &counter(arg(2)), now)),
        "move" => match e.transfer(num(arg(1)), &svc(arg(2)), now) {
            Ok(t) => format!("{} {}", t.number, t.service),
            Err(e) => format!("error: {e}"),
        },
        "cancel" => {
            let id = e.find(&TicketRef::Number(num(arg(1))), now).unwrap().id;
            done(e.cancel(id, now))
        }
        "presence" => {
            let day = if arg(2) == "today" {
                now.with_timezone(&chrono_tz::Europe::Helsinki).date_naive()
            } else {
                arg(2).parse().unwrap()
            };
            let p = match arg(3) {
                "absent" => Presence::Absent,
                "planned" => Presence::AsPlanned,
                "none" => Presence::Hours(vec![]),
                s => Presence::Hours(spans(s)),
            };
            done(e.set_presence(&svc(arg(1)), day, p, now))
        }
        "tick" => {
            let changed: Vec<String> = e.tick(now).iter().map(|id| e.ticket(*id).unwrap().number.to_string()).collect();
            if changed.is_empty() { "-".into() } else { changed.join(" ") }
        }
        "closeday" => e.close_day(now).map(|v| v.len().to_string()).unwrap_or_else(|e| format!("error: {e}")),
        // What a ticket is now: phase, then outcome / returns / reservation when set.
        "ticket" => {
            let t = e.find(&TicketRef::Number(num(arg(1))), now).unwrap();
            let mut s = t.phase.name().to_owned();
            if let Some(o) = t.outcome {
                s.push_str(&format!(" {o}"));
            }
            if t.returned > 0 {
                s.push_str(&format!(" returned={}", t.returned));
            }
            if let Some(c) = &t.reserved_for {
                s.push_str(&format!(" for={c}"));
            }
            // Where the engine's phase and the wire state differ (parked), say both.
            let wire = format!("{:?}", t.state());
            if wire != t.phase.name() {
                s.push_str(&format!(" wire={wire}"));
            }
            s
        }
        "list" => rows(&e.waiting_list(&services(arg(1)), now)),
        // One counter as staff see it.
        "view" => match e.counter_view(&c()) {
            Ok(v) => {
                let mut s = match &v.session {
                    Some(sn) => {
                        format!("open[{}]", sn.services.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(","))
                    }
                    None => "closed".into(),
                };
                if let Some(t) = &v.current {
                    s.push_str(&format!(" current={}", row(t)));
                }
                if let Some(b) = &v.on_break {
                    s.push_str(&format!(" break={}", b.reason));
                }
                if !v.parked.is_empty() {
                    s.push_str(&format!(" parked={}", rows(&v.parked)));
                }
                if !v.reserved.is_empty() {
                    s.push_str(&format!(" reserved={}", rows(&v.reserved)));
                }
                s
            }
            Err(e) => format!("error: {e}"),
        },
        // What the wall and kiosks get for a service.
        "wall" => {
            let qs = e.queue_state(now);
            let s = qs.services.iter().find(|s| s.id.as_str() == arg(1)).unwrap();
            let hours: Vec<String> = s
                .hours_today
                .iter()
                .map(|h| format!("{}-{}", h.open.format("%H:%M"), h.close.format("%H:%M")))
                .collect();
            let next = s
                .opens_next
                .map(|t| t.with_timezone(&chrono_tz::Europe::Helsinki).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or("-".into());
            format!(
                "today={} now={} hours={} next={} waiting={} wait={}",
                s.open_today,
                s.open_now,
                if hours.is_empty() { "-".into() } else { hours.join(",") },
                next,
                s.waiting,
                s.wait.map(|w| format!("{}-{}", w.low_min, w.high_min)).unwrap_or("-".into())
            )
        }
        // The number a counter shows on the wall.
        "display" => {
            let qs = e.queue_state(now);
            let v = qs.counters.iter().find(|x| x.id == c()).unwrap();
            v.current.as_ref().map(|n| n.to_string()).unwrap_or("-".into())
        }
        // Counters counted as serving the service in the wait estimate.
        "staffed" => format!("{:.2}", e.wait_inputs(&svc(arg(1)), 0, now).unwrap().counters),
        // The last service time (minutes) recorded for a service.
        "service-time" => format!("{:.1}", e.state().service_minutes[&svc(arg(1))].back().unwrap()),
        "desk-time" => format!("{:.1}", e.state().desk_minutes[&svc(arg(1))].back().unwrap()),
        "progress" => {
            let id = e.find(&TicketRef::Number(num(arg(1))), now).unwrap().id;
            match e.ticket_progress(id, now) {
                Some((ahead, w)) => {
                    format!(
                        "ahead={ahead} wait={}",
                        w.map(|w| format!("{}-{}", w.low_min, w.high_min)).unwrap_or("-".into())
                    )
                }
                None => "-".into(),
            }
        }
        // Break figures of a day (default today): counter:reason×count=minutes.
        "breaks" => {
            let day = if arg(1).is_empty() {
                now.with_timezone(&chrono_tz::Europe::Helsinki).date_naive()
            } else {
                arg(1).parse().unwrap()
            };
            let f = e.break_figures(day..=day, now);
            if f.is_empty() {
                return "-".into();
            }
            f.iter()
                .map(|b| format!("{}:{}×{}={:.0}min", b.counter, b.reason, b.count, b.minutes))
                .collect::<Vec<_>>()
                .join(" ")
        }
        other => panic!("unknown script action {other}"),
    }
}
