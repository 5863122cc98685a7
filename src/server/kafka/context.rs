//! A librdkafka client context that remembers the last error the client reported.
//!
//! librdkafka reports connection and authentication failures through a callback, not through
//! the produce or consume call that then times out. Remembering the last one lets a timeout
//! say *why* ("SASL authentication failed") instead of only "timed out".
//!
//! The producer's and the feed's contexts also hand librdkafka's statistics to `/metrics`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Statistics, TopicPartitionList};

use crate::server::metrics::metrics;
use crate::server::metrics::statistics::Client;

#[derive(Clone, Default)]
pub struct ErrorMemo {
    last: Arc<Mutex<Option<(Instant, String)>>>,
}

impl ErrorMemo {
    /// The last error reported within `window`, if any.
    pub fn recent(&self, window: Duration) -> Option<String> {
        let last = self.last.lock().expect("error memo lock poisoned");
        last.as_ref().filter(|(at, _)| at.elapsed() <= window).map(|(_, text)| text.clone())
    }

    fn remember(&self, text: String) -> bool {
        let mut last = self.last.lock().expect("error memo lock poisoned");
        let repeated = last.as_ref().is_some_and(|(_, previous)| *previous == text);
        *last = Some((Instant::now(), text));
        !repeated
    }
}

/// The context every kafka-live client is created with.
#[derive(Clone, Default)]
pub struct KafkaContext {
    pub errors: ErrorMemo,
    /// Whose statistics these are, for the clients `/metrics` reports on.
    reports_as: Option<Client>,
    /// For a client whose requests `/metrics` adds up: the count at its last report.
    counted_requests: Option<Arc<AtomicI64>>,
}

impl KafkaContext {
    /// The context of a client whose librdkafka statistics `/metrics` shows.
    pub fn reporting_as(client: Client) -> Self {
        Self { reports_as: Some(client), ..Self::default() }
    }

    /// The context of a client whose requests add to `kafka_live_group_requests_total`: there
    /// are as many of these clients as groups watched, so each adds what it sent since its last
    /// report rather than keeping a series of its own.
    pub fn counting_requests() -> Self {
        Self { counted_requests: Some(Arc::default()), ..Self::default() }
    }
}

impl ClientContext for KafkaContext {
    fn stats(&self, statistics: Statistics) {
        if let Some(last) = &self.counted_requests {
            let before = last.swap(statistics.tx, Ordering::Relaxed);
            metrics().group_requests.inc_by(statistics.tx.saturating_sub(before).max(0) as u64);
        }
        if let Some(client) = self.reports_as {
            metrics().statistics.report(client, statistics);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        // Reaching the end of a partition is news a page reader asked for, not an error.
        if error.rdkafka_error_code() == Some(RDKafkaErrorCode::PartitionEOF) {
            return;
        }
        // librdkafka's reasons name brokers and mechanisms, never the configured secrets.
        let text = format!("{error}: {reason}");
        // "All brokers down" follows every specific failure; the specific one says more.
        let generic = error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown);
        if generic && self.errors.recent(Duration::from_secs(30)).is_some() {
            return;
        }
        if self.errors.remember(text.clone()) {
            tracing::warn!(target: "librdkafka", "{text}");
        }
    }
}

impl ConsumerContext for KafkaContext {
    /// Partitions about to move to another group member: commit what was already handled
    /// first, so the next owner starts right after it and nothing is handled twice.
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance
            && partitions.count() > 0
        {
            match consumer.commit_consumer_state(CommitMode::Sync) {
                Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
                Err(error) => tracing::warn!(%error, "commit before giving up partitions failed"),
            }
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(partitions) => {
                tracing::info!("partitions assigned: [{}]", partition_list(partitions))
            }
            Rebalance::Revoke(partitions) => {
                tracing::info!("partitions revoked: [{}]", partition_list(partitions))
            }
            Rebalance::Error(error) => tracing::warn!(%error, "rebalance failed"),
        }
    }
}

fn partition_list(partitions: &TopicPartitionList) -> String {
    let mut ids: Vec<String> =
        partitions.elements().iter().map(|p| format!("{}/{}", p.topic(), p.partition())).collect();
    ids.sort();
    ids.join(", ")
}
