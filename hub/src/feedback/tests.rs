//! The feedback figures against the hand-worked fixture ([`super::fixture`]): what each
//! period, service and opening hour must show, with the arithmetic written out, so a change
//! in counting (DST, week or month boundaries, duplicates, the rate limit) fails here.

use std::sync::Arc;

use aula_engine::SiteConfig;
use chrono::NaiveDate;

use super::figures::{self, Figures, RawQuery, Row};
use super::{Feedback, config, fixture};
use crate::store::{DeviceBody, DeviceMsg, Store};

/// The site store with the fixture's batches ingested through the feedback domain.
struct Fixture {
    store: Arc<Store>,
    feedback: Feedback,
}

impl Fixture {
    fn conn(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.store.lock()
    }

    fn store_batch(&self, msgs: &[DeviceMsg]) -> Vec<bool> {
        self.store.ingest(msgs, chrono::Utc::now(), &[&self.feedback]).unwrap()
    }
}

fn store() -> Fixture {
    let site = SiteConfig::from_toml(crate::testsite::SITE_TOML, "site.toml").unwrap();
    let fb = config::from_toml(fixture::SURVEYS_TOML, "surveys.toml", &site, fixture::RATE).unwrap();
    let store = Arc::new(Store::open_in_memory().unwrap());
    let f = Fixture { feedback: Feedback::new(fb, store.clone()).unwrap(), store };
    for b in fixture::batches() {
        f.store_batch(&b);
    }
    f
}

fn q(period: &str, from: &str, to: Option<&str>, by: &str) -> figures::Query {
    RawQuery {
        period: Some(period.into()),
        from: Some(from.into()),
        to: to.map(Into::into),
        by: Some(by.into()),
        ..Default::default()
    }
    .parse()
    .unwrap()
}

fn fig(s: &Fixture, query: &figures::Query) -> Figures {
    figures::figures(&s.conn(), query, "Europe/Helsinki").unwrap()
}

/// A row with everything zero / empty, to spell out only what a case expects.
fn row(period: &str, service: &str, hour: Option<u8>) -> Row {
    Row {
        period: period.into(),
        service: service.into(),
        hour,
        answers: 0,
        csat_answers: 0,
        csat_pct: None,
        ces_answers: 0,
        ces_mean: None,
        nps_answers: 0,
        nps: None,
        outcome_answers: 0,
        done_pct: None,
        started_pct: None,
        not_done_pct: None,
        self_reliance_answers: 0,
        self_reliance_yes_pct: None,
        positive: 0,
        negative: 0,
        positive_negative_ratio: None,
        comments: 0,
        rate_limited: 0,
        taps_rejected: 0,
        unknown_survey: 0,
    }
}

/// October and November for all services.
pub fn expected_months() -> Vec<Row> {
    vec![
        // October (local): A1 A2 A3 A4 A5; A2's duplicate adds nothing.
        Row {
            answers: 5,
            // CSAT 5, 4, 1, 2: two of four are 4-5 → 50 %.
            csat_answers: 4,
            csat_pct: Some(50.0),
            // CES 2 (A2), 5 (A4), 1 (A5): 8 / 3 = 2.666… → 2.67.
            ces_answers: 3,
            ces_mean: Some(2.67),
            // NPS 10, 9, 0, 6: promoters 2, detractors 2 → (2 - 2) / 4 = 0.
            nps_answers: 4,
            nps: Some(0.0),
            // Outcomes done (A1), not done (A3), started (A4), done (A5): 2/4, 1/4, 1/4.
            outcome_answers: 4,
            done_pct: Some(50.0),
            started_pct: Some(25.0),
            not_done_pct: Some(25.0),
            // Self-reliance: A5 yes → 1 / 1.
            self_reliance_answers: 1,
            self_reliance_yes_pct: Some(100.0),
            // Positive = CSAT 4-5 (A1, A2), negative = CSAT 1-2 (A3, A4): 2 / 2 = 1.
            positive: 2,
            negative: 2,
            positive_negative_ratio: Some(1.0),
            // A3's comment.
            comments: 1,
            // exit-2 refused 3 taps on 10-25.
            taps_rejected: 3,
            ..row("2026-10", "all", None)
        },
        // November: A6, the first two of the burst; the other two flagged; one unknown survey.
        Row {
            answers: 3,
            // Burst CSAT 5, 5 → 100 % (the flagged 5s are not counted).
            csat_answers: 2,
            csat_pct: Some(100.0),
            // A6 CES 4.
            ces_answers: 1,
            ces_mean: Some(4.0),
            // A6 not done → 1 / 1.
            outcome_answers: 1,
            done_pct: Some(0.0),
            started_pct: Some(0.0),
            not_done_pct: Some(100.0),
            // A6 no → 0 / 1.
            self_reliance_answers: 1,
            self_reliance_yes_pct: Some(0.0),
            // Two 5s, no negative: ratio undefined.
            positive: 2,
            // A6's "what would help" text.
            comments: 1,
            rate_limited: 2,
            taps_rejected: 7,
            unknown_survey: 1,
            ..row("2026-11", "all", None)
        },
    ]
}

