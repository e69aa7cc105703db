//! The health publisher: every `health_interval_s` it gathers [`Health`] figures and
//! publishes them at QoS 0 on `device/<id>/health` (a lost sample is replaced by the next,
//! so they do not go through the outbox). Figures that cannot be read are `None`
//! ("unknown"), never an error: a container without a system bus reports no network, clock
//! or unit state and keeps going.

pub mod dbus;
pub mod system;

use std::sync::Arc;
use std::time::Duration;

use aula_protocol::{Envelope, Health, Topic};
use tracing::debug;

use crate::agent::{SessionMsg, Shared};

/// What to collect, independent of the MQTT session (the binary and tests call this).
#[derive(Debug, Clone)]
pub struct HealthSources {
    pub version: String,
    pub disk_path: std::path::PathBuf,
    pub units: Vec<String>,
}

/// Collects one sample. `bus` is the system bus if one was reached.
pub async fn collect(src: &HealthSources, bus: Option<&zbus::Connection>, uptime: Duration) -> Health {
    let mem = system::memory();
    let mut h = Health {
        version: src.version.clone(),
        uptime_s: uptime.as_secs(),
        cpu_temp_c: system::cpu_temp_c(),
        load1: system::load1(),
        mem_used_bytes: mem.map(|m| m.0),
        mem_total_bytes: mem.map(|m| m.1),
        disk_free_bytes: system::disk_free(&src.disk_path),
        ..Health::default()
    };
    if let Some(bus) = bus {
        h.clock_synced = dbus::clock_synced(bus).await;
        h.network = dbus::network_state(bus).await;
        h.units = dbus::unit_states(bus, &src.units).await;
    }
    h
}

pub(crate) async fn run(shared: Arc<Shared>) {
    let src = HealthSources {
        version: shared.version.clone(),
        disk_path: shared.cfg.disk_path.clone(),
        units: shared.cfg.units.clone(),
    };
    let bus = dbus::connect(shared.cfg.dbus_address.as_deref()).await;
    let topic = shared.topics.topic(&Topic::DeviceHealth(shared.me().clone()));
    let mut tick = tokio::time::interval(Duration::from_secs(shared.cfg.health_interval_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !shared.connected.load(std::sync::atomic::Ordering::Relaxed) {
            continue;
        }
        let mut h = collect(&src, bus.as_ref(), shared.started.elapsed()).await;
        h.outbox_pending = shared.outbox.pending();
        h.printer = *shared.printer.lock().unwrap_or_else(|p| p.into_inner());
        debug!(?h, "health");
        let msg = SessionMsg::Publish {
            topic: topic.clone(),
            payload: Envelope::new(h).encode(),
            qos: rumqttc::QoS::AtMostOnce,
            retain: false,
        };
        if shared.to_session.send(msg).is_err() {
            return;
        }
    }
}
