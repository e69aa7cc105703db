//! The facility view, for the facility host (works on a phone): every device with online /
//! offline, last seen, health, printer and paper state and version; its last command result;
//! commands to a device; the alerts, active and recent; and the drop box: today's ledger and
//! "emptied" with a desk label. No queue or feedback data.

use std::sync::Arc;

use aula_hub::Hub;
use aula_hub::devices::DeviceView;
use aula_hub::staff::Permission;
use aula_protocol::{BoxId, Command, DeviceEvent, DeviceId, Lang, PrinterState, SurveyId};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Ctx, csrf, notice, page, waited};
use super::{Outcome, back, ctx, forbidden_page, message};
use crate::actions;
use crate::auth::Staff;

const HERE: &str = "/facility";

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/facility", get(view))
        .route("/facility/command", post(command))
        .route("/facility/emptied", post(emptied))
}

fn printer(c: &Ctx<'_>, p: &PrinterState) -> &'static str {
    match p {
        PrinterState::Ready => c.t("printer.ready"),
        PrinterState::PaperLow => c.t("printer.paper_low"),
        PrinterState::PaperOut => c.t("printer.paper_out"),
        PrinterState::CoverOpen => c.t("printer.cover_open"),
        PrinterState::Offline => c.t("printer.offline"),
        PrinterState::CutterError => c.t("printer.cutter"),
    }
}

fn device_row(hub: &Hub, c: &Ctx<'_>, d: &DeviceView) -> Markup {
    let now = hub.now();
    let state = match d.online() {
        Some(true) => ("online", c.t("device.online")),
        Some(false) => ("offline", c.t("device.offline")),
        None => ("unknown", c.t("device.unknown")),
    };
    let result = match &d.last_event {
        Some(DeviceEvent::CommandResult { command, ok, detail }) => {
            Some(format!("{command}: {} {detail}", if *ok { "✓" } else { "✗" }))
        }
        _ => None,
    };
    html! {
        tr {
            th scope="row" { (d.id.as_str()) }
            td class={ "state " (state.0) } { (state.1) }
            td { @if let Some(t) = d.last_seen { (waited(c, t, now)) } }
            td { @if let Some(h) = &d.health {
                (h.version)
                @if let Some(p) = &h.printer { " · " (printer(c, p)) }
                @if let Some(f) = h.disk_free_bytes { " · " (f / 1_000_000) " MB" }
                @if h.outbox_pending > 0 { " · " (c.t("device.outbox")) " " (h.outbox_pending) }
            } }
            td { @if let Some(r) = result { (r) } }
        }
    }
}

async fn view(State(hub): State<Arc<Hub>>, Extension(staff): Extension<Staff>, Query(o): Query<Outcome>) -> Response {
    if let Err(f) = staff.require(&hub, Permission::SeeDevices) {
        return forbidden_page(f);
    }
    let c = ctx(&hub, &staff);
    let lang = Lang::new(c.lang).unwrap_or_else(|_| Lang::fi());
    let devices = hub.devices.list().unwrap_or_default();
    let alerts = hub.facility.alerts().ok();
    let boxes: Vec<BoxId> = hub.facility.config.boxes.iter().map(|b| b.id.clone()).collect();
    let today = hub.queue.site_today();
    let tz = hub.queue.site_config().time_zone;
    let surveys: Vec<SurveyId> = hub.feedback.surveys().iter().map(|s| s.id.clone()).collect();
    let body = html! {
        (notice(o.error.as_deref(), o.done.as_deref()))
        section id="alerts" data-region {
            h2 { (c.t("facility.alerts")) }
            @match &alerts {
                Some(a) if !a.active.is_empty() => ul.alerts {
                    @for x in &a.active { li role="alert" { strong { (x.title.get(&lang)) } " · " (x.subject) " · " (x.detail) } }
                },
                _ => p.empty { (c.t("facility.no_alerts")) },
            }
        }
        section id="devices" data-region {
            h2 { (c.t("facility.devices")) }
            div.table-wrap { table.list {
                thead { tr {
                    th scope="col" { (c.t("col.device")) } th scope="col" { (c.t("col.state")) }
                    th scope="col" { (c.t("col.last_seen")) } th scope="col" { (c.t("col.health")) }
                    th scope="col" { (c.t("col.last_command")) }
                } }
                tbody { @for d in &devices { (device_row(&hub, &c, d)) } }
            } }
            form method="post" action="/facility/command" {
                (csrf(&c))
                label for="d-device" { (c.t("col.device")) }
                select id="d-device" name="device" { @for d in &devices { option value=(d.id.as_str()) { (d.id.as_str()) } } }
                label for="d-command" { (c.t("facility.command")) }
                select id="d-command" name="command" {
                    option value="test_print" { (c.t("cmd.test_print")) }
                    option value="reload_config" { (c.t("cmd.reload_config")) }
                    option value="restart_app" { (c.t("cmd.restart_app")) }
                    option value="reboot" { (c.t("cmd.reboot")) }
                    @for s in &surveys { option value={ "show_survey:" (s) } { (c.t("cmd.show_survey")) " " (s) } }
                }
                button type="submit" { (c.t("act.send")) }
            }
        }
        section id="dropbox" data-region {
            h2 { (c.t("facility.dropbox")) }
            @for b in &boxes {
                @let ledger = hub.facility.ledger(b, today).ok();
                h3 { (b.as_str()) }
                @if let Some(l) = &ledger {
                    p { (c.t("dropbox.deposits")) " " (l.deposits)
                        @for r in &l.documents_received_at { " · " (c.t("dropbox.received_at")) " " (r.with_timezone(&tz).format("%H:%M")) } }
                    ul.ledger { @for e in &l.entries {
                        li { (e.hub_at.with_timezone(&tz).format("%H:%M")) " " (e.kind.as_str())
                            @if let Some(lb) = &e.label { " · " (lb) } }
                    } }
                }
                form.inline method="post" action="/facility/emptied" {
                    (csrf(&c))
                    input type="hidden" name="box" value=(b.as_str());
                    label for={ "l-" (b.as_str()) } { (c.t("dropbox.label")) }
                    input id={ "l-" (b.as_str()) } name="label" maxlength=(actions::MAX_LABEL) placeholder=(c.t("dropbox.label_hint"));
                    button type="submit" { (c.t("dropbox.emptied")) }
                }
            }
        }
        section id="recent-alerts" data-region {
            h2 { (c.t("facility.recent")) }
            @if let Some(a) = &alerts {
                ul.alerts { @for x in a.recent.iter().take(20) {
                    li { (x.raised_at.with_timezone(&tz).format("%d.%m. %H:%M")) " " (x.title.get(&lang)) " · " (x.subject)
                        @if let Some(cl) = x.cleared_at { " → " (cl.with_timezone(&tz).format("%H:%M")) } }
                } }
            }
        }
    };
    Html(page(&c, c.t("nav.facility"), &["devices", "alerts"], body).into_string()).into_response()
}

#[derive(Deserialize)]
struct CommandForm {
    device: String,
    command: String,
}

async fn command(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<CommandForm>,
) -> Response {
    let r = (|| {
        let device = DeviceId::new(f.device.trim()).map_err(|e| e.to_string())?;
        let cmd = match f.command.as_str() {
            "test_print" => Command::TestPrint,
            "reload_config" => Command::ReloadConfig,
            "restart_app" => Command::RestartApp,
            "reboot" => Command::Reboot,
            other => match other.strip_prefix("show_survey:") {
                Some(s) => Command::ShowSurvey { survey: SurveyId::new(s).map_err(|e| e.to_string())? },
                None => return Err(format!("unknown command {other:?}")),
            },
        };
        actions::send_command(&hub, &staff, &device, cmd).map(|_| format!("→ {device}")).map_err(message)
    })();
    back(HERE, r)
}

#[derive(Deserialize)]
struct EmptiedForm {
    #[serde(rename = "box")]
    box_id: String,
    label: Option<String>,
}

async fn emptied(
    State(hub): State<Arc<Hub>>,
    Extension(staff): Extension<Staff>,
    Form(f): Form<EmptiedForm>,
) -> Response {
    let r = (|| {
        let b = BoxId::new(f.box_id.trim()).map_err(|e| e.to_string())?;
        actions::dropbox_emptied(&hub, &staff, &b, f.label).map(|_| String::new()).map_err(message)
    })();
    back(HERE, r)
}
