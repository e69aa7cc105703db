//! The agent's configuration: the `[agent]` section of a device's TOML file, read once at
//! start into a validated [`AgentConfig`]. A config error names the file, the key and what
//! was expected (`ConfigError`), so a technician can fix the file without reading code.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_protocol::{DeviceId, DeviceKind, SiteId};
use serde::Deserialize;

use crate::error::ConfigError;

/// How to reach the broker.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    /// Host name or IP address of the broker.
    pub host: String,
    /// TCP port (1883 plain, 8883 TLS by convention).
    #[serde(default = "default_port")]
    pub port: u16,
    /// TLS settings; `None` = plain TCP (the single-machine default).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

fn default_port() -> u16 {
    1883
}

/// TLS to the broker. Needs the crate feature `tls`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the CA certificate(s) that signed the broker's certificate.
    pub ca_file: PathBuf,
    /// Client certificate and key (PEM) for mutual TLS; both or neither.
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
}

/// Everything the agent runtime needs. Deserialised from the `[agent]` table of a device's
/// TOML file (see `config/agent-dropbox.toml`), then checked by [`AgentConfig::validate`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub site: SiteId,
    pub device: DeviceId,
    pub kind: DeviceKind,
    pub broker: BrokerConfig,
    /// SQLite file of the durable outbox (created if missing; WAL mode).
    pub outbox_path: PathBuf,
    /// MQTT keepalive. The broker publishes the last will (`Offline`) about 1.5× this long
    /// after the device vanishes, so it is also how fast the hub notices a dead device.
    #[serde(default = "default_keepalive")]
    pub keepalive_s: u16,
    /// How long [`crate::Agent::request`] waits for the hub's reply.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_ms: u64,
    /// Period of the `Health` publication; 0 turns it off.
    #[serde(default = "default_health_interval")]
    pub health_interval_s: u64,
    /// Outbox rows published but not yet acknowledged, at most. Bounds memory during the
    /// catch-up after a long outage.
    #[serde(default = "default_max_inflight")]
    pub max_inflight: u16,
    /// Largest reconnect delay; the delay doubles from 200 ms up to this.
    #[serde(default = "default_reconnect_max")]
    pub reconnect_max_ms: u64,
    /// systemd units whose state the health report includes (e.g. `aula-kiosk.service`).
    #[serde(default)]
    pub units: Vec<String>,
    /// Mount point whose free space the health report includes.
    #[serde(default = "default_disk_path")]
    pub disk_path: PathBuf,
    /// D-Bus address of the bus the health collectors and the reboot command use, e.g.
    /// `unix:path=/run/dbus/system_bus_socket`. Unset = the system bus (zbus also honours
    /// `DBUS_SYSTEM_BUS_ADDRESS`). Tests point it at a private `dbus-daemon`.
    #[serde(default)]
    pub dbus_address: Option<String>,
}

fn default_keepalive() -> u16 {
    5
}
fn default_request_timeout() -> u64 {
    3000
}
fn default_health_interval() -> u64 {
    60
}
fn default_max_inflight() -> u16 {
    100
}
fn default_reconnect_max() -> u64 {
    10_000
}
fn default_disk_path() -> PathBuf {
    PathBuf::from("/")
}

impl AgentConfig {
    /// A config with defaults for everything but identity, broker and outbox (tests, tools).
    pub fn new(site: SiteId, device: DeviceId, kind: DeviceKind, host: &str, port: u16, outbox_path: PathBuf) -> Self {
        Self {
            site,
            device,
            kind,
            broker: BrokerConfig { host: host.into(), port, tls: None, username: None, password: None },
            outbox_path,
            keepalive_s: default_keepalive(),
            request_timeout_ms: default_request_timeout(),
            health_interval_s: default_health_interval(),
            max_inflight: default_max_inflight(),
            reconnect_max_ms: default_reconnect_max(),
            units: Vec::new(),
            disk_path: default_disk_path(),
            dbus_address: None,
        }
    }

