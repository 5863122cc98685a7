//! Secrets by allow-list: only property keys known to be safe are ever printed. A value under
//! any other key appears in no log line, error or page, whatever the key is called.

use std::io::Write;

use crate::common::{ServerProcess, bootstrap, unique};

fn properties(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

#[tokio::test]
async fn secret_values_reach_no_log_and_no_page() {
    // Keys librdkafka takes: the server starts with them and logs at debug.
    let taken = [
        "sasl.password",
        "ssl.key.password",
        "ssl.keystore.password",
        "ssl.key.pem",
        "sasl.oauthbearer.config",
    ];
    let mut text = "security.protocol=PLAINTEXT\n".to_owned();
    for (i, key) in taken.iter().enumerate() {
        text.push_str(&format!("{key}=kl-secret-{i}-value\n"));
    }
    let file = properties(&text);
    let (bootstrap, topic) = (bootstrap(), unique("secrets"));
    let server = ServerProcess::for_topic(
        &topic,
        &[("KAFKA_CLIENT_PROPERTIES", Some(file.path().to_str().unwrap())), ("RUST_LOG", Some("debug"))],
    )
    .await;
    let page = reqwest::get(format!("http://{}/", server.addr)).await.unwrap().text().await.unwrap();
    let topics = reqwest::Client::new()
        .post(format!("http://{}/api/topics", server.addr))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("sasl.password"), "the settings are logged, keys and all");
    for (i, key) in taken.iter().enumerate() {
        let secret = format!("kl-secret-{i}");
        assert!(!log.contains(&secret), "{key} leaked into the log");
        assert!(!page.contains(&secret) && !topics.contains(&secret), "{key} leaked into the page");
    }
    server.stop().await;

    // Keys librdkafka refuses stop start-up: the error names the key, never its value.
    for key in [
        "basic.auth.user.info",
        "my.private.passphrase",
        "schema.registry.ssl.key.pem",
        "sasl.oauthbearer.client.secret",
    ] {
        let file = properties(&format!("{key}=kl-refused-secret\n"));
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_kafka-live"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("KAFKA_LIVE_CONFIG", "Leptos.toml")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("KAFKA_BOOTSTRAP_SERVERS", &bootstrap)
            .env("KAFKA_TOPIC", &topic)
            .env("KAFKA_CLIENT_PROPERTIES", file.path())
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(std::time::Duration::from_secs(60), output)
            .await
            .unwrap_or_else(|_| panic!("{key}: the server started; it should have refused the property"))
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{key}: start-up fails");
        let said = String::from_utf8_lossy(&output.stderr) + String::from_utf8_lossy(&output.stdout);
        assert!(said.contains(key), "{key}: the error names the key: {said}");
        assert!(!said.contains("kl-refused-secret"), "{key}: the value leaked: {said}");
    }
}
