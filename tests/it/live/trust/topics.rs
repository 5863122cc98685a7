//! Which topics a page may read and write: internal topics hidden and refused by default, allow
//! and deny patterns, and creating topics that can be turned off and is rate-limited.

use kafka_live::server::config::web::WebSettings;
use kafka_live::wire::topic_access::{TopicAccess, TopicPattern};
use kafka_live::wire::topics::{Catalogue, TopicsError};

use super::feed_client::refused_status;
use crate::common::{TestApp, create_topic, settings_with, spawn_app_with_web, unique};

async fn listed(app: &TestApp) -> Vec<String> {
    let (status, body) = app.post_form("topics", &[]).await;
    assert_eq!(status, 200, "{body}");
    let catalogue: Catalogue = serde_json::from_str(&body).unwrap();
    catalogue.topics.into_iter().map(|t| t.name).collect()
}

#[tokio::test]
async fn internal_topics_are_hidden_and_refused() {
    // The finding: `/ws?topic=__consumer_offsets&from=earliest` streamed every consumer group's
    // metadata, and a produce to it answered 500 UnknownTopic.
    let internal = format!("__{}", unique("internal"));
    create_topic(&settings_with(&internal, "1", "0")).await;
    let app = spawn_app_with_web(settings_with(&unique("home"), "1", "0"), WebSettings::default()).await;
    let names = listed(&app).await;
    assert!(!names.contains(&internal), "the list hides internal topics");
    assert!(names.contains(&app.topic));
    for topic in [internal.as_str(), "__consumer_offsets", "_schemas", "_confluent-command"] {
        assert_eq!(refused_status(app.addr, &format!("?topic={topic}&from=earliest")).await, 403, "{topic}");
        let (status, body) = app.post_form("produce", &[("text", "v"), ("topic", topic)]).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("is internal to Kafka"), "{body}");
    }
    let (status, body) = app.post_form("create_topic", &[("name", "__mine")]).await;
    assert_eq!(status, 403, "{body}");

    // Turned on, they are a page's like any other.
    let open = WebSettings {
        topics: TopicAccess { internal: true, ..TopicAccess::default() },
        ..WebSettings::default()
    };
    let app = spawn_app_with_web(settings_with(&unique("home"), "1", "0"), open).await;
    assert!(listed(&app).await.contains(&internal));
    assert_eq!(refused_status(app.addr, &format!("?topic={internal}&from=earliest")).await, 101);
}

#[tokio::test]
async fn allow_and_deny_patterns_decide_what_a_page_may_touch() {
    let prefix = unique("pat");
    let (open, secret, other) =
        (format!("{prefix}-open"), format!("{prefix}-open.secret"), unique("elsewhere"));
    for topic in [&open, &secret, &other] {
        create_topic(&settings_with(topic, "1", "0")).await;
    }
    let web = WebSettings {
        topics: TopicAccess {
            allow: vec![TopicPattern::new(&format!("{prefix}-*"))],
            deny: vec![TopicPattern::new("*.secret")],
            internal: false,
        },
        ..WebSettings::default()
    };
    let app = spawn_app_with_web(settings_with(&format!("{prefix}-home"), "1", "0"), web).await;
    let names = listed(&app).await;
    assert!(names.contains(&open) && !names.contains(&secret) && !names.contains(&other), "{names:?}");
    assert_eq!(refused_status(app.addr, &format!("?topic={open}")).await, 101);
    assert_eq!(refused_status(app.addr, &format!("?topic={secret}")).await, 403);
    assert_eq!(refused_status(app.addr, &format!("?topic={other}")).await, 403);
    assert_eq!(app.post_form("produce", &[("text", "v"), ("topic", &open)]).await.0, 200);
    let (status, body) = app.post_form("produce", &[("text", "v"), ("topic", &secret)]).await;
    assert_eq!(status, 403);
    assert!(body.contains("access.topics-deny: *.secret"), "{body}");
    assert_eq!(app.post_form("produce", &[("text", "v"), ("topic", &other)]).await.0, 403);
}

#[tokio::test]
async fn creating_topics_can_be_turned_off_and_is_rate_limited() {
    let off = WebSettings { create_topics: false, ..WebSettings::default() };
    let app = spawn_app_with_web(settings_with(&unique("no-create"), "1", "0"), off).await;
    let (status, body) = app.post_form("create_topic", &[("name", &unique("wanted"))]).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(serde_json::from_str::<TopicsError>(&body).unwrap(), TopicsError::CreateTurnedOff);
    let catalogue: Catalogue = serde_json::from_str(&app.post_form("topics", &[]).await.1).unwrap();
    assert!(!catalogue.can_create_topics);

    let limited = WebSettings { topic_creates_per_minute: 2, ..WebSettings::default() };
    let app = spawn_app_with_web(settings_with(&unique("few-creates"), "1", "0"), limited).await;
    for _ in 0..2 {
        let (status, body) = app.post_form("create_topic", &[("name", &unique("made"))]).await;
        assert_eq!(status, 200, "{body}");
    }
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/create_topic", app.addr))
        .header("Accept", "application/json")
        .form(&[("name", unique("one-too-many"))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let header: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let error: TopicsError = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    // A token comes back every 30 s; how much of that has passed depends on how long the two
    // creations took.
    assert_eq!(error, TopicsError::RateLimited { per_minute: 2, retry_after_seconds: header });
    assert!((1..=30).contains(&header), "{header}");
}
