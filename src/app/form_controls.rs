//! The page's form controls bound to its signals. A box shows what its signal holds (a
//! Re-produce or a reset fills it) and puts back what is typed; a chooser of names always offers
//! the chosen one, even one the server's list does not have yet (an address typed by hand).

use leptos::prelude::*;

/// A text box bound both ways to `value`. Its other attributes (`attr:id`, `attr:type`, …) come
/// from where it stands. The value is in the server's render too, so a form posted before the
/// page's script runs still carries it.
#[component]
pub fn BoundInput(value: RwSignal<String>) -> impl IntoView {
    view! {
        <input
            value=value.get_untracked()
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

/// The options of a chooser of names: `chosen` selected, and listed first when `names` lacks it.
#[component]
pub fn NameOptions<N, C>(names: N, chosen: C) -> impl IntoView
where
    N: Fn() -> Vec<String> + Send + Sync + 'static,
    C: Fn() -> String + Send + Sync + 'static,
{
    move || {
        let chosen = chosen();
        let mut names = names();
        if !chosen.is_empty() && !names.contains(&chosen) {
            names.insert(0, chosen.clone());
        }
        names
            .into_iter()
            .map(|name| {
                let selected = name == chosen;
                let label = name.clone();
                view! { <option value=name selected=selected>{label}</option> }
            })
            .collect_view()
    }
}
