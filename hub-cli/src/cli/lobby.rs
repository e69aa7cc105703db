//! `aula-hub lobby`: the one-command lobby demo. Starts the hub with the staff console (and
//! the embedded broker when the config names none), makes a staff account per role and a
//! CLI token and prints them, opens every walk-in service today around the clock (through
//! today's presence, logged like an advisor's change) so a demo works at any hour, and runs
//! a simulated kiosk and simulated counters; it prints the queue wall every few seconds.
//!
//! One clock: by default the demo runs in real time on the system clock, like the kiosk
//! and wall windows beside it (`--at`/`--speed` make a simulated clock, for benches only).
//! The simulation drives only the counters it is given (`sim_counters`); the others are
//! left for people signed in to the console, so a number you call there is not taken over.
//! The load is one the simulated counters can serve: about `arrivals_per_hour` customers,
//! shared among services as at the example site (poliisi 25 %, kela 20 %, te 15 %, vero
//! 15 %, neuvonta 10 %, dvv 6 %, migri 5 %), served in a few minutes each, 4 % no-shows.

use std::sync::Arc;
use std::time::Duration;

use aula_protocol::{Envelope, Lang, Needs, Reply, ReplyResult, Request, RequestKind, ServiceId, Topic, Verb};
use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use thiserror::Error;
use tokio::sync::oneshot;

use aula_hub::Hub;
use aula_hub::clock::Clock;
use aula_hub::config::HubConfig;

use crate::args::render_wall;

#[derive(Debug, Error)]
pub enum LobbyError {
    #[error("--at {0:?}: expected a local time HH:MM")]
    BadTime(String),
    #[error(transparent)]
    Run(#[from] aula_web::WebError),
    #[error("the hub stopped before it started")]
    NotStarted,
}

/// Options of the demo (from the CLI).
#[derive(Debug, Clone)]
pub struct LobbyOptions {
    /// A simulated start time (local HH:MM, next weekday); None: the system clock.
    pub at: Option<String>,
    /// Speed of a simulated clock (1: real time).
    pub speed: f64,
    pub print_every: Duration,
    /// Counters the simulation serves; the rest are for people.
    pub sim_counters: Vec<String>,
    pub arrivals_per_hour: f64,
    /// Open every walk-in service today around the clock (today's presence).
    pub open_all_day: bool,
}

impl Default for LobbyOptions {
    fn default() -> Self {
        LobbyOptions {
            at: None,
            speed: 1.0,
            print_every: Duration::from_secs(5),
            sim_counters: ["2", "4", "5", "6", "room-a", "room-b", "room-c"].map(String::from).to_vec(),
            arrivals_per_hour: 60.0,
            open_all_day: true,
        }
    }
}

/// The demo's staff accounts: (user, role, authority), all with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [(&str, &str, Option<&str>); 6] = [
    ("poliisi", "counter", Some("poliisi")),
    ("kela", "counter", Some("kela")),
    ("neuvoja", "advisor", None),
    ("kiinteisto", "facility", None),
    ("koordinaattori", "coordinator", None),
    ("admin", "admin", None),
];
/// Demo only: every demo account's password, printed on start.
pub const DEMO_PASSWORD: &str = "aula-demo-2026";
// The traffic shape of the example site comes from the engine's simulation, so the demo and
// the wait-accuracy benchmark share one definition.
use aula_engine::sim::{HOUR_SHARES as HOUR_SHARE, SERVICE_SHARES as SERVICE_SHARE};

/// A small deterministic generator (xorshift64*): the demo needs no cryptographic quality
/// and stays reproducible.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64) / ((1u64 << 53) as f64)
    }
    fn exp(&mut self, rate: f64) -> f64 {
        -(1.0 - self.next_f64()).ln() / rate
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (1.0 - self.next_f64(), self.next_f64());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    /// Log-normal with the given median and p90 = 2.5 × median.
    fn lognormal(&mut self, median: f64) -> f64 {
        let sigma = 2.5f64.ln() / 1.2816;
        median * (sigma * self.normal()).exp()
    }
}

