//! The lanes: one line per task (or group of tasks) across the run's time
//! axis, its end mark, the in-flight sparkline and the legend. Pure: a
//! function of the analysis and the options (`play` redraws it with a
//! cutoff).

use std::fmt::Write as _;

use colored::Color;

use super::analysis::{Analysis, Span, SpanState};
use super::event::{EventKind, Run};
use super::format::format_duration;
use super::render::{RenderOptions, display_width, name_width, pad, truncate, wrap};

/// Lane glyphs, indexed by category.
const QUEUED: usize = 0;
const FLYING: usize = 1;
const BLOCKED: usize = 2;
const GLYPHS: [char; 3] = ['·', '█', '░'];

fn category(state: SpanState) -> usize {
    match state {
        SpanState::Queued => QUEUED,
        s if s.in_flight() => FLYING,
        _ => BLOCKED,
    }
}

fn end_glyph(kind: EventKind) -> (char, Color) {
    match kind {
        EventKind::Completed => ('✓', Color::Green),
        EventKind::Failed => ('✗', Color::Red),
        EventKind::TimedOut => ('⧖', Color::Yellow),
        EventKind::Cancelled => ('⊘', Color::Magenta),
        _ => ('!', Color::Red),
    }
}

/// Each lane's time per column and category: how much of every column a
/// lane spent queued, in flight and blocked.
///
/// A span adds its overlap with the first and last column it touches; the
/// columns in between it covers whole, and those are counted once per
/// span in a difference array and multiplied out at the end, so a span
/// costs the same however many columns it crosses (a million-task run
/// has a million permit waits across most of the axis).
struct Columns {
    /// `bounds[c]..bounds[c + 1]` is column `c`, in ns.
    bounds: Vec<u64>,
    total: u64,
    acc: Vec<Vec<[u64; 3]>>,
    /// Per lane, +1 where a run of whole columns starts and -1 after it
    /// ends, per category.
    whole: Vec<Vec<[i64; 3]>>,
}

impl Columns {
    fn new(lanes: usize, cols: usize, total: u64) -> Columns {
        Columns {
            bounds: (0..=cols as u64).map(|c| c * total / cols as u64).collect(),
            total,
            acc: vec![vec![[0; 3]; cols]; lanes],
            whole: vec![vec![[0; 3]; cols + 1]; lanes],
        }
    }

    fn col(&self, at_ns: u64) -> usize {
        let cols = self.acc.first().map_or(1, Vec::len);
        ((at_ns.saturating_mul(cols as u64) / self.total) as usize).min(cols - 1)
    }

    /// Adds `span`'s overlap with each column to lane `lane`.
    fn add(&mut self, lane: usize, span: &Span) {
        let (first, last) = (
            self.col(span.from_ns),
            self.col(span.to_ns.saturating_sub(1)),
        );
        let k = category(span.state);
        // Zero-overlap hits (rounding) still count a little, so an instant
        // wait is not invisible.
        let overlap = |col: usize| {
            let (lo, hi) = (self.bounds[col], self.bounds[col + 1]);
            span.to_ns
                .min(hi)
                .saturating_sub(span.from_ns.max(lo))
                .max(1)
        };
        let (head, tail) = (overlap(first), overlap(last));
        self.acc[lane][first][k] += head;
        if last > first {
            self.acc[lane][last][k] += tail;
            if last > first + 1 {
                self.whole[lane][first + 1][k] += 1;
                self.whole[lane][last][k] -= 1;
            }
        }
    }

    /// The totals, whole columns multiplied out.
    fn finish(mut self) -> Vec<Vec<[u64; 3]>> {
        for (acc, whole) in self.acc.iter_mut().zip(&self.whole) {
            let mut running = [0i64; 3];
            for (col, cell) in acc.iter_mut().enumerate() {
                let width = (self.bounds[col + 1] - self.bounds[col]).max(1);
                for k in 0..3 {
                    running[k] += whole[col][k];
                    cell[k] += running[k].max(0) as u64 * width;
                }
            }
        }
        self.acc
    }
}

fn bar(acc: &[[u64; 3]], opts: &RenderOptions) -> String {
    acc.iter()
        .map(|c| {
            let best = (0..3).max_by_key(|&k| (c[k], k)).unwrap_or(QUEUED);
            if c[best] == 0 {
                ' '.to_string()
            } else {
                let glyph = GLYPHS[best].to_string();
                match best {
                    FLYING => opts.paint(&glyph, Color::Green),
                    BLOCKED => opts.paint(&glyph, Color::Yellow),
                    _ => opts.dim(&glyph),
                }
            }
        })
        .collect()
}

