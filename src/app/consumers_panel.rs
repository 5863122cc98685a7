//! The Consumers panel beside the feed: the consumer groups reading the topic on screen, the
//! chosen one's state, members and per-partition lag as the server's watcher pushes it over the
//! page's socket, and a reset of its offsets. The chosen group is kept in the address
//! (`?group=`), like the topic.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::form_controls::{BoundInput, NameOptions};
use super::page_state::PageState;
use super::platform;
use crate::api::{consumer_groups, reset_offsets};
use crate::wire::consumers::{GroupId, GroupList, GroupView, GroupWatch, ResetTo};

#[component]
pub fn ConsumersPanel(page: PageState) -> impl IntoView {
    let feed = page.feed;
    let topic = page.topic;
    let groups = LocalResource::new(move || consumer_groups(topic.get()));
    let list = move || groups.get().and_then(Result::ok);
    let chosen = move || {
        page.group.get().or_else(|| list().map(|l| l.configured)).map(|g| g.to_string()).unwrap_or_default()
    };
    let names =
        move || list().map(|l: GroupList| l.all().map(GroupId::to_string).collect()).unwrap_or_default();
    let navigate = use_navigate();
    let on_change = move |ev: leptos::ev::Event| {
        // The options are group ids the server listed, so each parses.
        let Ok(group) = GroupId::parse(&event_target_value(&ev)) else { return };
        let configured = list().is_some_and(|l| l.configured == group);
        navigate(&page.address_with_group((!configured).then_some(&group)), Default::default());
    };

    view! {
        <aside class="consumers" aria-label="Consumers">
            <h2>"Consumers"</h2>
            <div class="field">
                <label for="consumer-group">"Consumer group"</label>
                <select id="consumer-group" on:change=on_change on:focus=move |_| groups.refetch() prop:value=chosen>
                    <NameOptions names chosen />
                </select>
            </div>
            {move || list().and_then(|l| l.unavailable).map(|reason| view! { <p class="groups-note" role="status">{reason}</p> })}
            {move || match feed.group.get() {
                None => view! { <p class="group-waiting">"Looking at the group…"</p> }.into_any(),
                Some(GroupWatch::Unavailable { reason, .. }) => {
                    view! { <p class="group-unavailable" role="status">{format!("Not available: {reason}")}</p> }.into_any()
                }
                Some(GroupWatch::Failed { reason, .. }) => {
                    view! { <p class="group-failed" role="status">{format!("{reason} Trying again…")}</p> }.into_any()
                }
                Some(GroupWatch::Watching(view)) => view! { <GroupDetails view /> }.into_any(),
            }}
            {move || feed.rebalanced.get().map(|note| view! { <p class="rebalanced" role="status">{note}</p> })}
            <ResetForm page />
        </aside>
    }
}

