//! The live feed's state in the browser, as the page shows it: a thin reactive layer over
//! `FeedModel`. The model decides (what is new, what waits to be drawn, round trips, counts);
//! this holds it with the signals the view reads, and moves what the model says into them.
//!
//! The same on the server (which renders it empty) and in the browser (where the socket fills
//! it): frames wait in the model and reach the rendered list one slice per animation frame
//! (`draw`); pausing stops the drawing.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use super::group_progress::{LAG_SAMPLES, Marks};
use super::item::Item;
use super::model::{FeedModel, Moment, RowTrip};
use super::round_trips::RoundTrips;
use super::throughput::SPARK_SECONDS;
use crate::app::platform;
use crate::app::text_filter::Matcher;
use crate::wire::consumers::GroupWatch;
use crate::wire::frame::{BrokerStatus, FeedHealth, ServerFrame, frames, record_position};
use crate::wire::receipt::{Placed, Receipt};

/// How many records a page keeps unless the user says otherwise.
pub const DEFAULT_MAX_ITEMS: usize = 1000;
/// The most the "Keep" box allows.
pub const MAX_ITEMS_LIMIT: usize = 10_000;
/// Unreadable records listed by the page (all are counted).
const UNREADABLE_LISTED: usize = 20;

/// A record the server passed over, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub partition: i32,
    pub offset: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    Connecting,
    Live,
    Reconnecting,
    /// The server refused what the page asked for; the page does not retry until it changes.
    Refused,
}

impl ConnectionStatus {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Live => "live",
            ConnectionStatus::Reconnecting => "reconnecting",
            ConnectionStatus::Refused => "refused",
        }
    }
}

/// What one `draw` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub rows: usize,
    /// Records still wait to be drawn.
    pub more: bool,
}

#[derive(Clone, Copy)]
pub struct FeedState {
    pub records: RwSignal<VecDeque<Arc<Item>>>,
    pub status: RwSignal<ConnectionStatus>,
    /// Records the server dropped for this page because it fell behind.
    pub missed: RwSignal<u64>,
    /// Whether the server reaches Kafka; unknown until the server says.
    pub broker: RwSignal<Option<BrokerStatus>>,
    /// The server's shared feed consumer, for pages on the shared feed.
    pub feed_health: RwSignal<Option<FeedHealth>>,
    /// Records the server could not read: the newest few, and how many in all.
    pub unreadable: RwSignal<VecDeque<Unreadable>>,
    pub unreadable_count: RwSignal<u64>,
    /// Why a partition's view started over (its log was reset under the page).
    pub reset_note: RwSignal<Option<String>>,
    /// Everything that was in the topic from the start position has arrived.
    pub caught_up: RwSignal<bool>,
    /// Why the server would not serve this page's request.
    pub refused: RwSignal<Option<String>>,
    /// Records that arrived on this page since it (re)started its feed.
    pub received: RwSignal<u64>,
    pub paused: RwSignal<bool>,
    /// Records that arrived while paused.
    pub held: RwSignal<u64>,
    pub max_items: RwSignal<usize>,
    pub filter_error: RwSignal<Option<String>>,
    filter_generation: RwSignal<u64>,
    pub round_trips: RwSignal<Option<RoundTrips>>,
    /// Records per second over the last minute, oldest first.
    pub throughput: RwSignal<Vec<u32>>,
    /// The newest look at the watched consumer group.
    pub group: RwSignal<Option<GroupWatch>>,
    /// Which records the group has consumed, for the rows' marks.
    pub marks: RwSignal<Option<Arc<Marks>>>,
    /// Submit to "consumed by the group".
    pub consumed_trips: RwSignal<Option<RoundTrips>>,
    /// The group's total lag at each look over the last minute, oldest first.
    pub lag_line: RwSignal<Vec<u32>>,
    /// What the last rebalance of the watched group changed.
    pub rebalanced: RwSignal<Option<String>>,
    model: StoredValue<FeedModel, LocalStorage>,
    /// Asks whoever draws (the socket) for a draw soon; without one, `resume` draws at once.
    redraw: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
}

