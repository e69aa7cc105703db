//! The facility domain: the drop-box ledger ([`ledger`], pure) and the alerts ([`alerts`],
//! pure) wired to the site store ([`store`]), the clock and the notify domain. It owns the
//! `[[dropbox]]` and `[alerts]` sections of `hub.toml` ([`config`]) and the ledger, alert and
//! metadata tables.
//!
//! Durability: ledger rows, alert changes and the webhook notifications they cause are
//! written in the SAME transaction as the device messages of a batch (through the store's
//! [`Ingest`] hook), so the intake's ack-after-commit covers them: a crash before the commit
//! means the broker redelivers the message and the ledger gets its row then; after the commit
//! the message is a duplicate and adds nothing. The pure state is changed on a copy and
//! swapped in only after the commit, so a failed commit leaves memory and disk in agreement.
//!
//! Lock order: the store's lock first, then this domain's state lock (as everywhere).

pub mod alerts;
pub mod config;
pub mod ledger;
mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aula_engine::SiteConfig;
use aula_protocol::{BoxId, DeviceEvent, DeviceStatus, EmptiedBy, Localized};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use self::alerts::{AlertKey, AlertKind, AlertSet, Condition, DeviceObservation, Transition, device_conditions};
pub use self::config::{FacilityConfig, RawAlerts, RawDropBox, validate};
use self::ledger::{DailyLedger, DropBoxes, Entry, Observation};
use crate::changes::{Changes, Live};
use crate::devices::LastHeard;
use crate::error::HubError;
use crate::notify::Notify;
use crate::store::sql::{from_ms, ms};
use crate::store::{AfterCommit, Batch, DeviceBody, DeviceMsg, Ingest, Store, StoreError};

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

/// The facility domain (shared as `Arc<Facility>`).
pub struct Facility {
    pub config: FacilityConfig,
    site: String,
    store: Arc<Store>,
    notify: Arc<Notify>,
    changes: Changes,
    /// In an `Arc` so the ingest hook's after-commit step can swap in the new state.
    state: Arc<Mutex<State>>,
}

/// How many recent alerts `GET /api/alerts` lists.
const RECENT: i64 = 100;

impl Facility {
    /// Creates the tables if needed and rebuilds the state from the ledger and the active
    /// alerts. `heard` (from the devices domain) starts the "device silent" clocks; `now`
    /// starts the ledger on a fresh database.
    pub fn new(
        config: FacilityConfig,
        site: &SiteConfig,
        store: Arc<Store>,
        notify: Arc<Notify>,
        heard: Vec<LastHeard>,
        changes: Changes,
        now: DateTime<Utc>,
    ) -> Result<Facility, StoreError> {
        store.migrate(store::SCHEMA)?;
        let (entries, active, since) = store.write(|tx| {
            tx.execute("INSERT OR IGNORE INTO facility_meta (key, value) VALUES ('ledger_since', ?1)", [ms(now)])?;
            let since: i64 =
                tx.query_row("SELECT value FROM facility_meta WHERE key = 'ledger_since'", [], |r| r.get(0))?;
            let entries = store::read_entries(
                tx,
                "SELECT box, kind, by, label, device, device_at, hub_at, out_of_hours FROM dropbox_ledger ORDER BY seq",
                [],
            )?;
            let active = store::active_alerts(tx)?;
            Ok((entries, active, since))
        })?;
        // Counted from the hub's start at the latest: while the hub was down nobody could
        // hear the devices, and a restart must not call every device silent.
        let seen = heard.into_iter().map(|h| (h.device.as_str().to_owned(), (h.at.max(now), h.offline))).collect();
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
            site: site.id.to_string(),
            store,
            notify,
            changes,
            state: Arc::new(Mutex::new(State { boxes, alerts, ids, seen })),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
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
        let is_status = matches!(m.body, DeviceBody::Status(_));
        if fresh || is_status {
            let seen = st.seen.entry(m.device.as_str().to_owned()).or_insert((m.received_at, false));
            seen.0 = seen.0.max(m.received_at);
            if let DeviceBody::Status(s) = &m.body {
                seen.1 = matches!(s, DeviceStatus::Offline);
            }
            heard.push(Condition::new(AlertKind::DeviceSilent, m.device.as_str(), false, ""));
        }
        let mut conditions = match &m.body {
            DeviceBody::Status(s) => device_conditions(&m.device, DeviceObservation::Status(s), disk),
            DeviceBody::Health(h) if fresh => device_conditions(&m.device, DeviceObservation::Health(h), disk),
            DeviceBody::Event(ev) if fresh => {
                let obs = match ev {
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
                        store::insert_entry(tx, &e)?;
                    }
                }
                device_conditions(&m.device, DeviceObservation::Event(ev), disk)
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
                let id = store::insert_alert(tx, key.kind.as_str(), &key.subject, ms(*at), detail)?;
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
                let detail = store::clear_alert(tx, id, ms(*at))?;
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
        self.notify.enqueue(tx, &body, now)?;
        Ok(1)
    }

    /// Time-based conditions (lid open too long, overdue, out of hours ending, device
    /// silent). Writes only when something changed, so an idle hub does not fsync every
    /// second.
    pub fn tick(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.store.lock();
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
        let tx = conn.transaction()?;
        let mut n = 0;
        for c in changes {
            n += self.observe(&tx, &mut next, c, now)?;
        }
        tx.commit()?;
        *state = next;
        drop(state);
        drop(conn);
        self.notify.wake();
        self.changes.live(Live::Alerts);
        Ok(n as usize)
    }

    /// Staff recorded an emptying of `box_id` (label: a desk or role, never a name). Unknown
    /// boxes are refused: a typo must not start a new box's ledger.
    pub fn staff_emptied(&self, box_id: &BoxId, label: Option<String>, now: DateTime<Utc>) -> Result<Entry, HubError> {
        let mut conn = self.store.lock();
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
        let mut write = || -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            store::insert_entry(&tx, &entry)?;
            for c in next.boxes.evaluate(now) {
                transitions += self.observe(&tx, &mut next, c, now)?;
            }
            tx.commit()
        };
        write().map_err(StoreError::from)?;
        *state = next;
        drop(state);
        drop(conn);
        if transitions > 0 {
            self.notify.wake();
        }
        self.changes.live(Live::Alerts);
        Ok(entry)
    }

