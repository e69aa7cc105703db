//! The `devices` table: one row per device with its last status, health and event as JSON
//! (written from typed protocol values, read back typed), last seen and a message count.

use aula_protocol::DeviceId;
use rusqlite::{Connection, Transaction, params};

use super::DeviceView;
use crate::store::sql::{from_ms, ms};
use crate::store::{DeviceBody, DeviceMsg};

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    id         TEXT PRIMARY KEY,
    status     TEXT,
    health     TEXT,
    last_event TEXT,
    last_seen  INTEGER,
    messages   INTEGER NOT NULL DEFAULT 0
);
";

/// Updates the registry for one message of an ingest batch.
pub fn record(tx: &Transaction<'_>, m: &DeviceMsg, fresh: bool) -> rusqlite::Result<()> {
    let column = match &m.body {
        DeviceBody::Status(_) => Some("status"),
        DeviceBody::Health(_) => Some("health"),
        DeviceBody::Event(_) => Some("last_event"),
        DeviceBody::Feedback(_) => None,
    };
    if !fresh {
        // A retained status or a last will can arrive again with the same id (a will is
        // fixed at connect time): the registry still takes it, since "offline" again after
        // "online" is news even if the envelope is not.
        if column == Some("status") {
            tx.prepare_cached("UPDATE devices SET status = ?2 WHERE id = ?1")?
                .execute(params![m.device.as_str(), m.body.to_json()])?;
        }
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO devices (id, last_seen, messages) VALUES (?1, ?2, 1)
         ON CONFLICT(id) DO UPDATE SET last_seen = max(coalesce(last_seen, 0), excluded.last_seen),
         messages = messages + 1",
    )?
    .execute(params![m.device.as_str(), ms(m.received_at)])?;
    if let Some(col) = column {
        tx.prepare_cached(&format!("UPDATE devices SET {col} = ?2 WHERE id = ?1"))?
            .execute(params![m.device.as_str(), m.body.to_json()])?;
    }
    Ok(())
}

pub fn list(conn: &Connection) -> rusqlite::Result<Vec<DeviceView>> {
    let mut stmt =
        conn.prepare("SELECT id, status, health, last_event, last_seen, messages FROM devices ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, status, health, event, last_seen, messages) = row?;
        // Rows were written from typed values; one that does not read back (an older
        // schema) shows as unknown rather than failing the whole list.
        let Ok(id) = DeviceId::new(id) else { continue };
        out.push(DeviceView {
            id,
            status: status.and_then(|s| serde_json::from_str(&s).ok()),
            health: health.and_then(|s| serde_json::from_str(&s).ok()),
            last_event: event.and_then(|s| serde_json::from_str(&s).ok()),
            last_seen: last_seen.map(from_ms),
            messages: messages as u64,
        });
    }
    Ok(out)
}
