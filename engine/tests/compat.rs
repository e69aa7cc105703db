//! Databases written before the staff console still replay, and the log's encoding of the
//! old event kinds is unchanged, byte for byte. The new kinds round-trip and decode strictly.
//!
//! `fixtures/before-console.sqlite3` was written by the engine as it was before the staff
//! console (commit b2958f5), so it holds only codes 1–10; the golden bodies below were
//! printed by that same engine.

use aula_engine::store::{decode, encode};
use aula_engine::{
    Booking, BreakReason, CancelReason, Engine, EventKind, Issued, Outcome, Presence, TicketRef, replay,
};
use aula_protocol::{CounterId, DeviceId, Lane, Lang, MessageId, Needs, TicketId, TicketState, WaitRange};
use uuid::Uuid;

use crate::common::*;

fn id(n: u8) -> TicketId {
    TicketId(Uuid::from_bytes([n; 16]))
}

fn hex(kind: &EventKind) -> String {
    let mut b = Vec::new();
    encode(kind, &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every old kind, built as the old engine built it, with the body the old engine wrote.
#[test]
fn old_event_kinds_encode_exactly_as_before() {
    let issued = Issued {
        id: id(1),
        request: Some(MessageId(Uuid::from_bytes([2; 16]))),
        service: svc("vero"),
        number: num("V007"),
        lane: Lane::Priority,
        needs: Needs { interpreter: Some(Lang::new("uk").unwrap()), accessibility: true, reading_help: false },
        day: "2026-11-24".parse().unwrap(),
        queued_at: at("2026-11-24 09:00"),
        booked_at: Some(at("2026-11-24 10:00")),
        booking: Some("K7P2QX".into()),
        people_ahead: 3,
        wait: Some(WaitRange { low_min: 4, high_min: 9 }),
        offline: true,
    };
    let moved = Issued {
        request: None,
        booked_at: None,
        booking: None,
        wait: None,
        offline: false,
        lane: Lane::WalkIn,
        ..issued.clone()
    };
    let cases: [(EventKind, &str); 10] = [
        (
            EventKind::Issued(Box::new(issued)),
            "01010101010101010101010101010101010102020202020202020202020202020202047665726f0156073602756bd0a95a8080fbeedbc0f4ea31018080c0faa192f6ea31064b3750325158030409",
        ),
        (
            EventKind::Called { ticket: id(1), counter: counter("room-a") },
            "020101010101010101010101010101010106726f6f6d2d61",
        ),
        (EventKind::Recalled { ticket: id(1) }, "0301010101010101010101010101010101"),
        (EventKind::Started { ticket: id(1) }, "0401010101010101010101010101010101"),
        (EventKind::Finished { ticket: id(1) }, "0501010101010101010101010101010101"),
        (EventKind::NoShow { ticket: id(1) }, "0601010101010101010101010101010101"),
        (
            EventKind::Cancelled { ticket: id(1), reason: CancelReason::DayClosed },
            "070101010101010101010101010101010101",
        ),
        (
            EventKind::Transferred { ticket: id(3), to: Box::new(moved) },
            "08030303030303030303030303030303030101010101010101010101010101010100047665726f0156070402756bd0a95a8080fbeedbc0f4ea31000003",
        ),
        (
            EventKind::Booked(Booking {
                code: "K7P2QX".into(),
                uid: "old-1@x".into(),
                service: svc("migri"),
                start: at("2026-11-23 10:00"),
                cancelled: true,
            }),
            "09064b3750325158076f6c642d314078056d696772698080c8e58fedceea3101",
        ),
        (
            EventKind::Help {
                request: MessageId(Uuid::from_bytes([9; 16])),
                device: DeviceId::new("kiosk-1").unwrap(),
            },
            "0a09090909090909090909090909090909076b696f736b2d31",
        ),
    ];
    for (kind, golden) in cases {
        assert_eq!(hex(&kind), golden, "code {}", kind.code());
        let bytes: Vec<u8> =
            (0..golden.len()).step_by(2).map(|i| u8::from_str_radix(&golden[i..i + 2], 16).unwrap()).collect();
        assert_eq!(decode(&bytes).unwrap(), kind, "code {} decodes as before", kind.code());
    }
}

/// The database written by the old engine opens, replays to the same tickets, and the new
/// operations work on it (park its ticket in service, return its no-show, open a counter).
#[test]
fn a_database_written_before_the_console_still_replays() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aula.db");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-console.sqlite3");
    std::fs::copy(fixture, &db).unwrap();
    let now = at("2026-11-23 10:30");
    let mut e = Engine::open(&db, small_site()).unwrap();
    assert_eq!(e.state().events, 25);
    assert_eq!(e.state(), &replay(e.read_log().unwrap()));
    let mut states: Vec<String> = e.tickets().map(|t| format!("{}:{}:{:?}", t.number, t.service, t.state())).collect();
    states.sort();
    assert_eq!(
        states,
        [
            "K001:kela:Called",
            "K002:kela:Waiting",
            "M001:migri:Waiting",
            "V001:vero:Served",
            "V002:kela:NoShow",
            "V002:vero:Transferred",
            "V003:vero:Cancelled",
            "V004:vero:Serving",
            "V005:vero:Waiting",
            "V900:vero:Served",
        ]
    );
    let v5 = e.find(&TicketRef::Number(num("V005")), now).unwrap();
    assert!(v5.needs.accessibility && v5.needs.reading_help && v5.needs.interpreter.is_some());

    e.open_counter(&counter("3"), &[svc("kela")], now).unwrap();
    e.park(&counter("1"), now).unwrap();
    e.return_no_show(num("V002"), now).unwrap();
    let list: Vec<String> = e.waiting_list(&[svc("kela")], now).iter().map(|t| t.number.to_string()).collect();
    assert_eq!(list, ["V002", "K002", "K001"], "the returned no-show keeps its 9:01 place");
    let state = e.state().clone();
    drop(e);
    let e = Engine::open(&db, small_site()).unwrap();
    assert_eq!(e.state(), &state, "old and new events replay together");
    assert_eq!(e.find(&TicketRef::Number(num("V004")), now).unwrap().phase.name(), "Parked");
    assert_eq!(e.find(&TicketRef::Number(num("V004")), now).unwrap().state(), TicketState::Serving);
}

