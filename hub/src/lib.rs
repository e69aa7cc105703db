//! # aula-hub
//!
//! One hub per site: it runs the queue engine ([`aula_engine::Engine`]) behind MQTT and HTTP.
//!
//! What goes in: device requests (`hub/request/<verb>`: issue a ticket, check in, help),
//! device status/health/events and survey answers over MQTT; staff actions over the JSON API.
//! What comes out: replies on `device/<id>/reply`, the retained [`aula_protocol::QueueState`]
//! on `queue/state`, each [`aula_protocol::CallEvent`] on `queue/call`, the retained hub status,
//! the JSON API and the customers' "follow my number" page.
//!
//! Key types and files, in reading order:
//! - [`config::HubConfig`] (`config.rs`): `hub.toml` validated once, errors name file and key.
//! - [`run`] (this file): wires everything and stops when `shutdown` resolves.
//! - [`hub::Hub`] (`hub.rs`): the shared core (engine, device store, clock, counters).
//! - `ingest.rs`: batches of MQTT messages → one transaction → replies → acks.
//! - `mqtt.rs`: the session (fixed id, persistent, manual acks, last will) and the publisher.
//! - `api.rs`, `follow.rs`: HTTP. `broker.rs`: embedded rumqttd. `store.rs`: device store.
//! - `cli.rs`, `client.rs`, `lobby.rs`: the `aula-hub` binary's commands.
//! - `feedback/`: surveys from `surveys.toml`, answers → report tables, figures, CSV.
//! - `facility.rs`: drop-box ledger (`dropbox.rs`) and alerts (`alerts.rs`) with their
//!   storage; `webhook.rs` delivers alert notifications, `metrics.rs` serves `/metrics`.
//!
//! Invariants: a device message is acknowledged to the broker only after it is committed;
//! the hub never writes topic strings itself (only [`aula_protocol::Topics`] does); the engine
//! gets `now` from [`clock::Clock`], never reads a clock.
//!
//! ```no_run
//! # async fn demo() -> Result<(), aula_hub::RunError> {
//! let config = aula_hub::config::HubConfig::load("config/hub.toml".as_ref())?;
//! // Runs until Ctrl-C; tests pass any future (a oneshot receiver) instead.
//! aula_hub::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

pub mod alerts;
pub mod api;
pub mod broker;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod dropbox;
pub mod facility;
pub mod facility_api;
pub mod feedback;
pub mod follow;
pub mod homeassistant;
pub mod hub;
pub mod ingest;
pub mod lobby;
pub mod metrics;
pub mod mqtt;
pub mod stats;
pub mod store;
#[doc(hidden)]
pub mod testsite;
pub mod webhook;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

use crate::config::{BookingSource, BrokerConfig, HubConfig};
use crate::hub::Hub;

