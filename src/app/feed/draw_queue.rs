//! Records between the socket and the screen. Records arrive far faster than a screen redraws
//! (thousands a second), so they wait here and reach the rendered list in slices, one per
//! animation frame, oldest first: a burst (a reconnect's catch-up, a backlog) is drawn whole
//! over a few frames, and no frame spends more than the socket's budget on rows. A flood the
//! page cannot draw overflows the queue; what fell out is counted on the next record drawn
//! (`Item::skipped_before`), so the list says where it has a gap.

use std::collections::VecDeque;
use std::sync::Arc;

use super::item::Item;
use crate::wire::receipt::Placed;

/// A record frame as it came off the socket: where it stands (peeked, not decoded), its place
/// in the page's arrival order, and when it came.
#[derive(Debug)]
pub struct RawRecord {
    pub placed: Placed,
    pub seq: u64,
    pub at: f64,
    pub text: String,
}

#[derive(Default)]
pub struct DrawQueue {
    /// Record frames as they came off the socket, not yet decoded.
    raw: Vec<RawRecord>,
    /// Decoded, not yet drawn; oldest first, never more than the list can show.
    pending: VecDeque<Arc<Item>>,
    /// Records skipped before the oldest pending one (or the next to arrive).
    skipped: u64,
    /// The server said it caught up once the records before this `seq` had arrived; the page
    /// says so once it has drawn (or skipped) them.
    caught_up_at: Option<u64>,
}

impl DrawQueue {
    pub fn push_raw(&mut self, raw: RawRecord) {
        self.raw.push(raw);
    }

    /// The frames to decode now, oldest first.
    pub fn take_raw(&mut self) -> Vec<RawRecord> {
        std::mem::take(&mut self.raw)
    }

    /// A record the list would push off before showing it: counted, never decoded.
    pub fn skip(&mut self) {
        self.skipped += 1;
    }

    /// A decoded record waits for a draw; past `keep`, the oldest waiting fall out.
    pub fn push(&mut self, item: Arc<Item>, keep: usize) {
        item.add_skipped_before(std::mem::take(&mut self.skipped));
        self.pending.push_back(item);
        self.overflow(keep);
    }

    /// Drops the oldest waiting records past `keep`, counting them on the next one.
    pub fn overflow(&mut self, keep: usize) {
        let mut dropped = 0;
        while self.pending.len() > keep
            && let Some(oldest) = self.pending.pop_front()
        {
            dropped += oldest.skipped_before() + 1;
        }
        if dropped > 0 {
            match self.pending.front() {
                Some(next) => next.add_skipped_before(dropped),
                None => self.skipped += dropped,
            }
        }
    }

    /// Up to `rows` waiting records, oldest first.
    pub fn take(&mut self, rows: usize) -> Vec<Arc<Item>> {
        let take = rows.min(self.pending.len());
        self.pending.drain(..take).collect()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The server caught up once the arrivals before `seq` are in.
    pub fn caught_up_at(&mut self, seq: u64) {
        self.caught_up_at = Some(seq);
    }

    /// Whether "caught up" is due now: every record before it was drawn or skipped. Says so once.
    pub fn caught_up_reached(&mut self) -> bool {
        let oldest_waiting = self.pending.front().map(|item| item.seq());
        let reached = self.caught_up_at.is_some_and(|at| oldest_waiting.is_none_or(|seq| seq >= at));
        if reached {
            self.caught_up_at = None;
        }
        reached
    }

    /// A new topic or start position: nothing waits.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::record::FeedRecord;

    fn queue_of(offsets: impl IntoIterator<Item = i64>, keep: usize) -> DrawQueue {
        let mut queue = DrawQueue::default();
        for offset in offsets {
            queue.push(Item::new(FeedRecord::sample(0, offset), offset as u64), keep);
        }
        queue
    }

    fn offsets(items: &[Arc<Item>]) -> Vec<(i64, u64)> {
        items.iter().map(|item| (item.record.offset, item.skipped_before())).collect()
    }

    #[test]
    fn records_leave_oldest_first_in_slices() {
        let mut queue = queue_of(0..5, 10);
        assert_eq!(offsets(&queue.take(2)), [(0, 0), (1, 0)]);
        assert_eq!(offsets(&queue.take(10)), [(2, 0), (3, 0), (4, 0)]);
        assert!(queue.is_empty());
    }

    #[test]
    fn an_overflow_is_counted_on_the_next_record() {
        let mut queue = queue_of(0..10, 4);
        assert_eq!(queue.len(), 4);
        assert_eq!(offsets(&queue.take(1)), [(6, 6)], "offsets 0 to 5 fell out before 6");
        queue.skip();
        queue.skip();
        queue.push(Item::new(FeedRecord::sample(0, 12), 12), 4);
        assert_eq!(offsets(&queue.take(10)), [(7, 0), (8, 0), (9, 0), (12, 2)]);
    }

    #[test]
    fn caught_up_waits_for_the_records_before_it() {
        let mut queue = queue_of(0..4, 10);
        queue.caught_up_at(2);
        assert!(!queue.caught_up_reached());
        queue.take(2);
        assert!(queue.caught_up_reached(), "records 2 and 3 came after it");
        assert!(!queue.caught_up_reached(), "said once");
    }
}
