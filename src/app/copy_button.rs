//! A "Copy as …" button: builds its command when clicked, puts it on the clipboard and shows
//! it (so it can be read, or copied by hand where the browser offers no clipboard), or says
//! why this one cannot be a command.

use leptos::prelude::*;

use super::platform;

#[component]
pub fn CopyButton(
    label: &'static str,
    /// The command, or why there is none.
    command: Callback<(), Result<String, String>>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<Result<String, String>>);
    view! {
        <button
            type="button"
            class="copy-command"
            on:click=move |_| {
                let outcome = command.run(());
                if let Ok(text) = &outcome {
                    platform::copy_text(text);
                }
                shown.set(Some(outcome));
            }
        >
            {label}
        </button>
        {move || shown.get().map(|outcome| match outcome {
            Ok(text) => view! { <code class="copied" role="status" data-label=label>{text}</code> }.into_any(),
            Err(reason) => view! { <span class="copy-refused" role="status" data-label=label>{reason}</span> }.into_any(),
        })}
    }
}
