//! The envelope every Aula message travels in: schema version, unique id, timestamp, body.
//! `encode` and `decode` are the only way bytes become messages and back, so the size limit,
//! the version check and body validation happen in exactly one place.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::error::DecodeError;

/// The schema version this build writes and accepts.
pub const SCHEMA_VERSION: u16 = 1;

/// Largest payload accepted. Real messages are well under 8 KiB (a survey definition is the
/// largest); 64 KiB leaves room while a 1 MB payload is refused before JSON parsing starts.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// A message's unique id. Receivers store a message once per id (idempotency), and a
/// request's id is echoed in its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub Uuid);

impl MessageId {
    /// A new time-ordered id (UUID v7), so ids sort roughly by creation.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for MessageId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for MessageId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.parse()?))
    }
}

/// Earliest and latest years a device clock can plausibly report. A time outside them is a
/// broken clock or a crafted message, never data: it is refused at decoding, before any
/// receiver does date arithmetic on it (the site-local date of a time near the end of
/// chrono's range panics).
pub const PLAUSIBLE_YEARS: std::ops::Range<i32> = 2000..2200;

/// Checks a device-supplied time against [`PLAUSIBLE_YEARS`]; `what` names the field.
pub fn plausible_time(what: &str, t: DateTime<Utc>) -> Result<(), String> {
    use chrono::Datelike;
    if PLAUSIBLE_YEARS.contains(&t.year()) {
        Ok(())
    } else {
        Err(format!(
            "{what} {} is outside the years {}-{}",
            t.to_rfc3339(),
            PLAUSIBLE_YEARS.start,
            PLAUSIBLE_YEARS.end - 1
        ))
    }
}

/// A message body's own checks beyond its types (ranges, lengths, consistency).
pub trait Validate {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A message: `{"v":1,"id":"…","ts":"2026-11-22T08:00:00Z","body":{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub v: u16,
    pub id: MessageId,
    pub ts: DateTime<Utc>,
    pub body: T,
}

impl<T> Envelope<T> {
    /// Wraps `body` with a fresh id and the current time.
    pub fn new(body: T) -> Self {
        Self { v: SCHEMA_VERSION, id: MessageId::new(), ts: Utc::now(), body }
    }

    /// Wraps `body` with a given id and time (replays, tests, request ids chosen by the caller).
    pub fn with(id: MessageId, ts: DateTime<Utc>, body: T) -> Self {
        Self { v: SCHEMA_VERSION, id, ts, body }
    }
}

impl<T: Serialize> Envelope<T> {
    /// Serialises to JSON bytes. Our own types always serialise, so this cannot fail.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("protocol types always serialise")
    }
}

#[derive(Deserialize)]
struct Header {
    v: Option<u16>,
}

/// Parses and validates a payload: size, JSON, schema version, field types (with the path of
/// the offending field), a plausible envelope time, then the body's own [`Validate`] checks.
pub fn decode<T: DeserializeOwned + Validate>(payload: &[u8]) -> Result<Envelope<T>, DecodeError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(DecodeError::TooLarge { size: payload.len(), max: MAX_PAYLOAD });
    }
    if payload.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        // Either not JSON at all, or JSON that is not an object (`[1,2]`, `"x"`, `7`).
        return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(payload) {
            Ok(_) => DecodeError::BadField { path: "(root)".into(), message: "expected a JSON object".into() },
            Err(e) => DecodeError::NotJson(e),
        });
    }
    let header: Header = serde_json::from_slice(payload).map_err(|e| {
        if e.is_data() {
            // JSON, but not an object with a numeric `v`.
            DecodeError::BadField { path: "v".into(), message: e.to_string() }
        } else {
            DecodeError::NotJson(e)
        }
    })?;
    match header.v {
        None => return Err(DecodeError::MissingVersion { expected: SCHEMA_VERSION }),
        Some(v) if v != SCHEMA_VERSION => {
            return Err(DecodeError::WrongVersion { found: v, supported: SCHEMA_VERSION });
        }
        Some(_) => {}
    }
    let de = &mut serde_json::Deserializer::from_slice(payload);
    let env: Envelope<T> = serde_path_to_error::deserialize(de)
        .map_err(|e| DecodeError::BadField { path: e.path().to_string(), message: e.inner().to_string() })?;
    plausible_time("ts", env.ts).map_err(DecodeError::Invalid)?;
    env.body.validate().map_err(DecodeError::Invalid)?;
    Ok(env)
}
