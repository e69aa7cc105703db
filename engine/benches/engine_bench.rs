//! Engine benchmarks, printed as a table beside the targets of the "Backbone" issue:
//! replaying a 1,000,000-event log, durable ingest with group commit, and the accuracy of
//! the wait estimate on simulated busy days.
//!
//! Run: `cargo bench -p aula-engine` (release). `AULA_BENCH_EVENTS` overrides the log size.

use std::path::Path;
use std::time::Instant;

use aula_engine::sim::{SimOptions, simulate};
use aula_engine::{Engine, SiteConfig};
use aula_protocol::{CounterId, MessageId, Needs, Rejection, ServiceId};
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};

fn site() -> SiteConfig {
    SiteConfig::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/site.toml")).expect("config/site.toml")
}

fn local(site: &SiteConfig, date: chrono::NaiveDate, h: u32) -> DateTime<Utc> {
    aula_engine::hours::local_to_utc(site.time_zone, date, NaiveTime::from_hms_opt(h, 0, 0).unwrap())
}

/// Fills `db` with about `events` events: tickets issued, called, started and finished over
/// as many service days as it takes.
fn build_log(db: &Path, site: &SiteConfig, events: u64) -> (u64, f64) {
    let mut e = Engine::open(db, site.clone()).unwrap();
    let pairs: Vec<(ServiceId, CounterId)> = [("poliisi", "1"), ("kela", "3"), ("te", "5"), ("vero", "6")]
        .iter()
        .map(|(s, c)| (ServiceId::new(*s).unwrap(), CounterId::new(*c).unwrap()))
        .collect();
    let mut date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let mut now = local(site, date, 9);
    let started = Instant::now();
    let mut i = 0usize;
    while e.state().events < events {
        e.batch(|e| {
            for _ in 0..2_000 {
                let (s, c) = &pairs[i % pairs.len()];
                i += 1;
                match e.issue_ticket(MessageId::new(), s, Needs::default(), now) {
                    Ok(_) => {
                        e.call_next(c, &[], now).unwrap();
                        e.start(c, now + TimeDelta::seconds(20)).unwrap();
                        e.finish(c, now + TimeDelta::seconds(60)).unwrap();
                        now += TimeDelta::seconds(5);
                    }
                    Err(Rejection::Closed { .. } | Rejection::NotToday { .. }) => {
                        date = date.succ_opt().unwrap();
                        now = local(site, date, 9);
                        e.tick(now);
                    }
                    Err(r) => panic!("{r:?}"),
                }
            }
        })
        .unwrap();
    }
    (e.state().events, started.elapsed().as_secs_f64())
}

