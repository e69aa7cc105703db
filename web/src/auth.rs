//! Who is calling, for every staff route, in one place: [`authenticate`] is the middleware
//! over the whole staff router. A request carries either an API token
//! (`Authorization: Bearer aula_t_…`, for the CLI and integrations) or the console's session
//! cookie. Without either, API paths answer 401 and pages redirect to the login page.
//!
//! CSRF: every state-changing request made with the session cookie must carry the session's
//! CSRF token, either in the `x-csrf-token` header (the console's script) or as the `csrf`
//! field of a form; and if the browser sends an `Origin`, it must be this host. The cookie is
//! also `SameSite=Strict`, so a cross-site form never carries it; the token is the second
//! lock. Token requests need no CSRF token: a browser never adds an `Authorization` header by
//! itself.

use std::sync::Arc;

use aula_hub::Hub;
use aula_hub::staff::{Permission, Principal};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::{Failure, fail};

/// The session cookie's name.
pub const COOKIE: &str = "aula_session";
/// Largest form body read for its CSRF field (console forms are small).
const MAX_FORM: usize = 64 * 1024;

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The console's session cookie; with its CSRF token and the counter signed in to.
    Session {
        secret: String,
        csrf: String,
        counter: Option<String>,
    },
    Token,
}

/// The authenticated caller, put into the request's extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Staff {
    pub principal: Principal,
    pub credential: Credential,
}

impl Staff {
    /// Refuses with 403 unless the role allows `p`.
    pub fn require(&self, hub: &Hub, p: Permission<'_>) -> Result<(), Failure> {
        let site = hub.queue.site_config();
        if self.principal.may(&site, p) { Ok(()) } else { Err(forbidden(&self.principal, p)) }
    }

    /// The CSRF token to put into forms (empty for token callers).
    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf, .. } => csrf,
            Credential::Token => "",
        }
    }

    pub fn counter(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { counter, .. } => counter.as_deref(),
            Credential::Token => None,
        }
    }

    /// Writes an audit entry for a staff action.
    pub fn audit(&self, hub: &Hub, action: &str, subject: &str, detail: &str) {
        hub.staff.audit(&self.principal, action, subject, detail, hub.now());
    }
}

/// 403 naming what the role cannot do.
pub fn forbidden(who: &Principal, p: Permission<'_>) -> Failure {
    fail(StatusCode::FORBIDDEN, "forbidden", format!("{} ({}) may not {}", who.actor, who.role.name(), what(p)))
}

fn what(p: Permission<'_>) -> String {
    match p {
        Permission::SeeQueue(s) => format!("see the queue of {s}"),
        Permission::ServeService(s) => format!("serve {s}'s tickets"),
        Permission::UseCounter(c) => format!("use counter {c}"),
        Permission::MoveTickets => "move or cancel tickets".into(),
        Permission::HandleHelp => "handle help requests".into(),
        Permission::MessageCounters => "message counters".into(),
        Permission::RunLobby => "change announcements or today's presence".into(),
        Permission::SeeDevices => "see devices and alerts".into(),
        Permission::CommandDevices => "send device commands".into(),
        Permission::DropBox => "use the drop-box ledger".into(),
        Permission::SeeReports(Some(a)) => format!("see {a}'s reports"),
        Permission::SeeReports(None) => "see the whole site's reports".into(),
        Permission::ManageStaff => "manage staff accounts and tokens".into(),
        Permission::SeeAudit => "read the audit log".into(),
    }
}

/// A cookie's value from the `Cookie` header.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// Paths answered as JSON (401) rather than redirected to the login page.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics"
}

fn unauthenticated(path: &str, query: Option<&str>) -> Response {
    if is_api(path) {
        fail(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in or send Authorization: Bearer <token>")
            .into_response()
    } else {
        let next = match query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        };
        Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response()
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The origin check: an `Origin` header, if sent, must name this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

fn csrf_refused() -> Response {
    fail(StatusCode::FORBIDDEN, "csrf", "cross-site request refused: reload the page and try again").into_response()
}

/// The middleware over every staff route.
pub async fn authenticate(State(hub): State<Arc<Hub>>, req: Request, next: Next) -> Response {
    let now = hub.now();
    let headers = req.headers().clone();
    let staff = if let Some(t) = bearer(&headers) {
        hub.staff.token(t, now).map(|principal| Staff { principal, credential: Credential::Token })
    } else if let Some(secret) = cookie(&headers, COOKIE) {
        hub.staff.session(&secret, now).map(|s| Staff {
            principal: s.principal,
            credential: Credential::Session { secret, csrf: s.csrf, counter: s.counter },
        })
    } else {
        None
    };
    let Some(staff) = staff else {
        return unauthenticated(req.uri().path(), req.uri().query());
    };
    let mut req = req;
    if let Credential::Session { csrf, .. } = &staff.credential
        && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
    {
        if !same_origin(&headers) {
            return csrf_refused();
        }
        let header_ok = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| aula_hub::staff::secret::same(v, csrf));
        if !header_ok {
            let is_form = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return csrf_refused();
            }
            let (parts, body) = req.into_parts();
            let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
                return fail(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "form too large").into_response();
            };
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
            let form_ok = fields.iter().any(|(k, v)| k == "csrf" && aula_hub::staff::secret::same(v, csrf));
            if !form_ok {
                return csrf_refused();
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    }
    req.extensions_mut().insert(staff);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_origins_and_bearer_tokens_are_read_as_sent() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; aula_session=aula_s_x; b=2".parse().unwrap());
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("aula_s_x"));
        assert_eq!(cookie(&h, "c"), None);
        h.insert(header::HOST, "hub.lan:8080".parse().unwrap());
        assert!(same_origin(&h), "no Origin header: same-site navigation");
        h.insert(header::ORIGIN, "http://hub.lan:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        h.insert(header::AUTHORIZATION, "Bearer aula_t_abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("aula_t_abc"));
        assert_eq!(urlencode("/counter?x=1 2"), "/counter%3Fx%3D1%202");
    }
}
