//! The headless `aula-agent`'s whole device file, validated together: `[agent]`
//! ([`AgentConfig`]), `[dropbox]`, `[gpio]` and `[printer]`. Read once at start and again on
//! the hub's `ReloadConfig` command, which is refused (the running config stays) when the
//! file no longer validates. Every error names the file, the key and the expected form.
//!
//! Also the printer status mapping to the protocol, which the binary's loop uses.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_agent::{AgentConfig, RawAgent};
use aula_conf::ConfigError;
use aula_hardware::gpio::{GpioConfig, InputRole, ValidGpioConfig};
use aula_hardware::{PrinterConfig, PrinterStatus};
use aula_protocol::{DeviceKind, PrinterState};
use serde::Deserialize;

use crate::dropbox::DropBoxConfig;

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

/// The whole file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviceFile {
    agent: RawAgent,
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
        Self::from_toml_str(&aula_conf::read(path)?, path)
    }

    /// Parses and validates TOML text; `file` is only used in error messages.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let name = file.display().to_string();
        let raw: RawDeviceFile = aula_conf::parse(text, &name)?;
        let agent = raw.agent.validate(&name, DeviceKind::Agent)?;
        let invalid = |key: String, expected: String, found: String| ConfigError::invalid(&name, key, expected, found);
        let gpio = match raw.gpio {
            Some(g) => {
                let valid = g.validate().map_err(|e| invalid(e.key, e.expected, e.found))?;
                Some((g, valid))
            }
            None => None,
        };
        let roles: Vec<(usize, InputRole)> = gpio
            .as_ref()
            .map(|(_, v)| v.inputs.iter().enumerate().map(|(i, input)| (i, input.role)).collect())
            .unwrap_or_default();
        if raw.dropbox.is_some() && gpio.is_none() {
            return Err(invalid(
                "gpio".into(),
                "a [gpio] section with the drop box's inputs (lid, emptied)".into(),
                "no [gpio] section".into(),
            ));
        }
        if raw.dropbox.is_none()
            && let Some((i, role)) = roles.iter().find(|(_, r)| matches!(r, InputRole::Lid | InputRole::Emptied))
        {
            return Err(invalid(
                format!("gpio.inputs[{i}].name"),
                format!("a [dropbox] section with box_id for the {role:?} input, or another input name"),
                "no [dropbox] section".into(),
            ));
        }
        if let Some(p) = &raw.printer {
            p.printer.validate().map_err(|e| match e {
                aula_hardware::printer::OpenError::Invalid { key, expected, found } => {
                    invalid(format!("printer.{key}"), expected, found)
                }
                other => invalid("printer".into(), "a usable [printer] section".into(), other.to_string()),
            })?;
            if p.status_poll_s != 0 && !(5..=3600).contains(&p.status_poll_s) {
                return Err(invalid(
                    "printer.status_poll_s".into(),
                    "0 (never) or seconds between 5 and 3600".into(),
                    p.status_poll_s.to_string(),
                ));
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

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[agent]
site = "lahti"
device = "dropbox-1"
broker = "mqtt://127.0.0.1:1884"
state_dir = "/tmp/dropbox-1"
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
            let e = parse(&text).expect_err(key);
            assert_eq!(e.file(), "dev.toml");
            assert!(e.key().starts_with(key), "expected key {key} in: {e}");
        }
    }

    /// The shipped example must stay valid (it is what technicians copy).
    #[test]
    fn shipped_example_validates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/agent-dropbox.toml");
        let c = HeadlessConfig::from_file(&path).unwrap();
        assert!(c.dropbox.is_some() && c.gpio.is_some());
    }
}
