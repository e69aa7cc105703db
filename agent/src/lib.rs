//! # aula-agent
//!
//! The device runtime every Aula device links: kiosk, signage and the headless
//! `aula-agent` binary (drop-box sensors). One [`Agent`] per process owns:
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
//! - **hub commands** ([`commands`]): the headless policy (reload config after validating the
//!   file, restart = exit [`EXIT_RESTART`], test print, reboot through logind) and the
//!   [`aula_protocol::DeviceEvent::CommandResult`] reporting the outcome;
//! - the headless binary's **device file** ([`headless::HeadlessConfig`]: `[agent]`,
//!   `[dropbox]`, `[gpio]`, `[printer]`, validated together).
//!
//! Measured (`cargo bench -p aula-agent --bench idle`, release, the real `aula-agent`
//! binary as a drop box with every GPIO input simulated, file printer polled every 5 s,
//! health every 1 s, private Mosquitto, 2-core x86_64 container shared with other builds):
//! RSS 8.6–8.7 MB (peak 8.7 MB; target < 20 MB), idle CPU 0 ticks in 10 s and 2 ticks in
//! 60 s = 0.03 % of a core (target < 1 %).
//!
//! ```no_run
//! use aula_agent::{Agent, AgentConfig, AgentEvent};
//! use aula_protocol::{BoxId, DeviceEvent, Lang, RequestKind};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let cfg = AgentConfig::from_file("config/agent-dropbox.toml".as_ref())?;
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
pub mod dropbox;
mod error;
mod events;
pub mod headless;
pub mod health;
pub mod outbox;
pub mod runner;
mod session;
#[cfg(feature = "tls")]
mod tls;
pub mod tracker;

pub use agent::{Agent, AgentEvents, AgentStats, EVENT_CAPACITY};
pub use commands::{CommandAction, EXIT_RESTART, command_name, headless_action, result_event};
pub use config::{AgentConfig, BrokerConfig, TlsConfig};
pub use error::{AgentError, ConfigError, OutboxError, RequestError};
pub use events::{AgentEvent, Inbound, route};
pub use outbox::Outbox;
