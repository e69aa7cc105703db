//! The admin view: staff accounts (add with a role and, for counter experts and authority
//! coordinators, an authority; disable and enable; set a new password), API tokens (a new
//! token's secret is shown once, on the answer to the form, never stored in clear), and the
//! audit log with filters. Every change here is itself audited.

use std::sync::Arc;

use aula_hub::Hub;
use aula_hub::staff::{Permission, Role, roles::authority_of, secret};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use chrono::{NaiveDate, TimeZone};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Ctx, csrf, notice, page};
use super::{Outcome, back, ctx, forbidden_page};
use crate::auth::Staff;

const HERE: &str = "/admin";

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/admin", get(view))
        .route("/admin/accounts", post(add_account))
        .route("/admin/accounts/{user}/{step}", post(account_step))
        .route("/admin/tokens", post(add_token))
        .route("/admin/tokens/{name}/revoke", post(revoke_token))
        .route("/admin/audit", get(audit))
}

fn authorities(hub: &Hub) -> Vec<String> {
    let site = hub.queue.site_config();
    let mut a: Vec<String> = site.services.iter().map(|s| authority_of(&site, &s.id).to_owned()).collect();
    a.dedup();
    a
}

fn role_fields(c: &Ctx<'_>, hub: &Hub, prefix: &str) -> Markup {
    html! {
        label for={ (prefix) "-role" } { (c.t("admin.role")) }
        select id={ (prefix) "-role" } name="role" {
            @for r in Role::NAMES { option value=(r) { (c.t(&format!("role.{r}"))) } }
        }
        label for={ (prefix) "-authority" } { (c.t("admin.authority")) }
        select id={ (prefix) "-authority" } name="authority" {
            option value="" { "—" }
            @for a in authorities(hub) { option value=(a) { (a) } }
        }
    }
}

async fn view(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>, Query(o): Query<Outcome>) -> Response {
    if let Err(f) = staff.require(&hub, Permission::ManageStaff) {
        return forbidden_page(f);
    }
    let c = ctx(&hub, &staff);
    render(&hub, &c, &o, None).into_response()
}

fn render(hub: &Hub, c: &Ctx<'_>, o: &Outcome, new_token: Option<(&str, &str)>) -> Html<String> {
    let accounts = hub.staff.accounts().unwrap_or_default();
    let tokens = hub.staff.tokens().unwrap_or_default();
    let now = hub.now();
    let tz = hub.queue.site_config().time_zone;
    let body = html! {
        (notice(o.error.as_deref(), o.done.as_deref()))
        @if let Some((name, secret)) = new_token {
            div.notice.done role="status" {
                p { (c.t("admin.token_once")) " " strong { (name) } }
                p { code id="new-token" { (secret) } }
            }
        }
        section id="accounts" {
            h2 { (c.t("admin.accounts")) }
            div.table-wrap { table.list {
                thead { tr {
                    th scope="col" { (c.t("login.username")) } th scope="col" { (c.t("admin.role")) }
                    th scope="col" { (c.t("language")) } th scope="col" { (c.t("col.state")) } th scope="col" { "" }
                } }
                tbody { @for a in &accounts { tr {
                    th scope="row" { (a.username) }
                    td { (c.t(&format!("role.{}", a.role.name()))) @if let Some(au) = a.role.authority() { " (" (au) ")" } }
                    td { (a.lang) }
                    td { @if a.disabled { (c.t("admin.disabled")) }
                         @else if a.locked_until.is_some_and(|t| t > now) { (c.t("admin.locked")) }
                         @else { (c.t("admin.active")) } }
                    td {
                        form.inline method="post" action={ "/admin/accounts/" (a.username) (if a.disabled { "/enable" } else { "/disable" }) } {
                            (csrf(c))
                            button type="submit" { (if a.disabled { c.t("admin.enable") } else { c.t("admin.disable") }) }
                        }
                        form.inline method="post" action={ "/admin/accounts/" (a.username) "/password" } {
                            (csrf(c))
                            label for={ "pw-" (a.username) } class="sr" { (c.t("admin.new_password")) }
                            input id={ "pw-" (a.username) } name="password" type="password" autocomplete="new-password" placeholder=(c.t("admin.new_password"));
                            button type="submit" { (c.t("save")) }
                        }
                    }
                } } }
            } }
            h3 { (c.t("admin.add_account")) }
            form method="post" action="/admin/accounts" {
                (csrf(c))
                label for="n-user" { (c.t("login.username")) }
                input id="n-user" name="username" required pattern="[a-z0-9._-]{2,32}";
                (role_fields(c, hub, "n"))
                label for="n-lang" { (c.t("language")) }
                select id="n-lang" name="lang" { option value="fi" { "suomi" } option value="sv" { "svenska" } option value="en" { "English" } }
                label for="n-password" { (c.t("login.password")) }
                input id="n-password" name="password" type="password" autocomplete="new-password" required minlength=(secret::MIN_PASSWORD);
                button type="submit" { (c.t("admin.add")) }
            }
        }
        section id="tokens" {
            h2 { (c.t("admin.tokens")) }
            div.table-wrap { table.list {
                thead { tr { th scope="col" { (c.t("admin.token_name")) } th scope="col" { (c.t("admin.role")) } th scope="col" { (c.t("admin.used")) } th scope="col" { "" } } }
                tbody { @for t in &tokens { tr {
                    th scope="row" { (t.name) }
                    td { (c.t(&format!("role.{}", t.role.name()))) @if let Some(au) = t.role.authority() { " (" (au) ")" } }
                    td { @if let Some(u) = t.used_at { (u.with_timezone(&tz).format("%d.%m. %H:%M")) } }
                    td { @if t.revoked_at.is_some() { (c.t("admin.revoked")) } @else {
                        form.inline method="post" action={ "/admin/tokens/" (t.name) "/revoke" } {
                            (csrf(c)) button type="submit" { (c.t("admin.revoke")) }
                        }
                    } }
                } } }
            } }
            h3 { (c.t("admin.add_token")) }
            form method="post" action="/admin/tokens" {
                (csrf(c))
                label for="t-name" { (c.t("admin.token_name")) }
                input id="t-name" name="name" required pattern="[a-z0-9._-]{2,32}";
                (role_fields(c, hub, "t"))
                button type="submit" { (c.t("admin.add")) }
            }
        }
    };
    Html(page(c, c.t("nav.admin"), &[], body).into_string())
}