impl FeedState {
    pub fn new() -> Self {
        Self {
            records: RwSignal::new(VecDeque::new()),
            status: RwSignal::new(ConnectionStatus::Connecting),
            missed: RwSignal::new(0),
            broker: RwSignal::new(None),
            feed_health: RwSignal::new(None),
            unreadable: RwSignal::new(VecDeque::new()),
            unreadable_count: RwSignal::new(0),
            reset_note: RwSignal::new(None),
            caught_up: RwSignal::new(false),
            refused: RwSignal::new(None),
            received: RwSignal::new(0),
            paused: RwSignal::new(false),
            held: RwSignal::new(0),
            max_items: RwSignal::new(DEFAULT_MAX_ITEMS),
            filter_error: RwSignal::new(None),
            filter_generation: RwSignal::new(1),
            round_trips: RwSignal::new(None),
            throughput: RwSignal::new(vec![0; SPARK_SECONDS]),
            group: RwSignal::new(None),
            marks: RwSignal::new(None),
            consumed_trips: RwSignal::new(None),
            lag_line: RwSignal::new(vec![0; LAG_SAMPLES]),
            rebalanced: RwSignal::new(None),
            model: StoredValue::new_local(FeedModel::default()),
            redraw: StoredValue::new_local(None),
        }
    }

    /// How the page asks for a draw when it is not a record's arrival that needs one.
    pub fn on_redraw(&self, redraw: impl Fn() + 'static) {
        self.redraw.set_value(Some(Rc::new(redraw)));
    }

    /// The model, changed; `None` once the feed is gone. Signals are set after it returns,
    /// never inside, so nothing the view runs can find the model borrowed.
    fn change<R: Default>(&self, change: impl FnOnce(&mut FeedModel) -> R) -> R {
        self.model.try_update_value(change).unwrap_or_default()
    }

    fn moment(&self) -> Moment {
        Moment {
            at_ms: platform::now_ms(),
            second: (platform::wall_clock_ms() / 1000.0).floor() as i64,
            keep: self.max_items.get_untracked(),
            paused: self.paused.get_untracked(),
        }
    }

    /// Each measured round trip into its row.
    fn show_round_trips(measured: impl IntoIterator<Item = RowTrip>) {
        for (item, ms) in measured {
            if let Some(item) = item {
                item.set_round_trip(ms);
            }
        }
    }

    /// Takes in one message as it came off the socket: a frame, or a batch of them. Record
    /// frames wait undecoded until the next animation frame: when more records arrive than the
    /// list shows, only those it will show are decoded. Returns whether a draw is needed.
    pub fn receive(&self, message: String) -> bool {
        let at = platform::now_ms();
        let mut draw = false;
        for frame in frames(&message) {
            draw |= self.receive_frame(frame, at);
        }
        draw
    }

    fn receive_frame(&self, frame: &str, at: f64) -> bool {
        if let Some((partition, offset)) = record_position(frame) {
            self.change(|model| model.take_in(Placed { partition, offset }, frame.to_owned(), at));
            return true;
        }
        // Anything else is rare and may matter before the next frame (a refusal decides
        // whether the socket reconnects when it closes).
        match serde_json::from_str::<ServerFrame>(frame) {
            Ok(frame) => self.apply(frame),
            Err(error) => {
                leptos::logging::warn!("kafka-live: ignoring a frame it cannot read: {error}");
                false
            }
        }
    }

    fn digest(&self) {
        let moment = self.moment();
        Self::show_round_trips(self.change(|model| model.digest(&moment)));
    }

