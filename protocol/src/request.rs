//! Device → hub requests and the hub's replies. A request's envelope id is its idempotency
//! key: the hub answers a repeated id with the first answer, so a double tap or a resend after
//! a timeout never issues two tickets. Replies carry codes, never user text: the device
//! translates them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::{MessageId, Validate};
use crate::ids::{DeviceId, Lang, ServiceId};
use crate::text::Localized;
use crate::ticket::{Lane, Needs, TicketId, TicketNumber, WaitRange};
use crate::topic::Verb;

/// Longest booking code accepted (barcode scanners can type long strings).
pub const MAX_BOOKING_CODE: usize = 64;

/// A request, published on `hub/request/<verb>`; the reply goes to `device/<device>/reply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub device: DeviceId,
    /// The language the customer chose (the hub may use it in follow-up links).
    pub lang: Lang,
    pub kind: RequestKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestKind {
    /// Take a queue number for a walk-in service.
    IssueTicket {
        service: ServiceId,
        #[serde(default)]
        needs: Needs,
        /// Set when the kiosk already gave this number while the hub was unreachable; the hub
        /// records it as issued at that time (reconciliation) instead of drawing a new number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offline: Option<OfflineIssue>,
    },
    /// "I have an appointment": check in with a booking code.
    CheckIn {
        code: String,
        #[serde(default)]
        needs: Needs,
    },
    /// "I need help": alert the advisor.
    Help,
}

/// A number a kiosk handed out on its own from its reserved block while the hub was away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineIssue {
    pub number: TicketNumber,
    pub issued_at: DateTime<Utc>,
}

impl RequestKind {
    pub fn verb(&self) -> Verb {
        match self {
            RequestKind::IssueTicket { .. } => Verb::IssueTicket,
            RequestKind::CheckIn { .. } => Verb::CheckIn,
            RequestKind::Help => Verb::Help,
        }
    }
}

/// Highest sequence a ticket number may have (numbers print as up to four digits).
pub const MAX_TICKET_SEQ: u32 = 9999;

impl Validate for Request {
    fn validate(&self) -> Result<(), String> {
        if let RequestKind::IssueTicket { offline: Some(off), .. } = &self.kind {
            crate::envelope::plausible_time("offline.issued_at", off.issued_at)?;
            if off.number.seq == 0 || off.number.seq > MAX_TICKET_SEQ {
                return Err(format!("offline.number {}: sequence outside 1-{MAX_TICKET_SEQ}", off.number));
            }
        }
        if let RequestKind::CheckIn { code, .. } = &self.kind {
            let code = code.trim();
            if code.is_empty() {
                return Err("booking code is empty".into());
            }
            if code.len() > MAX_BOOKING_CODE {
                return Err(format!("booking code is {} characters, at most {MAX_BOOKING_CODE}", code.len()));
            }
        }
        Ok(())
    }
}

/// The hub's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub request_id: MessageId,
    pub result: ReplyResult,
}

impl Validate for Reply {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyResult {
    /// A ticket was issued (walk-in) or a booking checked in (appointment lane).
    Ticket(IssuedTicket),
    /// The advisor has been alerted.
    HelpComing,
    /// Refused, with the reason as a code the device translates.
    Rejected(Rejection),
}

/// Everything a kiosk needs to print and show a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedTicket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub service: ServiceId,
    pub service_name: Localized,
    pub lane: Lane,
    pub people_ahead: u32,
    pub wait: Option<WaitRange>,
    pub issued_at: DateTime<Utc>,
    /// For appointments: the booked time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booked_at: Option<DateTime<Utc>>,
    /// "Follow my number" page for the QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_url: Option<String>,
}

/// Why a request was refused. Each has its own plain-language answer on the kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    UnknownService {
        service: String,
    },
    /// The service does not serve walk-in customers today.
    NotToday {
        service: ServiceId,
    },
    /// Closed now; opens again at `opens_next` (if it does today or later).
    Closed {
        service: ServiceId,
        opens_next: Option<DateTime<Utc>>,
    },
    /// Appointments only; no walk-in numbers.
    AppointmentsOnly {
        service: ServiceId,
    },
    UnknownBooking,
    BookingCancelled,
    /// Too early: check-in opens at `opens_at`.
    TooEarly {
        booked_at: DateTime<Utc>,
        opens_at: DateTime<Utc>,
    },
    /// The booking time has passed beyond the grace period.
    TooLate {
        booked_at: DateTime<Utc>,
    },
    AlreadyCheckedIn {
        number: TicketNumber,
    },
    /// "I need help": stored, but no advisor is signed in to come; the kiosk tells the
    /// customer where to go instead.
    NoAdvisor,
    /// The request itself was malformed (should not happen with a correct device).
    BadRequest {
        message: String,
    },
    /// The hub failed to store the request; retrying later may work.
    Internal {
        message: String,
    },
}
