//! The event table: one row per event, time first, then the task, what it
//! did and why. Owns which rows a short table keeps; pure, like the rest of
//! the renderer.

use std::fmt::Write as _;

use super::event::{Event, EventKind, Run};
use super::format::format_duration;
use super::render::{RenderOptions, kind_color, name_width, pad, truncate};

/// Width of the event column: fits `waiting:channel`.
const EVENT_W: usize = 15;

pub(super) fn render_table(out: &mut String, run: &Run, opts: &RenderOptions) {
    // Names give way first on a narrow terminal (down to 8 columns).
    let name_w = name_width(run).min(opts.width.saturating_sub(8 + 2 + 2 + EVENT_W).max(8));
    // Whatever is left for the note; too little, and the column is left out.
    let note_w = opts.width.saturating_sub(8 + 2 + name_w + 2 + EVENT_W + 2);
    // A short table skips `spawned` rows: the lanes show when each task
    // appeared, and the rows are better spent on what tasks did.
    let events: Vec<&Event> = match opts.max_rows {
        Some(_) => run
            .events
            .iter()
            .filter(|e| e.kind != EventKind::Spawned)
            .collect(),
        None => run.events.iter().collect(),
    };
    let shown = opts.max_rows.unwrap_or(usize::MAX).min(events.len());
    let why = if note_w < 8 { "" } else { "why" };
    let header = format!(
        "{:>8}  {}  {:<EVENT_W$}  {why}",
        "time",
        pad("task", name_w),
        "event"
    );
    let header = header.trim_end();
    let _ = writeln!(out, "{}", opts.bold(header));
    for e in events.iter().take(shown) {
        let label = e.kind.label();
        let note = if note_w < 8 {
            String::new()
        } else {
            truncate(&e.note, note_w)
        };
        let row = format!(
            "{:>8}  {}  {}  {}",
            format_duration(e.at_ns),
            pad(&truncate(run.task_name(e.task), name_w), name_w),
            opts.paint(&pad(&label, EVENT_W), kind_color(e.kind)),
            note.trim_end(),
        );
        let _ = writeln!(out, "{}", row.trim_end());
    }
    let later = events.len() - shown;
    let spawned = run.events.len() - events.len();
    let hidden = match (later, spawned) {
        (0, 0) => None,
        (0, s) => Some(format!(
            "   ({s} `spawned` rows not shown; `timeline --all` shows every event)"
        )),
        (l, 0) => Some(format!(
            "   … {l} more events (`timeline --all` shows every one)"
        )),
        (l, s) => Some(format!(
            "   … {l} more events, and {s} `spawned` rows (`timeline --all` shows every one)"
        )),
    };
    if let Some(line) = hidden {
        let _ = writeln!(out, "{}", opts.dim(&truncate(&line, opts.width)));
    }
}
