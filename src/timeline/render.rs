//! Text rendering of a run: the options, the whole picture (event table,
//! lanes, summary, each in its own module) and the measuring helpers they
//! share. Pure functions of a [`Run`], its [`Analysis`] and the options: no
//! terminal queries, no printing, no global state, so the same inputs give
//! the same bytes (snapshot tests rely on it).

use colored::Color;

use super::analysis::Analysis;
use super::event::{EventKind, Run};
use super::lanes::lanes_into;
use super::summary::render_summary;
use super::table::render_table;

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

    pub(super) fn paint(&self, text: &str, color: Color) -> String {
        self.style().paint(text, color)
    }

    pub(super) fn dim(&self, text: &str) -> String {
        self.style().dim(text)
    }

    pub(super) fn bold(&self, text: &str) -> String {
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

pub(super) fn kind_color(kind: EventKind) -> Color {
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

pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub(super) fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

pub(super) fn name_width(run: &Run) -> usize {
    run.tasks
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 18)
}

/// Characters a terminal shows: colour codes (`ESC [ … m`) take no room.
pub(super) fn visible_len(text: &str) -> usize {
    asynclab_kit::text::without_sgr(text).count()
}
