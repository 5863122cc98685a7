//! `/ws`: one task per browser, sending the backlog and then live frames.
//!
//! `?topic=…&from=…` choose what the page reads (default: the configured topic, newest first,
//! from the shared feed; anything else from a reader of the page's own). A reconnecting page
//! sends the offsets it last saw (`?resume=0:41,1:17`) and receives only what it has not seen.
//! Pings keep idle connections honest through proxies.
//!
//! Frames that are already queued go out together: written into the socket's buffer one by
//! one and flushed once, so a busy feed costs one `send(2)` per batch instead of one per
//! record (the fan-out benchmark's profile had a third of the server's time in `sendto`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{FutureExt, SinkExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;

use super::hub::{Frame, Hub, Resume, Subscription, encode};
use super::kafka::catch_up::CatchUp;
use super::kafka::page_reader::{PageReader, PageReaders, ReadRequest, ReaderEvent};
use super::open_sockets::{OpenSocket, OpenSockets};
use super::origin::is_same_origin;
use crate::event::{BrokerStatus, ServerFrame};
use crate::start_position::StartFrom;
use crate::topic_name::TopicName;

/// Browsers send nothing large; anything bigger is a misbehaving client.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// tungstenite's default read buffer is 128 KiB per socket; idle sockets need far less.
const READ_BUFFER: usize = 4 * 1024;
/// Bytes gathered before they are written out; a batch is flushed at its end regardless.
const WRITE_BUFFER: usize = 16 * 1024;
/// At most this many queued frames go out in one batch, so pings and closes still get a turn.
const MAX_BATCH: usize = 256;
const PING_EVERY: Duration = Duration::from_secs(20);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct SocketState {
    pub hub: Arc<Hub>,
    /// Flips to `true` when the server is stopping: every socket then says goodbye.
    pub stopping: watch::Receiver<bool>,
    pub open: OpenSockets,
    /// One socket more than this is answered 503.
    pub max_sockets: usize,
    /// Reads from Kafka what a reconnecting page missed and the hub no longer holds.
    pub catch_up: Arc<CatchUp>,
    /// The topic the hub carries; any other, or another start position, gets a page reader.
    pub default_topic: Arc<str>,
    pub readers: PageReaders,
}

#[derive(Debug, Deserialize)]
pub struct ConnectParams {
    resume: Option<String>,
    topic: Option<String>,
    from: Option<String>,
}

/// Where a socket's records come from.
enum Source {
    /// The shared feed: the configured topic, newest first.
    Hub(Resume),
    /// A reader of the page's own.
    Reader(ReadRequest),
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    Query(params): Query<ConnectParams>,
    State(state): State<SocketState>,
) -> Response {
    if !is_same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-origin WebSocket connections are refused").into_response();
    }
    let source = match source(&params, &state.default_topic) {
        Ok(source) => source,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    if state.open.count() >= state.max_sockets {
        tracing::warn!(max_sockets = state.max_sockets, "WebSocket refused: at the socket cap");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("kafka-live is at its cap of {} live connections; try again later", state.max_sockets),
        )
            .into_response();
    }
    let open = state.open.open();
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            match source {
                Source::Hub(resume) => serve_hub(socket, state, resume, open).await,
                Source::Reader(request) => serve_reader(socket, state, request, open).await,
            }
        })
}

/// The query, checked: anything can open a socket, not only the page.
fn source(params: &ConnectParams, default_topic: &str) -> Result<Source, String> {
    let resume = params.resume.as_deref().map(parse_resume).transpose()?.unwrap_or_default();
    let topic = match params.topic.as_deref().map(str::trim) {
        None | Some("") => default_topic.to_owned(),
        Some(name) => {
            TopicName::parse(name).map_err(|reason| format!("topic: {reason}"))?.as_str().to_owned()
        }
    };
    let from = StartFrom::from_query(params.from.as_deref().unwrap_or_default())
        .map_err(|reason| format!("from: {reason}"))?;
    if topic == default_topic && from == StartFrom::Newest {
        return Ok(Source::Hub(resume));
    }
    Ok(Source::Reader(ReadRequest { topic, from, resume }))
}

/// `partition:offset` pairs separated by commas.
pub fn parse_resume(text: &str) -> Result<Resume, String> {
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (partition, offset) =
                pair.split_once(':').ok_or_else(|| format!("resume: `{pair}` is not partition:offset"))?;
            let partition =
                partition.parse::<i32>().map_err(|_| format!("resume: bad partition `{partition}`"))?;
            let offset = offset.parse::<i64>().map_err(|_| format!("resume: bad offset `{offset}`"))?;
            if partition < 0 || offset < 0 {
                return Err(format!("resume: `{pair}` must not be negative"));
            }
            Ok((partition, offset))
        })
        .collect()
}

/// The shared feed: first what only Kafka still has (older than anything the hub holds), then
/// the backlog, then live frames, which wait in this socket's queue meanwhile.
async fn serve_hub(mut socket: WebSocket, state: SocketState, resume: Resume, open: OpenSocket) {
    let mut subscription = state.hub.subscribe(resume);
    let mut first = Vec::new();
    let gaps = std::mem::take(&mut subscription.gaps);
    if !gaps.is_empty() {
        let caught = state.catch_up.read(gaps).await;
        if caught.missed > 0 {
            first.push(Message::Text(encode(&ServerFrame::Missed { count: caught.missed })));
        }
        first.extend(caught.records.iter().map(|record| Message::Text(Frame::encode(record).json)));
    }
    let backlog = std::mem::take(&mut subscription.backlog);
    first.extend(backlog.into_iter().map(|frame| Message::Text(frame.json)));
    first.push(Message::Text(encode(&ServerFrame::CaughtUp)));
    if send_all(&mut socket, first).await {
        serve(socket, Feed::Hub(subscription), state.stopping, open).await;
    }
}

