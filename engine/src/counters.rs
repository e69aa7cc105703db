//! Who is at a counter: staff sessions (signed in, serving which of the counter's services)
//! and breaks, as pure data and rules. The engine checks a staff action with these, logs the
//! event, and [`crate::State`] keeps the result per counter.
//!
//! Rules decided here:
//! - A session names a non-empty subset of the counter's configured services; the engine
//!   stores it deduplicated, in the configured order, so two staff choosing the same set in
//!   a different order log the same thing.
//! - A counter that was never opened works as before sessions existed (its configured
//!   services); opening is what a site does to tell the wait estimate who is staffed.
//! - Break reasons are a small fixed set, for reports only (count and minutes per counter
//!   and reason): they are never shown to customers. A break counts on the site-local day it
//!   started; one still running counts up to `now`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;

use aula_protocol::{CounterId, ServiceId};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::config::CounterConfig;
use crate::error::EngineError;
use crate::hours::local_date;

/// Why a counter is away. Fixed so the monthly figures compare across sites and months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    Lunch,
    /// A short pause (coffee, a breather).
    Short,
    Meeting,
    Other,
}

impl BreakReason {
    pub const ALL: [BreakReason; 4] =
        [BreakReason::Lunch, BreakReason::Short, BreakReason::Meeting, BreakReason::Other];
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BreakReason::Lunch => "lunch",
            BreakReason::Short => "short break",
            BreakReason::Meeting => "meeting",
            BreakReason::Other => "other",
        })
    }
}

/// A signed-in counter: the services its staff serve now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub services: Vec<ServiceId>,
    /// When it was opened (a change of services keeps it).
    pub since: DateTime<Utc>,
}

/// A break in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Break {
    pub reason: BreakReason,
    pub since: DateTime<Utc>,
}

/// One break as the log tells it, for the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakRecord {
    pub counter: CounterId,
    pub reason: BreakReason,
    pub start: DateTime<Utc>,
    /// None while it runs.
    pub end: Option<DateTime<Utc>>,
}

/// Breaks of one counter for one reason over a range of days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakFigures {
    pub counter: CounterId,
    pub reason: BreakReason,
    pub count: u32,
    pub minutes: f64,
}

/// The services a session may serve: `chosen` deduplicated, in the counter's configured
/// order. Refused when empty or when one is not configured for the counter.
pub fn session_services(cfg: &CounterConfig, chosen: &[ServiceId]) -> Result<Vec<ServiceId>, EngineError> {
    let serves = || cfg.services.iter().map(ServiceId::as_str).collect::<Vec<_>>().join(", ");
    if chosen.is_empty() {
        return Err(EngineError::NoServices { counter: cfg.id.clone(), serves: serves() });
    }
    if let Some(s) = chosen.iter().find(|s| !cfg.services.contains(s)) {
        return Err(EngineError::NotServedHere { counter: cfg.id.clone(), service: s.clone(), serves: serves() });
    }
    Ok(cfg.services.iter().filter(|s| chosen.contains(s)).cloned().collect())
}

/// Count and minutes of the breaks that started on `days` (site-local), per counter and
/// reason, sorted by counter then reason. A break still running counts up to `now`.
pub fn break_figures(
    records: &[BreakRecord],
    tz: Tz,
    days: RangeInclusive<NaiveDate>,
    now: DateTime<Utc>,
) -> Vec<BreakFigures> {
    let mut out: BTreeMap<(CounterId, BreakReason), (u32, f64)> = BTreeMap::new();
    for b in records.iter().filter(|b| days.contains(&local_date(tz, b.start))) {
        let end = b.end.unwrap_or(now).max(b.start);
        let e = out.entry((b.counter.clone(), b.reason)).or_default();
        e.0 += 1;
        e.1 += (end - b.start).num_milliseconds() as f64 / 60_000.0;
    }
    out.into_iter()
        .map(|((counter, reason), (count, minutes))| BreakFigures { counter, reason, count, minutes })
        .collect()
}
