//! The `[site]` table of the hub's configuration: services with their names, prefixes and
//! opening hours, counters and rooms, lane balance and timing windows. Raw TOML is read into
//! `Raw*` types, then validated once into [`SiteConfig`]; every error names the file, the key
//! and what was expected, e.g.
//! `site.toml: site.services[3].prefix: expected 1-3 uppercase letters, found "v1"`.
//!
//! ```toml
//! [site]
//! id = "lahti"
//! name = { fi = "Yhteispalvelupiste", sv = "Samservicepunkt", en = "Joint service point" }
//! time_zone = "Europe/Helsinki"      # default
//! hours = { mon = ["08:00-16:00"], tue = ["08:00-16:00"] }
//! holidays = [{ date = 2026-12-06, name = "Itsenäisyyspäivä" }]   # closes every service
//!
//! [[site.services]]
//! id = "vero"
//! name = { fi = "Verohallinto", sv = "Skatteförvaltningen", en = "Finnish Tax Administration" }
//! prefix = "V"
//! # authority_id = "vero"          # default: the service id; services of one authority share it
//! hours = { mon = ["09:00-16:00"] }
//! exceptions = [{ date = 2026-12-23, hours = ["09:00-12:00"] }]
//!
//! [[site.counters]]
//! id = "1"
//! name = { fi = "Palvelupiste 1", sv = "Servicepunkt 1", en = "Counter 1" }
//! services = ["vero"]
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

use aula_protocol::{CounterId, Lang, Localized, ServiceId, SiteId, Span, TicketNumber};
use chrono::{NaiveDate, TimeDelta};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::hours::{Hours, parse_span};

/// Languages every name must have.
const REQUIRED_LANGS: [&str; 3] = ["fi", "sv", "en"];

/// A validated site: what the engine runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    /// Where it was read from (file name), for messages.
    pub origin: String,
    pub id: SiteId,
    pub name: Localized,
    pub time_zone: Tz,
    /// Languages offered (fi, sv, en first).
    pub languages: Vec<Lang>,
    /// The building's own hours, with site-wide holidays as exceptions.
    pub hours: Hours,
    pub services: Vec<ServiceConfig>,
    pub counters: Vec<CounterConfig>,
    /// A called customer who has not arrived after this long (from the last call) is a
    /// no-show. Default 3 min.
    pub no_show_after: TimeDelta,
    /// Check-in opens this long before the booked time. Default 20 min.
    pub check_in_early: TimeDelta,
    /// Check-in is still accepted this long after the booked time. Default 10 min.
    pub check_in_late: TimeDelta,
    /// When both lanes wait: this many walk-ins, then one due appointment. Default 2.
    pub walk_ins_per_appointment: u32,
    /// Walk-in customers who report an accessibility need go to the priority lane.
    pub priority_for_accessibility: bool,
    /// Kiosks number offline tickets from this sequence on (their reserved block); online
    /// numbering skips any number already used. Default 900.
    pub offline_numbers_from: u32,
}

/// An authority present on the site (police, Kela, …). Several services may belong to one
/// (e.g. police permits and police licences); staff are scoped to an authority. Same shape
/// as a service id, which is also its default.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct AuthorityId(String);

