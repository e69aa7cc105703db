//! The facility endpoints of the JSON API (merged into `api::router`):
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | POST | `/api/dropbox/{box}/emptied` | `{"label":"info desk"}` (optional; a desk or role, never a name) | the ledger `Entry` (201) |
//! | GET | `/api/dropbox/{box}/ledger?date=2026-11-30` | | `DailyLedger` (today without `date`); `&format=csv` for CSV rows |
//! | GET | `/api/alerts` | | `AlertsView`: active alerts and the latest ones |
//! | GET | `/metrics` | | Prometheus text |

use std::fmt::Write as _;
use std::sync::Arc;

use aula_protocol::BoxId;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use aula_hub::Hub;
use aula_hub::facility::ledger::DailyLedger;

use aula_hub::staff::Permission;
use axum::Extension;

use crate::actions;
use crate::auth::Staff;
use crate::error::{Failure, fail};

/// Longest desk/role label accepted for a staff emptying.

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/dropbox/{id}/emptied", post(emptied))
        .route("/api/dropbox/{id}/ledger", get(ledger))
        .route("/api/alerts", get(alerts))
        .route("/metrics", get(metrics))
}

fn box_id(s: &str) -> Result<BoxId, Failure> {
    BoxId::new(s)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", format!("{e}: expected a box id such as lobby")))
}

/// Body of a staff emptying.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmptiedBody {
    /// The desk or role that emptied it ("info desk"), never a person's name.
    #[serde(default)]
    pub label: Option<String>,
}

async fn emptied(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    body: Result<Option<Json<EmptiedBody>>, JsonRejection>,
) -> Result<Response, Failure> {
    let body = body.map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let label = body.and_then(|Json(b)| b.label);
    let entry = actions::dropbox_emptied(&hub, &staff, &box_id(&id)?, label)?;
    Ok((StatusCode::CREATED, Json(entry)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    pub date: Option<String>,
    pub format: Option<String>,
}

async fn ledger(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, Failure> {
    staff.require(&hub, Permission::DropBox)?;
    let date = match q.date.as_deref() {
        None | Some("") => hub.queue.site_today(),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            fail(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("date: expected YYYY-MM-DD such as 2026-11-30, found {d:?}"),
            )
        })?,
    };
    let day = hub.facility.ledger(&box_id(&id)?, date)?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(day).into_response()),
        Some("csv") => Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv(&day)).into_response()),
        Some(other) => {
            Err(fail(StatusCode::BAD_REQUEST, "bad_request", format!("format: expected json or csv, found {other:?}")))
        }
    }
}

/// The day's rows as CSV (times in UTC, RFC 3339), for a spreadsheet or an archive.
pub fn csv(day: &DailyLedger) -> String {
    let mut out = String::from("box,kind,by,label,device,device_at,hub_at,out_of_hours\n");
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for e in &day.entries {
        let by = e.by.map(|b| if b == aula_protocol::EmptiedBy::Switch { "switch" } else { "staff" }).unwrap_or("");
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            e.box_id,
            e.kind.as_str(),
            by,
            q(e.label.as_deref().unwrap_or("")),
            e.device.as_ref().map(|d| d.as_str()).unwrap_or(""),
            e.device_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            e.hub_at.to_rfc3339(),
            e.out_of_hours
        );
    }
    out
}

async fn alerts(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>) -> Result<Response, Failure> {
    staff.require(&hub, Permission::SeeDevices)?;
    Ok(Json(hub.facility.alerts()?).into_response())
}

async fn metrics(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>) -> Result<Response, Failure> {
    staff.require(&hub, Permission::SeeDevices)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], crate::metrics::render(&hub))
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_labels() {
        let t = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let e = aula_hub::facility::ledger::Entry {
            box_id: BoxId::new("lobby").unwrap(),
            kind: aula_hub::facility::ledger::EntryKind::Emptied,
            by: Some(aula_protocol::EmptiedBy::Staff),
            label: Some("desk \"A\", 2nd floor".into()),
            device: None,
            device_at: None,
            hub_at: t,
            out_of_hours: false,
        };
        let day = aula_hub::facility::ledger::daily(BoxId::new("lobby").unwrap(), t.date_naive(), vec![], vec![e]);
        let text = csv(&day);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            format!("lobby,emptied,staff,\"desk \"\"A\"\", 2nd floor\",,,{},false", t.to_rfc3339())
        );
    }
}
