//! librdkafka's own statistics (`statistics.interval.ms`) for the producer and the feed's
//! consumer, as Prometheus series, and the feed's lag per partition from the same report.
//!
//! librdkafka hands over a whole report at each interval; the newest one per client is kept and
//! encoded when Prometheus scrapes, so a series is never older than one interval.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use rdkafka::Statistics;

/// Which of kafka-live's clients a report is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Client {
    Producer,
    Feed,
}

impl Client {
    fn label(self) -> &'static str {
        match self {
            Client::Producer => "producer",
            Client::Feed => "feed",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ClientStatistics {
    latest: Arc<Mutex<BTreeMap<Client, Statistics>>>,
}

impl ClientStatistics {
    pub fn report(&self, client: Client, statistics: Statistics) {
        self.latest.lock().insert(client, statistics);
    }
}

/// How far the feed is behind the end of one partition: the high watermark minus the next
/// offset it hands on. `None` before librdkafka knows both.
pub fn lag(partition: &rdkafka::statistics::Partition) -> Option<i64> {
    let position = if partition.app_offset >= 0 { partition.app_offset } else { partition.next_offset };
    (partition.hi_offset >= 0 && position >= 0).then(|| (partition.hi_offset - position).max(0))
}

/// One series of client-wide values: (name, help, counter or gauge, value).
type Field = (&'static str, &'static str, MetricType, fn(&Statistics) -> i64);

const FIELDS: &[Field] = &[
    ("rdkafka_requests_sent", "Requests sent to brokers", MetricType::Counter, |s| s.tx),
    ("rdkafka_sent_bytes", "Bytes sent to brokers", MetricType::Counter, |s| s.tx_bytes),
    ("rdkafka_responses_received", "Responses received from brokers", MetricType::Counter, |s| s.rx),
    ("rdkafka_received_bytes", "Bytes received from brokers", MetricType::Counter, |s| s.rx_bytes),
    ("rdkafka_messages_sent", "Records produced to brokers", MetricType::Counter, |s| s.txmsgs),
    ("rdkafka_messages_received", "Records fetched from brokers", MetricType::Counter, |s| s.rxmsgs),
    ("rdkafka_queued_messages", "Records waiting in the producer's queues", MetricType::Gauge, |s| {
        s.msg_cnt as i64
    }),
    ("rdkafka_reply_queue", "Callbacks and events waiting in the client's queue", MetricType::Gauge, |s| {
        s.replyq
    }),
];

impl Collector for ClientStatistics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let latest = self.latest.lock();
        for (name, help, kind, value) in FIELDS {
            let mut family = encoder.encode_descriptor(name, help, None, *kind)?;
            for (client, statistics) in latest.iter() {
                let labels = [("client", client.label())];
                let encoder = family.encode_family(&labels)?;
                let value = value(statistics).max(0);
                match kind {
                    MetricType::Counter => ConstCounter::new(value as u64).encode(encoder)?,
                    _ => ConstGauge::new(value).encode(encoder)?,
                }
            }
        }

        let mut rtt = encoder.encode_descriptor(
            "rdkafka_broker_rtt_average",
            "Average round-trip time to each broker over the last interval",
            Some(&prometheus_client::registry::Unit::Seconds),
            MetricType::Gauge,
        )?;
        for (client, statistics) in latest.iter() {
            for broker in statistics.brokers.values().filter(|broker| broker.nodeid >= 0) {
                let Some(window) = &broker.rtt else { continue };
                let labels = [("client", client.label().to_owned()), ("broker", broker.nodename.clone())];
                ConstGauge::new(window.avg as f64 / 1e6).encode(rtt.encode_family(&labels)?)?;
            }
        }

        let mut lag_family = encoder.encode_descriptor(
            "feed_lag_records",
            "Records on a partition the feed has not handed on yet (high watermark minus position)",
            None,
            MetricType::Gauge,
        )?;
        if let Some(feed) = latest.get(&Client::Feed) {
            for (topic, stats) in &feed.topics {
                for (id, partition) in &stats.partitions {
                    // librdkafka's internal "unassigned" partition is -1.
                    let Some(lag) = lag(partition).filter(|_| *id >= 0) else { continue };
                    let labels = [("topic", topic.clone()), ("partition", id.to_string())];
                    ConstGauge::new(lag).encode(lag_family.encode_family(&labels)?)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(next: i64, app: i64, hi: i64) -> rdkafka::statistics::Partition {
        rdkafka::statistics::Partition {
            next_offset: next,
            app_offset: app,
            hi_offset: hi,
            ..Default::default()
        }
    }

    #[test]
    fn lag_is_the_high_watermark_minus_what_the_feed_handed_on() {
        assert_eq!(lag(&partition(10, 7, 12)), Some(5));
        assert_eq!(lag(&partition(12, 12, 12)), Some(0));
    }

    #[test]
    fn before_the_first_record_the_fetch_position_counts() {
        assert_eq!(lag(&partition(4, -1001, 9)), Some(5));
    }

    #[test]
    fn an_unknown_watermark_is_no_lag_figure() {
        assert_eq!(lag(&partition(-1001, -1001, -1)), None);
    }
}
