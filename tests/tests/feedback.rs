//! Survey answers given while the broker is down: the feedback terminal's durable outbox
//! keeps them, and after the broker restarts every answer reaches the hub, is stored once by
//! id and is counted once in the figures.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::{HubProcess, broker, device, wait_until_async};
use aula_hub::feedback::fixture::SURVEYS_TOML;
use aula_protocol::{Answer, AnswerValue, DeviceId, Envelope, FeedbackAnswer, Lang, Outcome, SurveyId, Topic};
use chrono::{DateTime, TimeDelta, Utc};

/// An exit-survey answer given at `at`: CSAT `csat`, service kela, outcome done.
fn answer(at: DateTime<Utc>, csat: u8) -> Envelope<FeedbackAnswer> {
    let mut env = Envelope::new(FeedbackAnswer {
        survey: SurveyId::new("exit").unwrap(),
        device: DeviceId::new("exit-1").unwrap(),
        lang: Lang::fi(),
        service: None,
        answers: vec![
            Answer { question: "csat".parse().unwrap(), value: AnswerValue::Scale(csat) },
            Answer { question: "service".parse().unwrap(), value: AnswerValue::Choice("kela".into()) },
            Answer { question: "outcome".parse().unwrap(), value: AnswerValue::Outcome(Outcome::Done) },
        ],
    });
    // When the customer answered; the hub counts the answer at this time, not at arrival.
    env.ts = at;
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_given_while_the_broker_is_down_all_arrive_and_count_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("surveys.toml"), SURVEYS_TOML).unwrap();
    let mut broker = broker();
    let hub = HubProcess::start_with(
        env!("CARGO_BIN_EXE_e2e-hub"),
        dir.path(),
        broker.port,
        "surveys = \"surveys.toml\"",
        "",
    );
    let (agent, _events) = device(dir.path(), "exit-1", broker.port).await;
    wait_until_async("device connected", Duration::from_secs(10), async || agent.is_connected()).await;

    // Customers two minutes apart (the hub's rate limit does not apply), on a fixed day:
    // Monday 2026-09-14 from 09:00 local (06:00 UTC), 5 before the outage, 25 during it.
    const BEFORE: i64 = 5;
    const DURING: i64 = 25;
    let start: DateTime<Utc> = "2026-09-14T06:00:00Z".parse().unwrap();
    let mut sent = BTreeSet::new();
    for i in 0..BEFORE + DURING {
        if i == BEFORE {
            broker.stop();
            wait_until_async("device noticed the outage", Duration::from_secs(10), async || !agent.is_connected())
                .await;
        }
        let env = answer(start + TimeDelta::minutes(2 * i), if i % 3 == 0 { 2 } else { 5 });
        let id = agent.enqueue_envelope(Topic::Feedback, env).await.expect("the outbox takes answers while offline");
        sent.insert(id.0);
    }
    assert!(agent.outbox_pending() >= DURING as u64, "answers given offline wait in the outbox");
    tokio::time::sleep(Duration::from_millis(500)).await;
    broker.restart();

    let total = (BEFORE + DURING) as u64;
    wait_until_async("every answer stored at the hub", Duration::from_secs(60), async || {
        hub.stored_messages("feedback") >= total
    })
    .await;
    wait_until_async("outbox drained", Duration::from_secs(20), async || agent.outbox_pending() == 0).await;
    // Redeliveries, if any, would show up now; they must not be stored or counted again.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let conn = rusqlite::Connection::open(hub.db.with_file_name("hub-devices.db")).unwrap();
    let stored: Vec<Vec<u8>> = conn
        .prepare("SELECT id FROM messages WHERE kind = 'feedback'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let stored: BTreeSet<uuid::Uuid> = stored.iter().map(|b| uuid::Uuid::from_slice(b).unwrap()).collect();
    assert_eq!(stored, sent, "every answer stored, none twice, nothing extra");

    // Figures: 30 answers, every third a 2 (i = 0, 3, …, 27: 10 of them), the rest 5s.
    // CSAT = 20 / 30 = 66.67 %; positive 20, negative 10, ratio 2.
    let f = hub.get_json("/api/feedback/figures?period=day&from=2026-09-14&by=service").await;
    let rows = f["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{f}");
    let r = &rows[0];
    assert_eq!(r["service"], "kela");
    assert_eq!(r["answers"], total);
    assert_eq!(r["csat_pct"], 66.67);
    assert_eq!((r["positive"].as_u64(), r["negative"].as_u64()), (Some(20), Some(10)));
    assert_eq!(r["done_pct"], 100.0);
    assert_eq!(r["rate_limited"], 0);
}