#[component]
fn GroupDetails(view: GroupView) -> impl IntoView {
    let summary = view.summary();
    let total = view.total_lag();
    let time_lag = match view.time_lag_ms {
        Some(ms) => format!("The oldest unconsumed record is {} old.", age(ms)),
        None if total == 0 && view.has_offsets() => "Nothing is waiting.".to_owned(),
        None => String::new(),
    };
    let members = view.members.clone();
    let member_count = members.len();
    view! {
        <p class="group-state" data-state=view.state.label().to_lowercase()>
            {format!("{}: {}", view.group, view.state.label())}
        </p>
        {summary.map(|text| view! { <p class="group-summary" role="status">{text}</p> })}
        <p class="total-lag" data-lag=total>{format!("Total lag: {total} {}", if total == 1 { "record" } else { "records" })}</p>
        <p class="time-lag" data-ms=view.time_lag_ms>{time_lag}</p>
        <h3>{format!("Members ({member_count})")}</h3>
        {if members.is_empty() {
            view! { <p class="members none">"No members: no consumer in this group is running."</p> }.into_any()
        } else {
            view! {
                <ul class="members" aria-label="Members">
                    {members.into_iter().map(|member| {
                        let held = member.partitions.as_ref().map(Vec::len);
                        let partitions = match &member.partitions {
                            None => "partitions not reported".to_owned(),
                            Some(partitions) if partitions.is_empty() => "no partitions of this topic".to_owned(),
                            Some(partitions) => {
                                let list: Vec<String> = partitions.iter().map(i32::to_string).collect();
                                format!("partitions {}", list.join(", "))
                            }
                        };
                        view! {
                            <li class="member" data-client-id=member.client_id.clone() data-partitions=held>
                                <span class="client-id">
                                    {if member.client_id.is_empty() { "(client id not reported)".to_owned() } else { member.client_id.clone() }}
                                </span>
                                {(!member.host.is_empty()).then(|| view! { " on "<span class="host">{member.host.clone()}</span> })}
                                ": "{partitions}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <table class="partitions">
            <thead><tr><th scope="col">"Partition"</th><th scope="col">"Committed"</th><th scope="col">"Log end"</th><th scope="col">"Lag"</th></tr></thead>
            <tbody>
                {view.partitions.iter().map(|p| {
                    let committed = p.committed.map_or_else(|| "none".to_owned(), |c| c.to_string());
                    let lag = p.lag();
                    view! {
                        <tr class="partition-row" data-partition=p.partition data-committed=p.committed data-log-start=p.log_start data-log-end=p.log_end data-lag=lag>
                            <th scope="row">{format!("partition {}", p.partition)}</th>
                            <td class="committed">{committed}</td>
                            <td class="log-end">{p.log_end}</td>
                            <td class="lag">{lag}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn age(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..120_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min", ms / 60_000),
    }
}

/// Earliest, latest, an offset or a time; confirmed in the browser's own dialog, refused with
/// the reason while the group has members or the server is read-only.
#[component]
fn ResetForm(page: PageState) -> impl IntoView {
    let feed = page.feed;
    let kind = RwSignal::new("earliest".to_owned());
    let value = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(GroupWatch::Watching(view)) = feed.group.get_untracked() else {
            outcome.set(Some(Err("The group has not been looked at yet; try again in a moment.".into())));
            return;
        };
        let kind_now = kind.get_untracked();
        let typed = value.get_untracked();
        let value_now = if kind_now == "timestamp" {
            match platform::parse_local_datetime(&typed) {
                Some(ms) => ms.to_string(),
                None => {
                    outcome.set(Some(Err("Choose a date and time.".into())));
                    return;
                }
            }
        } else {
            typed
        };
        let to = match ResetTo::parse(&kind_now, &value_now) {
            Ok(to) => to,
            Err(reason) => {
                outcome.set(Some(Err(reason)));
                return;
            }
        };
        if page.loaded_catalogue().is_some_and(|c| c.read_only) {
            outcome.set(Some(Err("This kafka-live is read-only: resetting offsets is off.".into())));
            return;
        }
        if !view.members.is_empty() {
            let count = view.members.len();
            outcome.set(Some(Err(format!(
                "{} has {count} member{}: stop its consumers first. Kafka lets only an empty group's offsets be reset.",
                view.group,
                if count == 1 { "" } else { "s" }
            ))));
            return;
        }
        let question = format!(
            "Reset {} on {} to {}? Its consumers will read from there when they start.",
            view.group,
            view.topic,
            to.describe()
        );
        if !platform::confirm(&question) {
            outcome.set(None);
            return;
        }
        busy.set(true);
        let topic = page.topic.get_untracked();
        let group = view.group.to_string();
        leptos::task::spawn_local(async move {
            let result = reset_offsets(topic, group, kind_now, value_now).await;
            busy.set(false);
            outcome.set(Some(match result {
                Ok(receipt) => {
                    let offsets: Vec<String> =
                        receipt.offsets.iter().map(|(p, o)| format!("partition {p} at {o}")).collect();
                    Ok(format!("Reset {}: {}.", receipt.group, offsets.join(", ")))
                }
                Err(error) => Err(error.to_string()),
            }));
        });
    };
    view! {
        <form class="reset-offsets" on:submit=on_submit>
            <div class="field">
                <label for="reset-to">"Reset to"</label>
                <select id="reset-to" on:change=move |ev| { kind.set(event_target_value(&ev)); value.set(String::new()); } prop:value=move || kind.get()>
                    <option value="earliest">"Earliest"</option>
                    <option value="latest">"Latest"</option>
                    <option value="offset">"Offset"</option>
                    <option value="timestamp">"Time"</option>
                </select>
            </div>
            // The value's box, for the two kinds that take one.
            <Show when=move || kind.get() == "offset">
                <div class="field"><label for="reset-offset">"Offset"</label>
                    <BoundInput value attr:id="reset-offset" attr:r#type="number" attr:min="0" /></div>
            </Show>
            <Show when=move || kind.get() == "timestamp">
                <div class="field"><label for="reset-time">"Time"</label>
                    <BoundInput value attr:id="reset-time" attr:r#type="datetime-local" attr:step="1" /></div>
            </Show>
            <button type="submit" disabled=move || busy.get()>"Reset offsets"</button>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(text) => view! { <p class="reset-done" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="reset-refused" role="alert">{text}</p> }.into_any(),
            })}
        </form>
    }
}
