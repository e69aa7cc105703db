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
//! The staff console's side: counter [`Session`]s and [`Break`]s (`counters`), [`Outcome`],
//! today's [`Presence`] of an authority, and the staff views [`WaitingTicket`] and
//! [`StaffCounterView`] (operations in `engine/console.rs`).
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
//! // The staff console: sign in serving vero, see the line, finish with an outcome.
//! engine.open_counter(&counter, &[vero.clone()], now).unwrap();
//! engine.issue_ticket(MessageId::new(), &vero, Needs::default(), now).unwrap();
//! let line = engine.waiting_list(&[vero.clone()], now);
//! assert_eq!(line[0].number.to_string(), "V002");
//! engine.call_next(&counter, &[], now).unwrap();
//! engine.start(&counter, now).unwrap();
//! engine.finish_with(&counter, aula_engine::Outcome::Done, now + chrono::TimeDelta::minutes(4)).unwrap();
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
//! - **Wait estimate**: see the formula in [`wait`], and which counters count as staffed
//!   (sessions, breaks) in its "Staffed counters".
//! - **Counter sessions** ([`Engine::open_counter`], [`Engine::close_counter`]): staff sign
//!   in serving a non-empty subset of the counter's configured services (stored in config
//!   order; the same set again logs nothing; on an open counter it changes the services);
//!   "call next" with no services named then serves those. A counter never opened works as
//!   before (its configured services), and calling never needs a session. Closing is refused
//!   while the counter holds a called, serving or parked ticket (the refusal names each); it
//!   ends a break in progress; tickets reserved for the counter go back to their service's
//!   line at their original place. The rollover closes sessions and breaks begun on an
//!   earlier day, [`Engine::close_day`] all of them.
//! - **Breaks** ([`Engine::start_break`]): a reason from [`BreakReason`], for reports only
//!   ([`Engine::break_figures`]: count and minutes per counter and reason, on the day the
//!   break began). On a break a counter calls nobody (next or by number) and resumes nobody;
//!   a break cannot start with a ticket called or in service (a parked one may wait). The
//!   wall never shows a break: the counter shows no number, as an idle one does.
//! - **Outcome** ([`Engine::finish_with`]): Done, Pending or Elsewhere, kept on the ticket
//!   and logged with its own code; a plain finish, the call-next auto-finish and the day
//!   end leave it unknown.
//! - **Park and resume** ([`Engine::park`], [`Engine::resume`]): the ticket in service is
//!   set aside and the counter is free to call others; it resumes only at the same counter,
//!   when that counter has nothing called or in service and is not on a break. Parked time
//!   is left out of the service time and the counter occupancy. At day end a parked ticket
//!   closes as **served** (its service had started; the customer may have left with what
//!   they came for). On the wire it is `serving`: the protocol has no parked state yet.
//! - **A no-show comes back** ([`Engine::return_no_show`]): a no-show of today goes back to
//!   Waiting in its lane with its **original** queue time, counted on the ticket as
//!   returned; refused for other states and earlier days. Its next stint at a counter is
//!   timed from its new call. "Every ticket reaches exactly one final state" counts a
//!   return as undoing the no-show.
//! - **Transfer to a counter** ([`Engine::transfer_to_counter`]): a waiting or called
//!   ticket keeps its ticket, number, service, lane and queue time and waits for that
//!   counter only: the counter takes reserved tickets before its lines (priority first,
//!   then queue time; only of the named services when "call next" names some); no other
//!   counter calls it, not even by number. The counter must be configured for the ticket's
//!   service (else move it to the right service first). On the wall it waits for its
//!   service. A reserved call does not move the lane balance.
//! - **Today's presence** ([`Engine::set_presence`]): absent, other hours, or as planned,
//!   for a service on today or a later day; laid over the configured hours wherever hours
//!   are asked ([`Engine::hours_of`]: queue state, issuing, the estimate). Tickets already
//!   waiting stay (staff move or cancel them); checking in a booking is not affected.
//! - **What staff see** ([`Engine::waiting_list`], [`Engine::counter_view`]): number,
//!   service, lane, queue and booked times, needs flags, state, reservation; the list in the
//!   order "call next" takes tickets, then called, parked and today's no-shows. The engine
//!   holds no personal data, and breaks and parked tickets never reach [`Engine::queue_state`].
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
