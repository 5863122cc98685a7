//! The feed's list on screen: only the rows in view and a margin are in the DOM (the plan is
//! `feed::window`'s), the rest are gaps of their height, so the list costs what the screen holds
//! whether it keeps 10 records or 10,000.
//!
//! The browser keeps what it would for a whole list: its own scroll anchoring holds the rows being
//! read in place while newer ones arrive above (the rows above are a gap whose height grows), at
//! the top the newest show as they come, and a row that holds keyboard focus stays in the DOM
//! wherever the stream pushes it. Finding text in the kept records is the filter's job.

use std::sync::Arc;

use leptos::html::Ol;
use leptos::prelude::*;

use super::feed::Item;
use super::feed::window::{self, RowEstimate, Viewport};
use super::keyed_rows::keyed_rows;
use super::platform::{self, Focus};

/// Drawn beyond each edge of the view, in CSS pixels: a fast scroll shows rows, not gaps.
const MARGIN: f64 = 800.0;

#[derive(Clone, PartialEq)]
enum Entry {
    /// One of the three gaps (`window::Plan::gaps`), with its height.
    Gap(usize, f64),
    /// `Item`'s equality is identity: the same arrival.
    Row(Arc<Item>),
}

/// A gap's key holds its height: a gap that changes height is a new (empty) element, so no row
/// holds a signal of the list's, and the list owns nothing its rows outlive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum EntryKey {
    Gap(usize, u64),
    Row(u64),
}

#[component]
pub fn FeedRows<R, V>(
    /// What the feed shows, newest first.
    visible: Memo<Vec<Arc<Item>>>,
    /// One row: an `<li>` with the item's `data-seq`.
    row: R,
) -> impl IntoView
where
    R: Fn(Arc<Item>) -> V + Clone + Send + 'static,
    V: IntoView + 'static,
{
    let list = NodeRef::<Ol>::new();
    let viewport = RwSignal::new(Viewport::UNMEASURED);
    // Bumped when a drawn row turns out taller or shorter than it was counted.
    let remeasured = RwSignal::new(0u64);
    let estimate = StoredValue::new(RowEstimate::default());
    // The row holding keyboard focus, by its item's `seq`, and the element in it that has it.
    let focused = RwSignal::new(None::<u64>);
    let focused_element = StoredValue::new_local(None::<leptos::web_sys::EventTarget>);
    // A press anywhere since that row took the focus: a focus that then falls to the body was
    // the user's doing, not the list's.
    let pressed_since = StoredValue::new(false);
    let pressing = window_event_listener(leptos::ev::pointerdown, move |_| pressed_since.set_value(true));
    on_cleanup(move || pressing.remove());
    let let_focus_go = move || {
        focused.set(None);
        focused_element.set_value(None);
    };

    let drawn = Memo::new(move |_| {
        remeasured.track();
        let view = viewport.get();
        let pinned_seq = focused.get();
        let guess = estimate.with_value(RowEstimate::height);
        visible.with(|items| {
            // An empty list is no elements at all, as the server renders it (the server has no
            // records): nothing to hydrate, and no row owner made outside the browser.
            if items.is_empty() {
                return Vec::new();
            }
            let heights: Vec<f64> = items.iter().map(|item| item.height().unwrap_or(guess)).collect();
            let pinned = pinned_seq.and_then(|seq| items.iter().position(|item| item.seq() == seq));
            let plan = window::plan(&heights, view, MARGIN, pinned);
            let [first, second] = plan.ranges.clone();
            let rows =
                |range: std::ops::Range<usize>| range.map(|index| Entry::Row(Arc::clone(&items[index])));
            let gap = |index: usize| std::iter::once(Entry::Gap(index, plan.gaps[index]));
            gap(0).chain(rows(first)).chain(gap(1)).chain(rows(second)).chain(gap(2)).collect::<Vec<_>>()
        })
    });

    // Reads the drawn rows' heights and the list's size once the frame is laid out; a row whose
    // height was guessed wrong moves the plan, which draws again until every height is known.
    let measure = move || {
        let Some(list) = list.get_untracked() else { return };
        let (top, height) = platform::scroll_view(&list);
        let now = Viewport { top, height };
        if height > 0.0 && viewport.get_untracked() != now {
            viewport.set(now);
        }
        let heights = platform::row_heights(&list);
        let changed = drawn.with_untracked(|drawn| {
            let mut changed = false;
            for (seq, height) in heights {
                let item = drawn.iter().find_map(|entry| match entry {
                    Entry::Row(item) if item.seq() == seq => Some(item),
                    _ => None,
                });
                if let Some(item) = item {
                    let first = item.height().is_none();
                    if item.set_height(height) {
                        changed = true;
                        if first {
                            estimate.update_value(|estimate| estimate.measured(height));
                        }
                    }
                }
            }
            changed
        });
        if changed {
            remeasured.update(|n| *n += 1);
        }
        if let Some(element) = focused_element.get_value() {
            match platform::focus_from(&element) {
                Focus::Held => {}
                Focus::Fell if !pressed_since.get_value() => platform::refocus(&element),
                Focus::Fell | Focus::Elsewhere => let_focus_go(),
            }
        }
    };
    Effect::new(move |_| {
        drawn.track();
        request_animation_frame(measure);
    });

    let on_scroll = move |_| measure();
    // "Show all", "Raw", "Base64" change a row's height.
    let on_click = move |_| request_animation_frame(measure);
    let on_focus_in = move |ev: leptos::ev::FocusEvent| {
        let target = ev.target();
        let row = target.as_ref().and_then(platform::row_holding);
        if focused.get_untracked() != row {
            focused.set(row);
        }
        focused_element.set_value(target);
        pressed_since.set_value(false);
    };
    // Moving the focused row (the keyed list may) takes the focus away with no element to go to:
    // `measure` gives it back. Focus that goes to an element outside the rows lets the row go;
    // inside them, `focusin` names the next.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let to = ev.related_target();
        if to.is_some() && to.as_ref().and_then(platform::row_holding).is_none() {
            let_focus_go();
        }
    };

    let key = |entry: &Entry| match entry {
        Entry::Gap(index, height) => EntryKey::Gap(*index, height.to_bits()),
        Entry::Row(item) => EntryKey::Row(item.seq()),
    };
    let entry_view = move |entry: Entry| match entry {
        Entry::Gap(_, height) => {
            view! { <li class="spacer" aria-hidden="true" style:height=format!("{height}px")></li> }
                .into_any()
        }
        Entry::Row(item) => row(item).into_any(),
    };
    view! {
        <ol
            class="feed-items"
            aria-label="Consumed events"
            node_ref=list
            on:scroll=on_scroll
            on:click=on_click
            on:focusin=on_focus_in
            on:focusout=on_focus_out
        >
            {keyed_rows(move || drawn.get(), key, entry_view)}
        </ol>
    }
}
