//! The one error type of every handler: [`Failure`] (a status and an [`ApiError`] body
//! `{"error": "<code>", "message": "<text>"}`), and how each hub error maps to it: 400 bad
//! input, 404 unknown counter/service/ticket/device, 409 the engine refused the transition
//! (its message verbatim), 500 storage. Plus the small JSON helpers every router uses.

use aula_engine::EngineError;
use aula_hub::HubError;
use aula_protocol::Rejection;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The API error body.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

/// An error with its status.
pub struct Failure(pub StatusCode, pub ApiError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

pub fn fail(status: StatusCode, error: &str, message: impl Into<String>) -> Failure {
    Failure(status, ApiError { error: error.into(), message: message.into() })
}

impl From<HubError> for Failure {
    fn from(e: HubError) -> Self {
        let msg = e.to_string();
        match e {
            HubError::Engine(e) => {
                let (status, code) = match &e {
                    EngineError::IllegalTransition { .. } => (StatusCode::CONFLICT, "illegal_transition"),
                    EngineError::CounterIdle { .. } => (StatusCode::CONFLICT, "counter_idle"),
                    EngineError::CounterBusy { .. } => (StatusCode::CONFLICT, "counter_busy"),
                    EngineError::NothingWaiting { .. } => (StatusCode::CONFLICT, "nothing_waiting"),
                    EngineError::SameService { .. } => (StatusCode::CONFLICT, "same_service"),
                    EngineError::NoServices { .. } => (StatusCode::BAD_REQUEST, "no_services"),
                    EngineError::NotServedHere { .. } => (StatusCode::BAD_REQUEST, "not_served_here"),
                    EngineError::BadPresence { .. } => (StatusCode::BAD_REQUEST, "bad_presence"),
                    EngineError::CounterNotOpen { .. } => (StatusCode::CONFLICT, "counter_not_open"),
                    EngineError::CounterHolds { .. } => (StatusCode::CONFLICT, "counter_holds"),
                    EngineError::OnBreak { .. } => (StatusCode::CONFLICT, "on_break"),
                    EngineError::NotOnBreak { .. } => (StatusCode::CONFLICT, "not_on_break"),
                    EngineError::NotToday { .. } => (StatusCode::CONFLICT, "not_today"),
                    EngineError::ParkedElsewhere { .. } => (StatusCode::CONFLICT, "parked_elsewhere"),
                    EngineError::SameCounter { .. } => (StatusCode::CONFLICT, "same_counter"),
                    EngineError::ReservedForOther { .. } => (StatusCode::CONFLICT, "reserved_for_other"),
                    EngineError::UnknownCounter(_) => (StatusCode::NOT_FOUND, "unknown_counter"),
                    EngineError::UnknownService(_) => (StatusCode::NOT_FOUND, "unknown_service"),
                    EngineError::UnknownNumber(_) => (StatusCode::NOT_FOUND, "unknown_number"),
                    EngineError::UnknownTicket(_) => (StatusCode::NOT_FOUND, "unknown_ticket"),
                    EngineError::Ics(_) => (StatusCode::BAD_REQUEST, "bad_calendar"),
                    EngineError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "store"),
                    EngineError::Panicked(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
                };
                fail(status, code, msg)
            }
            HubError::Rejected(r) => rejection(r),
            HubError::Store(_) => fail(StatusCode::INTERNAL_SERVER_ERROR, "store", msg),
            HubError::NotFound(m) => fail(StatusCode::NOT_FOUND, "not_found", m),
            HubError::Conflict(m) => fail(StatusCode::CONFLICT, "conflict", m),
            HubError::Invalid(m) => fail(StatusCode::BAD_REQUEST, "bad_request", m),
        }
    }
}

pub fn rejection(r: Rejection) -> Failure {
    let status = match &r {
        Rejection::UnknownService { .. } | Rejection::UnknownBooking => StatusCode::NOT_FOUND,
        Rejection::BadRequest { .. } => StatusCode::BAD_REQUEST,
        Rejection::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    };
    // The reason code is the serde tag, e.g. "closed", "too_early".
    let v = serde_json::to_value(&r).unwrap_or_default();
    let code = v.get("reason").and_then(|c| c.as_str()).unwrap_or("rejected").to_owned();
    fail(status, &code, describe(&r))
}

/// Staff-facing English text for a refusal (customers see the kiosk's translations).
pub fn describe(r: &Rejection) -> String {
    match r {
        Rejection::UnknownService { service } => format!("unknown service {service:?}"),
        Rejection::NotToday { service } => format!("{service} does not serve walk-in customers today"),
        Rejection::Closed { service, opens_next: Some(t) } => format!("{service} is closed now; opens {t}"),
        Rejection::Closed { service, opens_next: None } => format!("{service} is closed now"),
        Rejection::AppointmentsOnly { service } => format!("{service} serves by appointment only"),
        Rejection::UnknownBooking => "no booking with this code".into(),
        Rejection::BookingCancelled => "the booking was cancelled".into(),
        Rejection::TooEarly { booked_at, opens_at } => format!("booked for {booked_at}; check-in opens {opens_at}"),
        Rejection::TooLate { booked_at } => format!("booked for {booked_at}; too late to check in"),
        Rejection::AlreadyCheckedIn { number } => format!("already checked in as {number}"),
        Rejection::NoAdvisor => "no advisor is signed in".into(),
        Rejection::BadRequest { message } | Rejection::Internal { message } => message.clone(),
    }
}

pub fn json_body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Failure> {
    b.map(|Json(t)| t).map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
}

/// A store failure from a read-only report query.
pub fn store(e: impl std::fmt::Display) -> Failure {
    tracing::error!(error = %e, "a report query failed");
    fail(StatusCode::INTERNAL_SERVER_ERROR, "store", e.to_string())
}

/// A 400 naming what was wrong.
pub fn bad_request(message: impl Into<String>) -> Failure {
    fail(StatusCode::BAD_REQUEST, "bad_request", message)
}

const OK: &str = r#"{"ok":true}"#;

pub fn ok() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OK).into_response()
}

impl From<aula_hub::store::StoreError> for Failure {
    fn from(e: aula_hub::store::StoreError) -> Self {
        Failure::from(HubError::from(e))
    }
}