    /// Takes in one decoded frame. Returns whether anything waits for `render_pending`.
    pub fn apply(&self, frame: ServerFrame) -> bool {
        match frame {
            ServerFrame::Record(record) => {
                let moment = self.moment();
                let Some(measured) = self.change(|model| model.take_in_decoded(record, &moment)) else {
                    return false;
                };
                Self::show_round_trips(measured);
                return true;
            }
            ServerFrame::Missed { count } => self.missed.update(|missed| *missed += count),
            ServerFrame::Broker(status) => self.broker.set(Some(status)),
            // Shown with the records before it, not ahead of them.
            ServerFrame::CaughtUp => {
                self.change(|model| {
                    let next = model.arrivals.next_seq();
                    model.queue.caught_up_at(next);
                });
                return true;
            }
            ServerFrame::Refused { reason } => {
                self.status.set(ConnectionStatus::Refused);
                self.refused.set(Some(reason));
            }
            ServerFrame::Feed(health) => self.feed_health.set(Some(health)),
            ServerFrame::Group(watch) => {
                if let GroupWatch::Watching(view) = &watch {
                    let now = platform::now_ms();
                    let (marks, trips, line, rebalanced) = self.change(|model| {
                        let marks = model.group.look(view, now);
                        let group = &model.group;
                        (Some(marks), group.consumed_trips(), group.lag_line(), group.rebalanced())
                    });
                    self.marks.set(marks);
                    self.consumed_trips.set(trips);
                    self.lag_line.set(line);
                    if self.rebalanced.get_untracked() != rebalanced {
                        self.rebalanced.set(rebalanced);
                    }
                }
                self.group.set(Some(watch));
            }
            // Positions move in order with the records around them: what came before is
            // taken in first.
            ServerFrame::View { from, reset } => {
                self.digest();
                self.change(|model| model.arrivals.view(&from, reset.is_some()));
                if reset.is_some() {
                    self.reset_note.set(reset);
                }
            }
            ServerFrame::Unreadable { partition, offset, reason } => {
                self.digest();
                if self.change(|model| model.arrivals.first_sight(partition, offset)) {
                    self.unreadable_count.update(|count| *count += 1);
                    self.unreadable.update(|listed| {
                        listed.push_front(Unreadable { partition, offset, reason });
                        listed.truncate(UNREADABLE_LISTED);
                    });
                }
            }
        }
        false
    }

    /// A Submit was clicked: until it settles, arrivals may be its records.
    pub fn submit_started(&self) {
        self.change(|model| model.clock.submit_started());
    }

    /// What one Submit produced, and when it was clicked: each record's round trip is known
    /// when both the receipt and the record are in, whichever comes first.
    pub fn produced(&self, receipt: &Receipt, submitted_at: f64) {
        Self::show_round_trips(self.change(|model| {
            model.group.produced(&receipt.records, submitted_at);
            model.clock.produced(&receipt.records, submitted_at)
        }));
        self.publish_counts();
    }

    /// The Submit has its answer (a receipt or an error): what arrives now is not its.
    pub fn submit_settled(&self) {
        self.change(|model| model.clock.settled());
    }

    /// Draws every waiting record at once (tests, and a page with nobody to ask for draws).
    pub fn render_pending(&self) {
        self.draw(usize::MAX);
    }

    /// Moves up to `rows` waiting records, oldest first, into the rendered list (one list
    /// update), and brings the counters up to date. While paused, only the counters move.
    pub fn draw(&self, rows: usize) -> Drawn {
        self.digest();
        self.publish_counts();
        if self.paused.get_untracked() {
            self.held.set(self.model.with_value(FeedModel::held));
            return Drawn { rows: 0, more: false };
        }
        let (slice, more, caught_up) = self.change(|model| {
            let slice = model.queue.take(rows);
            (slice, !model.queue.is_empty(), model.queue.caught_up_reached())
        });
        let drawn = slice.len();
        if drawn > 0 {
            let keep = self.max_items.get_untracked();
            self.records.update(|records| {
                for item in slice {
                    records.push_front(item);
                }
                records.truncate(keep);
            });
        }
        if caught_up {
            self.caught_up.set(true);
        }
        Drawn { rows: drawn, more }
    }

    fn publish_counts(&self) {
        let (arrived, summary) =
            self.change(|model| (model.take_uncounted(), model.clock.summary_if_changed()));
        if arrived > 0 {
            self.received.update(|received| *received += arrived);
        }
        if let Some(summary) = summary {
            self.round_trips.set(Some(summary));
        }
    }

    pub fn pause(&self) {
        self.change(FeedModel::clear_held);
        self.held.set(0);
        self.paused.set(true);
    }

    /// Shows what arrived while paused (the newest `max_items` of it).
    pub fn resume(&self) {
        self.paused.set(false);
        self.change(FeedModel::clear_held);
        self.held.set(0);
        match self.redraw.get_value() {
            Some(redraw) => redraw(),
            None => self.render_pending(),
        }
    }

    pub fn set_max_items(&self, keep: usize) {
        let keep = keep.clamp(1, MAX_ITEMS_LIMIT);
        self.max_items.set(keep);
        self.records.update(|records| records.truncate(keep));
        self.change(|model| model.queue.overflow(keep));
    }

