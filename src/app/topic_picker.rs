//! The topic selector: the cluster's topics, the configured one by default. Choosing one
//! navigates to `/?topic=…`, so the address opens the same view; producing and the feed follow.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::form_controls::NameOptions;
use super::page_state::PageState;
use super::producer_box::CreateTopicButton;

#[component]
pub fn TopicPicker(page: PageState) -> impl IntoView {
    let navigate = use_navigate();
    let topic = page.topic;
    let loaded = move || page.loaded_catalogue();
    let current = move || topic.get().or_else(|| loaded().map(|c| c.default_topic)).unwrap_or_default();
    let names = move || loaded().map(|c| c.topics.into_iter().map(|t| t.name).collect()).unwrap_or_default();
    // Known only once the list is in: a topic the cluster does not have.
    let missing = move || {
        let catalogue = loaded()?;
        let name = current();
        let unknown = catalogue.topics_error.is_none()
            && catalogue.access.visible(&name)
            && catalogue.partitions_of(&name).is_none();
        unknown.then_some((name, catalogue.can_create_topics))
    };
    let on_change = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        let default = loaded().map(|c| c.default_topic).unwrap_or_default();
        let url = page.address_with_topic((chosen != default).then_some(chosen.as_str()));
        navigate(&url, Default::default());
    };
    view! {
        <div class="field topic-field">
            <label for="topic">"Topic"</label>
            <select id="topic" on:change=on_change prop:value=current>
                <NameOptions names chosen=current />
            </select>
        </div>
        {move || {
            loaded().and_then(|c| c.topics_error).map(|reason| view! { <p class="topics-error" role="status">{reason}</p> })
        }}
        {move || {
            missing()
                .map(|(name, can_create)| {
                    view! {
                        <div class="unknown-topic" role="alert">
                            <p>{format!("Topic {name} does not exist.")}</p>
                            {can_create.then(|| view! { <CreateTopicButton name page /> })}
                        </div>
                    }
                })
        }}
    }
}
