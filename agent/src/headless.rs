//! The headless `aula-agent`'s whole device file, validated together: `[agent]`
//! ([`AgentConfig`]), `[dropbox]`, `[gpio]` and `[printer]`. Read once at start and again on
//! the hub's `ReloadConfig` command, which is refused (the running config stays) when the
//! file no longer validates. Every error names the file, the key and the expected form.
//!
//! Also the pure pieces the binary's loop uses: the printer status mapping to the protocol
//! and the test ticket's content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_hardware::gpio::{GpioConfig, InputRole, ValidGpioConfig};
use aula_hardware::{PrinterConfig, PrinterStatus, TicketContent};
use aula_protocol::{DeviceId, PrinterState, SiteId};
use serde::Deserialize;

use crate::config::AgentConfig;
use crate::dropbox::DropBoxConfig;
use crate::error::ConfigError;

/// `[printer]` as the headless agent reads it: the hardware crate's [`PrinterConfig`] plus how
/// often to ask the printer for its real-time status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PrinterSection {
    #[serde(flatten)]
    pub printer: PrinterConfig,
    /// Seconds between DLE EOT status queries; 0 = never (wired sensor lines only).
    #[serde(default = "default_status_poll_s")]
    pub status_poll_s: u64,
}

fn default_status_poll_s() -> u64 {
    30
}

/// The sections besides `[agent]`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviceFile {
    #[serde(default)]
    dropbox: Option<DropBoxConfig>,
    #[serde(default)]
    gpio: Option<GpioConfig>,
    #[serde(default)]
    printer: Option<PrinterSection>,
}

/// A validated device file for the headless agent.
#[derive(Debug, Clone)]
pub struct HeadlessConfig {
    pub file: PathBuf,
    pub agent: AgentConfig,
    pub dropbox: Option<DropBoxConfig>,
    /// The `[gpio]` section as written (what [`aula_hardware::gpio::start`] takes) and its
    /// checked form.
    pub gpio: Option<(GpioConfig, ValidGpioConfig)>,
    pub printer: Option<PrinterSection>,
}

impl HeadlessConfig {
    /// Reads and validates the whole file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { file: path.to_path_buf(), source })?;
        Self::from_toml_str(&text, path)
    }

    /// Parses and validates TOML text; `file` is only used in error messages.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let agent = AgentConfig::from_toml_str(text, file)?;
        let invalid = |key: String, expected: String| ConfigError::Invalid { file: file.to_path_buf(), key, expected };
        let mut table: toml::Table = toml::from_str(text)
            .map_err(|e| ConfigError::Syntax { file: file.to_path_buf(), message: e.to_string() })?;
        table.remove("agent");
        let raw: RawDeviceFile = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            invalid(if key == "." { "(top level)".into() } else { key }, e.inner().to_string())
        })?;

        let gpio = match raw.gpio {
            Some(g) => {
                let valid = g.validate().map_err(|e| invalid(e.key, e.message))?;
                Some((g, valid))
            }
            None => None,
        };
        let roles: Vec<(usize, InputRole)> = gpio
            .as_ref()
            .map(|(_, v)| v.inputs.iter().enumerate().map(|(i, input)| (i, input.role)).collect())
            .unwrap_or_default();
        if raw.dropbox.is_some() && gpio.is_none() {
            return Err(invalid("gpio".into(), "a [gpio] section with the drop box's inputs (lid, emptied)".into()));
        }
        if raw.dropbox.is_none()
            && let Some((i, role)) = roles.iter().find(|(_, r)| matches!(r, InputRole::Lid | InputRole::Emptied))
        {
            return Err(invalid(
                format!("gpio.inputs[{i}].name"),
                format!("a [dropbox] section with box_id for the {role:?} input, or another input name"),
            ));
        }
        if let Some(p) = &raw.printer {
            p.printer.validate().map_err(|e| match e {
                aula_hardware::printer::OpenError::Invalid { key, message } => {
                    invalid(format!("printer.{key}"), message)
                }
                other => invalid("printer".into(), other.to_string()),
            })?;
            if p.status_poll_s != 0 && !(5..=3600).contains(&p.status_poll_s) {
                return Err(invalid("printer.status_poll_s".into(), "0 (never) or seconds between 5 and 3600".into()));
            }
        }
        Ok(HeadlessConfig { file: file.to_path_buf(), agent, dropbox: raw.dropbox, gpio, printer: raw.printer })
    }

    /// How often to ask the printer for its status, if at all.
    pub fn printer_poll(&self) -> Option<Duration> {
        self.printer.as_ref().filter(|p| p.status_poll_s > 0).map(|p| Duration::from_secs(p.status_poll_s))
    }
}

