//! The producer box: the original walkthrough's "Enter Text:" and "Submit", as a real form,
//! with a key, headers, a partition, one record per line and a repeat count.
//!
//! `ActionForm` posts to the produce server function. With the WASM loaded it does so without
//! leaving the page; before that, the browser posts the form itself and the server redirects
//! back with the outcome in the query string (see `server::produce::form_fallback`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::commands::{self, TextRecord};
use super::copy_button::CopyButton;
use super::form_controls::BoundInput;
use super::page_state::PageState;
use super::platform;
use super::producer_draft::ProducerDraft;
use crate::api::{CreateTopic, ProduceMessage};
use crate::wire::produce::ProduceError;
use crate::wire::produce::redirect_query as query;
use crate::wire::schema::Subject;

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

    // The schema directory's subjects; no chooser at all without one.
    let subjects =
        move || page.loaded_catalogue().map(|c| c.subjects).filter(|subjects| !subjects.is_empty());

    view! {
        <ActionForm action=produce attr:class="producer-form">
            <input type="hidden" name="topic" prop:value=move || topic.get().unwrap_or_default() />
            <div class="field">
                <label for="producer-key">"Key"</label>
                <BoundInput value=draft.key attr:id="producer-key" attr:name="key" attr:r#type="text"
                    attr:autocomplete="off" attr:placeholder="none" />
            </div>
            // The key's schema sits with the key. Its name leaves out "Key" and "Schema
            // subject", so a label lookup for either still finds one control.
            {move || subjects().map(|subjects| view! {
                <SubjectChooser id="producer-key-schema" name="key_schema" label="Encoded with" chosen=draft.key_schema subjects />
            })}
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
            {move || subjects().map(|subjects| view! {
                <SubjectChooser id="producer-value-schema" name="value_schema" label="Schema subject" chosen=draft.value_schema subjects />
            })}
            <label for="producer-text">"Enter Text:"</label>
            <div class="producer-row">
                {move || {
                    if draft.lines.get() {
                        view! {
                            <textarea id="producer-text" name="text" rows="6" prop:value=move || draft.text.get()
                                on:input=move |ev| draft.text.set(event_target_value(&ev))></textarea>
                        }
                            .into_any()
                    } else {
                        view! {
                            <BoundInput value=draft.text attr:id="producer-text" attr:name="text"
                                attr:r#type="text" attr:autocomplete="off" attr:autofocus=true />
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
                <BoundInput value=draft.repeat attr:id="producer-repeat" attr:name="repeat"
                    attr:r#type="number" attr:min="1" attr:max="10000" />
            </div>
        </ActionForm>
        <div class="form-actions">
            <CopyButton label="Copy as kcat" command=Callback::new(move |()| form_command(page, Tool::Kcat)) />
            <CopyButton label="Copy as console producer" command=Callback::new(move |()| form_command(page, Tool::ConsoleProducer)) />
        </div>
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

/// Which schema a part is encoded with: none (the text as typed), or a subject of the schema
/// directory, by id. With one chosen, the text is JSON.
#[component]
fn SubjectChooser(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    chosen: RwSignal<String>,
    subjects: Vec<Subject>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name prop:value=move || chosen.get() on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"None: the text as typed"</option>
                {subjects.into_iter().map(|subject| {
                    let value = subject.schema.id.to_string();
                    view! { <option value=value>{subject.schema.choice()}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[derive(Debug, Clone, Copy)]
enum Tool {
    Kcat,
    ConsoleProducer,
}

/// The form as it stands, as one command.
fn form_command(page: PageState, tool: Tool) -> Result<String, String> {
    let draft = page.draft;
    let catalogue = page.loaded_catalogue().ok_or("The page has not loaded the cluster's settings yet.")?;
    if !draft.value_schema.get_untracked().is_empty() || !draft.key_schema.get_untracked().is_empty() {
        return Err("The server encodes this with a schema; a command line sends the text as typed.".into());
    }
    if draft.lines.get_untracked() || draft.repeat.get_untracked().trim() != "1" {
        return Err(
            "A copied command sends one record: turn off \"One record per line\" and set Repeat to 1.".into(),
        );
    }
    let topic = page.topic.get_untracked().unwrap_or_else(|| catalogue.default_topic.clone());
    let key = Some(draft.key.get_untracked()).filter(|key| !key.is_empty());
    let headers = draft
        .headers
        .get_untracked()
        .iter()
        .map(|row| (row.name.get_untracked(), row.value.get_untracked()))
        .filter(|(n, v)| !n.is_empty() || !v.is_empty())
        .collect();
    let partition = draft.partition.get_untracked().trim().parse().ok();
    let record = TextRecord { key, headers, value: Some(draft.text.get_untracked()), partition };
    match tool {
        Tool::Kcat => commands::kcat_producer(&catalogue.connection, &topic, &record),
        Tool::ConsoleProducer if partition.is_some() => {
            Err("kafka-console-producer.sh cannot choose a partition; set Partition to Automatic, or copy as kcat.".into())
        }
        Tool::ConsoleProducer => commands::console_producer(&catalogue.connection, &topic, &record),
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
                            <BoundInput value=row.name attr:r#type="text" attr:aria-label="Header name"
                                attr:name=move || format!("headers[{}][name]", index()) />
                            <BoundInput value=row.value attr:r#type="text" attr:aria-label="Header value"
                                attr:name=move || format!("headers[{}][value]", index()) />
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
