//! How kafka-live is run as a service: where `/metrics` and the probes listen, and the log
//! format. The `[operations]` table of `Leptos.toml`, each key overridable from the environment.

use std::net::SocketAddr;

use serde::Deserialize;

use super::source::{Environment, SettingsError};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationsTable {
    metrics_addr: Option<String>,
    log_format: Option<String>,
}

/// Lines a person reads, or one JSON object a line for a log collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperationsSettings {
    /// `Some`: `/metrics`, `/healthz` and `/readyz` are served there and not on the page's
    /// address (a port only the monitoring network reaches). `None`: beside the page.
    pub metrics_addr: Option<SocketAddr>,
    pub log_format: LogFormat,
}

pub const METRICS_ADDR: (&str, &str) = ("operations.metrics-addr", "KAFKA_LIVE_METRICS_ADDR");
pub const LOG_FORMAT: (&str, &str) = ("operations.log-format", "KAFKA_LIVE_LOG_FORMAT");

pub fn resolve(table: OperationsTable, env: &impl Environment) -> Result<OperationsSettings, SettingsError> {
    let text = |(file_key, env_key): (&str, &str), file: Option<String>| match env
        .var(env_key)
        .filter(|value| !value.trim().is_empty())
    {
        Some(value) => Some((env_key.to_owned(), value)),
        None => file.map(|value| (file_key.to_owned(), value)),
    };
    let metrics_addr = text(METRICS_ADDR, table.metrics_addr)
        .map(|(key, value)| {
            value.trim().parse::<SocketAddr>().map_err(|_| SettingsError::BadValue {
                key,
                message: format!("`{value}` is not an address and port, like 127.0.0.1:9464"),
            })
        })
        .transpose()?;
    let log_format = match text(LOG_FORMAT, table.log_format) {
        None => LogFormat::Text,
        Some((key, value)) => match value.trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(SettingsError::BadValue {
                    key,
                    message: format!("`{other}` is not a log format; use `text` or `json`"),
                });
            }
        },
    };
    Ok(OperationsSettings { metrics_addr, log_format })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn table(metrics_addr: Option<&str>, log_format: Option<&str>) -> OperationsTable {
        OperationsTable {
            metrics_addr: metrics_addr.map(str::to_owned),
            log_format: log_format.map(str::to_owned),
        }
    }

    #[test]
    fn by_default_metrics_sit_beside_the_page_and_logs_are_text() {
        let settings = resolve(table(None, None), &BTreeMap::new()).unwrap();
        assert_eq!(settings, OperationsSettings { metrics_addr: None, log_format: LogFormat::Text });
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let env =
            BTreeMap::from([("KAFKA_LIVE_METRICS_ADDR", "0.0.0.0:9464"), ("KAFKA_LIVE_LOG_FORMAT", "json")]);
        let settings = resolve(table(Some("127.0.0.1:1"), Some("text")), &env).unwrap();
        assert_eq!(settings.metrics_addr, Some("0.0.0.0:9464".parse().unwrap()));
        assert_eq!(settings.log_format, LogFormat::Json);
    }

    #[test]
    fn a_wrong_value_names_the_key_that_holds_it() {
        let error = resolve(table(Some("9464"), None), &BTreeMap::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "setting `operations.metrics-addr`: `9464` is not an address and port, like 127.0.0.1:9464"
        );
        let env = BTreeMap::from([("KAFKA_LIVE_LOG_FORMAT", "xml")]);
        let error = resolve(table(None, None), &env).unwrap_err();
        assert_eq!(
            error.to_string(),
            "setting `KAFKA_LIVE_LOG_FORMAT`: `xml` is not a log format; use `text` or `json`"
        );
    }
}
