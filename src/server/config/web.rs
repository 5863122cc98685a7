//! Who may use the page and how much: the `[access]` and `[limits]` tables of `Leptos.toml`,
//! each key overridable from the environment. Off and generous for the local default.

use std::time::Duration;

use serde::Deserialize;

use super::keys::{self, IntKey};
use super::origin::Origin;
use super::source::{Environment, SettingsError};
use crate::wire::topic_access::{TopicAccess, TopicPattern};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AccessTable {
    basic_auth: Option<String>,
    read_only: Option<bool>,
    allowed_hosts: Option<Vec<String>>,
    allowed_origins: Option<Vec<String>>,
    topics_allow: Option<Vec<String>>,
    topics_deny: Option<Vec<String>>,
    internal_topics: Option<bool>,
    create_topics: Option<bool>,
    export: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsTable {
    max_sockets: Option<i64>,
    sockets_per_address: Option<i64>,
    produce_per_second: Option<i64>,
    produce_burst: Option<i64>,
    produce_bytes_per_second: Option<i64>,
    submit_bytes: Option<i64>,
    topic_creates_per_minute: Option<i64>,
    page_readers: Option<i64>,
    catch_ups: Option<i64>,
    display_bytes: Option<i64>,
    ping_interval_seconds: Option<i64>,
    header_read_timeout_seconds: Option<i64>,
    shutdown_deadline_seconds: Option<i64>,
}

/// One user name and password for the whole app; `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth").field("user", &self.user).field("password", &"<redacted>").finish()
    }
}

/// A steady rate with room for a burst, per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProduceRate {
    pub per_second: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// `Some`: the page, the feed and producing all need these credentials.
    pub basic_auth: Option<BasicAuth>,
    /// The feed stays open; producing is refused.
    pub read_only: bool,
    /// `Host` names served; `None`: the bound address's own (see `host_check`).
    pub allowed_hosts: Option<Vec<String>>,
    /// Origins besides the app's own that may produce and open sockets (a reverse proxy's).
    pub allowed_origins: Vec<Origin>,
    /// Which topics the page may read and write.
    pub topics: TopicAccess,
    /// Whether the page may create a topic.
    pub create_topics: bool,
    /// Whether the page offers to download the feed (JSON Lines, CSV).
    pub export: bool,
    /// Topics one client address may create a minute; 0: no limit.
    pub topic_creates_per_minute: u32,
    /// WebSockets open at once; one more is answered 503.
    pub max_sockets: usize,
    /// WebSockets open at once from one client address; one more is answered 429.
    pub sockets_per_address: usize,
    /// `None`: no limit.
    pub produce_rate: Option<ProduceRate>,
    /// Bytes one client address may produce a second; 0: no limit.
    pub produce_bytes_per_second: u64,
    /// Bytes one Submit may produce, repeats included.
    pub submit_max_bytes: u64,
    /// Pages reading from a start position of their own (each is one Kafka consumer) at once.
    pub page_readers: usize,
    /// Reconnecting pages read from Kafka at once; another is asked to come back.
    pub catch_ups: usize,
    /// Values longer than this show truncated in the page, with "Show all".
    pub display_limit_bytes: usize,
    /// A socket that answers none of two pings in a row is closed.
    pub ping_interval: Duration,
    /// A client that has not sent a request's headers within this is disconnected (slowloris).
    pub header_read_timeout: Duration,
    /// After SIGTERM, the most the server waits for requests and sockets before it exits.
    pub shutdown_deadline: Duration,
}

/// The defaults of `keys`, with nothing from a file or the environment.
impl Default for WebSettings {
    fn default() -> Self {
        let seconds = |key: IntKey| Duration::from_secs(key.default as u64);
        Self {
            basic_auth: None,
            read_only: false,
            allowed_hosts: None,
            allowed_origins: Vec::new(),
            topics: TopicAccess::default(),
            create_topics: true,
            export: true,
            topic_creates_per_minute: keys::TOPIC_CREATES_PER_MINUTE.default as u32,
            max_sockets: keys::MAX_SOCKETS.default as usize,
            sockets_per_address: keys::SOCKETS_PER_ADDRESS.default as usize,
            produce_rate: Some(ProduceRate {
                per_second: keys::PRODUCE_PER_SECOND.default as u32,
                burst: keys::PRODUCE_BURST.default as u32,
            }),
            produce_bytes_per_second: keys::PRODUCE_BYTES_PER_SECOND.default as u64,
            submit_max_bytes: keys::SUBMIT_BYTES.default as u64,
            page_readers: keys::PAGE_READERS.default as usize,
            catch_ups: keys::CATCH_UPS.default as usize,
            display_limit_bytes: keys::DISPLAY_BYTES.default as usize,
            ping_interval: seconds(keys::PING_INTERVAL_SECONDS),
            header_read_timeout: seconds(keys::HEADER_READ_TIMEOUT_SECONDS),
            shutdown_deadline: seconds(keys::SHUTDOWN_DEADLINE_SECONDS),
        }
    }
}

