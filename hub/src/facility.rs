//! The facility side of the hub: the drop-box ledger ([`crate::dropbox`]) and the alerts
//! ([`crate::alerts`]) wired to SQLite, the clock and the webhooks. It owns the
//! `[[dropbox]]` and `[alerts]` sections of `hub.toml`, the ledger, alert and webhook-queue
//! tables in the device store's database, and the hub operations on them (the `impl Hub`
//! block below: the API and the CLI use those).
//!
//! Durability: ledger rows, alert changes and the webhook notifications they cause are
//! written in the SAME transaction as the device messages of a batch
//! ([`crate::store::DeviceStore::store_batch_then`]), so the ingest loop's ack-after-commit
//! covers them: a crash before the commit means the broker redelivers the message and the
//! ledger gets its row then; after the commit the message is a duplicate and adds nothing.
//! The pure state is changed on a copy and swapped in only after the commit, so a failed
//! commit leaves memory and disk in agreement.
//!
//! ```toml
//! [[dropbox]]
//! id = "lobby"                 # the box id the drop-box agent reports ([dropbox] box_id)
//! emptying = ["16:15"]         # scheduled emptyings, site-local; documents count as received then
//! lid_open_limit_s = 120       # "lid open too long" after this
//! grace_min = 30               # "not emptied on time" this long after a scheduled emptying
//!
//! [alerts]
//! disk_low_mb = 500            # free disk below this on a device raises "disk low"
//! webhook_retry_base_ms = 1000 # first retry after this, doubling up to 5 min
//! webhook_max_attempts = 12    # then the notification is dropped (logged)
//! silent_after_s = 180        # "device sends no messages" after this (0: off); 3 × health interval
//! home_assistant = false       # MQTT discovery of every device's online state (homeassistant.rs)
//! [[alerts.webhook]]
//! url = "https://chat.example/hooks/aula"
//! ```

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use aula_engine::SiteConfig;
use aula_protocol::{BoxId, DeviceEvent, DeviceId, DeviceStatus, EmptiedBy, Health, Localized};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::alerts::{AlertKey, AlertKind, AlertSet, Condition, DeviceObservation, Transition, device_conditions};
use crate::config::ConfigError;
use crate::dropbox::{self, BoxConfig, DailyLedger, DropBoxes, Entry, EntryKind, Observation};
use crate::hub::{Hub, HubError};
use crate::store::{DeviceMsg, DeviceStore, MsgKind, StoreError};

// ---- configuration -----------------------------------------------------------------------

/// `[[dropbox]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDropBox {
    pub id: String,
    #[serde(default)]
    pub emptying: Vec<String>,
    pub lid_open_limit_s: Option<u64>,
    pub grace_min: Option<u64>,
}

/// `[alerts]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlerts {
    pub disk_low_mb: Option<u64>,
    pub webhook_retry_base_ms: Option<u64>,
    pub webhook_max_attempts: Option<u32>,
    #[serde(default)]
    pub webhook: Vec<RawWebhook>,
    /// Announce every device to Home Assistant by MQTT discovery (`homeassistant.rs`).
    pub home_assistant: Option<bool>,
    pub home_assistant_prefix: Option<String>,
    /// "Device silent" after this long without a message (0 or absent: off). Three health
    /// intervals is a good value.
    pub silent_after_s: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    pub url: String,
}

/// The validated facility configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityConfig {
    pub boxes: Vec<BoxConfig>,
    /// Free disk below this raises "disk low" (None: off).
    pub disk_low_bytes: Option<u64>,
    pub webhooks: Vec<String>,
    pub retry_base: Duration,
    pub max_attempts: u32,
    /// Home Assistant discovery prefix when discovery is on.
    pub home_assistant: Option<String>,
    /// "Device silent" after this long without a message (None: off).
    pub silent_after: Option<TimeDelta>,
}

pub const DEFAULT_DISK_LOW_MB: u64 = 500;
/// The longest wait between two attempts of one notification.
pub const RETRY_MAX: Duration = Duration::from_secs(300);

impl Default for FacilityConfig {
    fn default() -> Self {
        FacilityConfig {
            boxes: Vec::new(),
            disk_low_bytes: Some(DEFAULT_DISK_LOW_MB * 1_000_000),
            webhooks: Vec::new(),
            retry_base: Duration::from_secs(1),
            max_attempts: 12,
            home_assistant: None,
            silent_after: None,
        }
    }
}

