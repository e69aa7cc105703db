//! The help domain: "I need help" from a kiosk and the physical help button of a device
//! reach the service advisors. A request is stored once by its message id ([`store`]), shown
//! on every open lobby view (through the live feed), acknowledged ("on my way") and resolved
//! by an advisor; one nobody acknowledges within `[help] escalate_after_s` escalates once (a
//! webhook through the notify domain and a sound on the lobby views). Rules: [`state`].
//!
//! The kiosk is told "help is coming" only when the hub has stored the request AND an
//! advisor is signed in; otherwise its answer is [`Rejection::NoAdvisor`] and the kiosk
//! says where to go. The request is stored either way (it counts in the reports).

pub mod state;
mod store;

use std::sync::Arc;

use aula_conf::ConfigError;
use aula_protocol::{DeviceEvent, Envelope, Rejection, ReplyResult, Request};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

pub use self::state::{HelpRequest, Source};
use crate::changes::{Changes, Live};
use crate::error::HubError;
use crate::notify::Notify;
use crate::staff::Staff;
use crate::store::{AfterCommit, Batch, DeviceBody, Ingest, Store, StoreError};

/// `[help]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHelp {
    pub escalate_after_s: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HelpConfig {
    /// An unacknowledged request escalates after this.
    pub escalate_after: TimeDelta,
}

impl Default for HelpConfig {
    fn default() -> Self {
        HelpConfig { escalate_after: TimeDelta::seconds(120) }
    }
}

impl RawHelp {
    pub fn validate(self, invalid: &dyn Fn(&str, &str, &str) -> ConfigError) -> Result<HelpConfig, ConfigError> {
        let mut c = HelpConfig::default();
        if let Some(s) = self.escalate_after_s {
            if !(10..=3600).contains(&s) {
                return Err(invalid("help.escalate_after_s", "seconds, 10 to 3600", &s.to_string()));
            }
            c.escalate_after = TimeDelta::seconds(s as i64);
        }
        Ok(c)
    }
}

/// What a webhook receives when a request escalates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    pub site: String,
    pub event: String,
    pub help: HelpRequest,
}

/// The help domain (shared as `Arc<Help>`).
pub struct Help {
    pub config: HelpConfig,
    site: String,
    store: Arc<Store>,
    staff: Arc<Staff>,
    notify: Arc<Notify>,
    changes: Changes,
}

impl Help {
    pub fn new(
        config: HelpConfig,
        site: String,
        store: Arc<Store>,
        staff: Arc<Staff>,
        notify: Arc<Notify>,
        changes: Changes,
    ) -> Result<Help, StoreError> {
        store.migrate(store::SCHEMA)?;
        Ok(Help { config, site, store, staff, notify, changes })
    }

    /// Answers a kiosk's "I need help" request: stored once by its id (a resend gets the
    /// first answer); help is promised only if an advisor is signed in.
    pub fn answer(&self, r: &Envelope<Request>, now: DateTime<Utc>) -> ReplyResult {
        let id = r.id.to_string();
        let stored = self.store.write(|tx| {
            let promised = self.staff.signed_in_on(tx, "advisor", now) > 0;
            store::raise(tx, &id, &r.body.device, Source::Kiosk, now, promised)
        });
        match stored {
            Ok((fresh, promised)) => {
                if fresh {
                    tracing::info!(device = %r.body.device, promised, "help requested at a kiosk");
                    self.changes.live(Live::Help);
                }
                if promised { ReplyResult::HelpComing } else { ReplyResult::Rejected(Rejection::NoAdvisor) }
            }
            Err(e) => ReplyResult::Rejected(Rejection::Internal { message: e.to_string() }),
        }
    }

    /// Open requests, oldest first.
    pub fn open(&self) -> Result<Vec<HelpRequest>, StoreError> {
        self.store.read(|c| store::list(c, true, 200))
    }

    /// The latest requests (open or not), newest first.
    pub fn recent(&self, limit: usize) -> Result<Vec<HelpRequest>, StoreError> {
        self.store.read(|c| store::list(c, false, limit))
    }

    fn step(
        &self,
        id: &str,
        f: impl FnOnce(&mut HelpRequest) -> Result<(), state::Refused>,
    ) -> Result<HelpRequest, HubError> {
        let r = self.store.write(|tx| {
            let Some(mut h) = store::get(tx, id)? else { return Ok(Err(None)) };
            if let Err(refused) = f(&mut h) {
                return Ok(Err(Some(refused)));
            }
            store::update(tx, &h)?;
            Ok(Ok(h))
        })?;
        match r {
            Ok(h) => {
                self.changes.live(Live::Help);
                Ok(h)
            }
            Err(None) => Err(HubError::NotFound(format!("no help request {id}"))),
            Err(Some(refused)) => Err(HubError::Conflict(format!("help request: {refused}"))),
        }
    }

    /// "On my way": `by` is the advisor's user name.
    pub fn acknowledge(&self, id: &str, by: &str, now: DateTime<Utc>) -> Result<HelpRequest, HubError> {
        self.step(id, |h| h.acknowledge(by, now))
    }

    pub fn resolve(&self, id: &str, by: &str, now: DateTime<Utc>) -> Result<HelpRequest, HubError> {
        self.step(id, |h| h.resolve(by, now))
    }

    /// Escalates requests nobody acknowledged in time (once each): a webhook notification
    /// and a live event the lobby views sound for. Returns how many escalated.
    pub fn tick(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let after = self.config.escalate_after;
        let n = self.store.write(|tx| {
            let mut n = 0;
            for mut h in store::list(tx, true, 200)? {
                if h.escalate(after, now) {
                    store::update(tx, &h)?;
                    let body = serde_json::to_string(&Escalation {
                        site: self.site.clone(),
                        event: "help_escalated".into(),
                        help: h.clone(),
                    })
                    .expect("escalations serialise");
                    self.notify.enqueue(tx, &body, now)?;
                    tracing::warn!(device = %h.device, waited_s = (now - h.raised_at).num_seconds(), "help request not acknowledged: escalated");
                    n += 1;
                }
            }
            Ok(n)
        })?;
        if n > 0 {
            self.notify.wake();
            self.changes.live(Live::HelpEscalated);
        }
        Ok(n)
    }
}

impl Ingest for Help {
    /// A device's physical help button raises a request (stored with the event, once).
    fn ingest(&self, tx: &Transaction<'_>, batch: &Batch<'_>) -> rusqlite::Result<Option<AfterCommit>> {
        let mut raised = 0;
        let mut promised = None;
        for m in batch.fresh() {
            if let DeviceBody::Event(DeviceEvent::HelpButton) = &m.body {
                // Asked once per batch (on this transaction: the store is locked), and only
                // when a button was pressed.
                let p = *promised.get_or_insert_with(|| self.staff.signed_in_on(tx, "advisor", batch.now) > 0);
                let (fresh, _) = store::raise(tx, &m.id.to_string(), &m.device, Source::Button, m.received_at, p)?;
                raised += usize::from(fresh);
            }
        }
        if raised == 0 {
            return Ok(None);
        }
        let changes = self.changes.clone();
        Ok(Some(Box::new(move || changes.live(Live::Help))))
    }
}
