//! The reports view, for coordinators (and admins): this month's feedback figures per
//! service, within the caller's scope (an authority's coordinator sees only its services),
//! with the CSV download. The queue figures join this page with the monthly-report work.

use std::sync::Arc;

use aula_hub::Hub;
use aula_hub::feedback::figures::RawQuery;
use aula_hub::staff::Permission;
use aula_hub::staff::roles::authority_of;
use aula_protocol::Lang;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::Datelike;
use maud::html;
use serde::Deserialize;

use super::layout::page;
use super::{ctx, forbidden_page};
use crate::auth::{Staff, forbidden};

pub fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/reports", get(view))
}

#[derive(Debug, Default, Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

async fn view(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Query(q): Query<MonthQuery>,
) -> Response {
    let site = hub.queue.site_config();
    let scope = staff.principal.role.authority().map(str::to_owned);
    if !staff.principal.may(&site, Permission::SeeReports(scope.as_deref())) {
        return forbidden_page(forbidden(&staff.principal, Permission::SeeReports(scope.as_deref())));
    }
    let c = ctx(&hub, &staff);
    let lang = Lang::new(c.lang).unwrap_or_else(|_| Lang::fi());
    let today = hub.queue.site_today();
    let month = q
        .month
        .as_deref()
        .and_then(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let raw = RawQuery {
        period: Some("month".into()),
        from: Some(month.format("%Y-%m-%d").to_string()),
        by: Some("service".into()),
        ..Default::default()
    };
    let figures = raw.parse().ok().and_then(|q| hub.feedback.figures(&q).ok());
    let visible = |service: &str| match &scope {
        None => true,
        Some(a) => aula_protocol::ServiceId::new(service).is_ok_and(|s| authority_of(&site, &s) == a),
    };
    let name = |service: &str| {
        aula_protocol::ServiceId::new(service)
            .ok()
            .and_then(|s| site.service(&s).map(|x| x.name.get(&lang).to_owned()))
            .unwrap_or_else(|| service.to_owned())
    };
    let body = html! {
        form.inline method="get" action="/reports" {
            label for="month" { (c.t("reports.month")) }
            input id="month" name="month" type="month" value=(month.format("%Y-%m"));
            button type="submit" { (c.t("audit.filter")) }
        }
        section id="feedback" {
            h2 { (c.t("reports.feedback")) }
            div.table-wrap { table.list {
                thead { tr {
                    th scope="col" { (c.t("col.service")) } th scope="col" { (c.t("reports.answers")) }
                    th scope="col" { "CSAT %" } th scope="col" { "CES" } th scope="col" { "NPS" }
                    th scope="col" { (c.t("reports.done")) }
                } }
                tbody {
                    @if let Some(f) = &figures {
                        @for r in f.rows.iter().filter(|r| visible(&r.service)) { tr {
                            th scope="row" { (name(&r.service)) } td { (r.answers) }
                            td { (r.csat_pct.map(|v| format!("{v:.0}")).unwrap_or_default()) }
                            td { (r.ces_mean.map(|v| format!("{v:.1}")).unwrap_or_default()) }
                            td { (r.nps.map(|v| format!("{v:.0}")).unwrap_or_default()) }
                            td { (r.done_pct.map(|v| format!("{v:.0} %")).unwrap_or_default()) }
                        } }
                    }
                }
            } }
            @if scope.is_none() {
                p { a href={ "/api/feedback/figures.csv?period=month&by=service&from=" (month.format("%Y-%m-%d")) } { (c.t("reports.csv")) } }
            }
        }
    };
    Html(page(&c, c.t("nav.reports"), &[], body).into_string()).into_response()
}