impl AuthorityId {
    /// Validates `s` as ids in topics are validated (1–64 of `a-z 0-9 - _`).
    pub fn new(s: impl Into<String>) -> Result<AuthorityId, aula_protocol::IdError> {
        let s = s.into();
        // The same rules as a service id, since it defaults to one.
        ServiceId::new(s.clone()).map_err(|e| aula_protocol::IdError { kind: "authority id", ..e })?;
        Ok(AuthorityId(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&ServiceId> for AuthorityId {
    fn from(s: &ServiceId) -> Self {
        AuthorityId(s.as_str().to_owned())
    }
}

impl fmt::Display for AuthorityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One service (authority's walk-in queue).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConfig {
    pub id: ServiceId,
    pub name: Localized,
    /// The authority it belongs to (config `authority_id`, default the service id).
    pub authority_id: AuthorityId,
    pub authority: Localized,
    /// 1–3 uppercase letters, unique on the site.
    pub prefix: String,
    /// False: appointments only (no walk-in numbers).
    pub walk_in: bool,
    /// Presence of the authority, site holidays already folded in.
    pub hours: Hours,
    /// Prior mean service time for the wait estimate before there is history, minutes.
    pub service_time_min: f64,
}

/// A counter or a service room.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterConfig {
    pub id: CounterId,
    pub name: Localized,
    /// Services it calls from when none are named.
    pub services: Vec<ServiceId>,
    pub room: bool,
}

impl SiteConfig {
    /// Reads the `[site]` table of a TOML document (other tables are ignored: they belong to
    /// the hub). `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<SiteConfig, ConfigError> {
        #[derive(Deserialize)]
        struct Doc {
            site: Option<RawSite>,
        }
        let syntax = |key: String, message: String| ConfigError::Syntax { file: origin.to_owned(), key, message };
        let de =
            toml::Deserializer::parse(text).map_err(|e| syntax(line_of(text, e.span()), e.message().to_owned()))?;
        let doc: Doc = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            syntax(if path == "." { line_of(text, inner.span()) } else { path }, inner.message().to_owned())
        })?;
        let raw = doc.site.ok_or_else(|| ConfigError::Invalid {
            file: origin.to_owned(),
            key: "site".into(),
            expected: "a [site] table".into(),
            found: "none".into(),
        })?;
        raw.validate(origin)
    }

    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<SiteConfig, ConfigError> {
        let origin =
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { file: path.display().to_string(), message: e.to_string() })?;
        Self::from_toml(&text, &origin)
    }

    pub fn service(&self, id: &ServiceId) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| &s.id == id)
    }

    pub fn counter(&self, id: &CounterId) -> Option<&CounterConfig> {
        self.counters.iter().find(|c| &c.id == id)
    }

    /// The service whose numbers carry `prefix`.
    pub fn service_by_prefix(&self, prefix: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.prefix == prefix)
    }

    /// The services of `authority`, in config order (empty for an unknown authority).
    pub fn services_of(&self, authority: &AuthorityId) -> Vec<ServiceId> {
        self.services.iter().filter(|s| &s.authority_id == authority).map(|s| s.id.clone()).collect()
    }

    /// The counters configured for at least one service of `authority`, in config order.
    pub fn counters_of(&self, authority: &AuthorityId) -> Vec<CounterId> {
        let services = self.services_of(authority);
        self.counters.iter().filter(|c| c.services.iter().any(|s| services.contains(s))).map(|c| c.id.clone()).collect()
    }
}

/// Lets the hub embed `site: SiteConfig` in its own config struct. Errors then carry the
/// origin "site" only; prefer [`SiteConfig::from_toml`] which names the file.
impl<'de> Deserialize<'de> for SiteConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawSite::deserialize(d)?.validate("config").map_err(serde::de::Error::custom)
    }
}

fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => format!("line {}", text[..r.start.min(text.len())].matches('\n').count() + 1),
        None => "(document)".into(),
    }
}

/// `[site]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub id: String,
    pub name: BTreeMap<String, String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub hours: RawWeek,
    #[serde(default)]
    pub holidays: Vec<RawException>,
    #[serde(default)]
    pub no_show_after_min: Option<u32>,
    #[serde(default)]
    pub check_in_early_min: Option<u32>,
    #[serde(default)]
    pub check_in_late_min: Option<u32>,
    #[serde(default)]
    pub walk_ins_per_appointment: Option<u32>,
    #[serde(default)]
    pub priority_for_accessibility: bool,
    #[serde(default)]
    pub offline_numbers_from: Option<u32>,
    #[serde(default)]
    pub services: Vec<RawService>,
    #[serde(default)]
    pub counters: Vec<RawCounter>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeek {
    #[serde(default)]
    pub mon: Vec<String>,
    #[serde(default)]
    pub tue: Vec<String>,
    #[serde(default)]
    pub wed: Vec<String>,
    #[serde(default)]
    pub thu: Vec<String>,
    #[serde(default)]
    pub fri: Vec<String>,
    #[serde(default)]
    pub sat: Vec<String>,
    #[serde(default)]
    pub sun: Vec<String>,
}

/// A dated exception: `hours = []` (or omitted) closes the day.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawException {
    /// A TOML date (`2026-12-06`) or a string `"2026-12-06"`.
    pub date: toml::Value,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub hours: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub id: String,
    pub name: BTreeMap<String, String>,
    #[serde(default)]
    pub authority: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub authority_id: Option<String>,
    pub prefix: String,
    #[serde(default = "yes")]
    pub walk_in: bool,
    #[serde(default)]
    pub service_time_min: Option<f64>,
    #[serde(default)]
    pub hours: RawWeek,
    #[serde(default)]
    pub exceptions: Vec<RawException>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCounter {
    pub id: String,
    pub name: BTreeMap<String, String>,
    pub services: Vec<String>,
    #[serde(default)]
    pub room: bool,
}

/// Collects the context (file) so each check is one line.
struct Check<'a> {
    origin: &'a str,
}

