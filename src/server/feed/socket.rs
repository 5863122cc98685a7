//! One task per browser socket: what it sends first (the page's view, what it missed, the
//! backlog), then live frames, pings, and the goodbye.
//!
//! Frames that are already queued go out together: written into the socket's buffer one by
//! one and flushed once, so a busy feed costs one `send(2)` per batch instead of one per
//! record (the fan-out benchmark's profile had a third of the server's time in `sendto`). A
//! batch is bounded in frames and bytes, so a stalled socket holds at most one batch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::{FutureExt, SinkExt};
use tokio::sync::watch;

use crate::server::feed::catch_up::CatchUp;
use crate::server::feed::frame::{Frame, encode};
use crate::server::feed::hub::{Cursor, Hub, Positions, admit};
use crate::server::feed::open_sockets::OpenSocket;
use crate::server::feed::page_reader::{PageReader, PageReaders, ReadRequest, ReaderEvent};
use crate::server::kafka::catalogue::TopicCatalogue;
use crate::server::metrics::metrics;
use crate::wire::frame::{BrokerStatus, ServerFrame, join_batch};
use crate::wire::receipt::Placed;

/// Frames from beside the feed that a socket passes on, newest only, each encoded once for
/// every socket that gets it: the looks at the consumer group the page watches (`groups`).
pub type Looks = watch::Receiver<Option<Utf8Bytes>>;

/// At most this many frames go out in one batch, so pings and closes still get a turn.
const MAX_BATCH: usize = 256;
/// And about this many bytes (at least one frame, however big).
const BATCH_BYTES: usize = 256 * 1024;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What every socket task shares.
#[derive(Clone)]
pub struct SocketContext {
    pub hub: Arc<Hub>,
    /// Flips to `true` when the server is stopping: every socket then says goodbye.
    pub stopping: watch::Receiver<bool>,
    /// Reads from Kafka what a reconnecting page missed and the hub no longer holds.
    pub catch_up: Arc<CatchUp>,
    pub readers: PageReaders,
    pub catalogue: Arc<TopicCatalogue>,
    /// The topic the hub carries.
    pub default_topic: Arc<str>,
    /// A socket that has not been heard from (a pong, anything) for two of these is closed.
    pub ping_every: Duration,
}

/// A page's socket, and how it takes its frames.
pub struct PageSocket {
    inner: WebSocket,
    /// Frames queued at once go as one message (`batch=1` in the page's query).
    batches: bool,
}

impl PageSocket {
    pub fn new(inner: WebSocket, batches: bool) -> Self {
        Self { inner, batches }
    }
}

