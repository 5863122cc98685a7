//! A real Prometheus (Debian's `prometheus`, named by `KAFKA_LIVE_PROMETHEUS`) scrapes a
//! kafka-live process; after five records, its HTTP API answers with kafka-live's figures.

use std::time::{Duration, Instant};

use crate::common::{ServerProcess, free_port, unique};

struct Prometheus {
    child: tokio::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    /// Scrapes `target` every 500 ms; waits until its API answers.
    async fn scraping(target: &str) -> Self {
        let binary = std::env::var("KAFKA_LIVE_PROMETHEUS")
            .expect("KAFKA_LIVE_PROMETHEUS names Debian's prometheus binary (scripts/test sets it)");
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\nscrape_configs:\n  - job_name: kafka-live\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let listen = format!("127.0.0.1:{}", free_port());
        let child = tokio::process::Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={listen}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let prometheus = Self { child, url: format!("http://{listen}"), _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !reqwest::get(format!("{}/-/ready", prometheus.url)).await.is_ok_and(|r| r.status() == 200) {
            assert!(Instant::now() < deadline, "Prometheus is ready within 60 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        prometheus
    }

    /// The values of an instant query, one per series, by the series' labels.
    async fn query(&self, query: &str) -> Vec<(serde_json::Value, f64)> {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", query)])
            .send()
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(answer["status"], "success", "{answer}");
        answer["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|series| (series["metric"].clone(), series["value"][1].as_str().unwrap().parse().unwrap()))
            .collect()
    }

    /// Until `query` gives one series with `value` (at most 30 s: scrapes are 500 ms apart).
    async fn until(&self, query: &str, value: f64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let result = self.query(query).await;
            if result.len() == 1 && result[0].1 == value {
                return;
            }
            assert!(Instant::now() < deadline, "{query} is {value} within 30 s; last {result:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn prometheus_scrapes_what_was_produced_and_consumed() {
    let topic = unique("prometheus");
    let server = ServerProcess::on_topic(&topic, &[("KAFKA_STATISTICS_INTERVAL_MS", Some("200"))]).await;
    server.ready().await;
    let mut prometheus = Prometheus::scraping(&server.addr).await;
    prometheus.until("up{job=\"kafka-live\"}", 1.0).await;
    for n in 0..5 {
        assert_eq!(server.produce(&format!("record {n}")).await, 200);
    }

    prometheus.until("kafka_live_produce_requests_total{outcome=\"produced\"}", 5.0).await;
    prometheus.until("kafka_live_produce_records_total{outcome=\"produced\"}", 5.0).await;
    prometheus
        .until(&format!("kafka_live_feed_records_consumed_total{{topic=\"{topic}\",partition=\"0\"}}"), 5.0)
        .await;
    prometheus.until(&format!("kafka_live_feed_lag_records{{topic=\"{topic}\",partition=\"0\"}}"), 0.0).await;
    prometheus.until("kafka_live_produce_duration_seconds_count{outcome=\"produced\"}", 5.0).await;
    prometheus.until("kafka_live_rdkafka_messages_sent_total{client=\"producer\"}", 5.0).await;
    prometheus.until("kafka_live_broker_reachable", 1.0).await;
    let _ = prometheus.child.kill().await;
    assert!(server.stop().await.success());
}
