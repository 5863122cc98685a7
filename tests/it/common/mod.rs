//! Shared set-up for the integration tests: a real broker over TCP, the real server on port 0.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use kafka_live::server::config::settings::{KafkaSettings, kafka_from_toml};
use kafka_live::server::config::web::WebSettings;
use kafka_live::server::feed::consumer::RecordHook;
use kafka_live::server::runtime::router::{Handles, router};
use kafka_live::server::runtime::startup::Services;
use kafka_live::wire::frame::ServerFrame;
use kafka_live::wire::record::Payload;
use leptos::config::LeptosOptions;
use tokio_tungstenite::tungstenite::Message;

/// The broker the tests run against. `scripts/test` starts one and sets this.
pub fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").expect(
        "the integration tests need a running broker: run scripts/test, or set KAFKA_BOOTSTRAP_SERVERS",
    )
}

/// Whether the test broker is nisshi (`scripts/test` says so), for the few behaviours it does
/// not have; each test that asks says what it skipped.
pub fn broker_is_nisshi() -> bool {
    std::env::var("KAFKA_LIVE_TEST_BROKER").is_ok_and(|broker| broker == "nisshi")
}

/// True on nisshi, having printed why the calling test does not run there; the README's
/// "Where the brokers differ" lists each reason.
pub fn skipped_on_nisshi(why: &str) -> bool {
    let skipped = broker_is_nisshi();
    if skipped {
        println!("skipped on nisshi: {why}");
    }
    skipped
}

/// A topic no other test (or earlier run) uses.
pub fn unique(name: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("test-{name}-{}-{nanos}", std::process::id())
}

pub fn settings_for(topic: &str) -> KafkaSettings {
    settings_from(topic, &[("KAFKA_PARTITIONS", "3")])
}

/// With a partition count and a backlog of the test's choosing.
pub fn settings_with(topic: &str, partitions: &str, backlog: &str) -> KafkaSettings {
    settings_from(topic, &[("KAFKA_PARTITIONS", partitions), ("KAFKA_BACKLOG", backlog)])
}

