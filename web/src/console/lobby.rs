//! The lobby view, for the service advisor (works on a tablet): help requests from kiosks
//! and help buttons with where and for how long, "on my way" and "resolved" (an unanswered
//! request sounds an alarm on every open lobby view when it escalates); every queue (number,
//! service, lane, waited time, needs flags only); moving a ticket to the right authority's
//! queue and cancelling a pointless one; a note to a counter about a ticket; the walls'
//! announcement per language with a preview.

use std::sync::Arc;

use aula_engine::{Presence, TicketRef};
use aula_hub::Hub;
use aula_hub::help::Source;
use aula_hub::staff::Permission;
use aula_protocol::{CounterId, Lang, Localized, ServiceId, TicketNumber};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::html;
use serde::Deserialize;

use super::counter::waiting_table;
use super::layout::{csrf, notice, page, waited};
use super::{Outcome, back, ctx, forbidden_page, message};
use crate::actions;
use crate::auth::Staff;

const HERE: &str = "/lobby";

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/lobby", get(view))
        .route("/lobby/help/{id}/{step}", post(help_step))
        .route("/lobby/move", post(move_ticket))
        .route("/lobby/cancel", post(cancel))
        .route("/lobby/message", post(send_message))
        .route("/lobby/announcement", post(announce))
        .route("/lobby/presence", post(presence))
}

