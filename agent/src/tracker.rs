//! Which outbox row each in-flight MQTT publish carries: the pure bookkeeping between
//! "row handed to the MQTT client" and "broker acknowledged it, row may be deleted".
//! No I/O and no tokio: the session feeds it what rumqttc reports and does what it returns.
//!
//! rumqttc assigns packet ids itself, when a publish leaves its request queue, and reports
//! that as `Event::Outgoing(Outgoing::Publish(pkid))` in the same order the publishes were
//! queued. So the tracker keeps a FIFO of what the session queued ([`Slot`]) and pairs each
//! outgoing notice with the FIFO's head. A `PubAck(pkid)` then names the row to delete.
//! Publishes that are not outbox rows (status, requests, health) are queued as
//! [`Slot::Other`] so the pairing stays aligned.
//!
//! On a disconnect everything in flight is forgotten ([`Tracker::reset`]): the session
//! also drops rumqttc's own retransmission queue and sends the unacknowledged rows again
//! from the database, which is the only copy that matters.

use std::collections::{HashMap, VecDeque};

/// The key of an outbox row (its insertion sequence number).
pub type RowId = i64;

/// What one queued publish carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Row(RowId),
    Other,
}

/// What a notice from the MQTT client means for the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Nothing to do.
    None,
    /// The broker has the row: delete it.
    Acked(RowId),
    /// A notice the tracker cannot pair (a bug or an unexpected client behaviour); logged.
    Unexpected,
}

/// Pairs publishes with packet ids and acknowledgements with rows.
#[derive(Debug)]
pub struct Tracker {
    window: usize,
    queued: VecDeque<Slot>,
    inflight: HashMap<u16, RowId>,
    /// A publish rumqttc held back because its packet id was still in use (`AwaitAck`).
    collision: Option<(u16, Slot)>,
    /// Highest row handed to the client since the last reset; the next read starts after it.
    cursor: RowId,
    /// Rows queued or in flight.
    rows_out: usize,
}

impl Tracker {
    /// `window`: at most this many rows are queued or in flight at once.
    pub fn new(window: usize) -> Self {
        Self {
            window: window.max(1),
            queued: VecDeque::new(),
            inflight: HashMap::new(),
            collision: None,
            cursor: 0,
            rows_out: 0,
        }
    }

    /// How many more rows may be handed to the client now.
    pub fn free(&self) -> usize {
        self.window.saturating_sub(self.rows_out)
    }

    /// Rows are read from the database after this id.
    pub fn cursor(&self) -> RowId {
        self.cursor
    }

    /// Rows queued or in flight.
    pub fn rows_out(&self) -> usize {
        self.rows_out
    }

    /// The session handed a publish to the client.
    pub fn queued(&mut self, slot: Slot) {
        if let Slot::Row(id) = slot {
            self.cursor = self.cursor.max(id);
            self.rows_out += 1;
        }
        self.queued.push_back(slot);
    }

    /// `Outgoing::Publish(pkid)`: the head of the queue left with this packet id.
    pub fn outgoing(&mut self, pkid: u16) -> Notice {
        if let Some((c, slot)) = self.collision
            && c == pkid
        {
            // The held-back publish went out once its packet id was freed.
            self.collision = None;
            if let Slot::Row(id) = slot {
                self.inflight.insert(pkid, id);
            }
            return Notice::None;
        }
        match self.queued.pop_front() {
            Some(Slot::Row(id)) if pkid != 0 => {
                self.inflight.insert(pkid, id);
                Notice::None
            }
            Some(Slot::Row(_)) => Notice::Unexpected,
            Some(Slot::Other) => Notice::None,
            None => Notice::Unexpected,
        }
    }

    /// `Outgoing::AwaitAck(pkid)`: the head of the queue collided with an unacknowledged
    /// packet id and waits; it leaves later with an `Outgoing::Publish(pkid)`.
    pub fn await_ack(&mut self, pkid: u16) -> Notice {
        match self.queued.pop_front() {
            Some(slot) => {
                self.collision = Some((pkid, slot));
                Notice::None
            }
            None => Notice::Unexpected,
        }
    }

    /// `Incoming::PubAck(pkid)`: returns the row the broker now holds, if it was one.
    pub fn puback(&mut self, pkid: u16) -> Notice {
        match self.inflight.remove(&pkid) {
            Some(id) => {
                self.rows_out = self.rows_out.saturating_sub(1);
                Notice::Acked(id)
            }
            // A status or request publish.
            None => Notice::None,
        }
    }

    /// The connection dropped: forget everything in flight; every row not yet deleted will
    /// be read and sent again from the start.
    pub fn reset(&mut self) {
        self.queued.clear();
        self.inflight.clear();
        self.collision = None;
        self.cursor = 0;
        self.rows_out = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_packet_ids_with_rows_in_queue_order() {
        let mut t = Tracker::new(10);
        t.queued(Slot::Row(1));
        t.queued(Slot::Other);
        t.queued(Slot::Row(2));
        assert_eq!(t.free(), 8);
        assert_eq!(t.outgoing(1), Notice::None);
        assert_eq!(t.outgoing(2), Notice::None); // status publish
        assert_eq!(t.outgoing(3), Notice::None);
        assert_eq!(t.puback(2), Notice::None);
        assert_eq!(t.puback(3), Notice::Acked(2));
        assert_eq!(t.puback(1), Notice::Acked(1));
        assert_eq!(t.free(), 10);
        assert_eq!(t.cursor(), 2);
    }

    #[test]
    fn qos0_publishes_keep_alignment() {
        let mut t = Tracker::new(10);
        t.queued(Slot::Other); // health, QoS 0: reported with packet id 0
        t.queued(Slot::Row(5));
        assert_eq!(t.outgoing(0), Notice::None);
        assert_eq!(t.outgoing(7), Notice::None);
        assert_eq!(t.puback(7), Notice::Acked(5));
    }

    /// Guards against deleting a row that was never acknowledged: an ack for a packet id
    /// that carried no row, or a second ack for the same id, deletes nothing.
    #[test]
    fn stray_and_repeated_acks_delete_nothing() {
        let mut t = Tracker::new(10);
        assert_eq!(t.puback(4), Notice::None);
        t.queued(Slot::Row(1));
        t.outgoing(4);
        assert_eq!(t.puback(4), Notice::Acked(1));
        assert_eq!(t.puback(4), Notice::None);
        assert_eq!(t.outgoing(9), Notice::Unexpected);
    }

    #[test]
    fn reset_forgets_in_flight_rows_and_rewinds() {
        let mut t = Tracker::new(3);
        for id in 1..=3 {
            t.queued(Slot::Row(id));
        }
        assert_eq!(t.free(), 0);
        t.outgoing(1);
        t.reset();
        assert_eq!(t.free(), 3);
        assert_eq!(t.cursor(), 0);
        // An ack arriving from the old connection deletes nothing.
        assert_eq!(t.puback(1), Notice::None);
    }

    #[test]
    fn collision_is_paired_when_the_publish_finally_leaves() {
        let mut t = Tracker::new(10);
        t.queued(Slot::Row(1));
        t.queued(Slot::Row(2));
        t.outgoing(1);
        assert_eq!(t.await_ack(1), Notice::None); // row 2 waits for packet id 1
        assert_eq!(t.puback(1), Notice::Acked(1));
        assert_eq!(t.outgoing(1), Notice::None); // row 2 leaves with id 1
        assert_eq!(t.puback(1), Notice::Acked(2));
    }
}
