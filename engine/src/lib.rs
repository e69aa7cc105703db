//! # aula-engine
//!
//! The queue engine of an Aula hub (placeholder doc; filled in below).

pub mod appointments;
pub mod config;
mod engine;
pub mod error;
pub mod event;
pub mod hours;
pub mod lanes;
pub mod sim;
pub mod state;
pub mod store;
pub mod ticket;
pub mod wait;

pub use appointments::{Booking, ImportSummary};
pub use config::{CounterConfig, ServiceConfig, SiteConfig};
pub use engine::{Engine, TicketRef, replay};
pub use error::{ConfigError, EngineError, StoreError};
pub use event::{Event, EventKind, Issued};
pub use hours::Hours;
pub use state::State;
pub use ticket::{Action, CancelReason, Phase, Ticket};
