//! Everything the live feed knows, as plain data: which records the page has seen
//! (`Arrivals`), what waits to be drawn (`DrawQueue`), round trips (`RoundTripClock`), records
//! per second (`Throughput`), the watched group's progress (`GroupProgress`), the counts not yet
//! shown and the filter. `FeedState` holds one and shows what it says through signals; the
//! logic here needs no reactive runtime.

use std::sync::Arc;

use super::arrivals::Arrivals;
use super::draw_queue::{DrawQueue, RawRecord};
use super::group_progress::GroupProgress;
use super::item::Item;
use super::round_trips::{Measured, RoundTripClock};
use super::throughput::Throughput;
use crate::app::text_filter::Matcher;
use crate::wire::frame::ServerFrame;
use crate::wire::receipt::Placed;
use crate::wire::record::FeedRecord;

/// What the page is like at the moment a record is taken in.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    /// When the record came off the socket (ms, monotonic), for one taken in decoded.
    pub at_ms: f64,
    /// The wall clock's second, for records per second.
    pub second: i64,
    /// Records the list keeps.
    pub keep: usize,
    pub paused: bool,
}

/// A measured round trip, and the row it belongs to.
pub type RowTrip = Measured<Arc<Item>>;

pub struct FeedModel {
    pub arrivals: Arrivals,
    pub queue: DrawQueue,
    pub clock: RoundTripClock<Arc<Item>>,
    pub throughput: Throughput,
    pub group: GroupProgress,
    /// Arrivals not yet added to the page's "received" count.
    uncounted: u64,
    /// Arrivals while paused.
    held: u64,
    pub filter: Matcher,
}

impl Default for FeedModel {
    fn default() -> Self {
        Self {
            arrivals: Arrivals::default(),
            queue: DrawQueue::default(),
            clock: RoundTripClock::default(),
            throughput: Throughput::default(),
            group: GroupProgress::default(),
            uncounted: 0,
            held: 0,
            filter: Matcher::Everything,
        }
    }
}

impl FeedModel {
    /// A record frame as it came off the socket, at `at`: it waits undecoded for the next draw.
    pub fn take_in(&mut self, placed: Placed, text: String, at: f64) {
        let seq = self.arrivals.take_seq();
        self.queue.push_raw(RawRecord { placed, seq, at, text });
    }

    /// A record taken in decoded; `None` when the page has seen it before.
    pub fn take_in_decoded(&mut self, record: FeedRecord, now: &Moment) -> Option<Option<RowTrip>> {
        if !self.arrivals.first_sight(record.partition, record.offset) {
            return None;
        }
        let seq = self.arrivals.take_seq();
        Some(self.arrive(record, seq, now.at_ms, now))
    }

    /// Decodes the frames `take_in` took: of those this page has not seen, the newest the list
    /// keeps. The others are counted (and their round trips taken) without decoding.
    pub fn digest(&mut self, now: &Moment) -> Vec<RowTrip> {
        let fresh: Vec<RawRecord> = self
            .queue
            .take_raw()
            .into_iter()
            .filter(|frame| self.arrivals.first_sight(frame.placed.partition, frame.placed.offset))
            .collect();
        let unshown = fresh.len().saturating_sub(now.keep);
        let mut measured = Vec::new();
        for (index, RawRecord { placed, seq, at, text }) in fresh.into_iter().enumerate() {
            if index < unshown {
                measured.extend(self.clock.arrived(placed, at, None));
                self.queue.skip();
                self.count(now);
                continue;
            }
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(ServerFrame::Record(record)) => measured.extend(self.arrive(record, seq, at, now)),
                _ => leptos::logging::warn!("kafka-live: ignoring a record frame it cannot read"),
            }
        }
        measured
    }

    /// `at`: when the record came off the socket.
    fn arrive(&mut self, record: FeedRecord, seq: u64, at: f64, now: &Moment) -> Option<RowTrip> {
        let placed = Placed { partition: record.partition, offset: record.offset };
        let item = Item::new(record, seq);
        let measured = self.clock.arrived(placed, at, Some(Arc::clone(&item)));
        self.count(now);
        // A page that cannot draw (a background tab, or paused) must not pile records up: any
        // beyond what the list shows would fall off the bottom unseen anyway.
        self.queue.push(item, now.keep);
        measured
    }

    fn count(&mut self, now: &Moment) {
        self.uncounted += 1;
        if now.paused {
            self.held += 1;
        }
        self.throughput.count(now.second);
    }

    /// Arrivals since the last call.
    pub fn take_uncounted(&mut self) -> u64 {
        std::mem::take(&mut self.uncounted)
    }

    /// Arrivals since the page paused.
    pub fn held(&self) -> u64 {
        self.held
    }

    pub fn clear_held(&mut self) {
        self.held = 0;
    }

    /// A new topic or start position: the view starts over; round trips and the order go on.
    pub fn start_over(&mut self) {
        self.queue.clear();
        self.arrivals.forget();
        self.uncounted = 0;
        self.held = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Moment = Moment { at_ms: 0.0, second: 0, keep: 10, paused: false };

    fn frame(offset: i64) -> String {
        serde_json::to_string(&ServerFrame::Record(FeedRecord::sample(0, offset))).unwrap()
    }

    #[test]
    fn a_flood_is_decoded_only_as_far_as_the_list_shows_and_counted_whole() {
        let mut model = FeedModel::default();
        for offset in 0..100 {
            model.take_in(Placed { partition: 0, offset }, frame(offset), 0.0);
        }
        // A repeat from a reconnect is neither shown nor counted.
        model.take_in(Placed { partition: 0, offset: 99 }, frame(99), 0.0);
        model.digest(&NOW);
        assert_eq!(model.take_uncounted(), 100);
        let drawn = model.queue.take(usize::MAX);
        assert_eq!(
            drawn.iter().map(|item| item.record.offset).collect::<Vec<_>>(),
            (90..100).collect::<Vec<_>>()
        );
        assert_eq!(drawn[0].skipped_before(), 90);
    }

    #[test]
    fn while_paused_arrivals_are_held() {
        let mut model = FeedModel::default();
        let paused = Moment { paused: true, ..NOW };
        assert!(model.take_in_decoded(FeedRecord::sample(0, 0), &paused).is_some());
        assert!(model.take_in_decoded(FeedRecord::sample(0, 0), &paused).is_none(), "seen before");
        assert_eq!(model.held(), 1);
        model.start_over();
        assert_eq!((model.held(), model.queue.len(), model.take_uncounted()), (0, 0, 0));
    }
}
