//! The composition root: [`Hub::open`] builds every domain fully at start (no placeholder
//! state, no second phase) and [`Hub`] holds their handles with the shared core: the site
//! store, the counters, the topics, the clock and whether MQTT is ready. The intake and the
//! publisher (`mqtt/`), the web crate and the CLI act through these handles; no domain
//! imports this type: each got what it needs (store, clock, change feed) at construction.

use std::path::Path;
use std::sync::Arc;

use aula_engine::Engine;
use aula_protocol::Topics;
use chrono::{DateTime, Utc};
use thiserror::Error;
use tokio::sync::mpsc;

use crate::changes::{Change, Changes, LiveFeed};
use crate::clock::Clock;
use crate::config::HubConfig;
use crate::devices::Devices;
use crate::facility::Facility;
use crate::feedback::Feedback;
use crate::help::Help;
use crate::messages::Messages;
use crate::notify::Notify;
use crate::queue::Queue;
use crate::staff::Staff;
use crate::stats::Stats;
use crate::store::{DeviceMsg, Ingest, Store, StoreError};

/// Why the hub's databases could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error("opening the queue database {path}: {source}")]
    Engine {
        path: String,
        #[source]
        source: aula_engine::EngineError,
    },
    #[error("opening the site database {path}: {source}")]
    Store {
        path: String,
        #[source]
        source: StoreError,
    },
}

/// The site core (in an `Arc`).
pub struct Hub {
    pub queue: Arc<Queue>,
    pub devices: Arc<Devices>,
    pub feedback: Arc<Feedback>,
    pub facility: Arc<Facility>,
    pub notify: Arc<Notify>,
    pub staff: Arc<Staff>,
    pub help: Arc<Help>,
    pub messages: Arc<Messages>,
    /// What the console's live pages hear.
    pub live: Arc<LiveFeed>,
    /// The site store (device messages and the domains' tables).
    pub store: Arc<Store>,
    pub stats: Arc<Stats>,
    pub topics: Topics,
    pub clock: Clock,
    /// Connected and subscribed to the hub's filters.
    mqtt_ready: tokio::sync::watch::Sender<bool>,
}

impl Hub {
    /// Opens the queue log and the site store and builds every domain on them. The receiver
    /// is the change feed the MQTT publisher drains.
    pub fn open(config: &HubConfig) -> Result<(Hub, mpsc::UnboundedReceiver<Change>), OpenError> {
        if let Some(dir) = config.db.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let t0 = std::time::Instant::now();
        let engine = Engine::open(&config.db, config.site.clone())
            .map_err(|source| OpenError::Engine { path: config.db.display().to_string(), source })?;
        tracing::info!(db = %config.db.display(), replay_ms = t0.elapsed().as_millis() as u64, "queue log replayed");
        let path = config.devices_db();
        let store = Store::open(&path).map_err(store_error(&path))?;
        Self::with(config, engine, Arc::new(store)).map_err(store_error(&path))
    }

    /// Builds the domains on an open engine and store (tests use in-memory ones).
    pub fn with(
        config: &HubConfig,
        engine: Engine,
        store: Arc<Store>,
    ) -> Result<(Hub, mpsc::UnboundedReceiver<Change>), StoreError> {
        // Live event ids start at the start time, so ids from before a restart are older.
        let clock = config.clock;
        let (changes, rx, live) = Changes::channel(clock.now().timestamp_millis().max(1) as u64);
        let stats = Arc::new(Stats::default());
        let topics = Topics::new(config.site.id.clone());
        let queue = Arc::new(Queue::new(engine, changes.clone(), clock, stats.clone(), config.public_url.clone()));
        let surveys = config.feedback.surveys.iter().map(|s| s.id.clone()).collect();
        let devices = Arc::new(Devices::new(store.clone(), changes.clone(), surveys)?);
        let feedback = Arc::new(Feedback::new(config.feedback.clone(), store.clone())?);
        let notify = Arc::new(Notify::new(config.facility.notify.clone(), store.clone())?);
        let facility = Arc::new(Facility::new(
            config.facility.clone(),
            &config.site,
            store.clone(),
            notify.clone(),
            devices.last_heard()?,
            changes.clone(),
            clock.now(),
        )?);
        let staff = Arc::new(Staff::new(store.clone(), config.staff.clone())?);
        let help = Arc::new(Help::new(
            config.help.clone(),
            config.site.id.to_string(),
            store.clone(),
            staff.clone(),
            notify.clone(),
            changes.clone(),
        )?);
        let messages = Arc::new(Messages::new(store.clone(), changes)?);
        let hub = Hub {
            queue,
            devices,
            feedback,
            facility,
            notify,
            staff,
            help,
            messages,
            live,
            store,
            stats,
            topics,
            clock,
            mqtt_ready: tokio::sync::watch::Sender::new(false),
        };
        Ok((hub, rx))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn set_mqtt_ready(&self, ready: bool) {
        self.mqtt_ready.send_replace(ready);
    }

    pub fn mqtt_ready(&self) -> bool {
        *self.mqtt_ready.borrow()
    }

    /// Waits until the hub is connected and subscribed (false on timeout).
    pub async fn wait_mqtt_ready(&self, timeout: std::time::Duration) -> bool {
        let mut rx = self.mqtt_ready.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|r| *r)).await.is_ok()
    }

    /// The domains that add rows to the ingest transaction, in order.
    fn ingest_hooks(&self) -> [&dyn Ingest; 4] {
        [&*self.devices, &*self.feedback, &*self.facility, &*self.help]
    }

    /// Stores device messages once each, with every domain's rows (registry, feedback
    /// figures, drop-box ledger, alerts, notifications) in the same transaction; returns how
    /// many were new.
    pub fn store_device_messages(&self, msgs: &[DeviceMsg]) -> Result<usize, StoreError> {
        let fresh = self.store.ingest(msgs, self.now(), &self.ingest_hooks())?;
        Ok(fresh.iter().filter(|f| **f).count())
    }

    /// The timers of every domain (no-show windows and day rollover; lid, overdue and
    /// silent alerts; help escalation); called once a second. True if the queue changed.
    pub fn tick(&self) -> bool {
        let now = self.now();
        if let Err(e) = self.facility.tick(now) {
            tracing::error!(error = %e, "storing facility alerts failed; retrying on the next tick");
        }
        if let Err(e) = self.help.tick(now) {
            tracing::error!(error = %e, "escalating help requests failed; retrying on the next tick");
        }
        self.queue.tick()
    }
}

fn store_error(path: &Path) -> impl Fn(StoreError) -> OpenError + '_ {
    move |source| OpenError::Store { path: path.display().to_string(), source }
}
