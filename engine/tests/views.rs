//! What staff see: the waiting list (in the order "call next" takes tickets, then called,
//! parked and today's no-shows) and one counter's view. Numbers, services, lanes, times and
//! needs flags only.

use aula_engine::{Engine, EngineError, SiteConfig, WaitingState};
use aula_protocol::{MessageId, Needs};

use crate::common::*;
use crate::script::check_on;

/// Vero bookings on Tue 24 Nov 2026 at 10:00, 10:05, 10:10 and 10:30.
const VERO_FEED: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//views//EN\r
BEGIN:VEVENT\r
UID:b1\r
DTSTART;TZID=Europe/Helsinki:20261124T100000\r
X-AULA-SERVICE:vero\r
X-AULA-CODE:B1\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b2\r
DTSTART;TZID=Europe/Helsinki:20261124T100500\r
X-AULA-SERVICE:vero\r
X-AULA-CODE:B2\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b3\r
DTSTART;TZID=Europe/Helsinki:20261124T101000\r
X-AULA-SERVICE:vero\r
X-AULA-CODE:B3\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b4\r
DTSTART;TZID=Europe/Helsinki:20261124T103000\r
X-AULA-SERVICE:vero\r
X-AULA-CODE:B4\r
END:VEVENT\r
END:VCALENDAR\r
";

/// The list's order is the order "call next" takes tickets: reserved first (here V006 for
/// counter 2; V007 waits for counter 1), then priority, walk-ins and due appointments by the
/// lane balance (2 walk-ins, then an appointment), longest wait across services, and an
/// appointment checked in early last. Checked by calling them all.
#[test]
fn the_waiting_list_is_the_call_order() {
    let text = SMALL.replacen("id = \"test\"", "id = \"test\"\npriority_for_accessibility = true", 1);
    let mut e = Engine::open_in_memory(SiteConfig::from_toml(&text, "site.toml").unwrap()).unwrap();
    e.import_bookings_ics(VERO_FEED, at("2026-11-24 08:00")).unwrap();
    check_on(
        &mut e,
        "
        09:30 take vero        => V001
        09:31 take vero        => V002
        09:32 take vero access => V003
        09:32 take kela        => K001
        09:33 take vero        => V004
        09:34 take vero        => V005
        09:35 take vero        => V006
        09:36 take vero        => V007
        09:37 send V006 2
        09:37 send V007 1
        09:40 take kela        => K002
        ",
    );
    for (code, local) in [("B1", "09:45"), ("B2", "09:50"), ("B3", "10:12"), ("B4", "10:14")] {
        e.check_in(MessageId::new(), code, Needs::default(), at(&format!("2026-11-24 {local}"))).unwrap();
    }
    let now = at("2026-11-24 10:15");
    check_on(&mut e, "10:15 list all => V006>2 V007>1 V003! V001 V002 K001 K002 V008 V004 V005 V009 V010 V011");
    let c2 = counter("2");
    let expected: Vec<String> = e
        .waiting_list(&[], now)
        .into_iter()
        .filter(|t| t.state == WaitingState::Waiting && t.reserved_for.as_ref().is_none_or(|c| *c == c2))
        .map(|t| t.number.to_string())
        .collect();
    let mut called = Vec::new();
    loop {
        match e.call_next(&c2, &[], now) {
            Ok(call) => called.push(call.number.to_string()),
            Err(EngineError::NothingWaiting { .. }) => break,
            Err(err) => panic!("{err}"),
        }
        e.start(&c2, now).unwrap();
    }
    assert_eq!(called, expected);
}

/// Called, parked and today's no-shows follow the waiting tickets (tickets in service do
/// not); needs show as flags; yesterday's no-shows are gone; the counter view shows session,
/// current ticket and parked ones.
#[test]
fn the_list_shows_called_parked_and_returnable_tickets() {
    let mut e = engine();
    check_on(
        &mut e,
        "
        09:00 take vero access => V001
        09:01 take vero        => V002
        09:02 take vero        => V003
        09:03 take kela        => K001
        09:04 call 1           => V001
        09:04 start 1
        09:05 park 1           => V001
        09:05 call 1           => V002
        09:06 call 2 kela      => K001
        09:09 noshow 2
        09:10 list vero,kela   => V003 V002:called@1 V001!:parked@1 K001:no-show
        09:10 list vero        => V003 V002:called@1 V001!:parked@1
        09:10 view 1           => closed current=V002:called@1 parked=V001!:parked@1
        09:10 open 1 vero
        09:10 start 1
        09:10 view 1           => open[vero] current=V002:serving@1 parked=V001!:parked@1
        09:10 list vero        => V003 V001!:parked@1
        2026-11-25 08:00 tick  => …
        08:00 list all         => -
        08:00 view 9           => error: unknown counter 9
        ",
    );
    // Needs travel as flags; nothing else about the customer exists.
    let t = at("2026-11-25 09:00");
    e.issue_ticket(
        MessageId::new(),
        &svc("vero"),
        Needs { interpreter: Some(aula_protocol::Lang::new("uk").unwrap()), accessibility: false, reading_help: true },
        t,
    )
    .unwrap();
    let row = &e.waiting_list(&[svc("vero")], t)[0];
    assert_eq!(
        (row.number.to_string(), row.needs.interpreter.as_ref().map(|l| l.as_str())),
        ("V001".into(), Some("uk"))
    );
    assert!(row.needs.reading_help && !row.needs.accessibility);
    assert_eq!(row.queued_at, t);
}
