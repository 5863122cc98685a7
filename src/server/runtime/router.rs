//! Every route with its guards, built from the service handles alone: the tests build it with
//! clients that never reach a broker and check headers, hosts, origins and credentials with
//! `oneshot`, and the server builds the same one around its live services.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{Method, Request, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::sync::watch;

use crate::app::{App, shell};
use crate::server::config::settings::KafkaSettings;
use crate::server::config::web::WebSettings;
use crate::server::feed::catch_up::CatchUp;
use crate::server::feed::hub::{Hub, HubLimits};
use crate::server::feed::open_sockets::OpenSockets;
use crate::server::feed::page_reader::PageReaders;
use crate::server::feed::socket::SocketContext;
use crate::server::groups::GroupsContext;
use crate::server::groups::listing::GroupListing;
use crate::server::groups::watchers::GroupWatchers;
use crate::server::http::basic_auth;
use crate::server::http::health;
use crate::server::http::host_check::{self, AllowedHosts};
use crate::server::http::metrics_route;
use crate::server::http::origin::AllowedOrigins;
use crate::server::http::rate_limit::RateLimiter;
use crate::server::http::security_headers;
use crate::server::http::site;
use crate::server::http::socket_route::{self, SocketState};
use crate::server::http::status::{self, Refusal};
use crate::server::kafka::catalogue::{NewTopicShape, TopicCatalogue};
use crate::server::kafka::error::ClientError;
use crate::server::kafka::producer::{Producer, SharedProducer};
use crate::server::produce::gate::ProduceGate;
use crate::server::produce::request::{Limits, MAX_HEADERS, MAX_RECORDS_PER_SUBMIT};
use crate::server::produce::service::ProduceContext;
use crate::server::topics::TopicsContext;

/// A reconnecting page gets at most this many of the records it missed from Kafka (the newest);
/// it is told how many more there were.
const CATCH_UP_LIMIT: u64 = 10_000;
const CATCH_UP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);
/// How often a watched consumer group is looked at: "live" to a person, a handful of requests a
/// second to the cluster.
const GROUP_LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// What the routes work with. Creating it starts nothing and reaches no broker: librdkafka's
/// clients connect when first used.
pub struct Handles {
    pub settings: KafkaSettings,
    pub web: WebSettings,
    pub hub: Arc<Hub>,
    pub producer: SharedProducer,
    pub catalogue: Arc<TopicCatalogue>,
    pub catch_up: Arc<CatchUp>,
    pub open_sockets: OpenSockets,
    pub groups: GroupWatchers,
    /// Tells every socket the server is stopping.
    pub stop_sockets: watch::Sender<bool>,
    /// Said in the page's status (see `kafka::durability`).
    pub durability_warning: Option<String>,
}

impl Handles {
    pub fn new(settings: &KafkaSettings, web: &WebSettings) -> Result<Self, ClientError> {
        Self::with_catalogue(settings, web, Arc::new(TopicCatalogue::new(settings)?))
    }

    /// Around a catalogue already made. Start-up checks the topic with it first, so the
    /// producer is made after that check: what the producer's client last heard from the
    /// cluster (the reason a produce timed out, say "Authentication failed") is then as fresh
    /// as a Submit's wait.
    pub fn with_catalogue(
        settings: &KafkaSettings,
        web: &WebSettings,
        catalogue: Arc<TopicCatalogue>,
    ) -> Result<Self, ClientError> {
        let hub = Arc::new(Hub::new(HubLimits {
            backlog: settings.backlog,
            queue_frames: settings.socket_queue,
            queue_bytes: settings.socket_queue_bytes,
        }));
        Ok(Self {
            producer: Arc::new(Producer::new(settings)?),
            catch_up: Arc::new(CatchUp::new(
                settings.clone(),
                Arc::clone(&catalogue),
                CATCH_UP_LIMIT,
                CATCH_UP_DEADLINE,
                web.catch_ups,
            )),
            groups: GroupWatchers::new(settings, Arc::clone(&catalogue), GROUP_LOOK_EVERY),
            catalogue,
            hub,
            open_sockets: OpenSockets::new(web.max_sockets, web.sockets_per_address),
            stop_sockets: watch::channel(false).0,
            settings: settings.clone(),
            web: web.clone(),
            durability_warning: None,
        })
    }
}

/// What the HTTP handlers share. The server functions get theirs from their Leptos context
/// instead (see `router`).
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

/// Every route, with its guards: the page's and, beside them, `/metrics` and the probes.
/// `bound` is the address the server listens on: its own names are the `Host`s it answers to
/// unless the settings list others.
pub fn router(handles: &Handles, leptos_options: LeptosOptions, bound: SocketAddr) -> Router {
    page_router(handles, leptos_options, bound).merge(operations_router(handles, bound))
}

