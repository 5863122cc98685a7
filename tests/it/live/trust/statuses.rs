//! Truthful answers: each refusal with the status that says why, set in one place, and a
//! produce that timed out says it may have been written.

use kafka_live::server::config::settings::kafka_from_toml;
use kafka_live::wire::produce::ProduceError;
use kafka_live::wire::topics::TopicsError;

use crate::common::{settings_with, spawn_app_with, unique};

#[tokio::test]
async fn each_bad_produce_gets_the_status_that_says_why() {
    let app = spawn_app_with(settings_with(&unique("statuses"), "1", "0")).await;
    let missing = unique("no-such-topic");
    let too_big = "x".repeat(1024 * 1024 + 1);
    let two_lines = "a\nb";
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(Form, u16, &str)> = vec![
        (vec![("text", "  ")], 400, "EmptyText"),
        (vec![("text", "v"), ("topic", "a b")], 400, "BadTopic"),
        (vec![("text", "v"), ("headers[0][name]", ""), ("headers[0][value]", "x")], 400, "HeaderWithoutName"),
        (vec![("text", "v"), ("partition", "1")], 400, "NoSuchPartition"),
        (vec![("text", "v"), ("topic", &missing)], 404, "UnknownTopic"),
        (vec![("text", "v"), ("topic", "__consumer_offsets")], 403, "TopicNotAllowed"),
        (vec![("text", &too_big)], 413, "TooLarge"),
        (vec![("text", two_lines), ("lines", "on"), ("repeat", "10000")], 413, "TooManyRecords"),
    ];
    for (form, status, variant) in cases {
        let (got, body) = app.post_form("produce", &form).await;
        assert_eq!((got, body.split('"').nth(1)), (status, Some(variant)), "{body}");
        let error: ProduceError = serde_json::from_str(&body).unwrap();
        assert_eq!(error.status(), status);
    }
}

#[tokio::test]
async fn broker_trouble_is_503_or_504_and_a_timeout_says_the_record_may_be_written() {
    let env = std::collections::BTreeMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
        ("KAFKA_TOPIC", "down"),
        ("KAFKA_PRODUCE_TIMEOUT_MS", "1000"),
    ]);
    let settings =
        kafka_from_toml("", std::path::Path::new("t.toml"), std::path::Path::new("."), &env).unwrap();
    let app = spawn_app_with(settings).await;
    let (status, body) = app.post_form("produce", &[("text", "into the void")]).await;
    assert_eq!(status, 504, "{body}");
    let error: ProduceError = serde_json::from_str(&body).unwrap();
    assert!(matches!(error, ProduceError::TimedOut { timeout_ms: 1000, .. }), "{error:?}");
    let said = error.to_string();
    assert!(said.contains("It may still have been written"), "{said}");
    assert!(!said.contains("Nothing was produced"), "{said}");

    let (status, body) = app.post_form("create_topic", &[("name", "fresh")]).await;
    assert_eq!(status, 503, "{body}");
    assert!(matches!(serde_json::from_str::<TopicsError>(&body).unwrap(), TopicsError::Create { .. }));
}
