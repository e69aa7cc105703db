//! Counters of what the hub received and refused, shown by `GET /api/stats`. Refused input
//! is counted per reason (`DecodeError::reason()`, topic errors) and logged at warn, at most
//! once per reason every [`WARN_EVERY`], so a device spraying garbage cannot flood the log.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Least time between two warnings for the same reason.
pub const WARN_EVERY: Duration = Duration::from_secs(10);

/// Shared counters (cheap atomics on the hot path; the per-reason map behind a mutex is only
/// touched for refused input).
#[derive(Debug, Default)]
pub struct Stats {
    pub received: AtomicU64,
    pub requests: AtomicU64,
    pub replies: AtomicU64,
    pub device_messages: AtomicU64,
    pub duplicates: AtomicU64,
    pub batches: AtomicU64,
    pub acked: AtomicU64,
    pub state_published: AtomicU64,
    pub calls_published: AtomicU64,
    pub store_failures: AtomicU64,
    pub mqtt_reconnects: AtomicU64,
    /// Panics caught (an engine batch rolled back, or a message quarantined by the intake).
    pub panics: AtomicU64,
    /// False once the MQTT intake task has stopped outside a shutdown.
    pub intake_running: std::sync::atomic::AtomicBool,
    rejected: Mutex<BTreeMap<String, Reason>>,
}

#[derive(Debug)]
struct Reason {
    count: u64,
    last_warn: Option<Instant>,
    suppressed: u64,
}

/// What `GET /api/stats` returns.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct StatsView {
    pub received: u64,
    pub requests: u64,
    pub replies: u64,
    pub device_messages: u64,
    pub duplicates: u64,
    pub batches: u64,
    pub acked: u64,
    pub state_published: u64,
    pub calls_published: u64,
    pub store_failures: u64,
    pub mqtt_reconnects: u64,
    #[serde(default)]
    pub panics: u64,
    /// The MQTT intake is running (false means device messages are no longer taken in).
    #[serde(default)]
    pub intake_running: bool,
    /// Connected to the broker and subscribed (filled in by the API).
    #[serde(default)]
    pub mqtt_ready: bool,
    /// Refused messages per reason, e.g. `{"not_json": 1, "unknown_topic": 2}`.
    pub rejected: BTreeMap<String, u64>,
}

impl Stats {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one refused message and logs it (rate-limited per reason).
    pub fn reject(&self, reason: &str, topic: &str, detail: &dyn std::fmt::Display) {
        let mut map = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
        let r = map.entry(reason.to_owned()).or_insert(Reason { count: 0, last_warn: None, suppressed: 0 });
        r.count += 1;
        let now = Instant::now();
        if r.last_warn.is_none_or(|t| now.duration_since(t) >= WARN_EVERY) {
            tracing::warn!(reason, topic, suppressed = r.suppressed, "refused message: {detail}");
            r.last_warn = Some(now);
            r.suppressed = 0;
        } else {
            r.suppressed += 1;
        }
    }

    pub fn rejected(&self, reason: &str) -> u64 {
        self.rejected.lock().unwrap_or_else(|p| p.into_inner()).get(reason).map_or(0, |r| r.count)
    }

    pub fn view(&self) -> StatsView {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsView {
            received: g(&self.received),
            requests: g(&self.requests),
            replies: g(&self.replies),
            device_messages: g(&self.device_messages),
            duplicates: g(&self.duplicates),
            batches: g(&self.batches),
            acked: g(&self.acked),
            state_published: g(&self.state_published),
            calls_published: g(&self.calls_published),
            store_failures: g(&self.store_failures),
            mqtt_reconnects: g(&self.mqtt_reconnects),
            panics: g(&self.panics),
            intake_running: self.intake_running.load(Ordering::Relaxed),
            mqtt_ready: false,
            rejected: self
                .rejected
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(k, v)| (k.clone(), v.count))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_counted_per_reason_even_when_the_warning_is_suppressed() {
        let s = Stats::default();
        for _ in 0..5 {
            s.reject("not_json", "t", &"x");
        }
        s.reject("too_large", "t", &"y");
        let v = s.view();
        assert_eq!(v.rejected["not_json"], 5);
        assert_eq!(v.rejected["too_large"], 1);
    }
}
