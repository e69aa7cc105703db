//! `feedback-bench`: the feedback side of the hub, measured and printed beside its targets.
//! Build in release: `cargo build --release -p aula-hub --bin feedback-bench &&
//! target/release/feedback-bench`.
//!
//! Measured, on the shipped `config/site.toml` and `config/surveys.toml`:
//! - answers stored per second through the real ingest path: devices publish exit-survey
//!   answers at QoS 1 to a private Mosquitto, the hub (in-process, `aula_hub::run_with`)
//!   decodes, stores each once by id, updates the report tables in the same transaction and
//!   acknowledges after commit (target ≥ 2,000/s);
//! - the month figures over 1,000,000 stored answers (target < 1 s): answers spread over a
//!   month's opening hours, services and surveys are written straight into a device store
//!   file through `Store::ingest` with the devices and feedback hooks (the same code the intake
//!   calls), then the
//!   month is queried for all services, by service, and by service and hour.

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aula_engine::SiteConfig;
use aula_hub::changes::Changes;
use aula_hub::devices::Devices;
use aula_hub::feedback::figures::RawQuery;
use aula_hub::feedback::fixture::{V, answer};
use aula_hub::feedback::{Feedback, RateLimit, config as surveys};
use aula_hub::store::Store;
use aula_protocol::{Answer, AnswerValue, DeviceId, Envelope, FeedbackAnswer, Lang, Outcome, SurveyId, Topic};
use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use clap::Parser;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

#[derive(Debug, Parser)]
#[command(about = "Benchmark the hub's feedback ingest and month figures")]
struct Args {
    /// Answers published through Mosquitto for the ingest rate.
    #[arg(long, default_value_t = 20_000)]
    answers: usize,
    /// Concurrent publishing feedback terminals.
    #[arg(long, default_value_t = 4)]
    publishers: usize,
    /// Mosquitto's max_inflight_messages (bounds the hub's batch size).
    #[arg(long, default_value_t = 100)]
    inflight: usize,
    /// Answers stored for the month query (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    stored: usize,
    /// Site and survey files.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../config"))]
    config: PathBuf,
}

/// A publishing client, connected.
async fn publisher(port: u16, id: &str) -> AsyncClient {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(30)).set_inflight(100);
    let (c, mut ev) = AsyncClient::new(o, 1000);
    ev.set_network_options(aula_hub::mqtt::network_options());
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut tx = Some(tx);
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    if let Some(t) = tx.take() {
                        let _ = t.send(());
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    let _ = tokio::time::timeout(Duration::from_secs(10), rx).await;
    c
}