/// The test broker and `topic`, plus `more` settings, read as the app reads its environment.
fn settings_from(topic: &str, more: &[(&'static str, &str)]) -> KafkaSettings {
    let bootstrap = bootstrap();
    let mut env = BTreeMap::from([("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()), ("KAFKA_TOPIC", topic)]);
    env.extend(more.iter().copied());
    kafka_from_toml("", Path::new("test.toml"), Path::new("."), &env).expect("test settings are valid")
}

/// Creates the settings' topic (with their partition count) unless it exists.
pub async fn create_topic(settings: &KafkaSettings) {
    use kafka_live::server::kafka::catalogue::{NewTopicShape, TopicCatalogue};
    let catalogue = TopicCatalogue::new(settings).expect("an admin client");
    let shape =
        NewTopicShape { partitions: settings.partitions, replication_factor: settings.replication_factor };
    catalogue.ensure_topic(&settings.topic, shape).await.expect("the test topic exists");
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub topic: String,
}

impl TestApp {
    /// Until `/readyz` says the feed reads: with no backlog, a page sees only what the feed reads
    /// after that.
    pub async fn ready(&self) {
        wait_ready(&format!("http://{}/readyz", self.addr)).await;
    }

    /// Produces each value through the page's produce path, in order; each is acknowledged.
    pub async fn produce_all(&self, values: &[String]) {
        for value in values {
            let (status, body) = self.post_form("produce", &[("text", value)]).await;
            assert_eq!(status, 200, "{body}");
        }
    }

    /// POSTs `form` to the server function at `/api/{endpoint}` as the page's script does
    /// (asking for JSON); the status and the body.
    pub async fn post_form(&self, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = reqwest::Client::new()
            .post(format!("http://{}/api/{endpoint}", self.addr))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

/// Until the URL answers 200 (at most 60 s).
async fn wait_ready(url: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !reqwest::get(url).await.is_ok_and(|response| response.status() == 200) {
        assert!(std::time::Instant::now() < deadline, "{url} answers 200 within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The server's router over clients that never reach a broker (nothing listens on port 1),
/// and the address it takes itself to be bound to: for what needs no Kafka.
pub fn offline_router(web: WebSettings) -> (axum::Router, SocketAddr) {
    offline_router_with(web, LeptosOptions::builder().output_name("kafka-live").build())
}

/// The status, headers and body (as text) of one GET of `path` from an `offline_router`, with
/// the `Host` it takes itself to be bound to.
pub async fn offline_get(path: &str) -> (u16, axum::http::HeaderMap, String) {
    let (router, bound) = offline_router(Default::default());
    let request = axum::http::Request::get(path)
        .header("host", bound.to_string())
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, headers, body) = ask(router, request).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// The same, with Leptos' options given (a `site-root` that is not there, say).
pub fn offline_router_with(web: WebSettings, options: LeptosOptions) -> (axum::Router, SocketAddr) {
    let env = BTreeMap::from([("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"), ("KAFKA_TOPIC", "offline")]);
    let settings = kafka_from_toml("", Path::new("test.toml"), Path::new("."), &env).unwrap();
    let handles = Handles::new(&settings, &web).expect("clients are created without a broker");
    let bound: SocketAddr = "127.0.0.1:3000".parse().unwrap();
    (router(&handles, options, bound), bound)
}

/// One request to a router: the status, the headers and the body.
pub async fn ask(
    router: axum::Router,
    request: axum::http::Request<axum::body::Body>,
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    use tower::ServiceExt;
    let response = router.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (parts.status.as_u16(), parts.headers, body.to_vec())
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A client's end of the server's WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Starts the whole server (producer, feed, hub, routes) in this process on a free port.
pub async fn spawn_app(topic: &str) -> TestApp {
    spawn_app_with(settings_for(topic)).await
}

pub async fn spawn_app_with(settings: KafkaSettings) -> TestApp {
    spawn_app_with_web(settings, WebSettings::default()).await
}

/// With access and limit settings of the test's choosing.
pub async fn spawn_app_with_web(settings: KafkaSettings, web: WebSettings) -> TestApp {
    spawn_app_with_hook(settings, web, None).await
}

/// With a hook the feed calls on every record before it publishes it.
pub async fn spawn_app_with_hook(
    settings: KafkaSettings,
    web: WebSettings,
    hook: Option<RecordHook>,
) -> TestApp {
    kafka_live::server::runtime::logging::init(Default::default());
    let topic = settings.topic.clone();
    let services = Services::connect_with(&settings, &web, hook).await.expect("services start");
    let options = LeptosOptions::builder().output_name("kafka-live").build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = services.router(options, addr).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
        drop(services);
    });
    TestApp { addr, topic }
}

/// Produces `text` through the server's HTTP produce path, as the page does.
pub async fn produce(app: &TestApp, text: &str) -> reqwest::Response {
    produce_at(&app.addr.to_string(), text).await
}

/// The same against the server at `addr`.
async fn produce_at(addr: &str, text: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{addr}/api/produce"))
        .header("Accept", "application/json")
        .form(&[("text", text)])
        .send()
        .await
        .expect("the server answers")
}

/// Reads frames until the record with this text value arrives (at most 30 s).
pub async fn next_record<S>(socket: &mut S, value: &str) -> kafka_live::wire::record::FeedRecord
where
    S: futures::StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let wait = async {
        while let Some(message) = socket.next().await {
            if let Message::Text(text) = message.expect("socket stays open")
                && let ServerFrame::Record(record) = serde_json::from_str(&text).expect("frames are JSON")
                && record.value == Some(Payload::Text(value.to_owned()))
            {
                return record;
            }
        }
        panic!("the socket closed before the record arrived");
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), wait)
        .await
        .expect("the record reaches the socket within 30 s")
}

/// The real `kafka-live` binary, started as a user would, with everything it logs kept.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub addr: String,
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServerProcess {
    /// Starts it on a free port with these environment changes (`None` removes a variable) and
    /// waits until it listens.
    pub async fn start(env: &[(&str, Option<&str>)]) -> Self {
        let mut with_config = vec![("KAFKA_LIVE_CONFIG", Some("Leptos.toml"))];
        with_config.extend_from_slice(env);
        Self::start_in(
            Path::new(env!("CARGO_BIN_EXE_kafka-live")),
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &with_config,
        )
        .await
    }

    /// The binary at `program`, started in `dir`, with these environment changes.
    pub async fn start_in(program: &Path, dir: &Path, env: &[(&str, Option<&str>)]) -> Self {
        use tokio::io::AsyncBufReadExt;

        let mut command = tokio::process::Command::new(program);
        command
            .current_dir(dir)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let mut child = command.spawn().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                log.lock().unwrap().push_str(&line);
                log.lock().unwrap().push('\n');
                // Text or JSON logs: the address ends where its characters do.
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || ".:[]".contains(c)));
                    return rest[..end.unwrap_or(rest.len())].to_owned();
                }
            }
            panic!("the server exited before listening: {}", log.lock().unwrap());
        })
        .await
        .expect("the server listens within 60 s");
        let sink = std::sync::Arc::clone(&log);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().unwrap().push_str(&line);
                sink.lock().unwrap().push('\n');
            }
        });
        Self { child, addr, log }
    }

    /// On the test broker, for `topic`, with no backlog: a page sees only what comes after it,
    /// so this waits until the feed reads (`/readyz`) before it hands the server over.
    pub async fn without_backlog(topic: &str) -> Self {
        let server = Self::for_topic(topic, &[("KAFKA_BACKLOG", Some("0"))]).await;
        server.ready().await;
        server
    }

    /// On the test broker, for `topic` with one partition (if it creates it), with these
    /// environment changes too.
    pub async fn on_topic(topic: &str, env: &[(&str, Option<&str>)]) -> Self {
        let mut all = vec![("KAFKA_PARTITIONS", Some("1"))];
        all.extend_from_slice(env);
        Self::for_topic(topic, &all).await
    }

    /// On the test broker, for `topic`, with these environment changes too.
    pub async fn for_topic(topic: &str, env: &[(&str, Option<&str>)]) -> Self {
        let bootstrap = bootstrap();
        let mut all =
            vec![("KAFKA_BOOTSTRAP_SERVERS", Some(bootstrap.as_str())), ("KAFKA_TOPIC", Some(topic))];
        all.extend_from_slice(env);
        Self::start(&all).await
    }

    /// Produces `text` through the HTTP produce path, as the page does; the status.
    pub async fn produce(&self, text: &str) -> u16 {
        produce_at(&self.addr, text).await.status().as_u16()
    }

    /// Until `/readyz` says the feed reads and the broker answers (at most 60 s).
    pub async fn ready(&self) {
        wait_ready(&format!("http://{}/readyz", self.addr)).await;
    }

    /// Everything it logged so far.
    pub fn logged(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Until a line it logs contains `text` (at most 30 s); that line.
    pub async fn logs_line_with(&self, text: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(line) = self.logged().lines().find(|line| line.contains(text)) {
                return line.to_owned();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "a line with {text:?} within 30 s: {}",
                self.logged()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// A memory figure of the process from `/proc/PID/status`, in KiB: `VmRSS:` now, `VmHWM:`
    /// the peak so far.
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id().unwrap())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .expect("the field is in /proc/PID/status")
    }

    /// SIGTERM, then the exit status.
    pub async fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: kill(2) on the child this test spawned.
        unsafe { libc::kill(self.child.id().unwrap() as i32, libc::SIGTERM) };
        tokio::time::timeout(std::time::Duration::from_secs(20), self.child.wait())
            .await
            .expect("the server exits within 20 s of SIGTERM")
            .unwrap()
    }
}

/// The real `kafka-live-consumer` binary with the repository's settings, quiet colours, both
/// output streams captured and killed with the test; callers add the environment they test.
pub fn consumer_command() -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kafka-live-consumer"));
    command
        .env("KAFKA_LIVE_CONFIG", concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Lets this process, and a server it starts afterwards, hold `wanted` descriptors: the soft
/// limit up to the hard one, and the hard one too where the process may (CI runs as root).
pub fn raise_open_file_limit(wanted: u64) {
    // SAFETY: getrlimit/setrlimit on this process with a valid, initialised struct.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        let raised =
            libc::rlimit { rlim_cur: limit.rlim_max.max(wanted), rlim_max: limit.rlim_max.max(wanted) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
