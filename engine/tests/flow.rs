//! Ticket life through the engine: issue, call, recall, start, finish, no-show, transfer,
//! cancel, illegal transitions, counter rules, daily reset, lane balance.

use aula_engine::{Action, EngineError};
use aula_protocol::{CallKind, Lane, MessageId, Needs, Rejection, TicketState};
use chrono::TimeDelta;

use crate::common::*;

#[test]
fn numbers_count_per_service_and_reset_daily() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let n: Vec<String> =
        ["vero", "vero", "kela", "vero", "dvv"].iter().map(|s| take(&mut e, s, t).number.to_string()).collect();
    assert_eq!(n, ["V001", "V002", "K001", "V003", "D001"]);
    // Next day starts again at 001; the old tickets are closed by the rollover.
    let next = at("2026-11-25 09:00");
    let closed = e.tick(next);
    assert_eq!(closed.len(), 5);
    assert!(e.tickets().all(|t| t.state() == TicketState::Cancelled));
    assert_eq!(take(&mut e, "vero", next).number.to_string(), "V001");
}

#[test]
fn issue_is_idempotent_on_request_id() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let id = MessageId::new();
    let a = e.issue_ticket(id, &svc("vero"), Needs::default(), t).unwrap();
    let log_len = e.read_log().unwrap().len();
    let b = e.issue_ticket(id, &svc("vero"), Needs::default(), t + TimeDelta::seconds(5)).unwrap();
    assert_eq!(a, b);
    assert_eq!(e.read_log().unwrap().len(), log_len, "nothing new stored");
    assert_eq!(take(&mut e, "vero", t).number.to_string(), "V002");
}

#[test]
fn issue_rejections() {
    let mut e = engine();
    let cases = [
        ("nope", "2026-11-24 10:00", Rejection::UnknownService { service: "nope".into() }),
        ("migri", "2026-11-23 10:00", Rejection::AppointmentsOnly { service: svc("migri") }),
        ("dvv", "2026-11-25 10:00", Rejection::NotToday { service: svc("dvv") }),
        (
            "vero",
            "2026-11-24 16:00",
            Rejection::Closed { service: svc("vero"), opens_next: Some(at("2026-11-25 09:00")) },
        ),
        ("vero", "2026-12-24 10:00", Rejection::NotToday { service: svc("vero") }),
    ];
    for (s, t, want) in cases {
        let got = e
            .issue_ticket(MessageId::new(), &aula_protocol::ServiceId::new(s).unwrap(), Needs::default(), at(t))
            .unwrap_err();
        assert_eq!(got, want, "{s} at {t}");
    }
}

#[test]
fn full_life_and_call_events() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let v1 = take(&mut e, "vero", t);
    let call = e.call_next(&counter("1"), &[], t + TimeDelta::minutes(1)).unwrap();
    assert_eq!(
        (call.number.to_string(), call.kind, call.counter_name.get(&aula_protocol::Lang::en())),
        ("V001".into(), CallKind::Call, "Counter 1")
    );
    let re = e.recall(&counter("1"), t + TimeDelta::minutes(2)).unwrap();
    assert_eq!(re.kind, CallKind::Recall);
    e.start(&counter("1"), t + TimeDelta::minutes(3)).unwrap();
    let qs = e.queue_state(t + TimeDelta::minutes(4));
    assert_eq!(qs.counters[0].current.as_ref().unwrap().to_string(), "V001");
    assert_eq!(qs.calls.len(), 2);
    e.finish(&counter("1"), t + TimeDelta::minutes(9)).unwrap();
    let tk = e.ticket(v1.id).unwrap();
    assert_eq!(tk.state(), TicketState::Served);
    assert_eq!(tk.calls, 2);
    assert_eq!(e.state().service_minutes[&svc("vero")].back().copied(), Some(6.0));
    assert!(e.queue_state(t + TimeDelta::minutes(9)).counters[0].current.is_none());
}

