//! One record in the feed: its value (JSON pretty or raw, text, hex or base64, cut to the
//! display limit until "Show all"; decoded with its schema, or why not), its details, its round
//! trip, "Re-produce" and "Copy as …".
//!
//! A row cannot read context from above the list (see `keyed_rows`): what it needs comes in
//! as props.

use std::sync::Arc;

use leptos::prelude::*;

use super::commands::{self, TextRecord};
use super::copy_button::CopyButton;
use super::feed::Item;
use super::feed::group_progress::Marks;
use super::platform;
use super::value_view::{Choices, Shape, format_size, render, truncate};
use crate::wire::record::{FeedRecord, Payload, Timestamp};
use crate::wire::schema::Decoding;
use crate::wire::topics::Connection;

#[component]
pub fn FeedItem(
    item: Arc<Item>,
    display_limit: usize,
    on_reproduce: Callback<FeedRecord>,
    /// Which records the watched group has consumed: this row's own signal (see `row_relay`).
    marks: ArcReadSignal<Option<Arc<Marks>>>,
    /// Where the cluster is, for "Copy as …".
    connection: Arc<Connection>,
) -> impl IntoView {
    let record = item.record.clone();
    let (partition, offset, timestamp_ms) = (record.partition, record.offset, record.timestamp.map(|t| t.ms));
    let consumed = move || {
        marks.with(|marks| marks.as_ref().and_then(|marks| marks.consumed(partition, offset, timestamp_ms)))
    };
    // The toggles live on the item: the row is built again when it scrolls back into view.
    // Written through where they change, not by an effect: rows are built at the rate records
    // reach the top of a flood, and an effect is a task of its own per row.
    let choices = RwSignal::new(item.choices());
    let keeper = StoredValue::new(Arc::clone(&item));
    let choose = move |change: fn(&mut Choices)| {
        choices.update(change);
        keeper.with_value(|item| item.set_choices(choices.get_untracked()));
    };
    // A value decoded with a schema shows as its JSON; the bytes stay in the record.
    let value =
        decoded_json(record.value_decoding.as_deref()).map(Payload::Text).or_else(|| record.value.clone());
    // `None`: a null value.
    let rendered =
        Memo::new(move |_| value.as_ref().map(|payload| render(payload, display_limit, choices.get())));
    let shape = move || rendered.with(|rendered| rendered.as_ref().map(|r| r.shape));
    let value_class = move || match shape() {
        None => "value null",
        Some(Shape::Json) if !choices.get().raw_json => "value json",
        Some(Shape::Binary) => "value binary",
        Some(_) => "value",
    };
    let truncated = move || rendered.with(|rendered| rendered.as_ref().is_some_and(|r| r.cut));
    let round_trip = item.round_trip_ms.clone();
    let reproducible = (record.value.as_ref().is_none_or(|v| !v.is_binary())
        || decoded_json(record.value_decoding.as_deref()).is_some())
        && !record.cut
        && !record.headers.iter().any(|header| header.binary_name);
    let key = decoded_json(record.key_decoding.as_deref())
        .or_else(|| record.key.as_ref().map(Payload::display))
        .unwrap_or_else(|| "null".to_owned());
    let schema_notes = schema_notes(&record);
    let (copy_kcat, copy_console) = {
        let (for_kcat, kcat_connection) = (record.clone(), Arc::clone(&connection));
        let kcat = Callback::new(move |()| {
            let text = TextRecord::from_record(&for_kcat)?;
            commands::kcat_producer(&kcat_connection, &for_kcat.topic, &text)
        });
        let for_console = record.clone();
        let console = Callback::new(move |()| {
            let text = TextRecord::from_record(&for_console)?;
            commands::console_producer(
                &connection,
                &for_console.topic,
                &TextRecord { partition: None, ..text },
            )
        });
        (kcat, console)
    };
    let when = record.timestamp.map(format_local).unwrap_or_else(|| "no timestamp".into());
    let kind = record.timestamp.map(|t| format!(" ({})", t.kind.label())).unwrap_or_default();
    let headers = record.headers.clone();
    let size = format_size(record.size);
    let full_size = record.size;
    let for_reproduce = record.clone();
    let skipped_before = item.skipped_before();

    view! {
        <li class="feed-item" data-seq=item.seq() data-partition=record.partition data-offset=record.offset data-cut=record.cut.to_string()>
            // A text node: whatever the record holds, it is never parsed as HTML.
            <pre class=value_class>
                {move || rendered.with(|rendered| rendered.as_ref().map_or_else(|| "null".to_owned(), |r| r.text.clone()))}
            </pre>
            {schema_notes}
            <Show when=truncated>
                <p class="truncated">
                    {format!("Showing the first {} of {}. ", format_size(display_limit), format_size(full_size))}
                    <button type="button" class="show-all" on:click=move |_| choose(|c| c.show_all = true)>
                        "Show all"
                    </button>
                </p>
            </Show>
            {record.cut.then(|| view! {
                <p class="cut" role="note">
                    {format!("Cut by the server: the record is {size}, more than it forwards to a page.")}
                </p>
            })}
            {(record.omitted_headers > 0).then(|| view! {
                <p class="omitted-headers" role="note" data-count=record.omitted_headers>
                    {format!("{} more headers are not shown: the server forwards a page at most its limit of a record's headers.", record.omitted_headers)}
                </p>
            })}
            <dl class="meta">
                <dt>"key"</dt><dd class="key">{key}</dd>
                <dt>"partition"</dt><dd class="partition">{record.partition}</dd>
                <dt>"offset"</dt><dd class="offset">{record.offset}</dd>
                <dt>"time"</dt><dd class="timestamp">{when}<span class="timestamp-kind">{kind}</span></dd>
                <dt>"size"</dt><dd class="size">{size.clone()}</dd>
                <dt>"headers"</dt>
                <dd class="headers">
                    {if headers.is_empty() {
                        view! { <span class="none">"none"</span> }.into_any()
                    } else {
                        view! {
                            <ul>
                                {headers.into_iter().map(|header| {
                                    let value = header.value.as_ref().map_or_else(|| "null".to_owned(), Payload::display);
                                    // A huge header must not swamp the item: cut like a value, marked.
                                    let value = match truncate(&value, display_limit) {
                                        (head, true) => format!("{head}… ({} in all)", format_size(value.len())),
                                        (_, false) => value,
                                    };
                                    // Kafka header names are bytes; one that is not UTF-8 shows as hex.
                                    let title = header.binary_name.then_some("This name is not UTF-8 text: its bytes, in hex");
                                    view! {
                                        <li>
                                            <span class="header-name" data-binary=header.binary_name.to_string() title=title>{header.name}</span>
                                            ": "
                                            <span class="header-value">{value}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </dd>
            </dl>
            <div class="item-actions">
                {move || match shape() {
                    Some(Shape::Json) => {
                        let label = if choices.get().raw_json { "Pretty" } else { "Raw" };
                        Some(view! {
                            <button type="button" class="toggle" on:click=move |_| choose(|c| c.raw_json = !c.raw_json)>{label}</button>
                        }.into_any())
                    }
                    Some(Shape::Binary) => {
                        let label = if choices.get().base64 { "Hex" } else { "Base64" };
                        Some(view! {
                            <button type="button" class="toggle" on:click=move |_| choose(|c| c.base64 = !c.base64)>{label}</button>
                        }.into_any())
                    }
                    _ => None,
                }}
                <button
                    type="button"
                    class="reproduce"
                    disabled=!reproducible
                    title=if reproducible { "Fill the producer with this record's key, headers and value" } else { "Only whole text records can be produced again from the text box" }
                    on:click=move |_| on_reproduce.run(for_reproduce.clone())
                >
                    "Re-produce"
                </button>
                <CopyButton label="Copy as kcat" command=copy_kcat />
                <CopyButton label="Copy as console producer" command=copy_console />
                {move || round_trip.get().map(|ms| view! {
                    <span class="round-trip" title="From Submit to this record in the feed">{format!("{ms:.1} ms round trip")}</span>
                })}
                {move || consumed().map(|consumed| view! {
                    <span class="consumed" data-after-ms=consumed.after_ms title="The watched consumer group has committed past this record">
                        {consumed.text()}
                    </span>
                })}
            </div>
            // Newest on top, so the records skipped before this one would have been below it.
            {(skipped_before > 0).then(|| view! {
                <p class="gap" role="note" data-count=skipped_before>{gap_note(skipped_before)}</p>
            })}
        </li>
    }
}

fn decoded_json(decoding: Option<&Decoding>) -> Option<String> {
    decoding.and_then(Decoding::decoded).map(|(json, _)| json.to_owned())
}

/// Under the value: which schema decoded the value (and the key), or why it could not.
fn schema_notes(record: &FeedRecord) -> impl IntoView + use<> {
    let note = |decoding: Option<&Decoding>, key: bool| {
        let (prefix, suffix) = if key { ("key ", " (the key)") } else { ("", "") };
        match decoding {
            None => None,
            Some(Decoding::Decoded { schema, wire_format, .. }) => {
                let title = if *wire_format {
                    "In Confluent's wire format: a magic byte, the schema id, then the body"
                } else {
                    "A plain body on a topic the schema directory maps to this schema"
                };
                Some(view! {
                    <p class="schema" data-schema-id=schema.id data-format=schema.format.label() title=title>
                        {format!("{prefix}{}", schema.line())}
                    </p>
                }.into_any())
            }
            Some(Decoding::Failed { reason }) => Some(
                view! {
                    <p class="not-decoded" role="note">{format!("{reason}{suffix}")}</p>
                }
                .into_any(),
            ),
        }
    };
    (note(record.value_decoding.as_deref(), false), note(record.key_decoding.as_deref(), true))
}

/// Where the list has a hole: records this page received but could not draw.
fn gap_note(skipped: u64) -> String {
    match skipped {
        1 => "1 record before this one came faster than this page draws; it is not shown.".to_owned(),
        n => format!("{n} records before this one came faster than this page draws; they are not shown."),
    }
}

/// The browser's local time, to the millisecond, with its offset: "2026-11-26 19:02:11.007 UTC+01:00".
fn format_local(timestamp: Timestamp) -> String {
    let offset = platform::utc_offset_minutes(timestamp.ms);
    format_with_offset(timestamp.ms, offset)
}

fn format_with_offset(ms: i64, offset_minutes: i32) -> String {
    let local = ms + i64::from(offset_minutes) * 60_000;
    let secs = local.div_euclid(1000);
    let millis = local.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let zone = match offset_minutes {
        0 => "UTC".to_owned(),
        o => format!("UTC{}{:02}:{:02}", if o < 0 { '-' } else { '+' }, o.abs() / 60, o.abs() % 60),
    };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{millis:03} {zone}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
    fn timestamps_show_in_local_time_with_the_offset() {
        assert_eq!(format_with_offset(0, 0), "1970-01-01 00:00:00.000 UTC");
        assert_eq!(format_with_offset(1_764_161_531_007, 0), "2025-11-26 12:52:11.007 UTC");
        assert_eq!(format_with_offset(1_764_161_531_007, 60), "2025-11-26 13:52:11.007 UTC+01:00");
        assert_eq!(format_with_offset(1_764_161_531_007, -330), "2025-11-26 07:22:11.007 UTC-05:30");
    }
}
