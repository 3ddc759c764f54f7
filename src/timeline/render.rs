//! Text rendering of a run: the event table, one lane per task, and the
//! summary. Pure functions of a [`Run`], its [`Analysis`] and the options:
//! no terminal queries, no printing, no global state, so the same inputs
//! give the same bytes (snapshot tests rely on it).

use std::fmt::Write as _;

use colored::Color;

use super::analysis::{Analysis, Span, SpanState};
use super::event::{Event, EventKind, Outcome, Run, WaitOn};
use super::format::format_duration;

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Total width in columns; lanes and notes fit inside it.
    pub width: usize,
    pub color: bool,
    /// At most this many event rows, or every row when `None`.
    pub max_rows: Option<usize>,
    /// Above this many tasks, lanes stand for groups of tasks.
    pub max_lanes: usize,
    /// Draw the lanes only up to this instant (for `play`); the time axis
    /// still spans the whole run.
    pub cutoff: Option<u64>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width: 100,
            color: false,
            max_rows: Some(24),
            max_lanes: 40,
            cutoff: None,
        }
    }
}

impl RenderOptions {
    fn style(&self) -> super::Style {
        super::Style { color: self.color }
    }

    fn paint(&self, text: &str, color: Color) -> String {
        self.style().paint(text, color)
    }

    fn dim(&self, text: &str) -> String {
        self.style().dim(text)
    }

    fn bold(&self, text: &str) -> String {
        self.style().bold(text)
    }
}

/// The whole picture: table, lanes, summary.
pub fn render(run: &Run, analysis: &Analysis, opts: &RenderOptions) -> String {
    let mut out = String::new();
    render_table(&mut out, run, opts);
    out.push('\n');
    lanes_into(&mut out, run, analysis, opts);
    out.push('\n');
    out.push_str(&render_summary(run, analysis, opts));
    out
}

