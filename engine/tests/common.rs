//! Fixtures: the example site, a small test site, and local-time helpers.

use aula_engine::{Engine, SiteConfig};
use aula_protocol::{CounterId, MessageId, Needs, ServiceId, TicketNumber};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Helsinki;

/// The project's real site file (config/site.toml).
pub fn example_site() -> SiteConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/site.toml");
    SiteConfig::load(&path).expect("config/site.toml is valid")
}

/// A small site: vero (Mon–Fri 9–16), kela (Mon–Fri 9–16), dvv (Tue 9–15 only), migri
/// (appointments only); counters 1 (vero), 2 (vero, kela), 3 (kela), room-a (migri).
pub const SMALL: &str = r#"
[site]
id = "test"
name = { fi = "Testi", sv = "Test", en = "Test" }
hours = { mon = ["08:00-16:00"], tue = ["08:00-16:00"], wed = ["08:00-16:00"], thu = ["08:00-16:00"], fri = ["08:00-16:00"] }
holidays = [{ date = 2026-12-24, name = "Jouluaatto" }]

[[site.services]]
id = "vero"
name = { fi = "Verohallinto", sv = "Skatteförvaltningen", en = "Tax" }
prefix = "V"
service_time_min = 6
hours = { mon = ["09:00-16:00"], tue = ["09:00-16:00"], wed = ["09:00-16:00"], thu = ["09:00-16:00"], fri = ["09:00-16:00"] }

[[site.services]]
id = "kela"
name = { fi = "Kela", sv = "FPA", en = "Kela" }
prefix = "K"
hours = { mon = ["09:00-16:00"], tue = ["09:00-16:00"], wed = ["09:00-16:00"], thu = ["09:00-16:00"], fri = ["09:00-16:00"] }

[[site.services]]
id = "dvv"
name = { fi = "DVV", sv = "MDB", en = "DVV" }
prefix = "D"
hours = { tue = ["09:00-15:00"] }

[[site.services]]
id = "migri"
name = { fi = "Migri", sv = "Migri", en = "Migri" }
prefix = "M"
walk_in = false
hours = { mon = ["09:00-15:00"], wed = ["09:00-15:00"] }

[[site.counters]]
id = "1"
name = { fi = "Piste 1", sv = "Punkt 1", en = "Counter 1" }
services = ["vero"]

[[site.counters]]
id = "2"
name = { fi = "Piste 2", sv = "Punkt 2", en = "Counter 2" }
services = ["vero", "kela"]

[[site.counters]]
id = "3"
name = { fi = "Piste 3", sv = "Punkt 3", en = "Counter 3" }
services = ["kela", "dvv"]

[[site.counters]]
id = "room-a"
name = { fi = "Huone A", sv = "Rum A", en = "Room A" }
room = true
services = ["migri"]
"#;

pub fn small_site() -> SiteConfig {
    SiteConfig::from_toml(SMALL, "small.toml").expect("small site is valid")
}

pub fn engine() -> Engine {
    Engine::open_in_memory(small_site()).unwrap()
}

/// Helsinki wall-clock time `"2026-11-24 10:00"` as UTC.
pub fn at(local: &str) -> DateTime<Utc> {
    let n = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S"))
        .unwrap();
    Helsinki.from_local_datetime(&n).earliest().unwrap().with_timezone(&Utc)
}

pub fn svc(s: &str) -> ServiceId {
    ServiceId::new(s).unwrap()
}

pub fn counter(s: &str) -> CounterId {
    CounterId::new(s).unwrap()
}

pub fn num(s: &str) -> TicketNumber {
    s.parse().unwrap()
}

/// Issues a walk-in ticket and returns its number as text.
pub fn take(e: &mut Engine, service: &str, now: DateTime<Utc>) -> aula_protocol::IssuedTicket {
    e.issue_ticket(MessageId::new(), &svc(service), Needs::default(), now).unwrap()
}
