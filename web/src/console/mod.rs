//! The staff console: server-rendered pages (maud) for the five roles, in fi, sv and en
//! (each staff member's choice). Forms post and redirect back (so the pages work without
//! JavaScript, by reloading); a small script (`assets/console.js`) refreshes the page's live
//! regions when the live feed (`/events`, [`crate::live`]) says their area changed, adds
//! keyboard shortcuts and sounds the help alarm.
//!
//! Pages: [`login`] (public), [`counter`] (counter experts), [`lobby`] (service advisors),
//! [`facility`] (facility hosts), [`admin`] (admins: accounts, tokens, audit log) and
//! [`reports`] (coordinators). Every action goes through [`crate::actions`] (permission,
//! operation, audit), the same door as the JSON API.

pub mod admin;
pub mod counter;
pub mod facility;
pub mod i18n;
pub mod layout;
pub mod lobby;
pub mod login;
pub mod reports;

use std::sync::Arc;

use aula_hub::Hub;
use aula_hub::staff::Role;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form};
use maud::Markup;
use serde::Deserialize;

use self::layout::Ctx;
use crate::auth::Staff;
use crate::error::Failure;

/// The console's routes behind the login (the auth layer is added by the caller).
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/", get(home))
        .route("/logout", post(login::logout))
        .route("/lang", post(set_lang))
        .merge(counter::routes())
        .merge(lobby::routes())
        .merge(facility::routes())
        .merge(admin::routes())
        .merge(reports::routes())
}

/// Routes anyone may open: the login page and the console's static files.
pub fn public_routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/login", get(login::page).post(login::submit))
        .route("/static/console.css", get(css))
        .route("/static/console.js", get(js))
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../assets/console.css")).into_response()
}

async fn js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../../assets/console.js"))
        .into_response()
}

/// Where each role starts.
pub fn home_of(role: &Role) -> &'static str {
    match role {
        Role::Counter { .. } => "/counter",
        Role::Advisor => "/lobby",
        Role::Facility => "/facility",
        Role::Coordinator { .. } => "/reports",
        Role::Admin => "/admin",
    }
}

async fn home(Extension(staff): Extension<Staff>) -> Redirect {
    Redirect::to(home_of(&staff.principal.role))
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
}

async fn set_lang(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    if let Some(id) = staff.principal.account
        && let Err(e) = hub.staff.set_lang(id, &f.lang)
    {
        return back_with(&headers, "/", Err(e.to_string()));
    }
    back_with(&headers, home_of(&staff.principal.role), Ok(String::new()))
}

/// The context of a page for this staff member.
pub fn ctx<'a>(hub: &Hub, staff: &'a Staff) -> Ctx<'a> {
    let lang = staff.principal.lang.as_str();
    let site = hub
        .queue
        .site_config()
        .name
        .get(&aula_protocol::Lang::new(lang).unwrap_or_else(|_| aula_protocol::Lang::fi()))
        .to_owned();
    Ctx { staff, lang, site, live_id: hub.live.last_id() }
}

/// A page, or only its `<main>` when the live script asks for a fragment.
pub fn respond(headers: &HeaderMap, page: Markup) -> Response {
    let _ = headers;
    Html(page.into_string()).into_response()
}

/// Redirects back to `to` after a form, with the outcome in the query (shown once).
pub fn back(to: &str, outcome: Result<String, String>) -> Response {
    let (key, text) = match outcome {
        Ok(done) if done.is_empty() => return Redirect::to(to).into_response(),
        Ok(done) => ("done", done),
        Err(e) => ("error", e),
    };
    let sep = if to.contains('?') { '&' } else { '?' };
    let q: String = serde_urlencoded::to_string([(key, text.as_str())]).unwrap_or_default();
    Redirect::to(&format!("{to}{sep}{q}")).into_response()
}

/// [`back`] to the page the form came from (its `Referer`, same site), else `fallback`.
pub fn back_with(headers: &HeaderMap, fallback: &str, outcome: Result<String, String>) -> Response {
    let referer = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .map(|path| path.split(['?']).next().unwrap_or("/").to_owned());
    back(referer.as_deref().unwrap_or(fallback), outcome)
}

/// The text of a failure for a notice (the message, not the JSON body).
pub fn message(f: Failure) -> String {
    f.1.message
}

/// The query every page reads: the outcome of the last form.
#[derive(Debug, Default, Deserialize)]
pub struct Outcome {
    pub error: Option<String>,
    pub done: Option<String>,
}

/// 403 as a page.
pub fn forbidden_page(f: Failure) -> Response {
    (StatusCode::FORBIDDEN, Html(format!("<!doctype html><p>{}</p>", maud::html! { (f.1.message) }.into_string())))
        .into_response()
}
