//! A hand-checked feedback fixture on the test site ([`crate::testsite`]): surveys, a small
//! set of answers around the autumn DST change, ISO-week and month boundaries, a duplicate and
//! a rate-limited burst, and the figures expected from them, worked out by hand in the tests
//! that use it (`feedback/tests.rs`, `web/tests/feedback.rs`). Not for production.

use aula_protocol::{
    Answer, AnswerValue, DeviceEvent, DeviceId, FeedbackAnswer, Lang, MessageId, Outcome, QuestionId, ServiceId,
    SurveyId,
};
use chrono::{DateTime, TimeZone, Utc};

use crate::store::{DeviceBody, DeviceMsg};

/// Surveys for the test site (services vero, kela, poliisi).
pub const SURVEYS_TOML: &str = r#"
[[survey]]
id = "exit"
title = { fi = "Palaute", sv = "Respons", en = "Feedback" }
thanks = { fi = "Kiitos", sv = "Tack", en = "Thanks" }
[[survey.questions]]
id = "csat"
text = { fi = "Tyytyväisyys", sv = "Nöjdhet", en = "Satisfaction" }
required = true
kind = { type = "scale5", style = "smileys", measure = "csat" }
[[survey.questions]]
id = "service"
text = { fi = "Palvelu", sv = "Tjänst", en = "Service" }
kind = { type = "choice", options = [
    { id = "vero", text = { fi = "Vero", sv = "Skatt", en = "Tax" } },
    { id = "kela", text = { fi = "Kela", sv = "FPA", en = "Kela" } },
] }
[[survey.questions]]
id = "ces"
text = { fi = "Vaivattomuus", sv = "Enkelhet", en = "Effort" }
kind = { type = "scale5", style = "numbers", measure = "ces" }
[[survey.questions]]
id = "nps"
text = { fi = "Suosittelu", sv = "Rekommendation", en = "Recommend" }
kind = { type = "nps" }
[[survey.questions]]
id = "outcome"
text = { fi = "Hoituiko?", sv = "Klart?", en = "Done?" }
kind = { type = "outcome" }
[[survey.questions]]
id = "comment"
text = { fi = "Kommentti", sv = "Kommentar", en = "Comment" }
kind = { type = "free_text", max_len = 500 }

[[survey]]
id = "selfservice"
title = { fi = "Itsepalvelu", sv = "Självbetjäning", en = "Self-service" }
thanks = { fi = "Kiitos", sv = "Tack", en = "Thanks" }
[[survey.questions]]
id = "outcome"
text = { fi = "Hoituiko?", sv = "Klart?", en = "Done?" }
kind = { type = "outcome" }
[[survey.questions]]
id = "self_reliance"
text = { fi = "Itse ensi kerralla?", sv = "Själv nästa gång?", en = "On your own next time?" }
[survey.questions.kind]
type = "yes_no"
[survey.questions.kind.follow_up_on_no]
id = "help_needed"
text = { fi = "Mikä auttaisi?", sv = "Vad skulle hjälpa?", en = "What would help?" }
kind = { type = "free_text", max_len = 300 }
[[survey.questions]]
id = "ces"
text = { fi = "Vaivattomuus", sv = "Enkelhet", en = "Effort" }
kind = { type = "scale5", style = "numbers", measure = "ces" }
"#;

/// The fixture's rate limit: more than 2 answers a minute from one device are flagged.
pub const RATE: super::RateLimit = super::RateLimit { max_answers: 2, window: std::time::Duration::from_secs(60) };

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("valid fixture time")
}

