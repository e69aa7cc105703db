//! The hub's alert conditions as a pure state machine: which conditions are active, and the
//! one change (raised or cleared) a new observation causes. No I/O and no clock: callers pass
//! the observation and `now`; `facility.rs` persists the changes and queues the webhooks.
//!
//! A condition is keyed by ([`AlertKind`], subject), the subject being a device id or a box
//! id. Observing the same condition again changes nothing, so a device that reports
//! "paper out" in every health message raises one alert, and it clears once, when the
//! device reports something else. That is the "one notification per condition until it
//! clears" rule, and it is why the active set is persisted: a hub restart must not raise
//! again what is already raised.
//!
//! Unknown is not bad: a health figure of `None` (no system bus, no printer sensor) leaves
//! the condition as it was.

use std::collections::BTreeMap;

use aula_protocol::{DeviceEvent, DeviceId, DeviceStatus, Health, Localized, PrinterState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The device's status is `Offline` (its last will, or a clean shutdown).
    DeviceOffline,
    /// No message from a device that is not known to be offline for `[alerts] silent_after_s`
    /// (a hung process whose connection the broker still keeps alive).
    DeviceSilent,
    PaperOut,
    PaperLow,
    /// The device says its clock is not synchronised (`clock_synced == Some(false)`).
    ClockNotSynced,
    /// Free disk below the configured threshold.
    DiskLow,
    /// A drop-box lid has been open longer than its limit.
    LidOpenTooLong,
    /// A scheduled emptying (plus grace) passed without an emptying.
    BoxOverdue,
    /// A drop-box lid was opened while the site was closed.
    OpenedOutOfHours,
}

impl AlertKind {
    pub const ALL: [AlertKind; 9] = [
        AlertKind::DeviceOffline,
        AlertKind::DeviceSilent,
        AlertKind::PaperOut,
        AlertKind::PaperLow,
        AlertKind::ClockNotSynced,
        AlertKind::DiskLow,
        AlertKind::LidOpenTooLong,
        AlertKind::BoxOverdue,
        AlertKind::OpenedOutOfHours,
    ];

    /// The stable name (JSON, SQLite, metrics labels).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::DeviceOffline => "device_offline",
            AlertKind::DeviceSilent => "device_silent",
            AlertKind::PaperOut => "paper_out",
            AlertKind::PaperLow => "paper_low",
            AlertKind::ClockNotSynced => "clock_not_synced",
            AlertKind::DiskLow => "disk_low",
            AlertKind::LidOpenTooLong => "lid_open_too_long",
            AlertKind::BoxOverdue => "box_overdue",
            AlertKind::OpenedOutOfHours => "opened_out_of_hours",
        }
    }

    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The facility host's title for it, in every shipped language.
    pub fn title(self) -> Localized {
        let (fi, sv, en) = match self {
            AlertKind::DeviceOffline => ("Laite ei ole yhteydessä", "Enheten är inte ansluten", "Device offline"),
            AlertKind::DeviceSilent => {
                ("Laite ei ole lähettänyt viestejä", "Enheten har inte skickat meddelanden", "Device sends no messages")
            }
            AlertKind::PaperOut => {
                ("Tulostimesta loppui paperi", "Skrivaren har slut på papper", "Printer out of paper")
            }
            AlertKind::PaperLow => {
                ("Tulostimen paperi vähissä", "Skrivarens papper håller på att ta slut", "Printer paper low")
            }
            AlertKind::ClockNotSynced => (
                "Laitteen kello ei ole ajassa",
                "Enhetens klocka är inte synkroniserad",
                "Device clock not synchronised",
            ),
            AlertKind::DiskLow => ("Levytila vähissä", "Lite diskutrymme kvar", "Disk space low"),
            AlertKind::LidOpenTooLong => (
                "Palautuslaatikon kansi auki liian kauan",
                "Inlämningslådans lock öppet för länge",
                "Drop-box lid open too long",
            ),
            AlertKind::BoxOverdue => {
                ("Palautuslaatikko tyhjentämättä", "Inlämningslådan inte tömd", "Drop box not emptied on time")
            }
            AlertKind::OpenedOutOfHours => (
                "Palautuslaatikko avattu aukioloajan ulkopuolella",
                "Inlämningslådan öppnad utanför öppettiderna",
                "Drop box opened outside opening hours",
            ),
        };
        Localized::from_pairs(&[("fi", fi), ("sv", sv), ("en", en)])
    }
}

