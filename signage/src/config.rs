//! The device config file (`config/wall-1.toml`, `config/counter-3.toml`): raw TOML →
//! validated [`Config`]. Every error names the file, the key and the expected form, once, at
//! start.
//!
//! ```toml
//! [agent]
//! site = "lahti"
//! device = "wall-1"
//! broker_host = "localhost"
//! broker_port = 1883
//! state_dir = "var/wall-1"   # the device link's outbox (default var/<device>)
//! keepalive_s = 5            # the hub sees a dead wall ~1.5× this after it vanishes
//! health_interval_s = 60     # 0 = no health reports
//!
//! [signage]
//! mode = "wall"              # or "counter"
//! orientation = "landscape"  # or "portrait"
//! counter = "3"              # counter mode only
//! languages = ["fi", "sv", "en"]
//! rotate_s = 8
//! stale_after_s = 30
//! chime = false
//! timezone = "Europe/Helsinki"
//! ```

use std::path::{Path, PathBuf};

use aula_protocol::{CounterId, DeviceId, Lang, SiteId};
use chrono_tz::Tz;
use serde::Deserialize;

/// A config problem, naming where and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{file}: {message}")]
    Toml { file: PathBuf, message: String },
    #[error("{file}: key `{key}`: expected {expected}, found {found:?}")]
    Invalid { file: PathBuf, key: &'static str, expected: &'static str, found: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    agent: RawAgent,
    signage: RawSignage,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    site: String,
    device: String,
    #[serde(default = "default_host")]
    broker_host: String,
    #[serde(default = "default_port")]
    broker_port: u16,
    /// Where the device link keeps its durable outbox; default `var/<device>`.
    state_dir: Option<PathBuf>,
    #[serde(default = "default_keepalive")]
    keepalive_s: u64,
    #[serde(default = "default_health")]
    health_interval_s: u64,
}

fn default_host() -> String {
    "localhost".into()
}
fn default_port() -> u16 {
    1883
}
fn default_keepalive() -> u64 {
    5
}
fn default_health() -> u64 {
    60
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignage {
    #[serde(default = "default_mode")]
    mode: String,
    #[serde(default = "default_orientation")]
    orientation: String,
    counter: Option<String>,
    #[serde(default = "default_languages")]
    languages: Vec<String>,
    #[serde(default = "default_rotate")]
    rotate_s: u64,
    #[serde(default = "default_stale")]
    stale_after_s: u64,
    #[serde(default)]
    chime: bool,
    /// A sound file played (with `aplay`) on every announcement when `chime = true`.
    chime_file: Option<PathBuf>,
    #[serde(default = "default_tz")]
    timezone: String,
}

fn default_mode() -> String {
    "wall".into()
}
fn default_orientation() -> String {
    "landscape".into()
}
fn default_languages() -> Vec<String> {
    vec!["fi".into(), "sv".into(), "en".into()]
}
fn default_rotate() -> u64 {
    8
}
fn default_stale() -> u64 {
    30
}
fn default_tz() -> String {
    "Europe/Helsinki".into()
}

/// How the device link (`aula-agent`) is set up.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub site: SiteId,
    pub device: DeviceId,
    pub broker_host: String,
    pub broker_port: u16,
    /// Holds `outbox.sqlite`, the agent's durable outbox (command results).
    pub state_dir: PathBuf,
    /// MQTT keepalive; the broker publishes the wall's `Offline` last will ~1.5× this after
    /// it vanishes.
    pub keepalive_s: u16,
    /// Period of the health report; 0 turns it off.
    pub health_interval_s: u64,
}

impl LinkConfig {
    /// The agent's config for this wall: kind `signage`, outbox in `state_dir`.
    pub fn agent_config(&self) -> aula_agent::AgentConfig {
        let mut cfg = aula_agent::AgentConfig::new(
            self.site.clone(),
            self.device.clone(),
            aula_protocol::DeviceKind::Signage,
            &self.broker_host,
            self.broker_port,
            self.state_dir.join("outbox.sqlite"),
        );
        cfg.keepalive_s = self.keepalive_s;
        cfg.health_interval_s = self.health_interval_s;
        cfg
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Landscape,
    Portrait,
}

/// What this screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The waiting-area wall.
    Wall(Orientation),
    /// The small display by one counter or room.
    Counter(CounterId),
}

