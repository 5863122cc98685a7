//! Starting and stopping the process: start-up wires every part together, the router, the local broker runs
//! when nothing is configured, logging, and the shutdown signal.

pub mod local_broker;
pub mod logging;
pub mod memory;
pub mod router;
pub mod shutdown;
pub mod startup;