/// The shared feed: the page's view, then what only Kafka still has (older than anything the
/// hub holds), then the backlog, then live frames, which wait in the ring meanwhile.
pub async fn serve_hub(
    mut socket: PageSocket,
    ctx: SocketContext,
    resume: Option<Positions>,
    looks: Option<Looks>,
    open: OpenSocket,
) {
    let (mut subscription, resets) = subscribe(&ctx, resume).await;
    let mut first: Vec<Message> =
        subscription.status.drain(..).map(|frame| Message::Text(frame.json)).collect();
    first.push(text(&ServerFrame::View { from: std::mem::take(&mut subscription.view), reset: None }));
    for (placed, reason) in resets {
        first.push(Message::Text(Frame::view(vec![placed], Some(reason)).json));
    }
    let gaps = std::mem::take(&mut subscription.gaps);
    if !gaps.is_empty() {
        let Some(permit) = ctx.catch_up.slot() else {
            // Nothing was sent that the page would count: it comes back with the same resume.
            tracing::info!("too many pages catching up at once; asking one to come back");
            say_goodbye(&mut socket, close_code::AGAIN, "too many pages are catching up; try again").await;
            return;
        };
        let mut reader = ctx.catch_up.open(gaps, permit).await;
        // What Kafka no longer has is known now; what the deadline cuts off, at the end.
        let known_missed = reader.missed();
        if known_missed > 0 {
            first.push(missed(known_missed));
        }
        if !send_all(&mut socket, std::mem::take(&mut first)).await {
            return;
        }
        loop {
            let Some(record) = reader.next().await else { break };
            let mut batch = vec![Message::Text(Frame::encode(&record).json)];
            let mut bytes = 0;
            while batch.len() < MAX_BATCH && bytes < BATCH_BYTES {
                match reader.next().now_or_never() {
                    Some(Some(record)) => {
                        let json = Frame::encode(&record).json;
                        bytes += json.as_str().len();
                        batch.push(Message::Text(json));
                    }
                    _ => break,
                }
            }
            if !send_all(&mut socket, batch).await {
                return;
            }
        }
        if reader.missed() > known_missed {
            first.push(missed(reader.missed() - known_missed));
        }
    }
    first
        .extend(std::mem::take(&mut subscription.backlog).into_iter().map(|frame| Message::Text(frame.json)));
    first.push(text(&ServerFrame::CaughtUp));
    if send_all(&mut socket, first).await {
        let feed = Feed::Hub {
            hub: Arc::clone(&ctx.hub),
            head: ctx.hub.head(),
            cursor: subscription.cursor,
            positions: subscription.positions,
        };
        serve(socket, feed, looks, ctx, open).await;
    }
}

/// The hub's subscription, after asking Kafka about partitions the page claims to have seen
/// further than the hub has published: past the log's end, the page's view of it starts over.
async fn subscribe(
    ctx: &SocketContext,
    mut resume: Option<Positions>,
) -> (crate::server::feed::hub::Subscription, Vec<(Placed, String)>) {
    let subscription = ctx.hub.subscribe(resume.as_ref());
    let (Some(claimed), false) = (resume.as_mut(), subscription.ahead.is_empty()) else {
        return (subscription, Vec::new());
    };
    let mut resets = Vec::new();
    for &(partition, next) in &subscription.ahead {
        if let Ok((low, high)) = ctx.catalogue.watermarks(&ctx.default_topic, partition).await
            && next > high
        {
            claimed.insert(partition, low);
            let reason = format!(
                "Partition {partition} of {} now ends at offset {high}, before offset {next} that this page had seen: the topic was deleted and created again, or its log was truncated. It is shown again from offset {low}.",
                ctx.default_topic
            );
            resets.push((Placed { partition, offset: low }, reason));
        }
    }
    if resets.is_empty() {
        return (subscription, resets);
    }
    (ctx.hub.subscribe(resume.as_ref()), resets)
}

/// A reader of the page's own. A request that cannot be served is refused with the reason,
/// and the socket closed; a cluster that does not answer closes it for the page to retry.
pub async fn serve_reader(
    mut socket: PageSocket,
    ctx: SocketContext,
    request: ReadRequest,
    looks: Option<Looks>,
    open: OpenSocket,
) {
    let broker = ctx.hub.broker_status();
    let opened = match ctx.readers.open(request).await {
        Ok(opened) => opened,
        Err(error) if error.is_final() => {
            if send(&mut socket, text(&ServerFrame::Refused { reason: error.to_string() })).await {
                say_goodbye(&mut socket, close_code::POLICY, "refused").await;
            }
            return;
        }
        Err(error) => {
            tracing::warn!(%error, "cannot start a page reader");
            say_goodbye(&mut socket, close_code::AGAIN, "Kafka did not answer; try again").await;
            return;
        }
    };
    let mut first = Vec::new();
    if let Some(status) = broker.borrow().clone() {
        first.push(text(&ServerFrame::Broker(status)));
    }
    first.push(text(&ServerFrame::View { from: opened.view, reset: None }));
    for (placed, reason) in opened.resets {
        first.push(text(&ServerFrame::View { from: vec![placed], reset: Some(reason) }));
    }
    if opened.missed > 0 {
        first.push(missed(opened.missed));
    }
    if send_all(&mut socket, first).await {
        let feed = Feed::Reader { reader: Box::new(opened.reader), broker: Some(broker) };
        serve(socket, feed, looks, ctx, open).await;
    }
}