#[test]
fn month_figures_for_all_services() {
    let s = store();
    assert_eq!(
        s.store.count(crate::store::MsgKind::Feedback).unwrap(),
        11,
        "A1-A6 + unknown + 4 burst: A2 stored once"
    );
    assert_eq!(fig(&s, &q("month", "2026-10-01", Some("2026-12-01"), "")).rows, expected_months());
}

#[test]
fn month_figures_per_service() {
    let s = store();
    let f = fig(&s, &q("month", "2026-10-01", None, "service"));
    assert_eq!(f.to, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let expected = vec![
        // kela: A1, A2 (device named it) and A5.
        Row {
            answers: 3,
            csat_answers: 2, // 5, 4
            csat_pct: Some(100.0),
            ces_answers: 2, // 2, 1 → 1.5
            ces_mean: Some(1.5),
            nps_answers: 2, // 10, 9: both promoters
            nps: Some(100.0),
            outcome_answers: 2, // done, done
            done_pct: Some(100.0),
            started_pct: Some(0.0),
            not_done_pct: Some(0.0),
            self_reliance_answers: 1,
            self_reliance_yes_pct: Some(100.0),
            positive: 2,
            ..row("2026-10", "kela", None)
        },
        // The refused taps have no service.
        Row { taps_rejected: 3, ..row("2026-10", "none", None) },
        // vero: A3 and A4, service chosen on screen.
        Row {
            answers: 2,
            csat_answers: 2, // 1, 2
            csat_pct: Some(0.0),
            ces_answers: 1, // 5
            ces_mean: Some(5.0),
            nps_answers: 2, // 0, 6: both detractors → -100
            nps: Some(-100.0),
            outcome_answers: 2, // not done, started
            done_pct: Some(0.0),
            started_pct: Some(50.0),
            not_done_pct: Some(50.0),
            negative: 2,
            positive_negative_ratio: Some(0.0),
            comments: 1,
            ..row("2026-10", "vero", None)
        },
    ];
    assert_eq!(f.rows, expected);
}

#[test]
fn iso_weeks_follow_local_time_not_utc() {
    let s = store();
    let f = fig(&s, &q("week", "2026-10-19", Some("2026-11-09"), ""));
    let expected = vec![
        // W43 (Mon 10-19 … Sun 10-25 local): A1, A2, A3.
        Row {
            answers: 3,
            csat_answers: 3, // 5, 4, 1 → 2/3 = 66.67 %
            csat_pct: Some(66.67),
            ces_answers: 1, // 2
            ces_mean: Some(2.0),
            nps_answers: 3, // 10, 9, 0 → (2 - 1) / 3 = 33.33
            nps: Some(33.33),
            outcome_answers: 2, // done, not done
            done_pct: Some(50.0),
            started_pct: Some(0.0),
            not_done_pct: Some(50.0),
            positive: 2,
            negative: 1,
            positive_negative_ratio: Some(2.0),
            comments: 1,
            taps_rejected: 3,
            ..row("2026-W43", "all", None)
        },
        // W44: A4 (local Monday 00:30, UTC still Sunday), A5, A6 (local Nov 1).
        Row {
            answers: 3,
            csat_answers: 1, // 2
            csat_pct: Some(0.0),
            ces_answers: 3, // 5, 1, 4 → 10 / 3 = 3.33
            ces_mean: Some(3.33),
            nps_answers: 1, // 6
            nps: Some(-100.0),
            outcome_answers: 3, // started, done, not done
            done_pct: Some(33.33),
            started_pct: Some(33.33),
            not_done_pct: Some(33.33),
            self_reliance_answers: 2, // yes, no
            self_reliance_yes_pct: Some(50.0),
            negative: 1,
            positive_negative_ratio: Some(0.0),
            comments: 1,
            ..row("2026-W44", "all", None)
        },
        // W45: the burst (2 counted, 2 flagged), the unknown survey, 7 taps.
        Row {
            answers: 2,
            csat_answers: 2,
            csat_pct: Some(100.0),
            positive: 2,
            rate_limited: 2,
            taps_rejected: 7,
            unknown_survey: 1,
            ..row("2026-W45", "all", None)
        },
    ];
    assert_eq!(f.rows, expected);
}

#[test]
fn opening_hours_are_local_and_the_repeated_dst_hour_is_one_hour() {
    let s = store();
    let f = fig(&s, &q("month", "2026-10-01", None, "hour"));
    let hours: Vec<(Option<u8>, u64, u64)> = f.rows.iter().map(|r| (r.hour, r.answers, r.taps_rejected)).collect();
    // 00: A4 (00:30). 03: A1 (03:30 EEST) and A2 (03:30 EET). 14: the taps. 23: A3, A5.
    assert_eq!(hours, vec![(Some(0), 1, 0), (Some(3), 2, 0), (Some(14), 0, 3), (Some(23), 2, 0)]);
    let h3 = &f.rows[1];
    assert_eq!((h3.csat_pct, h3.nps), (Some(100.0), Some(100.0)));

    let f = fig(&s, &q("day", "2026-10-25", Some("2026-10-27"), ""));
    let days: Vec<(&str, u64)> = f.rows.iter().map(|r| (r.period.as_str(), r.answers)).collect();
    assert_eq!(days, vec![("2026-10-25", 3), ("2026-10-26", 1)]);
}

#[test]
fn a_survey_filter_keeps_its_answers_and_the_devices_taps() {
    let s = store();
    let mut query = q("month", "2026-11-01", None, "");
    query.survey = Some(aula_protocol::SurveyId::new("selfservice").unwrap());
    let f = fig(&s, &query);
    assert_eq!(f.rows.len(), 1);
    // A6 only; the burst was on "exit", the unknown on "old".
    assert_eq!(
        (f.rows[0].answers, f.rows[0].csat_answers, f.rows[0].rate_limited, f.rows[0].taps_rejected),
        (1, 0, 0, 7)
    );
}

#[test]
fn comments_have_text_time_and_service_only_and_skip_flagged_answers() {
    let s = store();
    let query = q("month", "2026-10-01", Some("2026-11-09"), "");
    let c = figures::comments(&s.conn(), &query, chrono_tz::Europe::Helsinki).unwrap();
    let got: Vec<(&str, &str, &str)> =
        c.iter().map(|c| (c.time.as_str(), c.service.as_str(), c.text.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2026-10-25T23:30:00+02:00", "vero", "Liian pitkä jono, 2 \"tuntia\""),
            ("2026-11-01T00:00:00+02:00", "none", "En löytänyt oikeaa lomaketta"),
        ]
    );
    let r = figures::rejects(&s.conn(), &query).unwrap();
    let got: Vec<(&str, &str, u64, u64)> =
        r.iter().map(|r| (r.day.as_str(), r.device.as_str(), r.taps_rejected, r.rate_limited)).collect();
    assert_eq!(got, vec![("2026-10-25", "exit-2", 3, 0), ("2026-11-02", "exit-2", 7, 2)]);
}