/// Why the hub could not start (running problems are logged and survived).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("opening the queue database {path}: {source}")]
    Engine {
        path: String,
        #[source]
        source: aula_engine::EngineError,
    },
    #[error("opening the device database {path}: {source}")]
    Store {
        path: String,
        #[source]
        source: store::StoreError,
    },
    #[error(transparent)]
    Broker(#[from] broker::BrokerError),
    #[error(transparent)]
    Mqtt(#[from] mqtt::MqttError),
    /// The MQTT intake task ended while the hub was running: device messages and kiosks'
    /// requests would no longer be taken in, so the hub stops (systemd restarts it).
    #[error("the MQTT intake stopped unexpectedly ({0}); stopping so that the service manager restarts the hub")]
    IntakeStopped(String),
    #[error("HTTP on {addr}: {source}")]
    Http {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A started hub: where it listens and the shared core (tests and the lobby demo read it).
pub struct Started {
    pub http: SocketAddr,
    pub hub: Arc<Hub>,
}

/// Runs the hub until `shutdown` resolves, then announces itself offline and returns.
pub async fn run(config: HubConfig, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
    run_with(config, shutdown, None).await
}

/// [`run`], telling `started` where the API listens once everything is up (with
/// `http = 127.0.0.1:0` in the config the port is chosen by the OS).
pub async fn run_with(
    config: HubConfig,
    shutdown: impl Future<Output = ()>,
    started: Option<oneshot::Sender<Started>>,
) -> Result<(), RunError> {
    if let Some(dir) = config.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let t0 = std::time::Instant::now();
    let engine = aula_engine::Engine::open(&config.db, config.site.clone())
        .map_err(|source| RunError::Engine { path: config.db.display().to_string(), source })?;
    tracing::info!(db = %config.db.display(), replay_ms = t0.elapsed().as_millis() as u64, "queue log replayed");
    let devices_path = config.devices_db();
    let mut devices = store::DeviceStore::open(&devices_path)
        .map_err(|source| RunError::Store { path: devices_path.display().to_string(), source })?;
    devices.set_feedback(Arc::new(config.feedback.clone()));

    if let BrokerConfig::Embedded { listen } = config.broker {
        broker::start_embedded(listen)?;
    }

    let (mut hub, changes) = Hub::new(engine, devices, config.clock, config.public_url.clone());
    hub.install_facility(config.facility.clone())
        .map_err(|source| RunError::Store { path: devices_path.display().to_string(), source })?;
    let hub = Arc::new(hub);

    let options = mqtt::options(&config, &hub.topics)?;
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 1024);
    eventloop.set_network_options(mqtt::network_options());
    let (to_ingest, incoming) = mpsc::unbounded_channel();
    let driver = tokio::spawn(mqtt::drive(eventloop, client.clone(), hub.clone(), to_ingest));
    let mut ingest = tokio::spawn(ingest::run(hub.clone(), client.clone(), incoming));
    let publisher = tokio::spawn(mqtt::publisher(client.clone(), hub.clone(), changes));
    let ticker = tokio::spawn(tick_loop(hub.clone()));
    let webhooks = tokio::spawn(webhook::run(hub.clone()));
    let discovery = config
        .facility
        .home_assistant
        .clone()
        .map(|prefix| tokio::spawn(homeassistant::run(hub.clone(), client.clone(), prefix)));
    let bookings = config.bookings.clone().map(|b| tokio::spawn(bookings_loop(hub.clone(), b)));

    let listener = tokio::net::TcpListener::bind(config.http)
        .await
        .map_err(|source| RunError::Http { addr: config.http, source })?;
    let http_addr = listener.local_addr().map_err(|source| RunError::Http { addr: config.http, source })?;
    // Devices' requests before the first SUBACK would be lost on a brand-new session, so
    // report "started" once subscribed; a broker that is down does not block the API.
    if !hub.wait_mqtt_ready(Duration::from_secs(5)).await {
        tracing::warn!("MQTT broker not reachable yet; serving the API and retrying in the background");
    }
    tracing::info!(http = %http_addr, site = %hub.topics.site(), "hub running");
    if let Some(tx) = started {
        let _ = tx.send(Started { http: http_addr, hub: hub.clone() });
    }

    let (stop_http, http_stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        axum::serve(listener, api::router(hub.clone()))
            .with_graceful_shutdown(async {
                let _ = http_stopped.await;
            })
            .into_future(),
    );

    // The intake is supervised: if it ever ends while the hub runs, nothing would take in
    // kiosks' requests any more while the API kept answering, so that is fatal, loudly.
    let intake_died = tokio::select! {
        _ = shutdown => None,
        r = &mut ingest => {
            hub.stats.intake_running.store(false, std::sync::atomic::Ordering::Relaxed);
            let why = match r {
                Ok(()) => "its channel closed".to_owned(),
                Err(e) if e.is_panic() => "it panicked".to_owned(),
                Err(e) => e.to_string(),
            };
            tracing::error!(reason = %why, "the MQTT intake stopped; stopping the hub");
            Some(why)
        }
    };
    tracing::info!("hub stopping");
    let _ = stop_http.send(());
    ticker.abort();
    webhooks.abort();
    if let Some(d) = discovery {
        d.abort();
    }
    if let Some(b) = bookings {
        b.abort();
    }
    // Give in-flight work a moment: the last batch's acks and the final state.
    tokio::time::sleep(Duration::from_millis(50)).await;
    mqtt::publish_status(&client, &hub, false).await;
    let _ = client.disconnect().await;
    let driver_abort = driver.abort_handle();
    if tokio::time::timeout(Duration::from_secs(2), driver).await.is_err() {
        driver_abort.abort();
    }
    ingest.abort();
    publisher.abort();
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    tracing::info!("hub stopped");
    match intake_died {
        Some(why) => Err(RunError::IntakeStopped(why)),
        None => Ok(()),
    }
}

/// The engine's timers (no-show windows, day rollover), once a second; also refreshes the
/// wall when time alone changed what it shows (a service opening).
async fn tick_loop(hub: Arc<Hub>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        every.tick().await;
        n += 1;
        hub.facility_tick();
        if !hub.tick() && n.is_multiple_of(15) {
            // The publisher skips a state equal to the last one, so this is cheap.
            hub.notify(hub::Change::State);
        }
    }
}

/// Re-imports bookings from the configured file or URL every `refresh`.
async fn bookings_loop(hub: Arc<Hub>, b: config::Bookings) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().ok();
    let mut every = tokio::time::interval(b.refresh);
    loop {
        every.tick().await;
        let text = match &b.source {
            BookingSource::File(p) => tokio::fs::read_to_string(p).await.map_err(|e| format!("{}: {e}", p.display())),
            BookingSource::Url(u) => match &http {
                None => Err("no HTTP client".into()),
                Some(c) => match c.get(u).send().await.and_then(|r| r.error_for_status()) {
                    Ok(r) => r.text().await.map_err(|e| format!("{u}: {e}")),
                    Err(e) => Err(format!("{u}: {e}")),
                },
            },
        };
        match text {
            Ok(t) => match hub.import_bookings(&t) {
                Ok(s) => {
                    tracing::info!(added = s.added, updated = s.updated, skipped = s.skipped.len(), "bookings imported")
                }
                Err(e) => tracing::warn!(error = %e, "importing bookings failed"),
            },
            Err(e) => tracing::warn!(error = %e, "reading bookings failed; keeping the ones we have"),
        }
    }
}