/// Validates the sections; `invalid(key, expected, found)` makes the error naming the file.
pub fn validate(
    boxes: Vec<RawDropBox>,
    alerts: Option<RawAlerts>,
    invalid: &dyn Fn(&str, &str, &str) -> ConfigError,
) -> Result<FacilityConfig, ConfigError> {
    let mut out = FacilityConfig::default();
    for (i, b) in boxes.into_iter().enumerate() {
        let key = |k: &str| format!("dropbox[{i}].{k}");
        let id = BoxId::new(b.id.clone()).map_err(|_| invalid(&key("id"), "a box id: a-z, 0-9, '-', '_'", &b.id))?;
        if out.boxes.iter().any(|c: &BoxConfig| c.id == id) {
            return Err(invalid(&key("id"), "a box id not used by another [[dropbox]]", &b.id));
        }
        let mut emptying = Vec::new();
        for t in &b.emptying {
            let time = NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| invalid(&key("emptying"), "site-local times like \"16:15\"", t))?;
            emptying.push(time);
        }
        emptying.sort();
        emptying.dedup();
        let limit = b.lid_open_limit_s.unwrap_or(dropbox::DEFAULT_LID_OPEN_LIMIT.num_seconds() as u64);
        if limit == 0 || limit > 86_400 {
            return Err(invalid(&key("lid_open_limit_s"), "seconds, 1 to 86400", &limit.to_string()));
        }
        let grace = b.grace_min.unwrap_or(dropbox::DEFAULT_GRACE.num_minutes() as u64);
        if grace > 24 * 60 {
            return Err(invalid(&key("grace_min"), "minutes, 0 to 1440", &grace.to_string()));
        }
        out.boxes.push(BoxConfig {
            id,
            emptying,
            lid_open_limit: TimeDelta::seconds(limit as i64),
            grace: TimeDelta::minutes(grace as i64),
        });
    }
    if let Some(a) = alerts {
        out.disk_low_bytes = match a.disk_low_mb {
            Some(0) => None,
            Some(mb) => Some(mb * 1_000_000),
            None => out.disk_low_bytes,
        };
        if let Some(ms) = a.webhook_retry_base_ms {
            if ms == 0 || ms > 60_000 {
                return Err(invalid("alerts.webhook_retry_base_ms", "milliseconds, 1 to 60000", &ms.to_string()));
            }
            out.retry_base = Duration::from_millis(ms);
        }
        if let Some(n) = a.webhook_max_attempts {
            if n == 0 || n > 100 {
                return Err(invalid("alerts.webhook_max_attempts", "1 to 100", &n.to_string()));
            }
            out.max_attempts = n;
        }
        out.silent_after = match a.silent_after_s {
            None | Some(0) => None,
            Some(s) if !(5..=7 * 86_400).contains(&s) => {
                return Err(invalid("alerts.silent_after_s", "seconds, 5 to 604800 (or 0: off)", &s.to_string()));
            }
            Some(s) => Some(TimeDelta::seconds(s as i64)),
        };
        if a.home_assistant.unwrap_or(false) {
            let prefix = a.home_assistant_prefix.unwrap_or_else(|| "homeassistant".into());
            if prefix.is_empty() || prefix.contains(['+', '#']) || prefix.starts_with('/') || prefix.ends_with('/') {
                return Err(invalid(
                    "alerts.home_assistant_prefix",
                    "an MQTT topic prefix such as homeassistant",
                    &prefix,
                ));
            }
            out.home_assistant = Some(prefix);
        }
        for (i, w) in a.webhook.into_iter().enumerate() {
            let ok =
                (w.url.starts_with("https://") || w.url.starts_with("http://")) && reqwest::Url::parse(&w.url).is_ok();
            if !ok {
                return Err(invalid(&format!("alerts.webhook[{i}].url"), "an http:// or https:// URL", &w.url));
            }
            out.webhooks.push(w.url);
        }
    }
    Ok(out)
}

// ---- storage -------------------------------------------------------------------------------

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS dropbox_ledger (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    box          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    by           TEXT,
    label        TEXT,
    device       TEXT,
    device_at    INTEGER,
    hub_at       INTEGER NOT NULL,
    out_of_hours INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS dropbox_ledger_box_time ON dropbox_ledger (box, hub_at);
CREATE TRIGGER IF NOT EXISTS dropbox_ledger_no_update BEFORE UPDATE ON dropbox_ledger
    BEGIN SELECT RAISE(ABORT, 'the drop-box ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS dropbox_ledger_no_delete BEFORE DELETE ON dropbox_ledger
    BEGIN SELECT RAISE(ABORT, 'the drop-box ledger is append-only'); END;
CREATE TABLE IF NOT EXISTS alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    raised_at  INTEGER NOT NULL,
    cleared_at INTEGER,
    detail     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_active ON alerts (cleared_at);
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    url      TEXT NOT NULL,
    body     TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS facility_meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
";

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

fn by_str(b: EmptiedBy) -> &'static str {
    match b {
        EmptiedBy::Switch => "switch",
        EmptiedBy::Staff => "staff",
    }
}

fn insert_entry(tx: &Transaction<'_>, e: &Entry) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO dropbox_ledger (box, kind, by, label, device, device_at, hub_at, out_of_hours)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        e.box_id.as_str(),
        e.kind.as_str(),
        e.by.map(by_str),
        e.label,
        e.device.as_ref().map(|d| d.as_str()),
        e.device_at.map(ms),
        ms(e.hub_at),
        e.out_of_hours
    ])?;
    Ok(())
}

