//! What devices say about themselves (status, health, events) and what the hub tells them
//! (commands). `None` in a health figure means "unknown" (no system bus, no sensor), which is
//! different from a bad value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::Validate;
use crate::ids::{BoxId, SurveyId};
use crate::ticket::TicketNumber;

/// Retained on `device/<id>/status`. The broker publishes `Offline` as the last will when the
/// device disappears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceStatus {
    Online { kind: DeviceKind, version: String, started_at: DateTime<Utc> },
    Offline,
}

impl Validate for DeviceStatus {
    fn validate(&self) -> Result<(), String> {
        match self {
            DeviceStatus::Online { started_at, .. } => crate::envelope::plausible_time("started_at", *started_at),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Check-in / queue-number kiosk.
    Kiosk,
    /// Feedback terminal or self-service survey.
    Feedback,
    /// Queue wall or counter display.
    Signage,
    /// Headless agent (drop box, sensors).
    Agent,
}

/// Printer condition, from the printer's own real-time status or wired sensor lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    Ready,
    PaperLow,
    PaperOut,
    CoverOpen,
    Offline,
    CutterError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkState {
    /// Full connectivity.
    Connected,
    /// Connected to the LAN but not beyond.
    Limited,
    Connecting,
    Disconnected,
}

/// One systemd unit's state (`active`, `failed`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHealth {
    pub name: String,
    pub active_state: String,
}

/// Periodic figures on `device/<id>/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Health {
    pub version: String,
    pub uptime_s: u64,
    pub cpu_temp_c: Option<f32>,
    pub load1: Option<f32>,
    pub mem_used_bytes: Option<u64>,
    pub mem_total_bytes: Option<u64>,
    pub disk_free_bytes: Option<u64>,
    pub network: Option<NetworkState>,
    pub clock_synced: Option<bool>,
    #[serde(default)]
    pub units: Vec<UnitHealth>,
    pub printer: Option<PrinterState>,
    /// Messages waiting in the device's outbox.
    #[serde(default)]
    pub outbox_pending: u64,
}

impl Validate for Health {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptiedBy {
    /// A physical "emptied" switch on the box.
    Switch,
    /// Recorded by staff through the console, API or CLI.
    Staff,
}

/// Something happened at a device (`device/<id>/event`, QoS 1 from the outbox). The envelope's
/// `ts` is the device time; the hub records its own receive time beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceEvent {
    /// The drop-box lid opened (`open: true`) or closed.
    Lid {
        box_id: BoxId,
        open: bool,
    },
    BoxEmptied {
        box_id: BoxId,
        by: EmptiedBy,
    },
    /// The printer changed state.
    Printer {
        state: PrinterState,
    },
    /// A ticket could not be printed; the customer got it on screen instead.
    PrintFailed {
        number: Option<TicketNumber>,
        reason: String,
    },
    /// The physical help button was pressed.
    HelpButton,
    /// Taps refused by the rate limit since the last report (a touch spammer, a stuck screen).
    TapsRejected {
        count: u32,
    },
    /// What a device did with a hub [`Command`]: `command` is the command's `type`
    /// (`test_print`, `reload_config`, …); `detail` tells the technician what happened or
    /// what to fix (e.g. the config error that made a reload refuse).
    CommandResult {
        command: String,
        ok: bool,
        #[serde(default)]
        detail: String,
    },
}

impl Validate for DeviceEvent {}

/// Hub → device on `device/<id>/cmd`. Only the hub sends these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    ReloadConfig,
    TestPrint,
    RestartApp,
    Reboot,
    /// Open the pop-up survey now (a self-service session just ended).
    ShowSurvey {
        survey: SurveyId,
    },
}

impl Validate for Command {}

/// Retained on `hub/status`; the hub's last will sets `online: false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubStatus {
    pub online: bool,
    pub version: String,
}

impl Validate for HubStatus {}
