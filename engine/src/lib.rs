//! # aula-engine
//!
//! The queue engine of an Aula hub: queue numbers, calls to counters, appointments, lanes,
//! opening hours and wait estimates for one site, kept as an append-only event log in SQLite
//! with the state derived from it. No network, no clock: every operation takes `now`, so tests
//! and simulations drive time (the hub owns MQTT, HTTP and the clock).
//!
//! Key types: [`SiteConfig`] (the validated `[site]` table), [`Engine`] (operations),
//! [`Ticket`] with its state machine [`Phase`], [`Event`] (what the log stores), [`State`]
//! (what replaying it gives), and [`sim::simulate_day`] (a busy day, for accuracy figures).
//!
//! ```
//! use aula_engine::{Engine, SiteConfig};
//! use aula_protocol::{CounterId, MessageId, Needs, ServiceId, TicketState};
//! use chrono::{TimeZone, Utc};
//!
//! let site = SiteConfig::from_toml(r#"
//!     [site]
//!     id = "demo"
//!     name = { fi = "Palvelupiste", sv = "Servicepunkt", en = "Service point" }
//!     [[site.services]]
//!     id = "vero"
//!     name = { fi = "Verohallinto", sv = "Skatteförvaltningen", en = "Finnish Tax Administration" }
//!     prefix = "V"
//!     hours = { tue = ["09:00-16:00"] }
//!     [[site.counters]]
//!     id = "3"
//!     name = { fi = "Palvelupiste 3", sv = "Servicepunkt 3", en = "Counter 3" }
//!     services = ["vero"]
//! "#, "site.toml").unwrap();
//! let mut engine = Engine::open_in_memory(site).unwrap();
//!
//! // Tuesday 24 Nov 2026, 10:00 in Helsinki.
//! let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
//! let vero = ServiceId::new("vero").unwrap();
//! let ticket = engine.issue_ticket(MessageId::new(), &vero, Needs::default(), now).unwrap();
//! assert_eq!(ticket.number.to_string(), "V001");
//!
//! let counter = CounterId::new("3").unwrap();
//! let call = engine.call_next(&counter, &[], now).unwrap();
//! assert_eq!(call.number.to_string(), "V001");
//! engine.start(&counter, now).unwrap();
//! engine.finish(&counter, now + chrono::TimeDelta::minutes(6)).unwrap();
//! assert_eq!(engine.ticket(ticket.id).unwrap().state(), TicketState::Served);
//!
//! // The state is always what replaying the log gives.
//! assert_eq!(engine.state(), &aula_engine::replay(engine.read_log().unwrap()));
//! ```
//!
//! ## Rules decided here
//! - **Numbers**: service prefix + daily sequence (`V001`), per prefix per site-local day;
//!   prefixes are unique on the site. Offline numbers from a kiosk's reserved block
//!   (`offline_numbers_from`, default 900) are recorded with their own issue time; online
//!   numbering skips any number already used, and a used number is refused.
//! - **A counter holds one ticket.** Calling the next while serving finishes the one in service
//!   ("next" means done). While the called customer has not come, calling the next is refused
//!   ([`EngineError::CounterBusy`]) until the no-show window (default 3 min after the *last*
//!   call) is over; then the called ticket becomes a no-show automatically, as
//!   [`Engine::tick`] would also do.
//! - **Finish needs start**: a called ticket cannot be "served" (it would put a zero into the
//!   service-time statistics); it is started, or marked as no-show.
//! - **Transfer** (wrong authority): the old ticket ends as Transferred; a new ticket in the
//!   target service **keeps the number** the customer holds and **keeps the original queue
//!   time**, in the target's walk-in lane (priority stays priority). Allowed while waiting or
//!   called, not in service.
//! - **Lanes**: priority first; then walk-in and due appointments balanced
//!   (`walk_ins_per_appointment`, default 2 walk-ins per appointment when both wait); FIFO by
//!   queue time within walk-in, by booked time within appointments; staff may call any
//!   number out of order ([`Engine::call_number`]). See [`lanes`].
//! - **Day end**: [`Engine::tick`] closes tickets of earlier days (waiting → cancelled,
//!   called → no-show, serving → served); [`Engine::close_day`] does it on demand. Every
//!   ticket reaches exactly one final state.
//! - **Wait estimate**: see the formula in [`wait`].
//! - **Idempotency**: issue, offline issue and check-in answer a repeated request id with the
//!   first answer and store nothing new; [`Engine::seen_before`] gives the hub the same for
//!   any other message.
//! - **Durability**: WAL, `synchronous=FULL`; [`Engine::batch`] groups many operations into
//!   one transaction (one fsync). See [`store`].

pub mod appointments;
pub mod config;
pub mod counters;
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
pub use config::{AuthorityId, CounterConfig, ServiceConfig, SiteConfig};
pub use counters::{Break, BreakFigures, BreakReason, Session};
pub use engine::{Engine, StaffCounterView, TicketRef, WaitingState, WaitingTicket, replay};
pub use error::{ConfigError, EngineError, Held, StoreError};
pub use event::{Event, EventKind, Issued};
pub use hours::{Hours, Presence, ServiceHours};
pub use sim::{SimOptions, SimReport, simulate_day};
pub use state::State;
pub use ticket::{Action, CancelReason, Outcome, Phase, Ticket};
