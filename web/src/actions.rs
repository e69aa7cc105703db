//! Every staff action, once: the permission check, the hub operation and the audit entry.
//! The JSON API (`queue.rs`, `devices.rs`, `facility.rs`) and the console's forms
//! (`console/`) both call these, so a rule cannot differ between the two doors.
//!
//! Audit entries name the actor, the action and the ticket number, counter, device or box;
//! never customer data (the hub holds none but numbers and needs flags).

use aula_engine::TicketRef;
use aula_hub::Hub;
use aula_hub::facility::ledger::Entry;
use aula_hub::staff::Permission;
use aula_protocol::{
    BoxId, CallEvent, Command, CounterId, DeviceId, IssuedTicket, Localized, MessageId, Needs, ServiceId,
};
use axum::http::StatusCode;

use crate::auth::{Staff, forbidden};
use crate::error::{Failure, fail};

/// Longest announcement text per language.
pub const MAX_ANNOUNCEMENT: usize = 500;
/// Longest drop-box desk label.
pub const MAX_LABEL: usize = 40;

fn service_of_ticket(hub: &Hub, t: &TicketRef) -> Result<ServiceId, Failure> {
    Ok(hub.queue.ticket_service(t)?)
}

/// The counter's services this caller may call from: the ones asked for (each checked), or
/// the counter's own (its open session's, else configured) that the caller serves.
fn callable(hub: &Hub, staff: &Staff, counter: &CounterId, asked: &[ServiceId]) -> Result<Vec<ServiceId>, Failure> {
    use_counter(hub, staff, counter)?;
    let site = hub.queue.site_config();
    if !asked.is_empty() {
        for s in asked {
            staff.require(hub, Permission::ServeService(s))?;
        }
        return Ok(asked.to_vec());
    }
    let own = hub.queue.counter_services(counter)?;
    let mine: Vec<ServiceId> =
        own.iter().filter(|s| staff.principal.may(&site, Permission::ServeService(s))).cloned().collect();
    if mine.is_empty() {
        return Err(forbidden(&staff.principal, Permission::ServeService(&own[0])));
    }
    Ok(mine)
}

/// An unknown counter is a 404 (for anyone); a known one the caller may not use, a 403.
pub fn use_counter(hub: &Hub, staff: &Staff, counter: &CounterId) -> Result<(), Failure> {
    hub.queue.counter_services(counter)?;
    staff.require(hub, Permission::UseCounter(counter))
}

/// The service of the ticket a counter holds now, checked against the caller.
fn current_checked(hub: &Hub, staff: &Staff, counter: &CounterId) -> Result<(), Failure> {
    use_counter(hub, staff, counter)?;
    if let Some(s) = hub.queue.counter_ticket_service(counter) {
        staff.require(hub, Permission::ServeService(&s))?;
    }
    Ok(())
}

pub fn call_next(hub: &Hub, staff: &Staff, counter: &CounterId, asked: &[ServiceId]) -> Result<CallEvent, Failure> {
    let services = callable(hub, staff, counter, asked)?;
    current_checked(hub, staff, counter)?;
    let ev = hub.queue.call_next(counter, &services)?;
    staff.audit(hub, "call_next", &ev.number.to_string(), &format!("counter {counter}"));
    Ok(ev)
}

pub fn call_number(
    hub: &Hub,
    staff: &Staff,
    counter: &CounterId,
    number: &aula_protocol::TicketNumber,
) -> Result<CallEvent, Failure> {
    use_counter(hub, staff, counter)?;
    let service = service_of_ticket(hub, &TicketRef::Number(number.clone()))?;
    staff.require(hub, Permission::ServeService(&service))?;
    current_checked(hub, staff, counter)?;
    let ev = hub.queue.call_number(counter, number)?;
    staff.audit(hub, "call_number", &ev.number.to_string(), &format!("counter {counter}"));
    Ok(ev)
}

pub fn recall(hub: &Hub, staff: &Staff, counter: &CounterId) -> Result<CallEvent, Failure> {
    current_checked(hub, staff, counter)?;
    let ev = hub.queue.recall(counter)?;
    staff.audit(hub, "recall", &ev.number.to_string(), &format!("counter {counter}"));
    Ok(ev)
}

/// Start, finish or no-show at a counter.
pub fn counter_step(hub: &Hub, staff: &Staff, counter: &CounterId, step: Step) -> Result<(), Failure> {
    current_checked(hub, staff, counter)?;
    let number = hub.queue.counter_ticket_number(counter);
    match step {
        Step::Start => hub.queue.start(counter)?,
        Step::Finish => hub.queue.finish(counter)?,
        Step::NoShow => hub.queue.no_show(counter)?,
    }
    let subject = number.map(|n| n.to_string()).unwrap_or_default();
    staff.audit(hub, step.as_str(), &subject, &format!("counter {counter}"));
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Start,
    Finish,
    NoShow,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Step::Start => "start",
            Step::Finish => "finish",
            Step::NoShow => "no_show",
        }
    }
}