/// `/metrics`, `/healthz` and `/readyz`, with the same guards as the page: the host check, and
/// basic auth for `/metrics` (the probes say nothing secret, and a load balancer's health check
/// carries no credentials). Served beside the page, or alone on `operations.metrics-addr`.
pub fn operations_router(handles: &Handles, bound: SocketAddr) -> Router {
    let scrape = Router::new().route("/metrics", get(metrics_route::scrape));
    let scrape = match &handles.web.basic_auth {
        Some(credentials) => {
            scrape.layer(middleware::from_fn_with_state(Arc::new(credentials.clone()), basic_auth::require))
        }
        None => scrape,
    };
    let hosts = Arc::new(AllowedHosts::resolve(handles.web.allowed_hosts.as_deref(), bound));
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .with_state(Arc::clone(&handles.hub))
        .merge(scrape)
        .layer(middleware::from_fn(security_headers::add_static_headers))
        .layer(middleware::from_fn_with_state(hosts, host_check::require))
}

/// The page, its server functions, its socket and its files, with their guards.
pub fn page_router(handles: &Handles, leptos_options: LeptosOptions, bound: SocketAddr) -> Router {
    let web = &handles.web;
    let origins = AllowedOrigins { listed: web.allowed_origins.clone() };
    let state = AppState {
        leptos_options: leptos_options.clone(),
        sockets: SocketState {
            context: SocketContext {
                hub: Arc::clone(&handles.hub),
                stopping: handles.stop_sockets.subscribe(),
                catch_up: Arc::clone(&handles.catch_up),
                readers: PageReaders::new(
                    &handles.settings,
                    Arc::clone(&handles.catalogue),
                    web.page_readers,
                ),
                catalogue: Arc::clone(&handles.catalogue),
                default_topic: handles.settings.topic.as_str().into(),
                ping_every: web.ping_interval,
            },
            open: handles.open_sockets.clone(),
            origins: origins.clone(),
            topics: web.topics.clone(),
            groups: handles.groups.clone(),
            configured_group: handles.settings.consumer_group.clone(),
        },
    };
    let produce = Arc::new(ProduceContext {
        producer: Arc::clone(&handles.producer),
        gate: ProduceGate::new(web),
        catalogue: Arc::clone(&handles.catalogue),
        topics: web.topics.clone(),
        limits: Limits {
            max_message_bytes: handles.settings.max_message_bytes,
            max_headers: MAX_HEADERS,
            max_records: MAX_RECORDS_PER_SUBMIT,
            max_submit_bytes: web.submit_max_bytes,
        },
        schemas: handles.settings.schemas.clone(),
    });
    let topics = Arc::new(TopicsContext {
        catalogue: Arc::clone(&handles.catalogue),
        topics: web.topics.clone(),
        default_topic: handles.settings.topic.clone(),
        shape: NewTopicShape {
            partitions: handles.settings.partitions,
            replication_factor: handles.settings.replication_factor,
        },
        display_limit_bytes: web.display_limit_bytes,
        read_only: web.read_only,
        create_topics: web.create_topics,
        creates: (web.topic_creates_per_minute > 0).then(|| {
            let per_minute = web.topic_creates_per_minute;
            (per_minute, RateLimiter::new(f64::from(per_minute) / 60.0, f64::from(per_minute)))
        }),
        durability_warning: handles.durability_warning.clone(),
        subjects: handles.settings.schemas.subjects(),
        export: web.export,
        connection: handles.settings.connection(),
    });
    let groups = Arc::new(GroupsContext {
        settings: handles.settings.clone(),
        catalogue: Arc::clone(&handles.catalogue),
        listing: GroupListing::new(
            &handles.settings,
            Arc::clone(&handles.catalogue),
            handles.settings.consumer_group.clone(),
        )
        .expect("a client config the catalogue's client was already made from"),
        topics: web.topics.clone(),
        read_only: web.read_only,
    });
    // The app has no `<Routes>` (see `App`): the list is `/` alone, and any other path that is
    // not a site file is the app's 404 page, through the fallback.
    let routes = generate_route_list(App);
    let app = Router::new()
        .route("/ws", get(socket_route::upgrade))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(Arc::clone(&produce));
                provide_context(Arc::clone(&topics));
                provide_context(Arc::clone(&groups));
                security_headers::add_content_security_policy();
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(site_file_or_leptos)
        .layer(middleware::from_fn(status::bad_arguments_are_400))
        .layer(middleware::from_fn_with_state(origins, refuse_cross_origin_posts));
    let app = match &web.basic_auth {
        Some(credentials) => {
            app.layer(middleware::from_fn_with_state(Arc::new(credentials.clone()), basic_auth::require))
        }
        None => app,
    };
    let app = app.layer(middleware::from_fn(security_headers::add_static_headers));
    let hosts = Arc::new(AllowedHosts::resolve(web.allowed_hosts.as_deref(), bound));
    app.layer(middleware::from_fn_with_state(hosts, host_check::require)).with_state(state)
}

/// A file of the site: from `site-root` on disk if it is there (Leptos serves those), else from
/// the binary; anything else is the app's 404 page, which Leptos renders.
async fn site_file_or_leptos(uri: Uri, state: State<AppState>, request: Request<Body>) -> Response {
    if !site::on_disk(&state.leptos_options.site_root, uri.path())
        && let Some(file) = site::file(uri.path(), request.headers())
    {
        return file;
    }
    leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, state, request).await
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
