//! Start-up in order: settings, broker, topic, producer, feed, HTTP. And the way back down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Method, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use rdkafka::admin::AdminClient;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::embedded_broker::{self, BrokerError};
use super::hub::Hub;
use super::kafka::catalogue::TopicCatalogue;
use super::kafka::catch_up::CatchUp;
use super::kafka::context::KafkaContext;
use super::kafka::error::ClientError;
use super::kafka::page_reader::PageReaders;
use super::kafka::producer::{Producer, SharedProducer};
use super::kafka::topic::{self, Ensured};
use super::kafka::{broker_probe, feed};
use super::open_sockets::OpenSockets;
use super::origin::is_same_origin;
use super::produce_gate::ProduceGate;
use super::settings::{self, Cluster, KafkaSettings, ProcessEnv, SettingsError};
use super::web_settings::WebSettings;
use super::ws::{self, SocketState};
use super::{basic_auth, logging, security_headers, shutdown};
use crate::app::{App, shell};

/// Bounds how long a server whose broker is down takes to start; the feed retries after.
const TOPIC_CHECK_TIMEOUT: Duration = Duration::from_secs(5);
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// A reconnecting page gets at most this many of the records it missed from Kafka (the newest);
/// it is told how many more there were.
const CATCH_UP_LIMIT: u64 = 10_000;
const CATCH_UP_DEADLINE: Duration = Duration::from_secs(10);
/// Longer than a socket's own send timeout, so every socket can finish on its own.
const SOCKET_CLOSE_TIMEOUT: Duration = Duration::from_secs(12);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error("cannot create a Kafka client: {0}")]
    Producer(ClientError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// What the HTTP handlers share. The server functions get the producer from their Leptos
/// context instead (see `router`).
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub sockets: SocketState,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for SocketState {
    fn from_ref(state: &AppState) -> Self {
        state.sockets.clone()
    }
}

/// The long-lived Kafka side of the server: one producer, one feed, one hub.
pub struct Services {
    pub producer: SharedProducer,
    pub hub: Arc<Hub>,
    feed: JoinHandle<()>,
    probe: JoinHandle<()>,
    stop_sockets: watch::Sender<bool>,
    open_sockets: OpenSockets,
    catch_up: Arc<CatchUp>,
    settings: KafkaSettings,
    admin: Arc<AdminClient<KafkaContext>>,
}

impl Services {
    /// Never fails for an unreachable broker: the page reports it, and everything recovers
    /// when the broker comes up (librdkafka reconnects; the feed creates the topic if it has
    /// to and retries its assignment).
    pub async fn connect(settings: &KafkaSettings) -> Result<Self, StartupError> {
        let topic_exists = match topic::ensure_topic(settings, TOPIC_CHECK_TIMEOUT).await {
            Ok(Ensured::Created) => {
                tracing::info!(topic = %settings.topic, partitions = settings.partitions, "created topic");
                true
            }
            Ok(Ensured::Existed) => {
                tracing::info!(topic = %settings.topic, "topic exists");
                true
            }
            Err(error) => {
                tracing::warn!(%error, "starting without the topic; the feed creates it once Kafka answers");
                false
            }
        };
        let producer = Arc::new(Producer::new(settings).map_err(StartupError::Producer)?);
        let hub = Arc::new(Hub::new(settings.backlog, settings.socket_queue));
        let feed = tokio::spawn(feed::run(settings.clone(), Arc::clone(&hub), topic_exists));
        let probe = tokio::spawn(broker_probe::run(Arc::clone(&producer), Arc::clone(&hub)));
        let (stop_sockets, _) = watch::channel(false);
        let catch_up = Arc::new(CatchUp::new(settings.clone(), CATCH_UP_LIMIT, CATCH_UP_DEADLINE));
        let admin = TopicCatalogue::admin(settings).map_err(StartupError::Producer)?;
        Ok(Self {
            producer,
            hub,
            feed,
            probe,
            stop_sockets,
            open_sockets: OpenSockets::new(),
            catch_up,
            settings: settings.clone(),
            admin,
        })
    }

    pub fn router(&self, leptos_options: LeptosOptions, web: &WebSettings) -> Router {
        let state = AppState {
            leptos_options: leptos_options.clone(),
            sockets: SocketState {
                hub: Arc::clone(&self.hub),
                stopping: self.stop_sockets.subscribe(),
                open: self.open_sockets.clone(),
                max_sockets: web.max_sockets,
                catch_up: Arc::clone(&self.catch_up),
                default_topic: self.settings.topic.as_str().into(),
                readers: PageReaders::new(&self.settings, web.page_readers),
            },
        };
        let gate = Arc::new(ProduceGate::new(web));
        let catalogue = Arc::new(TopicCatalogue::new(
            &self.settings,
            Arc::clone(&self.admin),
            web.display_limit_bytes,
            web.read_only,
        ));
        let routes = generate_route_list(App);
        let router = Router::new()
            .route("/ws", get(ws::upgrade))
            .leptos_routes_with_context(
                &state,
                routes,
                {
                    let producer = Arc::clone(&self.producer);
                    move || {
                        provide_context(Arc::clone(&producer));
                        provide_context(Arc::clone(&gate));
                        provide_context(Arc::clone(&catalogue));
                        security_headers::add_content_security_policy();
                    }
                },
                move || shell(leptos_options.clone()),
            )
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
            .layer(middleware::from_fn(refuse_cross_origin_posts));
        let router = match &web.basic_auth {
            Some(credentials) => router
                .layer(middleware::from_fn_with_state(Arc::new(credentials.clone()), basic_auth::require)),
            None => router,
        };
        router.layer(middleware::from_fn(security_headers::add_static_headers)).with_state(state)
    }

    /// Sockets get a close frame; the producer flushes so every receipt shown is in Kafka.
    pub async fn stop(self) {
        let _ = self.stop_sockets.send(true);
        // A socket whose client stopped reading gives up after its send timeout, so this ends.
        let still_open = self.open_sockets.closed(SOCKET_CLOSE_TIMEOUT).await;
        if still_open > 0 {
            tracing::warn!(still_open, "some WebSockets did not close in time");
        }
        self.feed.abort();
        self.probe.abort();
        let producer = Arc::clone(&self.producer);
        let flushed = tokio::task::spawn_blocking(move || producer.flush(FLUSH_TIMEOUT)).await;
        match flushed {
            Ok(Ok(())) => tracing::info!("producer flushed"),
            Ok(Err(error)) => tracing::warn!(%error, "producer flush incomplete"),
            Err(error) => tracing::warn!(%error, "producer flush task failed"),
        }
    }

    fn stop_signal(&self) -> watch::Sender<bool> {
        self.stop_sockets.clone()
    }
}

/// `leptos_routes` serves the server functions (with the producer in their context); this
/// guards every POST, so a page on another site cannot produce through a visitor's browser.
async fn refuse_cross_origin_posts(request: Request<Body>, next: Next) -> Response {
    if request.method() == Method::POST && !is_same_origin(request.headers()) {
        return (StatusCode::FORBIDDEN, "cross-origin requests are refused").into_response();
    }
    next.run(request).await
}

/// The `kafka-live` binary: settings from `Leptos.toml` + environment, then serve until a
/// signal, then stop everything that was started.
pub async fn run() -> Result<(), StartupError> {
    logging::init();
    let path = settings::settings_path(&ProcessEnv);
    let kafka = settings::load_kafka(&path, &ProcessEnv)?;
    let web = settings::load_web(&path, &ProcessEnv)?;
    let leptos_options = settings::load_leptos(&path)?;
    tracing::info!(settings = ?kafka, access = ?web, "settings loaded");

    let broker = match &kafka.cluster {
        Cluster::Embedded(config) => Some(embedded_broker::start(config).await?),
        Cluster::External { .. } => None,
    };
    let outcome = serve(&kafka, &web, leptos_options).await;
    if let Some(broker) = broker {
        broker.stop().await;
    }
    outcome
}

async fn serve(
    kafka: &KafkaSettings,
    web: &WebSettings,
    leptos_options: LeptosOptions,
) -> Result<(), StartupError> {
    let services = Services::connect(kafka).await?;
    let addr = leptos_options.site_addr;
    let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!("kafka-live listening on http://{addr}");
    let stop = services.stop_signal();
    // The peer address is what the produce rate limit counts by.
    let app = services.router(leptos_options, web).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown::signal().await;
            tracing::info!("stopping");
            let _ = stop.send(true);
        })
        .await
        .map_err(StartupError::Serve);
    services.stop().await;
    served
}
