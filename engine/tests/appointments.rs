//! Bookings from iCalendar, check-in answers, and the balance between lanes.

use aula_engine::ImportSummary;
use aula_protocol::{Lane, MessageId, Needs, Rejection};
use chrono::TimeDelta;

use crate::common::*;

/// A feed with one booking per case: Migri at 10:00 and 10:30 on Mon 23 Nov 2026, a
/// cancelled one, one with only a UID, one naming the service by LOCATION, and junk.
pub const FEED: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//bookings//EN\r
BEGIN:VEVENT\r
UID:a1b2c3d4-0001@booking.example\r
DTSTART;TZID=Europe/Helsinki:20261123T100000\r
SUMMARY:Ajanvaraus\r
X-AULA-SERVICE:migri\r
X-AULA-CODE:K7P2QX\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:a1b2c3d4-0002@booking.example\r
DTSTART:20261123T083000Z\r
X-AULA-SERVICE:migri\r
X-AULA-CODE:QQ1234\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:a1b2c3d4-0003@booking.example\r
DTSTART;TZID=Europe/Helsinki:20261123T110000\r
X-AULA-SERVICE:migri\r
X-AULA-CODE:CANC01\r
STATUS:CANCELLED\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:zz99yy88-long-uid\r
DTSTART;TZID=Europe/Helsinki:20261123T120000\r
CATEGORIES:Kela,Other\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:loc-1\r
DTSTART;TZID=Europe/Helsinki:20261123T130000\r
LOCATION:Verohallinto\r
X-AULA-CODE:vero-77\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:nothing\r
DTSTART;TZID=Europe/Helsinki:20261123T130000\r
SUMMARY:Lunch\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:allday\r
DTSTART;VALUE=DATE:20261123\r
X-AULA-SERVICE:migri\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn import_reads_codes_services_and_status() {
    let mut e = engine();
    let now = at("2026-11-23 07:00");
    let s = e.import_bookings_ics(FEED, now).unwrap();
    assert_eq!((s.added, s.updated, s.unchanged, s.skipped.len()), (5, 0, 0, 2), "{s:?}");
    let b = &e.state().bookings;
    assert_eq!(b["K7P2QX"].start, at("2026-11-23 10:00"));
    assert_eq!(b["QQ1234"].start, at("2026-11-23 10:30"));
    assert!(b["CANC01"].cancelled);
    assert_eq!(b["ZZ99YY88"].service, svc("kela"), "code from UID, service from CATEGORIES");
    assert_eq!(b["VERO77"].service, svc("vero"), "service from LOCATION by name; code normalised");
    // Re-import stores nothing; a changed time is an update.
    let log = e.read_log().unwrap().len();
    assert_eq!(
        e.import_bookings_ics(FEED, now).unwrap(),
        ImportSummary { unchanged: 5, skipped: s.skipped.clone(), ..Default::default() }
    );
    assert_eq!(e.read_log().unwrap().len(), log);
    let moved = FEED.replace("20261123T083000Z", "20261123T090000Z");
    assert_eq!(e.import_bookings_ics(&moved, now).unwrap().updated, 1);
    assert!(e.import_bookings_ics("hello", now).is_err());
}

#[test]
fn check_in_answers() {
    let mut e = engine();
    e.import_bookings_ics(FEED, at("2026-11-23 07:00")).unwrap();
    let cases: [(&str, &str, Result<(), Rejection>); 7] = [
        ("NOPE00", "2026-11-23 09:50", Err(Rejection::UnknownBooking)),
        ("CANC01", "2026-11-23 10:50", Err(Rejection::BookingCancelled)),
        (
            "K7P2QX",
            "2026-11-23 09:39",
            Err(Rejection::TooEarly { booked_at: at("2026-11-23 10:00"), opens_at: at("2026-11-23 09:40") }),
        ),
        ("K7P2QX", "2026-11-23 10:11", Err(Rejection::TooLate { booked_at: at("2026-11-23 10:00") })),
        ("k7p2-qx", "2026-11-23 09:55", Ok(())),
        ("K7P2QX", "2026-11-23 09:56", Err(Rejection::AlreadyCheckedIn { number: num("M001") })),
        ("QQ1234", "2026-11-23 10:40", Ok(())),
    ];
    for (code, t, want) in cases {
        let got = e.check_in(MessageId::new(), code, Needs::default(), at(t)).map(|_| ());
        assert_eq!(got, want, "{code} at {t}");
    }
    let m1 = e.find(&num("M001").into(), at("2026-11-23 10:00")).unwrap();
    assert_eq!((m1.lane, m1.booked_at), (Lane::Appointment, Some(at("2026-11-23 10:00"))));
    let m1_booked = m1.booked_at;
    // Idempotent check-in answer.
    let id = MessageId::new();
    let a = e.check_in(id, "VERO77", Needs::default(), at("2026-11-23 12:55")).unwrap();
    assert_eq!(e.check_in(id, "VERO77", Needs::default(), at("2026-11-23 12:56")).unwrap(), a);
    assert_eq!((a.number.to_string(), a.booked_at), ("V001".into(), Some(at("2026-11-23 13:00"))));
    assert!(m1_booked.is_some());
}

