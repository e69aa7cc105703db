//! The facility domain's config sections of `hub.toml`: `[[dropbox]]` (per box: its id,
//! scheduled emptyings, lid-open limit, grace) and `[alerts]` (disk threshold, "device
//! silent", Home Assistant discovery, and the webhooks the notify domain delivers to). Raw
//! TOML types here, validated once at start by [`validate`] into [`FacilityConfig`].

use std::time::Duration;

use aula_conf::ConfigError;
use aula_protocol::BoxId;
use chrono::{NaiveTime, TimeDelta};
use serde::Deserialize;

use super::ledger::{self, BoxConfig};
use crate::notify::NotifyConfig;

/// `[[dropbox]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDropBox {
    pub id: String,
    #[serde(default)]
    pub emptying: Vec<String>,
    pub lid_open_limit_s: Option<u64>,
    pub grace_min: Option<u64>,
}

/// `[alerts]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlerts {
    pub disk_low_mb: Option<u64>,
    pub webhook_retry_base_ms: Option<u64>,
    pub webhook_max_attempts: Option<u32>,
    #[serde(default)]
    pub webhook: Vec<RawWebhook>,
    /// Announce every device to Home Assistant by MQTT discovery (`homeassistant.rs`).
    pub home_assistant: Option<bool>,
    pub home_assistant_prefix: Option<String>,
    /// "Device silent" after this long without a message (0 or absent: off). Three health
    /// intervals is a good value.
    pub silent_after_s: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    pub url: String,
}

/// The validated facility configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityConfig {
    pub boxes: Vec<BoxConfig>,
    /// Free disk below this raises "disk low" (None: off).
    pub disk_low_bytes: Option<u64>,
    /// The webhooks the alerts go to (the notify domain delivers them).
    pub notify: NotifyConfig,
    /// Home Assistant discovery prefix when discovery is on.
    pub home_assistant: Option<String>,
    /// "Device silent" after this long without a message (None: off).
    pub silent_after: Option<TimeDelta>,
}

pub const DEFAULT_DISK_LOW_MB: u64 = 500;

impl Default for FacilityConfig {
    fn default() -> Self {
        FacilityConfig {
            boxes: Vec::new(),
            disk_low_bytes: Some(DEFAULT_DISK_LOW_MB * 1_000_000),
            notify: NotifyConfig::default(),
            home_assistant: None,
            silent_after: None,
        }
    }
}

