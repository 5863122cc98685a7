//! A keyed list like Leptos' `For`, for a list that never ends.
//!
//! `For` gives each row an owner that is a child of the list's owner, and Leptos 0.8's reactive
//! graph (`Owner::child`, reactive_graph 0.2.16) keeps a weak reference to every child an owner
//! ever had until that owner itself goes. The live feed creates rows for as long as the page is
//! open — thousands a second at full rate — so those references grew the page's memory without
//! bound (about 60 bytes a record: the browser benchmark saw WASM memory go from 3.4 to 12.3 MiB
//! over 150,000 records). Here each row gets an owner with no parent to remember it, dropped
//! with its row. The price: a row cannot see context provided above the list, so rows take
//! what they need as arguments.

use std::hash::Hash;

use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;
use leptos::tachys::view::keyed::{SerializableKey, keyed};

pub fn keyed_rows<I, T, K, V>(
    each: impl Fn() -> I + Send + 'static,
    key: impl Fn(&T) -> K + Clone + Send + 'static,
    row: impl Fn(T) -> V + Clone + Send + 'static,
) -> impl IntoView
where
    I: IntoIterator<Item = T> + Send + 'static,
    T: Send + 'static,
    K: Eq + Hash + SerializableKey + 'static,
    V: IntoView + 'static,
{
    let rows = move |_, item: T| {
        let list = Owner::current();
        let owner = Owner::new_root(Owner::current_shared_context());
        // `new_root` makes itself the current owner; the list's owner stays current around rows.
        match &list {
            Some(list) => list.set(),
            None => owner.clone().unset(),
        }
        let view = owner.with(|| row(item));
        (drop, OwnedView::new_with_owner(view, owner))
    };
    move || keyed(each(), key.clone(), rows.clone())
}
