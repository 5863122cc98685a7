//! The browser's end of `/ws`: connect, apply every frame, draw at most once per animation
//! frame, reconnect with backoff.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::feed_state::{ConnectionStatus, FeedState};
use crate::event::ServerFrame;

const FIRST_RETRY_MS: u64 = 250;
const MAX_RETRY_MS: u64 = 5_000;

pub fn connect(feed: FeedState) {
    open(feed, Rc::new(Cell::new(0)), Rc::new(Cell::new(false)));
}

/// `draw_scheduled` is shared by every connection of the page: one redraw request at a time.
fn open(feed: FeedState, failures: Rc<Cell<u32>>, draw_scheduled: Rc<Cell<bool>>) {
    let socket = match WebSocket::new(&socket_url(&feed)) {
        Ok(socket) => socket,
        Err(_) => return retry_later(feed, failures, draw_scheduled),
    };

    let on_open = {
        let failures = Rc::clone(&failures);
        Closure::<dyn FnMut()>::new(move || {
            failures.set(0);
            feed.status.set(ConnectionStatus::Live);
        })
    };
    let on_message = {
        let draw_scheduled = Rc::clone(&draw_scheduled);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(frame) => {
                    if feed.apply(frame) && !draw_scheduled.replace(true) {
                        let draw_scheduled = Rc::clone(&draw_scheduled);
                        request_animation_frame(move || {
                            draw_scheduled.set(false);
                            feed.render_pending();
                        });
                    }
                }
                Err(error) => leptos::logging::warn!("kafka-live: ignoring a frame it cannot read: {error}"),
            }
        })
    };
    let on_close = {
        let failures = Rc::clone(&failures);
        Closure::<dyn FnMut(CloseEvent)>::new(move |_event: CloseEvent| {
            feed.status.set(ConnectionStatus::Reconnecting);
            retry_later(feed, Rc::clone(&failures), Rc::clone(&draw_scheduled));
        })
    };
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket owns its handlers for the page's lifetime; one set per connection attempt.
    on_open.forget();
    on_message.forget();
    on_close.forget();
}

/// 250 ms, doubling, at most 5 s between attempts.
fn retry_later(feed: FeedState, failures: Rc<Cell<u32>>, draw_scheduled: Rc<Cell<bool>>) {
    let attempt = failures.get();
    failures.set(attempt.saturating_add(1));
    let delay = FIRST_RETRY_MS.saturating_mul(1 << attempt.min(10)).min(MAX_RETRY_MS);
    set_timeout(move || open(feed, failures, draw_scheduled), Duration::from_millis(delay));
}

fn socket_url(feed: &FeedState) -> String {
    let location = window().location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}/ws{}", feed.resume_query())
}
