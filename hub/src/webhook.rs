//! Delivers the facility's queued alert notifications (`webhook_outbox` in the device store,
//! written in the same transaction as the alert change) to the configured webhooks: JSON
//! POST with reqwest, a row deleted only after a 2xx answer, a failed one retried with
//! exponential backoff ([`crate::facility::backoff`]) up to `webhook_max_attempts`, then
//! dropped with an error in the log, so a dead receiver cannot grow the database forever.
//!
//! Due times use the hub's clock, the one that stamped the rows (a simulated clock in the
//! lobby demo and tests must not leave them waiting for real time to catch up).
//!
//! It runs beside ingest and never blocks it: the store lock is held only for the queue's
//! short SQLite reads and writes, never across an HTTP request. Per URL, order is kept:
//! after a failure, later notifications for that URL wait for the next round.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::hub::Hub;

/// How long one POST may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Longest sleep between looks at the queue when nothing wakes the loop.
const IDLE: Duration = Duration::from_secs(5);

/// Runs until aborted.
pub async fn run(hub: Arc<Hub>) {
    if hub.facility.config.webhooks.is_empty() {
        return;
    }
    let http = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => return tracing::error!(error = %e, "no HTTP client for webhooks"),
    };
    loop {
        let wait = deliver_due(&hub, &http).await;
        tokio::select! {
            _ = hub.facility.webhook_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One round over the due notifications; returns how long to sleep before the next one.
async fn deliver_due(hub: &Hub, http: &reqwest::Client) -> Duration {
    let due = {
        let store = hub.devices_store();
        hub.facility.due_webhooks(&store, hub.now(), 64)
    };
    let due = match due {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "reading the webhook queue failed");
            return IDLE;
        }
    };
    let mut failed_urls = HashSet::new();
    for q in due {
        if failed_urls.contains(&q.url) {
            continue;
        }
        let result = http
            .post(&q.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(q.body.clone())
            .send()
            .await
            .and_then(|r| r.error_for_status());
        let mut store = hub.devices_store();
        match result {
            Ok(_) => {
                if let Err(e) = hub.facility.webhook_done(&mut store, q.id) {
                    tracing::error!(error = %e, "removing a delivered webhook failed; it may be sent twice");
                }
            }
            Err(e) => {
                failed_urls.insert(q.url.clone());
                match hub.facility.webhook_failed(&mut store, &q, hub.now()) {
                    Ok(true) => {
                        tracing::warn!(url = %q.url, attempt = q.attempts + 1, error = %e, "webhook failed; will retry")
                    }
                    Ok(false) => tracing::error!(
                        url = %q.url,
                        attempts = q.attempts + 1,
                        error = %e,
                        body = %q.body,
                        "webhook failed for the last time; notification dropped"
                    ),
                    Err(se) => tracing::error!(error = %se, "recording a webhook failure failed"),
                }
            }
        }
    }
    let next = {
        let store = hub.devices_store();
        hub.facility.next_webhook_at(&store)
    };
    match next {
        Ok(Some(at)) => (at - hub.now()).to_std().unwrap_or(Duration::ZERO).min(IDLE),
        _ => IDLE,
    }
}
