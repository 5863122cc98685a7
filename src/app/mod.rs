//! The page: a producer box beside the live feed.

#[cfg(feature = "hydrate")]
mod feed_socket;
mod feed_state;
mod keyed_rows;
mod live_feed;
mod producer_box;

pub use feed_state::{ConnectionStatus, FeedState};

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use live_feed::LiveFeed;
use producer_box::ProducerBox;

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
        <Router>
            <Routes fallback=|| view! { <p class="not-found">"Nothing here. "<a href="/">"Back to the producer"</a></p> }>
                <Route path=path!("/") view=HomePage />
            </Routes>
        </Router>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    view! {
        <main class="layout">
            <section class="producer" aria-labelledby="producer-title">
                <h1 id="producer-title">"Producer"</h1>
                <ProducerBox />
            </section>
            <LiveFeed />
        </main>
    }
}
