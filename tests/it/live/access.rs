//! Optional access control. With basic auth set, nothing (page, assets, feed, producing) works
//! without the credentials; with read-only set, the feed works and producing is refused.

use std::time::Duration;

use kafka_live::server::config::web::{BasicAuth, WebSettings};
use kafka_live::wire::produce::ProduceError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, http::HeaderValue};

use crate::common::{bootstrap, next_record, produce, settings_for, spawn_app_with_web, unique};

const GOOD: &str = "Basic YWxpY2U6d29uZGVybGFuZA=="; // alice:wonderland
const WRONG: &str = "Basic YWxpY2U6d3Jvbmc="; // alice:wrong

fn guarded() -> WebSettings {
    WebSettings {
        basic_auth: Some(BasicAuth { user: "alice".into(), password: "wonderland".into() }),
        ..Default::default()
    }
}

async fn get(url: String, authorization: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn with_basic_auth_nothing_answers_without_the_credentials() {
    let app = spawn_app_with_web(settings_for(&unique("auth")), guarded()).await;
    for path in ["/", "/pkg/kafka-live.css", "/ws"] {
        for authorization in [None, Some(WRONG)] {
            let response = get(format!("http://{}{path}", app.addr), authorization).await;
            assert_eq!(response.status(), 401, "{path} with {authorization:?}");
            assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic "));
        }
    }
    let refused = unique("unauthenticated");
    assert_eq!(produce(&app, &refused).await.status(), 401);
    match tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("the feed must need the credentials, got {other:?}"),
    }

    assert_eq!(get(format!("http://{}/", app.addr), Some(GOOD)).await.status(), 200);
    let mut request = format!("ws://{}/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Authorization", HeaderValue::from_static(GOOD));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("the feed opens with them");
    let text = unique("authenticated");
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/produce", app.addr))
        .header("Accept", "application/json")
        .header("Authorization", GOOD)
        .form(&[("text", text.as_str())])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    next_record(&mut socket, &text).await;
}

#[tokio::test]
async fn read_only_shows_the_feed_and_refuses_to_produce() {
    let settings = settings_for(&unique("read-only"));
    let topic = settings.topic.clone();
    let app = spawn_app_with_web(settings, WebSettings { read_only: true, ..Default::default() }).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", app.addr)).await.unwrap();

    let response = produce(&app, "not in read-only mode").await;
    assert_eq!(response.status(), 403);
    let error: ProduceError = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(error, ProduceError::ReadOnly);

    // Records from other producers still flow to the page.
    let producer: FutureProducer = kafka_live_testkit::outside::producer(&bootstrap());
    let text = unique("from elsewhere");
    producer
        .send(FutureRecord::<(), str>::to(&topic).payload(&text), Duration::from_secs(10))
        .await
        .expect("an outside producer can still write");
    next_record(&mut socket, &text).await;
}
