//! The kiosk's config file (`config/kiosk-1.toml`): raw TOML → [`KioskConfig`], validated once
//! at start. Every error names the file, the key and the expected form.
//!
//! ```toml
//! [agent]
//! site = "lahti"
//! device = "kiosk-1"
//! broker = "localhost:1883"
//! state_dir = "var/kiosk-1"
//!
//! [kiosk]
//! mode = "checkin"
//! default_language = "fi"
//! languages = ["fi", "sv", "en", "ru", "uk", "ar", "so"]
//! interpreter_languages = ["ru", "uk", "ar", "so", "en", "sv"]
//! inactivity_s = 45
//! result_s = 20
//! request_timeout_ms = 3000
//! offline_block = [900, 999]
//! timezone = "Europe/Helsinki"
//!
//! [kiosk.site_name]
//! fi = "Yhteispalvelupiste Lahti"
//!
//! [printer]            # aula_hardware::printer::PrinterConfig
//! kind = "file"
//! dir = "var/tickets"
//! paper = "80mm"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_hardware::printer::PrinterConfig;
use aula_protocol::{DeviceId, Lang, Localized, SiteId};
use serde::Deserialize;

use crate::flow::{FlowConfig, OfflineBlock};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("{file}: key `{key}`: {message} (expected {expected})")]
    Invalid { file: PathBuf, key: String, message: String, expected: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    agent: RawAgent,
    kiosk: RawKiosk,
    printer: PrinterConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    site: String,
    device: String,
    broker: String,
    #[serde(default = "default_state_dir")]
    state_dir: PathBuf,
}