fn kind_color(kind: EventKind) -> Color {
    match kind {
        EventKind::Completed => Color::Green,
        EventKind::Failed | EventKind::Panicked => Color::Red,
        EventKind::TimedOut => Color::Yellow,
        EventKind::Cancelled => Color::Magenta,
        EventKind::Waiting(_) => Color::Yellow,
        EventKind::Acquired | EventKind::Started | EventKind::Received | EventKind::Sent => {
            Color::Cyan
        }
        EventKind::Spawned | EventKind::Note => Color::White,
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn name_width(run: &Run) -> usize {
    run.tasks
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 18)
}

/// Width of the event column: fits `waiting:channel`.
const EVENT_W: usize = 15;

fn render_table(out: &mut String, run: &Run, opts: &RenderOptions) {
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

/// Characters a terminal shows: colour codes (`ESC [ … m`) take no room.
fn visible_len(text: &str) -> usize {
    asynclab_kit::text::without_sgr(text).count()
}

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

/// Adds each span's overlap with each column to `acc[col][category]`.
fn accumulate(acc: &mut [[u64; 3]], span: &Span, total: u64) {
    let cols = acc.len() as u64;
    let first = (span.from_ns.saturating_mul(cols) / total).min(cols - 1);
    let last = (span.to_ns.saturating_sub(1).saturating_mul(cols) / total).min(cols - 1);
    for col in first..=last {
        let lo = col * total / cols;
        let hi = (col + 1) * total / cols;
        let overlap = span.to_ns.min(hi).saturating_sub(span.from_ns.max(lo));
        // Zero-overlap hits (rounding) still count a little, so an instant
        // wait is not invisible.
        acc[col as usize][category(span.state)] += overlap.max(1);
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

fn lanes_into(out: &mut String, run: &Run, analysis: &Analysis, opts: &RenderOptions) {
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
    // Wide enough for the "in flight" row label too.
    let label_w = if grouped {
        name_width(run) * 2 + 2
    } else {
        name_width(run)
    }
    .max(9);
    // Room after the bars: the group counts ("22✓ 2⧖") or, on the
    // in-flight row, "peak N".
    let peak_w = format!(" peak {}", analysis.summary.peak_in_flight).len();
    let suffix_w = if grouped { 14 } else { 0 }.max(peak_w);
    let cols = opts.width.saturating_sub(label_w + 1 + suffix_w).max(10);

    let cutoff = opts.cutoff.unwrap_or(u64::MAX);
    let mut acc = vec![vec![[0u64; 3]; cols]; lanes];
    for span in analysis.spans.iter().filter(|s| s.from_ns < cutoff) {
        let clipped = Span {
            to_ns: span.to_ns.min(cutoff),
            ..*span
        };
        accumulate(&mut acc[span.task.index() / group], &clipped, total);
    }

    let start = format_duration(0);
    let end = format_duration(analysis.summary.total_ns);
    let axis = format!(
        "{start}{}{end}",
        " ".repeat(cols.saturating_sub(start.len() + end.len()))
    );
    let title = if grouped {
        format!("lanes ({group} tasks each)")
    } else {
        "lanes".to_string()
    };
    let _ = writeln!(
        out,
        "{} {}",
        opts.bold(&pad(&title, label_w)),
        opts.dim(&axis)
    );

    for (lane, cells) in acc.iter().enumerate() {
        let first = lane * group;
        let last = ((lane + 1) * group).min(n) - 1;
        let mut line = String::new();
        if grouped {
            // A group of one (the last lane can be) is just its name.
            let label = if first == last {
                run.tasks[first].name.clone()
            } else {
                format!(
                    "{}..{}",
                    truncate(&run.tasks[first].name, label_w / 2),
                    run.tasks[last].name
                )
            };
            line.push_str(&pad(&truncate(&label, label_w), label_w));
            line.push(' ');
            line.push_str(&bar(cells, opts));
            line.push(' ');
            line.push_str(&group_ends(analysis, first..=last, cutoff, opts));
        } else {
            line.push_str(&pad(&run.tasks[first].name, label_w));
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
    let legend = [
        "█ in flight  ░ blocked (permit, channel, lock, join)  · queued",
        "✓ done  ✗ failed  ⧖ timed out  ⊘ cancelled  ! panicked",
    ];
    if opts.width >= legend[0].chars().count() + legend[1].chars().count() + 2 {
        let _ = writeln!(
            out,
            "{}",
            opts.dim(&format!("{}  {}", legend[0], legend[1]))
        );
    } else {
        for part in legend {
            let _ = writeln!(out, "{}", opts.dim(&truncate(part, opts.width)));
        }
    }
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

/// The summary block alone (also used by `compare` and the CLI).
pub fn render_summary(run: &Run, analysis: &Analysis, opts: &RenderOptions) -> String {
    let s = &analysis.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{}", opts.bold("summary"));
    // Each row: a key, then its value word-wrapped under the value column.
    let row = |out: &mut String, key: &str, value: String| {
        let room = opts.width.saturating_sub(18).max(20);
        let mut line = format!("  {key:<15} ");
        let mut used = 0;
        for word in value.split(' ') {
            let len = visible_len(word);
            if used > 0 && used + 1 + len > room {
                let _ = writeln!(out, "{}", line.trim_end());
                line = " ".repeat(18);
                used = 0;
            } else if used > 0 {
                line.push(' ');
                used += 1;
            }
            line.push_str(word);
            used += len;
        }
        let _ = writeln!(out, "{}", line.trim_end());
    };
    // Results first: what the run found (the open ports of a scan) is what
    // the learner came for, listed in full.
    for (name, found) in &run.findings {
        row(&mut out, name, opts.bold(found));
    }
    let speedup = s.speedup();
    let versus = if s.sequential_ns == 0 {
        String::new()
    } else if speedup >= 1.05 {
        format!(
            "  (one at a time: {}, {:.1}x faster)",
            format_duration(s.sequential_ns),
            speedup
        )
    } else {
        format!(
            "  (one at a time: {}, no faster)",
            format_duration(s.sequential_ns)
        )
    };
    row(
        &mut out,
        "total",
        format!("{}{}", opts.bold(&format_duration(s.total_ns)), versus),
    );
    row(
        &mut out,
        "peak in flight",
        format!(
            "{}  (first at {})",
            s.peak_in_flight,
            format_duration(s.peak_at_ns)
        ),
    );
    row(
        &mut out,
        "throughput",
        format!("{:.1} tasks/s", s.throughput()),
    );
    let mut ends = vec![opts.paint(&format!("{} completed", s.completed), Color::Green)];
    for (count, label, color) in [
        (s.failed, "failed", Color::Red),
        (s.timed_out, "timed out", Color::Yellow),
        (s.cancelled, "cancelled", Color::Magenta),
        (s.panicked, "panicked", Color::Red),
        (s.unfinished, "unfinished", Color::Red),
    ] {
        if count > 0 {
            ends.push(opts.paint(&format!("{count} {label}"), color));
        }
    }
    row(
        &mut out,
        "tasks",
        format!("{}: {}", s.tasks, ends.join(", ")),
    );
    if let Some((task, len, on, note)) = &s.longest_wait {
        let why = if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        };
        // The one row made of a free-text note: cut to the width.
        let line = format!(
            "{} waited {} on {}{}",
            run.task_name(*task),
            format_duration(*len),
            on_label(*on),
            why
        );
        row(
            &mut out,
            "longest wait",
            truncate(&line, opts.width.saturating_sub(18)),
        );
    }
    for (name, value) in &s.metrics {
        row(&mut out, name, value.to_string());
    }
    match &run.outcome {
        Outcome::Finished => {}
        Outcome::Cancelled { at_ns } => row(
            &mut out,
            "outcome",
            opts.paint(
                &format!("cancelled by Ctrl-C at {}", format_duration(*at_ns)),
                Color::Magenta,
            ),
        ),
        Outcome::Watchdog { at_ns } => row(
            &mut out,
            "outcome",
            opts.paint(
                &format!(
                    "stopped by the watchdog at {} on the timeline: the run did not finish in time (a deadlock, or a thread blocked by std::thread::sleep or a busy loop?)",
                    format_duration(*at_ns)
                ),
                Color::Red,
            ),
        ),
        Outcome::Failed { message } => row(
            &mut out,
            "outcome",
            opts.paint(&format!("failed: {message}"), Color::Red),
        ),
    }
    if s.dropped > 0 {
        row(
            &mut out,
            "dropped",
            opts.paint(
                &format!(
                    "{} events (the recorder was full; counts above may be low)",
                    s.dropped
                ),
                Color::Red,
            ),
        );
    }
    out
}

fn on_label(on: WaitOn) -> &'static str {
    match on {
        WaitOn::Permit => "a permit",
        WaitOn::Channel => "a channel",
        WaitOn::Lock => "a lock",
        WaitOn::Timer => "a timer",
        WaitOn::Io => "i/o",
        WaitOn::Join => "another task",
    }
}

/// Every task's state at one instant: counts per state, then (for up to
/// 40 tasks) each task with the last thing it said.
pub fn render_at(run: &Run, analysis: &Analysis, at_ns: u64, opts: &RenderOptions) -> String {
    let mut states: Vec<String> = vec!["not spawned yet".to_string(); run.tasks.len()];
    for (i, facts) in analysis.facts.iter().enumerate() {
        if facts.spawned_ns <= at_ns {
            states[i] = "queued".to_string();
        }
        if let Some((end, kind)) = facts.end.filter(|(end, _)| *end <= at_ns) {
            states[i] = format!("{} at {}", kind.label(), format_duration(end));
        }
    }
    for span in analysis
        .spans
        .iter()
        .filter(|s| s.from_ns <= at_ns && at_ns < s.to_ns)
    {
        states[span.task.index()] = match span.state {
            SpanState::Queued => "queued".to_string(),
            SpanState::Running => "running".to_string(),
            SpanState::Waiting(on) if on.is_work() => {
                format!("in flight, waiting on {}", on.label())
            }
            SpanState::Waiting(on) => format!("blocked on a {}", on.label()),
        };
    }
    let mut last_note: Vec<&str> = vec![""; run.tasks.len()];
    for e in run
        .events
        .iter()
        .filter(|e| e.at_ns <= at_ns && !e.note.is_empty())
    {
        if let Some(slot) = last_note.get_mut(e.task.index()) {
            *slot = &e.note;
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        opts.bold(&format!("at {}:", format_duration(at_ns)))
    );
    let mut counts: Vec<(String, usize)> = Vec::new();
    for state in &states {
        let key = state.split(" at ").next().unwrap_or(state).to_string();
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    let summary: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let _ = writeln!(out, "  {}", summary.join(" · "));
    if run.tasks.len() <= 40 {
        let name_w = name_width(run);
        for (i, task) in run.tasks.iter().enumerate() {
            let note = if last_note[i].is_empty() {
                String::new()
            } else {
                format!(": {}", last_note[i])
            };
            let line = format!("  {}  {}{}", pad(&task.name, name_w), states[i], note);
            let _ = writeln!(out, "{}", truncate(&line, opts.width));
        }
    }
    out
}
