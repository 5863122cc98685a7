//! The browser's end of `/ws`: connect, hand every frame to the feed state, draw at most once
//! per animation frame, reconnect with backoff, and start over when the page asks for another topic or
//! start position.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::backoff;
use super::feed::{ConnectionStatus, FeedState, MAX_ITEMS_LIMIT};
use super::platform;
use crate::wire::consumers::GroupId;
use crate::wire::feed_query::{FeedQuery, WatchGroup};
use crate::wire::start_position::StartFrom;
use crate::wire::topic_name::TopicName;

/// One animation frame at 60 Hz: the part of a frame's time that is not the draw's.
const FRAME_MS: f64 = 1000.0 / 60.0;
/// What one draw should cost (rows built, then the browser's style, layout and paint): under
/// the 50 ms at which a task counts as long and input waits visibly.
const DRAW_BUDGET_MS: f64 = 40.0;
/// Rows the first full draw may hold, before the page has measured what a draw costs.
const FIRST_ROWS: usize = 200;
/// Never fewer rows a draw than this. Most of a draw's rows never reach the DOM (only those in
/// view do: `feed_rows`), so a smaller slice would save little time and fall far behind.
const MIN_ROWS: usize = 100;

/// What the page reads: `None` is the configured topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub topic: Option<String>,
    pub from: StartFrom,
    /// The consumer group the Consumers panel watches: `None` is the configured one.
    pub group: Option<GroupId>,
}

/// An open socket with the handlers it calls. Dropping it closes the socket and frees the
/// handlers, so a connection the page has moved past (or a feed that is unmounted) leaves
/// nothing behind in the browser.
struct Connection {
    socket: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}

/// One per mounted feed. Every connection carries the generation it was opened for; a
/// connection of an older generation (the page has moved on) does nothing more, and `close`
/// ends them all.
#[derive(Clone)]
pub struct FeedSocket {
    feed: FeedState,
    target: Rc<RefCell<Target>>,
    generation: Rc<Cell<u32>>,
    current: Rc<RefCell<Option<Connection>>>,
    closed: Rc<Cell<bool>>,
    ticker: Rc<RefCell<Option<IntervalHandle>>>,
    failures: Rc<Cell<u32>>,
    /// One redraw request at a time, shared by every connection.
    draw_scheduled: Rc<Cell<bool>>,
    /// No draw before this time (ms, `platform::now_ms`): see `schedule_draw`.
    quiet_until: Rc<Cell<f64>>,
    /// Rows the next draw may hold, adjusted to what full draws cost.
    rows_per_draw: Rc<Cell<usize>>,
    /// When the last draw started (ms, `platform::now_ms`).
    last_draw: Rc<Cell<f64>>,
}

impl FeedSocket {
    pub fn connect(feed: FeedState, target: Target) -> Self {
        let socket = Self {
            feed,
            target: Rc::new(RefCell::new(target)),
            generation: Rc::new(Cell::new(0)),
            current: Rc::new(RefCell::new(None)),
            closed: Rc::new(Cell::new(false)),
            ticker: Rc::new(RefCell::new(None)),
            failures: Rc::new(Cell::new(0)),
            draw_scheduled: Rc::new(Cell::new(false)),
            quiet_until: Rc::new(Cell::new(0.0)),
            rows_per_draw: Rc::new(Cell::new(FIRST_ROWS)),
            last_draw: Rc::new(Cell::new(f64::NEG_INFINITY)),
        };
        let drawer = socket.clone();
        feed.on_redraw(move || drawer.schedule_draw());
        socket.open(0);
        // The sparkline moves on even when nothing arrives.
        *socket.ticker.borrow_mut() =
            set_interval_with_handle(move || feed.tick(), Duration::from_secs(1)).ok();
        socket
    }

    /// The feed is unmounted: the socket closes, its handlers and the ticker go, and no retry
    /// or draw already scheduled does anything.
    pub fn close(&self) {
        self.closed.set(true);
        self.generation.set(self.generation.get() + 1);
        self.current.borrow_mut().take();
        if let Some(ticker) = self.ticker.borrow_mut().take() {
            ticker.clear();
        }
    }

    /// Another topic or start position (or the same, asked again): the old connection goes,
    /// the list starts over. Another group alone: the socket reconnects where it was.
    pub fn retarget(&self, target: Target, again: bool) {
        if !again && *self.target.borrow() == target {
            return;
        }
        // Only the watched group changed: the socket comes back with what the page has, so the
        // list stays and nothing is lost or repeated.
        let only_group = !again && {
            let current = self.target.borrow();
            current.topic == target.topic && current.from == target.from
        };
        *self.target.borrow_mut() = target;
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        self.current.borrow_mut().take();
        if !only_group {
            self.failures.set(0);
            self.feed.reset();
        }
        self.open(generation);
    }

    /// The server would refuse this page's topic: no socket, and the reason shown.
    pub fn refuse(&self, reason: String) {
        self.generation.set(self.generation.get() + 1);
        self.current.borrow_mut().take();
        self.feed.refuse(reason);
    }