/// One condition: a kind and what it is about (a device id or a box id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertKey {
    pub kind: AlertKind,
    pub subject: String,
}

impl AlertKey {
    pub fn new(kind: AlertKind, subject: impl Into<String>) -> AlertKey {
        AlertKey { kind, subject: subject.into() }
    }
}

/// An observation: this condition holds (or not) now. `detail` is staff-facing English
/// text (the localized part is the kind's [`AlertKind::title`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub key: AlertKey,
    pub active: bool,
    pub detail: String,
}

impl Condition {
    pub fn new(kind: AlertKind, subject: impl Into<String>, active: bool, detail: impl Into<String>) -> Condition {
        Condition { key: AlertKey::new(kind, subject), active, detail: detail.into() }
    }
}

/// A raised alert.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveAlert {
    pub since: DateTime<Utc>,
    pub detail: String,
}

/// What an observation changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Raised { key: AlertKey, at: DateTime<Utc>, detail: String },
    Cleared { key: AlertKey, at: DateTime<Utc>, since: DateTime<Utc> },
}

impl Transition {
    pub fn key(&self) -> &AlertKey {
        match self {
            Transition::Raised { key, .. } | Transition::Cleared { key, .. } => key,
        }
    }
}

/// The active conditions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertSet {
    active: BTreeMap<AlertKey, ActiveAlert>,
}

impl AlertSet {
    /// Applies one observation; `Some` only when it raises or clears.
    pub fn observe(&mut self, c: Condition, now: DateTime<Utc>) -> Option<Transition> {
        match (c.active, self.active.contains_key(&c.key)) {
            (true, false) => {
                self.active.insert(c.key.clone(), ActiveAlert { since: now, detail: c.detail.clone() });
                Some(Transition::Raised { key: c.key, at: now, detail: c.detail })
            }
            (false, true) => {
                let a = self.active.remove(&c.key).expect("checked");
                Some(Transition::Cleared { key: c.key, at: now, since: a.since })
            }
            _ => None,
        }
    }

    /// Puts back an alert that was active when the hub stopped (no transition).
    pub fn restore(&mut self, key: AlertKey, since: DateTime<Utc>, detail: String) {
        self.active.insert(key, ActiveAlert { since, detail });
    }

    pub fn is_active(&self, key: &AlertKey) -> bool {
        self.active.contains_key(key)
    }

    pub fn active(&self) -> impl Iterator<Item = (&AlertKey, &ActiveAlert)> {
        self.active.iter()
    }

    pub fn len(&self) -> usize {
        self.active.len()
    }

    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }
}

