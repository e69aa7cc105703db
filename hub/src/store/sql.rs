//! Small SQL helpers every domain's store module shares: times as Unix milliseconds.

use chrono::{DateTime, Utc};

/// A time as stored: Unix milliseconds.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time back; an out-of-range value (never written by us) reads as the epoch.
pub fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}
