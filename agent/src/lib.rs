//! # aula-agent
//!
//! The device runtime every Aula device links: kiosk, signage and the headless
//! `aula-agent` binary (drop-box sensors, package `aula-dropbox-agent`). It knows no GPIO and
//! no printer: a queue wall links none of that. One [`Agent`] per process owns:
//!
//! - the **MQTT session** (`session.rs`): fixed client id, `clean_session = false`,
//!   keepalive from config, retained [`aula_protocol::DeviceStatus::Online`] on every connect
//!   and a retained `Offline` last will, the device's subscriptions
//!   ([`aula_protocol::Topics::device_filters`]) renewed on every connect, reconnect with
//!   backoff forever;
//! - the **durable outbox** ([`Outbox`], SQLite WAL): [`Agent::send_event`],
//!   [`Agent::send_feedback`] and [`Agent::enqueue`] return after the row is committed; rows
//!   are published at QoS 1 in order and deleted only after the broker's PUBACK
//!   ([`tracker::Tracker`] pairs packet ids with rows), so nothing is lost across broker
//!   outages or process restarts (a resend after a crash is a duplicate the hub drops by
//!   envelope id);
//! - **request/response** ([`Agent::request`]): QoS 1 on `hub/request/<verb>`, reply matched
//!   by request id on `device/<id>/reply`, timeout from config;
//! - **incoming messages** as [`AgentEvent`]s (queue state, calls, commands, surveys, hub
//!   status); malformed ones are counted and logged ([`AgentEvent::Rejected`]), never fatal;
//! - the **health publisher** ([`health`]): uptime, load, memory, disk, CPU temperature,
//!   outbox backlog, printer state, and over D-Bus network, clock sync and systemd unit
//!   states (`None` when there is no system bus; `agent.dbus_address` picks another bus);
//! - **hub commands** ([`commands::Executor`], the one executor of every device): reload
//!   config after validating the file, restart = exit [`EXIT_RESTART`], reboot through
//!   logind, test print on the device's [`commands::TestPrinter`], show a survey on its
//!   [`commands::SurveyScreen`], "not applicable" for what the device lacks; every outcome a
//!   [`aula_protocol::DeviceEvent::CommandResult`] through the outbox;
//! - the **device link config** ([`config`]): the `[agent]` section every device file has
//!   (`broker = "mqtt://…"` or `"mqtts://…"`, credentials, `[agent.tls]`), errors as
//!   [`aula_conf::ConfigError`]. TLS is always built in (rustls).
//!
//! ```no_run
//! use aula_agent::{Agent, AgentConfig, AgentEvent};
//! use aula_protocol::{BoxId, DeviceEvent, Lang, RequestKind};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let cfg = AgentConfig::from_file("config/agent-dropbox.toml".as_ref(), aula_protocol::DeviceKind::Agent)?;
//! let (agent, mut events) = Agent::start(cfg, env!("CARGO_PKG_VERSION")).await?;
//!
//! // Durable: committed to the outbox before this returns, delivered when the broker is up.
//! agent.send_event(DeviceEvent::Lid { box_id: BoxId::new("lobby")?, open: true }).await?;
//!
//! // Ask the hub; a timeout or no connection is an error the UI handles.
//! match agent.request(Lang::fi(), RequestKind::Help).await {
//!     Ok(reply) => println!("{:?}", reply.result),
//!     Err(e) => eprintln!("offline: {e}"),
//! }
//!
//! while let Some(ev) = events.recv().await {
//!     match ev {
//!         AgentEvent::QueueState(state) => println!("{} services", state.services.len()),
//!         AgentEvent::Command(cmd) => println!("hub says {cmd:?}"),
//!         _ => {}
//!     }
//! }
//! agent.shutdown().await;
//! # Ok(()) }
//! ```

mod agent;
pub mod commands;
pub mod config;
mod error;
mod events;
pub mod health;
pub mod outbox;
mod session;
mod tls;
pub mod tracker;

pub use agent::{Agent, AgentEvents, AgentStats, EVENT_CAPACITY};
pub use aula_conf::ConfigError;
pub use commands::{
    EXIT_RESTART, Executor, Next, Plan, SurveyScreen, TestPrinter, TestTicket, command_name, result_event,
};
pub use config::{AgentConfig, BrokerConfig, RawAgent, TlsConfig};
pub use error::{AgentError, OutboxError, RequestError};
pub use events::{AgentEvent, Inbound, route};
pub use outbox::Outbox;