/// The hardware crate's printer status in protocol terms.
pub fn printer_state(s: PrinterStatus) -> PrinterState {
    match s {
        PrinterStatus::Ready => PrinterState::Ready,
        PrinterStatus::PaperLow => PrinterState::PaperLow,
        PrinterStatus::PaperOut => PrinterState::PaperOut,
        PrinterStatus::CoverOpen => PrinterState::CoverOpen,
        PrinterStatus::Offline => PrinterState::Offline,
        PrinterStatus::CutterError => PrinterState::CutterError,
    }
}

/// What the hub's "test print" prints: which device and site, and when, with the heading in
/// Finnish, Swedish and English (a technician of either language reads it at the device).
pub fn test_ticket(site: &SiteId, device: &DeviceId, now: chrono::DateTime<chrono::Utc>) -> TicketContent {
    TicketContent {
        site_name: format!("Aula {site}"),
        number: "TEST".into(),
        service: "Testituloste / Testutskrift / Test print".into(),
        issued_at_text: now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        people_ahead_text: device.to_string(),
        footer: Some(format!("aula-agent {}", env!("CARGO_PKG_VERSION"))),
        ..TicketContent::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[agent]
site = "lahti"
device = "dropbox-1"
kind = "agent"
outbox_path = "/tmp/o.sqlite"
[agent.broker]
host = "127.0.0.1"
"#;

    const DROPBOX: &str = r#"
[dropbox]
box_id = "lobby"
[gpio]
backend = "simulated"
[[gpio.inputs]]
name = "lid"
pin = 17
pull = "up"
active = "low"
[[gpio.inputs]]
name = "cover_open"
pin = 22
pull = "up"
active = "low"
[printer]
kind = "file"
dir = "/tmp/aula-prints"
paper = "58mm"
"#;

    fn parse(extra: &str) -> Result<HeadlessConfig, ConfigError> {
        HeadlessConfig::from_toml_str(&format!("{BASE}{extra}"), Path::new("dev.toml"))
    }

    #[test]
    fn full_file_parses() {
        let c = parse(DROPBOX).unwrap();
        assert_eq!(c.dropbox.unwrap().box_id.as_str(), "lobby");
        assert_eq!(c.gpio.unwrap().1.inputs.len(), 2);
        assert_eq!(c.printer.as_ref().unwrap().status_poll_s, 30);
        assert!(parse("").unwrap().gpio.is_none(), "health-only agent");
    }

    /// Each broken file is refused with the file name, the key and the expected form.
    #[test]
    fn errors_name_file_key_and_expectation() {
        let cases: &[(&str, &str, &str)] = &[
            (DROPBOX, "[dropbox]\nbox_id = \"lobby\"\n", "gpio"),
            ("pin = 22", "pin = 40", "gpio.inputs[1].pin"),
            ("pin = 22", "pin = 17", "gpio.inputs[1].pin"),
            ("paper = \"58mm\"", "paper = \"58mm\"\nstatus_poll_s = 1", "printer.status_poll_s"),
            ("paper = \"58mm\"", "paper = \"58mm\"\ntimeout_ms = 5", "printer.timeout_ms"),
            ("box_id = \"lobby\"", "box_id = \"Lobby Box\"", "dropbox.box_id"),
            ("[dropbox]\nbox_id = \"lobby\"\n", "", "gpio.inputs[0].name"),
            ("[dropbox]", "[dropbx]", "dropbx"),
        ];
        for (from, to, key) in cases {
            let text = if *from == DROPBOX { to.to_string() } else { DROPBOX.replace(from, to) };
            let e = parse(&text).expect_err(key).to_string();
            assert!(e.starts_with("dev.toml: key `"), "{e}");
            assert!(e.contains(key), "expected key {key} in: {e}");
        }
    }

    /// The shipped example must stay valid (it is what technicians copy).
    #[test]
    fn shipped_example_validates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/agent-dropbox.toml");
        let c = HeadlessConfig::from_file(&path).unwrap();
        assert!(c.dropbox.is_some() && c.gpio.is_some());
    }

    #[test]
    fn test_ticket_names_device_and_is_printable() {
        let t = test_ticket(
            &SiteId::new("lahti").unwrap(),
            &DeviceId::new("dropbox-1").unwrap(),
            chrono::DateTime::from_timestamp(0, 0).unwrap(),
        );
        assert_eq!(t.people_ahead_text, "dropbox-1");
        assert_eq!(t.issued_at_text, "1970-01-01 00:00:00 UTC");
        assert!(aula_hardware::render_ticket(&t, aula_hardware::PaperWidth::Mm58).is_ok());
    }
}
