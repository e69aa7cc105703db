//! The staff console's rules, one script per rule (see `script.rs` for the notation): counter
//! sessions, breaks, finishing with an outcome, returning a no-show, park and resume,
//! transfer to a given counter, and what the wall is (not) told. Each case says which
//! behaviour it protects; every script also checks state == replay of its log.

use aula_engine::{EngineError, TicketRef};
use aula_protocol::TicketState;

use crate::common::*;
use crate::script::{check, check_on};

// ---- counter sessions -------------------------------------------------------------------

/// An open session decides what "call next" serves; naming services still overrides it; a
/// counter never opened calls from its configured services exactly as before.
#[test]
fn a_session_chooses_the_services_call_next_serves() {
    check(
        "
        09:00 take vero     => V001
        09:01 take kela     => K001
        09:02 take vero     => V002
        09:03 open 2 kela   => ok
        09:04 view 2        => open[kela]
        09:05 call 2        => K001
        09:05 start 2
        09:06 call 2        => error: nobody is waiting for kela (counter 2)
        09:06 call 2 vero   => V001
        09:07 call 1        => V002
        ",
    );
}

/// Opening names a non-empty subset of the counter's configured services, stored in config
/// order; a change of services on an open counter is allowed.
#[test]
fn open_counter_refusals_and_changes() {
    let e = check(
        "
        09:00 open 1             => error: counter 1: choose at least one of its services (vero)
        09:00 open 1 kela        => error: counter 1 does not serve kela (it serves vero)
        09:00 open 9 vero        => error: unknown counter 9
        09:00 open 3 dvv,kela    => ok
        09:01 view 3             => open[kela,dvv]
        09:02 open 3 kela,dvv,kela
        09:03 open 3 dvv         => ok
        09:03 view 3             => open[dvv]
        ",
    );
    // The same set again (a double click) logs nothing: two openings, one change.
    let opened = e.read_log().unwrap().iter().filter(|ev| ev.kind.code() == 11).count();
    assert_eq!(opened, 2);
}

/// Closing is refused while the counter holds called, serving or parked tickets, naming
/// each; it ends a break in progress; tickets reserved for the counter go back to the shared
/// line (nobody is left to call them) in their original place.
#[test]
fn close_counter_needs_an_empty_counter_and_releases_reservations() {
    check(
        "
        09:00 close 2          => error: counter 2 is not open
        09:00 take vero        => V001
        09:00 take vero        => V002
        09:00 take vero        => V003
        09:01 open 2 vero,kela
        09:01 call 2           => V001
        09:02 close 2          => error: counter 2 cannot close: it still holds V001 (called)
        09:02 start 2
        09:03 park 2           => V001
        09:03 call 2           => V002
        09:04 start 2
        09:05 close 2          => error: counter 2 cannot close: it still holds V002 (serving), V001 (parked)
        09:05 finish 2
        09:06 resume 2 V001
        09:07 finish 2 done
        09:08 send V003 2
        09:08 list vero        => V003>2
        09:09 break 2 lunch
        09:10 close 2          => ok
        09:10 view 2           => closed
        09:10 list vero        => V003
        09:11 call 1           => V003
        09:11 breaks           => 2:lunch×1=1min
        ",
    );
}

/// The rollover closes sessions and breaks of an earlier day with the tickets (a hub that
/// ticks every second does it just after midnight), and a parked ticket ends as served.
#[test]
fn day_rollover_closes_sessions_breaks_and_parked_tickets() {
    check(
        "
        09:00 take vero          => V001
        09:00 open 1 vero
        09:01 call 1             => V001
        09:02 start 1
        09:03 park 1             => V001
        12:00 break 1 lunch
        2026-11-25 00:00:01 tick => V001
        00:00:01 view 1          => closed
        00:00:01 breaks 2026-11-24 => 1:lunch×1=720min
        ",
    );
}

// ---- breaks -----------------------------------------------------------------------------

/// A counter on a break calls nobody (next, by number, resume); it cannot go on a break
/// with a customer called or in service, may with one parked; the wall shows it exactly as
/// an idle counter; figures count breaks per counter and reason.
#[test]
fn breaks_stop_calls_and_are_counted() {
    let on_break = "error: counter 1 is on a break (lunch) since 2026-11-24 07:04:00 UTC: end the break first";
    check(&format!(
        "
        09:00 take vero         => V001
        09:00 take vero         => V002
        09:01 call 1            => V001
        09:02 break 1 lunch     => error: counter 1 cannot start a break: it still holds V001 (called)
        09:02 start 1
        09:03 break 1 short     => error: counter 1 cannot start a break: it still holds V001 (serving)
        09:03 park 1            => V001
        09:04 break 1 lunch     => ok
        09:04 display 1         => -
        09:05 call 1            => {on_break}
        09:05 callnum 1 V002    => {on_break}
        09:05 resume 1 V001     => {on_break}
        09:06 break 1 meeting   => {on_break}
        09:34 back 1
        09:34 back 1            => error: counter 1 is not on a break
        09:35 resume 1 V001
        09:40 finish 1
        09:41 break 1 short
        09:50 breaks            => 1:lunch×1=30min 1:short break×1=9min
        "
    ));
}