pub fn resolve(
    access: AccessTable,
    limits: LimitsTable,
    env: &impl Environment,
) -> Result<WebSettings, SettingsError> {
    let defaults = WebSettings::default();
    let basic_auth = match env.var("KAFKA_LIVE_BASIC_AUTH") {
        Some(value) if value.is_empty() => None,
        Some(value) => Some(parse_basic_auth("KAFKA_LIVE_BASIC_AUTH", &value)?),
        None => access.basic_auth.map(|value| parse_basic_auth("access.basic-auth", &value)).transpose()?,
    };
    let flag = |env_key: &str, file: Option<bool>, default: bool| match env.var(env_key) {
        Some(value) => parse_bool(env_key, &value),
        None => Ok(file.unwrap_or(default)),
    };
    let read_only = flag("KAFKA_LIVE_READ_ONLY", access.read_only, defaults.read_only)?;
    let create_topics = flag("KAFKA_LIVE_CREATE_TOPICS", access.create_topics, defaults.create_topics)?;
    let export = flag("KAFKA_LIVE_EXPORT", access.export, defaults.export)?;
    let internal = flag("KAFKA_LIVE_INTERNAL_TOPICS", access.internal_topics, defaults.topics.internal)?;
    let allowed_hosts = list_setting(env, "KAFKA_LIVE_ALLOWED_HOSTS", access.allowed_hosts);
    let allowed_origins = list_setting(env, "KAFKA_LIVE_ALLOWED_ORIGINS", access.allowed_origins)
        .unwrap_or_default()
        .iter()
        .map(|origin| {
            Origin::parse(origin)
                .map_err(|message| SettingsError::BadValue { key: "access.allowed-origins".into(), message })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let patterns =
        |list: Option<Vec<String>>| list.map(|list| list.iter().map(|p| TopicPattern::new(p)).collect());
    let topics = TopicAccess {
        allow: patterns(list_setting(env, "KAFKA_LIVE_TOPICS_ALLOW", access.topics_allow))
            .unwrap_or(defaults.topics.allow),
        deny: patterns(list_setting(env, "KAFKA_LIVE_TOPICS_DENY", access.topics_deny)).unwrap_or_default(),
        internal,
    };
    let max_sockets = keys::MAX_SOCKETS.read(env, limits.max_sockets)? as usize;
    let sockets_per_address = keys::SOCKETS_PER_ADDRESS.read(env, limits.sockets_per_address)? as usize;
    let per_second = keys::PRODUCE_PER_SECOND.read(env, limits.produce_per_second)? as u32;
    let burst_key =
        IntKey { default: keys::PRODUCE_BURST.default.max(i64::from(per_second)), ..keys::PRODUCE_BURST };
    let burst = burst_key.read(env, limits.produce_burst)? as u32;
    // 0 per second turns the limit off, rather than refusing everything.
    let produce_rate = (per_second > 0).then_some(ProduceRate { per_second, burst });
    let produce_bytes_per_second =
        keys::PRODUCE_BYTES_PER_SECOND.read(env, limits.produce_bytes_per_second)? as u64;
    let submit_max_bytes = keys::SUBMIT_BYTES.read(env, limits.submit_bytes)? as u64;
    let topic_creates_per_minute =
        keys::TOPIC_CREATES_PER_MINUTE.read(env, limits.topic_creates_per_minute)? as u32;
    let page_readers = keys::PAGE_READERS.read(env, limits.page_readers)? as usize;
    let catch_ups = keys::CATCH_UPS.read(env, limits.catch_ups)? as usize;
    let display_limit_bytes = keys::DISPLAY_BYTES.read(env, limits.display_bytes)? as usize;
    let seconds = |key: IntKey, file: Option<i64>| key.read(env, file).map(|n| Duration::from_secs(n as u64));
    let ping_interval = seconds(keys::PING_INTERVAL_SECONDS, limits.ping_interval_seconds)?;
    let header_read_timeout = seconds(keys::HEADER_READ_TIMEOUT_SECONDS, limits.header_read_timeout_seconds)?;
    let shutdown_deadline = seconds(keys::SHUTDOWN_DEADLINE_SECONDS, limits.shutdown_deadline_seconds)?;
    Ok(WebSettings {
        basic_auth,
        read_only,
        allowed_hosts,
        allowed_origins,
        topics,
        create_topics,
        export,
        topic_creates_per_minute,
        max_sockets,
        sockets_per_address,
        produce_rate,
        produce_bytes_per_second,
        submit_max_bytes,
        page_readers,
        catch_ups,
        display_limit_bytes,
        ping_interval,
        header_read_timeout,
        shutdown_deadline,
    })
}

/// A list from the environment (comma-separated) or the file (an array); `None` when neither
/// sets it.
fn list_setting(env: &impl Environment, env_key: &str, file: Option<Vec<String>>) -> Option<Vec<String>> {
    let list = match env.var(env_key) {
        Some(value) => value.split(',').map(|item| item.trim().to_owned()).collect(),
        None => file?,
    };
    Some(list.into_iter().filter(|item| !item.trim().is_empty()).collect())
}

fn parse_basic_auth(key: &str, value: &str) -> Result<BasicAuth, SettingsError> {
    match value.split_once(':') {
        Some((user, password)) if !user.is_empty() && !password.is_empty() => {
            Ok(BasicAuth { user: user.to_owned(), password: password.to_owned() })
        }
        // The value holds a password: the message must not repeat it.
        _ => Err(SettingsError::BadValue {
            key: key.into(),
            message: "must be `user:password`, both non-empty".into(),
        }),
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, SettingsError> {
    match value.trim() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" | "" => Ok(false),
        other => Err(SettingsError::BadValue {
            key: key.into(),
            message: format!("`{other}` is not true or false"),
        }),
    }
}
