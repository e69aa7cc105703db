//! The log on disk: reopen rebuilds the same state; encoding round-trips every event kind.

use aula_engine::{Engine, replay};
use aula_protocol::{MessageId, Needs};
use chrono::TimeDelta;

use crate::common::*;

#[test]
fn reopen_from_disk_gives_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aula.db");
    let t = at("2026-11-23 09:00");
    let before = {
        let mut e = Engine::open(&db, small_site()).unwrap();
        e.import_bookings_ics(crate::appointments::FEED, t).unwrap();
        take(&mut e, "vero", t);
        take(&mut e, "vero", t);
        take(&mut e, "kela", t);
        e.check_in(
            MessageId::new(),
            "K7P2QX",
            Needs {
                interpreter: Some(aula_protocol::Lang::new("uk").unwrap()),
                accessibility: true,
                reading_help: true,
            },
            at("2026-11-23 09:50"),
        )
        .unwrap();
        e.call_next(&counter("1"), &[], t).unwrap();
        e.recall(&counter("1"), t + TimeDelta::minutes(1)).unwrap();
        e.start(&counter("1"), t + TimeDelta::minutes(2)).unwrap();
        e.finish(&counter("1"), t + TimeDelta::minutes(8)).unwrap();
        e.transfer(num("V002"), &svc("kela"), t + TimeDelta::minutes(9)).unwrap();
        e.call_next(&counter("3"), &[], t + TimeDelta::minutes(10)).unwrap();
        e.no_show(&counter("3"), t + TimeDelta::minutes(14)).unwrap();
        let k = e
            .tickets()
            .find(|x| x.state() == aula_protocol::TicketState::Waiting && x.service == svc("kela"))
            .unwrap()
            .id;
        e.cancel(k, t + TimeDelta::minutes(15)).unwrap();
        e.record_help(MessageId::new(), &aula_protocol::DeviceId::new("kiosk-1").unwrap(), t).unwrap();
        e.record_offline_ticket(
            MessageId::new(),
            &svc("vero"),
            num("V901"),
            t,
            Needs::default(),
            t + TimeDelta::minutes(20),
        )
        .unwrap();
        e.tick(at("2026-11-24 08:00"));
        assert_eq!(e.state(), &replay(e.read_log().unwrap()));
        e.state().clone()
    };
    let again = Engine::open(&db, small_site()).unwrap();
    assert_eq!(again.state(), &before);
    assert!(again.tickets().all(|t| t.state().is_final()));
}

#[test]
fn batch_commits_together_and_rolls_back_nothing_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aula.db");
    let t = at("2026-11-24 09:00");
    {
        let mut e = Engine::open(&db, small_site()).unwrap();
        let n = e
            .batch(|e| {
                let seen = e.seen_before(MessageId::new(), t).unwrap();
                assert!(!seen);
                (0..50).map(|_| take(e, "vero", t)).count()
            })
            .unwrap();
        assert_eq!(n, 50);
    }
    let e = Engine::open(&db, small_site()).unwrap();
    assert_eq!(e.tickets().count(), 50);
}
