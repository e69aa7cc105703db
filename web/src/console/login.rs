//! Signing in and out. The password is checked off the async worker threads (Argon2id takes
//! tens of milliseconds); a refusal is answered after the back-off delay; the session cookie
//! is HttpOnly, SameSite=Strict, and Secure when the console is served over TLS.

use std::sync::Arc;

use aula_hub::Hub;
use aula_hub::staff::LoginRefused;
use axum::Extension;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::i18n::t;
use super::layout::bare;
use crate::auth::{COOKIE, Credential, Staff};
use crate::lang::pick_lang;

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    pub next: Option<String>,
    pub error: Option<String>,
    pub lang: Option<String>,
}

/// Only a local path may be the target after signing in (no open redirect).
fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

fn form(lang: &str, next: Option<&str>, error: Option<&str>) -> String {
    let title = t(lang, "login.title");
    bare(
        lang,
        title,
        html! {
            h1 { (title) }
            @if let Some(e) = error { p.notice.error role="alert" { (e) } }
            form method="post" action="/login" {
                @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                input type="hidden" name="lang" value=(lang);
                label for="username" { (t(lang, "login.username")) }
                input id="username" name="username" autocomplete="username" required autofocus;
                label for="password" { (t(lang, "login.password")) }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button type="submit" class="primary" { (t(lang, "login.submit")) }
            }
            p.langs {
                @for (code, name) in [("fi", "suomi"), ("sv", "svenska"), ("en", "English")] {
                    a href={ "/login?lang=" (code) } lang=(code) { (name) } " "
                }
            }
        },
    )
    .into_string()
}

pub async fn page(Query(q): Query<LoginQuery>, headers: HeaderMap) -> Response {
    let lang = pick_lang(q.lang.as_deref(), headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    Html(form(lang.as_str(), safe_next(q.next.as_deref()), q.error.as_deref())).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    lang: Option<String>,
}

/// Whether cookies must be marked Secure: the staff listener serves TLS (set by the
/// composition root when it does).
pub static SECURE_COOKIES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn cookie_header(value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if SECURE_COOKIES.load(std::sync::atomic::Ordering::Relaxed) { "; Secure" } else { "" };
    let age = max_age.map(|a| format!("; Max-Age={a}")).unwrap_or_default();
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"))
        .expect("a cookie of base64url characters is a valid header")
}

pub async fn submit(State(hub): State<Arc<Hub>>, Form(f): Form<LoginForm>) -> Response {
    let lang = pick_lang(f.lang.as_deref(), None);
    let lang = lang.as_str().to_owned();
    let now = hub.now();
    let (username, password) = (f.username.trim().to_owned(), f.password);
    let h = hub.clone();
    let result = tokio::task::spawn_blocking(move || h.staff.login(&username, &password, now))
        .await
        .unwrap_or(Err(LoginRefused::Invalid { delay: std::time::Duration::ZERO }));
    let next = safe_next(f.next.as_deref()).map(str::to_owned);
    match result {
        Ok(session) => {
            let home = next.unwrap_or_else(|| super::home_of(&session.principal.role).to_owned());
            let mut r = Redirect::to(&home).into_response();
            r.headers_mut().insert(header::SET_COOKIE, cookie_header(&session.secret, None));
            r
        }
        Err(refused) => {
            let message = match refused {
                LoginRefused::Invalid { delay } => {
                    tokio::time::sleep(delay).await;
                    t(&lang, "login.invalid").to_owned()
                }
                LoginRefused::Locked { until } => {
                    let minutes = (until - now).num_minutes().max(1);
                    format!("{} {minutes} {}", t(&lang, "login.locked"), t(&lang, "min"))
                }
                LoginRefused::Disabled => t(&lang, "login.disabled").to_owned(),
            };
            (StatusCode::UNAUTHORIZED, Html(form(&lang, next.as_deref(), Some(&message)))).into_response()
        }
    }
}

pub async fn logout(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>) -> Response {
    if let Credential::Session { secret, .. } = &staff.credential {
        let _ = hub.staff.logout(secret);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, cookie_header("", Some(0)));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(safe_next(Some("/counter/3")), Some("/counter/3"));
        assert_eq!(safe_next(Some("//evil.example/")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(Some("/\\evil")), None);
    }
}
