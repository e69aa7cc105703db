//! Bookings: the `[hub.bookings]` section of `hub.toml` (an iCalendar file or URL and how
//! often to read it) and the loop that re-imports it into the engine. Unchanged bookings
//! store nothing, so a feed can be re-read every few minutes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aula_conf::ConfigError;
use serde::Deserialize;

use super::Queue;

/// `[hub.bookings]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBookings {
    pub source: String,
    pub refresh_s: Option<u64>,
}

/// Where bookings come from.
#[derive(Debug, Clone, PartialEq)]
pub enum BookingSource {
    File(PathBuf),
    Url(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bookings {
    pub source: BookingSource,
    pub refresh: Duration,
}

/// Validates `[hub.bookings]`; `resolve` makes a relative path relative to the config file.
pub fn validate(
    b: RawBookings,
    invalid: &dyn Fn(&str, &str, &str) -> ConfigError,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<Bookings, ConfigError> {
    let refresh_s = b.refresh_s.unwrap_or(300);
    if refresh_s == 0 {
        return Err(invalid("hub.bookings.refresh_s", "seconds, at least 1", "0"));
    }
    let source = if b.source.starts_with("https://") || b.source.starts_with("http://") {
        BookingSource::Url(b.source)
    } else if b.source.trim().is_empty() {
        return Err(invalid("hub.bookings.source", "a file path or an https:// URL", &b.source));
    } else {
        BookingSource::File(resolve(&b.source))
    };
    Ok(Bookings { source, refresh: Duration::from_secs(refresh_s) })
}

/// Re-imports bookings from the configured file or URL every `refresh`.
pub async fn run(queue: Arc<Queue>, b: Bookings) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().ok();
    let mut every = tokio::time::interval(b.refresh);
    loop {
        every.tick().await;
        let text = match &b.source {
            BookingSource::File(p) => tokio::fs::read_to_string(p).await.map_err(|e| format!("{}: {e}", p.display())),
            BookingSource::Url(u) => match &http {
                None => Err("no HTTP client".into()),
                Some(c) => match c.get(u).send().await.and_then(|r| r.error_for_status()) {
                    Ok(r) => r.text().await.map_err(|e| format!("{u}: {e}")),
                    Err(e) => Err(format!("{u}: {e}")),
                },
            },
        };
        match text {
            Ok(t) => match queue.import_bookings(&t) {
                Ok(s) => {
                    tracing::info!(added = s.added, updated = s.updated, skipped = s.skipped.len(), "bookings imported")
                }
                Err(e) => tracing::warn!(error = %e, "importing bookings failed"),
            },
            Err(e) => tracing::warn!(error = %e, "reading bookings failed; keeping the ones we have"),
        }
    }
}
