//! The console's page shell: head (styles, the small live-update script), the top bar with
//! the signed-in staff member, their role, the language choice and sign-out, the navigation
//! their role may use, and a `<main>` with the page. Plus the small pieces every page uses:
//! the CSRF field of a form, a message box, waited time.

use aula_hub::staff::{Principal, Role};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::i18n::t;
use crate::auth::Staff;

/// What a page needs to know about who is looking.
pub struct Ctx<'a> {
    pub staff: &'a Staff,
    pub lang: &'a str,
    /// The site's name in the page language.
    pub site: String,
    /// The live feed's last event id when the page was made: the page's live script resumes
    /// from here, so nothing that happens between rendering and connecting is missed.
    pub live_id: u64,
}

impl Ctx<'_> {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    pub fn principal(&self) -> &Principal {
        &self.staff.principal
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(ctx: &Ctx<'_>) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.staff.csrf()); }
}

/// An error or notice from the last action (shown once, from the redirect's query).
pub fn notice(error: Option<&str>, done: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error { p.notice.error role="alert" { (e) } }
        @if let Some(d) = done { p.notice.done role="status" { (d) } }
    }
}

/// Minutes since `since`, as "12 min".
pub fn waited(ctx: &Ctx<'_>, since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} {}", (now - since).num_minutes().max(0), ctx.t("min"))
}

/// The pages a role may open, as (path, label key).
pub fn nav_items(role: &Role) -> Vec<(&'static str, &'static str)> {
    match role {
        Role::Counter { .. } => vec![("/counter", "nav.counter")],
        Role::Advisor => vec![("/lobby", "nav.lobby")],
        Role::Facility => vec![("/facility", "nav.facility")],
        Role::Coordinator { .. } => vec![("/reports", "nav.reports")],
        Role::Admin => vec![("/admin", "nav.admin"), ("/admin/audit", "nav.audit"), ("/reports", "nav.reports")],
    }
}

/// A whole page. `live` names the live-feed areas that refresh this page's regions.
pub fn page(ctx: &Ctx<'_>, title: &str, live: &[&str], body: Markup) -> Markup {
    let p = ctx.principal();
    html! {
        (DOCTYPE)
        html lang=(ctx.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · " (ctx.site) }
                link rel="stylesheet" href="/static/console.css";
                script src="/static/console.js" defer {}
                // Without JavaScript the page still works: it reloads itself.
                noscript { meta http-equiv="refresh" content="30"; }
            }
            body data-live=(live.join(" ")) data-live-id=(ctx.live_id) data-csrf=(ctx.staff.csrf()) {
                header.top {
                    span.site { (ctx.site) }
                    nav aria-label=(ctx.t("nav.label")) {
                        @for (href, key) in nav_items(&p.role) {
                            a href=(href) { (ctx.t(key)) }
                        }
                    }
                    span.who {
                        (p.actor) " · " (ctx.t(&format!("role.{}", p.role.name())))
                        @if let Some(a) = p.role.authority() { " (" (a) ")" }
                    }
                    form.inline method="post" action="/lang" {
                        (csrf(ctx))
                        label for="lang" class="sr" { (ctx.t("language")) }
                        select id="lang" name="lang" onchange="this.form.submit()" {
                            @for (code, name) in [("fi", "suomi"), ("sv", "svenska"), ("en", "English")] {
                                option value=(code) selected[code == ctx.lang] { (name) }
                            }
                        }
                        noscript { button type="submit" { (ctx.t("save")) } }
                    }
                    form.inline method="post" action="/logout" {
                        (csrf(ctx))
                        button type="submit" { (ctx.t("logout")) }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
                div id="live-status" role="status" aria-live="polite" class="sr" {}
            }
        }
    }
}

/// A page for someone not signed in (the login page).
pub fn bare(lang: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                link rel="stylesheet" href="/static/console.css";
            }
            body { main id="main" class="narrow" { (body) } }
        }
    }
}

/// Raw markup (an already-escaped snippet).
pub fn raw(s: &str) -> PreEscaped<String> {
    PreEscaped(s.to_owned())
}