/// A device message, typed, as far as alerts care.
#[derive(Debug, Clone, Copy)]
pub enum DeviceObservation<'a> {
    Status(&'a DeviceStatus),
    Health(&'a Health),
    Event(&'a DeviceEvent),
}

/// The conditions one device message tells about. Figures that are `None` tell nothing.
/// `disk_low_bytes` is the threshold below which free disk is "low" (None: never).
pub fn device_conditions(device: &DeviceId, obs: DeviceObservation<'_>, disk_low_bytes: Option<u64>) -> Vec<Condition> {
    let d = device.as_str();
    let mut out = Vec::new();
    let printer = |out: &mut Vec<Condition>, state: PrinterState| {
        out.push(Condition::new(
            AlertKind::PaperOut,
            d,
            state == PrinterState::PaperOut,
            format!("{d}: printer {state:?}"),
        ));
        out.push(Condition::new(
            AlertKind::PaperLow,
            d,
            state == PrinterState::PaperLow,
            format!("{d}: printer {state:?}"),
        ));
    };
    match obs {
        DeviceObservation::Status(s) => {
            let offline = matches!(s, DeviceStatus::Offline);
            out.push(Condition::new(AlertKind::DeviceOffline, d, offline, format!("{d} is offline")));
        }
        DeviceObservation::Health(h) => {
            if let Some(p) = h.printer {
                printer(&mut out, p);
            }
            if let Some(synced) = h.clock_synced {
                out.push(Condition::new(AlertKind::ClockNotSynced, d, !synced, format!("{d}: clock not synchronised")));
            }
            if let (Some(free), Some(limit)) = (h.disk_free_bytes, disk_low_bytes) {
                out.push(Condition::new(
                    AlertKind::DiskLow,
                    d,
                    free < limit,
                    format!("{d}: {} MB free, threshold {} MB", free / 1_000_000, limit / 1_000_000),
                ));
            }
        }
        DeviceObservation::Event(DeviceEvent::Printer { state }) => printer(&mut out, *state),
        DeviceObservation::Event(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aula_protocol::DeviceKind;

    fn t(s: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + i64::from(s), 0).unwrap()
    }

    fn health(printer: Option<PrinterState>, clock: Option<bool>, disk: Option<u64>) -> Health {
        Health { printer, clock_synced: clock, disk_free_bytes: disk, ..Health::default() }
    }

    /// Feeds each message's conditions into the set and returns the transitions as
    /// `"+kind"` / `"-kind"`.
    fn run(msgs: &[DeviceObservation<'_>]) -> Vec<String> {
        let dev = DeviceId::new("kiosk-1").unwrap();
        let mut set = AlertSet::default();
        let mut out = Vec::new();
        for (i, m) in msgs.iter().enumerate() {
            for c in device_conditions(&dev, *m, Some(100_000_000)) {
                if let Some(tr) = set.observe(c, t(i as u32)) {
                    let sign = if matches!(tr, Transition::Raised { .. }) { "+" } else { "-" };
                    out.push(format!("{sign}{}", tr.key().kind.as_str()));
                }
            }
        }
        out
    }

    #[test]
    fn each_condition_is_raised_once_and_cleared_once() {
        let out_of_paper = health(Some(PrinterState::PaperOut), None, None);
        let low = health(Some(PrinterState::PaperLow), None, None);
        let ready = health(Some(PrinterState::Ready), None, None);
        let unknown = health(None, None, None);
        let h = DeviceObservation::Health;
        assert_eq!(
            run(&[h(&out_of_paper), h(&out_of_paper), h(&unknown), h(&out_of_paper), h(&low), h(&ready), h(&ready)]),
            ["+paper_out", "-paper_out", "+paper_low", "-paper_low"]
        );
    }

    #[test]
    fn offline_from_status_and_back_online() {
        let online = DeviceStatus::Online { kind: DeviceKind::Agent, version: "1".into(), started_at: t(0) };
        let s = DeviceObservation::Status;
        assert_eq!(
            run(&[s(&online), s(&DeviceStatus::Offline), s(&DeviceStatus::Offline), s(&online)]),
            ["+device_offline", "-device_offline"]
        );
    }

    #[test]
    fn unknown_clock_and_disk_raise_nothing() {
        let h = DeviceObservation::Health;
        let unknown = health(None, None, None);
        let unsynced = health(None, Some(false), None);
        let synced = health(None, Some(true), Some(500_000_000));
        let full = health(None, None, Some(5_000_000));
        assert_eq!(run(&[h(&unknown)]), Vec::<String>::new());
        assert_eq!(
            run(&[h(&unsynced), h(&unknown), h(&synced), h(&full), h(&unknown), h(&synced)]),
            ["+clock_not_synced", "-clock_not_synced", "+disk_low", "-disk_low"]
        );
    }

    #[test]
    fn printer_events_count_like_health() {
        let out = DeviceEvent::Printer { state: PrinterState::PaperOut };
        let ready = DeviceEvent::Printer { state: PrinterState::Ready };
        let e = DeviceObservation::Event;
        assert_eq!(run(&[e(&out), e(&DeviceEvent::HelpButton), e(&ready)]), ["+paper_out", "-paper_out"]);
    }

    #[test]
    fn a_restored_alert_is_not_raised_again() {
        let mut set = AlertSet::default();
        let key = AlertKey::new(AlertKind::DeviceOffline, "kiosk-1");
        set.restore(key.clone(), t(0), "x".into());
        assert_eq!(set.observe(Condition { key: key.clone(), active: true, detail: "x".into() }, t(5)), None);
        let cleared = set.observe(Condition { key, active: false, detail: String::new() }, t(9));
        assert!(matches!(cleared, Some(Transition::Cleared { since, .. }) if since == t(0)));
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(k.title().0.len(), 3);
        }
    }
}
