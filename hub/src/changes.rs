//! The change feed: what happened in the hub that must go out. Two listeners:
//! - the MQTT publisher (`mqtt::publish`), the one receiver of [`Change`]s (the retained
//!   queue state, a call, a device command);
//! - the console's live pages, through the [`LiveFeed`]: numbered events naming the area
//!   that changed ([`Live`]), kept in a ring so a page that reconnects with the last id it
//!   saw gets exactly the events it missed (or, if too many were missed, is told to reload).
//!
//! Domains get a [`Changes`] sender at construction and never know who listens.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use aula_protocol::{CallEvent, Command, DeviceId, Envelope};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

/// What the publisher must send out.
#[derive(Debug, Clone)]
pub enum Change {
    /// The queue changed: republish the retained state (debounced).
    State,
    /// A call or recall: publish it on `queue/call` now, then the state.
    Call(CallEvent),
    /// (Re)connected: publish the state now even if unchanged (the broker may have lost it).
    Resync,
    /// A staff command for one device: publish it on that device's `cmd` topic (QoS 1).
    Command(DeviceId, Envelope<Command>),
}

/// Which area of the console a change touches (the page decides what to refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Live {
    Queue,
    Help,
    /// A help request nobody acknowledged in time: lobby views sound an alarm.
    HelpEscalated,
    /// A message from the advisor to a counter.
    Messages,
    Devices,
    Alerts,
    /// Announcement, today's presence.
    Lobby,
}

impl Live {
    pub fn as_str(self) -> &'static str {
        match self {
            Live::Queue => "queue",
            Live::Help => "help",
            Live::HelpEscalated => "help_escalated",
            Live::Messages => "messages",
            Live::Devices => "devices",
            Live::Alerts => "alerts",
            Live::Lobby => "lobby",
        }
    }
}

/// One live event: an increasing id and what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LiveEvent {
    pub id: u64,
    pub what: Live,
}

/// How many events a reconnecting page can catch up on.
pub const RING: usize = 4096;

struct Ring {
    next: u64,
    events: VecDeque<LiveEvent>,
}

/// The numbered live events (shared). Ids start at the hub's start time in milliseconds, so
/// an id from before a restart is older than anything here and the page reloads.
pub struct LiveFeed {
    ring: Mutex<Ring>,
    tx: broadcast::Sender<LiveEvent>,
}

/// What a page reconnecting after `last` gets.
#[derive(Debug, PartialEq, Eq)]
pub enum CatchUp {
    /// Exactly the events after `last`, in order.
    Events(Vec<LiveEvent>),
    /// `last` is older than the ring (or unknown): reload the page.
    Reload,
}

impl LiveFeed {
    pub fn new(first_id: u64) -> LiveFeed {
        let (tx, _) = broadcast::channel(RING);
        LiveFeed { ring: Mutex::new(Ring { next: first_id.max(1), events: VecDeque::with_capacity(RING) }), tx }
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push(&self, what: Live) -> u64 {
        let mut r = self.ring();
        let ev = LiveEvent { id: r.next, what };
        r.next += 1;
        if r.events.len() == RING {
            r.events.pop_front();
        }
        r.events.push_back(ev);
        // Sent under the lock, so subscribers see events in id order with no gap between
        // a catch-up and the stream.
        let _ = self.tx.send(ev);
        ev.id
    }

    /// The id of the latest event (or one before the first).
    pub fn last_id(&self) -> u64 {
        self.ring().next - 1
    }

    /// Subscribes, with what happened after `last` (None: a fresh page, nothing to catch up).
    pub fn subscribe(&self, last: Option<u64>) -> (CatchUp, broadcast::Receiver<LiveEvent>) {
        let r = self.ring();
        let rx = self.tx.subscribe();
        let catch_up = match last {
            None => CatchUp::Events(Vec::new()),
            Some(last) if last >= r.next => CatchUp::Reload,
            Some(last) => {
                let oldest = r.events.front().map_or(r.next, |e| e.id);
                if last + 1 < oldest {
                    CatchUp::Reload
                } else {
                    CatchUp::Events(r.events.iter().filter(|e| e.id > last).copied().collect())
                }
            }
        };
        (catch_up, rx)
    }
}

/// The sending side of the change feed (cheap to clone).
#[derive(Clone)]
pub struct Changes {
    publisher: mpsc::UnboundedSender<Change>,
    live: Arc<LiveFeed>,
}

impl Changes {
    /// A feed, its one publisher receiver, and the live feed the console subscribes to.
    pub fn channel(first_live_id: u64) -> (Changes, mpsc::UnboundedReceiver<Change>, Arc<LiveFeed>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let live = Arc::new(LiveFeed::new(first_live_id));
        (Changes { publisher: tx, live: live.clone() }, rx, live)
    }

    pub fn send(&self, change: Change) {
        let live = match &change {
            Change::State | Change::Call(_) => Some(Live::Queue),
            Change::Command(..) => Some(Live::Devices),
            Change::Resync => None,
        };
        // The publisher only stops at shutdown; a lost notification then does not matter.
        let _ = self.publisher.send(change);
        if let Some(l) = live {
            self.live.push(l);
        }
    }

    /// Tells the live pages that `what` changed.
    pub fn live(&self, what: Live) {
        self.live.push(what);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconnecting_page_gets_exactly_what_it_missed_or_is_told_to_reload() {
        let feed = LiveFeed::new(1000);
        let ids: Vec<u64> = (0..5).map(|_| feed.push(Live::Queue)).collect();
        assert_eq!(ids, [1000, 1001, 1002, 1003, 1004]);
        let (catch_up, mut rx) = feed.subscribe(Some(1002));
        assert_eq!(
            catch_up,
            CatchUp::Events(vec![LiveEvent { id: 1003, what: Live::Queue }, LiveEvent { id: 1004, what: Live::Queue }])
        );
        feed.push(Live::Help);
        assert_eq!(rx.try_recv().unwrap(), LiveEvent { id: 1005, what: Live::Help }, "no gap, no repeat");
        // An id from before a restart (smaller than anything here) or from the future.
        assert_eq!(feed.subscribe(Some(10)).0, CatchUp::Reload);
        assert_eq!(feed.subscribe(Some(5000)).0, CatchUp::Reload);
        // Up to date: nothing to catch up.
        assert_eq!(feed.subscribe(Some(1005)).0, CatchUp::Events(vec![]));
    }

    #[test]
    fn a_page_that_missed_more_than_the_ring_reloads() {
        let feed = LiveFeed::new(1);
        for _ in 0..RING + 10 {
            feed.push(Live::Queue);
        }
        assert_eq!(feed.subscribe(Some(3)).0, CatchUp::Reload);
        let oldest_kept = feed.last_id() - RING as u64 + 1;
        assert!(matches!(feed.subscribe(Some(oldest_kept - 1)).0, CatchUp::Events(v) if v.len() == RING));
    }
}
