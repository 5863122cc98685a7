//! Start-up in order: settings, broker, topic, producer, feed, HTTP. And the way back down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{Method, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::{App, shell};
use crate::server::config::Settings;
use crate::server::config::settings::{Cluster, KafkaSettings};
use crate::server::config::source::{ProcessEnv, SettingsError};
use crate::server::config::web::WebSettings;
use crate::server::feed::broker_probe;
use crate::server::feed::catch_up::CatchUp;
use crate::server::feed::consumer::RecordHook;
use crate::server::feed::hub::{Hub, HubLimits};
use crate::server::feed::open_sockets::OpenSockets;
use crate::server::feed::page_reader::PageReaders;
use crate::server::feed::route::{self, SocketState};
use crate::server::feed::socket::SocketContext;
use crate::server::feed::supervisor;
use crate::server::http::basic_auth;
use crate::server::http::health;
use crate::server::http::host_check::{self, AllowedHosts};
use crate::server::http::origin::AllowedOrigins;
use crate::server::http::rate_limit::RateLimiter;
use crate::server::http::security_headers;
use crate::server::http::serve;
use crate::server::http::status::{self, Refusal};
use crate::server::kafka::catalogue::{Ensured, NewTopicShape, TopicCatalogue};
use crate::server::kafka::error::ClientError;
use crate::server::kafka::producer::{Producer, SharedProducer};
use crate::server::produce::gate::ProduceGate;
use crate::server::produce::request::{Limits, MAX_HEADERS, MAX_RECORDS_PER_SUBMIT};
use crate::server::produce::service::ProduceContext;
use crate::server::runtime::local_broker::{self, BrokerError};
use crate::server::runtime::logging;
use crate::server::runtime::shutdown;
use crate::server::topics::TopicsContext;

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
    Client(ClientError),
    #[error("the configured topic: {0}")]
    TopicNotAllowed(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// What the HTTP handlers share. The server functions get theirs from their Leptos context
/// instead (see `router`).
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub sockets: SocketState,
    pub hub: Arc<Hub>,
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

impl FromRef<AppState> for Arc<Hub> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.hub)
    }
}

/// The long-lived Kafka side of the server: one producer, one supervised feed, one hub.
pub struct Services {
    pub producer: SharedProducer,
    pub hub: Arc<Hub>,
    pub catalogue: Arc<TopicCatalogue>,
    feed: JoinHandle<()>,
    probe: JoinHandle<()>,
    stop_sockets: watch::Sender<bool>,
    open_sockets: OpenSockets,
    catch_up: Arc<CatchUp>,
    settings: KafkaSettings,
    web: WebSettings,
    durability_warning: Option<String>,
}

impl Services {
    /// Never fails for an unreachable broker: the page reports it, and everything recovers
    /// when the broker comes up (librdkafka reconnects; the feed creates the topic if it has
    /// to and retries its assignment).
    pub async fn connect(settings: &KafkaSettings, web: &WebSettings) -> Result<Self, StartupError> {
        Self::connect_with(settings, web, None).await
    }

