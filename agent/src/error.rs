//! The agent library's error types: outbox storage failures, why the agent could not start,
//! and why a request got no reply. Config problems are the workspace's one
//! [`aula_conf::ConfigError`] (file, dotted key, expected, found).

use std::path::PathBuf;

use aula_conf::ConfigError;
use thiserror::Error;

/// The durable outbox failed (disk full, file unreadable, corrupt database).
#[derive(Debug, Error)]
pub enum OutboxError {
    #[error("outbox {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("outbox {path}: the storage task stopped")]
    TaskGone { path: PathBuf },
}

/// Errors from starting the agent or writing to its outbox.
#[derive(Debug, Error)]
pub enum AgentError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    #[error("the agent has shut down")]
    Stopped,
}

/// Why [`crate::Agent::request`] returned no [`aula_protocol::Reply`]. All are "keep going"
/// errors for the caller: the kiosk shows its offline path and may retry with the same id.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not connected to the broker right now; nothing was sent.
    #[error("not connected to the broker")]
    NotConnected,
    /// Sent, but no reply within the timeout.
    #[error("no reply from the hub within {0:?}")]
    Timeout(std::time::Duration),
    /// A request with the same id is already waiting for its reply.
    #[error("a request with this id is already waiting")]
    Duplicate,
    #[error("the agent has shut down")]
    Stopped,
}
