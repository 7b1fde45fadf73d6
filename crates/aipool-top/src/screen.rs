//! The full-screen view: the title line, the part of the body the window
//! has room for from the scroll position on, and a last line that counts the
//! lines out of view and names the keys that scroll.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::keys::Scroll;
use super::view::Filter;
use super::{title, State};

/// The screen for a window of `size` (columns, rows): the title line, the
/// body from `scroll` on, and a last line that says how many lines are above
/// and below and which keys scroll. Also returns the body's length and the
/// lines of it that fit, which the keys scroll by.
pub(super) fn lines(
    state: &State,
    filter: &Filter,
    color: bool,
    (cols, rows): (usize, usize),
    scroll: Scroll,
    outstanding: usize,
    next: Instant,
) -> (Vec<String>, usize, usize) {
    let interval = state.interval.unwrap_or(Duration::from_secs(30));
    let when = if outstanding > 0 {
        " · polling…".to_string()
    } else {
        let left = next.saturating_duration_since(Instant::now()).as_secs();
        format!(" · next in {left}s")
    };
    let t = title(
        state,
        &format!(
            " · every {}{when} · q quits",
            humantime::format_duration(interval)
        ),
    );
    let frame = super::table::Frame {
        title: &t,
        entries: &state.entries,
        filter,
        notice: state.notice.as_deref(),
        now: SystemTime::now(),
    };
    let mut body = super::table::render(
        &frame,
        &super::table::Style {
            color,
            width: Some(cols),
        },
    );
    let title = body.remove(0);
    scrolled(title, body, rows, scroll, color)
}

/// `title`, then the part of `body` that fits in `rows` from `scroll` on,
/// then, when the body does not fit, a line with how many lines are hidden
/// above and below and the keys that scroll.
fn scrolled(
    title: String,
    body: Vec<String>,
    rows: usize,
    scroll: Scroll,
    color: bool,
) -> (Vec<String>, usize, usize) {
    let total = body.len();
    // The title line, and the hint line when the body does not fit.
    let room = if total < rows {
        rows.saturating_sub(1).max(1)
    } else {
        rows.saturating_sub(2).max(1)
    };
    let top = scroll.top.min(total.saturating_sub(room));
    let mut lines = Vec::with_capacity(rows);
    lines.push(title);
    lines.extend(body.into_iter().skip(top).take(room));
    if total > room {
        let below = total - top - (lines.len() - 1);
        let hint = format!(
            "── {below} more line{} below, {top} above · ↑↓ j k PgUp PgDn Home End scroll ──",
            if below == 1 { "" } else { "s" }
        );
        let mut line = String::new();
        super::table::paint_dim(&mut line, &hint, color);
        lines.push(line);
    }
    (lines, total, room)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("line {i}")).collect()
    }

    #[test]
    fn a_body_that_fits_has_no_hint() {
        let (lines, total, room) = scrolled("t".into(), body(5), 24, Scroll::default(), false);
        assert_eq!((lines.len(), total, room), (6, 5, 23));
        assert_eq!(lines.last().unwrap(), "line 4");
    }

    #[test]
    fn a_long_body_shows_a_window_and_counts_the_rest() {
        let (lines, total, room) = scrolled("t".into(), body(60), 24, Scroll { top: 10 }, false);
        assert_eq!((lines.len(), total, room), (24, 60, 22));
        assert_eq!(lines[0], "t");
        assert_eq!(lines[1], "line 10");
        assert_eq!(lines[22], "line 31");
        assert_eq!(
            lines[23],
            "── 28 more lines below, 10 above · ↑↓ j k PgUp PgDn Home End scroll ──"
        );
        // Scrolled past the end (the body shrank): clamped to the last page.
        let (lines, _, _) = scrolled("t".into(), body(30), 24, Scroll { top: 99 }, false);
        assert_eq!(lines[1], "line 8");
        assert!(lines[23].starts_with("── 0 more lines below, 8 above"));
    }
}
