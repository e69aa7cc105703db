//! [`HubError`]: why a hub operation failed. The web crate maps each variant to a status code;
//! the CLI prints it.

use aula_engine::EngineError;
use aula_protocol::Rejection;
use thiserror::Error;

use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum HubError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("refused: {0:?}")]
    Rejected(Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
    /// The step does not fit the current state (already acknowledged, already resolved).
    #[error("{0}")]
    Conflict(String),
    /// Input that cannot be used, saying what was expected.
    #[error("{0}")]
    Invalid(String),
}
