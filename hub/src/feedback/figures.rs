//! The figures the service teams read: per period (local day, ISO week or month), per service
//! (or all together) and per opening hour (local hour of day), computed from `fb_rollup`; and
//! the comments and per-device reject counts. Query parameters are parsed here too, so the
//! HTTP handlers and the CSV export share one meaning and one set of error messages.
//!
//! Definitions (also in the API doc):
//! - `answers`: answers counted (rate-limited and unknown-survey answers are not);
//! - `csat_pct`: % of CSAT scale answers that are 4 or 5;
//! - `ces_mean`: mean of CES answers (1 = very easy … 5 = very hard);
//! - `nps`: % of 9–10 minus % of 0–6 among NPS answers (−100 … 100);
//! - `done_pct`, `started_pct`, `not_done_pct`: shares of outcome answers;
//! - `self_reliance_yes_pct`: % "yes" to the `self_reliance` question;
//! - `positive` / `negative`: CSAT answers 4–5 / 1–2 (3 is neutral), and their ratio
//!   (`null` when there is no negative answer);
//! - `comments`: free-text answers counted; `rate_limited`: answers the hub's per-device limit
//!   flagged; `taps_rejected`: taps the devices' own limit refused (no service: they appear in
//!   the `all` row, or the `none` row when split by service).
//!
//! Percentages and means are rounded to two decimals; `null` when there was nothing to count.

use std::collections::BTreeMap;

use aula_protocol::{ServiceId, SurveyId};
use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// Longest range one query may cover (a few years of months is plenty for a report).
pub const MAX_DAYS: i64 = 1100;
/// Most comments one query returns.
pub const MAX_COMMENTS: u32 = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    fn label(self, d: NaiveDate) -> String {
        match self {
            Period::Day => d.format("%Y-%m-%d").to_string(),
            Period::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => d.format("%Y-%m").to_string(),
        }
    }

    fn after(self, d: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => d + TimeDelta::days(1),
            Period::Week => d + TimeDelta::days(7),
            Period::Month => d.checked_add_months(Months::new(1)).unwrap_or(d),
        }
    }
}

/// Query string of the figures and CSV endpoints, as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RawQuery {
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub by: Option<String>,
    pub survey: Option<String>,
    pub service: Option<String>,
    pub limit: Option<String>,
}

/// A checked query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub period: Period,
    /// First local day included.
    pub from: NaiveDate,
    /// First local day not included.
    pub to: NaiveDate,
    pub by_service: bool,
    pub by_hour: bool,
    pub survey: Option<SurveyId>,
    pub service: Option<ServiceId>,
    pub limit: u32,
}

fn date(key: &str, v: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{key}: expected a date as YYYY-MM-DD (e.g. 2026-11-01), found {v:?}"))
}

impl RawQuery {
    /// Checks every parameter; the error says which one and the expected form.
    pub fn parse(&self) -> Result<Query, String> {
        let period = match self.period.as_deref().map(str::trim) {
            None | Some("month") => Period::Month,
            Some("week") => Period::Week,
            Some("day") => Period::Day,
            Some(other) => return Err(format!("period: expected day, week or month, found {other:?}")),
        };
        let from = match &self.from {
            Some(f) => date("from", f)?,
            None => return Err("from: required, a date as YYYY-MM-DD (e.g. from=2026-11-01)".into()),
        };
        let to = match &self.to {
            Some(t) => date("to", t)?,
            None => period.after(from),
        };
        if to <= from {
            return Err(format!("to: expected a day after from ({from}), found {to} (to is not included)"));
        }
        if (to - from).num_days() > MAX_DAYS {
            return Err(format!("to: at most {MAX_DAYS} days after from, found {} days", (to - from).num_days()));
        }
        let (mut by_service, mut by_hour) = (false, false);
        for part in self.by.as_deref().unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "service" => by_service = true,
                "hour" => by_hour = true,
                other => return Err(format!("by: expected service, hour or service,hour, found {other:?}")),
            }
        }
        let survey = match self.survey.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(SurveyId::new(s).map_err(|e| format!("survey: {e}"))?),
            None => None,
        };
        let service = match self.service.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(ServiceId::new(s).map_err(|e| format!("service: {e}"))?),
            None => None,
        };
        let limit = match &self.limit {
            None => 500,
            Some(l) => match l.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_COMMENTS).contains(&n) => n,
                _ => return Err(format!("limit: expected a number from 1 to {MAX_COMMENTS}, found {l:?}")),
            },
        };
        Ok(Query { period, from, to, by_service, by_hour, survey, service, limit })
    }
}

