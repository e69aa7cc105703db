//! Protects the feedback side of the hub end to end over a real Mosquitto: surveys from the
//! config are retained on `survey/<id>` for kiosks, an answer over MQTT lands in the figures
//! once, and the figures, comments and CSV endpoints answer the fixture's hand-worked figures,
//! with a 400 naming the parameter and its expected form for bad queries.

use aula_hub::feedback::figures::{Comment, Figures};
use aula_hub::feedback::fixture;
use aula_protocol::{Answer, AnswerValue, DeviceId, Envelope, FeedbackAnswer, Lang, SurveyDef, SurveyId, Topic};
use aula_web::error::ApiError;
use rumqttc::QoS;

use crate::support::*;

/// period, answers, CSAT %, CES mean, NPS, rate-limited, refused taps.
type Brief<'a> = (&'a str, u64, Option<f64>, Option<f64>, Option<f64>, u64, u64);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn surveys_published_answers_counted_once_figures_and_csv_served() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("surveys.toml"), fixture::SURVEYS_TOML).unwrap();
    let hub_keys = "surveys = \"surveys.toml\"\nfeedback_limit = { answers = 2, per_s = 60 }\n";
    let hub = TestHub::start(hub_config(dir.path(), &format!("{hub_keys}{}", external(broker.port)))).await;

    // A kiosk connecting later still gets the definitions (retained).
    let mut kiosk = Device::connect(broker.port, "exit-9").await;
    let exit = Topic::Survey(SurveyId::new("exit").unwrap());
    kiosk.client.subscribe(topics().topic(&exit), QoS::AtLeastOnce).await.unwrap();
    let p = kiosk.next_on(&exit).await;
    assert!(p.retain, "survey definitions are retained");
    let def = aula_protocol::decode::<SurveyDef>(&p.payload).unwrap().body;
    assert_eq!(def.questions[0].id.as_str(), "csat");

    // One answer over MQTT, sent twice with the same id (a redelivery): counted once.
    let mut answer = Envelope::new(FeedbackAnswer {
        survey: SurveyId::new("exit").unwrap(),
        device: DeviceId::new("exit-9").unwrap(),
        lang: Lang::sv(),
        service: None,
        answers: vec![
            Answer { question: "csat".parse().unwrap(), value: AnswerValue::Scale(4) },
            Answer { question: "service".parse().unwrap(), value: AnswerValue::Choice("kela".into()) },
        ],
    });
    // Given on a fixed day (it may have waited in an outbox), so the test does not depend on
    // today's date: local 2026-09-15 13:00.
    answer.ts = "2026-09-15T10:00:00Z".parse().unwrap();
    for _ in 0..2 {
        kiosk.publish_raw(&topics().topic(&Topic::Feedback), answer.encode()).await;
    }
    hub.wait_for("the answer and its duplicate", |s| s.device_messages + s.duplicates >= 2).await;
    let c = hub.client(Role::Coordinator { authority: None });
    let get = |path: String| c.get(hub.url(&path)).send();
    let f: Figures =
        get("/api/feedback/figures?period=day&from=2026-09-15&by=service".into()).await.unwrap().json().await.unwrap();
    assert_eq!(f.rows.len(), 1, "{f:?}");
    assert_eq!((f.rows[0].service.as_str(), f.rows[0].answers, f.rows[0].csat_pct), ("kela", 1, Some(100.0)));

    // The hand-worked fixture, stored as the ingest loop stores it.
    for b in fixture::batches() {
        hub.hub.store_device_messages(&b).unwrap();
    }
    let r = get("/api/feedback/figures?period=month&from=2026-10-01&to=2026-12-01".into()).await.unwrap();
    assert_eq!(r.status(), 200);
    let f: Figures = r.json().await.unwrap();
    let summary: Vec<Brief> = f
        .rows
        .iter()
        .map(|r| (r.period.as_str(), r.answers, r.csat_pct, r.ces_mean, r.nps, r.rate_limited, r.taps_rejected))
        .collect();
    // Worked out in hub/src/feedback/tests.rs (expected_months).
    assert_eq!(
        summary,
        vec![
            ("2026-10", 5, Some(50.0), Some(2.67), Some(0.0), 0, 3),
            ("2026-11", 3, Some(100.0), Some(4.0), None, 2, 7)
        ]
    );

    // CSV: a header row, one line per row, CRLF, empty cells for "nothing to count".
    let r = get("/api/feedback/figures.csv?period=month&from=2026-10-01&to=2026-12-01".into()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], aula_hub::feedback::csv::FIGURES_HEADER);
    assert_eq!(lines[1], "2026-10,all,,5,4,50,3,2.67,4,0,4,50,25,25,1,100,2,2,1,1,0,3,0");
    assert_eq!(lines[2], "2026-11,all,,3,2,100,1,4,0,,1,0,0,100,1,0,2,0,,1,2,7,1");
    assert_eq!(lines[3], "", "ends with CRLF");

    // Comments: text, time and service only; the quote and comma survive CSV quoting.
    let list: Vec<Comment> =
        get("/api/feedback/comments?from=2026-10-01&to=2026-11-02".into()).await.unwrap().json().await.unwrap();
    assert_eq!(list.len(), 2);
    let csv =
        get("/api/feedback/comments.csv?from=2026-10-01&to=2026-11-02".into()).await.unwrap().text().await.unwrap();
    assert!(
        csv.contains("2026-10-25T23:30:00+02:00,vero,exit,comment,\"Liian pitkä jono, 2 \"\"tuntia\"\"\"\r\n"),
        "{csv}"
    );
    assert!(!csv.contains("exit-"), "no device ids in comments");

    // Bad queries: 400 naming the parameter and the expected form.
    for (qs, want) in [
        ("period=year&from=2026-10-01", "period: expected day, week or month"),
        ("from=10/2026", "from: expected a date as YYYY-MM-DD"),
        ("period=month", "from: required"),
        ("from=2026-10-01&by=colour", "by: expected service, hour or service,hour"),
    ] {
        for path in ["/api/feedback/figures", "/api/feedback/figures.csv"] {
            let r = get(format!("{path}?{qs}")).await.unwrap();
            assert_eq!(r.status(), 400, "{path}?{qs}");
            let e: ApiError = r.json().await.unwrap();
            assert!(e.message.contains(want), "{qs}: {e:?}");
        }
    }

    hub.stop().await;
}
