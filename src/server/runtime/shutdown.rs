//! Ctrl-C and SIGTERM both mean: stop taking requests, say goodbye to sockets, flush, exit.
//!
//! The handlers are installed when the process starts, not when the server first waits on
//! them: until a handler exists, SIGTERM kills the process outright, and a supervisor (or a
//! test) may send it the moment the port opens.

use tokio::signal::unix::{Signal, SignalKind, signal};

pub struct Shutdown {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

/// From here on, Ctrl-C and SIGTERM are held for [`Shutdown::requested`].
pub fn listen() -> Shutdown {
    let install = |kind| match signal(kind) {
        Ok(stream) => Some(stream),
        Err(error) => {
            tracing::warn!(%error, "cannot listen for a stop signal");
            None
        }
    };
    Shutdown { interrupt: install(SignalKind::interrupt()), terminate: install(SignalKind::terminate()) }
}

impl Shutdown {
    /// Ends when a stop signal arrived, also if it arrived before this was called.
    pub async fn requested(mut self) {
        async fn next(stream: &mut Option<Signal>) {
            match stream {
                Some(stream) => {
                    stream.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            () = next(&mut self.interrupt) => {},
            () = next(&mut self.terminate) => {},
        }
    }
}
