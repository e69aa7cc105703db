//! A ticket's life as a state machine: [`Phase`] holds the state with its data, and each staff
//! action ([`Action`]) is a method that returns the next phase or refuses. No I/O, no clock:
//! the engine calls these with `now` and logs what they allow.
//!
//! ```text
//!          ┌───────────── return (a no-show of today; original queue time) ─────────────┐
//!          ▼                                                                            │
//!   ┌─▶ Waiting ──call──▶ Called ──start──▶ Serving ──finish [outcome]──▶ Served        │
//!   │    │  ▲               │  ▲ recall      │  ▲   └─(call next: auto-finish)   ▲      │
//!   │    │  │               │  └───┘    park │  │ resume                         │      │
//!   │    │  │               │                ▼  │                                │      │
//!   │    │  │               │               Parked ───────────(day end)──────────┘      │
//!   │    │  └──reserve──────┤   reserve: waits for one counter, same ticket, number     │
//!   └────┤ reserve          │            and place in line                              │
//!        │                  ├──no-show / wait window over──▶ NoShow ────────────────────┘
//!        ├──transfer────────┴──────────────────────────────▶ Transferred (→ new ticket)
//!        └──cancel (also: Called) ─────────────────────────▶ Cancelled
//! ```
//! Final states: Served, NoShow, Cancelled, Transferred. NoShow is final for the day's
//! figures but can be *returned* to Waiting the same day (the customer came back): the one
//! way out of a final state, so "every ticket ends in exactly one final state" counts a
//! return as undoing the no-show. A called ticket can be transferred (the customer came to
//! the wrong counter); a ticket in service can only be finished or parked.
//!
//! Parked (the customer fetches a document; the counter serves others meanwhile) is not a
//! wire state: [`Phase::state`] reports it as `Serving` until the protocol has a `parked`
//! state, since to the customer it is "being served at that counter". The engine and the
//! staff views use [`Phase::name`], which says `Parked`.

use std::fmt;

use aula_protocol::{CounterId, Lane, MessageId, Needs, ServiceId, TicketId, TicketNumber, TicketState, WaitRange};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Something staff or a timer does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Call,
    Recall,
    Start,
    Finish,
    NoShow,
    Transfer,
    Cancel,
    /// Put the ticket in service aside (the customer fetches a document).
    Park,
    /// Take a parked ticket back into service.
    Resume,
    /// A no-show of today back to the queue.
    Return,
    /// Reserve a waiting or called ticket for a given counter.
    Reserve,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Call => "call",
            Action::Recall => "recall",
            Action::Start => "start",
            Action::Finish => "finish",
            Action::NoShow => "mark as no-show",
            Action::Transfer => "transfer",
            Action::Cancel => "cancel",
            Action::Park => "park",
            Action::Resume => "resume",
            Action::Return => "return to the queue",
            Action::Reserve => "transfer to a counter",
        })
    }
}

/// Why a ticket was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// Staff or the customer cancelled it.
    Staff,
    /// The service day ended with the ticket still waiting (daily rollover).
    DayClosed,
}

/// How a finished service went, as the counter records it ("got it done" in the reports).
/// A plain finish, the call-next auto-finish and the day-end close leave it unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done on the spot.
    Done,
    /// Got it started (pending: a decision or documents to come).
    Pending,
    /// Belongs to another authority; the customer was sent there.
    Elsewhere,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Done, Outcome::Pending, Outcome::Elsewhere];
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Done => "done",
            Outcome::Pending => "pending",
            Outcome::Elsewhere => "elsewhere",
        })
    }
}

/// Where a ticket is in its life, with the data each state needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    /// Called to `counter`; `at` is the latest call (recalls move it, so the no-show window
    /// counts from the last announcement).
    Called {
        counter: CounterId,
        at: DateTime<Utc>,
    },
    /// In service at `counter` since `since` (the start, or the latest resume).
    Serving {
        counter: CounterId,
        since: DateTime<Utc>,
    },
    /// Service at `counter` paused since `since`: the customer fetches something and comes
    /// back to the same counter, which calls others meanwhile.
    Parked {
        counter: CounterId,
        since: DateTime<Utc>,
    },
    Served {
        at: DateTime<Utc>,
    },
    NoShow {
        at: DateTime<Utc>,
    },
    Cancelled {
        at: DateTime<Utc>,
        reason: CancelReason,
    },
    /// Moved to another service as ticket `to`.
    Transferred {
        at: DateTime<Utc>,
        to: TicketId,
    },
}

