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

/// Bookings read from a feed, and the events that could not be used.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    pub bookings: Vec<Booking>,
    pub skipped: Vec<String>,
}

/// Parses iCalendar text into bookings for `site`'s services. A feed that is not iCalendar
/// at all is an error; single unusable events are listed in `skipped`.
pub fn parse_ics(text: &str, site: &crate::config::SiteConfig) -> Result<ParsedFeed, crate::error::EngineError> {
    use icalendar::{CalendarComponent, Component, EventLike};

    if !text.trim_start().starts_with("BEGIN:VCALENDAR") {
        return Err(crate::error::EngineError::Ics("not an iCalendar feed (no BEGIN:VCALENDAR)".into()));
    }
    let cal: icalendar::Calendar = text.parse().map_err(crate::error::EngineError::Ics)?;
    let mut out = ParsedFeed::default();
    for (i, c) in cal.components.iter().enumerate() {
        let CalendarComponent::Event(e) = c else { continue };
        let Some(uid) = e.get_uid().map(str::to_owned) else {
            out.skipped.push(format!("event {i}: no UID"));
            continue;
        };
        let start = match e.get_start() {
            Some(icalendar::DatePerhapsTime::DateTime(dt)) => to_utc(dt, site.time_zone),
            Some(icalendar::DatePerhapsTime::Date(_)) => None,
            None => None,
        };
        let Some(start) = start else {
            out.skipped.push(format!("{uid}: DTSTART missing, all-day or in an unknown time zone"));
            continue;
        };
        // CATEGORIES may repeat, so the crate keeps it among the multi-properties.
        let categories: Vec<&str> =
            e.multi_properties().get("CATEGORIES").map(|ps| ps.iter().map(|p| p.value()).collect()).unwrap_or_default();
        let candidates = [e.property_value("X-AULA-SERVICE"), e.property_value("CATEGORIES")]
            .into_iter()
            .flatten()
            .chain(categories)
            .chain([e.get_location(), e.get_summary()].into_iter().flatten());
        let service = candidates.into_iter().find_map(|v| match_service(v, site));
        let Some(service) = service else {
            out.skipped.push(format!("{uid}: names no service (X-AULA-SERVICE, CATEGORIES, LOCATION or SUMMARY)"));
            continue;
        };
        let code = match e.property_value("X-AULA-CODE") {
            Some(c) => normalize_code(c),
            None => code_from_uid(&uid),
        };
        if code.is_empty() || code.len() > aula_protocol::MAX_BOOKING_CODE {
            out.skipped.push(format!("{uid}: booking code empty or too long"));
            continue;
        }
        let cancelled = matches!(e.get_status(), Some(icalendar::EventStatus::Cancelled));
        out.bookings.push(Booking { code, uid, service, start, cancelled });
    }
    Ok(out)
}

fn to_utc(dt: icalendar::CalendarDateTime, site_tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use icalendar::CalendarDateTime as C;
    match dt {
        C::Utc(t) => Some(t),
        // Floating times are the site's wall clock.
        C::Floating(n) => Some(crate::hours::local_to_utc(site_tz, n.date(), n.time())),
        C::WithTimezone { date_time, tzid } => {
            let tz: chrono_tz::Tz = tzid.parse().ok()?;
            Some(crate::hours::local_to_utc(tz, date_time.date(), date_time.time()))
        }
    }
}

/// A service named by id, prefix or one of its names, in any of the comma-separated values.
fn match_service(value: &str, site: &crate::config::SiteConfig) -> Option<ServiceId> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty()).find_map(|v| {
        let lower = v.to_lowercase();
        site.services
            .iter()
            .find(|s| {
                s.id.as_str() == lower
                    || s.prefix.eq_ignore_ascii_case(v)
                    || s.name.0.values().chain(s.authority.0.values()).any(|n| n.to_lowercase() == lower)
            })
            .map(|s| s.id.clone())
    })
}

/// Derives a code from a UID: its first 8 letters and digits, uppercase.
pub fn code_from_uid(uid: &str) -> String {
    normalize_code(uid).chars().take(8).collect()
}
