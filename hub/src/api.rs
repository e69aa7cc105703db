//! The JSON HTTP API (axum) for staff tools and the CLI, plus the "follow my number" page.
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | GET | `/api/queue` | | `QueueState` |
//! | GET | `/api/services` | | services with names, prefix, hours today, waiting |
//! | POST | `/api/counters/{id}/call-next` | `{"services":["vero"]}` (optional) | `CallEvent` |
//! | POST | `/api/counters/{id}/call` | `{"number":"V007"}` | `CallEvent` |
//! | POST | `/api/counters/{id}/recall` | | `CallEvent` |
//! | POST | `/api/counters/{id}/start` · `/finish` · `/no-show` | | `{"ok":true}` |
//! | POST | `/api/tickets` | `{"service":"vero","needs":{…},"request_id":"…"}` | `IssuedTicket` |
//! | POST | `/api/tickets/{id or number}/transfer` | `{"service":"kela"}` | `IssuedTicket` |
//! | POST | `/api/tickets/{id or number}/cancel` | | `{"ok":true}` |
//! | POST | `/api/checkin` | `{"code":"K7P2QX"}` | `IssuedTicket` |
//! | GET | `/api/devices` | | device registry |
//! | POST | `/api/devices/{id}/command` | `{"type":"test_print"}` · `reload_config` · `restart_app` · `reboot` · `{"type":"show_survey","survey":"selfservice"}` | 202 `{"ok":true,"id":"…"}`; 404 unknown device or survey |
//! | GET | `/api/stats` | | `StatsView` |
//! | POST | `/api/announcement` | `{"fi":…,"sv":…,"en":…}` or `{}` to clear | `{"ok":true}` |
//! | GET | `/follow/{ticket_id}?lang=sv` | | HTML |
//! | GET | `/api/feedback/…` | | feedback figures, CSV, comments: see `feedback/api.rs` |
//! | | `/api/dropbox/…`, `/api/alerts`, `/metrics` | | see `facility_api.rs` |
//!
//! Errors are `{"error": "<code>", "message": "<text>"}`: 400 bad input, 404 unknown
//! counter/service/ticket, 409 the engine refused the transition (its message verbatim),
//! 500 storage.

use std::sync::Arc;

use aula_engine::{EngineError, TicketRef};
use aula_protocol::{
    Command, CounterId, DeviceId, Localized, MessageId, Needs, Rejection, ServiceId, TicketId, TicketNumber,
};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::hub::{Hub, HubError, pick_lang};

type S = State<Arc<Hub>>;

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

pub(crate) fn fail(status: StatusCode, error: &str, message: impl Into<String>) -> Failure {
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
        }
    }
}

fn rejection(r: Rejection) -> Failure {
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
fn describe(r: &Rejection) -> String {
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
        Rejection::BadRequest { message } | Rejection::Internal { message } => message.clone(),
    }
}

fn json_body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, Failure> {
    b.map(|Json(t)| t).map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))
}

fn counter(id: &str) -> Result<CounterId, Failure> {
    CounterId::new(id).map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))
}

fn ticket_ref(s: &str) -> Result<TicketRef, Failure> {
    if let Ok(id) = s.parse::<uuid::Uuid>() {
        return Ok(TicketRef::Id(TicketId(id)));
    }
    s.parse::<TicketNumber>()
        .map(TicketRef::Number)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", format!("expected a ticket id or number: {e}")))
}

const OK: &str = r#"{"ok":true}"#;

fn ok() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OK).into_response()
}

pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/api/queue", get(queue))
        .route("/api/services", get(services))
        .route("/api/counters/{id}/call-next", post(call_next))
        .route("/api/counters/{id}/call", post(call))
        .route("/api/counters/{id}/recall", post(recall))
        .route("/api/counters/{id}/start", post(start))
        .route("/api/counters/{id}/finish", post(finish))
        .route("/api/counters/{id}/no-show", post(no_show))
        .route("/api/tickets", post(issue))
        .route("/api/tickets/{id}/transfer", post(transfer))
        .route("/api/tickets/{id}/cancel", post(cancel))
        .route("/api/checkin", post(check_in))
        .route("/api/devices", get(devices))
        .route("/api/devices/{id}/command", post(device_command))
        .route("/api/stats", get(stats))
        .route("/api/announcement", post(announcement))
        .route("/follow/{id}", get(crate::follow::page))
        .merge(crate::feedback::api::routes())
        // Drop boxes, alerts, metrics: `facility_api.rs`.
        .merge(crate::facility_api::routes())
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .with_state(hub)
}

async fn queue(State(hub): S) -> Response {
    Json(hub.queue_state()).into_response()
}

/// One service as the services list shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub id: ServiceId,
    pub name: Localized,
    pub authority: Localized,
    pub prefix: String,
    pub walk_in: bool,
    pub open_today: bool,
    pub open_now: bool,
    pub waiting: u32,
}

