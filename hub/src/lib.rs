//! # aula-hub
//!
//! One hub per site: the site core, organised by domain, behind MQTT. It knows no HTTP (the
//! `aula-web` crate serves the API, the follow page and the console over this library) and
//! no command line (the `aula-hub` binary lives in `hub-cli/`).
//!
//! What goes in: device requests (`hub/request/<verb>`: issue a ticket, check in, help),
//! device status/health/events and survey answers over MQTT; staff actions through the
//! domains' methods. What comes out: replies on `device/<id>/reply`, the retained
//! [`aula_protocol::QueueState`] on `queue/state`, each [`aula_protocol::CallEvent`] on
//! `queue/call`, the retained hub status and surveys, commands to devices, webhooks.
//!
//! Domains (each owns its config section, its tables and its SQL; none imports [`Hub`]):
//! - [`queue`]: the engine behind its lock, counters, tickets, check-in, the announcement,
//!   the follow view, the bookings feed.
//! - [`devices`]: the registry with typed status, staff commands to one device.
//! - [`feedback`]: surveys, answers → report tables, figures, CSV.
//! - [`facility`]: the drop-box ledger and the alerts.
//! - [`notify`]: the persisted outbound queue and webhook delivery.
//! - [`staff`]: accounts, sessions, tokens, roles and the audit log.
//! - [`help`]: help requests from kiosks and help buttons to the advisors.
//! - [`messages`]: the advisor's notes to a counter about a ticket.
//!
//! The core: [`store`] (the site store, which knows no domain: domains add their rows to the
//! ingest transaction through [`store::Ingest`]), [`config`], [`mqtt`] (intake, publisher,
//! embedded broker), [`clock`], [`changes`] (the change feed), [`stats`], and the
//! composition root [`hub`] with [`service`] (start, supervise, stop).
//!
//! Invariants: a device message is acknowledged to the broker only after it is committed;
//! the hub never writes topic strings itself (only [`aula_protocol::Topics`] does); the engine
//! gets `now` from [`clock::Clock`], never reads a clock; lock order is the site store's lock
//! before any domain's own state lock.
//!
//! ```no_run
//! # async fn demo() -> Result<(), aula_hub::RunError> {
//! let config = aula_hub::config::HubConfig::load("config/hub.toml".as_ref())?;
//! // Runs until Ctrl-C; tests pass any future (a oneshot receiver) instead.
//! aula_hub::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

pub mod changes;
pub mod clock;
pub mod config;
pub mod devices;
pub mod error;
pub mod facility;
pub mod feedback;
pub mod help;
pub mod hub;
pub mod messages;
pub mod mqtt;
pub mod notify;
pub mod queue;
pub mod service;
pub mod staff;
pub mod stats;
pub mod store;
#[doc(hidden)]
pub mod testsite;

pub use error::HubError;
pub use hub::Hub;
pub use service::{RunError, Running, run, start};
