//! The durable outbox: an SQLite table (WAL) of messages waiting for the broker's PUBACK.
//! [`Outbox::insert`] commits with `synchronous = FULL` before it returns, so an accepted
//! event survives a crash or a power cut; the session reads rows in insertion order and
//! deletes each one only after the broker acknowledged it (see `tracker.rs`).
//!
//! Two connections: the writer (used by `enqueue`, fsync per commit) and the sender's
//! (reads and deletes with `synchronous = NORMAL`: a delete lost in a power cut only means
//! the row is sent again, and receivers store a message once per envelope id).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aula_protocol::MessageId;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::OutboxError;
use crate::tracker::RowId;

/// One message waiting to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutRow {
    pub seq: RowId,
    pub id: MessageId,
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    sender: Mutex<Connection>,
    pending: AtomicU64,
}

/// Handle to the outbox file; cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL,
    topic      TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    retain     INTEGER NOT NULL,
    created_at TEXT    NOT NULL
);";

impl Outbox {
    /// Opens (or creates) the outbox file. Rows left from an earlier run are kept and sent.
    pub fn open(path: &Path) -> Result<Self, OutboxError> {
        let err = |source| OutboxError::Sqlite { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            // A missing directory is reported by SQLite below with the path.
            let _ = std::fs::create_dir_all(dir);
        }
        let writer = Connection::open(path).map_err(err)?;
        // AUTOINCREMENT: sequence numbers are never reused, so "after the cursor" stays right
        // even when the newest row was deleted.
        writer
            .execute_batch(&format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; {SCHEMA}"
            ))
            .map_err(err)?;
        let sender = Connection::open(path).map_err(err)?;
        sender.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;").map_err(err)?;
        let pending: i64 = sender.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0)).map_err(err)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                sender: Mutex::new(sender),
                pending: AtomicU64::new(pending as u64),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn err(&self, source: rusqlite::Error) -> OutboxError {
        OutboxError::Sqlite { path: self.inner.path.clone(), source }
    }

    /// Stores a message durably (committed and fsynced when this returns). Blocking: call
    /// from `spawn_blocking` on a runtime.
    pub fn insert(&self, id: MessageId, topic: &str, payload: &[u8], retain: bool) -> Result<RowId, OutboxError> {
        let conn = self.inner.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.prepare_cached("INSERT INTO outbox (id, topic, payload, retain, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
            .and_then(|mut st| {
                st.execute(params![id.to_string(), topic, payload, retain, chrono::Utc::now().to_rfc3339()])
            })
            .map_err(|e| self.err(e))?;
        let seq = conn.last_insert_rowid();
        self.inner.pending.fetch_add(1, Ordering::Relaxed);
        Ok(seq)
    }

    /// Up to `limit` rows after `after`, oldest first.
    pub fn next_batch(&self, after: RowId, limit: usize) -> Result<Vec<OutRow>, OutboxError> {
        let conn = self.inner.sender.lock().unwrap_or_else(|p| p.into_inner());
        let mut st = conn
            .prepare_cached("SELECT seq, id, topic, payload, retain FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![after, limit as i64], |r| {
                let id: String = r.get(1)?;
                Ok(OutRow {
                    seq: r.get(0)?,
                    // Only this module writes ids, always valid UUIDs; a damaged one gets a
                    // fresh id rather than blocking the queue forever.
                    id: id.parse().unwrap_or_default(),
                    topic: r.get(2)?,
                    payload: r.get(3)?,
                    retain: r.get(4)?,
                })
            })
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    /// Deletes a row the broker acknowledged. `false` if it was already gone.
    pub fn delete(&self, seq: RowId) -> Result<bool, OutboxError> {
        let conn = self.inner.sender.lock().unwrap_or_else(|p| p.into_inner());
        let n = conn
            .prepare_cached("DELETE FROM outbox WHERE seq = ?1")
            .and_then(|mut st| st.execute(params![seq]))
            .map_err(|e| self.err(e))?;
        if n > 0 {
            self.inner.pending.fetch_sub(1, Ordering::Relaxed);
        }
        Ok(n > 0)
    }

    /// Rows not yet acknowledged by the broker.
    pub fn pending(&self) -> u64 {
        self.inner.pending.load(Ordering::Relaxed)
    }

    /// The row with this envelope id, if still waiting (tests, diagnostics).
    pub fn find(&self, id: MessageId) -> Result<Option<RowId>, OutboxError> {
        let conn = self.inner.sender.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("SELECT seq FROM outbox WHERE id = ?1", params![id.to_string()], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_reopen_and_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/outbox.sqlite");
        let ids: Vec<MessageId> = (0..5).map(|_| MessageId::new()).collect();
        {
            let ob = Outbox::open(&path).unwrap();
            for (i, id) in ids.iter().enumerate() {
                ob.insert(*id, "t", format!("p{i}").as_bytes(), i == 0).unwrap();
            }
            assert_eq!(ob.pending(), 5);
        }
        let ob = Outbox::open(&path).unwrap();
        assert_eq!(ob.pending(), 5);
        let rows = ob.next_batch(0, 3).unwrap();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), ids[..3]);
        assert!(rows[0].retain && !rows[1].retain);
        assert!(ob.delete(rows[0].seq).unwrap());
        assert!(!ob.delete(rows[0].seq).unwrap());
        assert_eq!(ob.pending(), 4);
        let rest = ob.next_batch(rows[2].seq, 10).unwrap();
        assert_eq!(rest.len(), 2);
        assert_eq!(ob.find(ids[4]).unwrap(), Some(rest[1].seq));
    }

    /// Sequence numbers are never reused, so a cursor past a deleted newest row stays valid.
    #[test]
    fn sequence_numbers_are_not_reused_after_delete() {
        let dir = tempfile::tempdir().unwrap();
        let ob = Outbox::open(&dir.path().join("o.sqlite")).unwrap();
        let a = ob.insert(MessageId::new(), "t", b"", false).unwrap();
        ob.delete(a).unwrap();
        let b = ob.insert(MessageId::new(), "t", b"", false).unwrap();
        assert!(b > a);
    }
}
