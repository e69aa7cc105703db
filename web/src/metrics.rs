//! `GET /metrics`: the hub's figures in Prometheus' text exposition format (version 0.0.4),
//! written by hand: it is a handful of lines, and a metrics crate would add a registry
//! beside the counters `stats.rs` already keeps.
//!
//! Exposed: the ingest counters of [`crate::stats::Stats`] (`aula_hub_<name>_total`),
//! refused messages per reason, events in the queue log, MQTT readiness, devices by status, active alerts by kind,
//! drop-box lids open, and webhook notifications waiting.

use std::fmt::Write as _;

use aula_hub::Hub;

/// The exposition text.
pub fn render(hub: &Hub) -> String {
    let v = hub.stats.view();
    let mut out = String::with_capacity(4096);
    let counters: [(&str, u64, &str); 11] = [
        ("received", v.received, "MQTT messages received"),
        ("requests", v.requests, "device requests answered"),
        ("replies", v.replies, "replies published"),
        ("device_messages", v.device_messages, "device messages stored (new)"),
        ("duplicates", v.duplicates, "device messages received again and not stored"),
        ("batches", v.batches, "ingest batches (one transaction each)"),
        ("acked", v.acked, "messages acknowledged to the broker after commit"),
        ("state_published", v.state_published, "queue states published"),
        ("calls_published", v.calls_published, "calls published"),
        ("store_failures", v.store_failures, "failed commits (messages left unacknowledged)"),
        ("mqtt_reconnects", v.mqtt_reconnects, "MQTT reconnects"),
    ];
    for (name, value, help) in counters {
        let _ = writeln!(out, "# HELP aula_hub_{name}_total {help}\n# TYPE aula_hub_{name}_total counter");
        let _ = writeln!(out, "aula_hub_{name}_total {value}");
    }
    let _ = writeln!(
        out,
        "# HELP aula_hub_rejected_total refused messages by reason\n# TYPE aula_hub_rejected_total counter"
    );
    for (reason, n) in &v.rejected {
        let _ = writeln!(out, "aula_hub_rejected_total{{reason=\"{}\"}} {n}", label(reason));
    }
    let events = hub.queue.engine().state().events;
    let _ = writeln!(
        out,
        "# HELP aula_hub_queue_events_total events in the queue log (tickets, calls, ...)\n# TYPE aula_hub_queue_events_total counter"
    );
    let _ = writeln!(out, "aula_hub_queue_events_total {events}");
    let _ = writeln!(out, "# HELP aula_hub_mqtt_ready connected and subscribed\n# TYPE aula_hub_mqtt_ready gauge");
    let _ = writeln!(out, "aula_hub_mqtt_ready {}", u8::from(hub.mqtt_ready()));

    let (mut online, mut offline, mut unknown) = (0u64, 0u64, 0u64);
    match hub.devices.list() {
        Ok(devices) => {
            for d in devices {
                match d.online() {
                    Some(true) => online += 1,
                    Some(false) => offline += 1,
                    None => unknown += 1,
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading devices failed"),
    }
    let _ = writeln!(out, "# HELP aula_hub_devices known devices by last status\n# TYPE aula_hub_devices gauge");
    let _ = writeln!(out, "aula_hub_devices{{status=\"online\"}} {online}");
    let _ = writeln!(out, "aula_hub_devices{{status=\"offline\"}} {offline}");
    let _ = writeln!(out, "aula_hub_devices{{status=\"unknown\"}} {unknown}");

    let _ = writeln!(out, "# HELP aula_hub_alerts_active active alerts by kind\n# TYPE aula_hub_alerts_active gauge");
    for (kind, n) in hub.facility.active_by_kind() {
        let _ = writeln!(out, "aula_hub_alerts_active{{kind=\"{}\"}} {n}", kind.as_str());
    }
    let _ = writeln!(
        out,
        "# HELP aula_hub_dropbox_lid_open 1 while the box's lid is open\n# TYPE aula_hub_dropbox_lid_open gauge"
    );
    for (b, open) in hub.facility.lids() {
        let _ = writeln!(out, "aula_hub_dropbox_lid_open{{box=\"{}\"}} {}", label(b.as_str()), u8::from(open));
    }
    let pending = hub.notify.pending();
    let _ = writeln!(
        out,
        "# HELP aula_hub_webhook_pending alert notifications waiting for delivery\n# TYPE aula_hub_webhook_pending gauge"
    );
    let _ = writeln!(out, "aula_hub_webhook_pending {pending}");
    out
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(label("x\ny"), "x\\ny");
    }
}
