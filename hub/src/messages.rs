//! The messages domain: the advisor's short notes to a counter about a ticket ("V031 is
//! here, missed the call"). The handbook lets the advisor message the counter, never jump
//! the queue: the counter decides (e.g. returns the no-show). A message shows on the
//! counter's page until someone there dismisses it. It owns the `counter_messages` table.
//!
//! No customer data: a ticket number and the advisor's words; the text is limited and the
//! form reminds not to write names.

use std::sync::Arc;

use aula_protocol::{CounterId, TicketNumber};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::changes::{Changes, Live};
use crate::error::HubError;
use crate::store::sql::{from_ms, ms};
use crate::store::{Store, StoreError};

/// Longest message text.
pub const MAX_TEXT: usize = 200;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS counter_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    sender       TEXT NOT NULL,
    counter      TEXT NOT NULL,
    ticket       TEXT,
    text         TEXT NOT NULL,
    dismissed_at INTEGER
);
CREATE INDEX IF NOT EXISTS counter_messages_open ON counter_messages (counter, dismissed_at);
";

/// One message to a counter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The advisor's user name.
    pub sender: String,
    pub counter: CounterId,
    pub ticket: Option<TicketNumber>,
    pub text: String,
}

/// The messages domain (shared as `Arc<Messages>`).
pub struct Messages {
    store: Arc<Store>,
    changes: Changes,
}

impl Messages {
    pub fn new(store: Arc<Store>, changes: Changes) -> Result<Messages, StoreError> {
        store.migrate(SCHEMA)?;
        Ok(Messages { store, changes })
    }

    /// Sends a note to a counter; the text is trimmed and checked.
    pub fn send(
        &self,
        sender: &str,
        counter: &CounterId,
        ticket: Option<&TicketNumber>,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Message, HubError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
            return Err(HubError::Invalid(format!(
                "message: expected 1-{MAX_TEXT} characters without line breaks or control characters"
            )));
        }
        let id = self.store.write(|tx| {
            tx.execute(
                "INSERT INTO counter_messages (at, sender, counter, ticket, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ms(now), sender, counter.as_str(), ticket.map(|t| t.to_string()), text],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        self.changes.live(Live::Messages);
        Ok(Message {
            id,
            // As stored (milliseconds), so what is returned equals what is read back.
            at: from_ms(ms(now)),
            sender: sender.to_owned(),
            counter: counter.clone(),
            ticket: ticket.cloned(),
            text: text.to_owned(),
        })
    }

    /// A counter's messages not yet dismissed, oldest first.
    pub fn for_counter(&self, counter: &CounterId) -> Result<Vec<Message>, StoreError> {
        self.store.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, at, sender, counter, ticket, text FROM counter_messages
                 WHERE counter = ?1 AND dismissed_at IS NULL ORDER BY id",
            )?;
            let rows = stmt.query_map([counter.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, at, sender, ticket, text) = row?;
                out.push(Message {
                    id,
                    at: from_ms(at),
                    sender,
                    counter: counter.clone(),
                    ticket: ticket.and_then(|t| t.parse().ok()),
                    text,
                });
            }
            Ok(out)
        })
    }

    /// Marks a message read at its counter.
    pub fn dismiss(&self, counter: &CounterId, id: i64, now: DateTime<Utc>) -> Result<(), HubError> {
        let n = self.store.write(|tx| {
            tx.execute(
                "UPDATE counter_messages SET dismissed_at = ?3 WHERE id = ?1 AND counter = ?2 AND dismissed_at IS NULL",
                params![id, counter.as_str(), ms(now)],
            )
        })?;
        if n == 0 {
            return Err(HubError::NotFound(format!("no open message {id} for counter {counter}")));
        }
        self.changes.live(Live::Messages);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_shows_at_its_counter_until_dismissed_there() {
        let m = Messages::new(Arc::new(Store::open_in_memory().unwrap()), Changes::channel(1).0).unwrap();
        let c3 = CounterId::new("3").unwrap();
        let c4 = CounterId::new("4").unwrap();
        let now = Utc::now();
        let sent = m.send("anna", &c3, Some(&"V031".parse().unwrap()), " V031 is here, missed the call ", now).unwrap();
        assert_eq!(sent.text, "V031 is here, missed the call");
        assert_eq!(m.for_counter(&c3).unwrap(), [sent.clone()]);
        assert!(m.for_counter(&c4).unwrap().is_empty());
        assert!(m.dismiss(&c4, sent.id, now).is_err(), "another counter cannot dismiss it");
        m.dismiss(&c3, sent.id, now).unwrap();
        assert!(m.for_counter(&c3).unwrap().is_empty());
        assert!(m.send("anna", &c3, None, "", now).is_err());
        assert!(m.send("anna", &c3, None, &"x".repeat(MAX_TEXT + 1), now).is_err());
    }
}
