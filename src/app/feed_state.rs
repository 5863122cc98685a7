//! The live feed's state in the browser: records newest first, bounded, without duplicates,
//! plus what the page counts about them (received, hidden by the filter, held while paused,
//! round-trip times, records per second).
//!
//! Pure logic over signals, so it is the same on the server (which renders it empty) and in
//! the browser (where the socket fills it). Records arrive far faster than a screen redraws
//! (thousands a second), so they wait in `pending` and reach the rendered list in slices, one
//! per animation frame (`draw`), oldest first: a burst (a reconnect's catch-up, a backlog) is
//! drawn whole over a few frames, and no frame spends more than the socket's budget on rows.
//! A flood the page cannot draw overflows `pending`; what fell out is counted on the next
//! record drawn (`Item::skipped_before`), so the list says where it has a gap. Pausing stops
//! the drawing.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use leptos::prelude::*;

use super::platform;
use super::text_filter::Matcher;
use crate::wire::event::{
    BrokerStatus, FeedHealth, FeedRecord, Placed, Receipt, ServerFrame, record_position,
};

/// How many records a page keeps unless the user says otherwise.
pub const DEFAULT_MAX_ITEMS: usize = 1000;
/// The most the "Keep" box allows.
pub const MAX_ITEMS_LIMIT: usize = 10_000;
/// Round-trip times kept for the session's p50 and p99.
const ROUND_TRIP_SAMPLES: usize = 10_000;
/// Arrivals remembered while a Submit waits for its receipt, for records that come back first.
const RECENT_ARRIVALS: usize = 20_000;
/// Produced from this page and not yet arrived; older entries are dropped past this.
const AWAITING_LIMIT: usize = 100_000;
pub const SPARK_SECONDS: usize = 60;
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

/// One record in the feed, with what the page learnt about it.
pub struct Item {
    pub record: FeedRecord,
    /// Submit-to-arrival time, for records produced from this page.
    pub round_trip_ms: ArcRwSignal<Option<f64>>,
    /// `generation << 1 | matched`: the filter's verdict, worked out once per filter.
    verdict: AtomicU64,
    /// Records that arrived between the previous record drawn and this one, and were never
    /// drawn (the page was flooded or paused). Final once the item is drawn.
    skipped_before: AtomicU64,
    /// Arrival order on this page, for "Caught up".
    seq: u64,
}

impl Item {
    pub fn skipped_before(&self) -> u64 {
        self.skipped_before.load(Ordering::Relaxed)
    }
}

/// A record frame as it came off the socket: where it stands (peeked, not decoded), its place
/// in the page's arrival order, and when it came.
struct RawRecord {
    placed: Placed,
    seq: u64,
    at: f64,
    text: String,
}

/// What one `draw` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub rows: usize,
    /// Records still wait to be drawn.
    pub more: bool,
}