/// What a socket sends after its start.
enum Feed {
    Hub {
        hub: Arc<Hub>,
        head: watch::Receiver<u64>,
        cursor: Cursor,
        positions: Positions,
    },
    /// `broker` is `None` once its sender is gone (the server is going down).
    Reader {
        reader: Box<PageReader>,
        broker: Option<watch::Receiver<Option<BrokerStatus>>>,
    },
}

/// Frames that are ready now, and whether the feed has ended.
struct Batch {
    messages: Vec<Message>,
    ended: bool,
}

impl Feed {
    async fn next_batch(&mut self) -> Batch {
        match self {
            Feed::Hub { hub, head, cursor, positions } => loop {
                head.borrow_and_update();
                let read = hub.read(cursor, MAX_BATCH, BATCH_BYTES);
                let mut messages = Vec::new();
                if read.missed > 0 {
                    tracing::warn!(
                        count = read.missed,
                        "a WebSocket client fell behind; telling it what it missed"
                    );
                    messages.push(missed(read.missed));
                }
                for frame in read.resets.iter().chain(&read.frames) {
                    if admit(positions, frame) {
                        messages.push(Message::Text(frame.json.clone()));
                    }
                }
                if !messages.is_empty() {
                    return Batch { messages, ended: false };
                }
                if head.changed().await.is_err() {
                    return Batch { messages, ended: true };
                }
            },
            Feed::Reader { reader, broker } => {
                let changed = async {
                    match broker {
                        Some(receiver) => receiver.changed().await.is_ok(),
                        None => std::future::pending().await,
                    }
                };
                let first = tokio::select! {
                    event = reader.next() => event,
                    changed = changed => {
                        let status = if changed { broker.as_mut().and_then(|b| b.borrow_and_update().clone()) } else { None };
                        if !changed {
                            *broker = None;
                        }
                        let messages = status.map(|status| text(&ServerFrame::Broker(status))).into_iter().collect();
                        return Batch { messages, ended: false };
                    }
                };
                let mut messages = vec![reader_message(first)];
                let mut bytes = 0;
                // More that is ready now goes out in the same write.
                while messages.len() < MAX_BATCH && bytes < BATCH_BYTES {
                    match reader.next().now_or_never() {
                        Some(event) => {
                            let message = reader_message(event);
                            bytes += message_bytes(&message);
                            messages.push(message);
                        }
                        None => break,
                    }
                }
                Batch { messages, ended: false }
            }
        }
    }
}

fn reader_message(event: ReaderEvent) -> Message {
    match event {
        ReaderEvent::Record(record) => Message::Text(Frame::encode(&record).json),
        ReaderEvent::CaughtUp => text(&ServerFrame::CaughtUp),
        ReaderEvent::View { from, reset } => text(&ServerFrame::View { from, reset }),
        ReaderEvent::Missed(count) => missed(count),
    }
}

fn message_bytes(message: &Message) -> usize {
    match message {
        Message::Text(text) => text.len(),
        _ => 0,
    }
}

fn text(frame: &ServerFrame) -> Message {
    Message::Text(encode(frame))
}

/// The next look at the watched group, once there is a new one; never without a group.
async fn next_look(looks: &mut Option<Looks>) -> Option<Message> {
    let Some(receiver) = looks else { return std::future::pending().await };
    loop {
        if receiver.changed().await.is_err() {
            *looks = None;
            return std::future::pending().await;
        }
        if let Some(json) = receiver.borrow_and_update().clone() {
            return Some(Message::Text(json));
        }
    }
}

