//! The device link's configuration: the `[agent]` section that every Aula device file has
//! (the kiosk in all three modes, the queue wall, the counter display, the headless agent),
//! read once at start into a validated [`AgentConfig`]. One dialect for every device:
//!
//! ```toml
//! [agent]
//! site = "lahti"
//! device = "kiosk-1"
//! broker = "mqtts://broker.lan:8883"   # or mqtt://host:port; the hub's [broker] url form
//! username = "kiosk-1"                 # optional; password needs a username
//! password = "…"
//! state_dir = "var/kiosk-1"            # outbox.sqlite and the device's own state; default var/<device>
//! keepalive_s = 5                      # the hub sees "offline" ~1.5× this after a crash
//! health_interval_s = 60               # 0 = no health reports
//! # request_timeout_ms, max_inflight, reconnect_max_ms, units, disk_path, dbus_address: tuning
//!
//! [agent.tls]                          # only with mqtts://; without it the system's CAs
//! ca_file = "/etc/aula/ca.pem"         # the CA that signed the broker's certificate
//! cert_file = "/etc/aula/kiosk-1.pem"  # client certificate and key for mutual TLS:
//! key_file = "/etc/aula/kiosk-1.key"   # both or neither
//! ```
//!
//! The device's kind (`kiosk`, `feedback`, `signage`, `agent`) is not a key: each binary
//! knows what it is and passes it in. Keys of older releases (`broker_host`, `broker_port`,
//! an `[agent.broker]` table, `outbox_path`, `kind`) are refused with
//! [`ConfigError::Renamed`] naming what replaces them, so an old file is never half read.
//! Every error is an [`aula_conf::ConfigError`]: the file, the dotted key, what was expected.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_conf::ConfigError;
use aula_protocol::{DeviceId, DeviceKind, SiteId};
use serde::Deserialize;

/// The broker URL form, as the hub's `[broker] url` has it.
pub const BROKER_FORM: &str = "mqtt://host:port or mqtts://host:port";

/// How to reach the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerConfig {
    pub host: String,
    pub port: u16,
    /// `mqtts://`: TLS, verified against [`TlsConfig::ca_file`] or the system's CAs.
    pub tls: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `[agent.tls]`: the CA file and an optional client certificate.
    pub tls_files: Option<TlsConfig>,
}

impl BrokerConfig {
    /// Plain TCP to `host:port`, no credentials (tests, tools).
    pub fn plain(host: &str, port: u16) -> BrokerConfig {
        BrokerConfig { host: host.into(), port, tls: false, username: None, password: None, tls_files: None }
    }

    /// `mqtt://host:port` / `mqtts://host:port` → (tls, host, port); the port defaults to 1883
    /// or 8883. `None` if it is not that form.
    pub fn parse_url(url: &str) -> Option<(bool, String, u16)> {
        let (tls, rest) = match url.split_once("://")? {
            ("mqtt", r) => (false, r),
            ("mqtts", r) => (true, r),
            _ => return None,
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok().filter(|p| *p > 0)?),
            None => (rest, if tls { 8883 } else { 1883 }),
        };
        if host.is_empty() || host.contains(['/', ' ', '@']) {
            return None;
        }
        Some((tls, host.to_owned(), port))
    }

    /// The URL this config was read from (logs).
    pub fn url(&self) -> String {
        format!("{}://{}:{}", if self.tls { "mqtts" } else { "mqtt" }, self.host, self.port)
    }
}

/// `[agent.tls]`: TLS files, read when the session starts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the CA certificate(s) that signed the broker's certificate.
    pub ca_file: PathBuf,
    /// Client certificate and key (PEM) for mutual TLS; both or neither.
    #[serde(default)]
    pub cert_file: Option<PathBuf>,
    #[serde(default)]
    pub key_file: Option<PathBuf>,
}

/// The `[agent]` table as written. A front end embeds it in its own raw file type (so its
/// type errors get the dotted path `agent.…`) and turns it into an [`AgentConfig`] with
/// [`RawAgent::validate`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    site: SiteId,
    device: DeviceId,
    /// A string; a table here is the older `[agent.broker]` form, refused by name.
    broker: Option<toml::Value>,
    username: Option<String>,
    password: Option<String>,
    tls: Option<TlsConfig>,
    state_dir: Option<PathBuf>,
    #[serde(default = "default_keepalive")]
    keepalive_s: u16,
    #[serde(default = "default_request_timeout")]
    request_timeout_ms: u64,
    #[serde(default = "default_health_interval")]
    health_interval_s: u64,
    #[serde(default = "default_max_inflight")]
    max_inflight: u16,
    #[serde(default = "default_reconnect_max")]
    reconnect_max_ms: u64,
    #[serde(default)]
    units: Vec<String>,
    #[serde(default = "default_disk_path")]
    disk_path: PathBuf,
    dbus_address: Option<String>,
    // Keys of older releases, read only to refuse them with their successor.
    broker_host: Option<toml::Value>,
    broker_port: Option<toml::Value>,
    outbox_path: Option<toml::Value>,
    kind: Option<toml::Value>,
}