/// Move a ticket to another service: advisors any, counter experts their own services'.
pub fn transfer(hub: &Hub, staff: &Staff, ticket: TicketRef, to: &ServiceId) -> Result<IssuedTicket, Failure> {
    let from = service_of_ticket(hub, &ticket)?;
    if staff.require(hub, Permission::MoveTickets).is_err() {
        staff.require(hub, Permission::ServeService(&from))?;
    }
    let t = hub.queue.transfer(ticket, to)?;
    staff.audit(hub, "transfer", &t.number.to_string(), &format!("{from} → {to}"));
    Ok(t)
}

/// Remove a pointless registration: advisors any, counter experts their own services'.
pub fn cancel(hub: &Hub, staff: &Staff, ticket: TicketRef) -> Result<(), Failure> {
    let service = service_of_ticket(hub, &ticket)?;
    if staff.require(hub, Permission::MoveTickets).is_err() {
        staff.require(hub, Permission::ServeService(&service))?;
    }
    let number = hub.queue.ticket_number(&ticket);
    hub.queue.cancel(ticket)?;
    staff.audit(hub, "cancel", &number.map(|n| n.to_string()).unwrap_or_default(), service.as_str());
    Ok(())
}

/// A queue number issued at a staff desk (advisor, or the service's own expert).
pub fn issue(
    hub: &Hub,
    staff: &Staff,
    request: MessageId,
    service: &ServiceId,
    needs: Needs,
) -> Result<IssuedTicket, Failure> {
    if staff.require(hub, Permission::MoveTickets).is_err() {
        staff.require(hub, Permission::ServeService(service))?;
    }
    let t = hub.queue.issue(request, service, needs)?;
    staff.audit(hub, "issue", &t.number.to_string(), service.as_str());
    Ok(t)
}

/// An appointment checked in at a staff desk (advisors).
pub fn check_in(
    hub: &Hub,
    staff: &Staff,
    request: MessageId,
    code: &str,
    needs: Needs,
) -> Result<IssuedTicket, Failure> {
    staff.require(hub, Permission::MoveTickets)?;
    if code.trim().is_empty() {
        return Err(fail(StatusCode::BAD_REQUEST, "bad_request", "booking code is empty"));
    }
    let t = hub.queue.check_in(request, code, needs)?;
    staff.audit(hub, "check_in", &t.number.to_string(), "");
    Ok(t)
}

/// Sets (or with all-empty texts clears) the walls' announcement.
pub fn announce(hub: &Hub, staff: &Staff, text: Localized) -> Result<(), Failure> {
    staff.require(hub, Permission::RunLobby)?;
    let text = if text.0.values().all(|t| t.trim().is_empty()) { None } else { Some(text) };
    if let Some(t) = &text
        && t.0.values().any(|s| s.chars().count() > MAX_ANNOUNCEMENT || s.chars().any(char::is_control))
    {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!(
                "announcement: expected at most {MAX_ANNOUNCEMENT} characters per language, without control characters"
            ),
        ));
    }
    let detail =
        text.as_ref().map(|t| t.get(&aula_protocol::Lang::fi()).to_owned()).unwrap_or_else(|| "cleared".into());
    hub.queue.set_announcement(text);
    staff.audit(hub, "announce", "walls", &detail);
    Ok(())
}

pub fn send_command(hub: &Hub, staff: &Staff, device: &DeviceId, cmd: Command) -> Result<MessageId, Failure> {
    staff.require(hub, Permission::CommandDevices)?;
    let what = serde_json::to_value(&cmd).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default();
    let id = hub.devices.send_command(device, cmd)?;
    staff.audit(hub, "device_command", device.as_str(), &what);
    Ok(id)
}

/// A desk label for the drop-box ledger: trimmed, at most [`MAX_LABEL`] characters, no
/// control characters (a desk or role, never a person's name).
pub fn label(raw: Option<String>) -> Result<Option<String>, Failure> {
    let label = raw.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    if let Some(l) = &label
        && (l.chars().count() > MAX_LABEL || l.chars().any(char::is_control))
    {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("label: expected a desk or role of at most {MAX_LABEL} characters, such as \"info desk\""),
        ));
    }
    Ok(label)
}

pub fn dropbox_emptied(hub: &Hub, staff: &Staff, box_id: &BoxId, label_raw: Option<String>) -> Result<Entry, Failure> {
    staff.require(hub, Permission::DropBox)?;
    let label = label(label_raw)?;
    let entry = hub.facility.staff_emptied(box_id, label.clone(), hub.now())?;
    staff.audit(hub, "dropbox_emptied", box_id.as_str(), label.as_deref().unwrap_or(""));
    Ok(entry)
}

// ---- counter sessions, breaks, park, return (the engine's console side) -----------------

