//! A WebSocket client of `/ws` that keeps an exact account of what it was sent.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::receipt::Placed;
use kafka_live::wire::record::{FeedRecord, Payload};
use tokio_tungstenite::tungstenite::{self, Message};

pub use crate::common::Socket;

/// What a client was sent, in order.
#[derive(Debug, Default)]
pub struct Account {
    pub records: Vec<FeedRecord>,
    pub missed: u64,
    pub unreadable: Vec<(i32, i64, String)>,
    pub views: Vec<(Vec<Placed>, Option<String>)>,
    pub caught_up: bool,
}

impl Account {
    pub fn values(&self) -> Vec<String> {
        self.records
            .iter()
            .map(|r| match &r.value {
                Some(Payload::Text(text)) => text.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    /// Per partition, what a page would send as its resume: the last offset it has, or one
    /// before where its view began.
    pub fn resume(&self) -> String {
        let mut last = BTreeMap::new();
        for (from, reset) in &self.views {
            for placed in from {
                if reset.is_some() {
                    last.insert(placed.partition, placed.offset - 1);
                } else {
                    last.entry(placed.partition).or_insert(placed.offset - 1);
                }
            }
        }
        for record in &self.records {
            let seen = last.entry(record.partition).or_insert(record.offset);
            *seen = (*seen).max(record.offset);
        }
        last.iter().map(|(p, o)| format!("{p}:{o}")).collect::<Vec<_>>().join(",")
    }
}

pub async fn connect(addr: impl std::fmt::Display, query: &str) -> Socket {
    let url = format!("ws://{addr}/ws{query}");
    tokio_tungstenite::connect_async(url).await.expect("the socket opens").0
}

/// The HTTP status a refused upgrade answered with.
pub async fn refused_status(addr: impl std::fmt::Display, query: &str) -> u16 {
    match tokio_tungstenite::connect_async(format!("ws://{addr}/ws{query}")).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Ok(_) => 101,
        Err(other) => panic!("the upgrade failed without an answer: {other}"),
    }
}

/// Reads frames into `account` until `done` holds (at most 60 s).
pub async fn read_until<S>(socket: &mut S, account: &mut Account, mut done: impl FnMut(&Account) -> bool)
where
    S: futures::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    let wait = async {
        while !done(account) {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    match serde_json::from_str::<ServerFrame>(&text).expect("frames are JSON") {
                        ServerFrame::Record(record) => account.records.push(record),
                        ServerFrame::Missed { count } => account.missed += count,
                        ServerFrame::Unreadable { partition, offset, reason } => {
                            account.unreadable.push((partition, offset, reason))
                        }
                        ServerFrame::View { from, reset } => account.views.push((from, reset)),
                        ServerFrame::CaughtUp => account.caught_up = true,
                        ServerFrame::Refused { reason } => panic!("refused: {reason}"),
                        ServerFrame::Broker(_) | ServerFrame::Feed(_) | ServerFrame::Group(_) => {}
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("the socket ended: {other:?}; so far {account:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("waited 60 s; got {account:?}"));
}

/// Reads until a record with this text value has arrived.
pub async fn read_until_value<S>(socket: &mut S, account: &mut Account, value: &str)
where
    S: futures::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    read_until(socket, account, |a| a.values().iter().any(|v| v == value)).await;
}
