//! What a ticket is on the wire: its number, lane, needs flags and the wait range shown to
//! the customer. The ticket's life (issued → called → …) is the hub's state machine; this
//! module only names the states so messages can carry them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::ids::Lang;

/// A ticket's permanent id (the number is reused every day, the id never).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(pub Uuid);

impl TicketId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for TicketId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The number a customer holds: a service prefix and a daily sequence, shown as `V007`.
/// Only numbers ever appear on screens and in calls, never names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketNumber {
    pub prefix: String,
    pub seq: u32,
}

impl TicketNumber {
    /// A prefix is 1–3 uppercase ASCII letters.
    pub fn valid_prefix(p: &str) -> bool {
        (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_uppercase())
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.prefix, self.seq)
    }
}

impl std::str::FromStr for TicketNumber {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let split = s.find(|c: char| c.is_ascii_digit()).ok_or_else(|| format!("ticket number {s:?} has no digits"))?;
        let (prefix, digits) = s.split_at(split);
        if !Self::valid_prefix(prefix) {
            return Err(format!("ticket number {s:?}: prefix must be 1-3 uppercase letters"));
        }
        let seq = digits.parse().map_err(|_| format!("ticket number {s:?}: expected digits after the prefix"))?;
        Ok(Self { prefix: prefix.into(), seq })
    }
}

impl Serialize for TicketNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Which line inside a service's queue a ticket waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    WalkIn,
    Appointment,
    Priority,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::WalkIn => "walk_in",
            Lane::Appointment => "appointment",
            Lane::Priority => "priority",
        }
    }
}

/// What the customer said they need. Flags only: never personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Needs {
    /// Interpreter language, if one is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<Lang>,
    #[serde(default)]
    pub accessibility: bool,
    #[serde(default)]
    pub reading_help: bool,
}

impl Needs {
    pub fn any(&self) -> bool {
        self.interpreter.is_some() || self.accessibility || self.reading_help
    }
}

/// Estimated wait shown to customers, in whole minutes, `low ≤ high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitRange {
    pub low_min: u32,
    pub high_min: u32,
}

impl WaitRange {
    pub fn contains(&self, minutes: f64) -> bool {
        minutes >= self.low_min as f64 && minutes <= self.high_min as f64
    }
    pub fn middle(&self) -> f64 {
        (self.low_min as f64 + self.high_min as f64) / 2.0
    }
}

/// Where a ticket is in its life (as carried in messages; the hub owns the transitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    Serving,
    Served,
    NoShow,
    Cancelled,
    Transferred,
}

impl TicketState {
    pub fn is_final(self) -> bool {
        matches!(self, TicketState::Served | TicketState::NoShow | TicketState::Cancelled | TicketState::Transferred)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_and_parse() {
        let n: TicketNumber = "V007".parse().unwrap();
        assert_eq!(n, TicketNumber { prefix: "V".into(), seq: 7 });
        assert_eq!(n.to_string(), "V007");
        assert_eq!(TicketNumber { prefix: "PA".into(), seq: 1234 }.to_string(), "PA1234");
        assert!("7".parse::<TicketNumber>().is_err());
        assert!("v7".parse::<TicketNumber>().is_err());
        assert!("V".parse::<TicketNumber>().is_err());
    }
}
