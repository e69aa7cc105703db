//! The pure flow, without a window. Protects the rules that must hold whatever the UI looks
//! like: one request id per attempt, double taps never issue two tickets, resends reuse the
//! id, offline numbers come from the block and are enqueued, inactivity forgets everything.

use std::time::{Duration, Instant};

use aula_kiosk::flow::{
    Effect, Flow, HelpState, HubFailure, Input, PrintFailure, PrintStatus, Problem, Purpose, Screen, Tap,
};
use aula_protocol::{
    DeviceEvent, Lane, Lang, PrinterState, Rejection, ReplyResult, RequestKind, ServiceId, TicketNumber,
};
use chrono::{DateTime, Utc};

use crate::common::{flow_config, morning, number, state, ticket};

struct F {
    flow: Flow,
    t0: Instant,
    now: Instant,
    wall: DateTime<Utc>,
}

impl F {
    fn new() -> Self {
        let t0 = Instant::now();
        let mut flow = Flow::new(flow_config(), t0);
        flow.handle(Input::QueueState(Box::new(state())), t0, morning());
        Self { flow, t0, now: t0, wall: morning() }
    }
    fn at(&mut self, secs: f64) -> &mut Self {
        let target = self.t0 + Duration::from_secs_f64(secs);
        self.wall += chrono::Duration::from_std(target - self.now).unwrap();
        self.now = target;
        self
    }
    fn input(&mut self, i: Input) -> Vec<Effect> {
        self.flow.handle(i, self.now, self.wall)
    }
    fn tap(&mut self, t: Tap) -> Vec<Effect> {
        self.input(Input::Tap(t))
    }
    fn go_to_needs(&mut self) {
        self.tap(Tap::TakeNumber);
        self.at(1.0);
        self.tap(Tap::Service(ServiceId::new("vero").unwrap()));
        assert_eq!(*self.flow.screen(), Screen::Needs);
    }
}

