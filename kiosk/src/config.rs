//! The kiosk's config file (`config/kiosk-1.toml`): raw TOML → [`KioskConfig`], validated once
//! at start. Every error names the file, the key and the expected form.
//!
//! ```toml
//! [agent]                      # the device link, as on every device (aula_agent::config)
//! site = "lahti"
//! device = "kiosk-1"
//! broker = "mqtt://localhost:1883"   # or mqtts://…, with username/password and [agent.tls]
//! state_dir = "var/kiosk-1"    # outbox, offline counters, cached queue state
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
//! [printer]            # aula_hardware::printer::PrinterConfig (check-in mode only)
//! kind = "file"
//! dir = "var/tickets"
//! paper = "80mm"
//! ```
//!
//! `mode` is one of `"checkin"` (the queue-number kiosk), `"feedback"` (the exit feedback
//! terminal) and `"survey"` (the pop-up on a self-service terminal). The last two need a
//! `[survey]` section and no `[printer]` (see `config/feedback-1.toml`, `config/survey-1.toml`):
//!
//! ```toml
//! [survey]
//! id = "exit"                       # which survey; the hub sends it retained on survey/<id>
//! file = "config/surveys.toml"      # used until the hub has sent it once
//! socket = "/run/aula/survey.sock"  # survey mode: the local trigger (crate::trigger)
//! inactivity_s = 30                 # a visit without a tap has walked away
//! thanks_s = 4
//! cooldown_s = 6                    # first-question taps refused after an answer without
//!                                   # a thank-you (a thank-you is the pause: it ends with it)
//! max_per_minute = 6                # committed answers per minute, more taps are refused
//! popup_timeout_s = 45              # survey mode: an untouched pop-up closes
//! active_s = 60                     # survey mode: use of at least this long…
//! idle_s = 20                       # …then this long without activity opens the survey
//! always_visible = false            # survey mode: true keeps the window on screen between
//!                                   # surveys (a dedicated screen; needed on linuxkms)
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use aula_agent::{AgentConfig, RawAgent};
use aula_conf::ConfigError;
use aula_hardware::printer::PrinterConfig;
use aula_protocol::{DeviceId, DeviceKind, Lang, Localized, SiteId};
use serde::Deserialize;

use crate::flow::{FlowConfig, OfflineBlock};
use crate::survey::{SurveyConfig, SurveyMode};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    agent: RawAgent,
    kiosk: RawKiosk,
    printer: Option<PrinterConfig>,
    survey: Option<RawSurvey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSurvey {
    id: String,
    file: Option<PathBuf>,
    socket: Option<PathBuf>,
    #[serde(default = "d30")]
    inactivity_s: u64,
    #[serde(default = "d4")]
    thanks_s: u64,
    #[serde(default = "d6")]
    cooldown_s: u64,
    #[serde(default = "d6u")]
    max_per_minute: u32,
    #[serde(default = "d45")]
    popup_timeout_s: u64,
    #[serde(default = "d60")]
    active_s: u64,
    #[serde(default = "d20")]
    idle_s: u64,
    /// Survey mode: by default the window is unmapped between surveys.
    #[serde(default)]
    always_visible: bool,
}

fn d30() -> u64 {
    30
}
fn d4() -> u64 {
    4
}
fn d6() -> u64 {
    6
}
fn d6u() -> u32 {
    6
}
fn d45() -> u64 {
    45
}
fn d60() -> u64 {
    60
}
fn d20() -> u64 {
    20
}

/// What this kiosk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Take a queue number, check in, ask for help.
    Checkin,
    /// The feedback terminal by the exit.
    Feedback,
    /// The survey pop-up of a self-service terminal.
    Survey,
}

