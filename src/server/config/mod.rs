//! One set of typed settings, read from `Leptos.toml` and the environment before anything
//! starts: every key in one table (`keys`), where a value comes from and how a wrong one is
//! named (`source`), the Kafka settings, the web settings, and `client.properties`.

pub mod client_properties;
pub mod keys;
pub mod operations;
pub mod origin;
pub mod settings;
pub mod source;
pub mod web;

use std::path::Path;

use leptos::config::LeptosOptions;

use self::operations::OperationsSettings;
use self::settings::{KafkaSettings, base_dir, kafka_from_toml, leptos_from_toml, settings_text};
use self::source::{Environment, SettingsError};
use self::web::WebSettings;

/// Everything the server reads before it starts, from one read of the file.
#[derive(Debug)]
pub struct Settings {
    pub kafka: KafkaSettings,
    pub web: WebSettings,
    pub operations: OperationsSettings,
    pub leptos: LeptosOptions,
}

impl Settings {
    /// `KAFKA_LIVE_CONFIG` (or `Leptos.toml` here, or the shipped defaults if there is none),
    /// read once, with the environment over it.
    pub fn load(env: &impl Environment) -> Result<Self, SettingsError> {
        let (path, text) = settings_text(env)?;
        Self::from_text(&text, &path, env)
    }

    /// The rules on a file's text; `path` names it in errors and anchors its relative paths.
    pub fn from_text(text: &str, path: &Path, env: &impl Environment) -> Result<Self, SettingsError> {
        Ok(Self {
            kafka: kafka_from_toml(text, path, base_dir(path), env)?,
            web: settings::web_from_toml(text, path, env)?,
            operations: settings::operations_from_toml(text, path, env)?,
            leptos: leptos_from_toml(text, path)?,
        })
    }
}
