//! The queue over HTTP: the queue state, services, counter actions, tickets, check-in and
//! the announcement (staff routes), plus the hub's counters at `/api/stats`.
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
//! | GET | `/api/stats` | | `StatsView` |
//! | POST | `/api/announcement` | `{"fi":…,"sv":…,"en":…}` or `{}` to clear | `{"ok":true}` |

use std::sync::Arc;

use aula_engine::TicketRef;
use aula_hub::Hub;
use aula_protocol::{CounterId, Localized, MessageId, Needs, ServiceId, TicketId, TicketNumber};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use axum::Extension;

use crate::actions::{self, Step};
use crate::auth::Staff;
use crate::error::{Failure, fail, json_body, ok};

type S = State<Arc<Hub>>;

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

pub fn routes() -> Router<Arc<Hub>> {
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
        .route("/api/stats", get(stats))
        .route("/api/announcement", post(announcement))
}

async fn queue(State(hub): S) -> Response {
    Json(hub.queue.queue_state()).into_response()
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
    let qs = hub.queue.queue_state();
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
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    body: Result<Option<Json<CallNextBody>>, JsonRejection>,
) -> Result<Response, Failure> {
    let body = body.map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let services = body.map(|Json(b)| b.services).unwrap_or_default();
    Ok(Json(actions::call_next(&hub, &staff, &counter(&id)?, &services)?).into_response())
}

#[derive(Debug, Deserialize, Serialize)]
pub struct CallBody {
    pub number: TicketNumber,
}

async fn call(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    body: Result<Json<CallBody>, JsonRejection>,
) -> Result<Response, Failure> {
    let b = json_body(body)?;
    Ok(Json(actions::call_number(&hub, &staff, &counter(&id)?, &b.number)?).into_response())
}

async fn recall(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    Ok(Json(actions::recall(&hub, &staff, &counter(&id)?)?).into_response())
}

async fn start(State(hub): S, Extension(staff): Extension<Staff>, Path(id): Path<String>) -> Result<Response, Failure> {
    actions::counter_step(&hub, &staff, &counter(&id)?, Step::Start)?;
    Ok(ok())
}

async fn finish(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    actions::counter_step(&hub, &staff, &counter(&id)?, Step::Finish)?;
    Ok(ok())
}

async fn no_show(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    actions::counter_step(&hub, &staff, &counter(&id)?, Step::NoShow)?;
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

async fn issue(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    body: Result<Json<IssueBody>, JsonRejection>,
) -> Result<Response, Failure> {
    let b = json_body(body)?;
    let t = actions::issue(&hub, &staff, b.request_id.unwrap_or_default(), &b.service, b.needs)?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

#[derive(Debug, Deserialize, Serialize)]
pub struct TransferBody {
    pub service: ServiceId,
}

async fn transfer(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    body: Result<Json<TransferBody>, JsonRejection>,
) -> Result<Response, Failure> {
    let b = json_body(body)?;
    Ok(Json(actions::transfer(&hub, &staff, ticket_ref(&id)?, &b.service)?).into_response())
}

async fn cancel(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    actions::cancel(&hub, &staff, ticket_ref(&id)?)?;
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

async fn check_in(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    body: Result<Json<CheckInBody>, JsonRejection>,
) -> Result<Response, Failure> {
    let b = json_body(body)?;
    let t = actions::check_in(&hub, &staff, b.request_id.unwrap_or_default(), &b.code, b.needs)?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

async fn stats(State(hub): S, Extension(staff): Extension<Staff>) -> Result<Response, Failure> {
    staff.require(&hub, aula_hub::staff::Permission::SeeDevices)?;
    let mut v = hub.stats.view();
    v.mqtt_ready = hub.mqtt_ready();
    Ok(Json(v).into_response())
}

async fn announcement(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    body: Result<Json<Localized>, JsonRejection>,
) -> Result<Response, Failure> {
    actions::announce(&hub, &staff, json_body(body)?)?;
    Ok(ok())
}