fn sends(fx: &[Effect]) -> Vec<(aula_protocol::MessageId, RequestKind)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send { id, kind, .. } => Some((*id, kind.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn taps_while_a_ticket_request_is_in_flight_are_ignored_and_counted() {
    let mut f = F::new();
    f.go_to_needs();
    f.at(2.0);
    let first = sends(&f.tap(Tap::GetTicket));
    assert_eq!(first.len(), 1);
    // Impatient taps: same button, other buttons, fast and slow.
    for (i, t) in [Tap::GetTicket, Tap::GetTicket, Tap::Back, Tap::Home, Tap::Help].into_iter().enumerate() {
        f.at(2.05 + i as f64 * 0.3);
        assert!(f.tap(t).is_empty(), "no effect while in flight");
    }
    assert_eq!(f.flow.taps_rejected(), 5);
    assert_eq!(*f.flow.screen(), Screen::Waiting(Purpose::Ticket));
    // The reply ends the wait; the session's rejected taps are reported when it ends.
    let fx = f.input(Input::Reply { id: first[0].0, result: Ok(ReplyResult::Ticket(ticket("V007", Lane::WalkIn))) });
    assert!(matches!(fx.as_slice(), [Effect::Print(t)] if t.number == number("V007")));
    f.at(10.0);
    let fx = f.tap(Tap::Home);
    assert!(fx.contains(&Effect::Event(DeviceEvent::TapsRejected { count: 5 })), "{fx:?}");
}

#[test]
fn bounces_of_the_same_tap_are_ignored_but_keys_are_not() {
    let mut f = F::new();
    f.tap(Tap::Appointment);
    f.at(0.1);
    f.tap(Tap::Appointment); // bounce
    assert_eq!(f.flow.taps_rejected(), 1);
    for c in "55A".chars() {
        f.tap(Tap::CodeChar(c)); // keys repeat legitimately and scanners type fast
    }
    assert_eq!(f.flow.code(), "55A");
}

#[test]
fn timeout_resends_with_the_same_id_then_issues_an_offline_number() {
    let mut f = F::new();
    f.go_to_needs();
    f.tap(Tap::Interpreter(Some(Lang::new("uk").unwrap())));
    f.at(2.0);
    let first = sends(&f.tap(Tap::GetTicket));
    f.at(4.9);
    assert!(f.input(Input::Tick).is_empty(), "not yet timed out");
    f.at(5.0);
    let resend = sends(&f.input(Input::Tick));
    assert_eq!(resend.len(), 1);
    assert_eq!(resend[0], first[0], "a resend reuses the request id");
    f.at(8.0);
    let fx = f.input(Input::Tick);
    let Screen::Ticket(t) = f.flow.screen().clone() else { panic!("{:?}", f.flow.screen()) };
    assert_eq!(t.number, number("V900"));
    assert!(t.offline);
    assert_eq!(t.needs.interpreter, Some(Lang::new("uk").unwrap()), "needs survive offline");
    let enq: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Enqueue { id, kind: RequestKind::IssueTicket { offline: Some(o), .. }, .. } => {
                Some((*id, o.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(enq.len(), 1, "{fx:?}");
    assert_eq!(enq[0].1.number, number("V900"));
    assert_ne!(enq[0].0, first[0].0, "the reconciliation has its own id");
    assert!(fx.iter().any(|e| matches!(e, Effect::Print(t) if t.number == number("V900"))));
    // A late reply to the abandoned attempt changes nothing.
    let late = f.input(Input::Reply { id: first[0].0, result: Ok(ReplyResult::Ticket(ticket("V007", Lane::WalkIn))) });
    assert!(late.is_empty());
    assert!(matches!(f.flow.screen(), Screen::Ticket(t) if t.number == number("V900")));
}

#[test]
fn offline_numbers_count_up_per_prefix_and_stop_at_the_end_of_the_block() {
    let mut cfg = flow_config();
    cfg.offline_block = aula_kiosk::flow::OfflineBlock { first: 998, last: 999 };
    let t0 = Instant::now();
    let mut flow = Flow::new(cfg, t0);
    flow.handle(Input::QueueState(Box::new(state())), t0, morning());
    let mut now = t0;
    let mut issued = Vec::new();
    for _ in 0..3 {
        for t in [Tap::Home, Tap::TakeNumber, Tap::Service(ServiceId::new("vero").unwrap()), Tap::GetTicket] {
            now += Duration::from_secs(1);
            let fx = flow.handle(Input::Tap(t), now, morning());
            for e in fx {
                if let Effect::Send { id, .. } = e {
                    flow.handle(Input::Reply { id, result: Err(HubFailure::NotConnected) }, now, morning());
                }
            }
        }
        issued.push(flow.screen().clone());
    }
    assert!(matches!(&issued[0], Screen::Ticket(t) if t.number == number("V998")));
    assert!(matches!(&issued[1], Screen::Ticket(t) if t.number == number("V999")));
    assert_eq!(issued[2], Screen::Problem(Problem::OfflineExhausted));
}

#[test]
fn without_the_hub_check_in_and_help_send_the_customer_to_the_desk() {
    // (tap sequence, expected screen)
    let cases: Vec<(Vec<Tap>, Screen)> = vec![
        (vec![Tap::Help], Screen::Help(HelpState::GoToDesk)),
        (
            vec![Tap::Appointment, Tap::CodeChar('k'), Tap::CodeChar('7'), Tap::SubmitCode],
            Screen::Problem(Problem::CheckInOffline),
        ),
    ];
    for (taps, expected) in cases {
        let mut f = F::new();
        let mut ids = Vec::new();
        for (i, t) in taps.into_iter().enumerate() {
            f.at(i as f64);
            ids.extend(sends(&f.tap(t)));
        }
        assert_eq!(ids.len(), 1);
        if let RequestKind::CheckIn { code, .. } = &ids[0].1 {
            assert_eq!(code, "K7", "codes are upper-cased");
        }
        f.input(Input::Reply { id: ids[0].0, result: Err(HubFailure::NotConnected) });
        assert_eq!(*f.flow.screen(), expected);
    }
}

#[test]
fn replies_map_to_screens() {
    let r = |x| ReplyResult::Rejected(x);
    let cases = [
        (r(Rejection::UnknownBooking), Screen::Problem(Problem::Rejected(Rejection::UnknownBooking))),
        (r(Rejection::BookingCancelled), Screen::Problem(Problem::Rejected(Rejection::BookingCancelled))),
        (ReplyResult::HelpComing, Screen::Help(HelpState::Coming)),
        // Stored at the hub but no advisor is signed in: the customer is sent to the desk,
        // never told that someone is coming.
        (r(Rejection::NoAdvisor), Screen::Help(HelpState::GoToDesk)),
    ];
    for (reply, expected) in cases {
        let mut f = F::new();
        f.tap(Tap::Appointment);
        f.at(1.0);
        f.tap(Tap::CodeChar('1'));
        let id = sends(&f.tap(Tap::SubmitCode))[0].0;
        f.input(Input::Reply { id, result: Ok(reply) });
        assert_eq!(*f.flow.screen(), expected);
    }
}

#[test]
fn closed_appointment_only_and_absent_services_are_decided_locally() {
    let cases = [("oikeusapu", "closed"), ("migri", "appointments-only"), ("dvv", "not offered")];
    for (id, what) in cases {
        let mut f = F::new();
        f.tap(Tap::TakeNumber);
        f.at(1.0);
        let fx = f.tap(Tap::Service(ServiceId::new(id).unwrap()));
        assert!(sends(&fx).is_empty(), "{what}: no request");
        match (what, f.flow.screen()) {
            ("closed", Screen::Problem(Problem::Rejected(Rejection::Closed { opens_next: Some(_), .. }))) => {}
            ("appointments-only", Screen::Problem(Problem::Rejected(Rejection::AppointmentsOnly { .. }))) => {}
            ("not offered", Screen::Services) => {}
            (w, s) => panic!("{w}: {s:?}"),
        }
    }
    let f = F::new();
    assert!(f.flow.services_today().iter().all(|s| s.id.as_str() != "dvv"), "absent services are not listed");
}

#[test]
fn inactivity_forgets_everything() {
    let mut f = F::new();
    f.tap(Tap::Language(Lang::en()));
    f.at(0.5);
    f.tap(Tap::ToggleLargeText);
    f.at(1.0);
    f.go_to_needs();
    f.tap(Tap::ToggleReadingHelp);
    f.at(45.0);
    assert_eq!(*f.flow.screen(), Screen::Needs, "not yet");
    f.at(47.0);
    let fx = f.input(Input::Tick);
    assert_eq!(*f.flow.screen(), Screen::Start);
    assert!(fx.contains(&Effect::SetLanguage(Lang::fi())));
    assert_eq!(*f.flow.lang(), Lang::fi());
    assert!(!f.flow.display().large_text);
    assert!(!f.flow.needs().any());
    assert_eq!(f.flow.code(), "");
}

#[test]
fn ticket_screen_returns_sooner_but_a_failed_print_gets_the_full_time() {
    let mut f = F::new();
    f.go_to_needs();
    f.at(2.0);
    let id = sends(&f.tap(Tap::GetTicket))[0].0;
    f.input(Input::Reply { id, result: Ok(ReplyResult::Ticket(ticket("V007", Lane::WalkIn))) });
    let fx = f.input(Input::Printed {
        number: number("V007"),
        result: Err(PrintFailure { reason: "printer is out of paper".into(), state: Some(PrinterState::PaperOut) }),
    });
    assert!(fx.contains(&Effect::Event(DeviceEvent::Printer { state: PrinterState::PaperOut })));
    assert!(fx.contains(&Effect::Event(DeviceEvent::PrintFailed {
        number: Some(number("V007")),
        reason: "printer is out of paper".into()
    })));
    assert!(matches!(f.flow.screen(), Screen::Ticket(t) if t.print == PrintStatus::Failed));
    f.at(30.0);
    f.input(Input::Tick);
    assert!(matches!(f.flow.screen(), Screen::Ticket(_)), "the number stays while the customer copies it");
    f.at(48.0);
    f.input(Input::Tick);
    assert_eq!(*f.flow.screen(), Screen::Start);
}

#[test]
fn an_older_queue_state_does_not_replace_a_newer_one() {
    let mut f = F::new();
    let mut newer = state();
    newer.seq = 5;
    newer.services.truncate(1);
    f.input(Input::QueueState(Box::new(newer)));
    f.input(Input::QueueState(Box::new(state()))); // seq 1, late
    assert_eq!(f.flow.services_today().len(), 1);
    let _ = TicketNumber { prefix: "V".into(), seq: 1 };
}

#[test]
fn restored_offline_counters_continue_after_a_restart_and_reset_the_next_day() {
    for (saved_day, expected) in
        [(morning().date_naive(), "V905"), (morning().date_naive().pred_opt().unwrap(), "V900")]
    {
        let mut f = F::new();
        f.flow.restore_offline(saved_day, [("V".to_string(), 905)].into_iter().collect());
        f.go_to_needs();
        f.at(2.0);
        let id = sends(&f.tap(Tap::GetTicket))[0].0;
        f.input(Input::Reply { id, result: Err(HubFailure::NotConnected) });
        assert!(matches!(f.flow.screen(), Screen::Ticket(t) if t.number == number(expected)), "{:?}", f.flow.screen());
    }
}
