//! The local broker kafka-live starts when no cluster is configured.
//!
//! It is nisshi, a Kafka-compatible broker, storing its data in a sqlite file under the data
//! directory so a restart keeps the messages. It is a child of the server: it starts before
//! the server connects and stops (SIGTERM, then a bounded wait) when the server stops.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::server::config::settings::{EMBEDDED_BOOTSTRAP, EmbeddedBroker};

const READY_WITHIN: Duration = Duration::from_secs(30);
const STOP_WITHIN: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot create the broker's data directory {dir}: {source}")]
    DataDir { dir: PathBuf, source: std::io::Error },
    #[error(
        "cannot start the embedded broker `{command}`: {source} (scripts/run installs it; or set \
         KAFKA_BOOTSTRAP_SERVERS to use another Kafka)"
    )]
    Spawn { command: String, source: std::io::Error },
    #[error("the embedded broker exited at start-up ({status}); is {EMBEDDED_BOOTSTRAP} already in use?")]
    Exited { status: std::process::ExitStatus },
    #[error("the embedded broker did not accept connections on {EMBEDDED_BOOTSTRAP} within {0:?}")]
    NotReady(Duration),
    #[error(
        "something already listens on {EMBEDDED_BOOTSTRAP}; stop it, or set KAFKA_BOOTSTRAP_SERVERS={EMBEDDED_BOOTSTRAP} to use it"
    )]
    PortTaken,
}

pub struct RunningBroker {
    child: Child,
}

pub async fn start(config: &EmbeddedBroker) -> Result<RunningBroker, BrokerError> {
    if TcpStream::connect(EMBEDDED_BOOTSTRAP).await.is_ok() {
        return Err(BrokerError::PortTaken);
    }
    std::fs::create_dir_all(config.data_dir.join("data"))
        .map_err(|source| BrokerError::DataDir { dir: config.data_dir.clone(), source })?;
    let url = format!("tcp://{EMBEDDED_BOOTSTRAP}");
    let mut command = Command::new(&config.command);
    // SAFETY: prctl(2) is async-signal-safe. If the server dies without stopping the broker
    // (SIGKILL, a crash), the kernel sends the broker SIGTERM instead of leaving it running.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = command
        .arg("broker")
        .args(["--listener-url", &url, "--advertised-listener-url", &url])
        // nisshi takes a sqlite path relative to its working directory.
        .args(["--storage-engine", "sqlite://data/broker.db"])
        .args(["--cluster-id", "kafka-live"])
        .current_dir(&config.data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| BrokerError::Spawn { command: config.command.clone(), source })?;
    forward_output(&mut child);

    let deadline = Instant::now() + READY_WITHIN;
    loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            return Err(BrokerError::Exited { status });
        }
        if TcpStream::connect(EMBEDDED_BOOTSTRAP).await.is_ok() {
            tracing::info!(address = EMBEDDED_BOOTSTRAP, data_dir = %config.data_dir.display(), "embedded broker is up");
            return Ok(RunningBroker { child });
        }
        if Instant::now() > deadline {
            return Err(BrokerError::NotReady(READY_WITHIN));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The broker's own log lines go to ours, marked as its.
fn forward_output(child: &mut Child) {
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(forward_lines(stdout));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(forward_lines(stderr));
    }
}

async fn forward_lines(stream: impl AsyncRead + Unpin) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::debug!(target: "nisshi", "{line}");
    }
}

impl RunningBroker {
    /// SIGTERM, so the broker closes its sqlite file cleanly; SIGKILL if it does not stop.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
        }
        match tokio::time::timeout(STOP_WITHIN, self.child.wait()).await {
            Ok(Ok(status)) => tracing::info!(%status, "embedded broker stopped"),
            _ => {
                tracing::warn!("embedded broker did not stop within {STOP_WITHIN:?}; killing it");
                let _ = self.child.kill().await;
            }
        }
    }
}
