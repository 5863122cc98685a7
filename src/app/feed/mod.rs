//! The live feed in the browser: plain-Rust models of what the page knows (`arrivals`,
//! `draw_queue`, `round_trips`, `throughput`, the watched consumer group's `group_progress`,
//! each record an `item`), owned by one `model`,
//! under the thin reactive `state` the view reads; and which rows of it are drawn (`window`).

pub mod arrivals;
pub mod draw_queue;
pub mod group_progress;
pub mod item;
pub mod model;
pub mod round_trips;
pub mod state;
pub mod throughput;
pub mod window;

pub use item::Item;
pub use state::{ConnectionStatus, FeedState, MAX_ITEMS_LIMIT};
