//! The producer box: the original walkthrough's "Enter Text:" and "Submit", as a real form.
//!
//! `ActionForm` posts to the produce server function. With the WASM loaded it does so without
//! leaving the page; before that, the browser posts the form itself and the server redirects
//! back with the outcome in the query string (see `server::form_fallback`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::event::Receipt;
use crate::produce::ProduceMessage;
use crate::produce::redirect_query as query;

/// What the last submit came to, shown under the box.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Delivered(Receipt),
    Failed(String),
}

#[component]
pub fn ProducerBox() -> impl IntoView {
    let produce = ServerAction::<ProduceMessage>::new();
    let params = use_query_map();

    // After a plain form post (no WASM yet), the server's redirect carries the outcome.
    let from_redirect = params.with_untracked(|q| {
        let delivered = (q.get(query::TOPIC), q.get(query::PARTITION), q.get(query::OFFSET));
        if let (Some(topic), Some(partition), Some(offset)) = delivered {
            let partition = partition.parse().ok()?;
            let offset = offset.parse().ok()?;
            return Some(Outcome::Delivered(Receipt { topic, partition, offset }));
        }
        q.get(query::ERROR).map(Outcome::Failed)
    });
    let typed_before_redirect = params.with_untracked(|q| q.get(query::TEXT)).unwrap_or_default();

    let text = RwSignal::new(typed_before_redirect.clone());
    let outcome = move || match produce.value().get() {
        Some(Ok(receipt)) => Some(Outcome::Delivered(receipt)),
        Some(Err(error)) => Some(Outcome::Failed(error.to_string())),
        None => from_redirect.clone(),
    };
    // A delivered message clears the box; a failed one keeps the text for another try.
    Effect::new(move || {
        if let Some(Ok(_)) = produce.value().get() {
            text.set(String::new());
        }
    });

    view! {
        <ActionForm action=produce attr:class="producer-form">
            <label for="producer-text">"Enter Text:"</label>
            <div class="producer-row">
                <input
                    id="producer-text"
                    name="text"
                    type="text"
                    autocomplete="off"
                    autofocus
                    value=typed_before_redirect
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
                <button type="submit" disabled=move || produce.pending().get()>
                    "Submit"
                </button>
            </div>
        </ActionForm>
        {move || match outcome() {
            Some(Outcome::Delivered(receipt)) => {
                view! { <p class="receipt" role="status" data-partition=receipt.partition data-offset=receipt.offset>{receipt.to_string()}</p> }.into_any()
            }
            Some(Outcome::Failed(reason)) => {
                view! { <p class="error" role="alert">{reason}</p> }.into_any()
            }
            None => ().into_any(),
        }}
    }
}
