//! Durability is visible: on a cluster of several brokers, a topic whose replication factor
//! (or `min.insync.replicas`) makes `acks=all` a single copy is said so at start-up and in the
//! page. Two Apache Kafka nodes of the test's own: a controller that is also a broker, and a
//! broker.

use std::path::Path;
use std::process::Stdio;

use kafka_live::server::config::web::WebSettings;
use kafka_live::wire::topics::Catalogue;

use crate::common::{spawn_app_with_web, unique};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `scripts/kafka COMMAND` with these settings.
async fn kafka(command: &str, env: &[(&str, String)]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka");
    let status = tokio::process::Command::new(script)
        .arg(command)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .status()
        .await
        .unwrap();
    assert!(status.success(), "scripts/kafka {command}");
}

#[tokio::test]
async fn a_single_copy_on_a_cluster_of_several_brokers_is_said_at_start_up_and_in_the_page() {
    if crate::common::skipped_on_nisshi("it runs as one broker") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let controller = free_port();
    let cluster_id = "a2Fma2EtbGl2ZS10ZXN0MQ";
    let node = |id: u32, plaintext: u16| {
        vec![
            ("KAFKA_RUN", dir.path().join(format!("node-{id}")).display().to_string()),
            ("KAFKA_NODE_ID", id.to_string()),
            ("KAFKA_CLUSTER_ID", cluster_id.to_owned()),
            ("KAFKA_PLAINTEXT_PORT", plaintext.to_string()),
            ("KAFKA_SASL_SSL_PORT", free_port().to_string()),
            ("KAFKA_CONTROLLER_PORT", controller.to_string()),
        ]
    };
    let first = node(1, free_port());
    let mut second = node(2, free_port());
    // The second node is a broker only; the first is the quorum.
    second.push(("KAFKA_CONTROLLER_VOTERS", format!("1@127.0.0.1:{controller}")));
    kafka("start", &first).await;
    kafka("start", &second).await;
    let bootstrap = format!("127.0.0.1:{}", first[3].1);

    let topic = unique("single-copy");
    let env = std::collections::BTreeMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()),
        ("KAFKA_TOPIC", topic.as_str()),
        ("KAFKA_PARTITIONS", "1"),
        ("KAFKA_REPLICATION_FACTOR", "1"),
    ]);
    let settings =
        kafka_live::server::config::settings::kafka_from_toml("", Path::new("t.toml"), Path::new("."), &env)
            .unwrap();
    let app = spawn_app_with_web(settings, WebSettings::default()).await;
    let response = reqwest::Client::new()
        .post(format!("http://{}/api/topics", app.addr))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let catalogue: Catalogue = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        catalogue.durability_warning.as_deref(),
        Some(format!(
            "Topic {topic} has replication factor 1 on a cluster of 2 brokers: acks=all means a single copy, and a record is lost with its broker."
        ))
        .as_deref()
    );
    kafka("stop", &second).await;
    kafka("stop", &first).await;
}