/// The action is not allowed in the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Illegal {
    pub state: TicketState,
    pub action: Action,
}

impl Phase {
    /// The wire name of this state.
    pub fn state(&self) -> TicketState {
        match self {
            Phase::Waiting => TicketState::Waiting,
            Phase::Called { .. } => TicketState::Called,
            // No wire state for it yet: to the customer it is service at that counter.
            Phase::Serving { .. } | Phase::Parked { .. } => TicketState::Serving,
            Phase::Served { .. } => TicketState::Served,
            Phase::NoShow { .. } => TicketState::NoShow,
            Phase::Cancelled { .. } => TicketState::Cancelled,
            Phase::Transferred { .. } => TicketState::Transferred,
        }
    }

    /// The engine's own name of the state, exact where the wire state is not (`Parked`).
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Waiting => "Waiting",
            Phase::Called { .. } => "Called",
            Phase::Serving { .. } => "Serving",
            Phase::Parked { .. } => "Parked",
            Phase::Served { .. } => "Served",
            Phase::NoShow { .. } => "NoShow",
            Phase::Cancelled { .. } => "Cancelled",
            Phase::Transferred { .. } => "Transferred",
        }
    }

    pub fn is_final(&self) -> bool {
        self.state().is_final()
    }

    /// The counter the ticket belongs to: called or in service there, or parked there (the
    /// customer comes back to it).
    pub fn counter(&self) -> Option<&CounterId> {
        match self {
            Phase::Called { counter, .. } | Phase::Serving { counter, .. } | Phase::Parked { counter, .. } => {
                Some(counter)
            }
            _ => None,
        }
    }

    fn illegal(&self, action: Action) -> Illegal {
        Illegal { state: self.state(), action }
    }

    /// First call. Only a waiting ticket can be called; a called ticket is *recalled*.
    pub fn call(&self, counter: &CounterId, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting => Ok(Phase::Called { counter: counter.clone(), at }),
            _ => Err(self.illegal(Action::Call)),
        }
    }

    /// Announce again; restarts the no-show window.
    pub fn recall(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Called { counter, .. } => Ok(Phase::Called { counter: counter.clone(), at }),
            _ => Err(self.illegal(Action::Recall)),
        }
    }

    /// The customer arrived at the counter.
    pub fn start(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Called { counter, .. } => Ok(Phase::Serving { counter: counter.clone(), since: at }),
            _ => Err(self.illegal(Action::Start)),
        }
    }

    /// Service done. Only from Serving (or Parked, which only the day-end close does: staff
    /// resume a parked ticket before finishing it): a called customer who never arrived is a
    /// no-show, not "served", or the service-time statistics would fill with zeros.
    pub fn finish(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Serving { .. } | Phase::Parked { .. } => Ok(Phase::Served { at }),
            _ => Err(self.illegal(Action::Finish)),
        }
    }

    /// Puts the service aside; the counter is free to call others.
    pub fn park(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Serving { counter, .. } => Ok(Phase::Parked { counter: counter.clone(), since: at }),
            _ => Err(self.illegal(Action::Park)),
        }
    }

    /// Back into service at the counter it was parked at.
    pub fn resume(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Parked { counter, .. } => Ok(Phase::Serving { counter: counter.clone(), since: at }),
            _ => Err(self.illegal(Action::Resume)),
        }
    }

    /// A no-show whose customer came back waits again (the engine keeps its place in line).
    pub fn return_to_queue(&self) -> Result<Phase, Illegal> {
        match self {
            Phase::NoShow { .. } => Ok(Phase::Waiting),
            _ => Err(self.illegal(Action::Return)),
        }
    }

    /// Reserved for a counter: waiting again (a called ticket leaves the counter that called
    /// it). Not in service: the customer is already being helped there.
    pub fn reserve(&self) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting | Phase::Called { .. } => Ok(Phase::Waiting),
            _ => Err(self.illegal(Action::Reserve)),
        }
    }

    pub fn no_show(&self, at: DateTime<Utc>) -> Result<Phase, Illegal> {
        match self {
            Phase::Called { .. } => Ok(Phase::NoShow { at }),
            _ => Err(self.illegal(Action::NoShow)),
        }
    }

    /// Waiting or called tickets can move to another service; one in service cannot (finish
    /// it, then issue a new ticket if the customer needs another authority too).
    pub fn transfer(&self, at: DateTime<Utc>, to: TicketId) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting | Phase::Called { .. } => Ok(Phase::Transferred { at, to }),
            _ => Err(self.illegal(Action::Transfer)),
        }
    }

    pub fn cancel(&self, at: DateTime<Utc>, reason: CancelReason) -> Result<Phase, Illegal> {
        match self {
            Phase::Waiting | Phase::Called { .. } => Ok(Phase::Cancelled { at, reason }),
            _ => Err(self.illegal(Action::Cancel)),
        }
    }
}