/// An answer value by question id.
pub enum V {
    Scale(u8),
    Nps(u8),
    Out(Outcome),
    Yes(bool),
    Choice(&'static str),
    Text(&'static str),
}

/// A stored feedback message as the ingest loop makes it.
pub fn answer(
    at: DateTime<Utc>,
    device: &str,
    survey: &str,
    service: Option<&str>,
    answers: &[(&str, V)],
) -> DeviceMsg {
    let body = FeedbackAnswer {
        survey: SurveyId::new(survey).unwrap(),
        device: DeviceId::new(device).unwrap(),
        lang: Lang::fi(),
        service: service.map(|s| ServiceId::new(s).unwrap()),
        answers: answers
            .iter()
            .map(|(q, v)| Answer {
                question: QuestionId::new(*q).unwrap(),
                value: match v {
                    V::Scale(n) => AnswerValue::Scale(*n),
                    V::Nps(n) => AnswerValue::Nps(*n),
                    V::Out(o) => AnswerValue::Outcome(*o),
                    V::Yes(y) => AnswerValue::YesNo(*y),
                    V::Choice(c) => AnswerValue::Choice((*c).into()),
                    V::Text(t) => AnswerValue::Text((*t).into()),
                },
            })
            .collect(),
    };
    DeviceMsg {
        id: MessageId::new(),
        sent_at: at,
        // Received a little later, as over a real broker.
        received_at: at + chrono::TimeDelta::seconds(1),
        device: DeviceId::new(device).unwrap(),
        body: DeviceBody::Feedback(body),
    }
}

pub fn taps(at: DateTime<Utc>, device: &str, count: u32) -> DeviceMsg {
    DeviceMsg {
        id: MessageId::new(),
        sent_at: at,
        received_at: at,
        device: DeviceId::new(device).unwrap(),
        body: DeviceBody::Event(DeviceEvent::TapsRejected { count }),
    }
}

/// The fixture's messages, as batches to store in order. Times are UTC; the local
/// (Europe/Helsinki) time is in each comment. Summer time ends 2026-10-25 04:00 EEST →
/// 03:00 EET, so local 03:30 happens twice that night. ISO week 43 ends Sunday 2026-10-25,
/// week 44 runs 2026-10-26 … 2026-11-01, week 45 starts Monday 2026-11-02.
pub fn batches() -> Vec<Vec<DeviceMsg>> {
    use Outcome::*;
    use V::*;
    // A1: local Sun 10-25 03:30 EEST (first 03:30), W43, October.
    let a1 = answer(
        utc(2026, 10, 25, 0, 30, 0),
        "exit-1",
        "exit",
        Some("kela"),
        &[("csat", Scale(5)), ("nps", Nps(10)), ("outcome", Out(Done))],
    );
    // A2: local Sun 10-25 03:30 EET (the second 03:30), W43, October.
    let a2 = answer(
        utc(2026, 10, 25, 1, 30, 0),
        "exit-1",
        "exit",
        Some("kela"),
        &[("csat", Scale(4)), ("nps", Nps(9)), ("ces", Scale(2))],
    );
    // Refused taps on exit-2: local Sun 10-25 14:00 EET.
    let t1 = taps(utc(2026, 10, 25, 12, 0, 0), "exit-2", 3);
    // A3: local Sun 10-25 23:30, still W43. Service chosen on screen.
    let a3 = answer(
        utc(2026, 10, 25, 21, 30, 0),
        "exit-1",
        "exit",
        None,
        &[
            ("csat", Scale(1)),
            ("service", Choice("vero")),
            ("nps", Nps(0)),
            ("outcome", Out(NotDone)),
            ("comment", Text("Liian pitkä jono, 2 \"tuntia\"")),
        ],
    );
    // A4: local Mon 10-26 00:30: W44 (the UTC date is still the 25th).
    let a4 = answer(
        utc(2026, 10, 25, 22, 30, 0),
        "exit-1",
        "exit",
        None,
        &[
            ("csat", Scale(2)),
            ("service", Choice("vero")),
            ("ces", Scale(5)),
            ("nps", Nps(6)),
            ("outcome", Out(Started)),
        ],
    );
    // A5: local Sat 10-31 23:59: October, W44.
    let a5 = answer(
        utc(2026, 10, 31, 21, 59, 0),
        "self-1",
        "selfservice",
        Some("kela"),
        &[("outcome", Out(Done)), ("self_reliance", Yes(true)), ("ces", Scale(1))],
    );
    // A6: local Sun 11-01 00:00: November, still W44. No service.
    let a6 = answer(
        utc(2026, 10, 31, 22, 0, 0),
        "self-1",
        "selfservice",
        None,
        &[
            ("outcome", Out(NotDone)),
            ("self_reliance", Yes(false)),
            ("help_needed", Text("En löytänyt oikeaa lomaketta")),
            ("ces", Scale(4)),
        ],
    );
    // Unknown survey: local Mon 11-02 11:00, stored, not counted.
    let u = answer(utc(2026, 11, 2, 9, 0, 0), "exit-1", "old", None, &[("csat", Scale(3))]);
    // Burst on exit-2, local Mon 11-02 12:00:00-12:00:03 (W45): 4 answers in 4 s with a limit
    // of 2 a minute: the first 2 count, the last 2 are flagged. Then 7 refused taps.
    let burst: Vec<DeviceMsg> = (0..4)
        .map(|s| answer(utc(2026, 11, 2, 10, 0, s), "exit-2", "exit", Some("kela"), &[("csat", Scale(5))]))
        .collect();
    let t2 = taps(utc(2026, 11, 2, 10, 0, 5), "exit-2", 7);

    let mut b1 = vec![a1, a2.clone(), a2.clone(), t1, a3];
    b1.push(a4);
    let mut b2 = vec![a2, a5, a6, u];
    b2.extend(burst);
    b2.push(t2);
    vec![b1, b2]
}