#[test]
fn storing_the_same_batches_again_changes_no_figure() {
    let s = store();
    let before = fig(&s, &q("week", "2026-10-19", Some("2026-11-09"), "service,hour"));
    // The broker redelivers everything (a hub crash before the acks): the same ids again.
    let stored: Vec<crate::store::DeviceMsg> = {
        let conn = s.conn();
        let mut stmt = conn.prepare("SELECT id, sent, received, device, kind, body FROM messages").unwrap();
        stmt.query_map([], |r| {
            let id: Vec<u8> = r.get(0)?;
            let kind: String = r.get(4)?;
            let body: String = r.get(5)?;
            Ok(crate::store::DeviceMsg {
                id: aula_protocol::MessageId(uuid::Uuid::from_slice(&id).unwrap()),
                sent_at: chrono::DateTime::from_timestamp_millis(r.get(1)?).unwrap(),
                received_at: chrono::DateTime::from_timestamp_millis(r.get(2)?).unwrap(),
                device: aula_protocol::DeviceId::new(r.get::<_, String>(3)?).unwrap(),
                body: if kind == "feedback" {
                    DeviceBody::Feedback(serde_json::from_str(&body).unwrap())
                } else {
                    DeviceBody::Event(serde_json::from_str(&body).unwrap())
                },
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    assert_eq!(s.store_batch(&stored).iter().filter(|f| **f).count(), 0);
    assert_eq!(fig(&s, &q("week", "2026-10-19", Some("2026-11-09"), "service,hour")), before);
}
