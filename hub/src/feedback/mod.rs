//! The feedback domain: the site's surveys ([`config`]), what a stored answer adds to the
//! report tables ([`rollup::record`], inside the site store's ingest transaction through
//! [`Ingest`]), the figures per service / period / opening hour ([`figures`]) and their CSV
//! export ([`csv`]). The HTTP routes live in the web crate.
//!
//! How an answer is counted (once): the site store inserts each message once by envelope id;
//! only when that insert is fresh does [`rollup::record`] run, in the same transaction, so a
//! redelivered answer adds nothing and a crash before commit leaves neither the answer nor
//! its counts (the broker redelivers both).
//!
//! Report tables (all in the site store's SQLite file):
//! - `fb_answers(id, device, ts, status)`: one compact row per answer: the rate limit looks
//!   back over it, and `status` says whether the answer is counted (0), rate-limited (1) or of
//!   a survey this hub does not know (2).
//! - `fb_rollup(hour, service, survey, metric, value, n)`: counts per *local* hour
//!   (`YYYY-MM-DD HH` in the site's zone, so an opening hour is a wall-clock hour; in the
//!   autumn DST change the two 03 hours share one row, which is what "per opening hour" wants).
//!   A month of figures reads at most a few hundred thousand of these rows however many answers
//!   there were, which keeps the month query fast over a million answers.
//! - `fb_comments(id, question, ts, hour, service, survey, text, status)`: free text, with
//!   time and service only: no device, so a comment cannot be traced to a kiosk's location.
//! - `fb_rejects(day, device, taps, flagged)`: taps a device's own rate limit refused
//!   (`DeviceEvent::TapsRejected`) and answers the hub's rate limit flagged, per device and
//!   local day, for the staff to see which device attracts a tapper.
//!
//! Metrics in `fb_rollup` (value meaning): `answers` (0), `csat` (1–5), `ces` (1–5), `nps`
//! (0–10), `outcome` (0 done, 1 started, 2 not done), `self` (1 yes, 0 no), `comments` (0),
//! `flagged` (0: rate-limited answers, not in the other metrics), `unknown` (0: answers to an
//! unknown survey), `taps` (0: taps refused on devices; service and survey empty).
//!
//! Which time: the device's own timestamp (when the customer answered, even if the answer
//! waited in the outbox during a broker outage), unless it is more than [`rollup::MAX_CLOCK_AHEAD`]
//! after the hub received it (a device clock that is wrong), then the receive time.

pub mod config;
pub mod csv;
pub mod figures;
#[doc(hidden)]
pub mod fixture;
pub mod rollup;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use aula_protocol::SurveyDef;
use rusqlite::Transaction;

pub use self::config::{FeedbackConfig, Meaning, RateLimit};
use self::figures::{Comment, Figures, Query, Rejects};
use crate::store::{AfterCommit, Batch, Ingest, Store, StoreError};

/// The feedback domain (shared as `Arc<Feedback>`).
pub struct Feedback {
    pub config: Arc<FeedbackConfig>,
    store: Arc<Store>,
}

impl Feedback {
    /// Creates the report tables if needed.
    pub fn new(config: FeedbackConfig, store: Arc<Store>) -> Result<Feedback, StoreError> {
        store.migrate(rollup::SCHEMA)?;
        Ok(Feedback { config: Arc::new(config), store })
    }

    pub fn surveys(&self) -> &[SurveyDef] {
        &self.config.surveys
    }

    /// Figures per period (and service / opening hour) for a parsed query.
    pub fn figures(&self, q: &Query) -> Result<Figures, StoreError> {
        let tz = self.config.time_zone.name();
        self.store.read(|c| figures::figures(c, q, tz))
    }

    pub fn comments(&self, q: &Query) -> Result<Vec<Comment>, StoreError> {
        self.store.read(|c| figures::comments(c, q, self.config.time_zone))
    }

    pub fn rejects(&self, q: &Query) -> Result<Vec<Rejects>, StoreError> {
        self.store.read(|c| figures::rejects(c, q))
    }
}

impl Ingest for Feedback {
    fn ingest(&self, tx: &Transaction<'_>, batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>> {
        for m in batch.fresh() {
            rollup::record(tx, &self.config, m)?;
        }
        Ok(None)
    }
}