impl Check<'_> {
    fn bad(&self, key: impl Into<String>, expected: impl Into<String>, found: impl std::fmt::Display) -> ConfigError {
        ConfigError::Invalid {
            file: self.origin.to_owned(),
            key: key.into(),
            expected: expected.into(),
            found: found.to_string(),
        }
    }

    fn localized(&self, key: &str, raw: &BTreeMap<String, String>) -> Result<Localized, ConfigError> {
        let mut out = BTreeMap::new();
        for (lang, text) in raw {
            let l = Lang::new(lang.clone()).map_err(|_| {
                self.bad(format!("{key}.{lang}"), "a 2-3 letter lowercase language code", format!("{lang:?}"))
            })?;
            if text.trim().is_empty() {
                return Err(self.bad(format!("{key}.{lang}"), "a non-empty name", "\"\""));
            }
            out.insert(l, text.clone());
        }
        for req in REQUIRED_LANGS {
            if !out.contains_key(&Lang::new(req).expect("literal")) {
                return Err(self.bad(
                    format!("{key}.{req}"),
                    format!("a name in {}", REQUIRED_LANGS.join(", ")),
                    "none",
                ));
            }
        }
        Ok(Localized(out))
    }

    fn spans(&self, key: &str, raw: &[String]) -> Result<Vec<Span>, ConfigError> {
        let mut spans: Vec<Span> = Vec::new();
        for (i, s) in raw.iter().enumerate() {
            let span = parse_span(s).ok_or_else(|| {
                self.bad(format!("{key}[{i}]"), "a span \"HH:MM-HH:MM\" with open before close", format!("{s:?}"))
            })?;
            if let Some(prev) = spans.last()
                && span.open < prev.close
            {
                return Err(self.bad(format!("{key}[{i}]"), "spans in order, not overlapping", format!("{s:?}")));
            }
            spans.push(span);
        }
        Ok(spans)
    }

    fn week(&self, key: &str, raw: &RawWeek) -> Result<[Vec<Span>; 7], ConfigError> {
        Ok([
            self.spans(&format!("{key}.mon"), &raw.mon)?,
            self.spans(&format!("{key}.tue"), &raw.tue)?,
            self.spans(&format!("{key}.wed"), &raw.wed)?,
            self.spans(&format!("{key}.thu"), &raw.thu)?,
            self.spans(&format!("{key}.fri"), &raw.fri)?,
            self.spans(&format!("{key}.sat"), &raw.sat)?,
            self.spans(&format!("{key}.sun"), &raw.sun)?,
        ])
    }

    fn date(&self, key: &str, v: &toml::Value) -> Result<NaiveDate, ConfigError> {
        let text = match v {
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::String(s) => s.clone(),
            other => return Err(self.bad(key, "a date such as 2026-12-06", other)),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| self.bad(key, "a date such as 2026-12-06", format!("{text:?}")))
    }

    fn exceptions(&self, key: &str, raw: &[RawException]) -> Result<BTreeMap<NaiveDate, Vec<Span>>, ConfigError> {
        let mut out = BTreeMap::new();
        for (i, e) in raw.iter().enumerate() {
            let date = self.date(&format!("{key}[{i}].date"), &e.date)?;
            let spans = self.spans(&format!("{key}[{i}].hours"), &e.hours)?;
            if out.insert(date, spans).is_some() {
                return Err(self.bad(format!("{key}[{i}].date"), "each date once", date));
            }
        }
        Ok(out)
    }

    fn minutes(&self, key: &str, v: Option<u32>, default: u32, max: u32) -> Result<TimeDelta, ConfigError> {
        let m = v.unwrap_or(default);
        if m > max {
            return Err(self.bad(key, format!("minutes from 0 to {max}"), m));
        }
        Ok(TimeDelta::minutes(m as i64))
    }
}