/// The validated `[survey]` section.
#[derive(Debug, Clone)]
pub struct SurveySettings {
    pub id: aula_protocol::SurveyId,
    /// The local survey file, used until the hub has sent the definition.
    pub file: Option<PathBuf>,
    /// Survey mode: the local trigger socket.
    pub socket: Option<PathBuf>,
    pub flow: SurveyConfig,
    /// Survey mode: keep the window on screen between surveys instead of unmapping it.
    pub always_visible: bool,
    /// Survey mode: the use-then-idle detector's two times.
    pub active: Duration,
    pub idle: Duration,
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
    #[serde(default = "default_block")]
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
fn default_block() -> [u32; 2] {
    [900, 999]
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
    /// The device link (`aula-agent`): broker, credentials, TLS; kind `kiosk` in check-in
    /// mode, `feedback` in the survey modes.
    pub link: AgentConfig,
    /// The outbox, offline counters and the cached queue state (`agent.state_dir`).
    pub state_dir: PathBuf,
    pub languages: Vec<Lang>,
    pub interpreter_languages: Vec<Lang>,
    pub timezone: chrono_tz::Tz,
    pub site_name: Localized,
    pub mode: Mode,
    pub flow: FlowConfig,
    /// Check-in mode only (validated present there).
    pub printer: Option<PrinterConfig>,
    /// Feedback and survey modes only (validated present there).
    pub survey: Option<SurveySettings>,
}

impl KioskConfig {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        Self::from_toml_str(&aula_conf::read(path)?, path)
    }

    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let name = file.display().to_string();
        let raw: RawConfig = aula_conf::parse(text, &name)?;
        let bad = |key: &str, expected: &str, found: String| ConfigError::invalid(&name, key, expected, found);
        let mode = match raw.kiosk.mode.as_str() {
            "checkin" => Mode::Checkin,
            "feedback" => Mode::Feedback,
            "survey" => Mode::Survey,
            other => {
                return Err(bad("kiosk.mode", "one of \"checkin\", \"feedback\", \"survey\"", format!("{other:?}")));
            }
        };
        let kind = if mode == Mode::Checkin { DeviceKind::Kiosk } else { DeviceKind::Feedback };
        let link = raw.agent.validate(&name, kind)?;
        let lang_list = |key: &str, list: &[String]| -> Result<Vec<Lang>, ConfigError> {
            list.iter()
                .map(|l| Lang::new(l.as_str()).map_err(|_| bad(key, "language codes such as \"fi\"", format!("{l:?}"))))
                .collect()
        };
        let languages = lang_list("kiosk.languages", &raw.kiosk.languages)?;
        for req in REQUIRED_LANGUAGES {
            if !languages.iter().any(|l| l.as_str() == req) {
                return Err(bad(
                    "kiosk.languages",
                    "a list containing at least \"fi\", \"sv\" and \"en\"",
                    format!("{:?} without {req:?}", raw.kiosk.languages),
                ));
            }
        }
        let interpreter_languages = lang_list("kiosk.interpreter_languages", &raw.kiosk.interpreter_languages)?;
        let default_lang =
            Lang::new(&raw.kiosk.default_language).ok().filter(|l| languages.contains(l)).ok_or_else(|| {
                bad("kiosk.default_language", "one of kiosk.languages", format!("{:?}", raw.kiosk.default_language))
            })?;
        let required = [Lang::fi(), Lang::sv(), Lang::en()];
        let missing = raw.kiosk.site_name.missing(&required);
        if !missing.is_empty() {
            return Err(bad(
                "kiosk.site_name",
                "a table with fi, sv and en names",
                format!("no text for {}", missing.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")),
            ));
        }
        if !(10..=600).contains(&raw.kiosk.inactivity_s) {
            return Err(bad("kiosk.inactivity_s", "10..=600 seconds", raw.kiosk.inactivity_s.to_string()));
        }
        if !(5..=600).contains(&raw.kiosk.result_s) {
            return Err(bad("kiosk.result_s", "5..=600 seconds", raw.kiosk.result_s.to_string()));
        }
        if !(200..=30_000).contains(&raw.kiosk.request_timeout_ms) {
            return Err(bad(
                "kiosk.request_timeout_ms",
                "200..=30000 milliseconds",
                raw.kiosk.request_timeout_ms.to_string(),
            ));
        }
        let [first, last] = raw.kiosk.offline_block;
        if first == 0 || first > last || last > 9999 {
            return Err(bad(
                "kiosk.offline_block",
                "[first, last] with 1 <= first <= last <= 9999, e.g. [900, 999]",
                format!("[{first}, {last}]"),
            ));
        }
        let timezone: chrono_tz::Tz = raw.kiosk.timezone.parse().map_err(|_| {
            bad("kiosk.timezone", "an IANA zone such as \"Europe/Helsinki\"", format!("{:?}", raw.kiosk.timezone))
        })?;
        let printer = match (mode, raw.printer) {
            (Mode::Checkin, None) => {
                return Err(bad("printer", "a [printer] section in check-in mode", "none".into()));
            }
            (_, Some(p)) => {
                p.validate().map_err(|e| match e {
                    aula_hardware::printer::OpenError::Invalid { key, expected, found } => {
                        bad(&format!("printer.{key}"), &expected, found)
                    }
                    other => bad("printer", "a usable [printer] section", other.to_string()),
                })?;
                Some(p)
            }
            (_, None) => None,
        };

        let device = link.device.clone();
        let mut flow = FlowConfig::new(device.clone());
        flow.default_lang = default_lang;
        flow.inactivity = Duration::from_secs(raw.kiosk.inactivity_s);
        flow.result_timeout = Duration::from_secs(raw.kiosk.result_s);
        flow.request_timeout = Duration::from_millis(raw.kiosk.request_timeout_ms);
        flow.offline_block = OfflineBlock { first, last };
        let survey = match (mode, raw.survey) {
            (Mode::Checkin, _) => None,
            (_, None) => {
                return Err(bad(
                    "survey",
                    "a [survey] section with at least id = \"<survey id>\" in feedback and survey modes",
                    "none".into(),
                ));
            }
            (_, Some(s)) => Some(survey_settings(s, mode, &device, &flow.default_lang, &bad)?),
        };
        Ok(Self {
            file: file.into(),
            site: link.site.clone(),
            device,
            state_dir: link.state_dir.clone(),
            link,
            languages,
            interpreter_languages,
            timezone,
            site_name: raw.kiosk.site_name,
            mode,
            flow,
            printer,
            survey,
        })
    }
}