/// One ticket as the engine knows it (derived from the log).
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub service: ServiceId,
    pub lane: Lane,
    pub needs: Needs,
    /// The service day (site-local date) the number belongs to.
    pub day: NaiveDate,
    /// Place in line: FIFO order within a lane. Kept across a transfer.
    pub queued_at: DateTime<Utc>,
    /// When this ticket record was created (differs from `queued_at` after a transfer, and
    /// for offline tickets recorded later).
    pub created_at: DateTime<Utc>,
    /// Appointments: booked time and the booking code.
    pub booked_at: Option<DateTime<Utc>>,
    pub booking: Option<String>,
    pub phase: Phase,
    /// First call (the end of the customer's wait).
    pub first_called_at: Option<DateTime<Utc>>,
    /// The call that began the ticket's latest stint at a counter (differs from the first
    /// call after a return from no-show or a reservation): counter occupancy counts from it.
    pub called_at: Option<DateTime<Utc>>,
    pub calls: u32,
    pub started_at: Option<DateTime<Utc>>,
    /// Time spent parked, left out of the service time and the counter's occupancy (the
    /// counter served others meanwhile).
    pub parked: TimeDelta,
    /// How the service went, when the counter said ([`Outcome`]).
    pub outcome: Option<Outcome>,
    /// Times it came back to the queue after a no-show.
    pub returned: u32,
    /// Waiting for this counter only (transferred to it); other counters do not call it.
    pub reserved_for: Option<CounterId>,
    pub transferred_from: Option<TicketId>,
    /// The request that created it (idempotency key), if any.
    pub request: Option<MessageId>,
    /// What the customer was told at issue.
    pub people_ahead: u32,
    pub wait: Option<WaitRange>,
    /// Issued by a kiosk from its reserved block while the hub was away.
    pub offline: bool,
}

impl Ticket {
    pub fn state(&self) -> TicketState {
        self.phase.state()
    }

    /// When this ticket's turn is reckoned from: booked time for appointments, else place
    /// in line.
    pub fn order_key(&self) -> DateTime<Utc> {
        match (self.lane, self.booked_at) {
            (Lane::Appointment, Some(b)) => b,
            _ => self.queued_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_needs_serving() {
        let t = Utc::now();
        let c = CounterId::new("3").unwrap();
        let called = Phase::Waiting.call(&c, t).unwrap();
        assert_eq!(called.finish(t).unwrap_err(), Illegal { state: TicketState::Called, action: Action::Finish });
        let serving = called.start(t).unwrap();
        assert!(serving.finish(t).unwrap().is_final());
        assert!(serving.transfer(t, TicketId::new()).is_err());
    }

    /// Which phases each new action accepts: park only in service, resume only parked, return
    /// only a no-show, reserve only before service. Guards the diagram above.
    #[test]
    fn new_actions_accept_only_their_phases() {
        let t = Utc::now();
        let c = CounterId::new("3").unwrap();
        let phases = [
            Phase::Waiting,
            Phase::Called { counter: c.clone(), at: t },
            Phase::Serving { counter: c.clone(), since: t },
            Phase::Parked { counter: c.clone(), since: t },
            Phase::Served { at: t },
            Phase::NoShow { at: t },
            Phase::Cancelled { at: t, reason: CancelReason::Staff },
            Phase::Transferred { at: t, to: TicketId::new() },
        ];
        let accepts = |f: &dyn Fn(&Phase) -> bool| phases.iter().filter(|p| f(p)).map(|p| p.name()).collect::<Vec<_>>();
        assert_eq!(accepts(&|p| p.park(t).is_ok()), ["Serving"]);
        assert_eq!(accepts(&|p| p.resume(t).is_ok()), ["Parked"]);
        assert_eq!(accepts(&|p| p.return_to_queue().is_ok()), ["NoShow"]);
        assert_eq!(accepts(&|p| p.reserve().is_ok()), ["Waiting", "Called"]);
        assert_eq!(accepts(&|p| p.finish(t).is_ok()), ["Serving", "Parked"]);
        // On the wire a parked ticket is still in service at its counter.
        assert_eq!(phases[3].state(), TicketState::Serving);
        assert_eq!(phases[3].counter(), Some(&c));
    }
}