/// `_open` is dropped when this task ends, whichever way it ends.
async fn serve(
    mut socket: PageSocket,
    mut feed: Feed,
    mut looks: Option<Looks>,
    ctx: SocketContext,
    _open: OpenSocket,
) {
    // A look taken before the page's records went out is sent now, not a second later.
    if let Some(json) = looks.as_mut().and_then(|receiver| receiver.borrow_and_update().clone())
        && !send(&mut socket, Message::Text(json)).await
    {
        return;
    }
    let mut stopping = ctx.stopping;
    let mut ping = tokio::time::interval(ctx.ping_every);
    ping.tick().await;
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            batch = feed.next_batch() => {
                if !send_all(&mut socket, batch.messages).await {
                    return;
                }
                if batch.ended {
                    break;
                }
            }
            incoming = socket.inner.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None => return,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => heard = Instant::now(),
                // The page says everything in the URL it connects with; data on the socket
                // comes from something else, and that socket alone is closed.
                Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                    say_goodbye(&mut socket, close_code::UNSUPPORTED, "this socket takes no messages").await;
                    return;
                }
                Some(Err(error)) => {
                    tracing::debug!(%error, "WebSocket read failed");
                    say_goodbye(&mut socket, close_code::SIZE, "frame too large or malformed").await;
                    return;
                }
            },
            Some(look) = next_look(&mut looks) => {
                if !send(&mut socket, look).await {
                    return;
                }
            }
            _ = ping.tick() => {
                // A peer that answers nothing (gone without a word, or a client that never
                // reads) would hold its socket, its task and its place in the ring forever.
                if heard.elapsed() > ctx.ping_every * 2 {
                    tracing::info!("closing a WebSocket that does not answer pings");
                    say_goodbye(&mut socket, close_code::AWAY, "no answer to pings").await;
                    return;
                }
                if !send(&mut socket, Message::Ping(Default::default())).await {
                    return;
                }
            }
            _ = stopping.changed() => break,
        }
    }
    say_goodbye(&mut socket, close_code::AWAY, "server is stopping").await;
}

pub async fn say_goodbye(socket: &mut PageSocket, code: u16, reason: &'static str) {
    send(socket, Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

/// Sends one message; `false` when the socket is gone or has not taken it for `SEND_TIMEOUT`.
/// A client that stops reading must not hold its task (or the server's shutdown) forever.
async fn send(socket: &mut PageSocket, message: Message) -> bool {
    send_all(socket, vec![message]).await
}

/// Writes the messages into the socket's buffer and flushes once, under one timeout. To a page
/// that asks for batches, the frames among them go as one message.
async fn send_all(socket: &mut PageSocket, messages: Vec<Message>) -> bool {
    if messages.is_empty() {
        return true;
    }
    let frames = messages.iter().filter(|message| matches!(message, Message::Text(_))).count();
    let messages = if socket.batches && frames > 1 { batched(messages) } else { messages };
    let write = async {
        for message in messages {
            socket.inner.feed(message).await?;
        }
        socket.inner.flush().await
    };
    let sent = matches!(tokio::time::timeout(SEND_TIMEOUT, write).await, Ok(Ok(())));
    if sent {
        metrics().frames_sent.inc_by(frames as u64);
    }
    sent
}

/// The frames as one batch message, after the control messages (a ping has no place in the
/// order of frames).
fn batched(messages: Vec<Message>) -> Vec<Message> {
    let (frames, mut control): (Vec<Message>, Vec<Message>) =
        messages.into_iter().partition(|message| matches!(message, Message::Text(_)));
    let batch = join_batch(frames.iter().filter_map(|message| match message {
        Message::Text(text) => Some(text.as_str()),
        _ => None,
    }));
    control.push(Message::Text(batch.into()));
    control
}

/// Tells a page how many records it missed, and counts them.
fn missed(count: u64) -> Message {
    metrics().records_missed.inc_by(count);
    text(&ServerFrame::Missed { count })
}
