//! What an operator relies on, with no broker: `/metrics` in Prometheus' format behind the same
//! guards as the page, the probes, the site carried inside the binary, and the command line.

use std::path::Path;

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use kafka_live::server::config::web::{BasicAuth, WebSettings};
use leptos::config::LeptosOptions;

use crate::common::{ServerProcess, ask, free_port, offline_router, offline_router_with};

fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path).header("host", "127.0.0.1:3000")
}

fn guarded() -> WebSettings {
    WebSettings {
        basic_auth: Some(BasicAuth { user: "ops".into(), password: "metrics-pw".into() }),
        ..Default::default()
    }
}

#[tokio::test]
async fn metrics_are_openmetrics_text_with_every_series_an_operator_needs() {
    let (router, _) = offline_router(Default::default());
    let (status, headers, body) = ask(router, get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/openmetrics-text; version=1.0.0; charset=utf-8");
    let text = String::from_utf8(body).unwrap();
    let families = [
        "kafka_live_produce_requests counter",
        "kafka_live_produce_records counter",
        "kafka_live_produce_bytes counter",
        "kafka_live_produce_duration_seconds histogram",
        "kafka_live_feed_lag_records gauge",
        "kafka_live_sockets_open gauge",
        "kafka_live_frames_sent counter",
        "kafka_live_records_missed counter",
        "kafka_live_records_skipped counter",
        "kafka_live_catch_ups counter",
        "kafka_live_page_readers_open gauge",
        "kafka_live_broker_reachable gauge",
        "rdkafka_requests_sent counter",
        "rdkafka_messages_sent counter",
        "rdkafka_broker_rtt_average_seconds gauge",
    ];
    let missing: Vec<_> = families
        .iter()
        .filter(|family| !text.lines().any(|line| line.starts_with("# TYPE ") && line.ends_with(*family)))
        .collect();
    assert_eq!(missing, Vec::<&&str>::new(), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[tokio::test]
async fn metrics_need_the_pages_credentials_and_the_probes_none() {
    let (router, _) = offline_router(guarded());
    let (status, headers, _) = ask(router.clone(), get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Basic realm=\"kafka-live\", charset=\"UTF-8\"");
    let credentials = base64::engine::general_purpose::STANDARD.encode("ops:metrics-pw");
    let with = get("/metrics").header("authorization", format!("Basic {credentials}"));
    assert_eq!(ask(router.clone(), with.body(Body::empty()).unwrap()).await.0, 200);
    assert_eq!(ask(router, get("/healthz").body(Body::empty()).unwrap()).await.0, 200);
}

#[tokio::test]
async fn metrics_answer_only_to_the_hosts_the_page_answers_to() {
    let (router, _) = offline_router(Default::default());
    let request = Request::get("/metrics").header("host", "attacker.example").body(Body::empty()).unwrap();
    assert_eq!(ask(router, request).await.0, 403);
}

/// Where `site-root` is not on disk, the files come from inside the binary, byte for byte the
/// ones built into `target/site`, with an ETag that makes a reload a 304.
#[tokio::test]
async fn the_site_is_served_from_inside_the_binary() {
    let built = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/site/pkg/kafka-live.wasm"))
        .expect("the site is built before the tests (scripts/test builds it first)");
    let options = LeptosOptions::builder().output_name("kafka-live").site_root("/nonexistent/site").build();
    let (router, _) = offline_router_with(Default::default(), options);
    let (status, headers, body) =
        ask(router.clone(), get("/pkg/kafka-live.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/wasm");
    assert_eq!(body.len(), built.len());
    assert!(body == built, "the embedded WASM is the one built");
    let etag = headers["etag"].clone();
    let again = get("/pkg/kafka-live.wasm").header("if-none-match", etag).body(Body::empty()).unwrap();
    assert_eq!(ask(router.clone(), again).await.0, 304);
    assert_eq!(ask(router, get("/pkg/no-such-file.js").body(Body::empty()).unwrap()).await.0, 404);
}

fn kafka_live(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kafka-live")).args(args).output().unwrap()
}

#[test]
fn help_lists_every_setting_with_its_variable_and_default() {
    let output = kafka_live(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.starts_with(&format!("kafka-live {}\n", env!("CARGO_PKG_VERSION"))), "{help}");
    let line = help.lines().find(|line| line.starts_with("limits.max-sockets ")).expect("a line per setting");
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>(),
        ["limits.max-sockets", "KAFKA_LIVE_MAX_SOCKETS", "10000"]
    );
    let line = help.lines().find(|line| line.starts_with("operations.metrics-addr ")).unwrap();
    assert!(line.contains("KAFKA_LIVE_METRICS_ADDR"), "{line}");
}

#[test]
fn version_prints_the_version() {
    let output = kafka_live(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("kafka-live {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_flag_is_a_clear_error() {
    let output = kafka_live(&["--port", "80"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "kafka-live: unknown argument `--port`; `kafka-live --help` lists what it takes\n"
    );
    assert!(output.stdout.is_empty());
}

/// The binary, copied alone to an empty directory (no `Leptos.toml`, no `target/site`), serves
/// the page and its WASM with the shipped defaults.
#[tokio::test]
async fn the_binary_copied_alone_serves_the_whole_app() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("kafka-live");
    std::fs::copy(env!("CARGO_BIN_EXE_kafka-live"), &copy).unwrap();
    let built =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/site/pkg/kafka-live.wasm")).unwrap();
    let server = ServerProcess::start_in(
        &copy,
        dir.path(),
        &[
            ("KAFKA_LIVE_CONFIG", None),
            ("KAFKA_BOOTSTRAP_SERVERS", Some("127.0.0.1:1")),
            ("KAFKA_TOPIC", Some("alone")),
        ],
    )
    .await;
    let page = reqwest::get(format!("http://{}/", server.addr)).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/pkg/kafka-live.wasm") || html.contains("/pkg/kafka-live.js"), "{html}");
    let wasm = reqwest::get(format!("http://{}/pkg/kafka-live.wasm", server.addr)).await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert!(wasm.bytes().await.unwrap() == built, "the WASM it serves is the one built");
    let css = reqwest::get(format!("http://{}/pkg/kafka-live.css", server.addr)).await.unwrap();
    assert_eq!((css.status().as_u16(), css.headers()["content-type"].to_str().unwrap()), (200, "text/css"));
    assert!(server.stop().await.success());
}

/// With `operations.metrics-addr`, `/metrics` and the probes answer there, and the page's
/// address no longer serves `/metrics`.
#[tokio::test]
async fn metrics_and_probes_can_listen_apart() {
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let server = ServerProcess::start(&[
        ("KAFKA_BOOTSTRAP_SERVERS", Some("127.0.0.1:1")),
        ("KAFKA_LIVE_METRICS_ADDR", Some(&metrics_addr)),
    ])
    .await;
    server.logs_line_with(&format!("metrics and probes on http://{metrics_addr}/metrics")).await;
    let apart = reqwest::get(format!("http://{metrics_addr}/metrics")).await.unwrap();
    assert_eq!(apart.status(), 200);
    assert!(apart.text().await.unwrap().contains("# TYPE kafka_live_broker_reachable gauge"));
    assert_eq!(reqwest::get(format!("http://{metrics_addr}/healthz")).await.unwrap().status(), 200);
    // Nothing listens on the broker's port: not ready, and the body says which part is not.
    let ready = reqwest::get(format!("http://{metrics_addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(reqwest::get(format!("http://{}/metrics", server.addr)).await.unwrap().status(), 404);
    assert_eq!(reqwest::get(format!("http://{}/", server.addr)).await.unwrap().status(), 200);
    assert!(server.stop().await.success());
}

/// The README's nginx section is the configuration the scale-out browser test runs.
#[test]
fn the_readme_shows_the_nginx_configuration_the_test_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tested = std::fs::read_to_string(root.join("end2end/nginx/kafka-live.conf")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```nginx\n{tested}```")),
        "README.md shows end2end/nginx/kafka-live.conf as it is"
    );
}