async fn view(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>, Query(o): Query<Outcome>) -> Response {
    if let Err(f) = staff.require(&hub, Permission::HandleHelp) {
        return forbidden_page(f);
    }
    let c = ctx(&hub, &staff);
    let lang = Lang::new(c.lang).unwrap_or_else(|_| Lang::fi());
    let site = hub.queue.site_config();
    let now = hub.now();
    let help = hub.help.open().unwrap_or_default();
    let services = staff.principal.visible_services(&site);
    let qs = hub.queue.queue_state();
    let today = hub.queue.site_today();
    let announcement = qs.announcement.clone().unwrap_or_default();
    let body = html! {
        (notice(o.error.as_deref(), o.done.as_deref()))
        section id="help" data-region {
            h2 { (c.t("lobby.help")) " (" (help.len()) ")" }
            @if help.is_empty() { p.empty { (c.t("lobby.no_help")) } }
            ul.help {
                @for h in &help {
                    li class={ "help" @if h.acked_at.is_none() { " unacked" } @if h.escalated_at.is_some() { " escalated" } } {
                        strong { (h.device.as_str()) }
                        " · " (match h.source { Source::Kiosk => c.t("help.kiosk"), Source::Button => c.t("help.button") })
                        " · " (waited(&c, h.raised_at, now))
                        @if let Some(by) = &h.acked_by { " · " (c.t("help.acked_by")) " " (by) }
                        @if !h.promised { " · " span.hint { (c.t("help.not_promised")) } }
                        form.inline method="post" action={ "/lobby/help/" (h.id) "/ack" } {
                            (csrf(&c))
                            button type="submit" disabled[h.acked_at.is_some()] { (c.t("help.ack")) }
                        }
                        form.inline method="post" action={ "/lobby/help/" (h.id) "/resolve" } {
                            (csrf(&c))
                            button type="submit" { (c.t("help.resolve")) }
                        }
                    }
                }
            }
        }
        section id="queues" data-region {
            h2 { (c.t("lobby.queues")) }
            @for sv in qs.services.iter().filter(|s| services.contains(&s.id) && s.open_today) {
                details open[sv.waiting > 0] {
                    summary { strong { (sv.name.get(&lang)) } " (" (sv.prefix) ") · " (c.t("lobby.waiting")) " " (sv.waiting)
                        @if !sv.open_now { " · " (c.t("lobby.closed_now")) } }
                    (waiting_table(&hub, &c, &hub.queue.waiting_list(std::slice::from_ref(&sv.id)), false, None))
                }
            }
        }
        section id="presence" data-region {
            h2 { (c.t("lobby.presence")) }
            div.table-wrap { table.list {
                thead { tr { th scope="col" { (c.t("col.service")) } th scope="col" { (c.t("lobby.today")) } th scope="col" { (c.t("lobby.change")) } } }
                tbody { @for sv in &qs.services {
                    @let p = hub.queue.presence(&sv.id, today);
                    tr {
                        th scope="row" { (sv.name.get(&lang)) }
                        td { @if !sv.open_today { (c.t("lobby.absent")) } @else {
                            (sv.hours_today.iter().map(|sp| format!("{}–{}", sp.open.format("%H:%M"), sp.close.format("%H:%M"))).collect::<Vec<_>>().join(", "))
                        }
                        @if p != Presence::AsPlanned { " · " em { (c.t("lobby.changed")) } } }
                        td {
                            form.inline method="post" action="/lobby/presence" {
                                (csrf(&c))
                                input type="hidden" name="service" value=(sv.id);
                                label for={ "p-" (sv.id) } class="sr" { (c.t("lobby.change")) }
                                select id={ "p-" (sv.id) } name="presence" {
                                    option value="planned" { (c.t("lobby.as_planned")) }
                                    option value="absent" { (c.t("lobby.absent")) }
                                    option value="hours" { (c.t("lobby.hours")) }
                                }
                                label for={ "h-" (sv.id) } class="sr" { (c.t("lobby.hours")) }
                                input id={ "h-" (sv.id) } name="hours" size="11" placeholder="09:00-12:00";
                                button type="submit" { (c.t("save")) }
                            }
                        }
                    }
                } }
            } }
        }
        section id="tools" {
            h2 { (c.t("lobby.move")) }
            form.inline method="post" action="/lobby/move" {
                (csrf(&c))
                label for="m-number" { (c.t("col.number")) }
                input id="m-number" name="number" size="6" required;
                label for="m-service" { (c.t("lobby.to_service")) }
                select id="m-service" name="service" {
                    @for s in &site.services { option value=(s.id) { (s.name.get(&lang)) } }
                }
                button type="submit" { (c.t("act.transfer")) }
            }
            h2 { (c.t("lobby.cancel")) }
            form.inline method="post" action="/lobby/cancel" {
                (csrf(&c))
                label for="c-number" { (c.t("col.number")) }
                input id="c-number" name="number" size="6" required;
                button type="submit" { (c.t("act.cancel")) }
            }
            h2 { (c.t("lobby.message")) }
            form method="post" action="/lobby/message" {
                (csrf(&c))
                label for="g-counter" { (c.t("col.counter")) }
                select id="g-counter" name="counter" {
                    @for k in &site.counters { option value=(k.id) { (k.name.get(&lang)) } }
                }
                label for="g-number" { (c.t("col.number")) }
                input id="g-number" name="number" size="6";
                label for="g-text" { (c.t("lobby.message_text")) }
                input id="g-text" name="text" maxlength=(aula_hub::messages::MAX_TEXT) required;
                p.hint { (c.t("lobby.no_names")) }
                button type="submit" { (c.t("act.send")) }
            }
            h2 { (c.t("lobby.announcement")) }
            div.preview aria-label=(c.t("lobby.preview")) {
                @if let Some(a) = &qs.announcement { p.wall { (a.get(&lang)) } } @else { p.empty { (c.t("lobby.no_announcement")) } }
            }
            form method="post" action="/lobby/announcement" {
                (csrf(&c))
                @for (code, name) in [("fi", "suomi"), ("sv", "svenska"), ("en", "English")] {
                    label for={ "a-" (code) } { (name) }
                    textarea id={ "a-" (code) } name=(code) rows="2" maxlength=(actions::MAX_ANNOUNCEMENT) {
                        (Lang::new(code).ok().and_then(|l| announcement.0.get(&l).cloned()).unwrap_or_default())
                    }
                }
                p.hint { (c.t("lobby.announcement_hint")) }
                button type="submit" { (c.t("save")) }
            }
        }
    };
    Html(page(&c, c.t("nav.lobby"), &["queue", "help", "help_escalated", "lobby"], body).into_string()).into_response()
}

