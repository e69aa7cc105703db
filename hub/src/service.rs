//! The hub as a running service: [`start`] opens the databases, builds the domains
//! ([`Hub::open`]), starts the embedded broker when configured, connects to MQTT and spawns
//! the intake, the publisher, the timers, webhook delivery, the bookings feed and Home
//! Assistant discovery. [`Running`] supervises the intake and stops everything cleanly.
//! HTTP is not here: the web crate serves it beside a [`Running`] hub.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::{BrokerConfig, ConfigError, HubConfig};
use crate::hub::{Hub, OpenError};
use crate::mqtt::{self, broker::BrokerError, ingest, publish};
use crate::notify;
use crate::queue::bookings;

/// Why the hub could not start or had to stop (running problems are logged and survived).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error(transparent)]
    Mqtt(#[from] mqtt::MqttError),
    /// The MQTT intake task ended while the hub was running: device messages and kiosks'
    /// requests would no longer be taken in, so the hub stops (systemd restarts it).
    #[error("the MQTT intake stopped unexpectedly ({0}); stopping so that the service manager restarts the hub")]
    IntakeStopped(String),
}

/// A started hub: the shared core and the tasks that serve it.
pub struct Running {
    pub hub: Arc<Hub>,
    client: rumqttc::AsyncClient,
    driver: JoinHandle<()>,
    intake: JoinHandle<()>,
    /// Why the intake ended, once it has.
    intake_ended: Option<String>,
    others: Vec<JoinHandle<()>>,
}

/// Starts the hub. Returns once it is subscribed to its topics, or after 5 s if the broker
/// is not reachable yet (it keeps retrying in the background; the API can still answer).
pub async fn start(config: HubConfig) -> Result<Running, RunError> {
    let (hub, changes) = Hub::open(&config)?;
    if let BrokerConfig::Embedded { listen } = config.broker {
        mqtt::broker::start_embedded(listen)?;
    }
    let hub = Arc::new(hub);

    let options = mqtt::options(&config, &hub.topics)?;
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 1024);
    eventloop.set_network_options(mqtt::network_options());
    let (to_ingest, incoming) = mpsc::unbounded_channel();
    let driver = tokio::spawn(mqtt::drive(eventloop, client.clone(), hub.clone(), to_ingest));
    let intake = tokio::spawn(ingest::run(hub.clone(), client.clone(), incoming));
    let mut others = vec![
        tokio::spawn(publish::publisher(client.clone(), hub.clone(), changes)),
        tokio::spawn(tick_loop(hub.clone())),
        tokio::spawn(notify::deliver::run(hub.notify.clone(), hub.clock)),
    ];
    if let Some(prefix) = config.facility.home_assistant.clone() {
        others.push(tokio::spawn(mqtt::homeassistant::run(hub.clone(), client.clone(), prefix)));
    }
    if let Some(b) = config.bookings.clone() {
        others.push(tokio::spawn(bookings::run(hub.queue.clone(), b)));
    }
    // Devices' requests before the first SUBACK would be lost on a brand-new session, so
    // report "started" once subscribed; a broker that is down does not block the start.
    if !hub.wait_mqtt_ready(Duration::from_secs(5)).await {
        tracing::warn!("MQTT broker not reachable yet; serving and retrying in the background");
    }
    tracing::info!(site = %hub.topics.site(), "hub running");
    Ok(Running { hub, client, driver, intake, intake_ended: None, others })
}

impl Running {
    /// Resolves if the intake task ends while the hub runs (with why). The intake is
    /// supervised: if it ever ended, nothing would take in kiosks' requests any more while
    /// the API kept answering, so that is fatal, loudly.
    pub async fn intake_stopped(&mut self) -> String {
        if let Some(why) = &self.intake_ended {
            return why.clone();
        }
        let why = match (&mut self.intake).await {
            Ok(()) => "its channel closed".to_owned(),
            Err(e) if e.is_panic() => "it panicked".to_owned(),
            Err(e) => e.to_string(),
        };
        self.hub.stats.intake_running.store(false, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(reason = %why, "the MQTT intake stopped; stopping the hub");
        self.intake_ended = Some(why.clone());
        why
    }

    /// Runs until `shutdown` resolves or the intake stops (an error), then stops.
    pub async fn until(mut self, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
        let died = tokio::select! {
            _ = shutdown => None,
            why = self.intake_stopped() => Some(why),
        };
        self.stop().await;
        match died {
            Some(why) => Err(RunError::IntakeStopped(why)),
            None => Ok(()),
        }
    }

    /// Announces the hub offline and stops every task.
    pub async fn stop(self) {
        tracing::info!("hub stopping");
        for t in &self.others {
            t.abort();
        }
        // Give in-flight work a moment: the last batch's acks and the final state.
        tokio::time::sleep(Duration::from_millis(50)).await;
        publish::status(&self.client, &self.hub, false).await;
        let _ = self.client.disconnect().await;
        let driver_abort = self.driver.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), self.driver).await.is_err() {
            driver_abort.abort();
        }
        self.intake.abort();
        tracing::info!("hub stopped");
    }
}

/// Runs the hub (without HTTP) until `shutdown` resolves.
pub async fn run(config: HubConfig, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
    start(config).await?.until(shutdown).await
}

/// Every domain's timers, once a second; also refreshes the wall every 15 s when time alone
/// changed what it shows (a service opening).
async fn tick_loop(hub: Arc<Hub>) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        every.tick().await;
        n += 1;
        if !hub.tick() && n.is_multiple_of(15) {
            // The publisher skips a state equal to the last one, so this is cheap.
            hub.queue.refresh();
        }
    }
}
