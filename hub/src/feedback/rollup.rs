//! How a stored message counts in the feedback figures: [`record`] adds a fresh answer (or a
//! refused-taps report) to the rollup tables inside the ingest transaction. The tables and
//! what each metric value means are described in the module doc of [`super`].

use std::sync::atomic::{AtomicU64, Ordering};

use aula_protocol::{AnswerValue, DeviceEvent, FeedbackAnswer, Outcome, ServiceId};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, params};

use super::config::{FeedbackConfig, Meaning};
use crate::store::{DeviceBody, DeviceMsg};

/// A device timestamp further than this ahead of the hub's receive time is not trusted.
pub const MAX_CLOCK_AHEAD: TimeDelta = TimeDelta::minutes(5);

/// Tables of the module doc; run by `DeviceStore::open`.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS fb_answers (
    id     BLOB PRIMARY KEY,
    device TEXT NOT NULL,
    ts     INTEGER NOT NULL,
    status INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fb_answers_device_ts ON fb_answers (device, ts);
CREATE TABLE IF NOT EXISTS fb_rollup (
    hour    TEXT NOT NULL,
    service TEXT NOT NULL,
    survey  TEXT NOT NULL,
    metric  TEXT NOT NULL,
    value   INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (hour, service, survey, metric, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fb_comments (
    id       BLOB NOT NULL,
    question TEXT NOT NULL,
    ts       INTEGER NOT NULL,
    hour     TEXT NOT NULL,
    service  TEXT NOT NULL,
    survey   TEXT NOT NULL,
    text     TEXT NOT NULL,
    status   INTEGER NOT NULL,
    PRIMARY KEY (id, question)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fb_comments_hour ON fb_comments (hour);
CREATE TABLE IF NOT EXISTS fb_rejects (
    day    TEXT NOT NULL,
    device TEXT NOT NULL,
    taps   INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, device)
) WITHOUT ROWID;
";

/// `fb_answers.status` values.
pub const COUNTED: i64 = 0;
pub const RATE_LIMITED: i64 = 1;
pub const UNKNOWN_SURVEY: i64 = 2;

/// What recording one message did (for the store's caller and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Nothing,
    Counted,
    RateLimited,
    UnknownSurvey,
    Taps(u32),
}

/// The local hour key (`YYYY-MM-DD HH`) of `t` in `tz`.
pub fn hour_key(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H").to_string()
}

/// The time an answer is counted at (see the module doc).
pub fn answer_time(m: &DeviceMsg) -> DateTime<Utc> {
    if m.sent_at > m.received_at + MAX_CLOCK_AHEAD { m.received_at } else { m.sent_at }
}

/// Adds what a freshly stored message means for the reports. Runs inside the store's batch
/// transaction, only for a message inserted now (never for a redelivery).
pub fn record(conn: &Connection, fb: &FeedbackConfig, m: &DeviceMsg) -> rusqlite::Result<Recorded> {
    match &m.body {
        DeviceBody::Feedback(a) => record_answer(conn, fb, m, a),
        DeviceBody::Event(DeviceEvent::TapsRejected { count }) => {
            let count = *count;
            {
                let t = answer_time(m);
                let hour = hour_key(t, fb.time_zone);
                bump(conn, &hour, "", "", "taps", 0, i64::from(count))?;
                conn.prepare_cached(
                    "INSERT INTO fb_rejects (day, device, taps) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO UPDATE SET taps = taps + excluded.taps",
                )?
                .execute(params![&hour[..10], m.device.as_str(), i64::from(count)])?;
                Ok(Recorded::Taps(count))
            }
        }
        _ => Ok(Recorded::Nothing),
    }
}

fn bump(
    conn: &Connection,
    hour: &str,
    service: &str,
    survey: &str,
    metric: &str,
    value: i64,
    n: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO fb_rollup (hour, service, survey, metric, value, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET n = n + excluded.n",
    )?
    .execute(params![hour, service, survey, metric, value, n])?;
    Ok(())
}

fn record_answer(
    conn: &Connection,
    fb: &FeedbackConfig,
    m: &DeviceMsg,
    a: &FeedbackAnswer,
) -> rusqlite::Result<Recorded> {
    let t = answer_time(m);
    let ms = t.timestamp_millis();
    let hour = hour_key(t, fb.time_zone);
    let survey = a.survey.as_str();
    let meanings = fb.survey_meanings(&a.survey);

    // The service: named by the device (the trigger knew it), else the customer's choice.
    let chosen = meanings.and_then(|qs| {
        a.answers.iter().find_map(|x| match (&x.value, qs.get(&x.question)) {
            (AnswerValue::Choice(c), Some(Meaning::Service)) => ServiceId::new(c.as_str()).ok(),
            _ => None,
        })
    });
    let service = a.service.clone().or(chosen);
    let service = service.as_ref().map(ServiceId::as_str).unwrap_or("");

    let status = if meanings.is_none() {
        UNKNOWN_SURVEY
    } else {
        let window = fb.rate.window.as_millis() as i64;
        let recent: i64 = conn
            .prepare_cached("SELECT count(*) FROM fb_answers WHERE device = ?1 AND ts > ?2 AND ts <= ?3")?
            .query_row(params![m.device.as_str(), ms - window, ms], |r| r.get(0))?;
        if recent >= i64::from(fb.rate.max_answers) { RATE_LIMITED } else { COUNTED }
    };
    conn.prepare_cached("INSERT OR IGNORE INTO fb_answers (id, device, ts, status) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![&m.id.0.as_bytes()[..], m.device.as_str(), ms, status])?;

    let Some(qs) = meanings else {
        if throttle(&UNKNOWN_WARNINGS) {
            tracing::warn!(survey, device = %m.device, "answer to a survey this hub does not know: stored, not counted (unknown_survey in the figures)");
        }
        bump(conn, &hour, service, survey, "unknown", 0, 1)?;
        return Ok(Recorded::UnknownSurvey);
    };
    if status == RATE_LIMITED {
        bump(conn, &hour, service, survey, "flagged", 0, 1)?;
        conn.prepare_cached(
            "INSERT INTO fb_rejects (day, device, flagged) VALUES (?1, ?2, 1)
             ON CONFLICT DO UPDATE SET flagged = flagged + 1",
        )?
        .execute(params![&hour[..10], m.device.as_str()])?;
    } else {
        bump(conn, &hour, service, survey, "answers", 0, 1)?;
    }

    for x in &a.answers {
        let Some(meaning) = qs.get(&x.question) else {
            tracing::debug!(survey, question = %x.question, "answer to a question not in the survey; not counted");
            continue;
        };
        if let (Meaning::Comment, AnswerValue::Text(text)) = (meaning, &x.value) {
            let text = text.trim();
            if !text.is_empty() {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO fb_comments (id, question, ts, hour, service, survey, text, status)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    &m.id.0.as_bytes()[..],
                    x.question.as_str(),
                    ms,
                    &hour,
                    service,
                    survey,
                    text,
                    status
                ])?;
                if status == COUNTED {
                    bump(conn, &hour, service, survey, "comments", 0, 1)?;
                }
            }
            continue;
        }
        if status != COUNTED {
            continue;
        }
        let metric = match (meaning, &x.value) {
            (Meaning::Csat, AnswerValue::Scale(v)) => Some(("csat", i64::from(*v))),
            (Meaning::Ces, AnswerValue::Scale(v)) => Some(("ces", i64::from(*v))),
            (Meaning::Nps, AnswerValue::Nps(v)) => Some(("nps", i64::from(*v))),
            (Meaning::Outcome, AnswerValue::Outcome(o)) => Some(("outcome", outcome_value(*o))),
            (Meaning::SelfReliance, AnswerValue::YesNo(y)) => Some(("self", i64::from(*y))),
            (Meaning::OtherScale | Meaning::OtherYesNo | Meaning::Service | Meaning::OtherChoice, _) => None,
            (m, v) => {
                if throttle(&MISMATCH_WARNINGS) {
                    tracing::warn!(survey, question = %x.question, meaning = ?m, value = ?v, "answer of the wrong kind for its question; not counted");
                }
                None
            }
        };
        if let Some((metric, value)) = metric {
            bump(conn, &hour, service, survey, metric, value, 1)?;
        }
    }
    Ok(if status == RATE_LIMITED { Recorded::RateLimited } else { Recorded::Counted })
}

static UNKNOWN_WARNINGS: AtomicU64 = AtomicU64::new(0);
static MISMATCH_WARNINGS: AtomicU64 = AtomicU64::new(0);

/// True for the 1st, 101st, 201st… call: a kiosk running an old survey sends the same
/// problem with every answer, and one warning in a hundred is enough to notice it.
fn throttle(counter: &AtomicU64) -> bool {
    counter.fetch_add(1, Ordering::Relaxed).is_multiple_of(100)
}

/// `outcome` metric values.
pub fn outcome_value(o: Outcome) -> i64 {
    match o {
        Outcome::Done => 0,
        Outcome::Started => 1,
        Outcome::NotDone => 2,
    }
}