fn main() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    let n: u64 = std::env::var("AULA_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);

    // 1. Replay.
    let db = dir.path().join("replay.db");
    let (events, build_s) = build_log(&db, &site, n);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(db.with_extension("db-wal")).map(|m| m.len()).unwrap_or(0);
    // Checkpoint the WAL first so the timing is of a normal start, not of a huge WAL.
    drop(Engine::open(&db, site.clone()).unwrap());
    let t = Instant::now();
    let e = Engine::open(&db, site.clone()).unwrap();
    let replay_s = t.elapsed().as_secs_f64();
    let tickets = e.tickets().count();
    let t = Instant::now();
    e.store().for_each(|_| ()).unwrap();
    let read_s = t.elapsed().as_secs_f64();
    let log = e.read_log().unwrap();
    drop(e);
    let t = Instant::now();
    let state = aula_engine::replay(log);
    let apply_s = t.elapsed().as_secs_f64();
    drop(state);

    // 2. Durable ingest: issue requests, each deduplicated by message id, grouped per transaction.
    let mut ingest = Vec::new();
    for batch in [1usize, 10, 100, 500] {
        let db = dir.path().join(format!("ingest-{batch}.db"));
        let mut e = Engine::open(&db, site.clone()).unwrap();
        let now = local(&site, chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), 10);
        let services: Vec<ServiceId> =
            ["poliisi", "kela", "te", "vero", "neuvonta"].iter().map(|s| ServiceId::new(*s).unwrap()).collect();
        let total = if batch == 1 { 500 } else { 20_000 };
        let t = Instant::now();
        let mut done = 0;
        while done < total {
            e.batch(|e| {
                for j in 0..batch {
                    let id = MessageId::new();
                    if !e.seen_before(id, now).unwrap() {
                        e.issue_ticket(id, &services[(done + j) % services.len()], Needs::default(), now).unwrap();
                    }
                }
            })
            .unwrap();
            done += batch;
        }
        ingest.push((batch, total as f64 / t.elapsed().as_secs_f64()));
    }

    // 3. Simulated busy days.
    let mut sims = Vec::new();
    let t = Instant::now();
    for seed in 1..=5 {
        let (r, _) = simulate(&site, &SimOptions::new(seed, 1500)).unwrap();
        sims.push(r);
    }
    let sim_s = t.elapsed().as_secs_f64() / sims.len() as f64;
    // A harder day: desks sized for 95 % load, so queues grow long at the peak.
    let busy: Vec<_> = (1..=5)
        .map(|seed| simulate(&site, &SimOptions { utilisation: 0.95, ..SimOptions::new(seed, 1500) }).unwrap().0)
        .collect();
    let bm: u32 = busy.iter().map(|r| r.measured).sum();
    let b_inside = busy.iter().map(|r| r.inside_range).sum::<u32>() as f64 / bm as f64;
    let b_within = busy.iter().map(|r| r.within_3_min).sum::<u32>() as f64 / bm as f64;
    let b_wait = busy.iter().map(|r| r.mean_wait_min).sum::<f64>() / busy.len() as f64;
    let b_p90 = busy.iter().map(|r| r.p90_wait_min).sum::<f64>() / busy.len() as f64;
    let b_bias = busy.iter().map(|r| r.mean_error_min).sum::<f64>() / busy.len() as f64;
    let measured: u32 = sims.iter().map(|r| r.measured).sum();
    let inside = sims.iter().map(|r| r.inside_range).sum::<u32>() as f64 / measured as f64;
    let within = sims.iter().map(|r| r.within_3_min).sum::<u32>() as f64 / measured as f64;
    let mean = |f: fn(&aula_engine::sim::SimReport) -> f64| sims.iter().map(f).sum::<f64>() / sims.len() as f64;

    println!("aula-engine bench (release, 2 cores shared)\n");
    println!("| measure | result | target |");
    println!("|---|---|---|");
    println!("| build log ({events} events, {tickets} tickets, {:.0} MB) | {build_s:.1} s | — |", size as f64 / 1e6);
    println!("| replay {events} events from disk (Engine::open) | {replay_s:.2} s | < 2 s |");
    println!("| of which: SQLite read + decode only (own thread) | {read_s:.2} s | — |");
    println!("| of which: applying to the state only (from memory) | {apply_s:.2} s | — |");
    for (batch, rate) in &ingest {
        println!(
            "| durable ingest, {batch} msg/transaction (dedupe + issue, WAL, synchronous=FULL) | {rate:.0} msg/s | ≥ 2,000 msg/s |"
        );
    }
    println!("| simulated day, 1,500 visits (5 seeds, mean {:.2} s/day) | {} tickets measured | — |", sim_s, measured);
    println!("| real wait inside the range shown at issue | {:.1} % | — |", inside * 100.0);
    println!("| real wait within ±3 min of the range's middle | {:.1} % | 80 % |", within * 100.0);
    println!("| mean wait / p90 wait | {:.1} / {:.1} min | — |", mean(|r| r.mean_wait_min), mean(|r| r.p90_wait_min));
    println!(
        "| mean abs. error of the middle / mean range width | {:.1} / {:.1} min | — |",
        mean(|r| r.mean_abs_error_min),
        mean(|r| r.mean_range_width_min)
    );
    println!("| harder day (desks sized for 95 % load): mean / p90 wait | {b_wait:.1} / {b_p90:.1} min | — |");
    println!(
        "| bias (real − middle): busy day / harder day | {:+.2} / {b_bias:+.2} min | — |",
        mean(|r| r.mean_error_min)
    );
    println!(
        "| harder day: inside range / within ±3 min of middle | {:.1} % / {:.1} % | — / 80 % |",
        b_inside * 100.0,
        b_within * 100.0
    );
}
