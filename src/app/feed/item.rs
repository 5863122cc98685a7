//! One record in the feed, with what the page learnt about it: its round trip, the filter's
//! verdict, the records it stands after that were never drawn, and what its row looked like
//! (height, toggles), which outlives the row: the list draws only the rows in view
//! (`window`), so a row scrolled away and back is built again from its item.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};

use leptos::prelude::{ArcRwSignal, Set};

use crate::app::value_view::Choices;
use crate::wire::record::FeedRecord;

pub struct Item {
    pub record: FeedRecord,
    /// Submit-to-arrival time, for records produced from this page. A signal of its own (not
    /// tied to a reactive owner), so the row shows it when it comes, after the row is drawn.
    pub round_trip_ms: ArcRwSignal<Option<f64>>,
    /// `generation << 1 | matched`: the filter's verdict, worked out once per filter.
    verdict: AtomicU64,
    /// Records that arrived between the previous record drawn and this one, and were never
    /// drawn (the page was flooded or paused). Final once the item is drawn.
    skipped_before: AtomicU64,
    /// Arrival order on this page, for "Caught up"; unique on the page, so rows are keyed by it.
    seq: u64,
    /// The row's height in CSS pixels, as `f32` bits; 0 until it is drawn and measured.
    height: AtomicU32,
    /// The row's toggles ("Show all", raw JSON, Base64), as `Choices::bits`.
    choices: AtomicU8,
}

impl Item {
    pub fn new(record: FeedRecord, seq: u64) -> Arc<Self> {
        Arc::new(Item {
            record,
            round_trip_ms: ArcRwSignal::new(None),
            verdict: AtomicU64::new(0),
            skipped_before: AtomicU64::new(0),
            seq,
            height: AtomicU32::new(0),
            choices: AtomicU8::new(Choices::default().bits()),
        })
    }

    pub fn skipped_before(&self) -> u64 {
        self.skipped_before.load(Ordering::Relaxed)
    }

    pub(super) fn add_skipped_before(&self, count: u64) {
        self.skipped_before.fetch_add(count, Ordering::Relaxed);
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The height its row had when last measured.
    pub fn height(&self) -> Option<f64> {
        let height = f32::from_bits(self.height.load(Ordering::Relaxed));
        (height > 0.0).then_some(f64::from(height))
    }

    /// Records a measured height; whether it differs (by half a pixel or more) from the last.
    pub fn set_height(&self, height: f64) -> bool {
        let changed = self.height().is_none_or(|old| (old - height).abs() >= 0.5);
        if changed {
            self.height.store((height as f32).to_bits(), Ordering::Relaxed);
        }
        changed
    }

    pub fn choices(&self) -> Choices {
        Choices::from_bits(self.choices.load(Ordering::Relaxed))
    }

    pub fn set_choices(&self, choices: Choices) {
        self.choices.store(choices.bits(), Ordering::Relaxed);
    }

    pub(super) fn set_round_trip(&self, ms: f64) {
        self.round_trip_ms.set(Some(ms));
    }

    /// Whether the filter of `generation` lets this record through: `matches` is asked once
    /// per filter, not once per draw.
    pub(super) fn passes(&self, generation: u64, matches: impl FnOnce(&FeedRecord) -> bool) -> bool {
        let verdict = self.verdict.load(Ordering::Relaxed);
        if verdict >> 1 == generation {
            return verdict & 1 == 1;
        }
        let matched = matches(&self.record);
        self.verdict.store(generation << 1 | u64::from(matched), Ordering::Relaxed);
        matched
    }
}

/// An item is itself: two records are the same item only if they are the same arrival.
impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