/// Every new kind decodes to itself; a body cut short, an unknown enum byte or a count
/// larger than the body is a corrupt record, never a guess.
#[test]
fn new_event_kinds_round_trip_and_decode_strictly() {
    let c = CounterId::new("room-a").unwrap();
    let spans = vec![
        aula_protocol::Span {
            open: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            close: chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        },
        aula_protocol::Span {
            open: chrono::NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            close: chrono::NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap(),
        },
    ];
    let day = "2026-11-24".parse().unwrap();
    let mut kinds = vec![
        EventKind::CounterOpened { counter: c.clone(), services: vec![svc("vero"), svc("kela")] },
        EventKind::CounterOpened { counter: c.clone(), services: vec![] },
        EventKind::CounterClosed { counter: c.clone() },
        EventKind::BreakEnded { counter: c.clone() },
        EventKind::Returned { ticket: id(4) },
        EventKind::Parked { ticket: id(5) },
        EventKind::Resumed { ticket: id(6) },
        EventKind::Reserved { ticket: id(7), counter: c.clone() },
        EventKind::PresenceSet { service: svc("vero"), day, presence: Presence::AsPlanned },
        EventKind::PresenceSet { service: svc("vero"), day, presence: Presence::Absent },
        EventKind::PresenceSet { service: svc("vero"), day, presence: Presence::Hours(spans) },
    ];
    kinds.extend(BreakReason::ALL.map(|reason| EventKind::BreakStarted { counter: c.clone(), reason }));
    kinds.extend(Outcome::ALL.map(|outcome| EventKind::FinishedWith { ticket: id(8), outcome }));
    let mut codes = std::collections::BTreeSet::new();
    for kind in kinds {
        let mut b = Vec::new();
        encode(&kind, &mut b);
        assert_eq!(decode(&b).as_ref(), Ok(&kind), "round trip of code {}", kind.code());
        assert!(decode(&b[..b.len() - 1]).is_err(), "code {} cut short", kind.code());
        codes.insert(kind.code());
    }
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), (11..=20).collect::<Vec<u8>>());

    let bad = |kind: &EventKind, at: usize, byte: u8| {
        let mut b = Vec::new();
        encode(kind, &mut b);
        let at = if at == usize::MAX { b.len() - 1 } else { at };
        b[at] = byte;
        decode(&b).unwrap_err()
    };
    assert_eq!(
        bad(&EventKind::BreakStarted { counter: c.clone(), reason: BreakReason::Lunch }, usize::MAX, 9),
        "bad break reason 9"
    );
    assert_eq!(bad(&EventKind::FinishedWith { ticket: id(1), outcome: Outcome::Done }, usize::MAX, 7), "bad outcome 7");
    assert_eq!(
        bad(&EventKind::PresenceSet { service: svc("vero"), day, presence: Presence::Absent }, usize::MAX, 5),
        "bad presence 5"
    );
    // "room-a" opened with 100 services in a body that has room for none.
    let mut b = vec![11, 6];
    b.extend_from_slice(b"room-a");
    b.push(100);
    assert_eq!(decode(&b).unwrap_err(), "100 services in a 0-byte body");
    assert_eq!(decode(&[21]).unwrap_err(), "unknown event kind 21");
}
