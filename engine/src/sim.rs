//! A simulated busy day, to measure how good the wait estimate is and to drive the engine
//! hard (the hub's bench binary calls it too).
//!
//! The day follows `shared/fixtures/site-example.md`: arrivals by hour share (8–9 8 %,
//! 9–10 15 %, … 15–16 9 %), Poisson counts within each hour, customers by authority
//! (poliisi 25 %, kela 20 %, te 15 %, vero 15 %, neuvonta 10 %, dvv 6 %, migri 5 %, others 4 %;
//! shares of services absent that day go to the others), log-normal service times with
//! median 7 min (neuvonta 4, migri 20, poliisi 9) and p90 = 2.5 × median, 10 % appointments
//! (checked in 0–10 min before the booked time; appointments-only services are all
//! appointments), 4 % no-shows (the counter waits out the window, then calls the next),
//! 2 % took a number for the wrong authority (transferred by the counter that calls them).
//!
//! Staffing: the fixture does not say how many people serve each authority, so the
//! simulation sizes it: each service open that day gets `ceil(work / (open minutes × 0.85))`
//! desks of its own (at least one), i.e. about 85 % busy on average, so queues build at the
//! 10–11 peak and drain later, which is what a lobby looks like. Walk-in customers arrive
//! only while their service is open.
//!
//! Accuracy: for every ticket that was called, the wait it was shown when issued (range)
//! against its real wait (issue → first call).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use aula_protocol::{CounterId, Localized, MessageId, Needs, ServiceId, TicketId};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Poisson};

use crate::config::{CounterConfig, SiteConfig};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::hours::local_to_utc;

/// Arrivals by local hour (8..16), share of the day.
pub const HOUR_SHARES: [(u32, f64); 8] =
    [(8, 0.08), (9, 0.15), (10, 0.16), (11, 0.13), (12, 0.12), (13, 0.14), (14, 0.13), (15, 0.09)];

/// Customers by service. "Others" (4 %) is split over the small authorities.
pub const SERVICE_SHARES: [(&str, f64); 10] = [
    ("poliisi", 0.25),
    ("kela", 0.20),
    ("te", 0.15),
    ("vero", 0.15),
    ("neuvonta", 0.10),
    ("dvv", 0.06),
    ("migri", 0.05),
    ("ulosotto", 0.015),
    ("oikeusapu", 0.015),
    ("mml", 0.01),
];

/// Median service time, minutes (default 7).
fn median_minutes(service: &str) -> f64 {
    match service {
        "neuvonta" => 4.0,
        "migri" => 20.0,
        "poliisi" => 9.0,
        _ => 7.0,
    }
}

/// Log-normal σ giving p90 = 2.5 × median (z₀.₉ = 1.2816).
pub fn lognormal_sigma() -> f64 {
    2.5f64.ln() / 1.2816
}

/// Knobs of a simulated day.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub seed: u64,
    /// Visits offered over the day.
    pub visits: u32,
    /// The day simulated (default Wednesday 25 Nov 2026: Migri and the enforcement
    /// authority are present).
    pub date: NaiveDate,
    pub appointment_share: f64,
    pub no_show_share: f64,
    pub transfer_share: f64,
    /// Average desk utilisation the staffing is sized for.
    pub utilisation: f64,
}

impl SimOptions {
    pub fn new(seed: u64, visits: u32) -> Self {
        SimOptions {
            seed,
            visits,
            date: NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date"),
            appointment_share: 0.10,
            no_show_share: 0.04,
            transfer_share: 0.02,
            utilisation: 0.85,
        }
    }
}

/// What a simulated day produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimReport {
    pub visits: u32,
    pub tickets: u32,
    pub appointments: u32,
    pub served: u32,
    pub no_shows: u32,
    pub transfers: u32,
    /// Arrivals refused (e.g. service closed, check-in too late).
    pub refused: u32,
    pub desks: u32,
    pub events: u64,
    /// Tickets called whose issue answer had a wait range.
    pub measured: u32,
    /// Real wait inside the range shown.
    pub inside_range: u32,
    /// Real wait within ±3 min of the middle of the range shown.
    pub within_3_min: u32,
    pub mean_wait_min: f64,
    pub p90_wait_min: f64,
    pub mean_abs_error_min: f64,
    /// Mean of (real − middle): positive when the estimate is too short.
    pub mean_error_min: f64,
    pub mean_range_width_min: f64,
}