#[test]
fn illegal_transitions_are_named() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let c1 = counter("1");
    // Nothing at the counter.
    assert!(matches!(e.finish(&c1, t), Err(EngineError::CounterIdle { .. })));
    assert!(matches!(e.recall(&c1, t), Err(EngineError::CounterIdle { .. })));
    take(&mut e, "vero", t);
    take(&mut e, "vero", t);
    e.call_next(&c1, &[], t).unwrap();
    // Finish before start.
    let err = e.finish(&c1, t).unwrap_err();
    assert!(
        matches!(err, EngineError::IllegalTransition { state: TicketState::Called, action: Action::Finish, .. }),
        "{err}"
    );
    assert_eq!(err.to_string().split(" (").next().unwrap(), "ticket V001");
    assert!(err.to_string().ends_with("is Called: cannot finish"), "{err}");
    // Calling the next one while V001 is called and its customer may still come.
    let err = e.call_next(&c1, &[], t + TimeDelta::minutes(1)).unwrap_err();
    assert_eq!(err.to_string(), "counter 1 still has V001 called: start it, recall it or mark it as no-show first");
    e.start(&c1, t).unwrap();
    assert!(matches!(e.recall(&c1, t), Err(EngineError::IllegalTransition { action: Action::Recall, .. })));
    assert!(matches!(e.no_show(&c1, t), Err(EngineError::IllegalTransition { action: Action::NoShow, .. })));
    let v1 = e.state().counter_ticket(&c1).unwrap().id;
    assert!(matches!(e.cancel(v1, t), Err(EngineError::IllegalTransition { action: Action::Cancel, .. })));
    assert!(matches!(
        e.transfer(v1, &svc("kela"), t),
        Err(EngineError::IllegalTransition { action: Action::Transfer, .. })
    ));
    // Calling next while serving finishes the one in service.
    let call = e.call_next(&c1, &[], t + TimeDelta::minutes(7)).unwrap();
    assert_eq!(call.number.to_string(), "V002");
    assert_eq!(e.ticket(v1).unwrap().state(), TicketState::Served);
    // Calling a number that is already called.
    let err = e.call_number(&counter("2"), &num("V002"), t).unwrap_err();
    assert!(
        matches!(err, EngineError::IllegalTransition { state: TicketState::Called, action: Action::Call, .. }),
        "{err}"
    );
    assert!(matches!(e.call_number(&counter("2"), &num("V099"), t), Err(EngineError::UnknownNumber(_))));
    assert!(matches!(e.call_next(&counter("9"), &[], t), Err(EngineError::UnknownCounter(_))));
    assert!(matches!(e.call_next(&counter("3"), &[], t), Err(EngineError::NothingWaiting { .. })));
}

#[test]
fn no_show_after_the_wait_window() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let v1 = take(&mut e, "vero", t);
    take(&mut e, "vero", t);
    e.call_next(&counter("1"), &[], t).unwrap();
    e.recall(&counter("1"), t + TimeDelta::minutes(2)).unwrap();
    // 3 minutes from the *last* call.
    assert!(e.tick(t + TimeDelta::minutes(4)).is_empty());
    assert_eq!(e.tick(t + TimeDelta::minutes(5)), vec![v1.id]);
    assert_eq!(e.ticket(v1.id).unwrap().state(), TicketState::NoShow);
    // Manual no-show, and call_next after the window marks the called one as no-show itself.
    e.call_next(&counter("1"), &[], t + TimeDelta::minutes(6)).unwrap();
    take(&mut e, "vero", t + TimeDelta::minutes(6));
    let call = e.call_next(&counter("1"), &[], t + TimeDelta::minutes(9)).unwrap();
    assert_eq!(call.number.to_string(), "V003");
    assert_eq!(e.find(&num("V002").into(), t).unwrap().state(), TicketState::NoShow);
    e.no_show(&counter("1"), t + TimeDelta::minutes(10)).unwrap();
    assert_eq!(e.find(&num("V003").into(), t).unwrap().state(), TicketState::NoShow);
}

#[test]
fn transfer_keeps_number_and_place_in_line() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let v1 = take(&mut e, "vero", t); // took vero by mistake at 9:00
    take(&mut e, "kela", t + TimeDelta::minutes(5));
    take(&mut e, "kela", t + TimeDelta::minutes(6));
    let moved = e.transfer(num("V001"), &svc("kela"), t + TimeDelta::minutes(10)).unwrap();
    assert_eq!(moved.number.to_string(), "V001");
    assert_eq!((moved.service.as_str(), moved.lane, moved.issued_at, moved.people_ahead), ("kela", Lane::WalkIn, t, 0));
    assert_eq!(e.ticket(v1.id).unwrap().state(), TicketState::Transferred);
    // Kela's next call is V001: it has waited longest.
    assert_eq!(e.call_next(&counter("3"), &[], t + TimeDelta::minutes(11)).unwrap().number.to_string(), "V001");
    // The vero sequence is not disturbed, and the number is found by its new ticket.
    assert_eq!(take(&mut e, "vero", t + TimeDelta::minutes(12)).number.to_string(), "V002");
    assert_eq!(e.find(&num("V001").into(), t).unwrap().id, moved.id);
    assert!(matches!(e.transfer(moved.id, &svc("kela"), t), Err(EngineError::SameService { .. })));
    assert!(matches!(e.transfer(moved.id, &svc("nope"), t), Err(EngineError::UnknownService(_))));
}

