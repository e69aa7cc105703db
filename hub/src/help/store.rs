//! The `help_requests` table of the site store and its SQL. Only this module touches it.

use aula_protocol::DeviceId;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::state::{HelpRequest, Source};
use crate::store::sql::{from_ms, ms};

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS help_requests (
    id           TEXT PRIMARY KEY,
    device       TEXT NOT NULL,
    source       TEXT NOT NULL,
    raised_at    INTEGER NOT NULL,
    promised     INTEGER NOT NULL,
    acked_at     INTEGER,
    acked_by     TEXT,
    resolved_at  INTEGER,
    resolved_by  TEXT,
    escalated_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS help_requests_open ON help_requests (resolved_at, raised_at);
";

const COLUMNS: &str =
    "id, device, source, raised_at, promised, acked_at, acked_by, resolved_at, resolved_by, escalated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<HelpRequest>> {
    let device: String = r.get(1)?;
    let source: String = r.get(2)?;
    let (Ok(device), Some(source)) = (DeviceId::new(device), Source::parse(&source)) else { return Ok(None) };
    Ok(Some(HelpRequest {
        id: r.get(0)?,
        device,
        source,
        raised_at: from_ms(r.get(3)?),
        promised: r.get(4)?,
        acked_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
        acked_by: r.get(6)?,
        resolved_at: r.get::<_, Option<i64>>(7)?.map(from_ms),
        resolved_by: r.get(8)?,
        escalated_at: r.get::<_, Option<i64>>(9)?.map(from_ms),
    }))
}

/// Stores a new request once by id. Returns (new?, whether help was promised) — a resend
/// gets the promise of its first answer.
pub fn raise(
    tx: &Transaction<'_>,
    id: &str,
    device: &DeviceId,
    source: Source,
    at: DateTime<Utc>,
    promised: bool,
) -> rusqlite::Result<(bool, bool)> {
    let fresh = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO help_requests (id, device, source, raised_at, promised) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, device.as_str(), source.as_str(), ms(at), promised])?
        == 1;
    let promised = tx.query_row("SELECT promised FROM help_requests WHERE id = ?1", [id], |r| r.get(0))?;
    Ok((fresh, promised))
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<HelpRequest>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM help_requests WHERE id = ?1"), [id], row).optional()?.flatten())
}

pub fn update(tx: &Transaction<'_>, h: &HelpRequest) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE help_requests SET acked_at = ?2, acked_by = ?3, resolved_at = ?4, resolved_by = ?5, escalated_at = ?6
         WHERE id = ?1",
        params![h.id, h.acked_at.map(ms), h.acked_by, h.resolved_at.map(ms), h.resolved_by, h.escalated_at.map(ms)],
    )?;
    Ok(())
}

/// Open requests oldest first, or all newest first.
pub fn list(conn: &Connection, open: bool, limit: usize) -> rusqlite::Result<Vec<HelpRequest>> {
    let sql = if open {
        format!("SELECT {COLUMNS} FROM help_requests WHERE resolved_at IS NULL ORDER BY raised_at LIMIT ?1")
    } else {
        format!("SELECT {COLUMNS} FROM help_requests ORDER BY raised_at DESC LIMIT ?1")
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit as i64], row)?;
    let mut out = Vec::new();
    for r in rows {
        out.extend(r?);
    }
    Ok(out)
}
