//! The feed's toolbar: where to start, the filter, pause, and how many records to keep.

use leptos::prelude::*;

use super::feed::{FeedState, MAX_ITEMS_LIMIT};
use super::form_controls::BoundInput;
use super::platform;
use crate::wire::start_position::{StartFrom, parse_offsets};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Newest,
    Earliest,
    Offset,
    Timestamp,
}

/// `start` changes only to a valid position; what is wrong with anything else shows inline.
#[component]
pub fn StartPicker(start: RwSignal<StartFrom>) -> impl IntoView {
    let choice = RwSignal::new(Choice::Newest);
    let offset = RwSignal::new(String::new());
    let time = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let apply = move || {
        let chosen = match choice.get_untracked() {
            Choice::Newest => Ok(StartFrom::Newest),
            Choice::Earliest => Ok(StartFrom::Earliest),
            Choice::Offset => parse_offsets(&offset.get_untracked()).map(StartFrom::Offsets),
            Choice::Timestamp => {
                let text = time.get_untracked();
                match platform::parse_local_datetime(&text) {
                    _ if text.trim().is_empty() => Err("Enter a date and time to start from.".into()),
                    Some(ms) if ms >= 0 => Ok(StartFrom::Timestamp(ms)),
                    _ => Err(format!("`{text}` is not a date and time.")),
                }
            }
        };
        match chosen {
            Ok(from) => {
                error.set(None);
                start.set(from);
            }
            Err(reason) => error.set(Some(reason)),
        }
    };
    let on_choice = move |ev: leptos::ev::Event| {
        let picked = match event_target_value(&ev).as_str() {
            "earliest" => Choice::Earliest,
            "offset" => Choice::Offset,
            "timestamp" => Choice::Timestamp,
            _ => Choice::Newest,
        };
        choice.set(picked);
        error.set(None);
        // Newest and earliest need nothing more; the others wait for their value.
        if matches!(picked, Choice::Newest | Choice::Earliest) {
            apply();
        }
    };
    let on_enter = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            apply();
        }
    };
    view! {
        <div class="start-picker">
            <label for="start-from">"Start from"</label>
            <select id="start-from" on:change=on_choice>
                <option value="newest">"Newest"</option>
                <option value="earliest">"Earliest"</option>
                <option value="offset">"Offset"</option>
                <option value="timestamp">"Timestamp"</option>
            </select>
            <Show when=move || choice.get() == Choice::Offset>
                <BoundInput value=offset attr:r#type="text" attr:class="start-offset"
                    attr:aria-label="Offset" attr:placeholder="42, or 0:42, 1:17" on:keydown=on_enter />
            </Show>
            <Show when=move || choice.get() == Choice::Timestamp>
                <BoundInput value=time attr:r#type="datetime-local" attr:step="1" attr:class="start-time"
                    attr:aria-label="Timestamp" on:keydown=on_enter />
            </Show>
            <Show when=move || matches!(choice.get(), Choice::Offset | Choice::Timestamp)>
                <button type="button" class="start-apply" on:click=move |_| apply()>"Read from here"</button>
            </Show>
            {move || error.get().map(|reason| view! { <p class="start-error" role="alert">{reason}</p> })}
        </div>
    }
}

#[component]
pub fn FilterBox(feed: FeedState) -> impl IntoView {
    view! {
        <div class="filter">
            <input
                type="search"
                aria-label="Filter"
                placeholder="Filter: text, or /regex/"
                on:input=move |ev| feed.set_filter(&event_target_value(&ev))
            />
            {move || feed.filter_error.get().map(|reason| view! { <p class="filter-error" role="alert">{reason}</p> })}
        </div>
    }
}

#[component]
pub fn PauseButton(feed: FeedState) -> impl IntoView {
    view! {
        <button
            type="button"
            class="pause"
            aria-pressed=move || feed.paused.get().to_string()
            on:click=move |_| if feed.paused.get_untracked() { feed.resume() } else { feed.pause() }
        >
            {move || if feed.paused.get() { "Resume" } else { "Pause" }}
        </button>
        <Show when=move || feed.paused.get()>
            <span class="held" role="status" data-held=move || feed.held.get()>
                {move || {
                    let held = feed.held.get();
                    let keep = feed.max_items.get() as u64;
                    if held > keep {
                        format!("Paused: {held} new (the newest {keep} will show)")
                    } else {
                        format!("Paused: {held} new")
                    }
                }}
            </span>
        </Show>
    }
}

#[component]
pub fn KeepBox(feed: FeedState) -> impl IntoView {
    view! {
        <label class="keep">
            "Keep"
            <input
                type="number"
                aria-label="Keep newest"
                min="1"
                max=MAX_ITEMS_LIMIT.to_string()
                prop:value=move || feed.max_items.get().to_string()
                on:change=move |ev| {
                    if let Ok(keep) = event_target_value(&ev).trim().parse::<usize>() {
                        feed.set_max_items(keep);
                    }
                }
            />
            "newest"
        </label>
    }
}