#[derive(Deserialize)]
struct AccountForm {
    username: String,
    role: String,
    authority: Option<String>,
    lang: String,
    password: String,
}

async fn add_account(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<AccountForm>,
) -> Response {
    if let Err(e) = staff.require(&hub, Permission::ManageStaff) {
        return forbidden_page(e);
    }
    let r = aula_hub::staff::role_of(&f.role, f.authority.as_deref())
        .and_then(|role| hub.staff.add_account(f.username.trim(), &role, &f.lang, &f.password, hub.now()))
        .map(|_| {
            staff.audit(&hub, "account_add", f.username.trim(), &f.role);
            format!("+ {}", f.username.trim())
        })
        .map_err(|e| e.to_string());
    back(HERE, r)
}

#[derive(Deserialize)]
struct PasswordForm {
    password: Option<String>,
}

async fn account_step(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path((user, step)): Path<(String, String)>,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Err(e) = staff.require(&hub, Permission::ManageStaff) {
        return forbidden_page(e);
    }
    let r = match step.as_str() {
        "disable" => hub.staff.set_disabled(&user, true),
        "enable" => hub.staff.set_disabled(&user, false),
        "password" => hub.staff.set_password(&user, f.password.as_deref().unwrap_or("")),
        other => return back(HERE, Err(format!("unknown step {other:?}"))),
    };
    if r.is_ok() {
        staff.audit(&hub, &format!("account_{step}"), &user, "");
    }
    back(HERE, r.map(|_| format!("{user}: ✓")).map_err(|e| e.to_string()))
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: String,
    authority: Option<String>,
}

async fn add_token(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<TokenForm>,
) -> Response {
    if let Err(e) = staff.require(&hub, Permission::ManageStaff) {
        return forbidden_page(e);
    }
    let name = f.name.trim().to_owned();
    let r = aula_hub::staff::role_of(&f.role, f.authority.as_deref())
        .and_then(|role| hub.staff.add_token(&name, &role, hub.now()));
    match r {
        Ok(secret) => {
            staff.audit(&hub, "token_add", &name, &f.role);
            let c = ctx(&hub, &staff);
            // Shown once, in this answer (not a redirect that could be bookmarked).
            render(&hub, &c, &Outcome::default(), Some((&name, &secret))).into_response()
        }
        Err(e) => back(HERE, Err(e.to_string())),
    }
}

async fn revoke_token(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(name): Path<String>,
) -> Response {
    if let Err(e) = staff.require(&hub, Permission::ManageStaff) {
        return forbidden_page(e);
    }
    let r = hub.staff.revoke_token(&name, hub.now());
    if r.is_ok() {
        staff.audit(&hub, "token_revoke", &name, "");
    }
    back(HERE, r.map(|_| format!("{name} ✕")).map_err(|e| e.to_string()))
}

#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

async fn audit(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Query(q): Query<AuditQuery>,
) -> Response {
    if let Err(f) = staff.require(&hub, Permission::SeeAudit) {
        return forbidden_page(f);
    }
    let c = ctx(&hub, &staff);
    let tz = hub.queue.site_config().time_zone;
    let day = |s: &Option<String>| {
        s.as_deref()
            .filter(|d| !d.is_empty())
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .and_then(|d| tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).earliest())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let filter = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (actor, action) = (filter(&q.actor), filter(&q.action));
    let entries = hub
        .staff
        .audit_log(
            actor.as_deref(),
            action.as_deref(),
            day(&q.from),
            day(&q.to).map(|t| t + chrono::TimeDelta::days(1)),
            500,
        )
        .unwrap_or_default();
    let body = html! {
        form.inline method="get" action="/admin/audit" {
            label for="f-actor" { (c.t("audit.actor")) } input id="f-actor" name="actor" value=(actor.clone().unwrap_or_default());
            label for="f-action" { (c.t("audit.action")) } input id="f-action" name="action" value=(action.clone().unwrap_or_default());
            label for="f-from" { (c.t("audit.from")) } input id="f-from" name="from" type="date" value=(q.from.clone().unwrap_or_default());
            label for="f-to" { (c.t("audit.to")) } input id="f-to" name="to" type="date" value=(q.to.clone().unwrap_or_default());
            button type="submit" { (c.t("audit.filter")) }
        }
        table.list id="audit" {
            thead { tr {
                th scope="col" { (c.t("audit.when")) } th scope="col" { (c.t("audit.actor")) } th scope="col" { (c.t("admin.role")) }
                th scope="col" { (c.t("audit.action")) } th scope="col" { (c.t("audit.subject")) } th scope="col" { (c.t("audit.detail")) }
            } }
            tbody { @for e in &entries { tr {
                td { (e.at.with_timezone(&tz).format("%d.%m.%Y %H:%M:%S")) } td { (e.actor) } td { (e.role) }
                td { (e.action) } td { (e.subject) } td { (e.detail) }
            } } }
        }
    };
    Html(page(&c, c.t("nav.audit"), &[], body).into_string()).into_response()
}
