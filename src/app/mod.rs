//! The page: a producer box beside the live feed, both on the topic in the address.

#[cfg(any(feature = "hydrate", test))]
mod backoff;
mod commands;
mod consumers_panel;
mod copy_button;
mod export;
mod feed;
mod feed_controls;
mod feed_item;
mod feed_rows;
#[cfg(feature = "hydrate")]
mod feed_socket;
mod form_controls;
mod keyed_rows;
mod live_feed;
mod page_state;
mod platform;
mod producer_box;
mod producer_draft;
mod row_relay;
mod sparkline;
mod text_filter;
mod topic_picker;
mod value_view;

pub use feed::{ConnectionStatus, FeedState};

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::Router;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::list_topics;
use crate::wire::consumers::GroupId;
use crate::wire::topic_name::TopicName;
use consumers_panel::ConsumersPanel;
use live_feed::LiveFeed;
use page_state::PageState;
use producer_box::ProducerBox;
use producer_draft::ProducerDraft;
use topic_picker::TopicPicker;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/kafka-live.css" />
        <Title text="Producer" />
        // One page, so no `<Routes>`: a matched route is an `AnyView`, and every `AnyView`
        // carries an async hydration of its view that the page never runs and the optimiser
        // cannot drop: for the route holding the whole page, 79 of the page's 602 KiB gzip.
        <Router>{move || if use_location().pathname.with(|path| path == "/") {
            Either::Left(view! { <HomePage /> })
        } else {
            Either::Right(view! { <p class="not-found">"Nothing here. "<a href="/">"Back to the producer"</a></p> })
        }}</Router>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let query = use_query_map();
    // `?topic=` as typed; a name Kafka would refuse is reported, and the default shown.
    let asked = Memo::new(move |_| query.with(|q| q.get("topic")).filter(|t| !t.trim().is_empty()));
    let topic = Memo::new(move |_| {
        asked.get().and_then(|t| TopicName::parse(&t).ok()).map(|t| t.as_str().to_owned())
    });
    let bad_topic = move || asked.get().and_then(|t| TopicName::parse(&t).err());
    let group = Memo::new(move |_| query.with(|q| q.get("group")).and_then(|g| GroupId::parse(&g).ok()));
    let page = PageState {
        topic,
        group,
        catalogue: LocalResource::new(list_topics),
        draft: ProducerDraft::new(String::new()),
        feed: FeedState::new(),
        created: RwSignal::new(0),
    };
    view! {
        <main class="layout">
            <section class="producer" aria-labelledby="producer-title">
                <h1 id="producer-title">"Producer"</h1>
                <TopicPicker page />
                {move || bad_topic().map(|reason| view! { <p class="error" role="alert">{format!("Topic in the address: {reason}")}</p> })}
                <ProducerBox page />
            </section>
            <LiveFeed page />
            <ConsumersPanel page />
        </main>
    }
}
