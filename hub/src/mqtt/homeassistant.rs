//! Optional Home Assistant MQTT discovery (`[alerts] home_assistant = true`): for every
//! device in the registry the hub publishes, retained, one `binary_sensor` config whose
//! state is read straight from the device's own retained `status` topic (online / last-will
//! offline), so a facility host sees every kiosk, wall and drop box in Home Assistant
//! without the hub republishing any state.
//!
//! These are the only topics outside `aula/v1/…` the hub writes, and this file is the only
//! place that knows them: Home Assistant's discovery tree is its own convention
//! (`<prefix>/binary_sensor/<node_id>/<object_id>/config`), not part of Aula's protocol.
//! The state topic itself still comes from [`aula_protocol::Topics`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aula_protocol::{DeviceId, Topic};
use rumqttc::{AsyncClient, QoS};
use serde_json::json;

use crate::hub::Hub;

/// How often the registry is checked for new devices (a few rows read; new devices show
/// up in Home Assistant within this).
const EVERY: Duration = Duration::from_secs(5);

/// The discovery topic of one device's online sensor.
pub fn config_topic(prefix: &str, site: &str, device: &DeviceId) -> String {
    format!("{prefix}/binary_sensor/aula_{site}_{}/online/config", object_id(device.as_str()))
}

/// Home Assistant ids allow `[a-zA-Z0-9_-]`; device ids are slugs already, this keeps it so.
fn object_id(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

/// The discovery payload: a connectivity sensor on the device's retained status.
pub fn config_payload(site: &str, device: &DeviceId, state_topic: &str) -> serde_json::Value {
    let id = format!("aula_{site}_{}", object_id(device.as_str()));
    json!({
        "name": "Online",
        "unique_id": format!("{id}_online"),
        "object_id": format!("{id}_online"),
        "state_topic": state_topic,
        // The status envelope: {"v":1,"id":…,"ts":…,"body":{"state":"online"|"offline",…}}.
        "value_template": "{{ 'ON' if value_json.body.state == 'online' else 'OFF' }}",
        "device_class": "connectivity",
        "device": { "identifiers": [id], "name": device.as_str(), "manufacturer": "Aula", "via_device": format!("aula_{site}_hub") },
    })
}

/// Runs until aborted: announces each device once per hub run (retained, so Home Assistant
/// finds them after its own restart too).
pub async fn run(hub: Arc<Hub>, client: AsyncClient, prefix: String) {
    let site = object_id(hub.topics.site().as_str());
    let mut announced = HashSet::new();
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        if !hub.mqtt_ready() {
            continue;
        }
        let devices = match hub.devices.list() {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "Home Assistant discovery: reading devices failed");
                continue;
            }
        };
        for d in devices {
            let id = d.id.clone();
            if announced.contains(&id) {
                continue;
            }
            let state_topic = hub.topics.topic(&Topic::DeviceStatus(id.clone()));
            let payload = config_payload(&site, &id, &state_topic).to_string();
            match client.publish(config_topic(&prefix, &site, &id), QoS::AtLeastOnce, true, payload).await {
                Ok(()) => {
                    tracing::info!(device = %id, "announced to Home Assistant");
                    announced.insert(id);
                }
                Err(e) => tracing::warn!(error = %e, "Home Assistant discovery publish failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_reads_the_devices_own_status_topic() {
        let d = DeviceId::new("dropbox-1").unwrap();
        assert_eq!(
            config_topic("homeassistant", "lahti", &d),
            "homeassistant/binary_sensor/aula_lahti_dropbox-1/online/config"
        );
        let p = config_payload("lahti", &d, "aula/v1/lahti/device/dropbox-1/status");
        assert_eq!(p["state_topic"], "aula/v1/lahti/device/dropbox-1/status");
        assert_eq!(p["device_class"], "connectivity");
        assert_eq!(p["unique_id"], "aula_lahti_dropbox-1_online");
    }
}