/// An item is itself: two records are the same item only if they are the same arrival.
impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// When each recent record arrived and where its round trip goes (if it is shown), with their
/// order for eviction.
type RecentArrivals = (HashMap<Placed, (f64, Option<ArcRwSignal<Option<f64>>>)>, VecDeque<Placed>);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundTrips {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
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
    filter: StoredValue<Matcher, LocalStorage>,
    /// The last offset seen per partition, sent back on reconnect so nothing repeats.
    last_seen: StoredValue<BTreeMap<i32, i64>>,
    /// Arrived, not yet rendered; oldest first, never more than the list can show.
    pending: StoredValue<VecDeque<Arc<Item>>>,
    /// Records this page skipped before the oldest pending one (or the next to arrive).
    skipped: StoredValue<u64>,
    /// The next arrival's place in `Item::seq`.
    next_seq: StoredValue<u64>,
    /// Asks whoever draws (the socket) for a draw soon; without one, `resume` draws at once.
    redraw: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
    uncounted: StoredValue<u64>,
    held_count: StoredValue<u64>,
    awaiting: StoredValue<HashMap<Placed, f64>>,
    /// A Submit from this page waits for its receipt: only then can an arrival be one of its
    /// records without the page knowing yet, so only then are arrivals remembered.
    submitting: StoredValue<bool>,
    recent: StoredValue<RecentArrivals>,
    samples: StoredValue<(VecDeque<f64>, bool)>,
    per_second: StoredValue<VecDeque<(i64, u32)>>,
    /// Record frames as they came off the socket, not yet decoded.
    raw: StoredValue<Vec<RawRecord>>,
    /// The server said it caught up once the records before this `seq` had arrived; the page
    /// says so once it has drawn (or skipped) them.
    caught_up_at: StoredValue<Option<u64>>,
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
            filter: StoredValue::new_local(Matcher::Everything),
            last_seen: StoredValue::new(BTreeMap::new()),
            pending: StoredValue::new(VecDeque::new()),
            skipped: StoredValue::new(0),
            next_seq: StoredValue::new(0),
            redraw: StoredValue::new_local(None),
            uncounted: StoredValue::new(0),
            held_count: StoredValue::new(0),
            awaiting: StoredValue::new(HashMap::new()),
            submitting: StoredValue::new(false),
            recent: StoredValue::new((HashMap::new(), VecDeque::new())),
            samples: StoredValue::new((VecDeque::new(), false)),
            per_second: StoredValue::new(VecDeque::new()),
            raw: StoredValue::new(Vec::new()),
            caught_up_at: StoredValue::new(None),
        }
    }

    /// How the page asks for a draw when it is not a record's arrival that needs one.
    pub fn on_redraw(&self, redraw: impl Fn() + 'static) {
        self.redraw.set_value(Some(Rc::new(redraw)));
    }

    fn take_seq(&self) -> u64 {
        self.next_seq.try_update_value(|next| std::mem::replace(next, *next + 1)).unwrap_or_default()
    }

    /// Takes in one frame as it came off the socket. Frames wait undecoded until the next
    /// animation frame: when more records arrive than the list shows, only those it will show
    /// are decoded. Returns whether a draw is needed.
    pub fn receive(&self, text: String) -> bool {
        if let Some((partition, offset)) = record_position(&text) {
            let raw = RawRecord {
                placed: Placed { partition, offset },
                seq: self.take_seq(),
                at: platform::now_ms(),
                text,
            };
            self.raw.update_value(|frames| frames.push(raw));
            return true;
        }
        // Anything else is rare and may matter before the next frame (a refusal decides
        // whether the socket reconnects when it closes).
        match serde_json::from_str::<ServerFrame>(&text) {
            Ok(frame) => self.apply(frame),
            Err(error) => {
                leptos::logging::warn!("kafka-live: ignoring a frame it cannot read: {error}");
                false
            }
        }
    }

    /// Decodes the records `receive` took in: of those this page has not seen, the newest the
    /// list keeps. The others are counted (and their round trips taken) without decoding.
    fn digest(&self) {
        let raw = self.raw.try_update_value(std::mem::take).unwrap_or_default();
        let fresh: Vec<RawRecord> = raw
            .into_iter()
            .filter(|frame| self.first_sight(frame.placed.partition, frame.placed.offset))
            .collect();
        let unshown = fresh.len().saturating_sub(self.max_items.get_untracked());
        for (index, RawRecord { placed, seq, at, text }) in fresh.into_iter().enumerate() {
            if index < unshown {
                self.arrive_unshown(placed, at);
                continue;
            }
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(ServerFrame::Record(record)) => self.arrive(record, seq, at),
                _ => leptos::logging::warn!("kafka-live: ignoring a record frame it cannot read"),
            }
        }
    }

    /// Takes in one decoded frame. Returns whether anything waits for `render_pending`.
    pub fn apply(&self, frame: ServerFrame) -> bool {
        match frame {
            ServerFrame::Record(record) => {
                if !self.first_sight(record.partition, record.offset) {
                    return false;
                }
                let seq = self.take_seq();
                self.arrive(record, seq, platform::now_ms());
                return true;
            }
            ServerFrame::Missed { count } => self.missed.update(|missed| *missed += count),
            ServerFrame::Broker(status) => self.broker.set(Some(status)),
            // Shown with the records before it, not ahead of them.
            ServerFrame::CaughtUp => {
                self.caught_up_at.set_value(Some(self.next_seq.get_value()));
                return true;
            }
            ServerFrame::Refused { reason } => {
                self.status.set(ConnectionStatus::Refused);
                self.refused.set(Some(reason));
            }
            ServerFrame::Feed(health) => self.feed_health.set(Some(health)),
            // Positions move in order with the records around them: what came before is
            // taken in first.
            ServerFrame::View { from, reset } => {
                self.digest();
                self.last_seen.update_value(|seen| {
                    for Placed { partition, offset } in from {
                        let before_view = offset.saturating_sub(1);
                        if reset.is_some() {
                            seen.insert(partition, before_view);
                        } else {
                            seen.entry(partition).or_insert(before_view);
                        }
                    }
                });
                if reset.is_some() {
                    self.reset_note.set(reset);
                }
            }
            ServerFrame::Unreadable { partition, offset, reason } => {
                self.digest();
                if self.first_sight(partition, offset) {
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

    /// Whether this page sees the record for the first time (a reconnect may repeat some).
    fn first_sight(&self, partition: i32, offset: i64) -> bool {
        let fresh = self.last_seen.try_update_value(|seen| {
            let last = seen.entry(partition).or_insert(-1);
            let fresh = offset > *last;
            if fresh {
                *last = offset;
            }
            fresh
        });
        fresh == Some(true)
    }

    /// A record the list would push off before showing it.
    fn arrive_unshown(&self, placed: Placed, at: f64) {
        self.time_arrival(placed, at, None);
        self.skipped.update_value(|skipped| *skipped += 1);
        self.count_arrival();
    }

    /// An arrival's round trip (into `signal` when the record is shown): taken now if its
    /// receipt came first, else the arrival is kept for a receipt still on its way (only while
    /// a Submit waits for one).
    fn time_arrival(&self, placed: Placed, at: f64, signal: Option<ArcRwSignal<Option<f64>>>) {
        if let Some(sent) = self.awaiting.try_update_value(|awaiting| awaiting.remove(&placed)).flatten() {
            self.round_trip(signal.as_ref(), at - sent);
        } else if self.submitting.get_value() {
            self.recent.update_value(|(recent, order)| {
                recent.insert(placed, (at, signal));
                order.push_back(placed);
                if order.len() > RECENT_ARRIVALS
                    && let Some(oldest) = order.pop_front()
                {
                    recent.remove(&oldest);
                }
            });
        }
    }

    /// `now`: when the record came off the socket.
    fn arrive(&self, record: FeedRecord, seq: u64, now: f64) {
        let placed = Placed { partition: record.partition, offset: record.offset };
        let item = Arc::new(Item {
            record,
            round_trip_ms: ArcRwSignal::new(None),
            verdict: AtomicU64::new(0),
            skipped_before: AtomicU64::new(0),
            seq,
        });
        self.time_arrival(placed, now, Some(item.round_trip_ms.clone()));
        self.count_arrival();
        let keep = self.max_items.get_untracked();
        // A page that cannot draw (a background tab, or paused) must not pile records up: any
        // beyond what the list shows would fall off the bottom unseen anyway.
        let skipped = self.skipped.try_update_value(std::mem::take).unwrap_or_default();
        item.skipped_before.store(skipped, Ordering::Relaxed);
        self.pending.update_value(|pending| {
            pending.push_back(item);
            self.overflow(pending, keep);
        });
    }

    /// Drops the oldest pending records past `keep`, counting them on the next one.
    fn overflow(&self, pending: &mut VecDeque<Arc<Item>>, keep: usize) {
        let mut dropped = 0;
        while pending.len() > keep
            && let Some(oldest) = pending.pop_front()
        {
            dropped += oldest.skipped_before() + 1;
        }
        if dropped > 0 {
            match pending.front() {
                Some(next) => {
                    next.skipped_before.fetch_add(dropped, Ordering::Relaxed);
                }
                None => self.skipped.update_value(|skipped| *skipped += dropped),
            }
        }
    }

    fn count_arrival(&self) {
        self.uncounted.update_value(|n| *n += 1);
        if self.paused.get_untracked() {
            self.held_count.update_value(|n| *n += 1);
        }
        let second = (platform::wall_clock_ms() / 1000.0).floor() as i64;
        self.per_second.update_value(|seconds| match seconds.back_mut() {
            Some((at, count)) if *at == second => *count += 1,
            _ => {
                seconds.push_back((second, 1));
                while seconds.len() > SPARK_SECONDS {
                    seconds.pop_front();
                }
            }
        });
    }

    fn round_trip(&self, signal: Option<&ArcRwSignal<Option<f64>>>, ms: f64) {
        if let Some(signal) = signal {
            signal.set(Some(ms));
        }
        self.samples.update_value(|(samples, changed)| {
            if samples.len() == ROUND_TRIP_SAMPLES {
                samples.pop_front();
            }
            samples.push_back(ms);
            *changed = true;
        });
    }

    /// A Submit was clicked: until it settles, arrivals may be its records.
    pub fn submit_started(&self) {
        self.submitting.set_value(true);
    }

    /// What one Submit produced, and when it was clicked: each record's round trip is known
    /// when both the receipt and the record are in, whichever comes first.
    pub fn produced(&self, receipt: &Receipt, submitted_at: f64) {
        for placed in &receipt.records {
            let arrived = self.recent.try_update_value(|(recent, _)| recent.remove(placed)).flatten();
            match arrived {
                Some((at, signal)) => self.round_trip(signal.as_ref(), (at - submitted_at).max(0.0)),
                None => self.awaiting.update_value(|awaiting| {
                    if awaiting.len() >= AWAITING_LIMIT {
                        awaiting.clear();
                    }
                    awaiting.insert(*placed, submitted_at);
                }),
            }
        }
        self.submit_settled();
        self.publish_counts();
    }

    /// The Submit has its answer (a receipt or an error): what arrives now is not its.
    pub fn submit_settled(&self) {
        self.submitting.set_value(false);
        self.recent.set_value((HashMap::new(), VecDeque::new()));
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
            self.held.set(self.held_count.get_value());
            return Drawn { rows: 0, more: false };
        }
        let slice = self
            .pending
            .try_update_value(|pending| {
                let take = rows.min(pending.len());
                pending.drain(..take).collect::<Vec<_>>()
            })
            .unwrap_or_default();
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
        let (more, oldest_waiting) =
            self.pending.with_value(|pending| (!pending.is_empty(), pending.front().map(|item| item.seq)));
        if let Some(at) = self.caught_up_at.get_value()
            && oldest_waiting.is_none_or(|seq| seq >= at)
        {
            self.caught_up_at.set_value(None);
            self.caught_up.set(true);
        }
        Drawn { rows: drawn, more }
    }

    fn publish_counts(&self) {
        let arrived = self.uncounted.try_update_value(std::mem::take).unwrap_or(0);
        if arrived > 0 {
            self.received.update(|received| *received += arrived);
        }
        let summary = self.samples.try_update_value(|(samples, changed)| {
            if !std::mem::take(changed) {
                return None;
            }
            let mut sorted: Vec<f64> = samples.iter().copied().collect();
            sorted.sort_by(f64::total_cmp);
            let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            Some(RoundTrips { count: sorted.len(), p50_ms: at(0.5), p99_ms: at(0.99) })
        });
        if let Some(Some(summary)) = summary {
            self.round_trips.set(Some(summary));
        }
    }

    pub fn pause(&self) {
        self.held_count.set_value(0);
        self.held.set(0);
        self.paused.set(true);
    }

    /// Shows what arrived while paused (the newest `max_items` of it).
    pub fn resume(&self) {
        self.paused.set(false);
        self.held_count.set_value(0);
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
        self.pending.update_value(|pending| self.overflow(pending, keep));
    }

    /// Applied as the user types. An invalid regex is reported and the previous filter stays.
    pub fn set_filter(&self, text: &str) {
        match Matcher::parse(text) {
            Ok(matcher) => {
                self.filter.set_value(matcher);
                self.filter_error.set(None);
                self.filter_generation.update(|generation| *generation += 1);
            }
            Err(reason) => self.filter_error.set(Some(reason)),
        }
    }

    /// The kept records the filter lets through, newest first.
    pub fn visible(&self) -> Vec<Arc<Item>> {
        let generation = self.filter_generation.get();
        self.records
            .with(|records| records.iter().filter(|item| self.passes(item, generation)).cloned().collect())
    }

    fn passes(&self, item: &Item, generation: u64) -> bool {
        let verdict = item.verdict.load(Ordering::Relaxed);
        if verdict >> 1 == generation {
            return verdict & 1 == 1;
        }
        let matched = self.filter.with_value(|filter| filter.matches(&item.record));
        item.verdict.store(generation << 1 | u64::from(matched), Ordering::Relaxed);
        matched
    }

    /// Called once a second: the sparkline's last minute, oldest first.
    pub fn tick(&self) {
        let now = (platform::wall_clock_ms() / 1000.0).floor() as i64;
        let counts = self.per_second.with_value(|seconds| {
            (0..SPARK_SECONDS as i64)
                .map(|ago| {
                    let second = now - (SPARK_SECONDS as i64 - 1) + ago;
                    seconds.iter().find(|(at, _)| *at == second).map_or(0, |(_, count)| *count)
                })
                .collect::<Vec<_>>()
        });
        self.throughput.set(counts);
    }

    /// A new topic or start position: the page starts over.
    pub fn reset(&self) {
        self.records.set(VecDeque::new());
        self.pending.set_value(VecDeque::new());
        self.skipped.set_value(0);
        self.raw.set_value(Vec::new());
        self.last_seen.set_value(BTreeMap::new());
        self.missed.set(0);
        self.caught_up.set(false);
        self.caught_up_at.set_value(None);
        self.refused.set(None);
        self.unreadable.set(VecDeque::new());
        self.unreadable_count.set(0);
        self.reset_note.set(None);
        self.received.set(0);
        self.uncounted.set_value(0);
        self.held_count.set_value(0);
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
    /// server for. Every partition the server said the view holds is named, records seen on it
    /// or not, so nothing between the view's start and the reconnect can go missing unsaid.
    /// `None` before the server has said anything.
    pub fn resume_positions(&self) -> Option<BTreeMap<i32, i64>> {
        self.last_seen.with_value(|seen| {
            (!seen.is_empty()).then(|| seen.iter().map(|(&p, &last)| (p, last.saturating_add(1))).collect())
        })
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
            feed.pending.with_value(|pending| assert_eq!(pending.len(), 100));
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
            assert_eq!(shown(&feed), (990..1000).rev().map(|o| (0, o)).collect::<Vec<_>>());
            assert_eq!(feed.received.get_untracked(), 1000);
            assert_eq!(feed.missed.get_untracked(), 3);
            assert_eq!(feed.resume_positions(), Some(BTreeMap::from([(0, 1000)])));
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
            let remembered = || feed.recent.with_value(|(recent, _)| recent.len());
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
