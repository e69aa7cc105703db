//! Guards the faults issue's item 0: one device value must never panic the engine or leave
//! its SQLite transaction open. Before the fix, an offline ticket whose issue time was near
//! the end of chrono's range panicked in the site-local date conversion inside the ingest
//! batch; the panic left `BEGIN IMMEDIATE` open and the batch depth raised, so every later
//! write (tickets issued over HTTP included) joined a transaction that was never committed.

use aula_engine::{Engine, EngineError};
use aula_protocol::{MessageId, Needs, Rejection};
use chrono::{DateTime, TimeDelta, Utc};

use crate::common::*;

/// Offline issue times a kiosk could send: the end and start of the representable range,
/// a year ahead, and a day ahead. Each is refused with a reason naming the issue time.
#[test]
fn absurd_offline_issue_times_are_refused_not_panicked_on() {
    let now = at("2026-11-24 10:00");
    let cases: [(&str, DateTime<Utc>); 4] = [
        ("end of range", DateTime::<Utc>::MAX_UTC),
        ("start of range", DateTime::<Utc>::MIN_UTC),
        ("a year ahead", now + TimeDelta::days(365)),
        ("a day ahead", now + TimeDelta::days(1)),
    ];
    for (what, issued_at) in cases {
        let mut e = engine();
        let r = e.record_offline_ticket(MessageId::new(), &svc("vero"), num("V900"), issued_at, Needs::default(), now);
        match r {
            Err(Rejection::BadRequest { message }) => assert!(message.contains("issued"), "{what}: {message}"),
            other => panic!("{what}: expected a BadRequest, got {other:?}"),
        }
        assert_eq!(e.tickets().count(), 0, "{what}: nothing stored");
    }
    // A few minutes ahead is clock skew, not an error: accepted and queued from now.
    let mut e = engine();
    let t = e
        .record_offline_ticket(
            MessageId::new(),
            &svc("vero"),
            num("V900"),
            now + TimeDelta::minutes(2),
            Needs::default(),
            now,
        )
        .unwrap();
    assert_eq!(t.issued_at, now);
}

/// A panic inside a batch (any bug, any value) rolls the batch back, leaves no transaction
/// open and is returned as an error; the next write outside a batch reaches the disk.
#[test]
fn a_panic_inside_a_batch_rolls_back_and_later_writes_are_durable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aula.db");
    let t = at("2026-11-24 09:00");
    {
        let mut e = Engine::open(&db, small_site()).unwrap();
        let r = e.batch(|e| {
            take(e, "vero", t); // V001, rolled back with the batch
            panic!("a bug in the middle of a batch");
        });
        match r {
            Err(EngineError::Panicked(message)) => assert!(message.contains("a bug"), "{message}"),
            Err(other) => panic!("expected Panicked, got {other}"),
            Ok(()) => unreachable!(),
        }
        assert_eq!(e.tickets().count(), 0, "the batch's ticket is gone from memory too");
        // Outside any batch now: this must commit on its own.
        assert_eq!(take(&mut e, "vero", t).number.to_string(), "V001");
        // Dropped without any explicit commit: a write left in an open transaction is lost.
    }
    let e = Engine::open(&db, small_site()).unwrap();
    let numbers: Vec<String> = e.tickets().map(|t| t.number.to_string()).collect();
    assert_eq!(numbers, ["V001"], "the ticket issued after the panic is on disk");
}