    /// One box's ledger for a site-local date.
    pub fn ledger(&self, box_id: &BoxId, date: NaiveDate) -> Result<DailyLedger, HubError> {
        let state = self.state();
        let tz = state.boxes.time_zone();
        let known = state.boxes.config(box_id).is_some();
        let received_at = state.boxes.scheduled_on(box_id, date);
        drop(state);
        let start = aula_engine::hours::local_to_utc(tz, date, NaiveTime::MIN);
        let end = aula_engine::hours::local_to_utc(tz, date + TimeDelta::days(1), NaiveTime::MIN);
        let entries = self.store.read(|c| {
            store::read_entries(
                c,
                "SELECT box, kind, by, label, device, device_at, hub_at, out_of_hours FROM dropbox_ledger
                 WHERE box = ?1 AND hub_at >= ?2 AND hub_at < ?3 ORDER BY seq",
                params![box_id.as_str(), ms(start), ms(end)],
            )
        })?;
        if !known && entries.is_empty() {
            return Err(HubError::NotFound(format!("no drop box {box_id:?}")));
        }
        Ok(ledger::daily(box_id.clone(), date, received_at, entries))
    }

    pub fn alerts(&self) -> Result<AlertsView, StoreError> {
        self.store.read(|c| {
            Ok(AlertsView {
                active: store::alert_views(
                    c,
                    "SELECT id, kind, subject, raised_at, cleared_at, detail FROM alerts WHERE cleared_at IS NULL
                     ORDER BY id LIMIT ?1",
                    RECENT,
                )?,
                recent: store::alert_views(
                    c,
                    "SELECT id, kind, subject, raised_at, cleared_at, detail FROM alerts ORDER BY id DESC LIMIT ?1",
                    RECENT,
                )?,
            })
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

impl Ingest for Facility {
    /// The ledger rows, alert changes and notifications of a batch, on a copy of the state
    /// that is swapped in after the commit.
    fn ingest(&self, tx: &Transaction<'_>, batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>> {
        let mut next = self.state().clone();
        let mut transitions = 0;
        for (m, fresh) in batch.msgs.iter().zip(batch.fresh) {
            for c in self.conditions_of(&mut next, tx, m, *fresh)? {
                transitions += self.observe(tx, &mut next, c, m.received_at)?;
            }
        }
        for c in next.boxes.evaluate(batch.now) {
            transitions += self.observe(tx, &mut next, c, batch.now)?;
        }
        let state = self.state.clone();
        let notify = self.notify.clone();
        let changes = self.changes.clone();
        Ok(Some(Box::new(move || {
            *state.lock().unwrap_or_else(|p| p.into_inner()) = next;
            if transitions > 0 {
                notify.wake();
                changes.live(Live::Alerts);
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aula_protocol::{DeviceId, Health, MessageId};

    use crate::notify::NotifyConfig;

    fn site() -> SiteConfig {
        SiteConfig::from_toml(crate::testsite::SITE_TOML, "site.toml").unwrap()
    }

    fn msg(device: &str, body: DeviceBody, at: DateTime<Utc>) -> DeviceMsg {
        DeviceMsg { id: MessageId::new(), sent_at: at, received_at: at, device: DeviceId::new(device).unwrap(), body }
    }

    fn open(config: FacilityConfig, store: &Arc<Store>, now: DateTime<Utc>) -> (Facility, Arc<Notify>) {
        let notify = Arc::new(Notify::new(config.notify.clone(), store.clone()).unwrap());
        let changes = crate::changes::Changes::channel(1).0;
        (Facility::new(config, &site(), store.clone(), notify.clone(), Vec::new(), changes, now).unwrap(), notify)
    }

    fn active(f: &Facility) -> Vec<String> {
        f.alerts().unwrap().active.iter().map(|a| format!("{}:{}", a.kind.as_str(), a.subject)).collect()
    }

    #[test]
    fn a_device_that_stops_talking_is_silent_until_it_talks_again_but_offline_is_not_silent() {
        let config = FacilityConfig { silent_after: Some(TimeDelta::seconds(60)), ..FacilityConfig::default() };
        let store = Arc::new(Store::open_in_memory().unwrap());
        let t0 = Utc::now();
        let (f, _) = open(config, &store, t0);
        let health = DeviceBody::Health(Health { version: "1".into(), uptime_s: 1, ..Health::default() });
        store.ingest(&[msg("kiosk-1", health, t0)], t0, &[&f]).unwrap();
        store.ingest(&[msg("wall-1", DeviceBody::Status(DeviceStatus::Offline), t0)], t0, &[&f]).unwrap();
        assert_eq!(f.tick(t0 + TimeDelta::seconds(59)).unwrap(), 0);
        assert_eq!(f.tick(t0 + TimeDelta::seconds(61)).unwrap(), 1);
        assert_eq!(active(&f), ["device_offline:wall-1", "device_silent:kiosk-1"]);
        let t1 = t0 + TimeDelta::seconds(70);
        store.ingest(&[msg("kiosk-1", DeviceBody::Event(DeviceEvent::HelpButton), t1)], t1, &[&f]).unwrap();
        assert_eq!(active(&f), ["device_offline:wall-1"]);
    }

    #[test]
    fn alerts_and_ledger_survive_a_reopen_without_notifying_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let config = FacilityConfig {
            boxes: vec![ledger::BoxConfig::unscheduled(BoxId::new("lobby").unwrap())],
            notify: NotifyConfig { webhooks: vec!["http://127.0.0.1:9/hook".into()], ..NotifyConfig::default() },
            ..FacilityConfig::default()
        };
        let now = Utc::now();
        let lid = DeviceBody::Event(DeviceEvent::Lid { box_id: BoxId::new("lobby").unwrap(), open: true });
        let open_msg = msg("dropbox-1", lid, now);
        let offline = msg("dropbox-1", DeviceBody::Status(DeviceStatus::Offline), now);
        {
            let store = Arc::new(Store::open(&path).unwrap());
            let (f, notify) = open(config.clone(), &store, now);
            assert_eq!(store.ingest(&[open_msg.clone(), offline.clone()], now, &[&f]).unwrap(), [true, true]);
            // The same messages again (a redelivery) add no row and no alert.
            store.ingest(&[open_msg.clone(), offline.clone()], now, &[&f]).unwrap();
            let v = f.alerts().unwrap();
            assert_eq!(v.active.len(), 1, "{v:?}");
            assert_eq!(v.active[0].kind, AlertKind::DeviceOffline);
            assert_eq!(notify.pending(), 1);
            let rows: i64 =
                store.read(|c| c.query_row("SELECT count(*) FROM dropbox_ledger", [], |r| r.get(0))).unwrap();
            assert_eq!(rows, 1);
            // Append-only.
            assert!(store.write(|tx| tx.execute("DELETE FROM dropbox_ledger", [])).is_err());
        }
        let store = Arc::new(Store::open(&path).unwrap());
        let (f, notify) = open(config, &store, now);
        // The will again after the restart: still one alert, no new notification.
        store.ingest(&[offline], now, &[&f]).unwrap();
        assert_eq!(notify.pending(), 1);
        assert_eq!(f.lids(), [(BoxId::new("lobby").unwrap(), true)]);
        // The lid has been open too long two minutes later: that is raised by the tick.
        assert_eq!(f.tick(now + TimeDelta::minutes(3)).unwrap(), 1);
        assert_eq!(f.tick(now + TimeDelta::minutes(4)).unwrap(), 0);
        assert_eq!(f.alerts().unwrap().active.len(), 2);
    }
}
