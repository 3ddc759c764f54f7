//! Exports of a run: the run itself as JSON (with its format version), the
//! Chrome Trace Event Format (opens in ui.perfetto.dev and chrome://tracing),
//! and an SVG Gantt chart, where the work of a cancelled task (a `select!`
//! loser, an aborted task) is hatched, not drawn as work that paid off.
//! Pure functions: the caller writes the files.

use asynclab_kit::text::escape_html as escape;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::analysis::{Analysis, SpanState};
use super::event::{EventKind, Run};
use super::format::format_duration;

/// The run as pretty JSON; `format_version` says how to read it back.
pub fn to_json(run: &Run) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(run)
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

fn state_name(state: SpanState) -> String {
    match state {
        SpanState::Queued => "queued".to_string(),
        SpanState::Running => "running".to_string(),
        SpanState::Waiting(on) => format!("waiting:{}", on.label()),
    }
}

/// Chrome Trace Event Format: one `tid` per task (so its spans nest), `X`
/// spans for each state, `i` instants for each event, a `C` counter of tasks
/// in flight, and flow arrows from each `sent` to the matching `received`
/// (paired in order, as an mpsc channel delivers them).
pub fn to_chrome_trace(run: &Run, analysis: &Analysis, title: &str) -> Value {
    let mut events: Vec<Value> = Vec::with_capacity(run.events.len() * 2 + run.tasks.len() + 8);
    events.push(json!({"ph": "M", "name": "process_name", "pid": 1, "args": {"name": format!("asynclab: {title}")}}));
    for (i, task) in run.tasks.iter().enumerate() {
        events.push(json!({"ph": "M", "name": "thread_name", "pid": 1, "tid": i + 1, "args": {"name": task.name}}));
    }
    for span in &analysis.spans {
        events.push(json!({
            "ph": "X", "cat": "state", "name": state_name(span.state), "pid": 1, "tid": span.task.index() + 1,
            "ts": us(span.from_ns), "dur": us(span.to_ns - span.from_ns),
        }));
    }
    for e in &run.events {
        events.push(json!({
            "ph": "i", "s": "t", "cat": "event", "name": e.kind.label(), "pid": 1, "tid": e.task.index() + 1,
            "ts": us(e.at_ns), "args": {"why": run.note(&e)},
        }));
    }
    for &(at, count) in &analysis.in_flight {
        events.push(json!({"ph": "C", "name": "in flight", "pid": 1, "ts": us(at), "args": {"tasks": count}}));
    }
    let sends = run.events.iter().filter(|e| e.kind == EventKind::Sent);
    let receives = run.events.iter().filter(|e| e.kind == EventKind::Received);
    for (id, (send, receive)) in sends.zip(receives).enumerate() {
        if receive.at_ns < send.at_ns {
            continue; // not the same message: never draw an arrow backwards
        }
        events.push(
            json!({"ph": "s", "cat": "channel", "name": "message", "id": id, "pid": 1,
            "tid": send.task.index() + 1, "ts": us(send.at_ns)}),
        );
        events.push(
            json!({"ph": "f", "bp": "e", "cat": "channel", "name": "message", "id": id, "pid": 1,
            "tid": receive.task.index() + 1, "ts": us(receive.at_ns)}),
        );
    }
    json!({"traceEvents": events, "displayTimeUnit": "ms"})
}

/// End-mark colours: done, failed, timed out, cancelled (panicked: failed).
const END_COLORS: [&str; 4] = ["#1b5e20", "#c62828", "#ef6c00", "#6a1b9a"];

fn end_colour(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Completed => END_COLORS[0],
        EventKind::TimedOut => END_COLORS[2],
        EventKind::Cancelled => END_COLORS[3],
        _ => END_COLORS[1],
    }
}

/// What a stretch of a lane shows: queued, in flight, blocked, or the
/// work of a task that was cancelled (its result was dropped).
const QUEUED: usize = 0;
const FLYING: usize = 1;
const BLOCKED: usize = 2;
const DROPPED: usize = 3;

/// Fills of the SVG, by what a stretch shows.
const FILLS: [&str; 4] = ["#d0d0d0", "#2e9e5b", "#e8a317", "url(#cancelled)"];

/// Grey with red stripes: work that was done and then thrown away.
const HATCH: &str = r##"<defs><pattern id="cancelled" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e6e6e6"/><rect width="2" height="6" fill="#c62828"/></pattern></defs>"##;

/// What a span shows, given whether its task ended cancelled: whatever
/// a cancelled task did before it was dropped (in flight or blocked) was
/// for nothing, so it is drawn apart from work that paid off.
fn shows(state: SpanState, cancelled: bool) -> usize {
    match state {
        SpanState::Queued => QUEUED,
        _ if cancelled => DROPPED,
        s if s.in_flight() => FLYING,
        _ => BLOCKED,
    }
}

