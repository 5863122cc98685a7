//! `/ws`: who may open a socket, and on what.
//!
//! `?topic=…&from=…` choose what the page reads (default: the configured topic, newest first,
//! from the shared feed; anything else from a reader of the page's own). A reconnecting page
//! sends what it last saw of every partition (`?resume=0:41,1:17,2:-1`) and receives only what
//! it has not seen (`feed_query`). `?group=…` adds the newest look at that consumer group
//! (`?group=` alone: the configured one). Every refusal happens before the upgrade, with the
//! status that says why; `socket` serves the ones let through.

use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::server::feed::open_sockets::{OpenSockets, SocketLimitError};
use crate::server::feed::page_reader::ReadRequest;
use crate::server::feed::socket::{self, PageSocket, SocketContext};
use crate::server::groups::watchers::GroupWatchers;
use crate::server::http::origin::AllowedOrigins;
use crate::server::http::status::Refusal;
use crate::wire::consumers::GroupId;
use crate::wire::feed_query::{FeedQuery, WatchGroup};
use crate::wire::start_position::StartFrom;
use crate::wire::topic_access::TopicAccess;

/// Browsers send nothing large; anything bigger is a misbehaving client.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// tungstenite's default read buffer is 128 KiB per socket; idle sockets need far less.
const READ_BUFFER: usize = 4 * 1024;
/// Bytes gathered before they are written out; a batch is flushed at its end regardless.
const WRITE_BUFFER: usize = 16 * 1024;

#[derive(Clone)]
pub struct SocketState {
    pub context: SocketContext,
    pub open: OpenSockets,
    pub origins: AllowedOrigins,
    pub topics: TopicAccess,
    /// The consumer groups pages watch, one watcher each.
    pub groups: GroupWatchers,
    /// The console consumer's group: what `group=` with no name watches.
    pub configured_group: GroupId,
}

#[derive(Debug, Deserialize)]
pub struct ConnectParams {
    resume: Option<String>,
    topic: Option<String>,
    from: Option<String>,
    group: Option<String>,
    batch: Option<String>,
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<ConnectParams>,
    State(state): State<SocketState>,
) -> Response {
    if !state.origins.allows(&headers) {
        return Refusal::CrossOrigin.into_response();
    }
    let query = FeedQuery::parse(
        params.topic.as_deref(),
        params.from.as_deref(),
        params.resume.as_deref(),
        params.group.as_deref(),
    )
    .and_then(|query| Ok(FeedQuery { batch: FeedQuery::parse_batch(params.batch.as_deref())?, ..query }));
    let query = match query {
        Ok(query) => query,
        Err(reason) => return Refusal::BadRequest(reason).into_response(),
    };
    if let Some(topic) = &query.topic
        && let Err(reason) = state.topics.check(topic.as_str())
    {
        return Refusal::TopicNotAllowed(reason).into_response();
    }
    let open = match state.open.open(peer.ip()) {
        Ok(open) => open,
        Err(SocketLimitError::Full { max }) => {
            tracing::warn!(max_sockets = max, "WebSocket refused: at the socket cap");
            return Refusal::SocketsFull { max }.into_response();
        }
        Err(SocketLimitError::PerAddress { max }) => {
            tracing::warn!(max, peer = %peer.ip(), "WebSocket refused: at the per-address socket cap");
            return Refusal::SocketsPerAddress { max }.into_response();
        }
    };
    let context = state.context;
    let looks = query.group.as_ref().map(|group| {
        let topic = query.topic.as_ref().map_or(&*context.default_topic, |t| t.as_str());
        let group = match group {
            WatchGroup::Configured => &state.configured_group,
            WatchGroup::Named(group) => group,
        };
        state.groups.watch(topic, group)
    });
    let shared_feed = query.topic.as_ref().is_none_or(|t| t.as_str() == &*context.default_topic)
        && query.from == StartFrom::Newest;
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| async move {
            let socket = PageSocket::new(socket, query.batch);
            if shared_feed {
                socket::serve_hub(socket, context, query.resume, looks, open).await;
            } else {
                let topic =
                    query.topic.map_or_else(|| context.default_topic.to_string(), |t| t.as_str().to_owned());
                let request = ReadRequest { topic, from: query.from, resume: query.resume };
                socket::serve_reader(socket, context, request, looks, open).await;
            }
        })
}
