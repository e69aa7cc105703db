//! Typed errors for everything that can be wrong with a topic or a payload. Each names what
//! was wrong and what was expected, so the hub can count and log the reason and keep going.

use thiserror::Error;

/// An identifier did not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {kind} {value:?}: expected {expected}")]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// A topic string is not one of Aula's topics for this site.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TopicError {
    #[error("topic {0:?} is not under aula/v1/<site>/")]
    NotAula(String),
    #[error("topic {topic:?} is for site {found:?}, this hub serves {expected:?}")]
    OtherSite { topic: String, found: String, expected: String },
    #[error("unknown topic {0:?}")]
    Unknown(String),
    #[error("topic {topic:?}: {source}")]
    BadId {
        topic: String,
        #[source]
        source: IdError,
    },
}

/// Why a payload was refused. The variants are what the hub counts per reason.
#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("payload is {size} bytes, the limit is {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("payload is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("payload has no schema version field \"v\" (expected {expected})")]
    MissingVersion { expected: u16 },
    #[error("schema version {found} is not supported (this build speaks version {supported})")]
    WrongVersion { found: u16, supported: u16 },
    #[error("field {path}: {message}")]
    BadField { path: String, message: String },
    #[error("invalid message: {0}")]
    Invalid(String),
}

impl DecodeError {
    /// A short stable name for counting refused messages per reason.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::NotJson(_) => "not_json",
            DecodeError::MissingVersion { .. } => "missing_version",
            DecodeError::WrongVersion { .. } => "wrong_version",
            DecodeError::BadField { .. } => "bad_field",
            DecodeError::Invalid(_) => "invalid",
        }
    }
}
