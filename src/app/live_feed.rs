//! The live feed beside the producer box: every consumed record, newest on top, with where it
//! started, what the filter hides, pause, the session's round trips and the throughput.

use std::sync::Arc;

use leptos::prelude::*;

use super::commands;
use super::copy_button::CopyButton;
use super::export;
use super::feed::ConnectionStatus;
use super::feed_controls::{FilterBox, KeepBox, PauseButton, StartPicker};
use super::feed_item::FeedItem;
use super::feed_rows::FeedRows;
use super::page_state::PageState;
use super::platform;
use super::row_relay::RowRelay;
use super::sparkline::{LagSparkline, Sparkline};
use crate::wire::frame::{BrokerStatus, FeedHealth, FeedState};
use crate::wire::record::FeedRecord;
use crate::wire::start_position::StartFrom;

const DEFAULT_DISPLAY_LIMIT: usize = 16 * 1024;

#[component]
pub fn LiveFeed(page: PageState) -> impl IntoView {
    let PageState { topic, draft, feed, created, .. } = page;
    let start = RwSignal::new(StartFrom::Newest);
    // The server refuses a topic its access rules close (internal ones, say): the page says
    // why instead of knocking on a socket that will not open.
    let refusal = Memo::new(move |_| {
        let catalogue = page.loaded_catalogue()?;
        let name = topic.get().unwrap_or_else(|| catalogue.default_topic.clone());
        catalogue.access.check(&name).err()
    });
    // Effects run only in the browser: the server renders the empty feed, the WASM connects,
    // and connects again whenever the topic or the start position changes, or a topic is
    // created. The socket belongs to this feed: unmounting it closes the socket.
    #[cfg(feature = "hydrate")]
    let socket = {
        let socket = StoredValue::new_local(None::<super::feed_socket::FeedSocket>);
        on_cleanup(move || {
            if let Some(Some(open)) = socket.try_with_value(|socket| socket.clone()) {
                open.close();
            }
        });
        socket
    };
    let group = page.group;
    Effect::new(move |previous: Option<(u32, bool)>| {
        let target_topic = topic.get();
        let from = start.get();
        let watched = group.get();
        let created_count = created.get();
        let refused = refusal.get();
        let again = previous.is_some_and(|(count, was_refused)| count != created_count || was_refused);
        #[cfg(feature = "hydrate")]
        {
            use super::feed_socket::{FeedSocket, Target};
            let target = Target { topic: target_topic, from, group: watched };
            socket.update_value(|socket| match (socket.as_ref(), refused.clone()) {
                (Some(existing), Some(reason)) => existing.refuse(reason),
                (None, Some(reason)) => feed.refuse(reason),
                (Some(existing), None) => existing.retarget(target, again),
                (None, None) => *socket = Some(FeedSocket::connect(feed, target)),
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (target_topic, from, watched, again);
        (created_count, refused.is_some())
    });

    // Read as each row is built: the rows are built again as they scroll back into view.
    let display_limit =
        move || untrack(|| page.loaded_catalogue()).map_or(DEFAULT_DISPLAY_LIMIT, |c| c.display_limit_bytes);
    let on_reproduce = Callback::new(move |record| draft.fill_from(&record));
    let marks = RowRelay::new(feed.marks);
    let visible = Memo::new(move |_| feed.visible());
    let hidden = move || feed.records.with(|records| records.len()).saturating_sub(visible.with(Vec::len));
    let status = move || feed.status.get();
    let connection =
        Memo::new(move |_| Arc::new(page.loaded_catalogue().map(|c| c.connection).unwrap_or_default()));
    let view_topic = move || {
        topic.get_untracked().or_else(|| page.loaded_catalogue().map(|c| c.default_topic)).unwrap_or_default()
    };
    let copy_view_kcat = Callback::new(move |()| {
        commands::kcat_consumer(&connection.get_untracked(), &view_topic(), &start.get_untracked())
    });
    let copy_view_console = Callback::new(move |()| {
        commands::console_consumer(&connection.get_untracked(), &view_topic(), &start.get_untracked())
    });
    // What is shown, as shown: after the filter, at most the records kept, newest first.
    let export_failed = RwSignal::new(None::<String>);
    let export = move |format: Format| {
        let items = visible.get_untracked();
        let records: Vec<&FeedRecord> = items.iter().map(|item| &item.record).collect();
        let name = format!("{}.{}", view_topic(), format.extension());
        let (content, mime) = match format {
            Format::JsonLines => (export::json_lines(&records), "application/x-ndjson"),
            Format::Csv => (export::csv(&records), "text/csv"),
        };
        export_failed.set(platform::download(&name, mime, &content).err());
    };

    view! {
        <section class="feed">
            <header class="feed-header">
                <h2 id="feed-title">"Consumed events"</h2>
                <div class="indicators">
                    <span class="status" data-status=move || status().label() role="status" aria-live="polite">
                        {move || match status() {
                            ConnectionStatus::Connecting => "Connecting…",
                            ConnectionStatus::Live => "Live",
                            ConnectionStatus::Reconnecting => "Reconnecting…",
                            ConnectionStatus::Refused => "Refused",
                        }}
                    </span>
                    <BrokerIndicator broker=feed.broker />
                    <FeedIndicator health=feed.feed_health />
                    <span class="catch-up" data-caught-up=move || feed.caught_up.get().to_string()>
                        {move || if feed.caught_up.get() { "Caught up" } else { "Catching up…" }}
                    </span>
                    <Sparkline counts=feed.throughput />
                    // The watched group's lag, beside the throughput it falls behind.
                    {move || feed.group.with(Option::is_some).then(|| view! { <LagSparkline lags=feed.lag_line /> })}
                </div>
            </header>
            <div class="feed-toolbar">
                <StartPicker start />
                <FilterBox feed />
                <PauseButton feed />
                <KeepBox feed />
            </div>
            <div class="feed-actions">
                <CopyButton label="Copy as kcat" command=copy_view_kcat />
                <CopyButton label="Copy as console consumer" command=copy_view_console />
                {move || page.loaded_catalogue().filter(|c| c.export).map(|_| view! {
                    <button type="button" class="export" on:click=move |_| export(Format::JsonLines)>"Export JSON Lines"</button>
                    <button type="button" class="export" on:click=move |_| export(Format::Csv)>"Export CSV"</button>
                })}
                {move || export_failed.get().map(|reason| view! { <span class="export-failed" role="alert">{reason}</span> })}
            </div>
            <p class="counters">
                <span class="received" data-count=move || feed.received.get()>
                    {move || format!("{} received", feed.received.get())}
                </span>
                <span class="shown" data-count=move || visible.with(Vec::len)>
                    {move || format!("{} shown", visible.with(Vec::len))}
                </span>
                <span class="hidden" data-count=hidden>{move || format!("{} hidden by the filter", hidden())}</span>
                {move || feed.round_trips.get().map(|rt| view! {
                    <span class="round-trips" data-count=rt.count data-p50=rt.p50_ms data-p99=rt.p99_ms>
                        {format!(
                            "Round trip p50 {:.1} ms, p99 {:.1} ms ({} {})",
                            rt.p50_ms,
                            rt.p99_ms,
                            rt.count,
                            if rt.count == 1 { "record" } else { "records" },
                        )}
                    </span>
                })}
                {move || {
                    let trips = feed.consumed_trips.get()?;
                    let group = feed.group.with(|g| g.as_ref().map(|g| g.group().to_string()))?;
                    Some(view! {
                        <span class="consumed-trips" data-count=trips.count data-p50=trips.p50_ms data-p99=trips.p99_ms>
                            {format!(
                                "Submit to consumed by {group}: p50 {:.0} ms, p99 {:.0} ms ({} {})",
                                trips.p50_ms,
                                trips.p99_ms,
                                trips.count,
                                if trips.count == 1 { "record" } else { "records" },
                            )}
                        </span>
                    })
                }}
            </p>
            {move || feed.refused.get().map(|reason| view! { <p class="refused" role="alert">{reason}</p> })}
            {move || {
                let catalogue = page.loaded_catalogue()?;
                let on_default = topic.get().is_none_or(|t| t == catalogue.default_topic);
                let warning = catalogue.durability_warning.filter(|_| on_default)?;
                Some(view! { <p class="durability" role="note">{warning}</p> })
            }}
            {move || feed.reset_note.get().map(|note| view! { <p class="reset" role="status">{note}</p> })}
            <Show when=move || { feed.unreadable_count.get() > 0 }>
                <section class="unreadable" aria-label="Unreadable records" data-count=move || feed.unreadable_count.get()>
                    <p>{move || format!(
                        "{} records could not be read and were passed over:",
                        feed.unreadable_count.get(),
                    )}</p>
                    <ul>
                        {move || feed.unreadable.get().into_iter().map(|u| view! {
                            <li data-partition=u.partition data-offset=u.offset>
                                {format!("partition {}, offset {}: {}", u.partition, u.offset, u.reason)}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            </Show>
            <Show when=move || { feed.missed.get() > 0 }>
                <p class="missed" role="status" data-count=move || feed.missed.get()>
                    {move || format!("{} records were skipped because this page fell behind.", feed.missed.get())}
                </p>
            </Show>
            <FeedRows visible row=move |item| view! {
                <FeedItem item display_limit=display_limit() on_reproduce marks=marks.for_row() connection=connection.get_untracked() />
            } />
        </section>
    }
}

#[derive(Debug, Clone, Copy)]
enum Format {
    JsonLines,
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::JsonLines => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// The server's reach to Kafka: the page can be live while the cluster is not.
#[component]
fn BrokerIndicator(broker: RwSignal<Option<BrokerStatus>>) -> impl IntoView {
    move || match broker.get() {
        None => ().into_any(),
        Some(BrokerStatus::Reachable) => {
            view! { <span class="broker" data-broker="reachable">"Kafka reachable"</span> }.into_any()
        }
        Some(BrokerStatus::Unreachable { reason }) => {
            let title = reason.clone();
            view! {
                <span class="broker" data-broker="unreachable" role="alert" title=title>
                    "Kafka unreachable: "{reason}
                </span>
            }
            .into_any()
        }
    }
}

/// The server's shared feed consumer: silent while it reads, said when it does not.
#[component]
fn FeedIndicator(health: RwSignal<Option<FeedHealth>>) -> impl IntoView {
    move || {
        let health = health.get()?;
        let (state, text, alert) = match &health.state {
            FeedState::Reading if health.restarts == 0 => ("reading", String::new(), false),
            FeedState::Reading => {
                let times = if health.restarts == 1 {
                    "once".to_owned()
                } else {
                    format!("{} times", health.restarts)
                };
                ("reading", format!("Feed restarted {times}"), false)
            }
            FeedState::Starting => ("starting", "Feed starting…".to_owned(), false),
            FeedState::Waiting { reason } => ("waiting", format!("Feed waiting: {reason}"), false),
            FeedState::Restarting { reason } => ("restarting", format!("Feed restarting: {reason}"), true),
        };
        Some(view! {
            <span class="feed-state" data-feed=state data-restarts=health.restarts data-unreadable=health.unreadable role=alert.then_some("alert")>
                {text}
            </span>
        })
    }
}
