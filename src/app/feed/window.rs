//! Which rows of the feed are in the DOM: the rows in view and a margin on either side, plus a
//! row that holds keyboard focus wherever it has moved to. Everything else is a gap of the
//! height its rows would take, so the scroll bar and scroll anchoring behave as if every row were
//! there.
//!
//! The whole list in the DOM cost a fixed ~25 ms per draw at 1,000 rows (Chromium's layout and
//! intersection work for `content-visibility` on every row) and grew with the rows kept; a
//! window costs what the screen holds, whatever is kept (up to 10,000).
//!
//! Rows vary in height (a cut value, "Show all", headers): each row's height is measured once it
//! is drawn, and rows never drawn count as the average of those that were.

use std::ops::Range;

/// The scrolled list as the browser reports it, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// How far the list is scrolled.
    pub top: f64,
    /// How much of it shows.
    pub height: f64,
}

impl Viewport {
    /// Before the list is measured: enough rows for a tall screen.
    pub const UNMEASURED: Viewport = Viewport { top: 0.0, height: 1200.0 };
}

/// What the list draws: the rows of `ranges`, in order, with `gaps` before, between and after
/// them. `ranges[0]` is empty unless a focused row stands apart from the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub ranges: [Range<usize>; 2],
    pub gaps: [f64; 3],
}

/// The rows to draw for `heights` (one per row, top to bottom) seen through `view`, with
/// `margin` pixels drawn beyond each edge, and the row at `pinned` drawn wherever it is.
pub fn plan(heights: &[f64], view: Viewport, margin: f64, pinned: Option<usize>) -> Plan {
    let (from, to) = (view.top - margin, view.top + view.height + margin);
    let mut top = 0.0;
    let mut window = heights.len()..heights.len();
    for (index, &height) in heights.iter().enumerate() {
        let bottom = top + height;
        if bottom > from && window.start == heights.len() {
            window.start = index;
        }
        if top >= to {
            window.end = index;
            break;
        }
        top = bottom;
    }
    let window = window.start.min(window.end)..window.end;
    let pinned = pinned.filter(|&p| p < heights.len() && !window.contains(&p));
    let ranges = match pinned {
        Some(p) if p < window.start => [p..p + 1, window],
        Some(p) => [window.clone(), p..p + 1],
        None => [window.start..window.start, window],
    };
    let sum = |range: Range<usize>| heights[range].iter().sum::<f64>();
    let gaps =
        [sum(0..ranges[0].start), sum(ranges[0].end..ranges[1].start), sum(ranges[1].end..heights.len())];
    Plan { ranges, gaps }
}

/// The average of the heights measured so far: the height of a row not drawn yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowEstimate {
    total: f64,
    count: u32,
}

impl RowEstimate {
    /// A one-line record with its details, until the first row is measured.
    const FIRST_GUESS: f64 = 64.0;

    pub fn measured(&mut self, height: f64) {
        self.total += height;
        self.count += 1;
    }

    pub fn height(&self) -> f64 {
        if self.count == 0 { Self::FIRST_GUESS } else { self.total / f64::from(self.count) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(top: f64, height: f64) -> Viewport {
        Viewport { top, height }
    }

    #[test]
    fn at_the_top_only_the_rows_in_view_and_the_margin_below_are_drawn() {
        let heights = vec![50.0; 1000];
        let plan = plan(&heights, view(0.0, 200.0), 100.0, None);
        // 0–300 px: rows 0..6 (row 5 ends at 300).
        assert_eq!(plan.ranges, [0..0, 0..6]);
        assert_eq!(plan.gaps, [0.0, 0.0, 994.0 * 50.0]);
    }

    #[test]
    fn scrolled_down_the_rows_above_become_a_gap_of_their_height() {
        let heights = vec![50.0; 1000];
        let plan = plan(&heights, view(5000.0, 200.0), 100.0, None);
        // 4,900–5,300 px: rows 98..106.
        assert_eq!(plan.ranges, [98..98, 98..106]);
        assert_eq!(plan.gaps, [98.0 * 50.0, 0.0, 894.0 * 50.0]);
        assert_eq!(plan.gaps.iter().sum::<f64>() + 8.0 * 50.0, 50_000.0, "the list keeps its whole height");
    }

    #[test]
    fn rows_of_different_heights_are_placed_by_their_own_heights() {
        let heights = [20.0, 400.0, 20.0, 20.0, 20.0, 20.0];
        // 430–450 px is row 2 (420–440) and row 3 (440–460).
        let plan = plan(&heights, view(430.0, 20.0), 0.0, None);
        assert_eq!(plan.ranges, [2..2, 2..4]);
        assert_eq!(plan.gaps, [420.0, 0.0, 40.0]);
    }

    #[test]
    fn a_focused_row_above_the_window_stays_drawn_with_a_gap_on_each_side() {
        let heights = vec![50.0; 100];
        let plan = plan(&heights, view(2500.0, 100.0), 0.0, Some(3));
        assert_eq!(plan.ranges, [3..4, 50..52]);
        assert_eq!(plan.gaps, [150.0, 46.0 * 50.0, 48.0 * 50.0]);
        assert_eq!(plan.ranges.iter().flat_map(Clone::clone).collect::<Vec<_>>(), vec![3, 50, 51]);
    }

    #[test]
    fn a_focused_row_pushed_below_the_window_by_new_records_stays_drawn() {
        let heights = vec![50.0; 100];
        let plan = plan(&heights, view(0.0, 100.0), 0.0, Some(80));
        assert_eq!(plan.ranges, [0..2, 80..81]);
        assert_eq!(plan.gaps, [0.0, 78.0 * 50.0, 19.0 * 50.0]);
    }

    #[test]
    fn a_focused_row_inside_the_window_changes_nothing() {
        let heights = vec![50.0; 100];
        assert_eq!(
            plan(&heights, view(0.0, 100.0), 0.0, Some(1)),
            plan(&heights, view(0.0, 100.0), 0.0, None)
        );
    }

    #[test]
    fn an_empty_list_draws_nothing() {
        let plan = plan(&[], Viewport::UNMEASURED, 600.0, Some(0));
        assert_eq!(plan.ranges, [0..0, 0..0]);
        assert_eq!(plan.gaps, [0.0, 0.0, 0.0]);
    }

    #[test]
    fn scrolled_past_the_end_of_a_list_that_shrank_the_last_rows_are_drawn() {
        // "Keep newest" went from 1,000 to 10 while the list was scrolled far down.
        let heights = vec![50.0; 10];
        let plan = plan(&heights, view(40_000.0, 200.0), 100.0, None);
        assert_eq!(plan.ranges, [10..10, 10..10]);
        assert_eq!(plan.gaps, [500.0, 0.0, 0.0]);
    }

    #[test]
    fn rows_not_measured_yet_count_as_the_average_of_those_that_were() {
        let mut estimate = RowEstimate::default();
        assert_eq!(estimate.height(), 64.0);
        estimate.measured(40.0);
        estimate.measured(80.0);
        assert_eq!(estimate.height(), 60.0);
    }
}
