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
}

fn default_host() -> String {
    "localhost".into()
}
fn default_port() -> u16 {
    1883
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

/// How the MQTT link is set up.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    pub site: SiteId,
    pub device: DeviceId,
    pub broker_host: String,
    pub broker_port: u16,
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
        let link = LinkConfig {
            site: SiteId::new(&a.site)
                .map_err(|_| bad("agent.site", "a site id: lowercase letters a-z, digits, '-' or '_'", &a.site))?,
            device: DeviceId::new(&a.device).map_err(|_| {
                bad("agent.device", "a device id: lowercase letters a-z, digits, '-' or '_'", &a.device)
            })?,
            broker_host: a.broker_host,
            broker_port: a.broker_port,
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
    }
}