/// Who counts as staffed in the wait estimate: without sessions the old rule (active in the
/// last hour, else all configured) less counters on a break; once any counter has a
/// session, exactly the open counters serving the service, less those on a break; with
/// nobody serving, no estimate rather than a made-up one.
#[test]
fn wait_estimate_counts_open_counters_and_not_breaks() {
    check(
        "
        09:00 staffed vero  => 2.00
        09:00 take kela     => K001
        09:00 staffed vero  => 1.50
        09:01 open 1 vero
        09:01 staffed vero  => 1.00
        09:02 open 2 kela
        09:02 staffed vero  => 1.00
        09:03 open 2 vero,kela
        09:03 staffed vero  => 1.50
        09:04 break 1 lunch
        09:04 staffed vero  => 0.50
        09:05 close 2
        09:05 staffed vero  => 0.00
        09:05 wall vero     => today=true now=true hours=09:00-16:00 next=- waiting=0 wait=-
        ",
    );
    check(
        "
        09:00 break 2 other
        09:00 staffed vero  => 1.00
        09:00 staffed kela  => 1.00
        ",
    );
}

// ---- finishing with an outcome ------------------------------------------------------------

/// The outcome is kept on the ticket (reports); a plain finish leaves it unknown; finishing
/// still needs a start.
#[test]
fn finish_with_an_outcome() {
    let e = check(
        "
        09:00 take vero         => V001
        09:00 take vero         => V002
        09:01 call 1            => V001
        09:01 finish 1 done     => error: ticket V001 (…) is Called: cannot finish
        09:02 start 1
        09:08 finish 1 pending
        09:08 ticket V001       => Served pending
        09:08 service-time vero => 6.0
        09:09 call 1            => V002
        09:09 start 1
        09:15 finish 1
        09:15 ticket V002       => Served
        09:16 finish 1 elsewhere => error: counter 1 has no ticket: call one first
        ",
    );
    let codes: Vec<u8> =
        e.read_log().unwrap().iter().map(|ev| ev.kind.code()).filter(|c| [5, 15].contains(c)).collect();
    assert_eq!(codes, [15, 5], "outcome finishes have their own code; plain ones keep 5");
}

// ---- a no-show back in the queue ----------------------------------------------------------

/// A no-show of today goes back to Waiting with its original place in line (ahead of those
/// who came later), is counted as returned, and its counter time counts from the new call;
/// other states are refused.
#[test]
fn a_returned_no_show_keeps_its_place() {
    check(
        "
        09:00 take vero        => V001
        09:01 take vero        => V002
        09:02 call 1           => V001
        09:05 noshow 1
        09:05 list vero        => V002 V001:no-show
        09:06 return V002      => error: ticket V002 (…) is Waiting: cannot return to the queue
        09:06 return V001      => ok
        09:06 ticket V001      => Waiting returned=1
        09:06 list vero        => V001 V002
        09:07 call 2           => V001
        09:07 start 2
        09:12 finish 2
        09:12 desk-time vero   => 5.0
        09:12 return V001      => error: ticket V001 (…) is Served: cannot return to the queue
        09:13 call 1           => V002
        09:16 tick             => V002
        09:17 return V002      => ok
        09:17 wall vero        => today=true now=true hours=09:00-16:00 next=- waiting=1 wait=…
        ",
    );
}

/// Only today's no-shows: yesterday's customer does not jump today's queue.
#[test]
fn an_earlier_days_no_show_cannot_return() {
    let mut e = engine();
    let t = at("2026-11-24 09:00");
    let v1 = take(&mut e, "vero", t);
    e.call_next(&counter("1"), &[], t).unwrap();
    e.no_show(&counter("1"), t + chrono::TimeDelta::minutes(3)).unwrap();
    let err = e.return_no_show(v1.id, at("2026-11-25 09:00")).unwrap_err();
    assert!(matches!(err, EngineError::NotToday { .. }), "{err}");
    assert_eq!(err.to_string(), "ticket V001 is from 2026-11-24: only today's no-shows can go back to the queue");
    assert_eq!(e.ticket(v1.id).unwrap().state(), TicketState::NoShow);
}

// ---- park and resume ----------------------------------------------------------------------