/// The lanes alone (for `play`, which redraws them frame by frame).
pub fn render_lanes(run: &Run, analysis: &Analysis, opts: &RenderOptions) -> String {
    let mut out = String::new();
    lanes_into(&mut out, run, analysis, opts);
    out
}

pub(super) fn lanes_into(out: &mut String, run: &Run, analysis: &Analysis, opts: &RenderOptions) {
    let n = run.tasks.len();
    if n == 0 {
        let _ = writeln!(out, "lanes: no tasks were recorded");
        return;
    }
    let total = analysis.summary.total_ns.max(1);
    let grouped = n > opts.max_lanes;
    let group = if grouped {
        n.div_ceil(opts.max_lanes.max(1) / 2 + 1)
    } else {
        1
    };
    let lanes = n.div_ceil(group);
    let cutoff = opts.cutoff.unwrap_or(u64::MAX);
    let title = if grouped {
        format!("lanes ({group} tasks each)")
    } else {
        "lanes".to_string()
    };
    // The label column fits the names (two a lane when grouped), the
    // "in flight" row and the title, but takes at most a third of the
    // width: the bars are the point.
    let names_w = if grouped {
        name_width(run) * 2 + 2
    } else {
        name_width(run)
    };
    let label_w = names_w
        .max(display_width(&title))
        .min((opts.width / 3).max(9))
        .max(9);
    // Room after the bars: the group counts ("22✓ 2⧖"), measured, or on
    // the in-flight row "peak N".
    let ends: Vec<String> = if grouped {
        (0..lanes)
            .map(|lane| {
                let last = ((lane + 1) * group).min(n) - 1;
                group_ends(analysis, lane * group..=last, cutoff, opts)
            })
            .collect()
    } else {
        Vec::new()
    };
    let peak_w = format!(" peak {}", analysis.summary.peak_in_flight).len();
    let suffix_w = ends
        .iter()
        .map(|e| display_width(e) + 1)
        .fold(peak_w, usize::max);
    let cols = opts.width.saturating_sub(label_w + 1 + suffix_w).max(10);

    let mut columns = Columns::new(lanes, cols, total);
    for span in analysis.spans.iter().filter(|s| s.from_ns < cutoff) {
        let clipped = Span {
            to_ns: span.to_ns.min(cutoff),
            ..*span
        };
        columns.add(span.task.index() / group, &clipped);
    }
    let acc = columns.finish();

    let start = format_duration(0);
    let end = format_duration(analysis.summary.total_ns);
    let axis = format!(
        "{start}{}{end}",
        " ".repeat(cols.saturating_sub(start.len() + end.len()))
    );
    let _ = writeln!(
        out,
        "{} {}",
        opts.bold(&pad(&truncate(&title, label_w), label_w)),
        opts.dim(&axis)
    );

    for (lane, cells) in acc.iter().enumerate() {
        let first = lane * group;
        let last = ((lane + 1) * group).min(n) - 1;
        let mut line = String::new();
        if grouped {
            // A group of one (the last lane can be) is just its name.
            let label = if first == last {
                run.tasks.name(first).to_string()
            } else {
                format!(
                    "{}..{}",
                    truncate(run.tasks.name(first), label_w / 2),
                    run.tasks.name(last)
                )
            };
            line.push_str(&pad(&truncate(&label, label_w), label_w));
            line.push(' ');
            line.push_str(&bar(cells, opts));
            line.push(' ');
            line.push_str(&ends[lane]);
        } else {
            line.push_str(&pad(&truncate(run.tasks.name(first), label_w), label_w));
            line.push(' ');
            let mut glyphs: Vec<String> = cells
                .iter()
                .map(|c| bar(std::slice::from_ref(c), opts))
                .collect();
            if let Some((at, kind)) = analysis.facts[first].end.filter(|(at, _)| *at <= cutoff) {
                let col = ((at.saturating_mul(cols as u64) / total) as usize).min(cols - 1);
                let (glyph, color) = end_glyph(kind);
                glyphs[col] = opts.paint(&glyph.to_string(), color);
            }
            line.push_str(&glyphs.concat());
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }

    let _ = writeln!(
        out,
        "{} {}",
        pad("in flight", label_w),
        sparkline(analysis, cols, total, opts)
    );
    let legend: [&[&str]; 2] = [
        &[
            "█ in flight",
            "░ blocked (permit, channel, lock, join)",
            "· queued",
        ],
        &[
            "✓ done",
            "✗ failed",
            "⧖ timed out",
            "⊘ cancelled",
            "! panicked",
        ],
    ];
    let whole = legend.concat().join("  ");
    if opts.width >= display_width(&whole) {
        let _ = writeln!(out, "{}", opts.dim(&whole));
    } else {
        for line in legend.iter().flat_map(|items| pack(items, opts.width)) {
            let _ = writeln!(out, "{}", opts.dim(&line));
        }
    }
}

/// `items` two spaces apart, as many to a line as fit in `width`: a symbol
/// stays with its word. An item wider than a line wraps on its own.
fn pack(items: &[&str], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for item in items {
        if !line.is_empty() && display_width(&line) + 2 + display_width(item) <= width {
            line.push_str("  ");
            line.push_str(item);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if display_width(item) <= width {
            line.push_str(item);
        } else {
            lines.extend(wrap(item, width, ""));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn group_ends(
    analysis: &Analysis,
    tasks: std::ops::RangeInclusive<usize>,
    cutoff: u64,
    opts: &RenderOptions,
) -> String {
    let mut counts = [0usize; 5];
    for facts in &analysis.facts[tasks] {
        let slot = match facts.end.filter(|(at, _)| *at <= cutoff).map(|e| e.1) {
            Some(EventKind::Completed) => 0,
            Some(EventKind::Failed) => 1,
            Some(EventKind::TimedOut) => 2,
            Some(EventKind::Cancelled) => 3,
            Some(_) => 4,
            None => continue,
        };
        counts[slot] += 1;
    }
    let kinds = [
        EventKind::Completed,
        EventKind::Failed,
        EventKind::TimedOut,
        EventKind::Cancelled,
        EventKind::Panicked,
    ];
    kinds
        .iter()
        .zip(counts)
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| {
            let (glyph, color) = end_glyph(*k);
            opts.paint(&format!("{c}{glyph}"), color)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tasks in flight over time, one column per time slice, scaled to the peak.
fn sparkline(analysis: &Analysis, cols: usize, total: u64, opts: &RenderOptions) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let peak = analysis.summary.peak_in_flight.max(1);
    let mut max_per_col = vec![0u64; cols];
    let steps = &analysis.in_flight;
    let cutoff = opts.cutoff.unwrap_or(u64::MAX);
    for (i, &(at, count)) in steps.iter().enumerate() {
        let until = steps.get(i + 1).map_or(total, |s| s.0).min(cutoff);
        if at >= cutoff {
            break;
        }
        if count == 0 || until <= at && i + 1 < steps.len() {
            continue;
        }
        let first = ((at.saturating_mul(cols as u64) / total) as usize).min(cols - 1);
        let last =
            ((until.saturating_sub(1).saturating_mul(cols as u64) / total) as usize).min(cols - 1);
        for slot in &mut max_per_col[first..=last.max(first)] {
            *slot = (*slot).max(count);
        }
    }
    let line: String = max_per_col
        .iter()
        .map(|&c| {
            if c == 0 {
                ' '
            } else {
                LEVELS[((c * 8).div_ceil(peak) as usize).clamp(1, 8) - 1]
            }
        })
        .collect();
    format!(
        "{} {}",
        opts.paint(line.trim_end(), Color::Cyan),
        opts.dim(&format!("peak {}", analysis.summary.peak_in_flight))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{TaskId, WaitOn};

    /// Columns adds up to what a column-by-column sum of every span's
    /// overlap gives (the way it was counted before whole columns were
    /// counted once per span).
    #[test]
    fn whole_columns_add_up_like_column_by_column() {
        let (cols, total) = (7usize, 1_000u64);
        let spans = [
            (0, 1_000, SpanState::Waiting(WaitOn::Permit)),
            (10, 20, SpanState::Running),
            (140, 860, SpanState::Waiting(WaitOn::Io)),
            (999, 1_000, SpanState::Queued),
            (285, 286, SpanState::Running),
        ];
        let mut columns = Columns::new(1, cols, total);
        let mut naive = vec![[0u64; 3]; cols];
        for (from_ns, to_ns, state) in spans {
            let span = Span {
                task: TaskId(0),
                from_ns,
                to_ns,
                state,
            };
            columns.add(0, &span);
            let first = (from_ns * cols as u64 / total) as usize;
            let last = (((to_ns - 1) * cols as u64 / total) as usize).min(cols - 1);
            for (col, cell) in naive.iter_mut().enumerate().take(last + 1).skip(first) {
                let (lo, hi) = (col as u64 * total / 7, (col as u64 + 1) * total / 7);
                let overlap = to_ns.min(hi).saturating_sub(from_ns.max(lo));
                cell[category(state)] += overlap.max(1);
            }
        }
        assert_eq!(columns.finish()[0], naive);
    }
}