    /// With a hook the feed calls on every record before publishing it (tests fail the feed
    /// from the inside with it).
    pub async fn connect_with(
        settings: &KafkaSettings,
        web: &WebSettings,
        hook: Option<RecordHook>,
    ) -> Result<Self, StartupError> {
        web.topics.check(&settings.topic).map_err(StartupError::TopicNotAllowed)?;
        let catalogue = Arc::new(TopicCatalogue::new(settings).map_err(StartupError::Client)?);
        let shape = NewTopicShape {
            partitions: settings.partitions,
            replication_factor: settings.replication_factor,
        };
        let ensured =
            tokio::time::timeout(TOPIC_CHECK_TIMEOUT, catalogue.ensure_topic(&settings.topic, shape)).await;
        let durability_warning = match ensured {
            Ok(Ok(ensured)) => {
                match ensured {
                    Ensured::Created => {
                        tracing::info!(topic = %settings.topic, partitions = settings.partitions, "created topic")
                    }
                    Ensured::Existed => tracing::info!(topic = %settings.topic, "topic exists"),
                }
                durability_warning(&catalogue, &settings.topic).await
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "starting without the topic; the feed creates it once Kafka answers");
                None
            }
            Err(_) => {
                tracing::warn!(
                    "Kafka did not answer within {TOPIC_CHECK_TIMEOUT:?}; the feed creates the topic once it does"
                );
                None
            }
        };
        let producer = Arc::new(Producer::new(settings).map_err(StartupError::Client)?);
        let hub = Arc::new(Hub::new(HubLimits {
            backlog: settings.backlog,
            queue_frames: settings.socket_queue,
            queue_bytes: settings.socket_queue_bytes,
        }));
        let feed = supervisor::spawn(supervisor::context(settings, &hub, &catalogue, hook));
        let probe = tokio::spawn(broker_probe::run(Arc::clone(&producer), Arc::clone(&hub)));
        let (stop_sockets, _) = watch::channel(false);
        let catch_up = Arc::new(CatchUp::new(
            settings.clone(),
            Arc::clone(&catalogue),
            CATCH_UP_LIMIT,
            CATCH_UP_DEADLINE,
            web.catch_ups,
        ));
        Ok(Self {
            producer,
            hub,
            catalogue,
            feed,
            probe,
            stop_sockets,
            open_sockets: OpenSockets::new(web.max_sockets, web.sockets_per_address),
            catch_up,
            settings: settings.clone(),
            web: web.clone(),
            durability_warning,
        })
    }

    /// Every route, with its guards. `bound` is the address the server listens on: its own
    /// names are the `Host`s it answers to unless the settings list others.
    pub fn router(&self, leptos_options: LeptosOptions, bound: SocketAddr) -> Router {
        let web = &self.web;
        let origins = AllowedOrigins { listed: web.allowed_origins.clone() };
        let state = AppState {
            leptos_options: leptos_options.clone(),
            hub: Arc::clone(&self.hub),
            sockets: SocketState {
                context: SocketContext {
                    hub: Arc::clone(&self.hub),
                    stopping: self.stop_sockets.subscribe(),
                    catch_up: Arc::clone(&self.catch_up),
                    readers: PageReaders::new(&self.settings, Arc::clone(&self.catalogue), web.page_readers),
                    catalogue: Arc::clone(&self.catalogue),
                    default_topic: self.settings.topic.as_str().into(),
                    ping_every: web.ping_interval,
                },
                open: self.open_sockets.clone(),
                origins: origins.clone(),
                topics: web.topics.clone(),
            },
        };
        let produce = Arc::new(ProduceContext {
            producer: Arc::clone(&self.producer),
            gate: ProduceGate::new(web),
            catalogue: Arc::clone(&self.catalogue),
            topics: web.topics.clone(),
            limits: Limits {
                max_message_bytes: self.settings.max_message_bytes,
                max_headers: MAX_HEADERS,
                max_records: MAX_RECORDS_PER_SUBMIT,
                max_submit_bytes: web.submit_max_bytes,
            },
        });
        let topics = Arc::new(TopicsContext {
            catalogue: Arc::clone(&self.catalogue),
            topics: web.topics.clone(),
            default_topic: self.settings.topic.clone(),
            shape: NewTopicShape {
                partitions: self.settings.partitions,
                replication_factor: self.settings.replication_factor,
            },
            display_limit_bytes: web.display_limit_bytes,
            read_only: web.read_only,
            create_topics: web.create_topics,
            creates: (web.topic_creates_per_minute > 0).then(|| {
                let per_minute = web.topic_creates_per_minute;
                (per_minute, RateLimiter::new(f64::from(per_minute) / 60.0, f64::from(per_minute)))
            }),
            durability_warning: self.durability_warning.clone(),
        });
        let routes = generate_route_list(App);
        let app = Router::new()
            .route("/ws", get(route::upgrade))
            .leptos_routes_with_context(
                &state,
                routes,
                move || {
                    provide_context(Arc::clone(&produce));
                    provide_context(Arc::clone(&topics));
                    security_headers::add_content_security_policy();
                },
                move || shell(leptos_options.clone()),
            )
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
            .layer(middleware::from_fn(status::bad_arguments_are_400))
            .layer(middleware::from_fn_with_state(origins, refuse_cross_origin_posts));
        let app = match &web.basic_auth {
            Some(credentials) => {
                app.layer(middleware::from_fn_with_state(Arc::new(credentials.clone()), basic_auth::require))
            }
            None => app,
        };
        // Probes need no credentials; they say nothing secret.
        let app = Router::new()
            .route("/healthz", get(health::live))
            .route("/readyz", get(health::ready))
            .merge(app)
            .layer(middleware::from_fn(security_headers::add_static_headers));
        let hosts = Arc::new(AllowedHosts::resolve(web.allowed_hosts.as_deref(), bound));
        app.layer(middleware::from_fn_with_state(hosts, host_check::require)).with_state(state)
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

async fn durability_warning(catalogue: &TopicCatalogue, topic: &str) -> Option<String> {
    match catalogue.durability_warning(topic).await {
        Ok(Some(warning)) => {
            tracing::warn!("{warning}");
            Some(warning)
        }
        Ok(None) => None,
        Err(error) => {
            tracing::debug!(%error, "cannot tell the topic's durability");
            None
        }
    }
}

/// `leptos_routes` serves the server functions; this guards every POST, so a page on another
/// site cannot produce through a visitor's browser.
async fn refuse_cross_origin_posts(
    State(origins): State<AllowedOrigins>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if request.method() == Method::POST && !origins.allows(request.headers()) {
        return Refusal::CrossOrigin.into_response();
    }
    next.run(request).await
}

/// The `kafka-live` binary: settings from `Leptos.toml` + environment, then serve until a
/// signal, then stop everything that was started.
pub async fn run() -> Result<(), StartupError> {
    logging::init();
    let Settings { kafka, web, leptos: leptos_options } = Settings::load(&ProcessEnv)?;
    tracing::info!(settings = ?kafka, access = ?web, "settings loaded");

    let broker = match &kafka.cluster {
        Cluster::Embedded(config) => Some(local_broker::start(config).await?),
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
    let services = Services::connect(kafka, web).await?;
    let addr = leptos_options.site_addr;
    let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!("kafka-live listening on http://{addr}");
    let stop = services.stop_signal();
    let router = services.router(leptos_options, addr);
    let deadline = web.shutdown_deadline;
    let stopping = async move {
        shutdown::signal().await;
        tracing::info!("stopping");
        let _ = stop.send(true);
    };
    // Requests in flight get part of the deadline; sockets and the producer's flush the rest.
    serve::serve(listener, router, web.header_read_timeout, deadline / 2, stopping).await;
    if tokio::time::timeout(deadline / 2 + Duration::from_secs(1), services.stop()).await.is_err() {
        tracing::warn!(
            ?deadline,
            "sockets and the producer did not finish by the shutdown deadline; stopping anyway"
        );
    }
    Ok(())
}