fn read_entries(conn: &rusqlite::Connection, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(p, |r| {
        let box_s: String = r.get(0)?;
        let kind_s: String = r.get(1)?;
        let by: Option<String> = r.get(2)?;
        let device: Option<String> = r.get(4)?;
        Ok((
            box_s,
            kind_s,
            by,
            r.get::<_, Option<String>>(3)?,
            device,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, bool>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (box_s, kind_s, by, label, device, device_at, hub_at, out_of_hours) = row?;
        // Rows were written by this module from typed values; one that does not read back
        // is skipped with a warning rather than stopping the hub.
        let (Ok(box_id), Some(kind)) = (BoxId::new(box_s.clone()), EntryKind::parse(&kind_s)) else {
            tracing::warn!(box_id = %box_s, kind = %kind_s, "unreadable drop-box ledger row skipped");
            continue;
        };
        out.push(Entry {
            box_id,
            kind,
            by: by.map(|b| if b == "switch" { EmptiedBy::Switch } else { EmptiedBy::Staff }),
            label,
            device: device.and_then(|d| DeviceId::new(d).ok()),
            device_at: device_at.map(from_ms),
            hub_at: from_ms(hub_at),
            out_of_hours,
        });
    }
    Ok(out)
}

// ---- the state -----------------------------------------------------------------------------

/// One alert as the API and the webhooks show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: i64,
    pub kind: AlertKind,
    /// The device or box it is about.
    pub subject: String,
    pub title: Localized,
    pub detail: String,
    pub raised_at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
}

/// `GET /api/alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsView {
    pub active: Vec<AlertView>,
    /// The latest alerts, raised or cleared, newest first.
    pub recent: Vec<AlertView>,
}

/// What a webhook receives, once per raise and once per clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub site: String,
    /// `raised` or `cleared`.
    pub event: String,
    pub alert: AlertView,
}

#[derive(Debug, Clone)]
struct State {
    boxes: DropBoxes,
    alerts: AlertSet,
    /// Row id of each active alert.
    ids: BTreeMap<AlertKey, i64>,
    /// Per device: when the hub last heard from it, and whether its status is offline
    /// (an offline device is not also "silent").
    seen: BTreeMap<String, (DateTime<Utc>, bool)>,
}

/// The facility state, shared by ingest, the tick and the API.
pub struct Facility {
    pub config: FacilityConfig,
    /// False until [`Facility::open`] made its tables (a [`Facility::detached`] one only
    /// passes device messages through).
    installed: bool,
    site: String,
    state: Mutex<State>,
    /// Wakes the webhook loop when a notification is queued.
    pub webhook_wake: tokio::sync::Notify,
}

/// How many recent alerts `GET /api/alerts` lists.
const RECENT: i64 = 100;

impl Facility {
    /// Creates the tables if needed and rebuilds the state from the ledger and the active
    /// alerts. `now` starts the ledger on a fresh database.
    pub fn open(
        config: FacilityConfig,
        site: &SiteConfig,
        store: &mut DeviceStore,
        now: DateTime<Utc>,
    ) -> Result<Facility, StoreError> {
        let (entries, active, since, seen) = store.transaction(|tx| {
            tx.execute_batch(SCHEMA)?;
            tx.execute("INSERT OR IGNORE INTO facility_meta (key, value) VALUES ('ledger_since', ?1)", [ms(now)])?;
            let since: i64 =
                tx.query_row("SELECT value FROM facility_meta WHERE key = 'ledger_since'", [], |r| r.get(0))?;
            let entries = read_entries(
                tx,
                "SELECT box, kind, by, label, device, device_at, hub_at, out_of_hours FROM dropbox_ledger ORDER BY seq",
                [],
            )?;
            let mut stmt = tx.prepare(
                "SELECT id, kind, subject, raised_at, detail FROM alerts WHERE cleared_at IS NULL ORDER BY id",
            )?;
            let active = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = tx.prepare("SELECT id, status, last_seen FROM devices WHERE last_seen IS NOT NULL")?;
            let seen = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((entries, active, since, seen))
        })?;
        let seen = seen
            .into_iter()
            .map(|(id, status, at)| {
                let offline = status.is_some_and(|s| matches!(serde_json::from_str(&s), Ok(DeviceStatus::Offline)));
                // Counted from the hub's start at the latest: while the hub was down nobody
                // could hear the devices, and a restart must not call every device silent.
                (id, (from_ms(at).max(now), offline))
            })
            .collect();
        let mut boxes = DropBoxes::new(config.boxes.clone(), site.time_zone, site.hours.clone(), from_ms(since));
        for e in &entries {
            boxes.replay(e);
        }
        let mut alerts = AlertSet::default();
        let mut ids = BTreeMap::new();
        for (id, kind, subject, raised_at, detail) in active {
            let Some(kind) = AlertKind::parse(&kind) else { continue };
            let key = AlertKey { kind, subject };
            alerts.restore(key.clone(), from_ms(raised_at), detail);
            ids.insert(key, id);
        }
        tracing::info!(
            ledger_rows = entries.len(),
            active_alerts = ids.len(),
            boxes = config.boxes.len(),
            "facility state loaded"
        );
        Ok(Facility {
            config,
            installed: true,
            site: site.id.to_string(),
            state: Mutex::new(State { boxes, alerts, ids, seen }),
            webhook_wake: tokio::sync::Notify::new(),
        })
    }