impl SimReport {
    pub fn share_inside(&self) -> f64 {
        self.inside_range as f64 / self.measured.max(1) as f64
    }
    pub fn share_within_3(&self) -> f64 {
        self.within_3_min as f64 / self.measured.max(1) as f64
    }
}

/// Runs a busy day on `site` with default options; see the module doc.
pub fn simulate_day(site: &SiteConfig, seed: u64, visits: u32) -> SimReport {
    simulate(site, &SimOptions::new(seed, visits)).map(|(r, _)| r).unwrap_or_else(|e| {
        tracing::error!(error = %e, "simulation failed");
        SimReport::default()
    })
}

struct Customer {
    /// Service they need.
    service: ServiceId,
    /// Service they took a number for (differs for the 2 % who chose wrong).
    took: ServiceId,
    arrive: DateTime<Utc>,
    booking: Option<String>,
    no_show: bool,
    service_min: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive(usize),
    /// Desk is ready for its next customer.
    Free(usize),
    /// Desk transfers the wrong-queue customer it called.
    Transfer(usize),
}

/// Runs a day and returns the report and the engine (for inspection).
pub fn simulate(site: &SiteConfig, opt: &SimOptions) -> Result<(SimReport, Engine), EngineError> {
    let mut rng = StdRng::seed_from_u64(opt.seed);
    let tz = site.time_zone;
    let day = opt.date;
    let sigma = lognormal_sigma();

    // Services present that day and their renormalised shares.
    let present: Vec<(&crate::config::ServiceConfig, f64)> = SERVICE_SHARES
        .iter()
        .filter_map(|(id, share)| site.services.iter().find(|s| s.id.as_str() == *id).map(|s| (s, *share)))
        .filter(|(s, _)| s.hours.open_on(day))
        .collect();
    let total_share: f64 = present.iter().map(|(_, s)| s).sum();
    let appt_only_share: f64 = present.iter().filter(|(s, _)| !s.walk_in).map(|(_, x)| x / total_share).sum();
    let walk_in_appt = ((opt.appointment_share - appt_only_share) / (1.0 - appt_only_share)).clamp(0.0, 1.0);

    // Staffing sized for the load.
    let mut sim_site = site.clone();
    sim_site.counters.clear();
    for (s, share) in &present {
        let n = opt.visits as f64 * share / total_share;
        let mean = median_minutes(s.id.as_str()) * (sigma * sigma / 2.0).exp();
        let open_min: f64 = s.hours.spans_on(day).iter().map(|sp| (sp.close - sp.open).num_minutes() as f64).sum();
        let desks = ((n * mean) / (open_min * opt.utilisation)).ceil().max(1.0) as usize;
        for k in 0..desks {
            let id = CounterId::new(format!("{}-{}", s.id, k + 1)).expect("valid id");
            let name = format!("{} {}", s.prefix, k + 1);
            sim_site.counters.push(CounterConfig {
                id,
                name: Localized::from_pairs(&[("fi", &name), ("sv", &name), ("en", &name)]),
                services: vec![s.id.clone()],
                room: false,
            });
        }
    }
    let desks: Vec<CounterId> = sim_site.counters.iter().map(|c| c.id.clone()).collect();
    let desk_service: Vec<ServiceId> = sim_site.counters.iter().map(|c| c.services[0].clone()).collect();

    // Customers.
    let mut customers: Vec<Customer> = Vec::new();
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//aula//sim//EN\r\n");
    let walk_in_ids: Vec<ServiceId> = present.iter().filter(|(s, _)| s.walk_in).map(|(s, _)| s.id.clone()).collect();
    for (s, share) in &present {
        let spans = s.hours.spans_on(day);
        // Hours this service is open, with the day's arrival weights.
        let hours: Vec<(u32, f64)> = HOUR_SHARES
            .iter()
            .copied()
            .filter(|(h, _)| {
                spans.iter().any(|sp| {
                    sp.open.hour() <= *h && (*h as f64) < sp.close.hour() as f64 + sp.close.minute() as f64 / 60.0
                })
            })
            .collect();
        let weight: f64 = hours.iter().map(|(_, w)| w).sum();
        if weight <= 0.0 {
            continue;
        }
        let expected = opt.visits as f64 * share / total_share;
        let median = median_minutes(s.id.as_str());
        let service_time = LogNormal::new(median.ln(), sigma).expect("valid log-normal");
        for (h, w) in hours {
            let lambda = expected * w / weight;
            let count = if lambda > 0.0 { Poisson::new(lambda).expect("valid λ").sample(&mut rng) as u32 } else { 0 };
            for _ in 0..count {
                let minute = rng.random_range(0.0..60.0);
                let local =
                    day.and_hms_opt(h, 0, 0).expect("valid time") + TimeDelta::milliseconds((minute * 60_000.0) as i64);
                let mut arrive = local_to_utc(tz, local.date(), local.time());
                let appointment = !s.walk_in || rng.random_bool(walk_in_appt);
                let mut booking = None;
                if appointment {
                    // Booked on a 5-minute slot; arrives 0–10 min before it.
                    let slot_local = day.and_hms_opt(h, ((minute as u32) / 5) * 5, 0).expect("valid time");
                    let slot = local_to_utc(tz, slot_local.date(), slot_local.time());
                    let code = format!("SIM{:05}", customers.len());
                    ics.push_str(&format!(
                        "BEGIN:VEVENT\r\nUID:sim-{}\r\nDTSTART:{}\r\nX-AULA-SERVICE:{}\r\nX-AULA-CODE:{}\r\nEND:VEVENT\r\n",
                        customers.len(),
                        slot.format("%Y%m%dT%H%M%SZ"),
                        s.id,
                        code
                    ));
                    arrive = slot - TimeDelta::milliseconds((rng.random_range(0.0..10.0) * 60_000.0) as i64);
                    booking = Some(code);
                }
                let wrong = booking.is_none() && walk_in_ids.len() > 1 && rng.random_bool(opt.transfer_share);
                let took = if wrong {
                    let others: Vec<&ServiceId> = walk_in_ids
                        .iter()
                        .filter(|x| **x != s.id && site.service(x).is_some_and(|c| c.hours.open_at(tz, arrive)))
                        .collect();
                    if others.is_empty() { s.id.clone() } else { others[rng.random_range(0..others.len())].clone() }
                } else {
                    s.id.clone()
                };
                customers.push(Customer {
                    service: s.id.clone(),
                    took,
                    arrive,
                    booking,
                    no_show: rng.random_bool(opt.no_show_share),
                    service_min: service_time.sample(&mut rng),
                });
            }
        }
    }
    ics.push_str("END:VCALENDAR\r\n");

    let mut engine = Engine::open_in_memory(sim_site)?;
    let day_start = local_to_utc(tz, day, chrono::NaiveTime::from_hms_opt(7, 0, 0).expect("valid"));
    engine.import_bookings_ics(&ics, day_start)?;

    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |q: &mut BinaryHeap<_>, at: DateTime<Utc>, ev: Ev| {
        seq += 1;
        q.push(Reverse((at, seq, ev)));
    };
    for (i, c) in customers.iter().enumerate() {
        push(&mut queue, c.arrive, Ev::Arrive(i));
    }
    let mut idle: Vec<bool> = vec![true; desks.len()];
    let mut owner: HashMap<TicketId, usize> = HashMap::new();
    let mut report = SimReport { visits: customers.len() as u32, desks: desks.len() as u32, ..Default::default() };
    let minutes = |m: f64| TimeDelta::milliseconds((m * 60_000.0) as i64);

    while let Some(Reverse((now, _, ev))) = queue.pop() {
        match ev {
            Ev::Arrive(i) => {
                let c = &customers[i];
                let answer = match &c.booking {
                    Some(code) => engine.check_in(MessageId::new(), code, Needs::default(), now),
                    None => engine.issue_ticket(MessageId::new(), &c.took, Needs::default(), now),
                };
                match answer {
                    Ok(t) => {
                        report.tickets += 1;
                        if c.booking.is_some() {
                            report.appointments += 1;
                        }
                        owner.insert(t.id, i);
                        wake(&mut queue, &mut push, &mut idle, &desk_service, &t.service, now);
                    }
                    Err(_) => report.refused += 1,
                }
            }
            Ev::Free(k) => {
                let desk = &desks[k];
                if engine
                    .state()
                    .counter_ticket(desk)
                    .is_some_and(|t| matches!(t.phase, crate::ticket::Phase::Serving { .. }))
                {
                    engine.finish(desk, now)?;
                    report.served += 1;
                }
                match engine.call_next(desk, &[], now) {
                    Ok(call) => {
                        idle[k] = false;
                        let i = owner[&call.ticket];
                        let c = &customers[i];
                        if c.no_show {
                            // The counter waits out the window; call_next then marks the no-show.
                            report.no_shows += 1;
                            push(&mut queue, now + minutes(3.0), Ev::Free(k));
                        } else if call.service != c.service {
                            push(&mut queue, now + minutes(1.0), Ev::Transfer(k));
                        } else {
                            let walk = minutes(0.5);
                            engine.start(desk, now + walk)?;
                            push(&mut queue, now + walk + minutes(c.service_min), Ev::Free(k));
                        }
                    }
                    Err(EngineError::NothingWaiting { .. }) => idle[k] = true,
                    Err(e) => return Err(e),
                }
            }
            Ev::Transfer(k) => {
                let desk = &desks[k];
                if let Some(t) = engine.state().counter_ticket(desk) {
                    let (id, i) = (t.id, owner[&t.id]);
                    let target = customers[i].service.clone();
                    let moved = engine.transfer(id, &target, now)?;
                    owner.insert(moved.id, i);
                    report.transfers += 1;
                    wake(&mut queue, &mut push, &mut idle, &desk_service, &target, now);
                }
                push(&mut queue, now, Ev::Free(k));
            }
        }
        // Staff start times are not modelled: a sleeping desk of a just-opened service wakes
        // with the first arrival.
    }
    let end = local_to_utc(tz, day, chrono::NaiveTime::from_hms_opt(23, 0, 0).expect("valid"));
    engine.close_day(end)?;

    // Accuracy of the answers given at issue.
    let mut waits = Vec::new();
    let mut abs_err = 0.0;
    let mut err = 0.0;
    let mut width = 0.0;
    // Sorted, so float sums do not depend on hash order (the report is deterministic per seed).
    let mut tickets: Vec<&crate::ticket::Ticket> = engine.tickets().collect();
    tickets.sort_by_key(|t| (t.created_at, t.id));
    for t in tickets {
        let (Some(range), Some(called)) = (t.wait, t.first_called_at) else { continue };
        if t.transferred_from.is_some() {
            continue;
        }
        let real = (called - t.created_at).num_milliseconds() as f64 / 60_000.0;
        waits.push(real);
        report.measured += 1;
        if range.contains(real) || (real < range.low_min as f64 && range.low_min == 0) {
            report.inside_range += 1;
        }
        if (real - range.middle()).abs() <= 3.0 {
            report.within_3_min += 1;
        }
        abs_err += (real - range.middle()).abs();
        err += real - range.middle();
        width += (range.high_min - range.low_min) as f64;
    }
    waits.sort_by(|a, b| a.total_cmp(b));
    if !waits.is_empty() {
        report.mean_wait_min = waits.iter().sum::<f64>() / waits.len() as f64;
        report.p90_wait_min = waits[(waits.len() * 9 / 10).min(waits.len() - 1)];
        report.mean_abs_error_min = abs_err / waits.len() as f64;
        report.mean_error_min = err / waits.len() as f64;
        report.mean_range_width_min = width / waits.len() as f64;
    }
    report.events = engine.state().events;
    Ok((report, engine))
}

/// Wakes one idle desk of `service` shortly after `now`.
fn wake(
    queue: &mut BinaryHeap<Reverse<(DateTime<Utc>, u64, Ev)>>,
    push: &mut impl FnMut(&mut BinaryHeap<Reverse<(DateTime<Utc>, u64, Ev)>>, DateTime<Utc>, Ev),
    idle: &mut [bool],
    desk_service: &[ServiceId],
    service: &ServiceId,
    now: DateTime<Utc>,
) {
    if let Some(k) = (0..idle.len()).find(|k| idle[*k] && &desk_service[*k] == service) {
        idle[k] = false;
        push(queue, now + TimeDelta::seconds(10), Ev::Free(k));
    }
}

use chrono::Timelike;