async fn services(State(hub): S) -> Response {
    let qs = hub.queue_state();
    let list: Vec<ServiceInfo> = qs
        .services
        .into_iter()
        .map(|s| ServiceInfo {
            id: s.id,
            name: s.name,
            authority: s.authority,
            prefix: s.prefix,
            walk_in: s.walk_in,
            open_today: s.open_today,
            open_now: s.open_now,
            waiting: s.waiting,
        })
        .collect();
    Json(list).into_response()
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CallNextBody {
    #[serde(default)]
    pub services: Vec<ServiceId>,
}

async fn call_next(
    State(hub): S,
    Path(id): Path<String>,
    body: Result<Option<Json<CallNextBody>>, JsonRejection>,
) -> Result<Response, Failure> {
    let body = body.map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let services = body.map(|Json(b)| b.services).unwrap_or_default();
    Ok(Json(hub.call_next(&counter(&id)?, &services)?).into_response())
}

#[derive(Debug, Deserialize, Serialize)]
pub struct CallBody {
    pub number: TicketNumber,
}

async fn call(
    State(hub): S,
    Path(id): Path<String>,
    body: Result<Json<CallBody>, JsonRejection>,
) -> Result<Response, Failure> {
    let b = json_body(body)?;
    Ok(Json(hub.call_number(&counter(&id)?, &b.number)?).into_response())
}

async fn recall(State(hub): S, Path(id): Path<String>) -> Result<Response, Failure> {
    Ok(Json(hub.recall(&counter(&id)?)?).into_response())
}

async fn start(State(hub): S, Path(id): Path<String>) -> Result<Response, Failure> {
    hub.start(&counter(&id)?)?;
    Ok(ok())
}

async fn finish(State(hub): S, Path(id): Path<String>) -> Result<Response, Failure> {
    hub.finish(&counter(&id)?)?;
    Ok(ok())
}

async fn no_show(State(hub): S, Path(id): Path<String>) -> Result<Response, Failure> {
    hub.no_show(&counter(&id)?)?;
    Ok(ok())
}

#[derive(Debug, Deserialize, Serialize)]
pub struct IssueBody {
    pub service: ServiceId,
    #[serde(default)]
    pub needs: Needs,
    /// Send the same id again to retry without issuing twice.
    #[serde(default)]
    pub request_id: Option<MessageId>,
}

async fn issue(State(hub): S, body: Result<Json<IssueBody>, JsonRejection>) -> Result<Response, Failure> {
    let b = json_body(body)?;
    let t = hub.issue(b.request_id.unwrap_or_default(), &b.service, b.needs)?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

#[derive(Debug, Deserialize, Serialize)]
pub struct TransferBody {
    pub service: ServiceId,
}

async fn transfer(
    State(hub): S,
    Path(id): Path<String>,
    body: Result<Json<TransferBody>, JsonRejection>,
) -> Result<Response, Failure> {
    let b = json_body(body)?;
    Ok(Json(hub.transfer(ticket_ref(&id)?, &b.service)?).into_response())
}

async fn cancel(State(hub): S, Path(id): Path<String>) -> Result<Response, Failure> {
    hub.cancel(ticket_ref(&id)?)?;
    Ok(ok())
}

#[derive(Debug, Deserialize, Serialize)]
pub struct CheckInBody {
    pub code: String,
    #[serde(default)]
    pub needs: Needs,
    #[serde(default)]
    pub request_id: Option<MessageId>,
}

async fn check_in(State(hub): S, body: Result<Json<CheckInBody>, JsonRejection>) -> Result<Response, Failure> {
    let b = json_body(body)?;
    if b.code.trim().is_empty() {
        return Err(fail(StatusCode::BAD_REQUEST, "bad_request", "booking code is empty"));
    }
    let t = hub.check_in(b.request_id.unwrap_or_default(), &b.code, b.needs)?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

async fn devices(State(hub): S) -> Result<Response, Failure> {
    Ok(Json(hub.devices().map_err(HubError::from)?).into_response())
}

async fn device_command(
    State(hub): S,
    Path(id): Path<String>,
    body: Result<Json<Command>, JsonRejection>,
) -> Result<Response, Failure> {
    let device = DeviceId::new(&id).map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
    let cmd = json_body(body)?;
    let id = hub.send_command(&device, cmd)?;
    Ok((StatusCode::ACCEPTED, Json(CommandSent { ok: true, id })).into_response())
}

/// The answer to `POST /api/devices/{id}/command`: the command's envelope id (the device's
/// `command_result` event reports the outcome).
#[derive(Debug, Serialize, Deserialize)]
pub struct CommandSent {
    pub ok: bool,
    pub id: MessageId,
}

async fn stats(State(hub): S) -> Response {
    let mut v = hub.stats.view();
    v.mqtt_ready = hub.mqtt_ready();
    Json(v).into_response()
}

async fn announcement(State(hub): S, body: Result<Json<Localized>, JsonRejection>) -> Result<Response, Failure> {
    let text = json_body(body)?;
    let text = if text.0.values().all(|t| t.trim().is_empty()) { None } else { Some(text) };
    if let Some(t) = &text
        && t.0.values().any(|s| s.chars().count() > 500)
    {
        return Err(fail(StatusCode::BAD_REQUEST, "bad_request", "announcement longer than 500 characters"));
    }
    hub.set_announcement(text);
    Ok(ok())
}

/// Query of the follow page.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

pub(crate) fn lang_of(q: &Query<LangQuery>, headers: &HeaderMap) -> aula_protocol::Lang {
    pick_lang(q.lang.as_deref(), headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}