/// One row of figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `2026-11-03`, `2026-W45` or `2026-11`.
    pub period: String,
    /// A service id, `all` (not split by service) or `none` (answers without a service).
    pub service: String,
    /// Local hour of day (0–23) when split by hour.
    pub hour: Option<u8>,
    pub answers: u64,
    pub csat_answers: u64,
    pub csat_pct: Option<f64>,
    pub ces_answers: u64,
    pub ces_mean: Option<f64>,
    pub nps_answers: u64,
    pub nps: Option<f64>,
    pub outcome_answers: u64,
    pub done_pct: Option<f64>,
    pub started_pct: Option<f64>,
    pub not_done_pct: Option<f64>,
    pub self_reliance_answers: u64,
    pub self_reliance_yes_pct: Option<f64>,
    pub positive: u64,
    pub negative: u64,
    pub positive_negative_ratio: Option<f64>,
    pub comments: u64,
    pub rate_limited: u64,
    pub taps_rejected: u64,
    pub unknown_survey: u64,
}

/// What `GET /api/feedback/figures` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub period: Period,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub time_zone: String,
    pub rows: Vec<Row>,
}

/// Counts behind one row.
#[derive(Debug, Default, Clone)]
struct Acc {
    answers: u64,
    csat: [u64; 6],
    ces: [u64; 6],
    nps: [u64; 11],
    outcome: [u64; 3],
    yes_no: [u64; 2],
    comments: u64,
    flagged: u64,
    taps: u64,
    unknown: u64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round2(100.0 * part as f64 / whole as f64))
}

impl Acc {
    fn add(&mut self, metric: &str, value: i64, n: u64) {
        let at = |v: i64, len: usize| usize::try_from(v).ok().filter(|i| *i < len);
        match metric {
            "answers" => self.answers += n,
            "csat" => at(value, 6).into_iter().for_each(|i| self.csat[i] += n),
            "ces" => at(value, 6).into_iter().for_each(|i| self.ces[i] += n),
            "nps" => at(value, 11).into_iter().for_each(|i| self.nps[i] += n),
            "outcome" => at(value, 3).into_iter().for_each(|i| self.outcome[i] += n),
            "self" => at(value, 2).into_iter().for_each(|i| self.yes_no[i] += n),
            "comments" => self.comments += n,
            "flagged" => self.flagged += n,
            "taps" => self.taps += n,
            "unknown" => self.unknown += n,
            _ => {}
        }
    }

    fn row(&self, period: String, service: String, hour: Option<u8>) -> Row {
        let csat_n: u64 = self.csat.iter().sum();
        let ces_n: u64 = self.ces.iter().sum();
        let ces_sum: u64 = self.ces.iter().enumerate().map(|(v, n)| v as u64 * n).sum();
        let nps_n: u64 = self.nps.iter().sum();
        let promoters = self.nps[9] + self.nps[10];
        let detractors: u64 = self.nps[..=6].iter().sum();
        let outcome_n: u64 = self.outcome.iter().sum();
        let self_n = self.yes_no[0] + self.yes_no[1];
        let positive = self.csat[4] + self.csat[5];
        let negative = self.csat[1] + self.csat[2];
        Row {
            period,
            service,
            hour,
            answers: self.answers,
            csat_answers: csat_n,
            csat_pct: pct(positive, csat_n),
            ces_answers: ces_n,
            ces_mean: (ces_n > 0).then(|| round2(ces_sum as f64 / ces_n as f64)),
            nps_answers: nps_n,
            nps: (nps_n > 0).then(|| round2(100.0 * (promoters as f64 - detractors as f64) / nps_n as f64)),
            outcome_answers: outcome_n,
            done_pct: pct(self.outcome[0], outcome_n),
            started_pct: pct(self.outcome[1], outcome_n),
            not_done_pct: pct(self.outcome[2], outcome_n),
            self_reliance_answers: self_n,
            self_reliance_yes_pct: pct(self.yes_no[1], self_n),
            positive,
            negative,
            positive_negative_ratio: (negative > 0).then(|| round2(positive as f64 / negative as f64)),
            comments: self.comments,
            rate_limited: self.flagged,
            taps_rejected: self.taps,
            unknown_survey: self.unknown,
        }
    }
}

fn hour_bound(d: NaiveDate) -> String {
    format!("{} 00", d.format("%Y-%m-%d"))
}

/// The figures for `q` from the rollup table.
pub fn figures(conn: &Connection, q: &Query, time_zone: &str) -> rusqlite::Result<Figures> {
    // Sorted keys: rows come out by period, then service, then hour.
    let mut acc: BTreeMap<(String, String, Option<u8>), Acc> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT hour, service, metric, value, sum(n) FROM fb_rollup
         WHERE hour >= ?1 AND hour < ?2
           AND (?3 IS NULL OR survey = ?3 OR survey = '')
           AND (?4 IS NULL OR service = ?4)
         GROUP BY hour, service, metric, value",
    )?;
    let survey = q.survey.as_ref().map(SurveyId::as_str);
    let service = q.service.as_ref().map(ServiceId::as_str);
    let mut rows = stmt.query(params![hour_bound(q.from), hour_bound(q.to), survey, service])?;
    // Period label per local day, computed once per day rather than per row.
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let hour: String = r.get(0)?;
        let day = &hour[..10];
        let label = match labels.get(day) {
            Some(l) => l.clone(),
            None => {
                let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap_or(q.from);
                let l = q.period.label(d);
                labels.insert(day.to_owned(), l.clone());
                l
            }
        };
        let svc: String = r.get(1)?;
        let svc = match (q.by_service, svc.is_empty()) {
            (false, _) => "all".to_owned(),
            (true, true) => "none".to_owned(),
            (true, false) => svc,
        };
        let h = if q.by_hour { hour[11..13].parse::<u8>().ok() } else { None };
        let metric: String = r.get(2)?;
        let value: i64 = r.get(3)?;
        let n: i64 = r.get(4)?;
        acc.entry((label, svc, h)).or_default().add(&metric, value, n.max(0) as u64);
    }
    Ok(Figures {
        period: q.period,
        from: q.from,
        to: q.to,
        time_zone: time_zone.to_owned(),
        rows: acc.into_iter().map(|((p, s, h), a)| a.row(p, s, h)).collect(),
    })
}

