//! The producer box: the original walkthrough's "Enter Text:" and "Submit", as a real form,
//! with a key, headers, a partition, one record per line and a repeat count.
//!
//! `ActionForm` posts to the produce server function. With the WASM loaded it does so without
//! leaving the page; before that, the browser posts the form itself and the server redirects
//! back with the outcome in the query string (see `server::produce::form_fallback`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::page_state::PageState;
use super::platform;
use super::producer_draft::ProducerDraft;
use crate::api::{CreateTopic, ProduceMessage};
use crate::wire::produce::ProduceError;
use crate::wire::produce::redirect_query as query;

/// What the last submit came to, shown under the box.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Delivered {
        text: String,
        partition: i32,
        offset: i64,
        count: usize,
    },
    Failed(ProduceError),
    /// After a plain form post, the error is only text.
    FailedText(String),
}

#[component]
pub fn ProducerBox(page: PageState) -> impl IntoView {
    let PageState { topic, draft, feed, .. } = page;
    let produce = ServerAction::<ProduceMessage>::new();
    let params = use_query_map();

    // After a plain form post (no WASM yet), the server's redirect carries the outcome.
    let from_redirect = params.with_untracked(|q| {
        let delivered = (q.get(query::TOPIC), q.get(query::PARTITION), q.get(query::OFFSET));
        if let (Some(topic), Some(partition), Some(offset)) = delivered {
            let (partition, offset) = (partition.parse().ok()?, offset.parse().ok()?);
            let count = q.get(query::COUNT).and_then(|c| c.parse().ok()).unwrap_or(1);
            let at = crate::wire::receipt::at_offset(offset);
            let text = if count == 1 {
                format!("Delivered to {topic} [partition {partition}] {at}")
            } else {
                format!("Delivered {count} records to {topic}, the first to [partition {partition}] {at}")
            };
            return Some(Outcome::Delivered { text, partition, offset, count });
        }
        q.get(query::ERROR).map(Outcome::FailedText)
    });
    let typed_before_redirect = params.with_untracked(|q| q.get(query::TEXT)).unwrap_or_default();
    if !typed_before_redirect.is_empty() {
        draft.text.set(typed_before_redirect.clone());
    }

    let outcome = move || match produce.value().get() {
        Some(Ok(receipt)) => {
            let first = receipt.first();
            Some(Outcome::Delivered {
                text: receipt.to_string(),
                partition: first.map_or(-1, |p| p.partition),
                offset: first.map_or(-1, |p| p.offset),
                count: receipt.records.len(),
            })
        }
        Some(Err(error)) => Some(Outcome::Failed(error)),
        None => from_redirect.clone(),
    };
    // Submit time, for each record's round trip.
    let submitted_at = StoredValue::new(0.0);
    Effect::new(move || {
        if produce.pending().get() {
            submitted_at.set_value(platform::now_ms());
            feed.submit_started();
        }
    });
    // A delivered message clears the text (key and headers stay for the next); a failed one
    // keeps everything for another try.
    Effect::new(move || match produce.value().get() {
        Some(Ok(receipt)) => {
            feed.produced(&receipt, submitted_at.get_value());
            draft.text.set(String::new());
        }
        Some(Err(_)) => feed.submit_settled(),
        None => {}
    });

    let partitions = move || {
        let catalogue = page.loaded_catalogue()?;
        let name = topic.get().unwrap_or_else(|| catalogue.default_topic.clone());
        catalogue.partitions_of(&name)
    };

    view! {
        <ActionForm action=produce attr:class="producer-form">
            <input type="hidden" name="topic" prop:value=move || topic.get().unwrap_or_default() />
            <div class="field">
                <label for="producer-key">"Key"</label>
                <input
                    id="producer-key"
                    name="key"
                    type="text"
                    autocomplete="off"
                    placeholder="none"
                    prop:value=move || draft.key.get()
                    on:input=move |ev| draft.key.set(event_target_value(&ev))
                />
            </div>
            <HeaderRows draft />
            <div class="field">
                <label for="producer-partition">"Partition"</label>
                <select
                    id="producer-partition"
                    name="partition"
                    prop:value=move || draft.partition.get()
                    on:change=move |ev| draft.partition.set(event_target_value(&ev))
                >
                    <option value="">"Automatic"</option>
                    {move || {
                        (0..partitions().unwrap_or(0))
                            .map(|p| view! { <option value=p.to_string()>{format!("Partition {p}")}</option> })
                            .collect_view()
                    }}
                </select>
            </div>
            <label for="producer-text">"Enter Text:"</label>
            <div class="producer-row">
                {move || {
                    if draft.lines.get() {
                        view! {
                            <textarea
                                id="producer-text"
                                name="text"
                                rows="6"
                                prop:value=move || draft.text.get()
                                on:input=move |ev| draft.text.set(event_target_value(&ev))
                            ></textarea>
                        }
                            .into_any()
                    } else {
                        view! {
                            <input
                                id="producer-text"
                                name="text"
                                type="text"
                                autocomplete="off"
                                autofocus
                                value=draft.text.get_untracked()
                                prop:value=move || draft.text.get()
                                on:input=move |ev| draft.text.set(event_target_value(&ev))
                            />
                        }
                            .into_any()
                    }
                }}
                <button type="submit" disabled=move || produce.pending().get()>
                    "Submit"
                </button>
            </div>
            <div class="bulk">
                <label class="check">
                    <input
                        type="checkbox"
                        name="lines"
                        value="on"
                        prop:checked=move || draft.lines.get()
                        on:change=move |ev| draft.lines.set(event_target_checked(&ev))
                    />
                    "One record per line"
                </label>
                <label for="producer-repeat">"Repeat"</label>
                <input
                    id="producer-repeat"
                    name="repeat"
                    type="number"
                    min="1"
                    max="10000"
                    prop:value=move || draft.repeat.get()
                    on:input=move |ev| draft.repeat.set(event_target_value(&ev))
                />
            </div>
        </ActionForm>
        {move || match outcome() {
            Some(Outcome::Delivered { text, partition, offset, count }) => {
                view! {
                    <p class="receipt" role="status" data-partition=partition data-offset=offset data-count=count>
                        {text}
                    </p>
                }
                    .into_any()
            }
            Some(Outcome::Failed(ProduceError::UnknownTopic { topic })) => {
                let reason = ProduceError::UnknownTopic { topic: topic.clone() }.to_string();
                view! {
                    <div class="error" role="alert">
                        <p>{reason}</p>
                        <CreateTopicButton name=topic page />
                    </div>
                }
                    .into_any()
            }
            Some(Outcome::Failed(error)) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            Some(Outcome::FailedText(reason)) => view! { <p class="error" role="alert">{reason}</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// Name/value rows; blank rows are ignored by the server.
#[component]
fn HeaderRows(draft: ProducerDraft) -> impl IntoView {
    view! {
        <fieldset class="header-rows">
            <legend>"Headers"</legend>
            <For each=move || draft.headers.get() key=|row| row.id let:row>
                {
                    let index = move || draft.headers.with(|rows| rows.iter().position(|r| r.id == row.id).unwrap_or(0));
                    view! {
                        <div class="header-row">
                            <input
                                type="text"
                                aria-label="Header name"
                                name=move || format!("headers[{}][name]", index())
                                prop:value=move || row.name.get()
                                on:input=move |ev| row.name.set(event_target_value(&ev))
                            />
                            <input
                                type="text"
                                aria-label="Header value"
                                name=move || format!("headers[{}][value]", index())
                                prop:value=move || row.value.get()
                                on:input=move |ev| row.value.set(event_target_value(&ev))
                            />
                            <button type="button" aria-label="Remove header" on:click=move |_| draft.remove_header(row.id)>
                                "×"
                            </button>
                        </div>
                    }
                }
            </For>
            <button type="button" class="add-header" on:click=move |_| draft.add_header(String::new(), String::new())>
                "Add header"
            </button>
        </fieldset>
    }
}

/// The offer that goes with "Topic … does not exist".
#[component]
pub fn CreateTopicButton(name: String, page: PageState) -> impl IntoView {
    let create = ServerAction::<CreateTopic>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            page.catalogue.refetch();
            page.created.update(|n| *n += 1);
        }
    });
    let label = format!("Create topic {name}");
    view! {
        <button
            type="button"
            class="create-topic"
            disabled=move || create.pending().get()
            on:click=move |_| {
                create.dispatch(CreateTopic { name: name.clone() });
            }
        >
            {label}
        </button>
        {move || match create.value().get() {
            Some(Ok(info)) => {
                view! { <span class="created" role="status">{format!("Created {} with {} partitions.", info.name, info.partitions)}</span> }
                    .into_any()
            }
            Some(Err(error)) => view! { <span class="error" role="alert">{error.to_string()}</span> }.into_any(),
            None => ().into_any(),
        }}
    }
}