    /// Applied as the user types. An invalid regex is reported and the previous filter stays.
    pub fn set_filter(&self, text: &str) {
        match Matcher::parse(text) {
            Ok(matcher) => {
                self.change(|model| model.filter = matcher);
                self.filter_error.set(None);
                self.filter_generation.update(|generation| *generation += 1);
            }
            Err(reason) => self.filter_error.set(Some(reason)),
        }
    }

    /// The kept records the filter lets through, newest first.
    pub fn visible(&self) -> Vec<Arc<Item>> {
        let generation = self.filter_generation.get();
        self.records.with(|records| {
            self.model
                .try_with_value(|model| {
                    records
                        .iter()
                        .filter(|item| item.passes(generation, |record| model.filter.matches(record)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Called once a second: the sparkline's last minute, oldest first.
    pub fn tick(&self) {
        let now = (platform::wall_clock_ms() / 1000.0).floor() as i64;
        if let Some(counts) = self.model.try_with_value(|model| model.throughput.last_minute(now)) {
            self.throughput.set(counts);
        }
    }

    /// A new topic or start position: the page starts over.
    pub fn reset(&self) {
        self.records.set(VecDeque::new());
        self.change(FeedModel::start_over);
        self.missed.set(0);
        self.caught_up.set(false);
        self.refused.set(None);
        self.unreadable.set(VecDeque::new());
        self.unreadable_count.set(0);
        self.reset_note.set(None);
        self.received.set(0);
        self.held.set(0);
        self.status.set(ConnectionStatus::Connecting);
    }

    /// The page will not read its topic: the server refuses it, for `reason`.
    pub fn refuse(&self, reason: String) {
        self.reset();
        self.status.set(ConnectionStatus::Refused);
        self.refused.set(Some(reason));
    }

    /// Per partition of the page's view, the next offset it needs: what a reconnect asks the
    /// server for (see `Arrivals::resume_positions`).
    pub fn resume_positions(&self) -> Option<BTreeMap<i32, i64>> {
        self.model.try_with_value(|model| model.arrivals.resume_positions()).flatten()
    }
}

impl Default for FeedState {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::record::FeedRecord;

    fn record(partition: i32, offset: i64) -> ServerFrame {
        ServerFrame::Record(FeedRecord::sample(partition, offset))
    }

    /// Records of partition 0 at `offsets`, each taken in decoded.
    fn apply_all(feed: &FeedState, offsets: impl IntoIterator<Item = i64>) {
        for offset in offsets {
            feed.apply(record(0, offset));
        }
    }

    /// Records of partition 0 at `offsets`, each as it comes off the socket (decoded when drawn).
    fn receive_all(feed: &FeedState, offsets: impl IntoIterator<Item = i64>) {
        for offset in offsets {
            feed.receive(serde_json::to_string(&record(0, offset)).unwrap());
        }
    }

    /// Signals live in an arena that only exists under an owner (the server build sandboxes them).
    fn with_owner(test: impl FnOnce()) {
        Owner::new().with(test)
    }

    fn shown(feed: &FeedState) -> Vec<(i32, i64)> {
        feed.records
            .with_untracked(|records| records.iter().map(|i| (i.record.partition, i.record.offset)).collect())
    }

    /// Each shown record's offset, and how many records the list skipped before it.
    fn gaps(feed: &FeedState) -> Vec<(i64, u64)> {
        feed.records
            .with_untracked(|records| records.iter().map(|i| (i.record.offset, i.skipped_before())).collect())
    }

    #[test]
    fn records_wait_for_the_next_frame_then_show_newest_first() {
        with_owner(|| {
            let feed = FeedState::new();
            assert!(feed.apply(record(0, 1)));
            assert!(feed.apply(record(1, 7)));
            assert!(shown(&feed).is_empty(), "nothing is drawn between animation frames");
            feed.render_pending();
            assert_eq!(shown(&feed), vec![(1, 7), (0, 1)]);
            assert_eq!(feed.received.get_untracked(), 2);
        });
    }

    #[test]
    fn a_record_seen_before_is_not_shown_twice() {
        with_owner(|| {
            let feed = FeedState::new();
            assert!(feed.apply(record(0, 5)));
            assert!(!feed.apply(record(0, 5)));
            assert!(!feed.apply(record(0, 4)));
            feed.render_pending();
            assert_eq!(shown(&feed), vec![(0, 5)]);
            assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 6)])));
        });
    }

    #[test]
    fn the_page_keeps_the_newest_n_whatever_arrives() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.set_max_items(100);
            apply_all(&feed, 0..300);
            feed.model.with_value(|model| assert_eq!(model.queue.len(), 100));
            feed.render_pending();
            let shown = shown(&feed);
            assert_eq!(shown.len(), 100);
            assert_eq!(shown[0], (0, 299), "the newest record is on top");
            assert_eq!(feed.received.get_untracked(), 300, "the counter counts every arrival");
            let oldest = gaps(&feed).last().map(|&(_, skipped)| skipped);
            assert_eq!(oldest, Some(200), "the list says what it never drew, where it would have been");
        });
    }

    #[test]
    fn a_burst_is_drawn_in_slices_oldest_first_without_a_gap() {
        with_owner(|| {
            let feed = FeedState::new();
            apply_all(&feed, 0..25);
            assert_eq!(feed.draw(10), Drawn { rows: 10, more: true });
            assert_eq!(shown(&feed).first(), Some(&(0, 9)), "the oldest go first, so none is lost");
            assert_eq!(feed.draw(10), Drawn { rows: 10, more: true });
            assert_eq!(feed.draw(10), Drawn { rows: 5, more: false });
            assert_eq!(shown(&feed), (0..25).rev().map(|o| (0, o)).collect::<Vec<_>>());
            assert_eq!(gaps(&feed).iter().map(|&(_, skipped)| skipped).sum::<u64>(), 0);
        });
    }

    #[test]
    fn caught_up_shows_once_the_records_before_it_are_drawn() {
        with_owner(|| {
            let feed = FeedState::new();
            receive_all(&feed, 0..20);
            feed.receive(serde_json::to_string(&ServerFrame::CaughtUp).unwrap());
            feed.receive(serde_json::to_string(&record(0, 20)).unwrap());
            feed.draw(10);
            assert!(!feed.caught_up.get_untracked(), "ten records of the catch-up are still to draw");
            feed.draw(10);
            assert!(feed.caught_up.get_untracked(), "the live record after it does not hold it back");
        });
    }

    #[test]
    fn a_flood_beyond_what_the_page_draws_leaves_a_counted_gap() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.set_max_items(10);
            apply_all(&feed, 0..10);
            feed.draw(5);
            // 30 more arrive before the next draw: only the newest 10 can still be drawn.
            apply_all(&feed, 10..40);
            feed.render_pending();
            let items = gaps(&feed);
            assert_eq!(items.first(), Some(&(39, 0)));
            assert_eq!(items.last(), Some(&(30, 25)), "offsets 5 to 29 were never drawn");
            assert_eq!(feed.received.get_untracked(), 40);
        });
    }

    #[test]
    fn a_flood_decodes_only_what_the_list_shows_and_counts_everything() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.set_max_items(10);
            receive_all(&feed, 0..1000);
            feed.receive(serde_json::to_string(&ServerFrame::Missed { count: 3 }).unwrap());
            feed.render_pending();
            assert_shows_the_newest_ten_of_a_thousand_and_three_missed(&feed);
        });
    }

    /// What a page keeping ten shows after records 0 to 999 of partition 0 and "missed 3".
    fn assert_shows_the_newest_ten_of_a_thousand_and_three_missed(feed: &FeedState) {
        assert_eq!(shown(feed), (990..1000).rev().map(|o| (0, o)).collect::<Vec<_>>());
        assert_eq!(feed.received.get_untracked(), 1000);
        assert_eq!(feed.missed.get_untracked(), 3);
        assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 1000)])));
    }

    #[test]
    fn a_batch_message_is_taken_in_as_its_frames_in_order() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.set_max_items(10);
            let frames: Vec<String> = (0..1000)
                .map(|offset| serde_json::to_string(&record(0, offset)).unwrap())
                .chain([serde_json::to_string(&ServerFrame::Missed { count: 3 }).unwrap()])
                .collect();
            for batch in frames.chunks(256) {
                assert!(feed.receive(crate::wire::frame::join_batch(batch.iter().map(String::as_str))));
            }
            feed.render_pending();
            // The same as the same frames one message each.
            assert_shows_the_newest_ten_of_a_thousand_and_three_missed(&feed);
        });
    }

    #[test]
    fn paused_records_are_held_and_counted_then_shown_on_resume() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.apply(record(0, 0));
            feed.render_pending();
            feed.pause();
            apply_all(&feed, 1..=12);
            feed.render_pending();
            assert_eq!(feed.held.get_untracked(), 12);
            assert_eq!(shown(&feed).len(), 1, "nothing new is drawn while paused");
            feed.resume();
            assert_eq!(shown(&feed).len(), 13);
            assert_eq!(feed.held.get_untracked(), 0);
        });
    }

    #[test]
    fn the_filter_hides_without_dropping_and_a_bad_regex_keeps_the_last_filter() {
        with_owner(|| {
            let feed = FeedState::new();
            apply_all(&feed, 0..10);
            feed.render_pending();
            feed.set_filter("0:3");
            assert_eq!(feed.visible().len(), 1);
            assert_eq!(feed.records.with_untracked(VecDeque::len), 10);
            feed.set_filter("");
            assert_eq!(feed.visible().len(), 10);
        });
    }

    #[test]
    fn a_round_trip_is_known_whether_the_receipt_or_the_record_comes_first() {
        with_owner(|| {
            let feed = FeedState::new();
            let receipt =
                |offset| Receipt { topic: "t".into(), records: vec![Placed { partition: 0, offset }] };
            // The receipt first, then the record.
            feed.produced(&receipt(1), 0.0);
            feed.apply(record(0, 1));
            // The record first, then the receipt.
            feed.submit_started();
            feed.apply(record(0, 2));
            feed.produced(&receipt(2), 0.0);
            feed.render_pending();
            let timed = feed.records.with_untracked(|records| {
                records.iter().filter(|item| item.round_trip_ms.get_untracked().is_some()).count()
            });
            assert_eq!(timed, 2);
            assert_eq!(feed.round_trips.get_untracked().map(|r| r.count), Some(2));
        });
    }

    #[test]
    fn arrivals_are_remembered_only_while_a_submit_waits_for_its_receipt() {
        with_owner(|| {
            let feed = FeedState::new();
            let remembered = || feed.model.with_value(|model| model.clock.remembered());
            apply_all(&feed, 0..50);
            assert_eq!(remembered(), 0, "with no Submit out, an arrival is nobody's round trip");
            feed.submit_started();
            feed.apply(record(0, 50));
            assert_eq!(remembered(), 1);
            feed.submit_settled();
            assert_eq!(remembered(), 0, "a settled Submit forgets what it did not claim");
        });
    }

    fn view(from: &[(i32, i64)], reset: Option<&str>) -> ServerFrame {
        let from = from.iter().map(|&(partition, offset)| Placed { partition, offset }).collect();
        ServerFrame::View { from, reset: reset.map(str::to_owned) }
    }

    #[test]
    fn a_reconnect_names_every_partition_of_the_view_seen_or_not() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.apply(view(&[(0, 10), (1, 0), (2, 7)], None));
            apply_all(&feed, 10..12);
            assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 12), (1, 0), (2, 7)])));
            // A partition added later joins the view; one the page has seen is not moved back.
            feed.apply(view(&[(3, 0), (0, 0)], None));
            assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 12), (1, 0), (2, 7), (3, 0)])));
        });
    }

    #[test]
    fn a_reset_partition_starts_over_and_says_why() {
        with_owner(|| {
            let feed = FeedState::new();
            feed.apply(view(&[(0, 0)], None));
            receive_all(&feed, 0..50);
            feed.receive(serde_json::to_string(&view(&[(0, 0)], Some("recreated"))).unwrap());
            receive_all(&feed, 0..3);
            feed.render_pending();
            assert_eq!(feed.received.get_untracked(), 53, "the new log's records are not taken for repeats");
            assert_eq!(feed.reset_note.get_untracked().as_deref(), Some("recreated"));
            assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 3)])));
        });
    }

    #[test]
    fn an_unreadable_record_is_listed_counted_and_takes_its_place() {
        with_owner(|| {
            let feed = FeedState::new();
            let unreadable = |offset| ServerFrame::Unreadable { partition: 0, offset, reason: "boom".into() };
            apply_all(&feed, 0..2);
            feed.apply(unreadable(2));
            feed.apply(unreadable(2));
            feed.apply(record(0, 3));
            assert_eq!(feed.unreadable_count.get_untracked(), 1, "a repeat is not counted twice");
            assert_eq!(
                feed.unreadable.get_untracked().front(),
                Some(&Unreadable { partition: 0, offset: 2, reason: "boom".into() })
            );
            assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 4)])));
        });
    }
}
