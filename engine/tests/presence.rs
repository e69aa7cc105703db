//! Today's presence of an authority (the handbook: which authorities serve today can change
//! on the day): absent, other hours, back as planned; effective at once on the wall, on
//! kiosks (`open_today`) and when a number is asked for; logged and replayed.

use aula_engine::{Engine, Presence};
use aula_protocol::{MessageId, Needs};

use crate::common::*;
use crate::script::check;

/// Absent: not offered today (kiosks list only `open_today` services), a number is refused
/// as "not today", and the wall's next opening skips today. As planned undoes it.
#[test]
fn absent_today_and_back_as_planned() {
    check(
        r#"
        09:00 presence dvv today absent
        09:00 wall dvv     => today=false now=false hours=- next=2026-12-01 09:00 waiting=0 wait=-
        09:00 take dvv     => refused: NotToday { service: ServiceId("dvv") }
        09:01 presence dvv today planned
        09:01 wall dvv     => today=true now=true hours=09:00-15:00 next=- waiting=0 wait=…
        09:01 take dvv     => D001
        "#,
    );
}

/// Other hours today replace the planned ones: closed until the new opening (the refusal
/// says when), open within, closed after with the next planned day's opening.
#[test]
fn other_hours_today() {
    check(
        r#"
        09:02 presence vero today 12:00-14:00
        09:02 wall vero    => today=true now=false hours=12:00-14:00 next=2026-11-24 12:00 waiting=0 wait=-
        09:02 take vero    => refused: Closed { service: ServiceId("vero"), opens_next: Some(2026-11-24T10:00:00Z) }
        12:30 take vero    => V001
        14:00 take vero    => refused: Closed { service: ServiceId("vero"), opens_next: Some(2026-11-25T07:00:00Z) }
        "#,
    );
}

/// A later day can be set ahead (tomorrow absent): today's wall already says when it opens
/// next.
#[test]
fn a_later_day_changes_the_next_opening() {
    check(
        "
        09:00 presence vero 2026-11-25 absent
        16:00 wall vero    => today=true now=false hours=09:00-16:00 next=2026-11-26 09:00 waiting=0 wait=-
        ",
    );
}

/// Refusals name the service and what is wrong: a past day, spans backwards, overlapping or
/// empty, an unknown service.
#[test]
fn presence_refusals() {
    check(
        "
        09:00 presence vero 2026-11-23 absent => error: presence of vero: 2026-11-23 is before today (2026-11-24): only today and later days can change
        09:00 presence vero today 12:00-11:00 => error: presence of vero: span 1 opens at 12:00:00 but closes at 11:00:00
        09:00 presence vero today 09:00-12:00,11:00-14:00 => error: presence of vero: span 2 starts before span 1 ends
        09:00 presence vero today none => error: presence of vero: no spans: say Absent for a day without walk-in service
        09:00 presence nope today absent => error: unknown service nope
        ",
    );
}

/// What staff set survives a restart (the log replays it) and reads back as set.
#[test]
fn presence_is_logged_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aula.db");
    let t = at("2026-11-24 09:00");
    let day = t.with_timezone(&chrono_tz::Europe::Helsinki).date_naive();
    {
        let mut e = Engine::open(&db, small_site()).unwrap();
        e.set_presence(&svc("vero"), day, Presence::Absent, t).unwrap();
        e.set_presence(&svc("kela"), day, Presence::Hours(vec![span("10:00", "12:00")]), t).unwrap();
        e.set_presence(&svc("kela"), day, Presence::Hours(vec![span("10:00", "13:00")]), t).unwrap();
    }
    let mut e = Engine::open(&db, small_site()).unwrap();
    assert_eq!(e.presence(&svc("vero"), day), Presence::Absent);
    assert_eq!(e.presence(&svc("kela"), day), Presence::Hours(vec![span("10:00", "13:00")]), "the latest wins");
    assert_eq!(e.presence(&svc("dvv"), day), Presence::AsPlanned);
    assert!(e.issue_ticket(MessageId::new(), &svc("vero"), Needs::default(), t).is_err());
    e.set_presence(&svc("vero"), day, Presence::AsPlanned, t).unwrap();
    assert_eq!(e.presence(&svc("vero"), day), Presence::AsPlanned);
    assert!(!e.state().presence.contains_key(&svc("vero")), "undo leaves nothing behind");
}

fn span(a: &str, b: &str) -> aula_protocol::Span {
    let t = |x| chrono::NaiveTime::parse_from_str(x, "%H:%M").unwrap();
    aula_protocol::Span { open: t(a), close: t(b) }
}
