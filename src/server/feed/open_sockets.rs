//! How many WebSockets are open, in all and per client address: the caps, and a stopping
//! server's wait for each socket to say goodbye.
//!
//! An upgraded connection leaves hyper's graceful shutdown (it is no longer HTTP), so without
//! this the process could exit while socket tasks are still sending their close frames.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::server::metrics::{Held, metrics};

#[derive(Debug, Clone)]
pub struct OpenSockets {
    count: watch::Sender<usize>,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max: usize,
    max_per_address: usize,
}

/// Held by one socket from its upgrade response until its task ends.
#[derive(Debug)]
pub struct OpenSocket {
    sockets: OpenSockets,
    address: IpAddr,
    _counted: Held,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketLimitError {
    Full { max: usize },
    PerAddress { max: usize },
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        let mut per_address = self.sockets.per_address.lock();
        if let Some(count) = per_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                per_address.remove(&self.address);
            }
        }
        self.sockets.count.send_modify(|count| *count -= 1);
    }
}

impl OpenSockets {
    pub fn new(max: usize, max_per_address: usize) -> Self {
        Self { count: watch::Sender::new(0), per_address: Arc::default(), max, max_per_address }
    }

    /// Counts a socket before its `101 Switching Protocols` goes out, so none can be missed;
    /// refuses one past either cap.
    pub fn open(&self, address: IpAddr) -> Result<OpenSocket, SocketLimitError> {
        let mut per_address = self.per_address.lock();
        if self.count() >= self.max {
            return Err(SocketLimitError::Full { max: self.max });
        }
        let mine = per_address.entry(address).or_insert(0);
        if *mine >= self.max_per_address {
            return Err(SocketLimitError::PerAddress { max: self.max_per_address });
        }
        *mine += 1;
        self.count.send_modify(|count| *count += 1);
        Ok(OpenSocket { sockets: self.clone(), address, _counted: Held::on(&metrics().sockets_open) })
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

#[cfg(test)]
mod tests {
    use super::*;

    const ME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const YOU: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[tokio::test]
    async fn waits_for_the_last_socket_to_close() {
        let sockets = OpenSockets::new(10, 10);
        let first = sockets.open(ME).unwrap();
        let second = sockets.open(ME).unwrap();
        assert_eq!(sockets.count(), 2);
        drop(first);
        assert_eq!(sockets.closed(Duration::from_millis(10)).await, 1, "gives up after the limit");
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(second);
        });
        assert_eq!(sockets.closed(Duration::from_secs(5)).await, 0);
    }

    #[test]
    fn each_address_has_its_own_cap_under_the_servers() {
        let sockets = OpenSockets::new(3, 2);
        let mine = [sockets.open(ME).unwrap(), sockets.open(ME).unwrap()];
        assert_eq!(sockets.open(ME).unwrap_err(), SocketLimitError::PerAddress { max: 2 });
        let yours = sockets.open(YOU).unwrap();
        assert_eq!(sockets.open(YOU).unwrap_err(), SocketLimitError::Full { max: 3 });
        drop(mine);
        assert!(sockets.open(ME).is_ok(), "closing frees the address's places");
        drop(yours);
        assert!(sockets.per_address.lock().get(&YOU).is_none(), "nothing kept for an address with none open");
    }
}
