//! The facility domain's tables in the site store and their SQL: the append-only drop-box
//! ledger (triggers refuse UPDATE and DELETE), the alerts and the facility's own metadata.
//! Only this module touches them.

use aula_protocol::{BoxId, DeviceId, EmptiedBy};
use rusqlite::{Transaction, params};

use super::ledger::{Entry, EntryKind};
use crate::store::sql::{from_ms, ms};

pub const SCHEMA: &str = "
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
CREATE TABLE IF NOT EXISTS facility_meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
";

pub fn by_str(b: EmptiedBy) -> &'static str {
    match b {
        EmptiedBy::Switch => "switch",
        EmptiedBy::Staff => "staff",
    }
}

pub fn insert_entry(tx: &Transaction<'_>, e: &Entry) -> rusqlite::Result<()> {
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

pub fn read_entries(conn: &rusqlite::Connection, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<Vec<Entry>> {
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

/// An active alert as stored: (id, kind, subject, raised_at ms, detail).
pub type StoredAlert = (i64, String, String, i64, String);

/// The active alerts as stored.
pub fn active_alerts(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<StoredAlert>> {
    let mut stmt =
        conn.prepare("SELECT id, kind, subject, raised_at, detail FROM alerts WHERE cleared_at IS NULL ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
    rows.collect()
}

/// Records a raised alert; returns its row id.
pub fn insert_alert(
    tx: &Transaction<'_>,
    kind: &str,
    subject: &str,
    at_ms: i64,
    detail: &str,
) -> rusqlite::Result<i64> {
    tx.prepare_cached("INSERT INTO alerts (kind, subject, raised_at, detail) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![kind, subject, at_ms, detail])?;
    Ok(tx.last_insert_rowid())
}

/// Records that alert `id` cleared; returns its detail text.
pub fn clear_alert(tx: &Transaction<'_>, id: i64, at_ms: i64) -> rusqlite::Result<String> {
    use rusqlite::OptionalExtension;
    tx.prepare_cached("UPDATE alerts SET cleared_at = ?2 WHERE id = ?1")?.execute(params![id, at_ms])?;
    Ok(tx.query_row("SELECT detail FROM alerts WHERE id = ?1", [id], |r| r.get(0)).optional()?.unwrap_or_default())
}

/// Alerts as the API shows them, by a query selecting (id, kind, subject, raised_at,
/// cleared_at, detail) with a LIMIT parameter.
pub fn alert_views(conn: &rusqlite::Connection, sql: &str, limit: i64) -> rusqlite::Result<Vec<super::AlertView>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([limit], |r| {
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
        let Some(kind) = super::alerts::AlertKind::parse(&kind) else { continue };
        out.push(super::AlertView {
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
}