/// A Gantt chart: one row per task (or per group of tasks above 60), a
/// time axis with ticks, and a legend. Grouped rows draw, per pixel column,
/// the state most of the group was in, so the size stays bounded. The
/// title is drawn when given; a page that has its own heading leaves it
/// out.
pub fn to_svg(run: &Run, analysis: &Analysis, title: Option<&str>) -> String {
    const WIDTH: u64 = 960;
    const LABEL: u64 = 170;
    const ROW: u64 = 16;
    const MAX_ROWS: usize = 60;
    let plot = WIDTH - LABEL - 20;
    let total = analysis.summary.total_ns.max(1);
    let n = run.tasks.len();
    let group = n.div_ceil(MAX_ROWS).max(1);
    let rows = n.div_ceil(group);
    // Below the rows: the axis and two lines of legend.
    let height = 60 + rows as u64 * ROW + 76;
    let x = |ns: u64| LABEL as f64 + (ns.min(total) as f64 / total as f64) * plot as f64;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="monospace" font-size="11">"#
    );
    let _ = writeln!(svg, "{HATCH}");
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    if let Some(title) = title {
        let _ = writeln!(
            svg,
            r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
            escape(title)
        );
    }
    let cancelled = |task: usize| {
        matches!(
            analysis.facts.get(task).and_then(|f| f.end),
            Some((_, EventKind::Cancelled))
        )
    };

    // Rows.
    for row in 0..rows {
        let y = 40 + row as u64 * ROW;
        let first = row * group;
        let last = ((row + 1) * group).min(n) - 1;
        let label = if group == 1 {
            run.tasks.name(first).to_string()
        } else {
            format!("{}..{}", run.tasks.name(first), run.tasks.name(last))
        };
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}">{}</text>"#,
            y + 11,
            escape(&label)
        );
    }
    if group == 1 {
        for span in &analysis.spans {
            let y = 40 + span.task.index() as u64 * ROW + 2;
            let (x0, x1) = (x(span.from_ns), x(span.to_ns));
            let shown = shows(span.state, cancelled(span.task.index()));
            let dropped = if shown == DROPPED {
                ", then cancelled"
            } else {
                ""
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="{}" fill="{}"><title>{} {}–{}{dropped}</title></rect>"#,
                (x1 - x0).max(0.5),
                ROW - 4,
                FILLS[shown],
                state_name(span.state),
                format_duration(span.from_ns),
                format_duration(span.to_ns)
            );
        }
        // End marks: how each task finished.
        for (i, facts) in analysis.facts.iter().enumerate() {
            if let Some((at, kind)) = facts.end {
                let colour = end_colour(kind);
                let y = 40 + i as u64 * ROW + 1;
                let _ = writeln!(
                    svg,
                    r#"<rect x="{:.1}" y="{y}" width="3" height="{}" fill="{colour}"><title>{}</title></rect>"#,
                    x(at) - 1.5,
                    ROW - 2,
                    kind.label()
                );
            }
        }
    } else {
        // Per group and pixel column: time spent in each state.
        let cols = plot as usize / 2;
        let mut acc = vec![vec![[0u64; 4]; cols]; rows];
        for span in &analysis.spans {
            let k = shows(span.state, cancelled(span.task.index()));
            let c0 = (span.from_ns as u128 * cols as u128 / total as u128) as usize;
            let c1 =
                ((span.to_ns as u128 * cols as u128).div_ceil(total as u128) as usize).min(cols);
            for cell in
                &mut acc[span.task.index() / group][c0.min(cols - 1)..c1.max(c0 + 1).min(cols)]
            {
                cell[k] += 1;
            }
        }
        for (row, cells) in acc.iter().enumerate() {
            let y = 40 + row as u64 * ROW + 2;
            let mut col = 0;
            while col < cols {
                let best = (0..4).max_by_key(|&k| (cells[col][k], k)).unwrap_or(0);
                let start = col;
                while col < cols
                    && (0..4).max_by_key(|&k| (cells[col][k], k)).unwrap_or(0) == best
                    && cells[col][best] > 0
                {
                    col += 1;
                }
                if col == start {
                    col += 1;
                    continue;
                }
                let x0 = LABEL as f64 + start as f64 * 2.0;
                let _ = writeln!(
                    svg,
                    r#"<rect x="{x0:.1}" y="{y}" width="{}" height="{}" fill="{}"/>"#,
                    (col - start) * 2,
                    ROW - 4,
                    FILLS[best]
                );
            }
        }
    }

    // Time axis with five ticks; the end labels stay inside the chart.
    let axis_y = 40 + rows as u64 * ROW + 8;
    let _ = writeln!(
        svg,
        r##"<line x1="{LABEL}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#444"/>"##,
        LABEL + plot
    );
    for k in 0..=4u64 {
        let at = total * k / 4;
        let tx = x(at);
        let anchor = match k {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{tx:.1}" y1="{axis_y}" x2="{tx:.1}" y2="{}" stroke="#444"/>"##,
            axis_y + 4
        );
        let _ = writeln!(
            svg,
            r#"<text x="{tx:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
            axis_y + 16,
            format_duration(at)
        );
    }
    // Legend: each entry placed after the previous one's text, on a second
    // line when the first is full.
    let mut legend_y = axis_y + 34;
    let mut lx = 10;
    for (label, colour) in [
        ("in flight", FILLS[FLYING]),
        ("blocked (permit, channel, lock, join)", FILLS[BLOCKED]),
        ("queued", FILLS[QUEUED]),
        ("work of a cancelled task", FILLS[DROPPED]),
        ("done", END_COLORS[0]),
        ("failed", END_COLORS[1]),
        ("timed out", END_COLORS[2]),
        ("cancelled", END_COLORS[3]),
    ] {
        // Monospace at 11px is about 6.6px a character.
        let room = 16 + label.len() as u64 * 7 + 14;
        if lx > 10 && lx + room > WIDTH {
            lx = 10;
            legend_y += 16;
        }
        let _ = writeln!(
            svg,
            r#"<rect x="{lx}" y="{}" width="12" height="10" fill="{colour}"/><text x="{}" y="{legend_y}">{label}</text>"#,
            legend_y - 9,
            lx + 16
        );
        lx += room;
    }
    svg.push_str("</svg>\n");
    svg
}
