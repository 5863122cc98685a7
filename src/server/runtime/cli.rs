//! The command line: `kafka-live` runs the server; `--help` lists every setting with its
//! environment variable and default; `--version` says which build this is. Settings are not
//! flags: they come from `Leptos.toml` and the environment, as a service manager passes them.

use crate::server::config::keys::{NUMBERS, OTHERS};

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Help,
    Version,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown argument `{0}`; `kafka-live --help` lists what it takes")]
pub struct UnknownArgument(pub String);

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, UnknownArgument> {
    let mut args = args.into_iter();
    let command = match args.next().as_deref() {
        None => Command::Serve,
        Some("-h" | "--help" | "help") => Command::Help,
        Some("-V" | "--version") => Command::Version,
        Some(other) => return Err(UnknownArgument(other.to_owned())),
    };
    match args.next() {
        None => Ok(command),
        Some(extra) => Err(UnknownArgument(extra)),
    }
}

pub fn version() -> String {
    format!("kafka-live {}\n", env!("CARGO_PKG_VERSION"))
}

pub fn help() -> String {
    let mut text = format!(
        "kafka-live {version}
{about}

Usage: kafka-live [--help | --version]

Settings come from a TOML file, `Leptos.toml` in the working directory or the file named by
KAFKA_LIVE_CONFIG (without either, the defaults below), and each is overridden by its
environment variable. LEPTOS_SITE_ADDR is the address the page is served on
(default 127.0.0.1:3000); RUST_LOG filters the logs (default warn,kafka_live=info).

",
        version = env!("CARGO_PKG_VERSION"),
        about = env!("CARGO_PKG_DESCRIPTION"),
    );
    let rows: Vec<(&str, &str, String)> = OTHERS
        .iter()
        .map(|key| (key.file, key.env, key.default.to_owned()))
        .chain(NUMBERS.iter().map(|key| {
            // The replication factor's table default only stands for "unset".
            let default = if key.default < key.min {
                "unset: the broker's default".to_owned()
            } else {
                key.default.to_string()
            };
            (key.file, key.env, default)
        }))
        .collect();
    let file_width = rows.iter().map(|(file, ..)| file.len()).max().unwrap_or(0);
    let env_width = rows.iter().map(|(_, env, _)| env.len()).max().unwrap_or(0);
    text.push_str(&format!("{:file_width$}  {:env_width$}  default\n", "setting", "environment variable"));
    for (file, env, default) in rows {
        text.push_str(&format!("{file:file_width$}  {env:env_width$}  {default}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn no_argument_serves() {
        assert_eq!(parse(args(&[])), Ok(Command::Serve));
    }

    #[test]
    fn help_and_version_have_their_short_forms() {
        assert_eq!(parse(args(&["--help"])), Ok(Command::Help));
        assert_eq!(parse(args(&["-h"])), Ok(Command::Help));
        assert_eq!(parse(args(&["--version"])), Ok(Command::Version));
        assert_eq!(parse(args(&["-V"])), Ok(Command::Version));
    }

    #[test]
    fn anything_else_is_named_in_the_error() {
        assert_eq!(parse(args(&["--port=80"])), Err(UnknownArgument("--port=80".into())));
        assert_eq!(parse(args(&["--help", "extra"])), Err(UnknownArgument("extra".into())));
    }

    #[test]
    fn help_lists_every_setting_with_its_variable_and_default() {
        let help = help();
        for key in NUMBERS {
            let line = help.lines().find(|line| line.starts_with(key.file)).expect(key.file);
            assert!(line.contains(key.env), "{line}");
        }
        let line = help.lines().find(|line| line.starts_with("kafka.partitions ")).unwrap();
        assert!(line.ends_with("  3"), "{line}");
        let line = help.lines().find(|line| line.starts_with("kafka.topic ")).unwrap();
        assert!(line.contains("KAFKA_TOPIC") && line.ends_with("  order"), "{line}");
        for key in OTHERS {
            assert!(
                help.lines().any(|line| line.starts_with(key.file) && line.contains(key.env)),
                "{}",
                key.file
            );
        }
    }
}
