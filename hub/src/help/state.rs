//! One help request's life, pure: raised (by a kiosk's "I need help" or a device's physical
//! help button) → acknowledged ("on my way") → resolved; an unacknowledged request escalates
//! once after the configured time. Response times are what the reports count.

use aula_protocol::DeviceId;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Where a help request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// "I need help" on a kiosk's screen.
    Kiosk,
    /// A physical help button wired to a device.
    Button,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Kiosk => "kiosk",
            Source::Button => "button",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "kiosk" => Some(Source::Kiosk),
            "button" => Some(Source::Button),
            _ => None,
        }
    }
}

/// A help request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpRequest {
    /// The request's (or event's) message id: idempotency key.
    pub id: String,
    pub device: DeviceId,
    pub source: Source,
    pub raised_at: DateTime<Utc>,
    /// An advisor was signed in when it was raised (so the customer was told help comes).
    pub promised: bool,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    AlreadyAcknowledged { by: String },
    AlreadyResolved,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::AlreadyAcknowledged { by } => write!(f, "already acknowledged by {by}"),
            Refused::AlreadyResolved => f.write_str("already resolved"),
        }
    }
}

impl HelpRequest {
    pub fn open(&self) -> bool {
        self.resolved_at.is_none()
    }

    /// "On my way".
    pub fn acknowledge(&mut self, by: &str, now: DateTime<Utc>) -> Result<(), Refused> {
        if self.resolved_at.is_some() {
            return Err(Refused::AlreadyResolved);
        }
        if let Some(b) = &self.acked_by {
            return Err(Refused::AlreadyAcknowledged { by: b.clone() });
        }
        self.acked_at = Some(now.max(self.raised_at));
        self.acked_by = Some(by.to_owned());
        Ok(())
    }

    /// Done. Resolving an unacknowledged request acknowledges it at the same moment (the
    /// advisor was there already).
    pub fn resolve(&mut self, by: &str, now: DateTime<Utc>) -> Result<(), Refused> {
        if self.resolved_at.is_some() {
            return Err(Refused::AlreadyResolved);
        }
        let now = now.max(self.raised_at);
        if self.acked_at.is_none() {
            self.acked_at = Some(now);
            self.acked_by = Some(by.to_owned());
        }
        self.resolved_at = Some(now);
        self.resolved_by = Some(by.to_owned());
        Ok(())
    }

    /// Escalates (once) if nobody acknowledged it within `after`; true if it did now.
    pub fn escalate(&mut self, after: TimeDelta, now: DateTime<Utc>) -> bool {
        if self.acked_at.is_some() || self.resolved_at.is_some() || self.escalated_at.is_some() {
            return false;
        }
        if now - self.raised_at < after {
            return false;
        }
        self.escalated_at = Some(now);
        true
    }

    /// How long until an advisor acknowledged it (None while open and unacknowledged).
    pub fn response_time(&self) -> Option<TimeDelta> {
        self.acked_at.map(|a| a - self.raised_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(min)
    }

    fn raised() -> HelpRequest {
        HelpRequest {
            id: "r1".into(),
            device: DeviceId::new("kiosk-1").unwrap(),
            source: Source::Kiosk,
            raised_at: t(0),
            promised: true,
            acked_at: None,
            acked_by: None,
            resolved_at: None,
            resolved_by: None,
            escalated_at: None,
        }
    }

    #[test]
    fn acknowledge_then_resolve_records_the_response_time_once() {
        let mut h = raised();
        h.acknowledge("anna", t(1)).unwrap();
        assert_eq!(h.acknowledge("bo", t(2)), Err(Refused::AlreadyAcknowledged { by: "anna".into() }));
        h.resolve("anna", t(5)).unwrap();
        assert_eq!(h.resolve("anna", t(6)), Err(Refused::AlreadyResolved));
        assert_eq!(h.acknowledge("bo", t(7)), Err(Refused::AlreadyResolved));
        assert_eq!(h.response_time(), Some(TimeDelta::minutes(1)));
        assert!(!h.open());
    }

    #[test]
    fn an_unacknowledged_request_escalates_once_after_the_limit() {
        let mut h = raised();
        assert!(!h.escalate(TimeDelta::minutes(2), t(1)));
        assert!(h.escalate(TimeDelta::minutes(2), t(2)));
        assert!(!h.escalate(TimeDelta::minutes(2), t(3)), "once");
        let mut acked = raised();
        acked.acknowledge("anna", t(1)).unwrap();
        assert!(!acked.escalate(TimeDelta::minutes(2), t(5)), "acknowledged requests never escalate");
    }

    #[test]
    fn resolving_without_acknowledging_counts_as_answered_then() {
        let mut h = raised();
        h.resolve("anna", t(3)).unwrap();
        assert_eq!((h.acked_by.as_deref(), h.response_time()), (Some("anna"), Some(TimeDelta::minutes(3))));
    }
}
