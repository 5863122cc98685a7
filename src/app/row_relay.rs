//! A page-long value that short-lived rows show, passed to each row as a signal of its own.
//!
//! A row that reads a page-long signal itself subscribes to it, and in Leptos 0.8 the
//! subscription outlives the row: a source forgets its subscribers only when it next changes
//! (reactive_graph 0.2.16 keeps a weak reference to each, and the weak reference keeps the
//! dropped render effect's allocation). The feed builds rows as fast as records reach the top
//! of the list and drops them as fast, while the value they read — which records the watched
//! consumer group has consumed — changes seldom, and never while no group is watched. The
//! browser benchmark saw the page's WASM memory go from 2.6 to 7.6 MiB over 60 s at 5,000
//! records/s, and stay at 3.4 MiB once rows stopped reading it.
//!
//! So the only subscriber of the page-long signal is the relay's one effect, which hands each
//! new value to the rows alive; a row's signal, and what subscribed to it, goes with the row.

use std::sync::{Arc, Mutex, PoisonError};

use leptos::prelude::*;

/// Not in the reactive arena: rows are built under owners of their own (see `keyed_rows`),
/// which on the server are arenas of their own.
pub struct RowRelay<T> {
    inner: Arc<Mutex<Rows<T>>>,
}

struct Rows<T> {
    latest: T,
    /// The rows alive, each by the number it was given, with its signal.
    alive: Vec<(u64, ArcRwSignal<T>)>,
    next: u64,
}

impl<T> Clone for RowRelay<T> {
    fn clone(&self) -> Self {
        RowRelay { inner: Arc::clone(&self.inner) }
    }
}

impl<T: Clone + Send + Sync + 'static> RowRelay<T> {
    /// A relay of `source`; its effect lives as long as the current owner (the list's).
    pub fn new(source: RwSignal<T>) -> Self {
        let relay = Self::holding(source.get_untracked());
        let publisher = relay.clone();
        Effect::new(move |_| publisher.publish(source.get()));
        relay
    }

    fn holding(latest: T) -> Self {
        RowRelay { inner: Arc::new(Mutex::new(Rows { latest, alive: Vec::new(), next: 0 })) }
    }

    fn rows(&self) -> std::sync::MutexGuard<'_, Rows<T>> {
        // A panic mid-update leaves a list of rows that is still whole.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// For the row being built (call it under the row's owner): the value now, then each new
    /// one until the row's owner goes.
    pub fn for_row(&self) -> ArcReadSignal<T> {
        let mut rows = self.rows();
        let signal = ArcRwSignal::new(rows.latest.clone());
        let id = rows.next;
        rows.next += 1;
        rows.alive.push((id, signal.clone()));
        drop(rows);
        let relay = self.clone();
        on_cleanup(move || relay.rows().alive.retain(|(row, _)| *row != id));
        signal.read_only()
    }

    fn publish(&self, value: T) {
        let alive: Vec<ArcRwSignal<T>> = {
            let mut rows = self.rows();
            rows.latest = value.clone();
            rows.alive.iter().map(|(_, signal)| signal.clone()).collect()
        };
        // Outside the lock: a row's effects run as it is written.
        for row in alive {
            row.set(value.clone());
        }
    }

    #[cfg(test)]
    fn rows_alive(&self) -> usize {
        self.rows().alive.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_starts_from_the_latest_value_and_gets_each_new_one_while_it_lives() {
        let list = Owner::new();
        list.set();
        let relay = RowRelay::holding(1);
        let row = Owner::new_root(None);
        list.set();
        let seen = row.with(|| relay.for_row());
        assert_eq!(seen.get_untracked(), 1);
        relay.publish(2);
        assert_eq!(seen.get_untracked(), 2);
        let later = Owner::new_root(None);
        list.set();
        assert_eq!(later.with(|| relay.for_row()).get_untracked(), 2, "a row built later starts from 2");
    }

    #[test]
    fn a_row_that_goes_is_forgotten_and_no_longer_written() {
        let list = Owner::new();
        list.set();
        let relay = RowRelay::holding(0);
        let rows: Vec<Owner> = (0..3).map(|_| Owner::new_root(None)).collect();
        // `new_root` made the last row the current owner; the list is, as while rows are built.
        list.set();
        let signals: Vec<_> = rows.iter().map(|row| row.with(|| relay.for_row())).collect();
        assert_eq!(relay.rows_alive(), 3);
        let mut rows = rows.into_iter();
        let first = rows.next().expect("three rows");
        drop(first);
        assert_eq!(relay.rows_alive(), 2);
        relay.publish(7);
        let values: Vec<i32> = signals.iter().map(|s| s.get_untracked()).collect();
        assert_eq!(values, vec![0, 7, 7], "the dropped row's signal kept its last value");
        drop(rows);
        assert_eq!(relay.rows_alive(), 0);
    }
}
