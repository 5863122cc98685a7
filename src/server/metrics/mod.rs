//! What an operator's Prometheus scrapes from `/metrics`: produce requests, records and bytes by
//! outcome with their latency, the feed's records and lag per partition, sockets, frames,
//! records missed or skipped, catch-ups, page readers, whether the broker answers, the consumer
//! groups watched and what watching them costs the cluster, and
//! librdkafka's own statistics for the producer and the feed's consumer (`statistics`).
//!
//! One set of series per process, like the `metrics` crate's global recorder: each step of the
//! data path counts where it happens, without a handle threaded through every constructor.
//! Tests that check values start a server process of their own.
//!
//! Names follow Prometheus' conventions: the `kafka_live_` prefix, base units (seconds, bytes),
//! `_total` on counters. The text is OpenMetrics, which Prometheus asks for first.

pub mod statistics;

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use self::statistics::ClientStatistics;

/// How a produce request ended.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum Outcome {
    /// Kafka acknowledged every record.
    Produced,
    /// kafka-live said no before Kafka was asked (a bad form, a limit, access): 4xx.
    Refused,
    /// Kafka said no or did not answer: 5xx.
    Failed,
}

impl Outcome {
    /// From the HTTP status the request was answered with.
    pub fn of_status(status: u16) -> Self {
        match status {
            200..=299 => Outcome::Produced,
            400..=499 => Outcome::Refused,
            _ => Outcome::Failed,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Produced => "produced",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PartitionLabels {
    topic: String,
    partition: String,
}

type HistogramFamily = Family<OutcomeLabel, Histogram, fn() -> Histogram>;

/// Every series kafka-live keeps.
#[derive(Debug)]
pub struct Metrics {
    produce_requests: Family<OutcomeLabel, Counter>,
    produce_records: Family<OutcomeLabel, Counter>,
    produce_bytes: Family<OutcomeLabel, Counter>,
    produce_duration: HistogramFamily,
    consumed: Family<PartitionLabels, Counter>,
    pub sockets_open: Gauge,
    pub frames_sent: Counter,
    pub records_missed: Counter,
    pub records_skipped: Counter,
    pub catch_ups: Counter,
    pub page_readers_open: Gauge,
    pub broker_reachable: Gauge,
    pub groups_watched: Gauge,
    pub group_looks: Counter,
    pub group_requests: Counter,
    pub statistics: ClientStatistics,
    registry: Registry,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// Counts one up on a gauge for as long as it is held: an open socket, a page reader.
#[derive(Debug)]
pub struct Held(&'static Gauge);

impl Held {
    pub fn on(gauge: &'static Gauge) -> Self {
        gauge.inc();
        Held(gauge)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The process' series.
pub fn metrics() -> &'static Metrics {
    &METRICS
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s: a loopback produce takes a few ms, a timed-out one the produce timeout.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    fn new() -> Self {
        let mut metrics = Metrics {
            produce_requests: Family::default(),
            produce_records: Family::default(),
            produce_bytes: Family::default(),
            produce_duration: Family::new_with_constructor(latency_histogram),
            consumed: Family::default(),
            sockets_open: Gauge::default(),
            frames_sent: Counter::default(),
            records_missed: Counter::default(),
            records_skipped: Counter::default(),
            catch_ups: Counter::default(),
            page_readers_open: Gauge::default(),
            broker_reachable: Gauge::default(),
            groups_watched: Gauge::default(),
            group_looks: Counter::default(),
            group_requests: Counter::default(),
            statistics: ClientStatistics::default(),
            registry: Registry::with_prefix("kafka_live"),
        };
        let registry = &mut metrics.registry;
        registry.register_with_unit(
            "produce",
            "Bytes of record values in produce requests, by outcome",
            Unit::Bytes,
            metrics.produce_bytes.clone(),
        );
        registry.register_with_unit(
            "produce_duration",
            "Time from a produce request to its answer, by outcome",
            Unit::Seconds,
            metrics.produce_duration.clone(),
        );
        registry.register(
            "feed_records_consumed",
            "Records the shared feed consumed, per topic and partition",
            metrics.consumed.clone(),
        );
        // The plain series are named as their fields: the name a dashboard uses is the one the
        // code counts with.
        macro_rules! register {
            ($($field:ident: $help:literal,)*) => {
                $(registry.register(stringify!($field), $help, metrics.$field.clone());)*
            };
        }
        register! {
            sockets_open: "Live feed WebSockets open now",
            frames_sent: "Frames sent to feed WebSockets",
            records_missed: "Records pages were told they missed (they fell behind, or a catch-up was cut short)",
            records_skipped: "Records the feed passed over because they could not be read twice",
            catch_ups: "Reconnecting pages that read what they missed from Kafka",
            page_readers_open: "Pages reading from a start position of their own, each with its own consumer",
            broker_reachable: "1 when the cluster answered the last probe, else 0",
            groups_watched: "Consumer groups the Consumers panel watches now, one watcher each however many pages",
            group_looks: "Looks the group watchers took at their groups",
            group_requests: "Requests the group watchers sent to the cluster (from librdkafka's statistics)",
            produce_requests: "Produce requests (Submits and form posts), by outcome",
            produce_records: "Records in produce requests, by outcome",
        }
        registry.register_collector(Box::new(metrics.statistics.clone()));
        // Every outcome's series exists from the start, at 0: a rate over them works before the
        // first failure, and a dashboard shows 0 rather than nothing.
        for outcome in [Outcome::Produced, Outcome::Refused, Outcome::Failed] {
            let label = OutcomeLabel { outcome: outcome.label() };
            let _ = metrics.produce_requests.get_or_create(&label);
            let _ = metrics.produce_records.get_or_create(&label);
            let _ = metrics.produce_bytes.get_or_create(&label);
            let _ = metrics.produce_duration.get_or_create(&label);
        }
        metrics
    }

    /// One produce request answered with `status`, carrying `records` records of `bytes` value
    /// bytes.
    pub fn produce(&self, status: u16, records: u64, bytes: u64, seconds: f64) {
        let label = OutcomeLabel { outcome: Outcome::of_status(status).label() };
        self.produce_requests.get_or_create(&label).inc();
        self.produce_records.get_or_create(&label).inc_by(records);
        self.produce_bytes.get_or_create(&label).inc_by(bytes);
        self.produce_duration.get_or_create(&label).observe(seconds);
    }

    /// The counter of records the feed consumed from one partition. The feed keeps it per
    /// partition, so a record costs one increment, not a label lookup.
    pub fn consumed(&self, topic: &str, partition: i32) -> Counter {
        self.consumed
            .get_or_create(&PartitionLabels { topic: topic.to_owned(), partition: partition.to_string() })
            .clone()
    }

    /// The OpenMetrics text of every series.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}
