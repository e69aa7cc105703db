//! The device config file (`config/wall-1.toml`, `config/counter-3.toml`): raw TOML →
//! validated [`Config`]. Every error names the file, the key and the expected form, once, at
//! start.
//!
//! ```toml
//! [agent]                    # the device link, as on every device (aula_agent::config)
//! site = "lahti"
//! device = "wall-1"
//! broker = "mqtt://localhost:1883"   # or mqtts://…, with username/password and [agent.tls]
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

use aula_agent::{AgentConfig, RawAgent};
use aula_conf::ConfigError;
use aula_protocol::{CounterId, DeviceKind, Lang};
use chrono_tz::Tz;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    agent: RawAgent,
    signage: RawSignage,
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
    /// The device link (`aula-agent`): broker, credentials, TLS, the outbox in `state_dir`;
    /// kind `signage`.
    pub link: AgentConfig,
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
        Self::parse(file, &aula_conf::read(file)?)
    }

    /// Validates `text` as if read from `file` (named in errors).
    pub fn parse(file: &Path, text: &str) -> Result<Self, ConfigError> {
        let name = file.display().to_string();
        let raw: RawConfig = aula_conf::parse(text, &name)?;
        let bad = |key: &str, expected: &str, found: &str| ConfigError::invalid(&name, key, expected, found);
        let link = raw.agent.validate(&name, DeviceKind::Signage)?;
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
                        "nothing",
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
            return Err(bad("signage.chime_file", "a path to a .wav file (required when chime = true)", "nothing"));
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
broker = "mqtt://localhost:1883"

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
        assert_eq!(c.link.broker.url(), "mqtt://localhost:1883");
        assert_eq!(c.link.state_dir, Path::new("var/wall-1"));
        assert_eq!(c.link.kind, aula_protocol::DeviceKind::Signage);
        assert_eq!(c.link.outbox_path, Path::new("var/wall-1/outbox.sqlite"));
        assert_eq!((c.link.keepalive_s, c.link.health_interval_s), (5, 60));
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
            let e = Config::parse(Path::new("config/wall-9.toml"), text).unwrap_err();
            assert_eq!(e.file(), "config/wall-9.toml");
            assert!(e.key().starts_with(key) && e.to_string().contains(expected), "{key}: {e}");
        };
        check(&GOOD.replace("portrait", "sideways"), "signage.orientation", "\"landscape\" or \"portrait\"");
        check(&GOOD.replace("mode = \"wall\"", "mode = \"counter\""), "signage.counter", "required when mode");
        check(&GOOD.replace("\"sv\"", "\"Swedish\""), "signage.languages", "language codes");
        check(&GOOD.replace("wall-1", "Wall 1"), "agent.device", "device id");
        check(&format!("{GOOD}rotate_s = 0\n"), "signage.rotate_s", "between 1 and 3600");
        check(&format!("{GOOD}colour = 1\n"), "signage.colour", "unknown field");
        let agent = |line: &str| GOOD.replace("device = \"wall-1\"", &format!("device = \"wall-1\"\n{line}"));
        check(&agent("keepalive_s = 0"), "agent.keepalive_s", "between 1 and 600");
        check(&GOOD.replace("mqtt://localhost:1883", "localhost:1883"), "agent.broker", "mqtt://host:port");
        check(&agent("state_dir = \"\""), "agent.state_dir", "directory");
        check(&agent("outbox = \"x\""), "agent.outbox", "unknown field");
    }

    /// The wall's old link keys are refused with the key that replaces them.
    #[test]
    fn old_link_keys_name_the_new_one() {
        for old in ["broker_host = \"localhost\"", "broker_port = 1883"] {
            let text = GOOD.replace("broker = \"mqtt://localhost:1883\"", old);
            let e = Config::parse(Path::new("wall.toml"), &text).unwrap_err();
            let key = format!("agent.{}", old.split(' ').next().unwrap());
            assert_eq!(
                e.to_string(),
                format!("wall.toml: {key}: this key is no longer read; use agent.broker = \"mqtt://host:port\"")
            );
        }
    }
}
