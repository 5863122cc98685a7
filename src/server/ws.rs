//! `/ws`: one task per browser, sending the backlog and then live frames.
//!
//! A reconnecting page sends the offsets it last saw (`?resume=0:41,1:17`) and receives only
//! what it has not seen. Pings keep idle connections honest through proxies.
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
use futures_util::SinkExt;
use serde::Deserialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::watch;

use super::hub::{Frame, Hub, Resume, Subscription, encode};
use super::kafka::catch_up::CatchUp;
use super::open_sockets::{OpenSocket, OpenSockets};
use super::origin::is_same_origin;
use crate::event::ServerFrame;

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
}

#[derive(Debug, Deserialize)]
pub struct ConnectParams {
    resume: Option<String>,
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
    let resume = match params.resume.as_deref().map(parse_resume).transpose() {
        Ok(resume) => resume.unwrap_or_default(),
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
        .on_upgrade(move |socket| {
            let subscription = state.hub.subscribe(resume);
            serve(socket, subscription, state.stopping, state.catch_up, open)
        })
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

/// `_open` is dropped when this task ends, whichever way it ends.
async fn serve(
    mut socket: WebSocket,
    mut subscription: Subscription,
    mut stopping: watch::Receiver<bool>,
    catch_up: Arc<CatchUp>,
    _open: OpenSocket,
) {
    // First what only Kafka still has (older than anything the hub holds), then the backlog;
    // live frames wait in this socket's queue meanwhile.
    let mut first = Vec::new();
    let gaps = std::mem::take(&mut subscription.gaps);
    if !gaps.is_empty() {
        let caught = catch_up.read(gaps).await;
        if caught.missed > 0 {
            first.push(Message::Text(encode(&ServerFrame::Missed { count: caught.missed })));
        }
        first.extend(caught.records.iter().map(|record| Message::Text(Frame::encode(record).json)));
    }
    let backlog = std::mem::take(&mut subscription.backlog);
    first.extend(backlog.into_iter().map(|frame| Message::Text(frame.json)));
    if !send_all(&mut socket, first).await {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            received = subscription.live.recv() => {
                let mut batch = Vec::new();
                let mut next = received.map_err(|error| match error {
                    RecvError::Lagged(count) => TryRecvError::Lagged(count),
                    RecvError::Closed => TryRecvError::Closed,
                });
                let closed = loop {
                    match next {
                        Ok(frame) => batch.extend(message_for(&subscription, frame)),
                        Err(TryRecvError::Lagged(count)) => {
                            tracing::warn!(count, "a WebSocket client fell behind; telling it what it missed");
                            batch.push(Message::Text(encode(&ServerFrame::Missed { count })));
                        }
                        Err(TryRecvError::Closed) => break true,
                        Err(TryRecvError::Empty) => break false,
                    }
                    if batch.len() >= MAX_BATCH {
                        break false;
                    }
                    next = subscription.live.try_recv();
                };
                if !send_all(&mut socket, batch).await {
                    return;
                }
                if closed {
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