/// Runs the demo until `shutdown` resolves; `print` receives each wall printout.
pub async fn run(
    mut config: HubConfig,
    opts: LobbyOptions,
    shutdown: impl std::future::Future<Output = ()>,
    print: impl Fn(String) + Send + Sync + 'static,
) -> Result<(), LobbyError> {
    let start = match &opts.at {
        None => Utc::now(),
        Some(s) => start_at(s, &config)?,
    };
    config.clock =
        if opts.at.is_none() && opts.speed == 1.0 { Clock::system() } else { Clock::simulated(start, opts.speed) };
    let (started_tx, started_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let hub_task = tokio::spawn(aula_web::run_with(
        config.clone(),
        async move {
            let _ = stop_rx.await;
        },
        Some(started_tx),
    ));
    let Ok(started) = started_rx.await else {
        return match hub_task.await {
            Ok(Err(e)) => Err(e.into()),
            _ => Err(LobbyError::NotStarted),
        };
    };
    let hub = started.hub.clone();
    let token = demo_staff(&hub);
    if opts.open_all_day {
        open_all_day(&hub);
    }
    let people: Vec<String> =
        config.site.counters.iter().map(|c| c.id.to_string()).filter(|c| !opts.sim_counters.contains(c)).collect();
    let clock = if opts.at.is_none() && opts.speed == 1.0 {
        "real time".to_owned()
    } else {
        format!("simulated clock from {start} at {}× speed", opts.speed)
    };
    let mut lines = vec![
        format!("lobby demo: site {}, MQTT {:?}, {clock}", hub.topics.site(), config.mqtt_host_port()),
        format!("staff console: http://{}/  (demo password for every account: {DEMO_PASSWORD})", started.http),
    ];
    for (user, role, authority) in DEMO_ACCOUNTS {
        lines.push(format!("  {user:<15} {role}{}", authority.map(|a| format!(" ({a})")).unwrap_or_default()));
    }
    if let Some(p) = started.public {
        lines.push(format!("customers' follow pages: http://{p}/follow/…"));
    }
    lines.push(format!(
        "counters for people: {} (the simulation serves {})",
        people.join(", "),
        opts.sim_counters.join(", ")
    ));
    if let Some(t) = &token {
        lines.push(format!("CLI token (a poliisi counter expert): export AULA_TOKEN={t}"));
    }
    print(lines.join("\n"));

    let mut tasks = vec![tokio::spawn(kiosk(hub.clone(), config.clone(), opts.speed, opts.arrivals_per_hour))];
    for (i, c) in opts.sim_counters.iter().enumerate() {
        if let Ok(id) = aula_protocol::CounterId::new(c.as_str())
            && config.site.counter(&id).is_some()
        {
            tasks.push(tokio::spawn(counter(hub.clone(), id, opts.speed, 7 + i as u64)));
        }
    }
    let print = Arc::new(print);
    {
        let hub = hub.clone();
        let print = print.clone();
        let every = opts.print_every;
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let local = hub.now().with_timezone(&hub.queue.site().time_zone);
                print(format!(
                    "--- {} ---\n{}",
                    local.format("%a %H:%M"),
                    render_wall(&hub.queue.queue_state(), &Lang::fi())
                ));
            }
        }));
    }

    shutdown.await;
    for t in &tasks {
        t.abort();
    }
    let _ = stop_tx.send(());
    let _ = hub_task.await;
    let s = hub.stats.view();
    print(format!("lobby demo stopped: {} requests answered, {} calls published", s.replies, s.calls_published));
    Ok(())
}

/// `HH:MM` local time of the site on the next weekday (today if a weekday).
fn start_at(s: &str, config: &HubConfig) -> Result<DateTime<Utc>, LobbyError> {
    let t = NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| LobbyError::BadTime(s.into()))?;
    let tz = config.site.time_zone;
    let mut date = Utc::now().with_timezone(&tz).date_naive();
    while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        date = date.succ_opt().expect("calendar continues");
    }
    Ok(aula_engine::hours::local_to_utc(tz, date, t))
}

/// Arrivals per simulated second at local hour `h`: the example site's shape by hour within
/// its opening hours (8-16), flattened to the mean outside them (the demo runs at any hour).
fn rate_at(per_hour: f64, hour: u32) -> f64 {
    let mean = 1.0 / HOUR_SHARE.len() as f64;
    let share = HOUR_SHARE.iter().find(|(h, _)| *h == hour).map_or(mean, |(_, s)| *s);
    per_hour * (share / mean) / 3600.0
}