/// Everything the agent runtime needs, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentConfig {
    pub site: SiteId,
    pub device: DeviceId,
    /// What the device reports itself as (set by the binary, never read from the file).
    pub kind: DeviceKind,
    pub broker: BrokerConfig,
    /// The device's own state (the outbox; the kiosk's offline counters and cached queue).
    pub state_dir: PathBuf,
    /// SQLite file of the durable outbox (created if missing; WAL mode): `state_dir/outbox.sqlite`.
    pub outbox_path: PathBuf,
    /// MQTT keepalive. The broker publishes the last will (`Offline`) about 1.5× this long
    /// after the device vanishes, so it is also how fast the hub notices a dead device.
    pub keepalive_s: u16,
    /// How long [`crate::Agent::request`] waits for the hub's reply.
    pub request_timeout_ms: u64,
    /// Period of the `Health` publication; 0 turns it off.
    pub health_interval_s: u64,
    /// Outbox rows published but not yet acknowledged, at most. Bounds memory during the
    /// catch-up after a long outage.
    pub max_inflight: u16,
    /// Largest reconnect delay; the delay doubles from 200 ms up to this.
    pub reconnect_max_ms: u64,
    /// systemd units whose state the health report includes (e.g. `aula-kiosk.service`).
    pub units: Vec<String>,
    /// Mount point whose free space the health report includes.
    pub disk_path: PathBuf,
    /// D-Bus address of the bus the health collectors and the reboot command use, e.g.
    /// `unix:path=/run/dbus/system_bus_socket`. Unset = the system bus (zbus also honours
    /// `DBUS_SYSTEM_BUS_ADDRESS`). Tests point it at a private `dbus-daemon`.
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

/// The outbox's file name inside `state_dir`.
pub const OUTBOX_FILE: &str = "outbox.sqlite";

impl RawAgent {
    /// Checks what types alone cannot and builds the config; `file` names the file in errors.
    pub fn validate(self, file: &str, kind: DeviceKind) -> Result<AgentConfig, ConfigError> {
        let bad = |key: &str, expected: &str, found: &str| {
            ConfigError::invalid(file, format!("agent.{key}"), expected, found)
        };
        let renamed = |key: &str, instead: &str| ConfigError::renamed(file, format!("agent.{key}"), instead);
        const URL: &str = "agent.broker = \"mqtt://host:port\"";
        if self.broker_host.is_some() {
            return Err(renamed("broker_host", URL));
        }
        if self.broker_port.is_some() {
            return Err(renamed("broker_port", URL));
        }
        if self.outbox_path.is_some() {
            return Err(renamed("outbox_path", "agent.state_dir (the outbox is outbox.sqlite inside it)"));
        }
        if self.kind.is_some() {
            return Err(renamed("kind", "nothing: each device binary reports its own kind"));
        }
        let broker = match self.broker {
            Some(toml::Value::String(s)) => s,
            Some(toml::Value::Table(_)) => {
                return Err(renamed(
                    "broker",
                    "agent.broker = \"mqtt://host:port\" (with agent.username, agent.password and [agent.tls])",
                ));
            }
            Some(other) => return Err(bad("broker", BROKER_FORM, &other.to_string())),
            None => return Err(bad("broker", BROKER_FORM, "nothing")),
        };
        let (tls, host, port) = BrokerConfig::parse_url(&broker).ok_or_else(|| bad("broker", BROKER_FORM, &broker))?;
        if self.password.is_some() && self.username.is_none() {
            return Err(bad("username", "a user name when agent.password is set", "nothing"));
        }
        if let Some(t) = &self.tls {
            if !tls {
                return Err(bad("tls", "[agent.tls] only with an mqtts:// broker", &broker));
            }
            if t.cert_file.is_some() != t.key_file.is_some() {
                let (key, found) = if t.cert_file.is_some() {
                    ("tls.key_file", "only cert_file")
                } else {
                    ("tls.cert_file", "only key_file")
                };
                return Err(bad(key, "cert_file and key_file together, or neither", found));
            }
            for (key, path) in [
                ("tls.ca_file", Some(&t.ca_file)),
                ("tls.cert_file", t.cert_file.as_ref()),
                ("tls.key_file", t.key_file.as_ref()),
            ] {
                if let Some(p) = path
                    && !p.is_file()
                {
                    return Err(bad(key, "an existing PEM file", &p.display().to_string()));
                }
            }
        }
        if !(1..=600).contains(&self.keepalive_s) {
            return Err(bad("keepalive_s", "seconds between 1 and 600", &self.keepalive_s.to_string()));
        }
        if !(100..=60_000).contains(&self.request_timeout_ms) {
            return Err(bad(
                "request_timeout_ms",
                "milliseconds between 100 and 60000",
                &self.request_timeout_ms.to_string(),
            ));
        }
        if self.health_interval_s > 86_400 {
            return Err(bad(
                "health_interval_s",
                "seconds between 0 (off) and 86400",
                &self.health_interval_s.to_string(),
            ));
        }
        if !(1..=1000).contains(&self.max_inflight) {
            return Err(bad("max_inflight", "a number between 1 and 1000", &self.max_inflight.to_string()));
        }
        if self.reconnect_max_ms < 200 {
            return Err(bad("reconnect_max_ms", "at least 200 milliseconds", &self.reconnect_max_ms.to_string()));
        }
        if let Some(a) = &self.dbus_address
            && !a.contains(':')
        {
            return Err(bad("dbus_address", "a D-Bus address such as \"unix:path=/run/dbus/system_bus_socket\"", a));
        }
        let state_dir = match self.state_dir {
            Some(d) if d.as_os_str().is_empty() => {
                return Err(bad("state_dir", "a directory for the device's state such as \"var/kiosk-1\"", "\"\""));
            }
            Some(d) => d,
            None => PathBuf::from("var").join(self.device.as_str()),
        };
        Ok(AgentConfig {
            outbox_path: state_dir.join(OUTBOX_FILE),
            state_dir,
            site: self.site,
            device: self.device,
            kind,
            broker: BrokerConfig {
                host,
                port,
                tls,
                username: self.username,
                password: self.password,
                tls_files: self.tls,
            },
            keepalive_s: self.keepalive_s,
            request_timeout_ms: self.request_timeout_ms,
            health_interval_s: self.health_interval_s,
            max_inflight: self.max_inflight,
            reconnect_max_ms: self.reconnect_max_ms,
            units: self.units,
            disk_path: self.disk_path,
            dbus_address: self.dbus_address,
        })
    }
}

