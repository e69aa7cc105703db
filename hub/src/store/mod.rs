//! The site store: the hub's second SQLite file (beside the engine's queue log), holding every
//! device message once by envelope id, plus the tables each domain creates in it through
//! [`Store::migrate`] (devices registry, feedback figures, drop-box ledger and alerts, the
//! webhook outbox). WAL with `synchronous=FULL` like the engine: a batch of messages is one
//! transaction, and the intake acknowledges them to the broker only after it commits.
//!
//! The store knows no domain. A domain that must add rows in the same transaction as the
//! device messages that cause them implements [`Ingest`]; the composition root (`hub.rs`)
//! hands the list of them to [`Store::ingest`]. What a domain's hook returns runs only after
//! the commit, so a domain's in-memory state and the disk never disagree.
//!
//! Why not the engine's database: the engine's connection is private and its log is the
//! queue's; device chatter (health every minute from every device) would bloat the replay.
//!
//! Lock order (never the other way round): this store's lock, then a domain's own state lock.

pub mod message;
pub mod sql;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, params};
use thiserror::Error;

pub use message::{DeviceBody, DeviceMsg, MsgKind};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("site store: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A batch of device messages inside the ingest transaction.
pub struct Batch<'a> {
    pub msgs: &'a [DeviceMsg],
    /// Per message: inserted now (false: a redelivery of a message already stored).
    pub fresh: &'a [bool],
    /// The hub's time of the batch.
    pub now: DateTime<Utc>,
}

impl Batch<'_> {
    /// The messages stored for the first time.
    pub fn fresh(&self) -> impl Iterator<Item = &DeviceMsg> {
        self.msgs.iter().zip(self.fresh).filter(|(_, f)| **f).map(|(m, _)| m)
    }
}

/// What a domain does once the ingest transaction has committed (swap in its new in-memory
/// state, wake a delivery loop). Runs while the store's lock is still held, so it must not
/// take it again. Dropped unrun if the transaction rolls back.
pub type AfterCommit = Box<dyn FnOnce() + Send>;

/// A domain that adds its rows to the ingest transaction of a batch of device messages.
pub trait Ingest: Send + Sync {
    /// Writes this domain's rows for `batch` in `tx`. An error rolls the whole batch back
    /// (nothing is acknowledged, the broker redelivers).
    fn ingest(&self, tx: &Transaction<'_>, batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>>;
}

/// The site store (shared by every domain as an `Arc<Store>`).
pub struct Store {
    conn: Mutex<Connection>,
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
";

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    /// The connection, locked. Queries here are short (one batch, one report over compact
    /// rollups), so a std mutex is fine even on the async runtime.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates a domain's tables (idempotent `CREATE … IF NOT EXISTS` statements).
    pub fn migrate(&self, schema: &str) -> Result<(), StoreError> {
        Ok(self.lock().execute_batch(schema)?)
    }

    /// Runs a read query.
    pub fn read<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, StoreError> {
        Ok(f(&self.lock())?)
    }

    /// Runs `f` in one transaction (writes that come with no device message: staff actions,
    /// timers, the webhook queue).
    pub fn write<R>(&self, f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<R>) -> Result<R, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }

    /// Stores a batch of device messages once each by id and lets every hook add its rows,
    /// all in one transaction; then runs the hooks' after-commit steps. Returns, per message,
    /// whether it was new.
    pub fn ingest(
        &self,
        msgs: &[DeviceMsg],
        now: DateTime<Utc>,
        hooks: &[&dyn Ingest],
    ) -> Result<Vec<bool>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut fresh = Vec::with_capacity(msgs.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages (id, sent, received, device, kind, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for m in msgs {
                let new = insert.execute(params![
                    &m.id.0.as_bytes()[..],
                    m.sent_at.timestamp_millis(),
                    m.received_at.timestamp_millis(),
                    m.device.as_str(),
                    m.kind().as_str(),
                    m.body.to_json()
                ])? == 1;
                fresh.push(new);
            }
        }
        let batch = Batch { msgs, fresh: &fresh, now };
        let mut after = Vec::new();
        for hook in hooks {
            if let Some(a) = hook.ingest(&tx, &batch)? {
                after.push(a);
            }
        }
        tx.commit()?;
        // Still under the store's lock: a domain's tick or staff action (which take this lock
        // first) must never see the committed rows with the old in-memory state.
        for a in after {
            a();
        }
        drop(conn);
        Ok(fresh)
    }

    /// How many messages of `kind` are stored (tests, benches).
    pub fn count(&self, kind: MsgKind) -> Result<u64, StoreError> {
        self.read(|c| {
            c.query_row("SELECT count(*) FROM messages WHERE kind = ?1", [kind.as_str()], |r| r.get::<_, i64>(0))
        })
        .map(|n| n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aula_protocol::{DeviceId, Health, MessageId};

    fn health(id: MessageId) -> DeviceMsg {
        DeviceMsg {
            id,
            sent_at: Utc::now(),
            received_at: Utc::now(),
            device: DeviceId::new("kiosk-1").unwrap(),
            body: DeviceBody::Health(Health { version: "0.1.0".into(), ..Health::default() }),
        }
    }

    /// Counts what the hook saw and records whether its after-commit step ran.
    struct Counting(std::sync::Arc<Mutex<Vec<usize>>>);
    impl Ingest for Counting {
        fn ingest(&self, _tx: &Transaction<'_>, batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>> {
            let n = batch.fresh().count();
            let seen = self.0.clone();
            Ok(Some(Box::new(move || seen.lock().unwrap().push(n))))
        }
    }

    struct Failing;
    impl Ingest for Failing {
        fn ingest(&self, _tx: &Transaction<'_>, _batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>> {
            Err(rusqlite::Error::InvalidQuery)
        }
    }

    #[test]
    fn a_redelivered_message_is_stored_once_and_hooks_see_only_fresh_ones() {
        let s = Store::open_in_memory().unwrap();
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let hook = Counting(seen.clone());
        let m = health(MessageId::new());
        assert_eq!(s.ingest(&[m.clone(), m.clone()], Utc::now(), &[&hook]).unwrap(), vec![true, false]);
        assert_eq!(s.ingest(&[m], Utc::now(), &[&hook]).unwrap(), vec![false]);
        assert_eq!(*seen.lock().unwrap(), [1, 0]);
        assert_eq!(s.count(MsgKind::Health).unwrap(), 1);
    }

    #[test]
    fn a_failing_hook_rolls_the_batch_back_and_no_after_commit_step_runs() {
        let s = Store::open_in_memory().unwrap();
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let counting = Counting(seen.clone());
        assert!(s.ingest(&[health(MessageId::new())], Utc::now(), &[&counting, &Failing]).is_err());
        assert_eq!(s.count(MsgKind::Health).unwrap(), 0);
        assert!(seen.lock().unwrap().is_empty());
    }
}
