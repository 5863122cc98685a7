//! Starting and stopping the process: the command line, start-up wiring every part together, the router, the local broker that runs
//! when nothing is configured, logging, and the shutdown signal.

pub mod cli;
pub mod local_broker;
pub mod logging;
pub mod memory;
pub mod router;
pub mod shutdown;
pub mod startup;