/// A document read only for its `[agent]` table (other sections are the front end's).
#[derive(Deserialize)]
struct AgentOnly {
    agent: RawAgent,
}

impl AgentConfig {
    /// A config with defaults for everything but identity, broker and outbox (tests, tools):
    /// plain TCP, no credentials, the state dir the outbox's directory.
    pub fn new(site: SiteId, device: DeviceId, kind: DeviceKind, host: &str, port: u16, outbox_path: PathBuf) -> Self {
        Self {
            site,
            device,
            kind,
            broker: BrokerConfig::plain(host, port),
            state_dir: outbox_path.parent().map(Path::to_path_buf).unwrap_or_default(),
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

    /// Reads the `[agent]` table of a device file and validates it.
    pub fn from_file(path: &Path, kind: DeviceKind) -> Result<Self, ConfigError> {
        Self::from_toml_str(&aula_conf::read(path)?, &path.display().to_string(), kind)
    }

    /// Parses the `[agent]` table of TOML text (other tables are ignored); `file` is only
    /// used in error messages.
    pub fn from_toml_str(text: &str, file: &str, kind: DeviceKind) -> Result<Self, ConfigError> {
        aula_conf::parse::<AgentOnly>(text, file)?.agent.validate(file, kind)
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
broker = "mqtt://127.0.0.1"

[other]
anything = 1
"#;

    fn parse(text: &str) -> Result<AgentConfig, ConfigError> {
        AgentConfig::from_toml_str(text, "agent-test.toml", DeviceKind::Agent)
    }

    #[test]
    fn defaults_apply() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.keepalive_s, 5);
        assert_eq!(c.request_timeout_ms, 3000);
        assert_eq!((c.broker.port, c.broker.tls), (1883, false));
        assert_eq!(c.client_id(), "aula-lahti-dropbox-1");
        assert_eq!(c.kind, DeviceKind::Agent);
        assert_eq!(c.outbox_path, Path::new("var/dropbox-1/outbox.sqlite"));
    }

    /// The one URL form, as the hub reads it.
    #[test]
    fn broker_urls() {
        let check = |url: &str, expected: Option<(bool, &str, u16)>| {
            assert_eq!(BrokerConfig::parse_url(url), expected.map(|(t, h, p)| (t, h.to_string(), p)), "{url}");
        };
        check("mqtt://localhost:1884", Some((false, "localhost", 1884)));
        check("mqtts://broker.lan", Some((true, "broker.lan", 8883)));
        check("mqtts://10.0.0.2:8883/", Some((true, "10.0.0.2", 8883)));
        check("localhost:1883", None);
        check("tcp://x:1", None);
        check("mqtt://:1883", None);
        check("mqtt://h:0", None);
        check("mqtt://h:port", None);
    }

    /// A config error must name the file, the key and what was expected.
    #[test]
    fn errors_name_file_key_and_expectation() {
        let cases: &[(&str, &str, &str)] = &[
            (r#"device = "dropbox-1""#, r#"device = "Dropbox 1""#, "agent.device"),
            ("broker = \"mqtt://127.0.0.1\"", "broker = \"mqtt://127.0.0.1\"\nkeepalive_s = 0", "agent.keepalive_s"),
            ("broker = \"mqtt://127.0.0.1\"", "broker = \"127.0.0.1:1883\"", "agent.broker"),
            ("broker = \"mqtt://127.0.0.1\"", "broker = 1883", "agent.broker"),
            ("broker = \"mqtt://127.0.0.1\"", "", "agent.broker"),
            ("broker = \"mqtt://127.0.0.1\"", "broker = \"mqtt://h\"\npassword = \"x\"", "agent.username"),
            ("broker = \"mqtt://127.0.0.1\"", "broker = \"mqtt://h\"\ncolour = 1", "agent.colour"),
            (
                "broker = \"mqtt://127.0.0.1\"",
                "broker = \"mqtt://h\"\n[agent.tls]\nca_file = \"/etc/hostname\"",
                "agent.tls",
            ),
            (
                "broker = \"mqtt://127.0.0.1\"",
                "broker = \"mqtts://h\"\n[agent.tls]\nca_file = \"/nonexistent/ca.pem\"",
                "agent.tls.ca_file",
            ),
            (
                "broker = \"mqtt://127.0.0.1\"",
                "broker = \"mqtts://h\"\n[agent.tls]\nca_file = \"/etc/hostname\"\ncert_file = \"/etc/hostname\"",
                "agent.tls.key_file",
            ),
            ("broker = \"mqtt://127.0.0.1\"", "broker = \"mqtts://h\"\n[agent.tls]\ncafile = \"x\"", "agent.tls"),
        ];
        for (from, to, key) in cases {
            let text = GOOD.replace(from, to);
            let e = parse(&text).expect_err(key);
            assert_eq!(e.file(), "agent-test.toml");
            assert!(e.key().starts_with(key), "expected key {key} in: {e}");
        }
        let e = parse("[other]\n").unwrap_err().to_string();
        assert!(e.contains("agent"), "{e}");
    }

    /// Every key of an older release is refused with the key that replaces it.
    #[test]
    fn old_keys_name_their_successor() {
        let cases: &[(&str, &str, &str)] = &[
            ("broker_host = \"localhost\"", "agent.broker_host", "agent.broker = \"mqtt://host:port\""),
            ("broker_port = 1883", "agent.broker_port", "agent.broker = \"mqtt://host:port\""),
            ("outbox_path = \"x.sqlite\"", "agent.outbox_path", "agent.state_dir"),
            ("kind = \"agent\"", "agent.kind", "its own kind"),
        ];
        for (line, key, instead) in cases {
            let text = GOOD.replace("[other]", &format!("{line}\n[other]"));
            let e = parse(&text).unwrap_err();
            assert!(matches!(&e, ConfigError::Renamed { .. }), "{e}");
            assert_eq!(e.key(), *key);
            assert!(e.to_string().contains(instead), "{e}");
        }
        let table = "[agent]\nsite = \"lahti\"\ndevice = \"d-1\"\n[agent.broker]\nhost = \"h\"\nport = 1883\n";
        let e = parse(table).unwrap_err();
        assert_eq!(
            e.to_string(),
            "agent-test.toml: agent.broker: this key is no longer read; use agent.broker = \"mqtt://host:port\" \
             (with agent.username, agent.password and [agent.tls])"
        );
    }

    #[test]
    fn tls_and_credentials() {
        let text = "[agent]\nsite = \"lahti\"\ndevice = \"wall-1\"\nbroker = \"mqtts://broker.lan:8883\"\n\
                    username = \"wall-1\"\npassword = \"pw\"\nstate_dir = \"/var/lib/aula\"\n\
                    [agent.tls]\nca_file = \"/etc/hostname\"\ncert_file = \"/etc/hostname\"\nkey_file = \"/etc/hostname\"\n";
        let c = AgentConfig::from_toml_str(text, "wall.toml", DeviceKind::Signage).unwrap();
        assert!(c.broker.tls);
        assert_eq!(c.broker.url(), "mqtts://broker.lan:8883");
        assert_eq!((c.broker.username.as_deref(), c.broker.password.as_deref()), (Some("wall-1"), Some("pw")));
        assert_eq!(c.broker.tls_files.unwrap().cert_file.as_deref(), Some(Path::new("/etc/hostname")));
        assert_eq!(c.outbox_path, Path::new("/var/lib/aula/outbox.sqlite"));
    }
}
