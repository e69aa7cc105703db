//! The devices domain: the registry of every device that has reported to this hub (its last
//! status, health and event, typed; when it was last heard; how many messages it sent), and
//! staff commands to one device. It owns the `devices` table of the site store
//! ([`store`]), which it updates inside the ingest transaction ([`Ingest`]).

mod store;

use std::sync::Arc;

use aula_protocol::{Command, DeviceEvent, DeviceId, DeviceStatus, Envelope, Health, MessageId, SurveyId};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use crate::changes::{Change, Changes, Live};
use crate::error::HubError;
use crate::store::{AfterCommit, Batch, Ingest, Store, StoreError};

/// One device as the registry knows it (`GET /api/devices`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeviceView {
    pub id: DeviceId,
    pub status: Option<DeviceStatus>,
    pub health: Option<Health>,
    pub last_event: Option<DeviceEvent>,
    pub last_seen: Option<DateTime<Utc>>,
    pub messages: u64,
}

impl DeviceView {
    /// Online, offline, or unknown (never reported a status).
    pub fn online(&self) -> Option<bool> {
        self.status.as_ref().map(|s| matches!(s, DeviceStatus::Online { .. }))
    }
}

/// When a device was last heard, and whether its last status was offline: what the facility
/// domain's "device silent" alert starts from after a restart.
#[derive(Debug, Clone, PartialEq)]
pub struct LastHeard {
    pub device: DeviceId,
    pub at: DateTime<Utc>,
    pub offline: bool,
}

/// The devices domain (shared as `Arc<Devices>`).
pub struct Devices {
    store: Arc<Store>,
    changes: Changes,
    /// Survey ids a `show_survey` command may name.
    surveys: Vec<SurveyId>,
}

impl Devices {
    pub fn new(store: Arc<Store>, changes: Changes, surveys: Vec<SurveyId>) -> Result<Devices, StoreError> {
        store.migrate(store::SCHEMA)?;
        Ok(Devices { store, changes, surveys })
    }

    pub fn list(&self) -> Result<Vec<DeviceView>, StoreError> {
        self.store.read(store::list)
    }

    pub fn last_heard(&self) -> Result<Vec<LastHeard>, StoreError> {
        Ok(self
            .list()?
            .into_iter()
            .filter_map(|d| {
                let offline = d.online() == Some(false);
                d.last_seen.map(|at| LastHeard { device: d.id, at, offline })
            })
            .collect())
    }

    /// Sends a staff command to one device: QoS 1 on its `cmd` topic, not retained (a device
    /// that is away gets it from its persistent session when it returns; a retained reboot
    /// would reboot it on every connect). Refuses a device that has never reported to this
    /// hub (a typo would otherwise vanish silently) and a survey the hub does not have. The
    /// device reports what it did as a `command_result` event.
    pub fn send_command(&self, device: &DeviceId, cmd: Command) -> Result<MessageId, HubError> {
        let known = self.list()?;
        if !known.iter().any(|d| &d.id == device) {
            let ids: Vec<&str> = known.iter().map(|d| d.id.as_str()).collect();
            return Err(HubError::NotFound(format!(
                "no device {device} has reported to this hub; known devices: {}",
                if ids.is_empty() { "none yet".to_string() } else { ids.join(", ") }
            )));
        }
        if let Command::ShowSurvey { survey } = &cmd
            && !self.surveys.contains(survey)
        {
            let list: Vec<&str> = self.surveys.iter().map(SurveyId::as_str).collect();
            return Err(HubError::NotFound(format!(
                "no survey {survey} in the hub's surveys file; known surveys: {}",
                if list.is_empty() { "none".to_string() } else { list.join(", ") }
            )));
        }
        let env = Envelope::new(cmd);
        let id = env.id;
        tracing::info!(%device, command = ?env.body, %id, "command queued for the device");
        self.changes.send(Change::Command(device.clone(), env));
        Ok(id)
    }
}

impl Ingest for Devices {
    fn ingest(&self, tx: &Transaction<'_>, batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>> {
        for (m, fresh) in batch.msgs.iter().zip(batch.fresh) {
            store::record(tx, m, *fresh)?;
        }
        if batch.msgs.is_empty() {
            return Ok(None);
        }
        let changes = self.changes.clone();
        Ok(Some(Box::new(move || changes.live(Live::Devices))))
    }
}
