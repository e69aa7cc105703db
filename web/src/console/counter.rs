//! The counter view, for an authority's expert at a counter or service room (a desktop, used
//! with the keyboard): sign in to a counter, the ticket at the counter with its actions (call
//! next, call a chosen number, recall, start, finish, no-show), the waiting list of the
//! services served here (number, service, lane, appointment time, waited time, needs
//! flags), messages from the advisor, and a transfer to another service. Only the expert's
//! own authority's services and counters appear, and the actions check the same rule.

use std::sync::Arc;

use aula_engine::{BreakReason, Outcome as TicketOutcome, TicketRef, WaitingState, WaitingTicket};
use aula_hub::Hub;
use aula_hub::staff::Permission;
use aula_protocol::{CounterId, Lane, Lang, ServiceId, TicketNumber};
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
        .route("/counter/{id}/open", post(open))
        .route("/counter/{id}/ticket", post(ticket_act))
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
        @if let Some(l) = &w.interpreter { span.flag { (c.t("needs.interpreter")) " " (l.as_str()) } " " }
        @if w.accessibility { span.flag { (c.t("needs.accessibility")) } " " }
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

fn state_text(c: &Ctx<'_>, st: &WaitingState) -> String {
    match st {
        WaitingState::Waiting => c.t("state.waiting").into(),
        WaitingState::Called { counter, .. } => format!("{} → {counter}", c.t("state.called")),
        WaitingState::Serving { counter, .. } => format!("{} → {counter}", c.t("state.serving")),
        WaitingState::Parked { counter, .. } => format!("{} ({counter})", c.t("state.parked")),
        WaitingState::NoShow { .. } => c.t("state.no_show").into(),
    }
}