    fn open(&self, generation: u32) {
        if self.closed.get() {
            return;
        }
        let socket = match WebSocket::new(&self.url()) {
            Ok(socket) => socket,
            Err(_) => return self.retry_later(generation),
        };
        let on_open = {
            let this = self.clone();
            Closure::<dyn FnMut()>::new(move || {
                if this.generation.get() == generation {
                    this.failures.set(0);
                    this.feed.status.set(ConnectionStatus::Live);
                }
            })
        };
        let on_message = {
            let this = self.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if this.generation.get() != generation {
                    return;
                }
                let Some(text) = event.data().as_string() else { return };
                if this.feed.receive(text) {
                    this.draw_soon();
                }
            })
        };
        let on_close = {
            let this = self.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |_event: CloseEvent| {
                if this.generation.get() != generation {
                    return;
                }
                // A refusal is final for this topic and start position.
                if this.feed.status.get_untracked() == ConnectionStatus::Refused {
                    return;
                }
                this.feed.status.set(ConnectionStatus::Reconnecting);
                this.retry_later(generation);
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        // The connection owns its handlers: replacing it (a retry, another topic) or closing
        // the feed drops the old socket's, instead of leaking a set per attempt.
        *self.current.borrow_mut() =
            Some(Connection { socket, _on_open: on_open, _on_message: on_message, _on_close: on_close });
    }

    /// At most one draw per animation frame, each of about as many rows as fit
    /// `DRAW_BUDGET_MS`, and never more than half the page's time: a draw that took (with the
    /// browser's style and layout after it) T ms is followed by T ms without one. At a few
    /// records a second that changes nothing; a burst is drawn over a few frames; in a flood,
    /// clicks, scrolling and typing still get their turn, and what the page cannot draw is
    /// skipped and marked. The cost is measured, so a slow machine or a debug build adapts.
    fn schedule_draw(&self) {
        if self.closed.get() || self.draw_scheduled.replace(true) {
            return;
        }
        let this = self.clone();
        request_animation_frame(move || {
            this.draw_scheduled.set(false);
            if this.closed.get() {
                return;
            }
            let start = platform::now_ms();
            if start < this.quiet_until.get() {
                this.schedule_draw();
                return;
            }
            this.draw_now(start);
        });
    }

    /// A record on a quiet page (no draw waiting, none in the last frame's time, not in a
    /// quiet period) is drawn as it arrives: waiting for the next animation frame would add up
    /// to a frame to every Submit's click-to-feed time. Anything busier waits for the frame.
    fn draw_soon(&self) {
        let now = platform::now_ms();
        let quiet = !self.draw_scheduled.get()
            && now >= self.quiet_until.get()
            && now - self.last_draw.get() >= FRAME_MS;
        if quiet && !self.closed.get() {
            self.draw_now(now);
        } else {
            self.schedule_draw();
        }
    }

    fn draw_now(&self, start: f64) {
        self.last_draw.set(start);
        let rows = self.rows_per_draw.get();
        let drawn = self.feed.draw(rows);
        let built = platform::now_ms() - start;
        // The next frame starts once this one's effects, style and layout are done.
        let this = self.clone();
        request_animation_frame(move || {
            let end = platform::now_ms();
            let cost = (end - start - FRAME_MS).max(0.0);
            this.quiet_until.set(end + cost);
            // Only a full draw says whether `rows` fits the budget.
            if drawn.rows == rows {
                let spent = cost.max(built);
                let next = if spent > DRAW_BUDGET_MS {
                    (rows as f64 * DRAW_BUDGET_MS / spent) as usize
                } else {
                    rows + rows / 4 + 1
                };
                this.rows_per_draw.set(next.clamp(MIN_ROWS, MAX_ITEMS_LIMIT));
            }
            if drawn.more {
                this.schedule_draw();
            }
        });
    }

    /// 250 ms, doubling, at most 5 s between attempts, each spread at random (see `backoff`).
    fn retry_later(&self, generation: u32) {
        let attempt = self.failures.get();
        self.failures.set(attempt.saturating_add(1));
        let delay = backoff::delay_ms(attempt, js_sys::Math::random());
        let this = self.clone();
        set_timeout(
            move || {
                if this.generation.get() == generation {
                    this.open(generation);
                }
            },
            Duration::from_millis(delay),
        );
    }

    fn url(&self) -> String {
        let location = window().location();
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss",
            _ => "ws",
        };
        let host = location.host().unwrap_or_default();
        let target = self.target.borrow();
        let query = FeedQuery {
            topic: target.topic.as_deref().and_then(|topic| TopicName::parse(topic).ok()),
            from: target.from.clone(),
            resume: self.feed.resume_positions(),
            group: Some(target.group.clone().map_or(WatchGroup::Configured, WatchGroup::Named)),
            // One message event and one string copied out of the socket per batch, not per
            // record: at thousands of records a second those were most of the page's work.
            batch: true,
        };
        format!("{scheme}://{host}/ws{}", query.to_query())
    }
}
