//! Where a setting's value comes from, and how a wrong one is reported: the environment (an
//! injectable function, so the rules are tested with any environment at all), the file's value,
//! a default and a range; an error names the key that holds the value, and the file's line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::client_properties::PropertiesError;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("settings file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("setting `{key}`: {message}")]
    BadValue { key: String, message: String },
    #[error("client properties file {path} (from `{key}`): {source}")]
    ClientProperties { key: String, path: PathBuf, source: PropertiesError },
    #[error("Leptos settings in {path}: {message}")]
    Leptos { path: PathBuf, message: String },
}

/// How the process environment is read: a function, so tests can hand in any environment.
pub trait Environment {
    fn var(&self, key: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl Environment for BTreeMap<&str, &str> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).map(|value| (*value).to_owned())
    }
}

/// " (line 3: `partitions = \"x\"`)": where in the file a parse error is.
pub fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => {
            let start = span.start.min(text.len());
            let line = text[..start].matches('\n').count() + 1;
            // The line itself names the key, which serde's type errors do not.
            let content = text.lines().nth(line - 1).unwrap_or_default().trim();
            format!(" (line {line}: `{content}`)")
        }
        None => String::new(),
    }
}

pub fn text_setting(
    env: &impl Environment,
    env_key: &str,
    file_key: &str,
    file_value: Option<String>,
    default: &str,
) -> Result<String, SettingsError> {
    let (key, value) = match env.var(env_key) {
        Some(value) => (env_key, value),
        None => (file_key, file_value.unwrap_or_else(|| default.to_owned())),
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(SettingsError::BadValue { key: key.into(), message: "must not be empty".into() });
    }
    Ok(value)
}

pub fn int_setting(
    env: &impl Environment,
    env_key: &str,
    file_key: &str,
    file_value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, SettingsError> {
    Ok(optional_int_setting(env, env_key, file_key, file_value, min, max)?.unwrap_or(default))
}

pub fn optional_int_setting(
    env: &impl Environment,
    env_key: &str,
    file_key: &str,
    file_value: Option<i64>,
    min: i64,
    max: i64,
) -> Result<Option<i64>, SettingsError> {
    let (key, value) = match env.var(env_key) {
        Some(raw) => {
            let parsed = raw.trim().parse::<i64>().map_err(|_| SettingsError::BadValue {
                key: env_key.into(),
                message: format!("`{raw}` is not a whole number"),
            })?;
            (env_key, Some(parsed))
        }
        None => (file_key, file_value),
    };
    match value {
        Some(n) if n < min || n > max => Err(SettingsError::BadValue {
            key: key.into(),
            message: format!("{n} is out of range; use {min} to {max}"),
        }),
        other => Ok(other),
    }
}