/// The waiting-list table (also used by the lobby view). `at` is the counter whose page
/// shows it: its no-shows get "return to the queue" and its parked tickets "resume".
pub fn waiting_table(
    hub: &Hub,
    c: &Ctx<'_>,
    list: &[WaitingTicket],
    show_service: bool,
    at: Option<&CounterId>,
) -> Markup {
    let now = hub.now();
    let tz = hub.queue.site_config().time_zone;
    html! {
        @if list.is_empty() { p.empty { (c.t("queue.empty")) } } @else {
            div.table-wrap { table.list {
                thead { tr {
                    th scope="col" { (c.t("col.number")) }
                    @if show_service { th scope="col" { (c.t("col.service")) } }
                    th scope="col" { (c.t("col.lane")) }
                    th scope="col" { (c.t("col.waited")) }
                    th scope="col" { (c.t("col.needs")) }
                    th scope="col" { (c.t("col.state")) }
                    @if at.is_some() { th scope="col" { "" } }
                } }
                tbody {
                    @for w in list {
                        tr {
                            td.number { (w.number.to_string()) }
                            @if show_service { td { (service_name(hub, c.lang, &w.service)) } }
                            td { (lane_name(c, w.lane))
                                @if let Some(b) = w.booked_at { " " (b.with_timezone(&tz).format("%H:%M")) }
                                @if let Some(r) = &w.reserved_for { " · " (c.t("col.counter")) " " (r) } }
                            td { (waited(c, w.queued_at, now)) }
                            td { (needs_flags(c, &w.needs)) }
                            td { (state_text(c, &w.state)) }
                            @if let Some(k) = at {
                                td {
                                    @match &w.state {
                                        WaitingState::NoShow { .. } => (ticket_button(c, k, &w.number, "return", c.t("act.return"))),
                                        WaitingState::Parked { counter, .. } if counter == k => (ticket_button(c, k, &w.number, "resume", c.t("act.resume"))),
                                        _ => "",
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

fn ticket_button(c: &Ctx<'_>, counter: &CounterId, number: &TicketNumber, what: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action={ "/counter/" (counter) "/ticket" } {
            (csrf(c))
            input type="hidden" name="number" value=(number.to_string());
            button type="submit" name="do" value=(what) { (label) }
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
    let mine = my_services(&hub, &staff, &counter);
    let view = match hub.queue.counter_view(&counter) {
        Ok(v) => v,
        Err(e) => return back("/counter", Err(e.to_string())),
    };
    let serving: Vec<ServiceId> = match &view.session {
        Some(s) => s.services.iter().filter(|x| mine.contains(x)).cloned().collect(),
        None => mine.clone(),
    };
    let list = hub.queue.waiting_list(&serving);
    let messages = hub.messages.for_counter(&counter).unwrap_or_default();
    let now = hub.now();
    let action = format!("/counter/{counter}/act");
    let body = html! {
        (notice(o.error.as_deref(), o.done.as_deref()))
        section id="session" data-region {
            @match &view.session {
                None => {
                    p { (c.t("counter.not_open")) }
                    form method="post" action={ "/counter/" (counter) "/open" } {
                        (csrf(&c))
                        fieldset { legend { (c.t("counter.serve")) }
                            @for s in &mine {
                                label.check { input type="checkbox" name="service" value=(s) checked; " " (service_name(&hub, c.lang, s)) }
                            }
                        }
                        button.primary type="submit" { (c.t("act.open")) }
                    }
                },
                Some(sess) => {
                    p { (c.t("counter.serving")) ": " strong { (sess.services.iter().map(|s| service_name(&hub, c.lang, s)).collect::<Vec<_>>().join(", ")) } }
                    @if let Some(b) = &view.on_break {
                        p.notice.done role="status" { (c.t("counter.on_break")) " (" (c.t(&format!("break.{}", break_key(b.reason)))) ", " (waited(&c, b.since, now)) ")" }
                    }
                    form.inline method="post" action=(action) {
                        (csrf(&c))
                        @if view.on_break.is_some() {
                            button type="submit" name="do" value="end-break" { (c.t("act.end_break")) }
                        } @else {
                            label for="reason" { (c.t("counter.break_reason")) }
                            select id="reason" name="reason" {
                                @for r in BreakReason::ALL { option value=(break_key(r)) { (c.t(&format!("break.{}", break_key(r)))) } }
                            }
                            button type="submit" name="do" value="break" { (c.t("act.break")) }
                        }
                        button type="submit" name="do" value="close" { (c.t("act.close")) }
                    }
                },
            }
        }
        section id="now" data-region {
            h2 { (c.t("counter.now")) }
            @match &view.current {
                None => p.big { (c.t("counter.idle")) },
                Some(t) => div.current {
                    span.number { (t.number.to_string()) }
                    span { (service_name(&hub, c.lang, &t.service)) }
                    span.state { (state_text(&c, &t.state)) }
                    @match &t.state {
                        WaitingState::Called { at, .. } | WaitingState::Serving { since: at, .. } => span { (waited(&c, *at, now)) },
                        _ => "",
                    }
                    (needs_flags(&c, &t.needs))
                },
            }
            form.actions method="post" action=(action) {
                (csrf(&c))
                button.primary type="submit" name="do" value="call-next" id="act-call-next" accesskey="n" { (c.t("act.call_next")) kbd { "N" } }
                button type="submit" name="do" value="recall" id="act-recall" accesskey="r" { (c.t("act.recall")) kbd { "R" } }
                button type="submit" name="do" value="start" id="act-start" accesskey="s" { (c.t("act.start")) kbd { "S" } }
                button type="submit" name="do" value="finish-done" id="act-finish" accesskey="f" { (c.t("act.finish")) kbd { "F" } }
                button type="submit" name="do" value="finish-pending" { (c.t("act.finish_pending")) }
                button type="submit" name="do" value="finish-elsewhere" { (c.t("act.finish_elsewhere")) }
                button type="submit" name="do" value="no-show" id="act-no-show" accesskey="x" { (c.t("act.no_show")) kbd { "X" } }
                button type="submit" name="do" value="park" id="act-park" { (c.t("act.park")) }
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
            h2 { (c.t("counter.waiting")) " (" (list.iter().filter(|w| matches!(w.state, WaitingState::Waiting)).count()) ")" }
            (waiting_table(&hub, &c, &list, serving.len() > 1, Some(&counter)))
        }
        section id="transfer" {
            h2 { (c.t("counter.transfer")) }
            form.inline method="post" action={ "/counter/" (counter) "/transfer" } {
                (csrf(&c))
                label for="t-number" { (c.t("col.number")) }
                input id="t-number" name="number" size="6" required;
                label for="t-to" { (c.t("counter.to")) }
                select id="t-to" name="to" {
                    optgroup label=(c.t("col.service")) {
                        @for s in &site.services { option value={ "service:" (s.id) } { (s.name.get(&lang)) } }
                    }
                    optgroup label=(c.t("col.counter")) {
                        @for k in &site.counters { option value={ "counter:" (k.id) } { (k.name.get(&lang)) } }
                    }
                }
                button type="submit" { (c.t("act.transfer")) }
            }
        }
    };
    Html(page(&c, &name, &["queue", "messages"], body).into_string()).into_response()
}

fn break_key(r: BreakReason) -> &'static str {
    match r {
        BreakReason::Lunch => "lunch",
        BreakReason::Short => "short",
        BreakReason::Meeting => "meeting",
        BreakReason::Other => "other",
    }
}

fn break_of(s: &str) -> Option<BreakReason> {
    BreakReason::ALL.into_iter().find(|r| break_key(*r) == s)
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(rename = "do")]
    what: String,
    number: Option<String>,
    reason: Option<String>,
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
        "finish-done" => {
            actions::finish_with(&hub, &staff, &counter, TicketOutcome::Done).map(|_| String::new()).map_err(message)
        }
        "finish-pending" => {
            actions::finish_with(&hub, &staff, &counter, TicketOutcome::Pending).map(|_| String::new()).map_err(message)
        }
        "finish-elsewhere" => actions::finish_with(&hub, &staff, &counter, TicketOutcome::Elsewhere)
            .map(|_| String::new())
            .map_err(message),
        "park" => actions::park(&hub, &staff, &counter).map(|_| String::new()).map_err(message),
        "break" => match f.reason.as_deref().and_then(break_of) {
            Some(r) => actions::start_break(&hub, &staff, &counter, r).map(|_| String::new()).map_err(message),
            None => Err("reason: expected lunch, short, meeting or other".into()),
        },
        "end-break" => actions::end_break(&hub, &staff, &counter).map(|_| String::new()).map_err(message),
        "close" => match actions::close_counter(&hub, &staff, &counter) {
            Ok(()) => {
                if let Credential::Session { secret, .. } = &staff.credential {
                    let _ = hub.staff.set_session_counter(secret, None);
                }
                return Redirect::to("/counter").into_response();
            }
            Err(e) => Err(message(e)),
        },
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
    /// `service:<id>` or `counter:<id>`.
    to: String,
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
        match f.to.split_once(':') {
            Some(("service", s)) => {
                let to = ServiceId::new(s).map_err(|e| e.to_string())?;
                actions::transfer(&hub, &staff, TicketRef::Number(number), &to)
                    .map(|t| format!("{} → {}", t.number, t.service))
                    .map_err(message)
            }
            Some(("counter", k)) => {
                let to = CounterId::new(k).map_err(|e| e.to_string())?;
                actions::transfer_to_counter(&hub, &staff, &number, &to)
                    .map(|_| format!("{number} → {to}"))
                    .map_err(message)
            }
            _ => Err(format!("to: expected service:<id> or counter:<id>, found {:?}", f.to)),
        }
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

async fn open(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let here = format!("/counter/{id}");
    let Some(counter) = counter_id(&id) else { return back("/counter", Err("unknown counter".into())) };
    // Repeated `service` fields (checkboxes).
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let services: Result<Vec<ServiceId>, String> = fields
        .iter()
        .filter(|(k, _)| k == "service")
        .map(|(_, v)| ServiceId::new(v.as_str()).map_err(|e| e.to_string()))
        .collect();
    let r = services
        .and_then(|s| actions::open_counter(&hub, &staff, &counter, &s).map(|_| String::new()).map_err(message));
    back(&here, r)
}

#[derive(Deserialize)]
struct TicketForm {
    #[serde(rename = "do")]
    what: String,
    number: String,
}

async fn ticket_act(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    Form(f): Form<TicketForm>,
) -> Response {
    let here = format!("/counter/{id}");
    let Some(counter) = counter_id(&id) else { return back("/counter", Err("unknown counter".into())) };
    let r = (|| {
        let number: TicketNumber = f.number.trim().parse()?;
        match f.what.as_str() {
            "return" => actions::return_no_show(&hub, &staff, &number).map(|_| format!("{number} ↩")).map_err(message),
            "resume" => actions::resume(&hub, &staff, &counter, &number).map(|_| String::new()).map_err(message),
            other => Err(format!("unknown action {other:?}")),
        }
    })();
    back(&here, r)
}