/// A plausible exit answer number `i` (CSAT, service, CES, NPS, outcome; a comment now and then).
fn exit_answer(i: usize, device: &DeviceId, services: &[String]) -> FeedbackAnswer {
    let q = |s: &str| s.parse().expect("question id literal");
    let mut answers = vec![
        Answer { question: q("csat"), value: AnswerValue::Scale([5, 4, 5, 3, 4, 2, 5, 1][i % 8]) },
        Answer { question: q("service"), value: AnswerValue::Choice(services[i % services.len()].clone()) },
        Answer { question: q("ces"), value: AnswerValue::Scale((i % 5) as u8 + 1) },
        Answer { question: q("nps"), value: AnswerValue::Nps((i % 11) as u8) },
        Answer {
            question: q("outcome"),
            value: AnswerValue::Outcome([Outcome::Done, Outcome::Done, Outcome::Started, Outcome::NotDone][i % 4]),
        },
    ];
    if i.is_multiple_of(20) {
        answers.push(Answer {
            question: q("comment"),
            value: AnswerValue::Text("Jonotus kesti, mutta palvelu oli ystävällistä.".into()),
        });
    }
    FeedbackAnswer {
        survey: SurveyId::new("exit").unwrap(),
        device: device.clone(),
        lang: Lang::fi(),
        service: None,
        answers,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let site_path = args.config.join("site.toml").canonicalize().context("site.toml")?;
    let surveys_path = args.config.join("surveys.toml").canonicalize().context("surveys.toml")?;
    let site = SiteConfig::load(&site_path)?;
    let services: Vec<String> = site.services.iter().map(|s| s.id.as_str().to_owned()).collect();
    let dir = tempfile::tempdir()?;

    // 1. Ingest through Mosquitto.
    let (_mosquitto, mport) = support::mosquitto(
        dir.path(),
        &format!("max_queued_messages 1000000\nmax_inflight_messages {}\n", args.inflight),
    )?;
    // The rate limit is lifted: bench terminals publish far faster than customers answer,
    // and flagged answers would skip most of the counting work being measured.
    std::fs::write(
        dir.path().join("hub.toml"),
        format!(
            "[hub]\nsite = \"{}\"\ndb = \"aula.db\"\nhttp = \"127.0.0.1:0\"\nsurveys = \"{}\"\n\
             feedback_limit = {{ answers = 1000000000, per_s = 1 }}\n[broker]\nurl = \"mqtt://127.0.0.1:{mport}\"\n",
            site_path.display(),
            surveys_path.display()
        ),
    )?;
    let config = aula_hub::config::HubConfig::load(&dir.path().join("hub.toml"))?;
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let hub_task = tokio::spawn(aula_web::run_with(
        config,
        async move {
            let _ = stop_rx.await;
        },
        Some(started_tx),
    ));
    let hub = started_rx.await.context("hub did not start")?.hub;

    let topics = hub.topics.clone();
    let per = args.answers / args.publishers;
    let total = per * args.publishers;
    let mut pubs = Vec::new();
    for k in 0..args.publishers {
        let id = DeviceId::new(format!("bench-exit-{k}"))?;
        pubs.push((publisher(mport, id.as_str()).await, id));
    }
    let topic = topics.topic(&Topic::Feedback);
    let before = hub.stats.view().device_messages;
    let t = Instant::now();
    for (c, id) in pubs {
        let topic = topic.clone();
        let services = services.clone();
        tokio::spawn(async move {
            for i in 0..per {
                let env = Envelope::new(exit_answer(i, &id, &services)).encode();
                let _ = c.publish(topic.clone(), QoS::AtLeastOnce, false, env).await;
            }
        });
    }
    loop {
        let stored = hub.stats.view().device_messages - before;
        if stored >= total as u64 {
            break;
        }
        if t.elapsed() > Duration::from_secs(180) {
            bail!("hub stored {stored} of {total} answers in 180 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ingest = t.elapsed();
    let stats = hub.stats.view();
    let counted = hub
        .store
        .read(|c| c.query_row("SELECT count(*) FROM fb_answers WHERE status = 0", [], |r| r.get::<_, i64>(0)))?;
    let _ = stop_tx.send(());
    let _ = hub_task.await;

    // 2. Month figures over `stored` answers.
    let mut month = None;
    if args.stored > 0 {
        let fb =
            surveys::load(&surveys_path, &site, RateLimit { max_answers: u32::MAX, window: Duration::from_secs(1) })?;
        let store = Arc::new(Store::open(&dir.path().join("month-devices.db"))?);
        // The same hooks as the intake's, minus the facility (no boxes here).
        let devices = Devices::new(store.clone(), Changes::channel(1).0, Vec::new())?;
        let feedback = Feedback::new(fb, store.clone())?;
        let store_batch =
            |batch: &[aula_hub::store::DeviceMsg]| store.ingest(batch, chrono::Utc::now(), &[&devices, &feedback]);
        // Opening hours 08-16 local on the weekdays of November 2026, 20 terminals.
        let days: Vec<NaiveDate> = (1..=30)
            .filter_map(|d| NaiveDate::from_ymd_opt(2026, 11, d))
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .collect();
        let slots = days.len() * 8 * 3600;
        let step = slots.checked_div(args.stored).unwrap_or(1).max(1);
        let t = Instant::now();
        let mut batch = Vec::with_capacity(10_000);
        for i in 0..args.stored {
            let s = (i * step) % slots;
            let (day, sec) = (days[s / (8 * 3600)], s % (8 * 3600));
            let local = NaiveTime::from_hms_opt(8, 0, 0).unwrap() + TimeDelta::seconds(sec as i64);
            let at = aula_engine::hours::local_to_utc(site.time_zone, day, local);
            let device = format!("exit-{}", i % 20);
            let svc = services[(i * 7 + i / 13) % services.len()].as_str();
            let m = if i % 4 == 3 {
                answer(
                    at,
                    &device,
                    "selfservice",
                    Some(svc),
                    &[
                        ("outcome", V::Out([Outcome::Done, Outcome::NotDone, Outcome::Started][i % 3])),
                        ("self_reliance", V::Yes(i % 5 != 0)),
                        ("ces", V::Scale((i % 5) as u8 + 1)),
                    ],
                )
            } else {
                answer(
                    at,
                    &device,
                    "exit",
                    None,
                    &[
                        ("csat", V::Scale([5, 4, 5, 3, 4, 2, 5, 1][i % 8])),
                        ("service", V::Choice(["vero", "kela", "poliisi", "te", "neuvonta", "dvv", "migri"][i % 7])),
                        ("ces", V::Scale((i % 5) as u8 + 1)),
                        ("nps", V::Nps((i % 11) as u8)),
                        ("outcome", V::Out(Outcome::Done)),
                    ],
                )
            };
            batch.push(m);
            if batch.len() == 10_000 {
                store_batch(&batch)?;
                batch.clear();
            }
        }
        store_batch(&batch)?;
        let fill = t.elapsed();
        let rollup_rows: i64 = store.read(|c| c.query_row("SELECT count(*) FROM fb_rollup", [], |r| r.get(0)))?;
        let mut timings = Vec::new();
        for by in ["", "service", "service,hour"] {
            let q = RawQuery {
                period: Some("month".into()),
                from: Some("2026-11-01".into()),
                by: Some(by.into()),
                ..Default::default()
            }
            .parse()
            .map_err(anyhow::Error::msg)?;
            // First run cold (statement prepared, pages read), then the best of three.
            let t = Instant::now();
            let f = feedback.figures(&q)?;
            let cold = t.elapsed();
            let mut best = Duration::MAX;
            for _ in 0..3 {
                let t = Instant::now();
                let _ = feedback.figures(&q)?;
                best = best.min(t.elapsed());
            }
            let answers: u64 = f.rows.iter().map(|r| r.answers).sum();
            timings.push((if by.is_empty() { "all" } else { by }, cold, best, f.rows.len(), answers));
        }
        month = Some((fill, rollup_rows, timings));
    }

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "feedback-bench: {total} answers from {} terminals through Mosquitto (max_inflight_messages {}), site {}",
        args.publishers,
        args.inflight,
        site_path.display()
    );
    println!("| measure | result | target |");
    println!("|---|---|---|");
    println!(
        "| answers stored per second (ingest, commit before ack, report tables in the same transaction) | {:.0} /s | ≥ 2,000 /s |",
        total as f64 / ingest.as_secs_f64()
    );
    println!("| mean batch (messages per commit) | {:.1} | |", stats.received as f64 / stats.batches.max(1) as f64);
    println!("| answers counted in figures after ingest | {counted} of {total} | all |");
    if let Some((fill, rollup_rows, timings)) = month {
        println!(
            "| writing {} answers through Store::ingest (10,000 a transaction) | {:.1} s ({:.0} /s) | |",
            args.stored,
            fill.as_secs_f64(),
            args.stored as f64 / fill.as_secs_f64()
        );
        println!("| rollup rows for the month | {rollup_rows} | |");
        for (by, cold, best, rows, answers) in timings {
            println!(
                "| month figures over {} answers, by {by}: first / best of 3 ({rows} rows, {answers} answers counted) | {} / {} | < 1 s |",
                args.stored,
                ms(cold),
                ms(best)
            );
        }
    }
    Ok(())
}
