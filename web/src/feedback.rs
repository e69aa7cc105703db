//! HTTP routes of the feedback reports (staff routes).
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/api/feedback/figures?period=month&from=2026-11-01&by=service` | `Figures` (JSON) |
//! | GET | `/api/feedback/figures.csv?…` (same parameters) | CSV with a header row |
//! | GET | `/api/feedback/comments?from=2026-11-01&to=2026-12-01&service=kela&limit=100` | `[Comment]` |
//! | GET | `/api/feedback/comments.csv?…` | CSV |
//! | GET | `/api/feedback/rejects?from=2026-11-01` | `[Rejects]`: refused taps and rate-limited answers per device and day |
//! | GET | `/api/feedback/surveys` | the site's `[SurveyDef]` |
//!
//! Parameters: `period` = `day` | `week` (ISO) | `month` (default); `from` = first local day
//! (`YYYY-MM-DD`, required); `to` = first day not included (default: one period after
//! `from`); `by` = `service`, `hour` or `service,hour`; `survey`, `service` filter (refused
//! taps belong to no survey and no service: a survey filter keeps them, a service filter
//! drops them); `limit` = most comments (1–5000, default 500). A bad
//! parameter is a 400 `{"error":"bad_request","message":"<parameter>: expected …, found …"}`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use aula_hub::Hub;
use aula_hub::feedback::{
    csv,
    figures::{self, RawQuery},
};

use aula_hub::staff::Permission;
use axum::Extension;

use crate::auth::{Staff, forbidden};
use crate::error::{Failure, fail, store};

type S = State<Arc<Hub>>;

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/feedback/figures", get(figures_json))
        .route("/api/feedback/figures.csv", get(figures_csv))
        .route("/api/feedback/comments", get(comments_json))
        .route("/api/feedback/comments.csv", get(comments_csv))
        .route("/api/feedback/rejects", get(rejects))
        .route("/api/feedback/surveys", get(surveys))
}

fn bad(message: String) -> Failure {
    fail(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// Parses the query and keeps it inside the caller's reports: the whole site for site-wide
/// coordinators and admins; an authority's coordinator only its own services (the `service`
/// parameter defaults to its one service, and any other is refused).
fn query(hub: &Hub, staff: &Staff, q: Result<Query<RawQuery>, QueryRejection>) -> Result<figures::Query, Failure> {
    let Query(raw) = q.map_err(|e| bad(e.body_text()))?;
    let mut q = raw.parse().map_err(bad)?;
    let site = hub.queue.site_config();
    if staff.principal.may(&site, Permission::SeeReports(None)) {
        return Ok(q);
    }
    let Some(authority) = staff.principal.role.authority().map(str::to_owned) else {
        return Err(forbidden(&staff.principal, Permission::SeeReports(None)));
    };
    let mine: Vec<_> = site
        .services
        .iter()
        .filter(|s| aula_hub::staff::roles::authority_of(&site, &s.id) == authority)
        .map(|s| s.id.clone())
        .collect();
    match &q.service {
        Some(s) if mine.contains(s) => {}
        Some(s) => {
            let a = aula_hub::staff::roles::authority_of(&site, s).to_owned();
            return Err(forbidden(&staff.principal, Permission::SeeReports(Some(&a))));
        }
        None if mine.len() == 1 => q.service = Some(mine[0].clone()),
        None => {
            let list: Vec<&str> = mine.iter().map(|s| s.as_str()).collect();
            return Err(bad(format!("service: expected one of your services ({})", list.join(", "))));
        }
    }
    staff.require(hub, Permission::SeeReports(Some(&authority)))?;
    Ok(q)
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

fn compute(hub: &Hub, q: &figures::Query) -> Result<figures::Figures, Failure> {
    hub.feedback.figures(q).map_err(store)
}

async fn figures_json(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    q: Result<Query<RawQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let q = query(&hub, &staff, q)?;
    Ok(Json(compute(&hub, &q)?).into_response())
}

async fn figures_csv(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    q: Result<Query<RawQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let q = query(&hub, &staff, q)?;
    let f = compute(&hub, &q)?;
    Ok(csv_response(&format!("feedback-{}-{}.csv", q.from, q.to), csv::figures(&f)))
}

fn comment_list(hub: &Hub, q: &figures::Query) -> Result<Vec<figures::Comment>, Failure> {
    hub.feedback.comments(q).map_err(store)
}

async fn comments_json(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    q: Result<Query<RawQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let q = query(&hub, &staff, q)?;
    Ok(Json(comment_list(&hub, &q)?).into_response())
}

async fn comments_csv(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    q: Result<Query<RawQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let q = query(&hub, &staff, q)?;
    let list = comment_list(&hub, &q)?;
    Ok(csv_response(&format!("feedback-comments-{}-{}.csv", q.from, q.to), csv::comments(&list)))
}

async fn rejects(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    q: Result<Query<RawQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let q = query(&hub, &staff, q)?;
    Ok(Json(hub.feedback.rejects(&q).map_err(store)?).into_response())
}

async fn surveys(State(hub): S) -> Response {
    // The survey questions are public (every kiosk shows them); any staff member may read.
    Json(hub.feedback.surveys()).into_response()
}
