//! `aula-hub lobby`: the one-command lobby demo. Starts the hub (with the embedded broker
//! when the config names none), a simulated kiosk that takes numbers through the real MQTT
//! request topic at the pace of the example site's busy day, simulated counters that call,
//! serve and finish through the HTTP API, and prints the queue wall every few seconds.
//! The real kiosk and signage front ends replace the simulations later.
//!
//! Pace (from `shared/fixtures/site-example.md`): 1,500 visits a day, arrivals by hour
//! 8 %, 15 %, 16 %, 13 %, 12 %, 14 %, 13 %, 9 % from 8 to 16; service shares poliisi 25 %,
//! kela 20 %, te 15 %, vero 15 %, neuvonta 10 %, dvv 6 %, migri 5 %; service time
//! log-normal with median 7 min (p90 ≈ 2.5 × median); 4 % no-shows.

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
use aula_web::client::HubClient;

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
    pub at: Option<String>,
    pub speed: f64,
    pub print_every: Duration,
}

const ARRIVALS_PER_DAY: f64 = 1500.0;
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
    config.clock = Clock::simulated(start, opts.speed);
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
    let api = HubClient::new(&format!("http://{}", started.http));
    print(format!(
        "lobby demo: site {}, API http://{}, MQTT {:?}, simulated clock from {} at {}× speed",
        hub.topics.site(),
        started.http,
        config.mqtt_host_port(),
        start,
        opts.speed
    ));

    let mut tasks = vec![tokio::spawn(kiosk(hub.clone(), config.clone(), opts.speed))];
    for (i, c) in config.site.counters.iter().enumerate() {
        tasks.push(tokio::spawn(counter(api.clone(), c.id.to_string(), opts.speed, 7 + i as u64)));
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

/// Arrivals per simulated second at local hour `h`.
fn rate_at(hour: u32) -> f64 {
    let share = HOUR_SHARE.iter().find(|(h, _)| *h == hour).map_or(0.02, |(_, s)| *s);
    ARRIVALS_PER_DAY * share / 3600.0
}

/// The simulated kiosk: a plain MQTT client, like the real one, that takes numbers.
async fn kiosk(hub: Arc<Hub>, config: HubConfig, speed: f64) {
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
        let rate = rate_at(local.hour());
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
async fn counter(api: HubClient, id: String, speed: f64, seed: u64) {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ seed.wrapping_mul(0x9E37_79B9));
    let sim = |secs: f64| Duration::from_secs_f64((secs / speed).clamp(0.05, 600.0));
    loop {
        match api.call_next(&id, vec![]).await {
            Ok(call) => {
                let service_median = match call.service.as_str() {
                    "neuvonta" => 4.0,
                    "migri" => 20.0,
                    "poliisi" => 9.0,
                    _ => 7.0,
                };
                tokio::time::sleep(sim(30.0 + rng.next_f64() * 60.0)).await;
                if rng.next_f64() < 0.04 {
                    let _ = api.counter_action(&id, "no-show").await;
                    continue;
                }
                if api.counter_action(&id, "start").await.is_err() {
                    continue;
                }
                tokio::time::sleep(sim(rng.lognormal(service_median) * 60.0)).await;
                let _ = api.counter_action(&id, "finish").await;
            }
            Err(e) => {
                if e.code() == Some("counter_busy") {
                    let _ = api.counter_action(&id, "no-show").await;
                }
                tokio::time::sleep(sim(20.0)).await;
            }
        }
    }
}