/// A parked ticket frees its counter (which calls others), comes back only to that counter
/// once it is free, and its parked time is left out of service and counter times.
#[test]
fn park_frees_the_counter_and_resume_brings_the_customer_back() {
    check(
        "
        09:00 take vero        => V001
        09:00 take vero        => V002
        09:00 take vero        => V003
        09:01 call 1           => V001
        09:01 park 1           => error: ticket V001 (…) is Called: cannot park
        09:02 start 1
        09:04 park 1           => V001
        09:04 ticket V001      => Parked wire=Serving
        09:04 display 1        => -
        09:04 progress V001    => ahead=0 wait=0-0
        09:04 view 1           => closed parked=V001:parked@1
        09:05 call 1           => V002
        09:06 start 1
        09:07 resume 1 V001    => error: counter 1 cannot resume: it still holds V002 (serving)
        09:07 resume 2 V001    => error: ticket V001 is parked at counter 1: resume it there
        09:07 resume 1 V003    => error: ticket V003 (…) is Waiting: cannot resume
        09:10 finish 1
        09:12 resume 1 V001
        09:12 display 1        => V001
        09:15 finish 1 done
        09:15 service-time vero => 5.0
        09:15 desk-time vero   => 6.0
        09:16 park 3           => error: counter 3 has no ticket: call one first
        ",
    );
}

/// Day end closes a parked ticket as served (its service had started).
#[test]
fn a_parked_ticket_is_served_at_day_end() {
    check(
        "
        09:00 take vero   => V001
        09:01 call 1      => V001
        09:02 start 1
        09:03 park 1      => V001
        16:30 closeday    => 1
        16:30 ticket V001 => Served
        ",
    );
}

// ---- transfer to a given counter ----------------------------------------------------------

/// A reserved ticket keeps number and place, still waits for its service on the wall, is
/// taken first by its counter (before tickets that waited longer) and by no other counter,
/// not even by number.
#[test]
fn a_ticket_sent_to_a_counter_waits_for_that_counter_only() {
    check(
        "
        09:00 take kela        => K001
        09:01 take vero        => V001
        09:02 take vero        => V002
        09:03 send V002 2      => ok
        09:03 ticket V002      => Waiting for=2
        09:03 list all         => V002>2 K001 V001
        09:03 wall vero        => today=true now=true hours=09:00-16:00 next=- waiting=2 wait=…
        09:03 progress V002    => ahead=0 wait=…
        09:04 call 1           => V001
        09:04 start 1
        09:05 call 1           => error: nobody is waiting for vero (counter 1)
        09:05 callnum 3 V002   => error: ticket V002 waits for counter 2: transfer it to this counter to call it here
        09:06 call 2           => V002
        09:06 view 2           => closed current=V002:called@2
        ",
    );
}

/// A called ticket sent to another counter leaves the one that called it (which was busy
/// with it until then) and waits for the new one.
#[test]
fn a_called_ticket_sent_on_leaves_its_counter() {
    check(
        "
        09:00 take vero        => V001
        09:01 call 1           => V001
        09:02 send V001 2
        09:02 display 1        => -
        09:02 ticket V001      => Waiting for=2
        09:02 desk-time vero   => 1.0
        09:02 view 2           => closed reserved=V001>2
        09:03 call 2           => V001
        ",
    );
}

/// Refusals: a counter not serving the service, the counter it already waits for or is
/// at, a ticket in service.
#[test]
fn transfer_to_counter_refusals() {
    check(
        "
        09:00 take dvv         => D001
        09:00 take vero        => V001
        09:01 send D001 1      => error: counter 1 does not serve dvv (it serves vero)
        09:01 send D001 9      => error: unknown counter 9
        09:01 send V001 2
        09:01 send V001 2      => error: ticket V001 is already at counter 2
        09:02 call 2           => V001
        09:02 send V001 2      => error: ticket V001 is already at counter 2
        09:03 start 2
        09:03 send V001 1      => error: ticket V001 (…) is Serving: cannot transfer to a counter
        ",
    );
}

/// Moving a reserved ticket to another service drops the reservation (the new service's
/// counters call it); day end cancels a reserved ticket like any waiting one.
#[test]
fn a_reservation_ends_with_a_service_transfer_or_the_day() {
    check(
        "
        09:00 take vero        => V001
        09:01 send V001 2
        09:02 move V001 kela   => V001 kela
        09:02 ticket V001      => Waiting
        09:02 list all         => V001
        09:03 call 3           => V001
        09:04 take vero        => V002
        09:05 send V002 2
        16:30 closeday         => 2
        16:30 ticket V002      => Cancelled
        16:30 wall vero        => today=true now=false hours=09:00-16:00 next=2026-11-25 09:00 waiting=0 wait=-
        ",
    );
}

/// The wall never learns about breaks or parked customers: a counter on a break and one
/// with a parked ticket look exactly like an idle counter in the queue state.
#[test]
fn queue_state_shows_no_staff_only_facts() {
    let mut idle = engine();
    let mut busy = engine();
    let t = at("2026-11-24 09:00");
    check_on(
        &mut busy,
        "
        09:00 take vero
        09:00 call 1
        09:00 start 1
        09:00 park 1
        09:00 break 2 lunch
        09:00 open 3 kela
        ",
    );
    take(&mut idle, "vero", t);
    let (a, b) = (idle.queue_state(t), busy.queue_state(t));
    assert_eq!(a.counters, b.counters, "counters on the wall");
    let _ = TicketRef::Id(aula_protocol::TicketId::new());
}
