//! The counter view, for an authority's expert at a counter or service room (a desktop, used
//! with the keyboard): sign in to a counter, the ticket at the counter with its actions (call
//! next, call a chosen number, recall, start, finish, no-show), the waiting list of the
//! services served here (number, service, lane, appointment time, waited time, needs
//! flags), messages from the advisor, and a transfer to another service. Only the expert's
//! own authority's services and counters appear, and the actions check the same rule.

use std::sync::Arc;

use aula_engine::TicketRef;
use aula_hub::Hub;
use aula_hub::queue::views::Waiting;
use aula_hub::staff::Permission;
use aula_protocol::{CounterId, Lane, Lang, ServiceId, TicketNumber, TicketState};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Ctx, csrf, notice, page, waited};
use super::{Outcome, back, ctx, forbidden_page, message};
use crate::actions::{self, Step};
use crate::auth::{Credential, Staff};

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/counter", get(choose))
        .route("/counter/{id}", get(view))
        .route("/counter/{id}/sign-in", post(sign_in))
        .route("/counter/{id}/act", post(act))
        .route("/counter/{id}/transfer", post(transfer))
        .route("/counter/{id}/dismiss", post(dismiss))
}

fn counter_id(id: &str) -> Option<CounterId> {
    CounterId::new(id).ok()
}

/// The services served at this counter that this expert serves.
fn my_services(hub: &Hub, staff: &Staff, counter: &CounterId) -> Vec<ServiceId> {
    let site = hub.queue.site_config();
    hub.queue
        .counter_services(counter)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| staff.principal.may(&site, Permission::ServeService(s)))
        .collect()
}

fn service_name(hub: &Hub, lang: &str, s: &ServiceId) -> String {
    let site = hub.queue.site_config();
    let l = Lang::new(lang).unwrap_or_else(|_| Lang::fi());
    site.service(s).map(|c| c.name.get(&l).to_owned()).unwrap_or_else(|| s.to_string())
}