#[test]
fn lane_balance_two_walk_ins_per_due_appointment() {
    let mut e = engine();
    // Bookings for vero at 10:00, 10:05, 10:10 (VERO1..3).
    let mut feed = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n");
    for (i, hm) in ["1000", "1005", "1010", "1200"].iter().enumerate() {
        feed += &format!(
            "BEGIN:VEVENT\r\nUID:u{i}\r\nDTSTART;TZID=Europe/Helsinki:20261124T{hm}00\r\nX-AULA-SERVICE:vero\r\nX-AULA-CODE:VERO{}\r\nEND:VEVENT\r\n",
            i + 1
        );
    }
    feed += "END:VCALENDAR\r\n";
    e.import_bookings_ics(&feed, at("2026-11-24 08:00")).unwrap();
    let t = at("2026-11-24 09:50");
    for i in 0..6 {
        take(&mut e, "vero", t + TimeDelta::seconds(i));
    }
    // Checked in in reverse order: the lane still goes by booked time.
    for code in ["VERO3", "VERO2", "VERO1"] {
        e.check_in(MessageId::new(), code, Needs::default(), at("2026-11-24 09:55")).unwrap();
    }
    // At 09:58 no appointment is due: walk-ins only.
    let c = counter("1");
    let mut called = Vec::new();
    let mut now = at("2026-11-24 09:58");
    for _ in 0..2 {
        called.push(e.call_next(&c, &[], now).unwrap().number.to_string());
        e.start(&c, now).unwrap();
        now += TimeDelta::minutes(1);
    }
    // From 10:10 all three are due: W W A W W A … (the streak continues from above).
    now = at("2026-11-24 10:10");
    for _ in 0..7 {
        called.push(e.call_next(&c, &[], now).unwrap().number.to_string());
        e.start(&c, now).unwrap();
        now += TimeDelta::seconds(30);
    }
    // V007 = VERO3 checked in first, V009 = VERO1 (booked first).
    assert_eq!(called, ["V001", "V002", "V009", "V003", "V004", "V008", "V005", "V006", "V007"]);
    // With no walk-ins left, an appointment checked in early is served before its time.
    e.check_in(MessageId::new(), "VERO4", Needs::default(), at("2026-11-24 11:45")).unwrap();
    assert_eq!(e.call_next(&c, &[], at("2026-11-24 11:46")).unwrap().number.to_string(), "V010");
}

#[test]
fn priority_lane_goes_first_when_configured() {
    let text = SMALL.replace("holidays =", "priority_for_accessibility = true\nholidays =");
    let mut e =
        aula_engine::Engine::open_in_memory(aula_engine::SiteConfig::from_toml(&text, "t.toml").unwrap()).unwrap();
    let t = at("2026-11-24 09:00");
    take(&mut e, "vero", t);
    let needs = Needs { accessibility: true, ..Default::default() };
    let p = e.issue_ticket(MessageId::new(), &svc("vero"), needs, t + TimeDelta::minutes(1)).unwrap();
    assert_eq!((p.lane, p.people_ahead), (Lane::Priority, 0));
    assert_eq!(e.call_next(&counter("1"), &[], t + TimeDelta::minutes(2)).unwrap().number, p.number);
}