/// Validates the sections; `invalid(key, expected, found)` makes the error naming the file.
pub fn validate(
    boxes: Vec<RawDropBox>,
    alerts: Option<RawAlerts>,
    invalid: &dyn Fn(&str, &str, &str) -> ConfigError,
) -> Result<FacilityConfig, ConfigError> {
    let mut out = FacilityConfig::default();
    for (i, b) in boxes.into_iter().enumerate() {
        let key = |k: &str| format!("dropbox[{i}].{k}");
        let id = BoxId::new(b.id.clone()).map_err(|_| invalid(&key("id"), "a box id: a-z, 0-9, '-', '_'", &b.id))?;
        if out.boxes.iter().any(|c: &BoxConfig| c.id == id) {
            return Err(invalid(&key("id"), "a box id not used by another [[dropbox]]", &b.id));
        }
        let mut emptying = Vec::new();
        for t in &b.emptying {
            let time = NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| invalid(&key("emptying"), "site-local times like \"16:15\"", t))?;
            emptying.push(time);
        }
        emptying.sort();
        emptying.dedup();
        let limit = b.lid_open_limit_s.unwrap_or(ledger::DEFAULT_LID_OPEN_LIMIT.num_seconds() as u64);
        if limit == 0 || limit > 86_400 {
            return Err(invalid(&key("lid_open_limit_s"), "seconds, 1 to 86400", &limit.to_string()));
        }
        let grace = b.grace_min.unwrap_or(ledger::DEFAULT_GRACE.num_minutes() as u64);
        if grace > 24 * 60 {
            return Err(invalid(&key("grace_min"), "minutes, 0 to 1440", &grace.to_string()));
        }
        out.boxes.push(BoxConfig {
            id,
            emptying,
            lid_open_limit: TimeDelta::seconds(limit as i64),
            grace: TimeDelta::minutes(grace as i64),
        });
    }
    if let Some(a) = alerts {
        out.disk_low_bytes = match a.disk_low_mb {
            Some(0) => None,
            Some(mb) => Some(mb * 1_000_000),
            None => out.disk_low_bytes,
        };
        if let Some(ms) = a.webhook_retry_base_ms {
            if ms == 0 || ms > 60_000 {
                return Err(invalid("alerts.webhook_retry_base_ms", "milliseconds, 1 to 60000", &ms.to_string()));
            }
            out.notify.retry_base = Duration::from_millis(ms);
        }
        if let Some(n) = a.webhook_max_attempts {
            if n == 0 || n > 100 {
                return Err(invalid("alerts.webhook_max_attempts", "1 to 100", &n.to_string()));
            }
            out.notify.max_attempts = n;
        }
        out.silent_after = match a.silent_after_s {
            None | Some(0) => None,
            Some(s) if !(5..=7 * 86_400).contains(&s) => {
                return Err(invalid("alerts.silent_after_s", "seconds, 5 to 604800 (or 0: off)", &s.to_string()));
            }
            Some(s) => Some(TimeDelta::seconds(s as i64)),
        };
        if a.home_assistant.unwrap_or(false) {
            let prefix = a.home_assistant_prefix.unwrap_or_else(|| "homeassistant".into());
            if prefix.is_empty() || prefix.contains(['+', '#']) || prefix.starts_with('/') || prefix.ends_with('/') {
                return Err(invalid(
                    "alerts.home_assistant_prefix",
                    "an MQTT topic prefix such as homeassistant",
                    &prefix,
                ));
            }
            out.home_assistant = Some(prefix);
        }
        for (i, w) in a.webhook.into_iter().enumerate() {
            let ok =
                (w.url.starts_with("https://") || w.url.starts_with("http://")) && reqwest::Url::parse(&w.url).is_ok();
            if !ok {
                return Err(invalid(&format!("alerts.webhook[{i}].url"), "an http:// or https:// URL", &w.url));
            }
            out.notify.webhooks.push(w.url);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(dropbox: &str, expected: &[&str]) {
        let text = format!("{dropbox}\n");
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            dropbox: Vec<RawDropBox>,
            alerts: Option<RawAlerts>,
        }
        let doc: Doc = toml::from_str(&text).unwrap();
        let invalid =
            |key: &str, exp: &str, found: &str| ConfigError::invalid("hub.toml", key, exp, format!("{found:?}"));
        let err = validate(doc.dropbox, doc.alerts, &invalid).unwrap_err().to_string();
        for e in expected {
            assert!(err.contains(e), "{err:?} should contain {e:?}");
        }
    }

    #[test]
    fn config_errors_name_the_key_and_the_expected_form() {
        check("[[dropbox]]\nid = 'lobby'\nemptying = ['4pm']", &["hub.toml", "dropbox[0].emptying", "16:15", "4pm"]);
        check("[[dropbox]]\nid = 'Lobby Box'", &["dropbox[0].id"]);
        check("[[dropbox]]\nid = 'a'\n[[dropbox]]\nid = 'a'", &["dropbox[1].id", "not used by another"]);
        check("[[dropbox]]\nid = 'a'\nlid_open_limit_s = 0", &["dropbox[0].lid_open_limit_s"]);
        check("[alerts]\n[[alerts.webhook]]\nurl = 'ftp://x'", &["alerts.webhook[0].url", "http"]);
        check("[alerts]\nwebhook_retry_base_ms = 0", &["alerts.webhook_retry_base_ms"]);
    }
}