impl RawSite {
    /// Validates into a [`SiteConfig`]; `origin` names the file in errors.
    pub fn validate(self, origin: &str) -> Result<SiteConfig, ConfigError> {
        let c = Check { origin };
        let id = SiteId::new(self.id.clone()).map_err(|e| c.bad("site.id", e.expected, format!("{:?}", self.id)))?;
        let name = c.localized("site.name", &self.name)?;
        let tz_name = self.time_zone.as_deref().unwrap_or("Europe/Helsinki");
        let time_zone: Tz = tz_name.parse().map_err(|_| {
            c.bad("site.time_zone", "an IANA time zone such as Europe/Helsinki", format!("{tz_name:?}"))
        })?;
        let mut languages = Vec::new();
        for req in REQUIRED_LANGS {
            languages.push(Lang::new(req).expect("literal"));
        }
        for (i, l) in self.languages.iter().enumerate() {
            let lang = Lang::new(l.clone()).map_err(|_| {
                c.bad(format!("site.languages[{i}]"), "a 2-3 letter lowercase language code", format!("{l:?}"))
            })?;
            if !languages.contains(&lang) {
                languages.push(lang);
            }
        }
        let holidays = c.exceptions("site.holidays", &self.holidays)?;
        let hours = Hours { weekly: c.week("site.hours", &self.hours)?, exceptions: holidays.clone() };

        let mut services: Vec<ServiceConfig> = Vec::new();
        let mut prefixes = HashSet::new();
        for (i, s) in self.services.iter().enumerate() {
            let key = format!("site.services[{i}]");
            let id = ServiceId::new(s.id.clone())
                .map_err(|e| c.bad(format!("{key}.id"), e.expected, format!("{:?}", s.id)))?;
            if services.iter().any(|o| o.id == id) {
                return Err(c.bad(format!("{key}.id"), "a service id not used before", format!("{:?}", s.id)));
            }
            if !TicketNumber::valid_prefix(&s.prefix) {
                return Err(c.bad(format!("{key}.prefix"), "1-3 uppercase letters", format!("{:?}", s.prefix)));
            }
            if !prefixes.insert(s.prefix.clone()) {
                // Numbers must identify one service on the wall, and a transferred ticket keeps
                // its number, so prefixes are unique on the site.
                return Err(c.bad(
                    format!("{key}.prefix"),
                    "a prefix no other service uses",
                    format!("{:?}", s.prefix),
                ));
            }
            let name = c.localized(&format!("{key}.name"), &s.name)?;
            let authority = match &s.authority {
                Some(a) => c.localized(&format!("{key}.authority"), a)?,
                None => name.clone(),
            };
            let authority_id = match &s.authority_id {
                Some(a) => AuthorityId::new(a.clone())
                    .map_err(|e| c.bad(format!("{key}.authority_id"), e.expected, format!("{a:?}")))?,
                None => AuthorityId::from(&id),
            };
            let mut exceptions = holidays.clone();
            // A service's own exception wins over a site holiday (e.g. an emergency-permit
            // desk that opens on a holiday).
            exceptions.extend(c.exceptions(&format!("{key}.exceptions"), &s.exceptions)?);
            let st = s.service_time_min.unwrap_or(7.0);
            if !(0.5..=240.0).contains(&st) {
                return Err(c.bad(format!("{key}.service_time_min"), "minutes between 0.5 and 240", st));
            }
            services.push(ServiceConfig {
                id,
                name,
                authority_id,
                authority,
                prefix: s.prefix.clone(),
                walk_in: s.walk_in,
                hours: Hours { weekly: c.week(&format!("{key}.hours"), &s.hours)?, exceptions },
                service_time_min: st,
            });
        }
        if services.is_empty() {
            return Err(c.bad("site.services", "at least one [[site.services]]", "none"));
        }

        let mut counters: Vec<CounterConfig> = Vec::new();
        for (i, k) in self.counters.iter().enumerate() {
            let key = format!("site.counters[{i}]");
            let id = CounterId::new(k.id.clone())
                .map_err(|e| c.bad(format!("{key}.id"), e.expected, format!("{:?}", k.id)))?;
            if counters.iter().any(|o| o.id == id) {
                return Err(c.bad(format!("{key}.id"), "a counter id not used before", format!("{:?}", k.id)));
            }
            let mut svc = Vec::new();
            for (j, s) in k.services.iter().enumerate() {
                match services.iter().find(|x| x.id.as_str() == s) {
                    Some(x) => svc.push(x.id.clone()),
                    None => {
                        return Err(c.bad(
                            format!("{key}.services[{j}]"),
                            "the id of a service in [[site.services]]",
                            format!("{s:?}"),
                        ));
                    }
                }
            }
            counters.push(CounterConfig {
                id,
                name: c.localized(&format!("{key}.name"), &k.name)?,
                services: svc,
                room: k.room,
            });
        }

        let ratio = self.walk_ins_per_appointment.unwrap_or(2);
        if ratio > 100 {
            return Err(c.bad("site.walk_ins_per_appointment", "a number from 0 to 100", ratio));
        }
        Ok(SiteConfig {
            origin: origin.to_owned(),
            id,
            name,
            time_zone,
            languages,
            hours,
            services,
            counters,
            no_show_after: c.minutes("site.no_show_after_min", self.no_show_after_min, 3, 60)?,
            check_in_early: c.minutes("site.check_in_early_min", self.check_in_early_min, 20, 240)?,
            check_in_late: c.minutes("site.check_in_late_min", self.check_in_late_min, 10, 120)?,
            walk_ins_per_appointment: ratio,
            priority_for_accessibility: self.priority_for_accessibility,
            offline_numbers_from: self.offline_numbers_from.unwrap_or(900),
        })
    }
}