/// The simulated kiosk: a plain MQTT client, like the real one, that takes numbers.
async fn kiosk(hub: Arc<Hub>, config: HubConfig, speed: f64, per_hour: f64) {
    let device = aula_protocol::DeviceId::new("kiosk-sim").expect("valid id");
    let (host, port) = config.mqtt_host_port();
    let mut o = MqttOptions::new("aula-lobby-kiosk-sim", host, port);
    o.set_keep_alive(Duration::from_secs(15));
    o.set_max_packet_size(1024 * 1024, 64 * 1024);
    let (client, mut eventloop) = AsyncClient::new(o, 100);
    eventloop.set_network_options(aula_hub::mqtt::network_options());
    let reply_topic = hub.topics.topic(&Topic::DeviceReply(device.clone()));
    let _ = client.subscribe(reply_topic, QoS::AtLeastOnce).await;
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if let Ok(env) = aula_protocol::decode::<Reply>(&p.payload) {
                        match env.body.result {
                            ReplyResult::Ticket(t) => {
                                tracing::info!(number = %t.number, ahead = t.people_ahead, "kiosk printed a ticket")
                            }
                            ReplyResult::Rejected(r) => tracing::info!(?r, "kiosk request refused"),
                            ReplyResult::HelpComing => {}
                        }
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    });
    let site = hub.queue.site();
    let walk_in: Vec<ServiceId> = site.services.iter().filter(|s| s.walk_in).map(|s| s.id.clone()).collect();
    if walk_in.is_empty() {
        return;
    }
    let request_topic = hub.topics.topic(&Topic::HubRequest(Verb::IssueTicket));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    loop {
        let local = hub.now().with_timezone(&site.time_zone);
        let rate = rate_at(per_hour, local.hour());
        let sim_wait = rng.exp(rate);
        tokio::time::sleep(Duration::from_secs_f64((sim_wait / speed).clamp(0.01, 60.0))).await;
        let service = pick_service(&mut rng, &walk_in);
        let lang = [Lang::fi(), Lang::fi(), Lang::sv(), Lang::en()][(rng.next_f64() * 4.0) as usize % 4].clone();
        let req = Envelope::new(Request {
            device: device.clone(),
            lang,
            kind: RequestKind::IssueTicket { service, needs: Needs::default(), offline: None },
        });
        let _ = client.publish(request_topic.clone(), QoS::AtLeastOnce, false, req.encode()).await;
    }
}

fn pick_service(rng: &mut Rng, walk_in: &[ServiceId]) -> ServiceId {
    let mut x = rng.next_f64();
    for (id, share) in SERVICE_SHARE {
        x -= share;
        if x <= 0.0 {
            if let Some(s) = walk_in.iter().find(|s| s.as_str() == id) {
                return s.clone();
            }
            break;
        }
    }
    walk_in[(rng.next_f64() * walk_in.len() as f64) as usize % walk_in.len()].clone()
}

/// A simulated counter: call, wait for the customer, serve, finish; sometimes a no-show.
/// It acts on the queue domain directly: it is the simulation, not a staff member.
async fn counter(hub: Arc<Hub>, id: aula_protocol::CounterId, speed: f64, seed: u64) {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ seed.wrapping_mul(0x9E37_79B9));
    let sim = |secs: f64| Duration::from_secs_f64((secs / speed).clamp(0.05, 600.0));
    loop {
        match hub.queue.call_next(&id, &[]) {
            Ok(call) => {
                let service_median = match call.service.as_str() {
                    "neuvonta" => 2.0,
                    "migri" => 8.0,
                    "poliisi" => 5.0,
                    _ => 4.0,
                };
                tokio::time::sleep(sim(20.0 + rng.next_f64() * 40.0)).await;
                if rng.next_f64() < 0.04 {
                    let _ = hub.queue.no_show(&id);
                    continue;
                }
                if hub.queue.start(&id).is_err() {
                    continue;
                }
                tokio::time::sleep(sim(rng.lognormal(service_median) * 60.0)).await;
                let _ = hub.queue.finish(&id);
            }
            Err(aula_hub::HubError::Engine(aula_engine::EngineError::CounterBusy { .. })) => {
                let _ = hub.queue.no_show(&id);
                tokio::time::sleep(sim(5.0)).await;
            }
            Err(_) => tokio::time::sleep(sim(20.0)).await,
        }
    }
}

/// Makes the demo's staff accounts (kept if they exist) and a CLI token; returns the token
/// (None when it exists from an earlier run: its secret was shown then).
fn demo_staff(hub: &Hub) -> Option<String> {
    let now = hub.now();
    for (user, role, authority) in DEMO_ACCOUNTS {
        let Ok(role) = aula_hub::staff::role_of(role, authority) else { continue };
        // "taken" on a second run: the account is already there.
        let _ = hub.staff.add_account(user, &role, "fi", DEMO_PASSWORD, now);
    }
    let name = format!("demo-cli-{}", now.timestamp());
    hub.staff.add_token(&name, &aula_hub::staff::Role::Counter { authority: "poliisi".into() }, now).ok()
}

/// Every walk-in service open today from 00:00 to 24:00 (today's presence).
fn open_all_day(hub: &Hub) {
    let today = hub.queue.site_today();
    let all_day = aula_engine::hours::parse_span("00:00-24:00").expect("a valid span");
    for s in hub.queue.site().services.iter().filter(|s| s.walk_in) {
        if let Err(e) = hub.queue.set_presence(&s.id, today, aula_engine::Presence::Hours(vec![all_day])) {
            tracing::warn!(service = %s.id, error = %e, "could not open the service for the demo");
        }
    }
}