/// One free-text comment: text, local time and service, nothing about the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Local time, RFC 3339 with the site's offset.
    pub time: String,
    /// Service id, or `none`.
    pub service: String,
    pub survey: String,
    pub question: String,
    pub text: String,
}

/// Counted comments in `q`'s range (oldest first, at most `q.limit`).
pub fn comments(conn: &Connection, q: &Query, tz: chrono_tz::Tz) -> rusqlite::Result<Vec<Comment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ts, service, survey, question, text FROM fb_comments
         WHERE hour >= ?1 AND hour < ?2 AND status = 0
           AND (?3 IS NULL OR survey = ?3) AND (?4 IS NULL OR service = ?4)
         ORDER BY ts LIMIT ?5",
    )?;
    let survey = q.survey.as_ref().map(SurveyId::as_str);
    let service = q.service.as_ref().map(ServiceId::as_str);
    let rows = stmt.query_map(params![hour_bound(q.from), hour_bound(q.to), survey, service, q.limit], |r| {
        let ts: i64 = r.get(0)?;
        let service: String = r.get(1)?;
        Ok(Comment {
            time: chrono::DateTime::from_timestamp_millis(ts)
                .map(|t| t.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
                .unwrap_or_default(),
            service: if service.is_empty() { "none".into() } else { service },
            survey: r.get(2)?,
            question: r.get(3)?,
            text: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Refused taps and rate-limited answers of one device on one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejects {
    pub day: String,
    pub device: String,
    pub taps_rejected: u64,
    pub rate_limited: u64,
}

pub fn rejects(conn: &Connection, q: &Query) -> rusqlite::Result<Vec<Rejects>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, device, taps, flagged FROM fb_rejects WHERE day >= ?1 AND day < ?2 ORDER BY day, device",
    )?;
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let rows = stmt.query_map(params![day(q.from), day(q.to)], |r| {
        Ok(Rejects {
            day: r.get(0)?,
            device: r.get(1)?,
            taps_rejected: r.get::<_, i64>(2)?.max(0) as u64,
            rate_limited: r.get::<_, i64>(3)?.max(0) as u64,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(qs: &str) -> Result<Query, String> {
        let raw: RawQuery = serde_urlencoded_like(qs);
        raw.parse()
    }

    /// A tiny `a=b&c=d` reader, enough for these literals (no escapes).
    fn serde_urlencoded_like(qs: &str) -> RawQuery {
        let mut r = RawQuery::default();
        for kv in qs.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap();
            let v = Some(v.to_owned());
            match k {
                "period" => r.period = v,
                "from" => r.from = v,
                "to" => r.to = v,
                "by" => r.by = v,
                "survey" => r.survey = v,
                "service" => r.service = v,
                "limit" => r.limit = v,
                _ => panic!("{k}"),
            }
        }
        r
    }

    #[test]
    fn bad_parameters_say_which_and_the_expected_form() {
        let check = |qs: &str, want: &[&str]| {
            let e = parse(qs).unwrap_err();
            for w in want {
                assert!(e.contains(w), "{qs}: {e:?} should contain {w:?}");
            }
        };
        check("period=year&from=2026-11-01", &["period", "day, week or month", "year"]);
        check("period=month", &["from", "required", "YYYY-MM-DD"]);
        check("from=1.11.2026", &["from", "YYYY-MM-DD", "1.11.2026"]);
        check("from=2026-11-01&to=2026-11-01", &["to", "after from"]);
        check("from=2026-11-01&by=device", &["by", "service, hour", "device"]);
        check("from=2026-11-01&service=Vero!", &["service"]);
        check("from=2026-11-01&limit=0", &["limit", "1 to 5000"]);
        check("from=2020-01-01&to=2026-01-01", &["to", "at most"]);
    }

    #[test]
    fn the_end_defaults_to_one_period_after_the_start() {
        let q = parse("period=month&from=2026-11-01&by=service,hour").unwrap();
        assert_eq!((q.to, q.by_service, q.by_hour), (NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), true, true));
        let q = parse("period=week&from=2026-10-26").unwrap();
        assert_eq!(q.to, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        assert_eq!(Period::Week.label(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()), "2026-W53");
    }
}