#[test]
fn cancel_waiting_ticket() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let v1 = take(&mut e, "vero", t);
    e.cancel(v1.id, t).unwrap();
    assert_eq!(e.ticket(v1.id).unwrap().state(), TicketState::Cancelled);
    assert!(matches!(e.cancel(v1.id, t), Err(EngineError::IllegalTransition { state: TicketState::Cancelled, .. })));
    assert_eq!(e.queue_state(t).services[0].waiting, 0);
}

#[test]
fn close_day_ends_every_ticket_once() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    for _ in 0..3 {
        take(&mut e, "vero", t);
    }
    e.call_next(&counter("1"), &[], t).unwrap();
    e.start(&counter("1"), t).unwrap();
    e.call_next(&counter("2"), &[], t).unwrap();
    e.close_day(at("2026-11-24 16:30")).unwrap();
    let states: Vec<TicketState> =
        ["V001", "V002", "V003"].iter().map(|n| e.find(&num(n).into(), t).unwrap().state()).collect();
    assert_eq!(states, [TicketState::Served, TicketState::NoShow, TicketState::Cancelled]);
    assert!(e.close_day(at("2026-11-24 16:31")).unwrap().is_empty());
}

#[test]
fn offline_tickets_queue_from_their_issue_time() {
    let mut e = engine();
    let t = at("2026-11-24 09:30");
    take(&mut e, "vero", t);
    let req = MessageId::new();
    let off =
        e.record_offline_ticket(req, &svc("vero"), num("V900"), at("2026-11-24 09:10"), Needs::default(), t).unwrap();
    assert_eq!(off.issued_at, at("2026-11-24 09:10"));
    assert_eq!(
        e.record_offline_ticket(req, &svc("vero"), num("V900"), at("2026-11-24 09:10"), Needs::default(), t).unwrap(),
        off
    );
    // The same number again is refused; a wrong prefix too.
    assert!(matches!(
        e.record_offline_ticket(MessageId::new(), &svc("vero"), num("V900"), t, Needs::default(), t),
        Err(Rejection::BadRequest { .. })
    ));
    assert!(matches!(
        e.record_offline_ticket(MessageId::new(), &svc("vero"), num("K901"), t, Needs::default(), t),
        Err(Rejection::BadRequest { .. })
    ));
    // It waited longer than V001, so it is called first; online numbering continues at V002.
    assert_eq!(e.call_next(&counter("1"), &[], t).unwrap().number.to_string(), "V900");
    assert_eq!(take(&mut e, "vero", t).number.to_string(), "V002");
}

#[test]
fn shared_counter_serves_the_longest_waiting_first() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    take(&mut e, "kela", t);
    take(&mut e, "vero", t + TimeDelta::minutes(1));
    take(&mut e, "kela", t + TimeDelta::minutes(2));
    let order: Vec<String> = (0..3)
        .map(|i| {
            let c = e.call_next(&counter("2"), &[], t + TimeDelta::minutes(10 + 10 * i)).unwrap();
            e.start(&counter("2"), t + TimeDelta::minutes(10 + 10 * i)).unwrap();
            c.number.to_string()
        })
        .collect();
    assert_eq!(order, ["K001", "V001", "K002"]);
    // Restricting the services of one call.
    take(&mut e, "kela", t + TimeDelta::minutes(40));
    take(&mut e, "vero", t + TimeDelta::minutes(41));
    assert_eq!(
        e.call_next(&counter("2"), &[svc("vero")], t + TimeDelta::minutes(45)).unwrap().number.to_string(),
        "V002"
    );
}

#[test]
fn help_requests_and_seen_before() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let dev = aula_protocol::DeviceId::new("kiosk-1").unwrap();
    let id = MessageId::new();
    assert!(e.record_help(id, &dev, t).unwrap());
    assert!(!e.record_help(id, &dev, t).unwrap());
    assert!(e.record_help(MessageId::new(), &dev, t).unwrap());
    assert_eq!(e.help_count(t.date_naive()), 2);
    let m = MessageId::new();
    assert!(!e.seen_before(m, t).unwrap());
    assert!(e.seen_before(m, t).unwrap());
}