fn default_state_dir() -> PathBuf {
    PathBuf::from("var/kiosk")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKiosk {
    mode: String,
    #[serde(default = "default_lang")]
    default_language: String,
    languages: Vec<String>,
    #[serde(default)]
    interpreter_languages: Vec<String>,
    #[serde(default = "default_inactivity")]
    inactivity_s: u64,
    #[serde(default = "default_result")]
    result_s: u64,
    #[serde(default = "default_timeout")]
    request_timeout_ms: u64,
    offline_block: [u32; 2],
    #[serde(default = "default_tz")]
    timezone: String,
    site_name: Localized,
}

fn default_lang() -> String {
    "fi".into()
}
fn default_inactivity() -> u64 {
    45
}
fn default_result() -> u64 {
    20
}
fn default_timeout() -> u64 {
    3000
}
fn default_tz() -> String {
    "Europe/Helsinki".into()
}

/// Languages every kiosk must offer (the law and the reports: Finnish, Swedish, English).
pub const REQUIRED_LANGUAGES: [&str; 3] = ["fi", "sv", "en"];

/// A validated kiosk config.
#[derive(Debug, Clone)]
pub struct KioskConfig {
    pub file: PathBuf,
    pub site: SiteId,
    pub device: DeviceId,
    /// `host:port` of the MQTT broker.
    pub broker_host: String,
    pub broker_port: u16,
    pub state_dir: PathBuf,
    pub languages: Vec<Lang>,
    pub interpreter_languages: Vec<Lang>,
    pub timezone: chrono_tz::Tz,
    pub site_name: Localized,
    pub flow: FlowConfig,
    pub printer: PrinterConfig,
}

impl KioskConfig {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { file: path.into(), source })?;
        Self::from_toml_str(&text, path)
    }

    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse { file: file.into(), message: e.to_string() })?;
        let invalid = |key: &str, message: String, expected: &str| ConfigError::Invalid {
            file: file.into(),
            key: key.into(),
            message,
            expected: expected.into(),
        };
        let site = SiteId::new(&raw.agent.site)
            .map_err(|e| invalid("agent.site", e.to_string(), "a site id such as \"lahti\""))?;
        let device = DeviceId::new(&raw.agent.device)
            .map_err(|e| invalid("agent.device", e.to_string(), "a device id such as \"kiosk-1\""))?;
        let (host, port) = raw
            .agent
            .broker
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok().filter(|p| *p > 0)?)))
            .filter(|(h, _)| !h.is_empty())
            .ok_or_else(|| invalid("agent.broker", format!("{:?}", raw.agent.broker), "\"host:port\""))?;
        if raw.kiosk.mode != "checkin" {
            return Err(invalid("kiosk.mode", format!("{:?} is not supported", raw.kiosk.mode), "\"checkin\""));
        }
        let lang_list = |key: &str, list: &[String]| -> Result<Vec<Lang>, ConfigError> {
            list.iter()
                .map(|l| {
                    Lang::new(l.as_str()).map_err(|e| invalid(key, e.to_string(), "language codes such as \"fi\""))
                })
                .collect()
        };
        let languages = lang_list("kiosk.languages", &raw.kiosk.languages)?;
        for req in REQUIRED_LANGUAGES {
            if !languages.iter().any(|l| l.as_str() == req) {
                return Err(invalid(
                    "kiosk.languages",
                    format!("{req:?} is missing"),
                    "a list containing at least \"fi\", \"sv\" and \"en\"",
                ));
            }
        }
        let interpreter_languages = lang_list("kiosk.interpreter_languages", &raw.kiosk.interpreter_languages)?;
        let default_lang = Lang::new(&raw.kiosk.default_language)
            .map_err(|e| invalid("kiosk.default_language", e.to_string(), "one of kiosk.languages"))?;
        if !languages.contains(&default_lang) {
            return Err(invalid(
                "kiosk.default_language",
                format!("{default_lang} is not in kiosk.languages"),
                "one of kiosk.languages",
            ));
        }
        let required = [Lang::fi(), Lang::sv(), Lang::en()];
        let missing = raw.kiosk.site_name.missing(&required);
        if !missing.is_empty() {
            return Err(invalid(
                "kiosk.site_name",
                format!("no text for {}", missing.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")),
                "a table with fi, sv and en names",
            ));
        }
        if !(10..=600).contains(&raw.kiosk.inactivity_s) {
            return Err(invalid("kiosk.inactivity_s", raw.kiosk.inactivity_s.to_string(), "10..=600 seconds"));
        }
        if !(5..=600).contains(&raw.kiosk.result_s) {
            return Err(invalid("kiosk.result_s", raw.kiosk.result_s.to_string(), "5..=600 seconds"));
        }
        if !(200..=30_000).contains(&raw.kiosk.request_timeout_ms) {
            return Err(invalid(
                "kiosk.request_timeout_ms",
                raw.kiosk.request_timeout_ms.to_string(),
                "200..=30000 milliseconds",
            ));
        }
        let [first, last] = raw.kiosk.offline_block;
        if first == 0 || first > last || last > 9999 {
            return Err(invalid(
                "kiosk.offline_block",
                format!("[{first}, {last}]"),
                "[first, last] with 1 <= first <= last <= 9999, e.g. [900, 999]",
            ));
        }
        let timezone: chrono_tz::Tz = raw.kiosk.timezone.parse().map_err(|_| {
            invalid("kiosk.timezone", format!("{:?}", raw.kiosk.timezone), "an IANA zone such as \"Europe/Helsinki\"")
        })?;
        raw.printer.validate().map_err(|e| invalid("printer", e.to_string(), "a valid [printer] section"))?;

        let mut flow = FlowConfig::new(device.clone());
        flow.default_lang = default_lang;
        flow.inactivity = Duration::from_secs(raw.kiosk.inactivity_s);
        flow.result_timeout = Duration::from_secs(raw.kiosk.result_s);
        flow.request_timeout = Duration::from_millis(raw.kiosk.request_timeout_ms);
        flow.offline_block = OfflineBlock { first, last };
        Ok(Self {
            file: file.into(),
            site,
            device,
            broker_host: host,
            broker_port: port,
            state_dir: raw.agent.state_dir,
            languages,
            interpreter_languages,
            timezone,
            site_name: raw.kiosk.site_name,
            flow,
            printer: raw.printer,
        })
    }
}
