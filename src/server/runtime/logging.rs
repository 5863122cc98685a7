//! Logs with `tracing`, filtered by `RUST_LOG` (default: info for kafka-live, warnings else):
//! lines for a person, or one JSON object a line (`operations.log-format = "json"`) for a log
//! collector, with the fields of the spans an event happened in (a produce's topic, partition,
//! offset and outcome). Settings' `Debug` redacts secrets, so no line carries one.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::server::config::operations::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,kafka_live=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests start many servers in one process) is harmless.
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(false).with_span_list(true).try_init(),
    };
}