/// A reader of the page's own. A request that cannot be served is refused with the reason,
/// and the socket closed; a cluster that does not answer closes it for the page to retry.
async fn serve_reader(mut socket: WebSocket, state: SocketState, request: ReadRequest, open: OpenSocket) {
    let broker = state.hub.broker_status();
    let opened = match state.readers.open(request).await {
        Ok(opened) => opened,
        Err(error) if error.is_final() => {
            let refused = ServerFrame::Refused { reason: error.to_string() };
            if send(&mut socket, Message::Text(encode(&refused))).await {
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
        first.push(Message::Text(encode(&ServerFrame::Broker(status))));
    }
    if opened.missed > 0 {
        first.push(Message::Text(encode(&ServerFrame::Missed { count: opened.missed })));
    }
    if send_all(&mut socket, first).await {
        let feed = Feed::Reader { reader: Box::new(opened.reader), broker: Some(broker) };
        serve(socket, feed, state.stopping, open).await;
    }
}

/// What a socket sends after its start.
enum Feed {
    Hub(Subscription),
    /// `broker` is `None` once its sender is gone (the server is going down).
    Reader {
        reader: Box<PageReader>,
        broker: Option<watch::Receiver<Option<BrokerStatus>>>,
    },
}

/// Up to `MAX_BATCH` frames that are ready now, and whether the feed has ended.
struct Batch {
    messages: Vec<Message>,
    ended: bool,
}

impl Feed {
    async fn next_batch(&mut self) -> Batch {
        match self {
            Feed::Hub(subscription) => {
                let received = subscription.live.recv().await;
                let mut messages = Vec::new();
                let mut next = received.map_err(|error| match error {
                    RecvError::Lagged(count) => TryRecvError::Lagged(count),
                    RecvError::Closed => TryRecvError::Closed,
                });
                let ended = loop {
                    match next {
                        Ok(frame) => messages.extend(message_for(subscription, frame)),
                        Err(TryRecvError::Lagged(count)) => {
                            tracing::warn!(
                                count,
                                "a WebSocket client fell behind; telling it what it missed"
                            );
                            messages.push(Message::Text(encode(&ServerFrame::Missed { count })));
                        }
                        Err(TryRecvError::Closed) => break true,
                        Err(TryRecvError::Empty) => break false,
                    }
                    if messages.len() >= MAX_BATCH {
                        break false;
                    }
                    next = subscription.live.try_recv();
                };
                Batch { messages, ended }
            }
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
                        let messages = status.map(|status| Message::Text(encode(&ServerFrame::Broker(status)))).into_iter().collect();
                        return Batch { messages, ended: false };
                    }
                };
                let mut messages = vec![reader_message(first)];
                // More that is ready now goes out in the same write.
                while messages.len() < MAX_BATCH {
                    match reader.next().now_or_never() {
                        Some(event) => messages.push(reader_message(event)),
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
        ReaderEvent::CaughtUp => Message::Text(encode(&ServerFrame::CaughtUp)),
    }
}

/// `_open` is dropped when this task ends, whichever way it ends.
async fn serve(
    mut socket: WebSocket,
    mut feed: Feed,
    mut stopping: watch::Receiver<bool>,
    _open: OpenSocket,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
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
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None => return,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
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
            _ = ping.tick() => {
                if !send(&mut socket, Message::Ping(Default::default())).await {
                    return;
                }
            }
            _ = stopping.changed() => break,
        }
    }
    say_goodbye(&mut socket, close_code::AWAY, "server is stopping").await;
}

async fn say_goodbye(socket: &mut WebSocket, code: u16, reason: &'static str) {
    send(socket, Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

/// A live frame as this client needs it: `None` when it saw this record before reconnecting.
fn message_for(subscription: &Subscription, frame: Frame) -> Option<Message> {
    subscription.is_new(&frame).then(|| Message::Text(frame.json))
}

/// Sends one message; `false` when the socket is gone or has not taken it for `SEND_TIMEOUT`.
/// A client that stops reading must not hold its task (or the server's shutdown) forever.
async fn send(socket: &mut WebSocket, message: Message) -> bool {
    send_all(socket, vec![message]).await
}

/// Writes the messages into the socket's buffer and flushes once, under one timeout.
async fn send_all(socket: &mut WebSocket, messages: Vec<Message>) -> bool {
    if messages.is_empty() {
        return true;
    }
    let write = async {
        for message in messages {
            socket.feed(message).await?;
        }
        socket.flush().await
    };
    matches!(tokio::time::timeout(SEND_TIMEOUT, write).await, Ok(Ok(())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_offsets_parse_per_partition() {
        assert_eq!(parse_resume("0:41,2:7").unwrap(), Resume::from([(0, 41), (2, 7)]));
        assert!(parse_resume("0-41").is_err());
        assert!(parse_resume("0:-1").is_err());
    }
}
