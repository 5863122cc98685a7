//! The live feed beside the producer box: every consumed record, newest on top.

use leptos::prelude::*;

use super::feed_state::{ConnectionStatus, FeedState};
use super::keyed_rows::keyed_rows;
use crate::event::{BrokerStatus, FeedRecord, Payload};

#[component]
pub fn LiveFeed() -> impl IntoView {
    let feed = FeedState::new();
    // Effects run only in the browser: the server renders the empty feed, the WASM connects.
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            #[cfg(feature = "hydrate")]
            super::feed_socket::connect(feed);
        }
    });

    let status = move || feed.status.get();
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
                        }}
                    </span>
                    <BrokerIndicator broker=feed.broker />
                </div>
            </header>
            <Show when=move || { feed.missed.get() > 0 }>
                <p class="missed" role="status">
                    {move || format!("{} records were skipped because this page fell behind.", feed.missed.get())}
                </p>
            </Show>
            <ol class="feed-items" aria-label="Consumed events">
                {keyed_rows(
                    move || feed.records.get(),
                    |record| (record.partition, record.offset),
                    |record| view! { <FeedItem record /> },
                )}
            </ol>
        </section>
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

#[component]
fn FeedItem(record: FeedRecord) -> impl IntoView {
    let (value, value_class) = shown(&record.value, "value");
    let (key, _) = shown(&record.key, "key");
    let when = record.timestamp_ms.map(format_timestamp).unwrap_or_else(|| "no timestamp".into());
    view! {
        <li class="feed-item" data-partition=record.partition data-offset=record.offset>
            // A text node: whatever the record holds, it is never parsed as HTML.
            <pre class=value_class>{value}</pre>
            <dl class="meta">
                <dt>"key"</dt><dd class="key">{key}</dd>
                <dt>"partition"</dt><dd class="partition">{record.partition}</dd>
                <dt>"offset"</dt><dd class="offset">{record.offset}</dd>
                <dt>"time"</dt><dd class="timestamp">{when}</dd>
            </dl>
        </li>
    }
}

fn shown(payload: &Option<Payload>, class: &str) -> (String, String) {
    match payload {
        None => ("null".into(), format!("{class} null")),
        Some(payload) if payload.is_binary() => (payload.display(), format!("{class} binary")),
        Some(payload) => (payload.display(), class.to_owned()),
    }
}

/// UTC, to the millisecond: the same on the server and in every browser.
fn format_timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{millis:03} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days-to-civil algorithm, to avoid a date crate in the WASM bundle.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_show_in_utc() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00.000 UTC");
        assert_eq!(format_timestamp(1_764_161_531_007), "2025-11-26 12:52:11.007 UTC");
    }
}
