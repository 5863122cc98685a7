//! How many WebSockets are open, so a stopping server can wait for each to say goodbye.
//!
//! An upgraded connection leaves hyper's graceful shutdown (it is no longer HTTP), so without
//! this the process could exit while socket tasks are still sending their close frames.

use std::time::Duration;

use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct OpenSockets {
    count: watch::Sender<usize>,
}

/// Held by one socket from its upgrade response until its task ends.
#[derive(Debug)]
pub struct OpenSocket {
    count: watch::Sender<usize>,
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.count.send_modify(|count| *count -= 1);
    }
}

impl OpenSockets {
    pub fn new() -> Self {
        Self { count: watch::Sender::new(0) }
    }

    /// Counts a socket before its `101 Switching Protocols` goes out, so none can be missed.
    pub fn open(&self) -> OpenSocket {
        self.count.send_modify(|count| *count += 1);
        OpenSocket { count: self.count.clone() }
    }

    pub fn count(&self) -> usize {
        *self.count.borrow()
    }

    /// Until every socket has closed, or `limit`; returns how many were still open.
    pub async fn closed(&self, limit: Duration) -> usize {
        let mut count = self.count.subscribe();
        let _ = tokio::time::timeout(limit, count.wait_for(|open| *open == 0)).await;
        self.count()
    }
}

impl Default for OpenSockets {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_the_last_socket_to_close() {
        let sockets = OpenSockets::new();
        let first = sockets.open();
        let second = sockets.open();
        assert_eq!(sockets.count(), 2);
        drop(first);
        assert_eq!(sockets.closed(Duration::from_millis(10)).await, 1, "gives up after the limit");
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(second);
        });
        assert_eq!(sockets.closed(Duration::from_secs(5)).await, 0);
    }
}
