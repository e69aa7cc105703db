//! Delivers queued notifications (`webhook_outbox` in the site store, written in the same
//! transaction as the fact that causes them, e.g. an alert change) to the configured
//! webhooks: JSON POST with reqwest, a row deleted only after a 2xx answer, a failed one
//! retried with exponential backoff ([`super::backoff`]) up to `webhook_max_attempts`, then
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

use super::Notify;
use crate::clock::Clock;

/// How long one POST may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Longest sleep between looks at the queue when nothing wakes the loop.
const IDLE: Duration = Duration::from_secs(5);

/// Runs until aborted.
pub async fn run(notify: Arc<Notify>, clock: Clock) {
    if notify.config.webhooks.is_empty() {
        return;
    }
    let http = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => return tracing::error!(error = %e, "no HTTP client for webhooks"),
    };
    loop {
        let wait = deliver_due(&notify, &clock, &http).await;
        tokio::select! {
            _ = notify.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One round over the due notifications; returns how long to sleep before the next one.
async fn deliver_due(notify: &Notify, clock: &Clock, http: &reqwest::Client) -> Duration {
    let due = notify.due(clock.now(), 64);
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
        match result {
            Ok(_) => {
                if let Err(e) = notify.done(q.id) {
                    tracing::error!(error = %e, "removing a delivered webhook failed; it may be sent twice");
                }
            }
            Err(e) => {
                failed_urls.insert(q.url.clone());
                match notify.failed(&q, clock.now()) {
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
    match notify.next_at() {
        Ok(Some(at)) => (at - clock.now()).to_std().unwrap_or(Duration::ZERO).min(IDLE),
        _ => IDLE,
    }
}
