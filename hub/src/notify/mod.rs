//! The notify domain: the persisted outbound queue of webhook notifications and their
//! delivery ([`deliver`]). A domain queues a notification inside its own transaction
//! ([`Notify::enqueue`]), so a notification exists exactly when the fact that causes it was
//! stored; the delivery loop sends it later with exponential backoff, never blocking ingest.
//! It owns the `webhook_outbox` table of the site store.

pub mod deliver;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Transaction, params};

use crate::store::sql::{from_ms, ms};
use crate::store::{Store, StoreError};

/// The longest wait between two attempts of one notification.
pub const RETRY_MAX: Duration = Duration::from_secs(300);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    url      TEXT NOT NULL,
    body     TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at  INTEGER NOT NULL
);
";

/// Where and how notifications go.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    pub webhooks: Vec<String>,
    pub retry_base: Duration,
    pub max_attempts: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { webhooks: Vec::new(), retry_base: Duration::from_secs(1), max_attempts: 12 }
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

/// The notify domain (shared as `Arc<Notify>`).
pub struct Notify {
    pub config: NotifyConfig,
    store: Arc<Store>,
    /// Wakes the delivery loop when a notification is queued.
    wake: tokio::sync::Notify,
}

impl Notify {
    pub fn new(config: NotifyConfig, store: Arc<Store>) -> Result<Notify, StoreError> {
        store.migrate(SCHEMA)?;
        Ok(Notify { config, store, wake: tokio::sync::Notify::new() })
    }

    /// Queues `body` for every configured webhook inside the caller's transaction; returns
    /// how many were queued. Call [`Notify::wake`] after the commit.
    pub fn enqueue(&self, tx: &Transaction<'_>, body: &str, now: DateTime<Utc>) -> rusqlite::Result<usize> {
        for url in &self.config.webhooks {
            tx.prepare_cached("INSERT INTO webhook_outbox (url, body, next_at) VALUES (?1, ?2, ?3)")?
                .execute(params![url, body, ms(now)])?;
        }
        Ok(self.config.webhooks.len())
    }

    /// Tells the delivery loop that something was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Notifications due at `now`, oldest first.
    pub fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Queued>, StoreError> {
        self.store.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, url, body, attempts FROM webhook_outbox WHERE next_at <= ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![ms(now), limit as i64], |r| {
                Ok(Queued { id: r.get(0)?, url: r.get(1)?, body: r.get(2)?, attempts: r.get::<_, i64>(3)? as u32 })
            })?;
            rows.collect()
        })
    }

    /// When the next queued notification is due (None: the queue is empty).
    pub fn next_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let v: Option<i64> =
            self.store.read(|c| c.query_row("SELECT min(next_at) FROM webhook_outbox", [], |r| r.get(0)))?;
        Ok(v.map(from_ms))
    }

    pub fn pending(&self) -> u64 {
        self.store.read(|c| c.query_row("SELECT count(*) FROM webhook_outbox", [], |r| r.get::<_, i64>(0))).unwrap_or(0)
            as u64
    }

    /// Delivered: remove it.
    pub fn done(&self, id: i64) -> Result<(), StoreError> {
        self.store.write(|tx| tx.execute("DELETE FROM webhook_outbox WHERE id = ?1", [id]).map(|_| ()))
    }

    /// Failed: try again after an exponential backoff, or give up after the last attempt.
    /// Returns false when it was dropped.
    pub fn failed(&self, q: &Queued, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let attempts = q.attempts + 1;
        if attempts >= self.config.max_attempts {
            self.store.write(|tx| tx.execute("DELETE FROM webhook_outbox WHERE id = ?1", [q.id]).map(|_| ()))?;
            return Ok(false);
        }
        let delay = backoff(self.config.retry_base, attempts);
        let next = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::seconds(300));
        self.store.write(|tx| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let b = Duration::from_millis(100);
        assert_eq!(backoff(b, 1), Duration::from_millis(100));
        assert_eq!(backoff(b, 2), Duration::from_millis(200));
        assert_eq!(backoff(b, 4), Duration::from_millis(800));
        assert_eq!(backoff(b, 60), RETRY_MAX);
    }

    #[test]
    fn a_notification_is_retried_then_dropped_after_the_last_attempt() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let config =
            NotifyConfig { webhooks: vec!["https://chat.example/hook".into()], max_attempts: 2, ..Default::default() };
        let n = Notify::new(config, store.clone()).unwrap();
        let now = Utc::now();
        store.write(|tx| n.enqueue(tx, "{}", now)).unwrap();
        let q = n.due(now, 10).unwrap().pop().unwrap();
        assert!(n.failed(&q, now).unwrap(), "first failure: retried");
        assert!(n.due(now, 10).unwrap().is_empty(), "not due again before the backoff");
        let q = n.due(now + TimeDelta::seconds(2), 10).unwrap().pop().unwrap();
        assert!(!n.failed(&q, now).unwrap(), "second failure: dropped");
        assert_eq!(n.pending(), 0);
    }
}