async fn help_step(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path((id, step)): Path<(String, String)>,
) -> Response {
    if let Err(f) = staff.require(&hub, Permission::HandleHelp) {
        return back(HERE, Err(message(f)));
    }
    let now = hub.now();
    let who = staff.principal.actor.clone();
    let r = match step.as_str() {
        "ack" => hub.help.acknowledge(&id, &who, now),
        "resolve" => hub.help.resolve(&id, &who, now),
        other => return back(HERE, Err(format!("unknown step {other:?}"))),
    };
    match r {
        Ok(h) => {
            staff.audit(&hub, &format!("help_{step}"), h.device.as_str(), "");
            back(HERE, Ok(String::new()))
        }
        Err(e) => back(HERE, Err(e.to_string())),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    number: String,
    service: String,
}

async fn move_ticket(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<MoveForm>,
) -> Response {
    let r = (|| {
        let number: TicketNumber = f.number.trim().parse()?;
        let to = ServiceId::new(f.service.trim()).map_err(|e| e.to_string())?;
        actions::transfer(&hub, &staff, TicketRef::Number(number), &to)
            .map(|t| format!("{} → {}", t.number, t.service))
            .map_err(message)
    })();
    back(HERE, r)
}

#[derive(Deserialize)]
struct NumberForm {
    number: String,
}

async fn cancel(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<NumberForm>,
) -> Response {
    let r = (|| {
        let number: TicketNumber = f.number.trim().parse()?;
        actions::cancel(&hub, &staff, TicketRef::Number(number.clone())).map(|_| format!("{number} ✕")).map_err(message)
    })();
    back(HERE, r)
}

#[derive(Deserialize)]
struct MessageForm {
    counter: String,
    number: Option<String>,
    text: String,
}

async fn send_message(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<MessageForm>,
) -> Response {
    if let Err(e) = staff.require(&hub, Permission::MessageCounters) {
        return back(HERE, Err(message(e)));
    }
    let r = (|| {
        let counter = CounterId::new(f.counter.trim()).map_err(|e| e.to_string())?;
        let number = match f.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(n.parse::<TicketNumber>()?),
            None => None,
        };
        let m = hub
            .messages
            .send(&staff.principal.actor, &counter, number.as_ref(), &f.text, hub.now())
            .map_err(|e| e.to_string())?;
        staff.audit(&hub, "message_counter", counter.as_str(), &number.map(|n| n.to_string()).unwrap_or_default());
        Ok(format!("→ {}", m.counter))
    })();
    back(HERE, r)
}

#[derive(Deserialize)]
struct AnnouncementForm {
    fi: String,
    sv: String,
    en: String,
}

async fn announce(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<AnnouncementForm>,
) -> Response {
    let text = Localized::from_pairs(&[("fi", f.fi.trim()), ("sv", f.sv.trim()), ("en", f.en.trim())]);
    back(HERE, actions::announce(&hub, &staff, text).map(|_| String::new()).map_err(message))
}

#[derive(Deserialize)]
struct PresenceForm {
    service: String,
    presence: String,
    hours: Option<String>,
}

async fn presence(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<PresenceForm>,
) -> Response {
    let r = (|| {
        let service = ServiceId::new(f.service.trim()).map_err(|e| e.to_string())?;
        let p = match f.presence.as_str() {
            "planned" => Presence::AsPlanned,
            "absent" => Presence::Absent,
            "hours" => {
                let text = f.hours.as_deref().unwrap_or("");
                let spans: Option<Vec<_>> = text.split(',').map(|s| aula_engine::hours::parse_span(s.trim())).collect();
                match spans {
                    Some(s) if !s.is_empty() => Presence::Hours(s),
                    _ => return Err(format!("hours: expected spans like 09:00-12:00, 13:00-15:00, found {text:?}")),
                }
            }
            other => return Err(format!("presence: expected planned, absent or hours, found {other:?}")),
        };
        actions::set_presence(&hub, &staff, &service, p).map(|_| String::new()).map_err(message)
    })();
    back(HERE, r)
}