fn survey_settings(
    s: RawSurvey,
    mode: Mode,
    device: &DeviceId,
    lang: &Lang,
    bad: &dyn Fn(&str, &str, String) -> ConfigError,
) -> Result<SurveySettings, ConfigError> {
    let id = aula_protocol::SurveyId::new(&s.id)
        .map_err(|_| bad("survey.id", "a survey id such as \"exit\"", format!("{:?}", s.id)))?;
    let range = |key: &str, v: u64, lo: u64, hi: u64| {
        if (lo..=hi).contains(&v) {
            Ok(Duration::from_secs(v))
        } else {
            Err(bad(key, &format!("{lo}..={hi} seconds"), v.to_string()))
        }
    };
    let mut flow =
        SurveyConfig::new(if mode == Mode::Survey { SurveyMode::Popup } else { SurveyMode::Feedback }, device.clone());
    flow.default_lang = lang.clone();
    flow.inactivity = range("survey.inactivity_s", s.inactivity_s, 5, 600)?;
    flow.thanks = range("survey.thanks_s", s.thanks_s, 1, 60)?;
    flow.cooldown = range("survey.cooldown_s", s.cooldown_s, 0, 300)?;
    flow.popup_timeout = range("survey.popup_timeout_s", s.popup_timeout_s, 5, 600)?;
    if !(1..=60).contains(&s.max_per_minute) {
        return Err(bad("survey.max_per_minute", "1..=60 answers", s.max_per_minute.to_string()));
    }
    flow.max_per_minute = s.max_per_minute;
    let active = range("survey.active_s", s.active_s, 0, 3600)?;
    let idle = range("survey.idle_s", s.idle_s, 2, 600)?;
    if mode == Mode::Survey && s.socket.is_none() {
        tracing::info!("no [survey] socket: the survey opens only on hub commands and idle detection");
    }
    Ok(SurveySettings { id, file: s.file, socket: s.socket, flow, always_visible: s.always_visible, active, idle })
}
