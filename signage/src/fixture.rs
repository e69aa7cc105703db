//! A fixed, realistic queue state built from the shared site example (a Thursday morning in a
//! joint service point: several authorities, waits, hours, a few calls). Used by the
//! screenshot tests, the benchmark and `aula-signage --demo`, so all three draw the same wall.

use aula_protocol::{
    CallEvent, CallKind, CounterId, CounterView, Localized, QueueState, ServiceId, ServiceView, Span, TicketId,
    TicketNumber, WaitRange,
};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Helsinki;

/// Thursday 26 November 2026, 10:42 in Helsinki: the moment the fixture describes.
pub fn now() -> DateTime<Utc> {
    Helsinki.with_ymd_and_hms(2026, 11, 26, 10, 42, 0).unwrap().with_timezone(&Utc)
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn span(a: u32, b: u32) -> Span {
    Span { open: t(a, 0), close: t(b, 0) }
}

/// `fi`, `sv`, `en` names of counters and rooms: `"3"` → Palvelupiste 3, `"b"` → Huone B.
pub fn counter_name(id: &str) -> Localized {
    if id.chars().all(|c| c.is_ascii_digit()) {
        Localized::from_pairs(&[
            ("fi", &format!("Palvelupiste {id}")),
            ("sv", &format!("Servicepunkt {id}")),
            ("en", &format!("Counter {id}")),
        ])
    } else {
        let up = id.to_uppercase();
        Localized::from_pairs(&[
            ("fi", &format!("Huone {up}")),
            ("sv", &format!("Rum {up}")),
            ("en", &format!("Room {up}")),
        ])
    }
}

/// A call of `number` to counter `counter`, `ago` before [`now`].
pub fn call(number: &str, counter: &str, service: &str, ago: Duration, kind: CallKind) -> CallEvent {
    CallEvent {
        ticket: ticket_id(number),
        number: number.parse::<TicketNumber>().expect("fixture number"),
        service: ServiceId::new(service).unwrap(),
        counter: CounterId::new(counter).unwrap(),
        counter_name: counter_name(counter),
        kind,
        called_at: now() - ago,
    }
}

/// A stable ticket id per number, so the same number is the same ticket across calls.
pub fn ticket_id(number: &str) -> TicketId {
    let mut bytes = [0u8; 16];
    for (i, b) in number.bytes().enumerate().take(16) {
        bytes[i] = b;
    }
    TicketId(uuid::Uuid::from_bytes(bytes))
}

#[allow(clippy::too_many_arguments)]
fn service(
    id: &str,
    names: [&str; 3],
    prefix: &str,
    hours: &[Span],
    open_now: bool,
    walk_in: bool,
    waiting: u32,
    wait: Option<(u32, u32)>,
) -> ServiceView {
    ServiceView {
        id: ServiceId::new(id).unwrap(),
        name: Localized::from_pairs(&[("fi", names[0]), ("sv", names[1]), ("en", names[2])]),
        // Short display names chosen by the site (a wall row has room for ~30 characters);
        // the fixture uses the same text for the authority.
        authority: Localized::from_pairs(&[("fi", names[0]), ("sv", names[1]), ("en", names[2])]),
        prefix: prefix.into(),
        open_today: true,
        open_now,
        walk_in,
        hours_today: hours.to_vec(),
        opens_next: if open_now {
            None
        } else {
            hours.first().map(|s| {
                Helsinki
                    .from_local_datetime(&now().with_timezone(&Helsinki).date_naive().and_time(s.open))
                    .unwrap()
                    .with_timezone(&Utc)
            })
        },
        waiting,
        wait: wait.map(|(low_min, high_min)| WaitRange { low_min, high_min }),
    }
}

/// The queue state of the example site at [`now`] (sequence `seq`).
pub fn state(seq: u64) -> QueueState {
    let m = Duration::minutes;
    let services = vec![
        service(
            "poliisi",
            ["Poliisi (lupapalvelut)", "Polisen – tillstånd", "Police – permits"],
            "P",
            &[span(8, 16)],
            true,
            true,
            9,
            Some((25, 45)),
        ),
        service("kela", ["Kela", "FPA", "Kela"], "K", &[span(9, 16)], true, true, 6, Some((15, 30))),
        service(
            "te",
            ["TE-palvelut", "TE-tjänsterna", "Employment services (TE)"],
            "T",
            &[span(9, 16)],
            true,
            true,
            4,
            Some((10, 25)),
        ),
        service(
            "vero",
            ["Verohallinto", "Skatteförvaltningen", "Tax Administration"],
            "V",
            &[span(9, 16)],
            true,
            true,
            5,
            Some((15, 30)),
        ),
        service(
            "neuvonta",
            ["Yleinen palveluneuvonta", "Allmän rådgivning", "General service advice"],
            "N",
            &[span(8, 16)],
            true,
            true,
            2,
            Some((0, 10)),
        ),
        service(
            "dvv",
            ["Digi- ja väestötietovirasto", "Befolkningsdata (DVV)", "Population data (DVV)"],
            "D",
            &[span(9, 15)],
            true,
            true,
            1,
            Some((5, 15)),
        ),
        service(
            "oikeusapu",
            ["Oikeusapu ja edunvalvonta", "Rättshjälp", "Legal aid and guardianship"],
            "O",
            &[span(12, 16)],
            false,
            true,
            0,
            None,
        ),
        service(
            "mml",
            ["Maanmittauslaitos", "Lantmäteriverket", "Land Survey"],
            "L",
            &[span(9, 15)],
            true,
            false,
            0,
            None,
        ),
    ];
    let mut not_today = service(
        "migri",
        ["Maahanmuuttovirasto", "Migrationsverket", "Finnish Immigration Service"],
        "M",
        &[],
        false,
        false,
        0,
        None,
    );
    not_today.open_today = false;
    let mut all = services;
    all.push(not_today);
    let calls = vec![
        call("P112", "1", "poliisi", m(1), CallKind::Call),
        call("V045", "5", "vero", m(2), CallKind::Call),
        call("T027", "b", "te", m(4), CallKind::Call),
        call("N088", "2", "neuvonta", m(5), CallKind::Call),
        call("D014", "a", "dvv", m(7), CallKind::Call),
        call("P111", "4", "poliisi", m(9), CallKind::Call),
    ];
    let counters = ["1", "2", "3", "4", "5", "6", "a", "b"]
        .iter()
        .map(|id| {
            let c = calls.iter().find(|c| c.counter.as_str() == *id);
            CounterView {
                id: CounterId::new(*id).unwrap(),
                name: counter_name(id),
                current: c.map(|c| c.number.clone()),
                since: c.map(|c| c.called_at),
            }
        })
        .collect();
    QueueState {
        seq,
        site_name: Localized::from_pairs(&[
            ("fi", "Yhteispalvelupiste Lahti"),
            ("sv", "Samservicepunkt Lahtis"),
            ("en", "Joint Service Point Lahti"),
        ]),
        services: all,
        counters,
        calls,
        announcement: Some(Localized::from_pairs(&[
            (
                "fi",
                "Torstaisin palvelemme kokeiluna klo 18 asti. Asiakirjojen palautuslaatikko tyhjennetään klo 16.15.",
            ),
            ("sv", "På torsdagar betjänar vi på försök till kl. 18. Dokumentlådan töms kl. 16.15."),
            ("en", "On Thursdays we serve until 18:00 as a trial. The document drop box is emptied at 16:15."),
        ])),
    }
}

/// The call announced in screenshots: K031 to counter 3, just now.
pub fn new_call() -> CallEvent {
    call("K031", "3", "kela", Duration::zero(), CallKind::Call)
}
