//! What the waiting area sees: the retained queue state and call events, both published by
//! the hub and drawn by signage. Numbers and counter names only: no personal data can be
//! expressed in these types.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::Validate;
use crate::ids::{CounterId, ServiceId};
use crate::text::Localized;
use crate::ticket::{TicketId, TicketNumber, WaitRange};

/// Retained on `queue/state`; republished on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueState {
    /// Increases with every publication, so a wall can ignore an older state.
    pub seq: u64,
    pub site_name: Localized,
    pub services: Vec<ServiceView>,
    pub counters: Vec<CounterView>,
    /// Latest calls, newest first (at most [`QueueState::MAX_CALLS`]).
    pub calls: Vec<CallEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<Localized>,
}

impl QueueState {
    pub const MAX_CALLS: usize = 12;
}

impl Validate for QueueState {}

/// An opening span, local time of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

/// One service as shown on the wall and on the kiosk's service list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub id: ServiceId,
    pub name: Localized,
    pub authority: Localized,
    pub prefix: String,
    /// Present today at all (else not offered on the kiosk).
    pub open_today: bool,
    pub open_now: bool,
    /// Walk-in numbers can be taken (false: appointments only).
    pub walk_in: bool,
    pub hours_today: Vec<Span>,
    /// Next opening if closed now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_next: Option<DateTime<Utc>>,
    pub waiting: u32,
    pub wait: Option<WaitRange>,
}

/// A counter or service room and the number it serves now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterView {
    pub id: CounterId,
    pub name: Localized,
    pub current: Option<TicketNumber>,
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// First call.
    Call,
    /// Announced again by the counter.
    Recall,
}

/// Published on `queue/call` for every call and recall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEvent {
    pub ticket: TicketId,
    pub number: TicketNumber,
    pub service: ServiceId,
    pub counter: CounterId,
    pub counter_name: Localized,
    pub kind: CallKind,
    pub called_at: DateTime<Utc>,
}

impl Validate for CallEvent {}
