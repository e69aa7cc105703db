//! Opening hours: weekly pattern, holidays, a Tuesday-only authority, DST, the closing minute.

use aula_engine::Hours;
use aula_protocol::Span;
use chrono::{NaiveTime, TimeDelta};

use crate::common::*;

fn service_hours(id: &str) -> Hours {
    example_site().service(&svc(id)).unwrap().hours.clone()
}

#[test]
fn open_now_table() {
    let tz = chrono_tz::Europe::Helsinki;
    let cases = [
        // (service, local time, open now, open today)
        ("vero", "2026-11-24 15:59", true, true),
        ("vero", "2026-11-24 16:00", false, true),
        ("vero", "2026-11-24 08:59", false, true),
        ("vero", "2026-11-24 09:00", true, true),
        ("dvv", "2026-11-24 10:00", true, true),   // Tuesday
        ("dvv", "2026-11-25 10:00", false, false), // Wednesday
        ("ulosotto", "2026-11-25 11:59", true, true),
        ("ulosotto", "2026-11-25 12:00", false, true),
        ("oikeusapu", "2026-11-26 12:00", true, true), // Thursday afternoon only
        ("oikeusapu", "2026-11-26 11:00", false, true),
        ("neuvonta", "2026-11-26 17:30", true, true), // Thursday evening trial
        ("neuvonta", "2026-11-27 17:30", false, true),
        ("vero", "2026-12-06 10:00", false, false), // Independence Day (a Sunday anyway)
        ("vero", "2026-12-24 10:00", false, false), // Christmas Eve, Thursday
        ("vero", "2026-12-23 11:00", true, true),   // vero's own short day
        ("vero", "2026-12-23 12:00", false, true),
        ("kela", "2026-12-23 15:00", true, true),
        ("poliisi", "2027-05-06 10:00", false, false), // Ascension Day 2027
        ("poliisi", "2027-05-07 10:00", true, true),
        ("vero", "2026-11-28 10:00", false, false), // Saturday
    ];
    for (id, local, open_now, open_today) in cases {
        let h = service_hours(id);
        let t = at(local);
        assert_eq!(h.open_at(tz, t), open_now, "{id} at {local}: open now");
        assert_eq!(h.open_on(t.with_timezone(&tz).date_naive()), open_today, "{id} on {local}: open today");
    }
}

#[test]
fn daylight_saving_changes_keep_wall_clock_hours() {
    let tz = chrono_tz::Europe::Helsinki;
    let h = service_hours("poliisi");
    // Monday after the spring change (29 March 2026) and after the autumn change (25 Oct).
    for day in ["2026-03-30", "2026-10-26", "2026-03-27", "2026-10-23"] {
        assert!(h.open_at(tz, at(&format!("{day} 08:00"))), "{day} 08:00");
        assert!(!h.open_at(tz, at(&format!("{day} 07:59"))), "{day} 07:59");
        assert!(h.open_at(tz, at(&format!("{day} 15:59"))), "{day} 15:59");
    }
    // 08:00 Helsinki is 06:00 UTC in summer and 06:00+1 in winter.
    assert_eq!(at("2026-03-30 08:00").format("%H:%M").to_string(), "05:00");
    assert_eq!(at("2026-03-27 08:00").format("%H:%M").to_string(), "06:00");
    // A span across the spring-forward gap (03:00–04:00 does not exist) still works.
    let night = Hours {
        weekly: std::array::from_fn(|_| {
            vec![Span {
                open: NaiveTime::from_hms_opt(3, 30, 0).unwrap(),
                close: NaiveTime::from_hms_opt(5, 0, 0).unwrap(),
            }]
        }),
        ..Default::default()
    };
    let next = night.opens_next(tz, at("2026-03-29 01:00")).unwrap();
    assert_eq!(next, at("2026-03-29 04:30"), "03:30 does not exist that night: shifted by the gap");
    let _ = TimeDelta::zero();
}

#[test]
fn opens_next_skips_holidays_and_absent_days() {
    let tz = chrono_tz::Europe::Helsinki;
    // DVV on Wednesday: next is Thursday 9:00.
    assert_eq!(service_hours("dvv").opens_next(tz, at("2026-11-25 10:00")), Some(at("2026-11-26 09:00")));
    // Vero on Christmas Eve 2026 (Thu): Fri 25 and Sat 26 closed, Sun closed → Mon 28.
    assert_eq!(service_hours("vero").opens_next(tz, at("2026-12-24 10:00")), Some(at("2026-12-28 09:00")));
    // Before opening the same day.
    assert_eq!(service_hours("vero").opens_next(tz, at("2026-11-24 07:00")), Some(at("2026-11-24 09:00")));
}
