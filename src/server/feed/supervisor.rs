//! Keeps the shared feed running: every page depends on it, so whatever ends it (a panic on a
//! record nobody foresaw, a bug, a task that simply returns) is followed by a new feed that
//! goes on where the hub left off, and the pages see the restart in their status.
//!
//! A record that fails twice is not tried a third time: the next feed passes over it and
//! publishes it as unreadable, with its place and the reason, and the pages count it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::server::feed::consumer::{self, FeedContext};
use crate::wire::frame::FeedState;
use crate::wire::receipt::Placed;

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// A feed that ran this long was healthy: the next failure starts the backoff over.
const HEALTHY_AFTER: Duration = Duration::from_secs(30);
/// Attempts at one record before it is passed over.
const ATTEMPTS: u32 = 2;

/// Aborts the task it holds when dropped, so stopping the supervisor stops its feed.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub fn spawn(ctx: FeedContext) -> JoinHandle<()> {
    tokio::spawn(supervise(ctx))
}

async fn supervise(ctx: FeedContext) {
    let mut failures: HashMap<Placed, (u32, String)> = HashMap::new();
    let mut backoff = FIRST_BACKOFF;
    loop {
        let pass_over = failures
            .iter()
            .filter(|(_, (count, _))| *count >= ATTEMPTS)
            .map(|(placed, (count, reason))| (*placed, format!("failed {count} times: {reason}")))
            .collect();
        *ctx.current.lock() = None;
        let started = Instant::now();
        let mut task = AbortOnDrop(tokio::spawn(consumer::run(ctx.clone(), pass_over)));
        let outcome = (&mut task.0).await;
        let reason = match outcome {
            Ok(()) => "the feed task ended".to_owned(),
            Err(error) if error.is_panic() => panic_text(error.into_panic()),
            Err(error) => format!("the feed task was stopped ({error})"),
        };
        // Positions the feed has since read past are settled.
        let next = ctx.hub.next_offsets();
        failures.retain(|placed, _| next.get(&placed.partition).is_none_or(|n| placed.offset >= *n));
        let at = ctx.current.lock().take();
        if let Some(at) = at {
            let entry = failures.entry(at).or_insert((0, String::new()));
            entry.0 += 1;
            entry.1 = reason.clone();
        }
        tracing::error!(%reason, at = ?at, "the live feed stopped; starting it again where it left off");
        ctx.hub.set_feed_state(FeedState::Restarting { reason });
        if started.elapsed() >= HEALTHY_AFTER {
            backoff = FIRST_BACKOFF;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("panicked: {text}")
}

/// The feed's shared state for a new supervisor.
pub fn context(
    settings: &crate::server::config::settings::KafkaSettings,
    hub: &Arc<crate::server::feed::hub::Hub>,
    catalogue: &Arc<crate::server::kafka::catalogue::TopicCatalogue>,
    hook: Option<consumer::RecordHook>,
) -> FeedContext {
    FeedContext {
        settings: settings.clone(),
        hub: Arc::clone(hub),
        catalogue: Arc::clone(catalogue),
        hook,
        current: Arc::default(),
    }
}
