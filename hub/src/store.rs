//! The hub's device store: device status, health, events and survey answers, each stored
//! once by envelope id, and the device registry (last status, last health, last seen) that
//! `GET /api/devices` shows. Its own SQLite file beside the engine's log, WAL with
//! `synchronous=FULL` like the engine: a batch of messages is one transaction, and the
//! ingest loop acknowledges them to the broker only after it commits.
//!
//! Why not the engine's database: the engine's connection is private and its log is the
//! queue's; device chatter (health every minute from every device) would bloat the replay.

use std::path::Path;

use aula_protocol::{DeviceId, MessageId};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("device store: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// What kind of device message a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgKind {
    Status,
    Health,
    Event,
    Feedback,
}

impl MsgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MsgKind::Status => "status",
            MsgKind::Health => "health",
            MsgKind::Event => "event",
            MsgKind::Feedback => "feedback",
        }
    }
}

/// One decoded device message, ready to store.
#[derive(Debug, Clone)]
pub struct DeviceMsg {
    pub id: MessageId,
    /// The device's own timestamp (envelope `ts`).
    pub sent_at: DateTime<Utc>,
    /// When the hub received it.
    pub received_at: DateTime<Utc>,
    pub device: DeviceId,
    pub kind: MsgKind,
    /// The body as JSON (re-encoded from the typed message, so it is valid by construction).
    pub body: String,
}

/// One device as the registry knows it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct DeviceView {
    pub id: String,
    pub status: Option<serde_json::Value>,
    pub health: Option<serde_json::Value>,
    pub last_event: Option<serde_json::Value>,
    pub last_seen: Option<DateTime<Utc>>,
    pub messages: u64,
}

pub struct DeviceStore {
    conn: Connection,
    /// Surveys and rate limit: when set, a fresh answer or refused-taps event also updates
    /// the feedback report tables in the same transaction (`crate::feedback::record`).
    feedback: Option<std::sync::Arc<crate::feedback::FeedbackConfig>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id       BLOB PRIMARY KEY,
    sent     INTEGER NOT NULL,
    received INTEGER NOT NULL,
    device   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    body     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS devices (
    id         TEXT PRIMARY KEY,
    status     TEXT,
    health     TEXT,
    last_event TEXT,
    last_seen  INTEGER,
    messages   INTEGER NOT NULL DEFAULT 0
);
";

impl DeviceStore {
    pub fn open(path: &Path) -> Result<DeviceStore, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(crate::feedback::SCHEMA)?;
        Ok(DeviceStore { conn, feedback: None })
    }

    pub fn open_in_memory() -> Result<DeviceStore, StoreError> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(crate::feedback::SCHEMA)?;
        Ok(DeviceStore { conn, feedback: None })
    }

    /// Stores a batch in one transaction. Returns, per message, whether it was new (false: a
    /// redelivery of a message already stored, which changes nothing).
    pub fn store_batch(&mut self, msgs: &[DeviceMsg]) -> Result<Vec<bool>, StoreError> {
        self.store_batch_then(msgs, |_, _| Ok(()))
    }

    /// [`DeviceStore::store_batch`], then `then(tx, fresh)` in the same transaction before
    /// the commit (the facility ledger and alerts: `facility.rs`). An error from `then`
    /// rolls the whole batch back.
    pub fn store_batch_then(
        &mut self,
        msgs: &[DeviceMsg],
        then: impl FnOnce(&rusqlite::Transaction<'_>, &[bool]) -> rusqlite::Result<()>,
    ) -> Result<Vec<bool>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut fresh = Vec::with_capacity(msgs.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages (id, sent, received, device, kind, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO devices (id, last_seen, messages) VALUES (?1, ?2, 1)
                 ON CONFLICT(id) DO UPDATE SET last_seen = max(coalesce(last_seen, 0), excluded.last_seen),
                 messages = messages + 1",
            )?;
            for m in msgs {
                let new = insert.execute(params![
                    &m.id.0.as_bytes()[..],
                    m.sent_at.timestamp_millis(),
                    m.received_at.timestamp_millis(),
                    m.device.as_str(),
                    m.kind.as_str(),
                    &m.body
                ])? == 1;
                fresh.push(new);
                if !new {
                    // A retained status or a last will can arrive again with the same id
                    // (a will is fixed at connect time): the registry still takes it, since
                    // "offline" again after "online" is news even if the envelope is not.
                    if m.kind == MsgKind::Status {
                        tx.prepare_cached("UPDATE devices SET status = ?2 WHERE id = ?1")?
                            .execute(params![m.device.as_str(), &m.body])?;
                    }
                    continue;
                }
                upsert.execute(params![m.device.as_str(), m.received_at.timestamp_millis()])?;
                if let Some(fb) = &self.feedback {
                    crate::feedback::record(&tx, fb, m)?;
                }
                let column = match m.kind {
                    MsgKind::Status => Some("status"),
                    MsgKind::Health => Some("health"),
                    MsgKind::Event => Some("last_event"),
                    MsgKind::Feedback => None,
                };
                if let Some(col) = column {
                    tx.prepare_cached(&format!("UPDATE devices SET {col} = ?2 WHERE id = ?1"))?
                        .execute(params![m.device.as_str(), &m.body])?;
                }
            }
        }
        then(&tx, &fresh)?;
        tx.commit()?;
        Ok(fresh)
    }

    /// Turns on the feedback report tables for messages stored from now on.
    pub fn set_feedback(&mut self, feedback: std::sync::Arc<crate::feedback::FeedbackConfig>) {
        self.feedback = Some(feedback);
    }

    pub fn feedback(&self) -> Option<std::sync::Arc<crate::feedback::FeedbackConfig>> {
        self.feedback.clone()
    }

    /// Runs `f` in one transaction (writes that come with no device message: staff actions,
    /// timers).
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let tx = self.conn.transaction()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }

    /// The connection, for reads (report queries: `crate::feedback::figures`, the ledger).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn devices(&self) -> Result<Vec<DeviceView>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT id, status, health, last_event, last_seen, messages FROM devices ORDER BY id")?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let rows = stmt.query_map([], |r| {
            Ok(DeviceView {
                id: r.get(0)?,
                status: json(r.get(1)?),
                health: json(r.get(2)?),
                last_event: json(r.get(3)?),
                last_seen: r.get::<_, Option<i64>>(4)?.and_then(DateTime::from_timestamp_millis),
                messages: r.get::<_, i64>(5)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many messages of `kind` are stored (tests, reports).
    pub fn count(&self, kind: MsgKind) -> Result<u64, StoreError> {
        let n: Option<i64> = self
            .conn
            .query_row("SELECT count(*) FROM messages WHERE kind = ?1", [kind.as_str()], |r| r.get(0))
            .optional()?;
        Ok(n.unwrap_or(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redelivered_message_is_stored_once() {
        let mut s = DeviceStore::open_in_memory().unwrap();
        let m = DeviceMsg {
            id: MessageId::new(),
            sent_at: Utc::now(),
            received_at: Utc::now(),
            device: DeviceId::new("kiosk-1").unwrap(),
            kind: MsgKind::Health,
            body: r#"{"version":"0.1.0"}"#.into(),
        };
        assert_eq!(s.store_batch(&[m.clone(), m.clone()]).unwrap(), vec![true, false]);
        assert_eq!(s.store_batch(&[m]).unwrap(), vec![false]);
        let d = s.devices().unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].messages, 1);
        assert_eq!(d[0].health.as_ref().unwrap()["version"], "0.1.0");
    }
}
