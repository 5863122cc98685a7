//! What `/metrics` and the logs say about real traffic, from a `kafka-live` process of the
//! test's own on the test broker.

use crate::common::{ServerProcess, unique};

/// The value of the one sample whose line starts with `series` (name and labels), if there is
/// one yet.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(server: &ServerProcess) -> String {
    reqwest::get(format!("http://{}/metrics", server.addr)).await.unwrap().text().await.unwrap()
}

/// Three records produced and one refused: the produce series count them by outcome, and once
/// librdkafka's next report is in, the feed has consumed all three and is 0 behind.
#[tokio::test]
async fn metrics_count_produces_by_outcome_and_the_feeds_records_per_partition() {
    let topic = unique("metrics");
    let server = ServerProcess::on_topic(&topic, &[("KAFKA_STATISTICS_INTERVAL_MS", Some("100"))]).await;
    server.ready().await;
    for text in ["one", "two", "three"] {
        assert_eq!(server.produce(text).await, 200);
    }
    assert_eq!(server.produce("").await, 400);

    let consumed = format!("kafka_live_feed_records_consumed_total{{topic=\"{topic}\",partition=\"0\"}}");
    let lag = format!("kafka_live_feed_lag_records{{topic=\"{topic}\",partition=\"0\"}}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let text = loop {
        let text = scrape(&server).await;
        // librdkafka reports every 100 ms: wait for a report made after the third record.
        let settled = sample(&text, &consumed) == Some(3.0)
            && sample(&text, &lag) == Some(0.0)
            && sample(&text, "kafka_live_rdkafka_messages_sent_total{client=\"producer\"}") == Some(3.0);
        if settled {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "the feed's figures settle within 30 s: {text}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(sample(&text, "kafka_live_produce_requests_total{outcome=\"produced\"}"), Some(3.0));
    assert_eq!(sample(&text, "kafka_live_produce_records_total{outcome=\"produced\"}"), Some(3.0));
    assert_eq!(sample(&text, "kafka_live_produce_bytes_total{outcome=\"produced\"}"), Some(11.0));
    assert_eq!(sample(&text, "kafka_live_produce_duration_seconds_count{outcome=\"produced\"}"), Some(3.0));
    assert_eq!(sample(&text, "kafka_live_produce_requests_total{outcome=\"refused\"}"), Some(1.0));
    assert_eq!(sample(&text, "kafka_live_produce_requests_total{outcome=\"failed\"}"), Some(0.0));
    assert_eq!(sample(&text, "kafka_live_broker_reachable"), Some(1.0));
    assert_eq!(sample(&text, "kafka_live_sockets_open"), Some(0.0));
    assert!(server.stop().await.success());
}

/// With JSON logs, a produce is one line whose span carries the topic, the partition, the
/// offset and the outcome; and the password of basic auth is in no line.
#[tokio::test]
async fn a_produce_logs_a_json_line_with_its_place_and_outcome_and_no_secret() {
    let topic = unique("json-log");
    let password = "never-logged-Pa55";
    let credentials = format!("ops:{password}");
    let server = ServerProcess::on_topic(
        &topic,
        &[
            ("KAFKA_LIVE_LOG_FORMAT", Some("json")),
            ("KAFKA_LIVE_BASIC_AUTH", Some(&credentials)),
            ("RUST_LOG", Some("trace")),
        ],
    )
    .await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/produce", server.addr))
        .basic_auth("ops", Some(password))
        .header("Accept", "application/json")
        .form(&[("text", "logged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let line = server.logs_line_with("\"message\":\"produced\"").await;
    let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON object a line");
    assert_eq!(event["level"], "INFO");
    let spans = event["spans"].as_array().expect("the spans the event happened in");
    let span = spans.iter().find(|span| span["name"] == "produce").unwrap_or_else(|| panic!("{line}"));
    assert_eq!(span["topic"], topic.as_str());
    assert_eq!(span["partition"], 0);
    assert_eq!(span["offset"], 0);
    assert_eq!(span["records"], 1);
    assert_eq!(span["outcome"], "produced");
    let log = std::sync::Arc::clone(&server.log);
    assert!(server.stop().await.success());
    let logged = log.lock().unwrap().clone();
    assert!(logged.contains("\"message\":\"stopping\""), "the whole run is in the log");
    assert!(!logged.contains(password), "the password is in the log");
}
