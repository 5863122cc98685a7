//! Start-up in order: settings, broker, topic, producer, feed, HTTP. And the way back down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use futures_util::FutureExt;

use crate::server::config::Settings;
use crate::server::config::operations::OperationsSettings;
use crate::server::config::settings::{Cluster, KafkaSettings};
use crate::server::config::source::{ProcessEnv, SettingsError};
use crate::server::config::web::WebSettings;
use crate::server::feed::broker_probe;
use crate::server::feed::consumer::RecordHook;
use crate::server::feed::supervisor;
use crate::server::http::serve;
use crate::server::kafka::catalogue::{Ensured, NewTopicShape, TopicCatalogue};
use crate::server::kafka::error::ClientError;
use crate::server::runtime::local_broker::{self, BrokerError};
use crate::server::runtime::logging;
use crate::server::runtime::memory;
use crate::server::runtime::router::{self, Handles};
use crate::server::runtime::shutdown;

/// Bounds how long a server whose broker is down takes to start; the feed retries after.
const TOPIC_CHECK_TIMEOUT: Duration = Duration::from_secs(5);
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
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

/// The long-lived Kafka side of the server: the handles the routes use, and the tasks that
/// keep the feed and the broker status going.
pub struct Services {
    handles: Handles,
    feed: JoinHandle<()>,
    probe: JoinHandle<()>,
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
        let mut handles =
            Handles::with_catalogue(settings, web, Arc::clone(&catalogue)).map_err(StartupError::Client)?;
        handles.durability_warning = durability_warning;
        let feed = supervisor::spawn(supervisor::context(settings, &handles.hub, &catalogue, hook));
        let probe = tokio::spawn(broker_probe::run(Arc::clone(&handles.producer), Arc::clone(&handles.hub)));
        Ok(Self { handles, feed, probe })
    }

    /// Every route, with its guards (see `router`).
    pub fn router(&self, leptos_options: LeptosOptions, bound: SocketAddr) -> Router {
        router::router(&self.handles, leptos_options, bound)
    }

    /// The page's routes alone, when `/metrics` and the probes listen apart.
    pub fn page_router(&self, leptos_options: LeptosOptions, bound: SocketAddr) -> Router {
        router::page_router(&self.handles, leptos_options, bound)
    }

    /// `/metrics` and the probes alone.
    pub fn operations_router(&self, bound: SocketAddr) -> Router {
        router::operations_router(&self.handles, bound)
    }

    /// Sockets get a close frame; the producer flushes so every receipt shown is in Kafka.
    pub async fn stop(self) {
        let _ = self.handles.stop_sockets.send(true);
        // A socket whose client stopped reading gives up after its send timeout, so this ends.
        let still_open = self.handles.open_sockets.closed(SOCKET_CLOSE_TIMEOUT).await;
        if still_open > 0 {
            tracing::warn!(still_open, "some WebSockets did not close in time");
        }
        self.feed.abort();
        self.probe.abort();
        let producer = Arc::clone(&self.handles.producer);
        let flushed = tokio::task::spawn_blocking(move || producer.flush(FLUSH_TIMEOUT)).await;
        match flushed {
            Ok(Ok(())) => tracing::info!("producer flushed"),
            Ok(Err(error)) => tracing::warn!(%error, "producer flush incomplete"),
            Err(error) => tracing::warn!(%error, "producer flush task failed"),
        }
    }

    fn stop_signal(&self) -> watch::Sender<bool> {
        self.handles.stop_sockets.clone()
    }
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartupError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?;
    Ok((listener, addr))
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

/// The `kafka-live` binary: settings from `Leptos.toml` + environment, then serve until a
/// signal, then stop everything that was started.
pub async fn run() -> Result<(), StartupError> {
    memory::return_large_buffers();
    let Settings { kafka, web, operations, leptos: leptos_options } = Settings::load(&ProcessEnv)?;
    logging::init(operations.log_format);
    tracing::info!(settings = ?kafka, access = ?web, operations = ?operations, "settings loaded");
    let stop_requested = shutdown::listen();

    let broker = match &kafka.cluster {
        Cluster::Embedded(config) => Some(local_broker::start(config).await?),
        Cluster::External { .. } => None,
    };
    let outcome = serve(&kafka, &web, &operations, leptos_options, stop_requested).await;
    if let Some(broker) = broker {
        broker.stop().await;
    }
    outcome
}

async fn serve(
    kafka: &KafkaSettings,
    web: &WebSettings,
    operations: &OperationsSettings,
    leptos_options: LeptosOptions,
    stop_requested: shutdown::Shutdown,
) -> Result<(), StartupError> {
    let services = Services::connect(kafka, web).await?;
    let (listener, addr) = bind(leptos_options.site_addr).await?;
    tracing::info!("kafka-live listening on http://{addr}");
    let stop = services.stop_signal();
    let deadline = web.shutdown_deadline;
    // Requests in flight get part of the deadline; sockets and the producer's flush the rest.
    let serve = |listener, router, stop: watch::Receiver<bool>| {
        let mut stop = stop;
        serve::serve(listener, router, web.header_read_timeout, deadline / 2, async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        })
    };
    let page = match operations.metrics_addr {
        None => serve(listener, services.router(leptos_options, addr), stop.subscribe()).boxed(),
        Some(metrics_addr) => {
            let (metrics_listener, metrics_addr) = bind(metrics_addr).await?;
            tracing::info!("metrics and probes on http://{metrics_addr}/metrics");
            let page = serve(listener, services.page_router(leptos_options, addr), stop.subscribe());
            let metrics = serve(metrics_listener, services.operations_router(metrics_addr), stop.subscribe());
            async move {
                tokio::join!(page, metrics);
            }
            .boxed()
        }
    };
    let stopping = async move {
        stop_requested.requested().await;
        tracing::info!("stopping");
        let _ = stop.send(true);
    };
    tokio::join!(page, stopping);
    if tokio::time::timeout(deadline / 2 + Duration::from_secs(1), services.stop()).await.is_err() {
        tracing::warn!(
            ?deadline,
            "sockets and the producer did not finish by the shutdown deadline; stopping anyway"
        );
    }
    Ok(())
}
