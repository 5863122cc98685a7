//! Who may use the page and how much: the `[access]` and `[limits]` tables of `Leptos.toml`,
//! each key overridable from the environment. Off and generous for the local default.

use serde::Deserialize;

use super::settings::{Environment, SettingsError, int_setting};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AccessTable {
    basic_auth: Option<String>,
    read_only: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsTable {
    max_sockets: Option<i64>,
    produce_per_second: Option<i64>,
    produce_burst: Option<i64>,
    page_readers: Option<i64>,
    display_bytes: Option<i64>,
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
    /// WebSockets open at once; one more is answered 503.
    pub max_sockets: usize,
    /// `None`: no limit.
    pub produce_rate: Option<ProduceRate>,
    /// Pages reading from a start position of their own (each is one Kafka consumer) at once.
    pub page_readers: usize,
    /// Values longer than this show truncated in the page, with "Show all".
    pub display_limit_bytes: usize,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            basic_auth: None,
            read_only: false,
            max_sockets: 10_000,
            produce_rate: Some(ProduceRate { per_second: 50, burst: 100 }),
            page_readers: 100,
            display_limit_bytes: 16 * 1024,
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
    let read_only = match env.var("KAFKA_LIVE_READ_ONLY") {
        Some(value) => parse_bool("KAFKA_LIVE_READ_ONLY", &value)?,
        None => access.read_only.unwrap_or(defaults.read_only),
    };
    let max_sockets = int_setting(
        env,
        "KAFKA_LIVE_MAX_SOCKETS",
        "limits.max-sockets",
        limits.max_sockets,
        defaults.max_sockets as i64,
        1,
        1_000_000,
    )? as usize;
    let default_rate = defaults.produce_rate.expect("the default has a rate");
    let per_second = int_setting(
        env,
        "KAFKA_LIVE_PRODUCE_PER_SECOND",
        "limits.produce-per-second",
        limits.produce_per_second,
        i64::from(default_rate.per_second),
        0,
        1_000_000,
    )? as u32;
    let burst = int_setting(
        env,
        "KAFKA_LIVE_PRODUCE_BURST",
        "limits.produce-burst",
        limits.produce_burst,
        i64::from(default_rate.burst.max(per_second)),
        1,
        1_000_000,
    )? as u32;
    // 0 per second turns the limit off, rather than refusing everything.
    let produce_rate = (per_second > 0).then_some(ProduceRate { per_second, burst });
    let page_readers = int_setting(
        env,
        "KAFKA_LIVE_PAGE_READERS",
        "limits.page-readers",
        limits.page_readers,
        defaults.page_readers as i64,
        0,
        100_000,
    )? as usize;
    let display_limit_bytes = int_setting(
        env,
        "KAFKA_LIVE_DISPLAY_BYTES",
        "limits.display-bytes",
        limits.display_bytes,
        defaults.display_limit_bytes as i64,
        64,
        100 * 1024 * 1024,
    )? as usize;
    Ok(WebSettings { basic_auth, read_only, max_sockets, produce_rate, page_readers, display_limit_bytes })
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
