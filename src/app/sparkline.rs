//! A minute of figures drawn as a line: records per second (`Sparkline`), and the watched
//! consumer group's lag at each look (`LagSparkline`).

use leptos::prelude::*;

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 24.0;

/// The polyline's points, scaled so the highest value touches the top.
fn points(counts: &[u32]) -> String {
    let top = f64::from(counts.iter().copied().max().unwrap_or(0).max(1));
    let step = WIDTH / (counts.len().max(2) - 1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!("{:.1},{:.1}", i as f64 * step, HEIGHT - f64::from(*n) / top * (HEIGHT - 2.0) - 1.0)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn Sparkline(counts: RwSignal<Vec<u32>>) -> impl IntoView {
    let points = move || counts.with(|counts| points(counts));
    // The last whole second: the current one is still filling.
    let rate = move || counts.with(|counts| counts.iter().rev().nth(1).copied().unwrap_or(0));
    let peak = move || counts.with(|counts| counts.iter().copied().max().unwrap_or(0));
    let total = move || counts.with(|counts| counts.iter().map(|n| u64::from(*n)).sum::<u64>());
    view! {
        <span class="throughput" data-rate=rate data-peak=peak data-total=total>
            <svg
                class="sparkline"
                role="img"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                aria-label=move || format!("Throughput over the last minute: {} records/s now, peak {}/s", rate(), peak())
            >
                <polyline points=points fill="none" stroke="currentColor" stroke-width="1.5" />
            </svg>
            <span class="rate">{move || format!("{}/s", rate())}</span>
        </span>
    }
}

#[component]
pub fn LagSparkline(lags: RwSignal<Vec<u32>>) -> impl IntoView {
    let now = move || lags.with(|lags| lags.last().copied().unwrap_or(0));
    let peak = move || lags.with(|lags| lags.iter().copied().max().unwrap_or(0));
    view! {
        <span class="lag-line" data-lag=now data-peak=peak>
            <svg
                class="lag-sparkline"
                role="img"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                aria-label=move || format!("Lag over the last minute: {} records now, peak {}", now(), peak())
            >
                <polyline points=move || lags.with(|lags| points(lags)) fill="none" stroke="currentColor" stroke-width="1.5" />
            </svg>
            <span class="lag-now">{move || format!("lag {}", now())}</span>
        </span>
    }
}