/// A validated config.
#[derive(Debug, Clone)]
pub struct Config {
    pub link: LinkConfig,
    pub mode: Mode,
    pub languages: Vec<Lang>,
    pub rotate_s: u64,
    pub stale_after_s: u64,
    pub chime: bool,
    pub chime_file: Option<PathBuf>,
    pub timezone: Tz,
}

impl Config {
    /// Reads and validates `file`.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read { file: file.into(), source })?;
        Self::parse(file, &text)
    }

    /// Validates `text` as if read from `file` (named in errors).
    pub fn parse(file: &Path, text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::Toml { file: file.into(), message: e.to_string() })?;
        let bad = |key: &'static str, expected: &'static str, found: &str| ConfigError::Invalid {
            file: file.into(),
            key,
            expected,
            found: found.to_owned(),
        };
        let a = raw.agent;
        let device = DeviceId::new(&a.device)
            .map_err(|_| bad("agent.device", "a device id: lowercase letters a-z, digits, '-' or '_'", &a.device))?;
        if a.broker_host.trim().is_empty() {
            return Err(bad("agent.broker_host", "a host name or IP address such as \"localhost\"", &a.broker_host));
        }
        if a.broker_port == 0 {
            return Err(bad("agent.broker_port", "a TCP port 1-65535 (1883 by convention)", "0"));
        }
        if !(1..=600).contains(&a.keepalive_s) {
            return Err(bad("agent.keepalive_s", "seconds between 1 and 600", &a.keepalive_s.to_string()));
        }
        if a.health_interval_s > 86_400 {
            return Err(bad(
                "agent.health_interval_s",
                "seconds between 0 (off) and 86400",
                &a.health_interval_s.to_string(),
            ));
        }
        let state_dir = match a.state_dir {
            Some(d) if d.as_os_str().is_empty() => {
                return Err(bad("agent.state_dir", "a directory for the outbox such as \"var/wall-1\"", ""));
            }
            Some(d) => d,
            None => PathBuf::from("var").join(device.as_str()),
        };
        let link = LinkConfig {
            site: SiteId::new(&a.site)
                .map_err(|_| bad("agent.site", "a site id: lowercase letters a-z, digits, '-' or '_'", &a.site))?,
            device,
            broker_host: a.broker_host,
            broker_port: a.broker_port,
            state_dir,
            keepalive_s: a.keepalive_s as u16,
            health_interval_s: a.health_interval_s,
        };
        let s = raw.signage;
        let orientation = match s.orientation.as_str() {
            "landscape" => Orientation::Landscape,
            "portrait" => Orientation::Portrait,
            o => return Err(bad("signage.orientation", "\"landscape\" or \"portrait\"", o)),
        };
        let mode = match s.mode.as_str() {
            "wall" => Mode::Wall(orientation),
            "counter" => {
                let c = s.counter.as_deref().ok_or_else(|| {
                    bad(
                        "signage.counter",
                        "a counter or room id such as \"3\" or \"a\" (required when mode = \"counter\")",
                        "",
                    )
                })?;
                Mode::Counter(
                    CounterId::new(c)
                        .map_err(|_| bad("signage.counter", "a counter or room id such as \"3\" or \"a\"", c))?,
                )
            }
            m => return Err(bad("signage.mode", "\"wall\" or \"counter\"", m)),
        };
        if s.languages.is_empty() {
            return Err(bad("signage.languages", "at least one language code, e.g. [\"fi\", \"sv\", \"en\"]", "[]"));
        }
        let languages = s
            .languages
            .iter()
            .map(|l| {
                Lang::new(l).map_err(|_| bad("signage.languages", "language codes such as \"fi\", \"sv\", \"en\"", l))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !(1..=3600).contains(&s.rotate_s) {
            return Err(bad("signage.rotate_s", "seconds between 1 and 3600", &s.rotate_s.to_string()));
        }
        if !(5..=3600).contains(&s.stale_after_s) {
            return Err(bad("signage.stale_after_s", "seconds between 5 and 3600", &s.stale_after_s.to_string()));
        }
        if s.chime && s.chime_file.is_none() {
            return Err(bad("signage.chime_file", "a path to a .wav file (required when chime = true)", ""));
        }
        let timezone: Tz = s
            .timezone
            .parse()
            .map_err(|_| bad("signage.timezone", "an IANA zone such as \"Europe/Helsinki\"", &s.timezone))?;
        Ok(Config {
            link,
            mode,
            languages,
            rotate_s: s.rotate_s,
            stale_after_s: s.stale_after_s,
            chime: s.chime,
            chime_file: s.chime_file,
            timezone,
        })
    }

    /// The wall's timings from this config.
    pub fn timing(&self) -> crate::wall::Timing {
        crate::wall::Timing {
            stale_after: chrono::Duration::seconds(self.stale_after_s as i64),
            rotate: chrono::Duration::seconds(self.rotate_s as i64),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[agent]
site = "lahti"
device = "wall-1"

[signage]
mode = "wall"
orientation = "portrait"
languages = ["fi", "sv", "en"]
"#;

    #[test]
    fn defaults_and_portrait() {
        let c = Config::parse(Path::new("wall.toml"), GOOD).unwrap();
        assert_eq!(c.mode, Mode::Wall(Orientation::Portrait));
        assert_eq!((c.rotate_s, c.stale_after_s, c.chime), (8, 30, false));
        assert_eq!(c.link.broker_port, 1883);
        assert_eq!(c.link.state_dir, Path::new("var/wall-1"));
        let agent = c.link.agent_config();
        assert_eq!(agent.kind, aula_protocol::DeviceKind::Signage);
        assert_eq!(agent.outbox_path, Path::new("var/wall-1/outbox.sqlite"));
        assert_eq!((agent.keepalive_s, agent.health_interval_s), (5, 60));
    }

    /// The configs shipped in `config/` (the lobby script runs `wall-1.toml`) must start.
    #[test]
    fn shipped_configs_are_valid() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
        for (name, mode) in [
            ("wall-1", Mode::Wall(Orientation::Landscape)),
            ("wall-2", Mode::Wall(Orientation::Portrait)),
            ("counter-3", Mode::Counter(CounterId::new("3").unwrap())),
        ] {
            let c = Config::load(&root.join(format!("{name}.toml"))).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.mode, mode);
            assert_eq!(c.link.device.as_str(), name);
            assert_eq!(c.link.state_dir, Path::new("var").join(name));
        }
    }

    #[test]
    fn errors_name_file_key_and_form() {
        let check = |text: &str, key: &str, expected: &str| {
            let e = Config::parse(Path::new("config/wall-9.toml"), text).unwrap_err().to_string();
            assert!(e.contains("config/wall-9.toml") && e.contains(key) && e.contains(expected), "{e}");
        };
        check(&GOOD.replace("portrait", "sideways"), "signage.orientation", "\"landscape\" or \"portrait\"");
        check(&GOOD.replace("mode = \"wall\"", "mode = \"counter\""), "signage.counter", "required when mode");
        check(&GOOD.replace("\"sv\"", "\"Swedish\""), "signage.languages", "language codes");
        check(&GOOD.replace("wall-1", "Wall 1"), "agent.device", "device id");
        check(&format!("{GOOD}rotate_s = 0\n"), "signage.rotate_s", "between 1 and 3600");
        check(&format!("{GOOD}colour = 1\n"), "colour", "unknown field");
        let agent = |line: &str| GOOD.replace("device = \"wall-1\"", &format!("device = \"wall-1\"\n{line}"));
        check(&agent("keepalive_s = 0"), "agent.keepalive_s", "between 1 and 600");
        check(&agent("broker_port = 0"), "agent.broker_port", "TCP port");
        check(&agent("state_dir = \"\""), "agent.state_dir", "directory");
        check(&agent("outbox = \"x\""), "outbox", "unknown field");
    }
}
