//! Appointments: bookings imported from an iCalendar feed and the check-in rules. The hub
//! fetches the feed (it owns HTTP); this module only parses text into [`Booking`]s.
//!
//! A VEVENT becomes a booking when it has a UID, a DTSTART with a time, and names a service:
//! `X-AULA-SERVICE` (service id), else `CATEGORIES`, `LOCATION` or `SUMMARY` matching a
//! service id or prefix (case-insensitive). The booking code is `X-AULA-CODE` if present,
//! else derived from the UID (first 8 letters/digits, uppercase) so a calendar without our
//! extension still works. `STATUS:CANCELLED` marks it cancelled.
//!
//! Parsing uses the `icalendar` crate (MIT/Apache-2.0, maintained): it unfolds lines and
//! handles parameters such as `TZID`, which hand-parsing tends to get wrong.

use aula_protocol::ServiceId;
use chrono::{DateTime, Utc};

/// One booked appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// What the customer types or scans at the kiosk (uppercase).
    pub code: String,
    /// The calendar's UID (stable across feed refreshes).
    pub uid: String,
    pub service: ServiceId,
    pub start: DateTime<Utc>,
    pub cancelled: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// New bookings stored.
    pub added: u32,
    /// Bookings whose time, service or status changed.
    pub updated: u32,
    /// Bookings already known unchanged (nothing stored).
    pub unchanged: u32,
    /// Events that were not usable, with the reason (UID or index, why).
    pub skipped: Vec<String>,
}

/// Normalises a typed or scanned code: trimmed, uppercase, without spaces and dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}