    /// Reads the `[agent]` table of a TOML file and validates it.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { file: path.to_path_buf(), source })?;
        Self::from_toml_str(&text, path)
    }

    /// Parses the `[agent]` table of TOML text; `file` is only used in error messages.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| ConfigError::Syntax { file: file.to_path_buf(), message: e.to_string() })?;
        let agent = table.get("agent").cloned().ok_or_else(|| ConfigError::Invalid {
            file: file.to_path_buf(),
            key: "agent".into(),
            expected: "an [agent] table".into(),
        })?;
        let cfg: AgentConfig = serde_path_to_error::deserialize(agent).map_err(|e| {
            let path = e.path().to_string();
            ConfigError::Invalid {
                file: file.to_path_buf(),
                key: if path == "." { "agent".into() } else { format!("agent.{path}") },
                expected: e.inner().to_string(),
            }
        })?;
        cfg.validate(file)?;
        Ok(cfg)
    }

    /// Checks what types alone cannot.
    pub fn validate(&self, file: &Path) -> Result<(), ConfigError> {
        let bad = |key: &str, expected: &str| ConfigError::Invalid {
            file: file.to_path_buf(),
            key: format!("agent.{key}"),
            expected: expected.into(),
        };
        if self.broker.host.trim().is_empty() {
            return Err(bad("broker.host", "a host name or IP address"));
        }
        if self.broker.port == 0 {
            return Err(bad("broker.port", "a TCP port 1-65535"));
        }
        if self.broker.password.is_some() && self.broker.username.is_none() {
            return Err(bad("broker.username", "a user name when a password is given"));
        }
        if let Some(tls) = &self.broker.tls {
            if !cfg!(feature = "tls") {
                return Err(bad(
                    "broker.tls",
                    "no [agent.broker.tls]: this build has no TLS (build with feature `tls`)",
                ));
            }
            if tls.client_cert_file.is_some() != tls.client_key_file.is_some() {
                return Err(bad(
                    "broker.tls.client_key_file",
                    "client_cert_file and client_key_file together, or neither",
                ));
            }
        }
        if !(1..=600).contains(&self.keepalive_s) {
            return Err(bad("keepalive_s", "seconds between 1 and 600"));
        }
        if !(100..=60_000).contains(&self.request_timeout_ms) {
            return Err(bad("request_timeout_ms", "milliseconds between 100 and 60000"));
        }
        if !(1..=1000).contains(&self.max_inflight) {
            return Err(bad("max_inflight", "a number between 1 and 1000"));
        }
        if self.reconnect_max_ms < 200 {
            return Err(bad("reconnect_max_ms", "at least 200 milliseconds"));
        }
        if let Some(a) = &self.dbus_address
            && !a.contains(':')
        {
            return Err(bad("dbus_address", "a D-Bus address such as \"unix:path=/run/dbus/system_bus_socket\""));
        }
        if self.outbox_path.as_os_str().is_empty() {
            return Err(bad("outbox_path", "a file path for the outbox database"));
        }
        Ok(())
    }

    pub fn keepalive(&self) -> Duration {
        Duration::from_secs(self.keepalive_s.into())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The MQTT client id: fixed per device so the broker keeps the session across
    /// reconnects (`clean_session = false`).
    pub fn client_id(&self) -> String {
        format!("aula-{}-{}", self.site, self.device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[agent]
site = "lahti"
device = "dropbox-1"
kind = "agent"
outbox_path = "/tmp/outbox.sqlite"
[agent.broker]
host = "127.0.0.1"
"#;

    fn parse(text: &str) -> Result<AgentConfig, ConfigError> {
        AgentConfig::from_toml_str(text, Path::new("agent-test.toml"))
    }

    #[test]
    fn defaults_apply() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.keepalive_s, 5);
        assert_eq!(c.request_timeout_ms, 3000);
        assert_eq!(c.broker.port, 1883);
        assert_eq!(c.client_id(), "aula-lahti-dropbox-1");
    }

    /// A config error must name the file, the key and what was expected.
    #[test]
    fn errors_name_file_key_and_expectation() {
        let cases: &[(&str, &str, &str)] = &[
            (r#"device = "dropbox-1""#, r#"device = "Dropbox 1""#, "agent.device"),
            (r#"kind = "agent""#, r#"kind = "toaster""#, "agent.kind"),
            ("[agent.broker]\n", "keepalive_s = 0\n[agent.broker]\n", "agent.keepalive_s"),
            (r#"host = "127.0.0.1""#, "host = \"127.0.0.1\"\nport = \"x\"", "agent.broker.port"),
            (r#"host = "127.0.0.1""#, "host = \"127.0.0.1\"\ncolour = 1", "agent.broker"),
        ];
        for (from, to, key) in cases {
            let text = GOOD.replace(from, to);
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains("agent-test.toml"), "{e}");
            assert!(e.contains(key), "expected key {key} in: {e}");
        }
        let e = parse("[other]\n").unwrap_err().to_string();
        assert!(e.contains("[agent]"), "{e}");
    }
}