async fn choose(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>) -> Response {
    if let Some(c) = staff.counter() {
        return Redirect::to(&format!("/counter/{c}")).into_response();
    }
    let site = hub.queue.site_config();
    let counters = staff.principal.usable_counters(&site);
    let c = ctx(&hub, &staff);
    let lang = Lang::new(c.lang).unwrap_or_else(|_| Lang::fi());
    let body = html! {
        @if counters.is_empty() { p { (c.t("counter.none")) } }
        ul.cards {
            @for id in &counters {
                @let cfg = site.counter(id);
                li {
                    form method="post" action={ "/counter/" (id) "/sign-in" } {
                        (csrf(&c))
                        button type="submit" class="big" {
                            (cfg.map(|k| k.name.get(&lang).to_owned()).unwrap_or_else(|| id.to_string()))
                        }
                        span.hint { (my_services(&hub, &staff, id).iter().map(|s| service_name(&hub, c.lang, s)).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
    };
    Html(page(&c, c.t("counter.choose"), &[], body).into_string()).into_response()
}

async fn sign_in(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>, Path(id): Path<String>) -> Response {
    let Some(counter) = counter_id(&id) else { return back("/counter", Err("unknown counter".into())) };
    if let Err(f) = staff.require(&hub, Permission::UseCounter(&counter)) {
        return forbidden_page(f);
    }
    if let Credential::Session { secret, .. } = &staff.credential {
        let _ = hub.staff.set_session_counter(secret, Some(counter.as_str()));
    }
    staff.audit(&hub, "counter_sign_in", counter.as_str(), "");
    Redirect::to(&format!("/counter/{counter}")).into_response()
}

fn needs_flags(c: &Ctx<'_>, w: &aula_protocol::Needs) -> Markup {
    html! {
        @if let Some(l) = &w.interpreter { span.flag title=(c.t("needs.interpreter")) { "🗣 " (l.as_str()) } " " }
        @if w.accessibility { span.flag title=(c.t("needs.accessibility")) { "♿" } " " }
        @if w.reading_help { span.flag title=(c.t("needs.reading")) { (c.t("needs.reading")) } }
    }
}

fn lane_name(c: &Ctx<'_>, l: Lane) -> &'static str {
    match l {
        Lane::WalkIn => c.t("lane.walk_in"),
        Lane::Appointment => c.t("lane.appointment"),
        Lane::Priority => c.t("lane.priority"),
    }
}

/// The waiting-list table (also used by the lobby view).
pub fn waiting_table(hub: &Hub, c: &Ctx<'_>, list: &[Waiting], show_service: bool) -> Markup {
    let now = hub.now();
    let tz = hub.queue.site_config().time_zone;
    html! {
        @if list.is_empty() { p.empty { (c.t("queue.empty")) } } @else {
            table.list {
                thead { tr {
                    th scope="col" { (c.t("col.number")) }
                    @if show_service { th scope="col" { (c.t("col.service")) } }
                    th scope="col" { (c.t("col.lane")) }
                    th scope="col" { (c.t("col.waited")) }
                    th scope="col" { (c.t("col.needs")) }
                } }
                tbody {
                    @for w in list {
                        tr {
                            td.number { (w.number.to_string()) }
                            @if show_service { td { (service_name(hub, c.lang, &w.service)) } }
                            td { (lane_name(c, w.lane))
                                @if let Some(b) = w.booked_at { " " (b.with_timezone(&tz).format("%H:%M")) } }
                            td { (waited(c, w.queued_at, now)) }
                            td { (needs_flags(c, &w.needs)) }
                        }
                    }
                }
            }
        }
    }
}

async fn view(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Query(o): Query<Outcome>,
) -> Response {
    let Some(counter) = counter_id(&id) else { return Redirect::to("/counter").into_response() };
    if let Err(f) = staff.require(&hub, Permission::UseCounter(&counter)) {
        return forbidden_page(f);
    }
    let c = ctx(&hub, &staff);
    let lang = Lang::new(c.lang).unwrap_or_else(|_| Lang::fi());
    let site = hub.queue.site_config();
    let name = site.counter(&counter).map(|k| k.name.get(&lang).to_owned()).unwrap_or_else(|| counter.to_string());
    let services = my_services(&hub, &staff, &counter);
    let list = hub.queue.waiting(&services);
    let current = hub.queue.current(&counter);
    let messages = hub.messages.for_counter(&counter).unwrap_or_default();
    let now = hub.now();
    let action = format!("/counter/{counter}/act");
    let all_services: Vec<&aula_engine::ServiceConfig> = site.services.iter().collect();
    let body = html! {
        (notice(o.error.as_deref(), o.done.as_deref()))
        section id="now" data-region {
            h2 { (c.t("counter.now")) }
            @match &current {
                None => p.big { (c.t("counter.idle")) },
                Some(t) => div.current {
                    span.number { (t.number.to_string()) }
                    span { (service_name(&hub, c.lang, &t.service)) }
                    span.state { @match t.state {
                        TicketState::Called => (c.t("state.called")),
                        TicketState::Serving => (c.t("state.serving")),
                        _ => "",
                    } }
                    @if let Some(s) = t.since { span { (waited(&c, s, now)) } }
                    (needs_flags(&c, &t.needs))
                },
            }
            form.actions method="post" action=(action) {
                (csrf(&c))
                button.primary type="submit" name="do" value="call-next" id="act-call-next" accesskey="n" { (c.t("act.call_next")) kbd { "N" } }
                button type="submit" name="do" value="recall" id="act-recall" accesskey="r" { (c.t("act.recall")) kbd { "R" } }
                button type="submit" name="do" value="start" id="act-start" accesskey="s" { (c.t("act.start")) kbd { "S" } }
                button type="submit" name="do" value="finish" id="act-finish" accesskey="f" { (c.t("act.finish")) kbd { "F" } }
                button type="submit" name="do" value="no-show" id="act-no-show" accesskey="x" { (c.t("act.no_show")) kbd { "X" } }
            }
            form.inline method="post" action=(action) {
                (csrf(&c))
                input type="hidden" name="do" value="call";
                label for="call-number" { (c.t("act.call_number")) }
                input id="call-number" name="number" size="6" placeholder="V031" required;
                button type="submit" { (c.t("act.call")) }
            }
        }
        section id="messages" data-region {
            @if !messages.is_empty() {
                h2 { (c.t("counter.messages")) }
                ul.messages {
                    @for m in &messages {
                        li role="alert" {
                            strong { (m.ticket.as_ref().map(|t| t.to_string()).unwrap_or_default()) } " " (m.text)
                            " " span.hint { "— " (m.sender) ", " (waited(&c, m.at, now)) }
                            form.inline method="post" action={ "/counter/" (counter) "/dismiss" } {
                                (csrf(&c))
                                input type="hidden" name="id" value=(m.id);
                                button type="submit" { (c.t("act.dismiss")) }
                            }
                        }
                    }
                }
            }
        }
        section id="waiting" data-region {
            h2 { (c.t("counter.waiting")) " (" (list.len()) ")" }
            (waiting_table(&hub, &c, &list, services.len() > 1))
        }
        section id="transfer" {
            h2 { (c.t("counter.transfer")) }
            form.inline method="post" action={ "/counter/" (counter) "/transfer" } {
                (csrf(&c))
                label for="t-number" { (c.t("col.number")) }
                input id="t-number" name="number" size="6" required;
                label for="t-service" { (c.t("col.service")) }
                select id="t-service" name="service" {
                    @for s in &all_services { option value=(s.id) { (s.name.get(&lang)) } }
                }
                button type="submit" { (c.t("act.transfer")) }
            }
        }
    };
    Html(page(&c, &format!("{} · {name}", c.t("nav.counter")), &["queue", "messages"], body).into_string())
        .into_response()
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(rename = "do")]
    what: String,
    number: Option<String>,
}

async fn act(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    let here = format!("/counter/{id}");
    let Some(counter) = counter_id(&id) else { return back("/counter", Err("unknown counter".into())) };
    let c = ctx(&hub, &staff);
    let r: Result<String, String> = match f.what.as_str() {
        "call-next" => actions::call_next(&hub, &staff, &counter, &[])
            .map(|ev| format!("{} {}", c.t("done.called"), ev.number))
            .map_err(message),
        "call" => match f.number.as_deref().map(str::trim).unwrap_or("").parse::<TicketNumber>() {
            Ok(n) => actions::call_number(&hub, &staff, &counter, &n)
                .map(|ev| format!("{} {}", c.t("done.called"), ev.number))
                .map_err(message),
            Err(e) => Err(e),
        },
        "recall" => actions::recall(&hub, &staff, &counter).map(|_| String::new()).map_err(message),
        "start" => actions::counter_step(&hub, &staff, &counter, Step::Start).map(|_| String::new()).map_err(message),
        "finish" => actions::counter_step(&hub, &staff, &counter, Step::Finish).map(|_| String::new()).map_err(message),
        "no-show" => {
            actions::counter_step(&hub, &staff, &counter, Step::NoShow).map(|_| String::new()).map_err(message)
        }
        other => Err(format!("unknown action {other:?}")),
    };
    back(&here, r)
}

#[derive(Deserialize)]
struct TransferForm {
    number: String,
    service: String,
}

async fn transfer(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Form(f): Form<TransferForm>,
) -> Response {
    let here = format!("/counter/{id}");
    let r = (|| {
        let number: TicketNumber = f.number.trim().parse()?;
        let to = ServiceId::new(f.service.trim()).map_err(|e| e.to_string())?;
        actions::transfer(&hub, &staff, TicketRef::Number(number), &to)
            .map(|t| format!("{} → {}", t.number, t.service))
            .map_err(message)
    })();
    back(&here, r)
}

#[derive(Deserialize)]
struct DismissForm {
    id: i64,
}

async fn dismiss(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<DismissForm>,
) -> Response {
    let _ = headers;
    let here = format!("/counter/{id}");
    let Some(counter) = counter_id(&id) else { return back("/counter", Err("unknown counter".into())) };
    if let Err(e) = staff.require(&hub, Permission::UseCounter(&counter)) {
        return back(&here, Err(message(e)));
    }
    back(&here, hub.messages.dismiss(&counter, f.id, hub.now()).map(|_| String::new()).map_err(|e| e.to_string()))
}