/// Signs in to a counter serving `services` (each one the caller serves).
pub fn open_counter(hub: &Hub, staff: &Staff, counter: &CounterId, services: &[ServiceId]) -> Result<(), Failure> {
    use_counter(hub, staff, counter)?;
    for s in services {
        staff.require(hub, Permission::ServeService(s))?;
    }
    hub.queue.open_counter(counter, services)?;
    let list: Vec<&str> = services.iter().map(ServiceId::as_str).collect();
    staff.audit(hub, "counter_open", counter.as_str(), &list.join(","));
    Ok(())
}

pub fn close_counter(hub: &Hub, staff: &Staff, counter: &CounterId) -> Result<(), Failure> {
    use_counter(hub, staff, counter)?;
    hub.queue.close_counter(counter)?;
    staff.audit(hub, "counter_close", counter.as_str(), "");
    Ok(())
}

/// A break (its reason is counted for the reports, never shown to customers).
pub fn start_break(
    hub: &Hub,
    staff: &Staff,
    counter: &CounterId,
    reason: aula_engine::BreakReason,
) -> Result<(), Failure> {
    use_counter(hub, staff, counter)?;
    hub.queue.start_break(counter, reason)?;
    staff.audit(hub, "break_start", counter.as_str(), &reason.to_string());
    Ok(())
}

pub fn end_break(hub: &Hub, staff: &Staff, counter: &CounterId) -> Result<(), Failure> {
    use_counter(hub, staff, counter)?;
    hub.queue.end_break(counter)?;
    staff.audit(hub, "break_end", counter.as_str(), "");
    Ok(())
}

/// Finish the ticket in service with an outcome (done / pending / sent elsewhere).
pub fn finish_with(
    hub: &Hub,
    staff: &Staff,
    counter: &CounterId,
    outcome: aula_engine::Outcome,
) -> Result<(), Failure> {
    current_checked(hub, staff, counter)?;
    let number = hub.queue.counter_ticket_number(counter);
    hub.queue.finish_with(counter, outcome)?;
    staff.audit(
        hub,
        "finish",
        &number.map(|n| n.to_string()).unwrap_or_default(),
        &format!("counter {counter}, {outcome:?}"),
    );
    Ok(())
}

/// The customer in service steps out; the counter may call others meanwhile.
pub fn park(hub: &Hub, staff: &Staff, counter: &CounterId) -> Result<(), Failure> {
    current_checked(hub, staff, counter)?;
    let number = hub.queue.counter_ticket_number(counter);
    hub.queue.park(counter)?;
    staff.audit(hub, "park", &number.map(|n| n.to_string()).unwrap_or_default(), &format!("counter {counter}"));
    Ok(())
}

pub fn resume(
    hub: &Hub,
    staff: &Staff,
    counter: &CounterId,
    number: &aula_protocol::TicketNumber,
) -> Result<(), Failure> {
    use_counter(hub, staff, counter)?;
    let service = service_of_ticket(hub, &TicketRef::Number(number.clone()))?;
    staff.require(hub, Permission::ServeService(&service))?;
    hub.queue.resume(counter, TicketRef::Number(number.clone()))?;
    staff.audit(hub, "resume", &number.to_string(), &format!("counter {counter}"));
    Ok(())
}

/// A no-show who came back goes back in line (the counter's own tool: advisors only message
/// the counter, they never jump the queue).
pub fn return_no_show(hub: &Hub, staff: &Staff, number: &aula_protocol::TicketNumber) -> Result<(), Failure> {
    let service = service_of_ticket(hub, &TicketRef::Number(number.clone()))?;
    staff.require(hub, Permission::ServeService(&service))?;
    hub.queue.return_no_show(TicketRef::Number(number.clone()))?;
    staff.audit(hub, "return_no_show", &number.to_string(), service.as_str());
    Ok(())
}

/// Reserve a waiting or called ticket for a given counter.
pub fn transfer_to_counter(
    hub: &Hub,
    staff: &Staff,
    number: &aula_protocol::TicketNumber,
    to: &CounterId,
) -> Result<(), Failure> {
    let service = service_of_ticket(hub, &TicketRef::Number(number.clone()))?;
    if staff.require(hub, Permission::MoveTickets).is_err() {
        staff.require(hub, Permission::ServeService(&service))?;
    }
    hub.queue.transfer_to_counter(TicketRef::Number(number.clone()), to)?;
    staff.audit(hub, "transfer_to_counter", &number.to_string(), &format!("counter {to}"));
    Ok(())
}

/// Today's presence of a service: absent, other hours, or as planned (advisors).
pub fn set_presence(
    hub: &Hub,
    staff: &Staff,
    service: &ServiceId,
    presence: aula_engine::Presence,
) -> Result<(), Failure> {
    staff.require(hub, Permission::RunLobby)?;
    let today = hub.queue.site_today();
    let detail = format!("{today}: {presence:?}");
    hub.queue.set_presence(service, today, presence)?;
    staff.audit(hub, "presence", service.as_str(), &detail);
    Ok(())
}