    /// A facility without storage: what a [`Hub`] has until `run` installs the configured
    /// one. It stores device messages as they are and keeps no ledger or alerts.
    pub fn detached(site: &SiteConfig, now: DateTime<Utc>) -> Facility {
        Facility {
            config: FacilityConfig::default(),
            installed: false,
            site: site.id.to_string(),
            state: Mutex::new(State {
                boxes: DropBoxes::new(Vec::new(), site.time_zone, site.hours.clone(), now),
                alerts: AlertSet::default(),
                ids: BTreeMap::new(),
                seen: BTreeMap::new(),
            }),
            webhook_wake: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores a batch of device messages with what they mean for the ledger and the alerts,
    /// in one transaction. Returns per message whether it was new.
    pub fn store_batch(
        &self,
        store: &mut DeviceStore,
        msgs: &[DeviceMsg],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        if !self.installed {
            return store.store_batch(msgs);
        }
        let mut state = self.state();
        let mut next = state.clone();
        let mut transitions = 0;
        let fresh = store.store_batch_then(msgs, |tx, fresh| {
            for (m, new) in msgs.iter().zip(fresh) {
                for c in self.conditions_of(&mut next, tx, m, *new)? {
                    transitions += self.observe(tx, &mut next, c, m.received_at)?;
                }
            }
            for c in next.boxes.evaluate(now) {
                transitions += self.observe(tx, &mut next, c, now)?;
            }
            Ok(())
        })?;
        *state = next;
        drop(state);
        if transitions > 0 {
            self.webhook_wake.notify_one();
        }
        Ok(fresh)
    }

    /// The ledger rows and alert conditions of one message. A status is applied even when it
    /// is not new: a last will is fixed at connect time and arrives with the same id each
    /// time the device disappears. Other repeats add nothing.
    fn conditions_of(
        &self,
        st: &mut State,
        tx: &Transaction<'_>,
        m: &DeviceMsg,
        fresh: bool,
    ) -> rusqlite::Result<Vec<Condition>> {
        let disk = self.config.disk_low_bytes;
        let mut heard = Vec::new();
        if fresh || m.kind == MsgKind::Status {
            let seen = st.seen.entry(m.device.as_str().to_owned()).or_insert((m.received_at, false));
            seen.0 = seen.0.max(m.received_at);
            if m.kind == MsgKind::Status {
                seen.1 = matches!(serde_json::from_str(&m.body), Ok(DeviceStatus::Offline));
            }
            heard.push(Condition::new(AlertKind::DeviceSilent, m.device.as_str(), false, ""));
        }
        let mut conditions = match m.kind {
            MsgKind::Status => match serde_json::from_str::<DeviceStatus>(&m.body) {
                Ok(s) => device_conditions(&m.device, DeviceObservation::Status(&s), disk),
                Err(_) => Vec::new(),
            },
            MsgKind::Health if fresh => match serde_json::from_str::<Health>(&m.body) {
                Ok(h) => device_conditions(&m.device, DeviceObservation::Health(&h), disk),
                Err(_) => Vec::new(),
            },
            MsgKind::Event if fresh => {
                let Ok(ev) = serde_json::from_str::<DeviceEvent>(&m.body) else { return Ok(heard) };
                let obs = match &ev {
                    DeviceEvent::Lid { box_id, open } => Some((box_id, Observation::Lid { open: *open })),
                    DeviceEvent::BoxEmptied { box_id, by } => {
                        Some((box_id, Observation::Emptied { by: *by, label: None }))
                    }
                    _ => None,
                };
                if let Some((box_id, obs)) = obs {
                    if st.boxes.config(box_id).is_none() {
                        tracing::warn!(%box_id, device = %m.device, "drop box not in [[dropbox]]: recorded without a schedule");
                    }
                    if let Some(e) =
                        st.boxes.observe(box_id, obs, Some(m.device.clone()), Some(m.sent_at), m.received_at)
                    {
                        insert_entry(tx, &e)?;
                    }
                }
                device_conditions(&m.device, DeviceObservation::Event(&ev), disk)
            }
            _ => Vec::new(),
        };
        conditions.extend(heard);
        Ok(conditions)
    }

    /// Applies one condition; on a change, records it and queues its notifications.
    fn observe(&self, tx: &Transaction<'_>, st: &mut State, c: Condition, now: DateTime<Utc>) -> rusqlite::Result<u32> {
        let Some(tr) = st.alerts.observe(c, now) else { return Ok(0) };
        let view = match &tr {
            Transition::Raised { key, at, detail } => {
                tx.prepare_cached("INSERT INTO alerts (kind, subject, raised_at, detail) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![key.kind.as_str(), key.subject, ms(*at), detail])?;
                let id = tx.last_insert_rowid();
                st.ids.insert(key.clone(), id);
                tracing::warn!(kind = key.kind.as_str(), subject = %key.subject, detail = %detail, "alert raised");
                AlertView {
                    id,
                    kind: key.kind,
                    subject: key.subject.clone(),
                    title: key.kind.title(),
                    detail: detail.clone(),
                    raised_at: *at,
                    cleared_at: None,
                }
            }
            Transition::Cleared { key, at, since } => {
                let id = st.ids.remove(key).unwrap_or_default();
                tx.prepare_cached("UPDATE alerts SET cleared_at = ?2 WHERE id = ?1")?.execute(params![id, ms(*at)])?;
                let detail: String = tx
                    .query_row("SELECT detail FROM alerts WHERE id = ?1", [id], |r| r.get(0))
                    .optional()?
                    .unwrap_or_default();
                tracing::info!(kind = key.kind.as_str(), subject = %key.subject, "alert cleared");
                AlertView {
                    id,
                    kind: key.kind,
                    subject: key.subject.clone(),
                    title: key.kind.title(),
                    detail,
                    raised_at: *since,
                    cleared_at: Some(*at),
                }
            }
        };
        let event = if view.cleared_at.is_some() { "cleared" } else { "raised" };
        let body = serde_json::to_string(&Notification { site: self.site.clone(), event: event.into(), alert: view })
            .expect("notifications serialise");
        for url in &self.config.webhooks {
            tx.prepare_cached("INSERT INTO webhook_outbox (url, body, next_at) VALUES (?1, ?2, ?3)")?
                .execute(params![url, body, ms(now)])?;
        }
        Ok(1)
    }

    /// Time-based conditions (lid open too long, overdue, out of hours ending). Writes only
    /// when something changed, so an idle hub does not fsync every second.
    pub fn tick(&self, store: &mut DeviceStore, now: DateTime<Utc>) -> Result<usize, StoreError> {
        if !self.installed {
            return Ok(0);
        }
        let mut state = self.state();
        let mut next = state.clone();
        let mut conditions = next.boxes.evaluate(now);
        if let Some(limit) = self.config.silent_after {
            for (device, (at, offline)) in &next.seen {
                let quiet = now - *at;
                conditions.push(Condition::new(
                    AlertKind::DeviceSilent,
                    device.clone(),
                    !offline && quiet >= limit,
                    format!("{device}: no message for {} s", quiet.num_seconds()),
                ));
            }
        }
        let changes: Vec<Condition> =
            conditions.into_iter().filter(|c| c.active != next.alerts.is_active(&c.key)).collect();
        if changes.is_empty() {
            // The evaluation may still have forgotten an out-of-hours opening.
            *state = next;
            return Ok(0);
        }
        let n = store.transaction(|tx| {
            let mut n = 0;
            for c in changes {
                n += self.observe(tx, &mut next, c, now)?;
            }
            Ok(n)
        })?;
        *state = next;
        drop(state);
        self.webhook_wake.notify_one();
        Ok(n as usize)
    }

    /// Staff recorded an emptying (API, CLI). Unknown boxes are refused: a typo must not
    /// start a new box's ledger.
    pub fn staff_emptied(
        &self,
        store: &mut DeviceStore,
        box_id: &BoxId,
        label: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Entry, HubError> {
        if !self.installed {
            return Err(HubError::NotFound("the drop-box ledger is not running".into()));
        }
        let mut state = self.state();
        if state.boxes.config(box_id).is_none() {
            let known: Vec<&str> = state.boxes.ids().map(|b| b.as_str()).collect();
            return Err(HubError::NotFound(format!("no drop box {box_id:?}; known boxes: {}", known.join(", "))));
        }
        let mut next = state.clone();
        let entry = next
            .boxes
            .observe(box_id, Observation::Emptied { by: EmptiedBy::Staff, label }, None, None, now)
            .expect("an emptying is always a row");
        let mut transitions = 0;
        store.transaction(|tx| {
            insert_entry(tx, &entry)?;
            for c in next.boxes.evaluate(now) {
                transitions += self.observe(tx, &mut next, c, now)?;
            }
            Ok(())
        })?;
        *state = next;
        drop(state);
        if transitions > 0 {
            self.webhook_wake.notify_one();
        }
        Ok(entry)
    }

    /// One box's ledger for a site-local date.
    pub fn ledger(&self, store: &DeviceStore, box_id: &BoxId, date: NaiveDate) -> Result<DailyLedger, HubError> {
        if !self.installed {
            return Err(HubError::NotFound("the drop-box ledger is not running".into()));
        }
        let state = self.state();
        let tz = state.boxes.time_zone();
        let known = state.boxes.config(box_id).is_some();
        let received_at = state.boxes.scheduled_on(box_id, date);
        drop(state);
        let start = aula_engine::hours::local_to_utc(tz, date, NaiveTime::MIN);
        let end = aula_engine::hours::local_to_utc(tz, date + TimeDelta::days(1), NaiveTime::MIN);
        let entries = read_entries(
            store.conn(),
            "SELECT box, kind, by, label, device, device_at, hub_at, out_of_hours FROM dropbox_ledger
             WHERE box = ?1 AND hub_at >= ?2 AND hub_at < ?3 ORDER BY seq",
            params![box_id.as_str(), ms(start), ms(end)],
        )
        .map_err(StoreError::from)?;
        if !known && entries.is_empty() {
            return Err(HubError::NotFound(format!("no drop box {box_id:?}")));
        }
        Ok(dropbox::daily(box_id.clone(), date, received_at, entries))
    }

    pub fn alerts(&self, store: &DeviceStore) -> Result<AlertsView, StoreError> {
        if !self.installed {
            return Ok(AlertsView { active: Vec::new(), recent: Vec::new() });
        }
        let read = |sql: &str| -> Result<Vec<AlertView>, StoreError> {
            let mut stmt = store.conn().prepare(sql)?;
            let rows = stmt.query_map([RECENT], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, subject, raised, cleared, detail) = row?;
                let Some(kind) = AlertKind::parse(&kind) else { continue };
                out.push(AlertView {
                    id,
                    kind,
                    subject,
                    title: kind.title(),
                    detail,
                    raised_at: from_ms(raised),
                    cleared_at: cleared.map(from_ms),
                });
            }
            Ok(out)
        };
        Ok(AlertsView {
            active: read(
                "SELECT id, kind, subject, raised_at, cleared_at, detail FROM alerts WHERE cleared_at IS NULL
                 ORDER BY id LIMIT ?1",
            )?,
            recent: read(
                "SELECT id, kind, subject, raised_at, cleared_at, detail FROM alerts ORDER BY id DESC LIMIT ?1",
            )?,
        })
    }

    /// Active alerts per kind (metrics).
    pub fn active_by_kind(&self) -> BTreeMap<AlertKind, u64> {
        let state = self.state();
        let mut out: BTreeMap<AlertKind, u64> = AlertKind::ALL.into_iter().map(|k| (k, 0)).collect();
        for (k, _) in state.alerts.active() {
            *out.entry(k.kind).or_default() += 1;
        }
        out
    }

    /// Per box: whether its lid is open now (metrics).
    pub fn lids(&self) -> Vec<(BoxId, bool)> {
        let state = self.state();
        state
            .boxes
            .ids()
            .map(|b| (b.clone(), state.boxes.state(b).is_some_and(|s| s.lid_open_since.is_some())))
            .collect()
    }
}

/// A queued webhook notification.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub url: String,
    pub body: String,
    pub attempts: u32,
}

/// The webhook queue (`webhook.rs` delivers it).
impl Facility {
    /// Notifications due at `now`, oldest first.
    pub fn due_webhooks(
        &self,
        store: &DeviceStore,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        if !self.installed {
            return Ok(Vec::new());
        }
        let mut stmt = store.conn().prepare_cached(
            "SELECT id, url, body, attempts FROM webhook_outbox WHERE next_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![ms(now), limit as i64], |r| {
            Ok(Queued { id: r.get(0)?, url: r.get(1)?, body: r.get(2)?, attempts: r.get::<_, i64>(3)? as u32 })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the next queued notification is due (None: the queue is empty).
    pub fn next_webhook_at(&self, store: &DeviceStore) -> Result<Option<DateTime<Utc>>, StoreError> {
        if !self.installed {
            return Ok(None);
        }
        let v: Option<i64> = store.conn().query_row("SELECT min(next_at) FROM webhook_outbox", [], |r| r.get(0))?;
        Ok(v.map(from_ms))
    }

    pub fn webhook_pending(&self, store: &DeviceStore) -> u64 {
        if !self.installed {
            return 0;
        }
        store.conn().query_row("SELECT count(*) FROM webhook_outbox", [], |r| r.get::<_, i64>(0)).unwrap_or(0) as u64
    }

    /// Delivered: remove it.
    pub fn webhook_done(&self, store: &mut DeviceStore, id: i64) -> Result<(), StoreError> {
        store.transaction(|tx| tx.execute("DELETE FROM webhook_outbox WHERE id = ?1", [id]).map(|_| ()))
    }

    /// Failed: try again after an exponential backoff, or give up after the last attempt.
    /// Returns false when it was dropped.
    pub fn webhook_failed(&self, store: &mut DeviceStore, q: &Queued, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let attempts = q.attempts + 1;
        if attempts >= self.config.max_attempts {
            store.transaction(|tx| tx.execute("DELETE FROM webhook_outbox WHERE id = ?1", [q.id]).map(|_| ()))?;
            return Ok(false);
        }
        let delay = backoff(self.config.retry_base, attempts);
        let next = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::seconds(300));
        store.transaction(|tx| {
            tx.execute(
                "UPDATE webhook_outbox SET attempts = ?2, next_at = ?3 WHERE id = ?1",
                params![q.id, attempts as i64, ms(next)],
            )
            .map(|_| ())
        })?;
        Ok(true)
    }
}

/// Wait before attempt `attempts + 1`: base × 2^(attempts − 1), at most [`RETRY_MAX`].
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    base.saturating_mul(1u32 << attempts.saturating_sub(1).min(20)).min(RETRY_MAX)
}

// ---- hub operations ------------------------------------------------------------------------

impl Hub {
    /// Staff recorded an emptying of `box_id` (label: a desk or role, never a name).
    pub fn dropbox_emptied(&self, box_id: &BoxId, label: Option<String>) -> Result<Entry, HubError> {
        let now = self.now();
        let mut store = self.devices_store();
        self.facility.staff_emptied(&mut store, box_id, label, now)
    }

    pub fn dropbox_ledger(&self, box_id: &BoxId, date: NaiveDate) -> Result<DailyLedger, HubError> {
        let store = self.devices_store();
        self.facility.ledger(&store, box_id, date)
    }

    /// Today's date at the site.
    pub fn site_today(&self) -> NaiveDate {
        let tz = self.engine().site().time_zone;
        self.now().with_timezone(&tz).date_naive()
    }

    pub fn alerts(&self) -> Result<AlertsView, HubError> {
        let store = self.devices_store();
        Ok(self.facility.alerts(&store)?)
    }

    /// Opens the configured facility (tables, ledger replay, active alerts) in place of the
    /// detached one. Called once by `run` before the hub is shared.
    pub fn install_facility(&mut self, config: FacilityConfig) -> Result<(), StoreError> {
        let now = self.now();
        let site = self.site();
        let facility = {
            let mut store = self.devices_store();
            Facility::open(config, &site, &mut store, now)?
        };
        self.facility = facility;
        Ok(())
    }

    /// The time-based facility conditions; called by the hub's tick loop.
    pub fn facility_tick(&self) {
        let now = self.now();
        let mut store = self.devices_store();
        if let Err(e) = self.facility.tick(&mut store, now) {
            tracing::error!(error = %e, "storing facility alerts failed; retrying on the next tick");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(dropbox: &str, expected: &[&str]) {
        let text = format!("{dropbox}\n");
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            dropbox: Vec<RawDropBox>,
            alerts: Option<RawAlerts>,
        }
        let doc: Doc = toml::from_str(&text).unwrap();
        let invalid = |key: &str, exp: &str, found: &str| ConfigError::Invalid {
            file: "hub.toml".into(),
            key: key.into(),
            expected: exp.into(),
            found: format!("{found:?}"),
        };
        let err = validate(doc.dropbox, doc.alerts, &invalid).unwrap_err().to_string();
        for e in expected {
            assert!(err.contains(e), "{err:?} should contain {e:?}");
        }
    }

    #[test]
    fn config_errors_name_the_key_and_the_expected_form() {
        check("[[dropbox]]\nid = 'lobby'\nemptying = ['4pm']", &["hub.toml", "dropbox[0].emptying", "16:15", "4pm"]);
        check("[[dropbox]]\nid = 'Lobby Box'", &["dropbox[0].id"]);
        check("[[dropbox]]\nid = 'a'\n[[dropbox]]\nid = 'a'", &["dropbox[1].id", "not used by another"]);
        check("[[dropbox]]\nid = 'a'\nlid_open_limit_s = 0", &["dropbox[0].lid_open_limit_s"]);
        check("[alerts]\n[[alerts.webhook]]\nurl = 'ftp://x'", &["alerts.webhook[0].url", "http"]);
        check("[alerts]\nwebhook_retry_base_ms = 0", &["alerts.webhook_retry_base_ms"]);
    }

    #[test]
    fn a_device_that_stops_talking_is_silent_until_it_talks_again_but_offline_is_not_silent() {
        let site = SiteConfig::from_toml(crate::testsite::SITE_TOML, "site.toml").unwrap();
        let config = FacilityConfig { silent_after: Some(TimeDelta::seconds(60)), ..FacilityConfig::default() };
        let mut store = DeviceStore::open_in_memory().unwrap();
        let t0 = Utc::now();
        let f = Facility::open(config, &site, &mut store, t0).unwrap();
        let msg = |device: &str, kind, body: &str, at| DeviceMsg {
            id: aula_protocol::MessageId::new(),
            sent_at: at,
            received_at: at,
            device: DeviceId::new(device).unwrap(),
            kind,
            body: body.into(),
        };
        let active = |f: &Facility, store: &DeviceStore| -> Vec<String> {
            f.alerts(store).unwrap().active.iter().map(|a| format!("{}:{}", a.kind.as_str(), a.subject)).collect()
        };
        f.store_batch(&mut store, &[msg("kiosk-1", MsgKind::Health, r#"{"version":"1","uptime_s":1}"#, t0)], t0)
            .unwrap();
        f.store_batch(&mut store, &[msg("wall-1", MsgKind::Status, r#"{"state":"offline"}"#, t0)], t0).unwrap();
        assert_eq!(f.tick(&mut store, t0 + TimeDelta::seconds(59)).unwrap(), 0);
        assert_eq!(f.tick(&mut store, t0 + TimeDelta::seconds(61)).unwrap(), 1);
        assert_eq!(active(&f, &store), ["device_offline:wall-1", "device_silent:kiosk-1"]);
        let t1 = t0 + TimeDelta::seconds(70);
        f.store_batch(&mut store, &[msg("kiosk-1", MsgKind::Event, r#"{"type":"help_button"}"#, t1)], t1).unwrap();
        assert_eq!(active(&f, &store), ["device_offline:wall-1"]);
    }

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let b = Duration::from_millis(100);
        assert_eq!(backoff(b, 1), Duration::from_millis(100));
        assert_eq!(backoff(b, 2), Duration::from_millis(200));
        assert_eq!(backoff(b, 4), Duration::from_millis(800));
        assert_eq!(backoff(b, 60), RETRY_MAX);
    }

    #[test]
    fn alerts_and_ledger_survive_a_reopen_without_notifying_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let site = SiteConfig::from_toml(crate::testsite::SITE_TOML, "site.toml").unwrap();
        let config = FacilityConfig {
            boxes: vec![BoxConfig::unscheduled(BoxId::new("lobby").unwrap())],
            webhooks: vec!["http://127.0.0.1:9/hook".into()],
            ..FacilityConfig::default()
        };
        let now = Utc::now();
        let dev = DeviceId::new("dropbox-1").unwrap();
        let msg = |kind, body: String| DeviceMsg {
            id: aula_protocol::MessageId::new(),
            sent_at: now,
            received_at: now,
            device: dev.clone(),
            kind,
            body,
        };
        let open = msg(MsgKind::Event, r#"{"type":"lid","box_id":"lobby","open":true}"#.into());
        let offline = msg(MsgKind::Status, r#"{"state":"offline"}"#.into());
        {
            let mut store = DeviceStore::open(&path).unwrap();
            let f = Facility::open(config.clone(), &site, &mut store, now).unwrap();
            assert_eq!(f.store_batch(&mut store, &[open.clone(), offline.clone()], now).unwrap(), [true, true]);
            // The same messages again (a redelivery) add no row and no alert.
            f.store_batch(&mut store, &[open.clone(), offline.clone()], now).unwrap();
            let v = f.alerts(&store).unwrap();
            assert_eq!(v.active.len(), 1, "{v:?}");
            assert_eq!(v.active[0].kind, AlertKind::DeviceOffline);
            assert_eq!(f.webhook_pending(&store), 1);
            let rows: i64 = store.conn().query_row("SELECT count(*) FROM dropbox_ledger", [], |r| r.get(0)).unwrap();
            assert_eq!(rows, 1);
            // Append-only.
            assert!(store.conn().execute("DELETE FROM dropbox_ledger", []).is_err());
        }
        let mut store = DeviceStore::open(&path).unwrap();
        let f = Facility::open(config, &site, &mut store, now).unwrap();
        // The will again after the restart: still one alert, no new notification.
        f.store_batch(&mut store, &[offline], now).unwrap();
        assert_eq!(f.webhook_pending(&store), 1);
        assert_eq!(f.lids(), [(BoxId::new("lobby").unwrap(), true)]);
        // The lid has been open too long two minutes later: that is raised by the tick.
        assert_eq!(f.tick(&mut store, now + TimeDelta::minutes(3)).unwrap(), 1);
        assert_eq!(f.tick(&mut store, now + TimeDelta::minutes(4)).unwrap(), 0);
        assert_eq!(f.alerts(&store).unwrap().active.len(), 2);
    }
}
