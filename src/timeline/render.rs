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
    /// At most this many event rows, or every row (none folded) when
    /// `None`. [`render`] may show fewer, to keep the whole picture about
    /// one screen.
    pub max_rows: Option<usize>,
    /// Above this many tasks, lanes stand for groups of tasks (so at most
    /// about half as many lanes).
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
            max_lanes: 24,
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

/// About what a terminal shows at once: a short table gives up rows so that
/// the whole picture (table, lanes, summary) fits one screen.
const SCREEN_LINES: usize = 50;

/// Rows a short table keeps however long the lanes and summary are: fewer
/// would not tell the story of the run.
const MIN_ROWS: usize = 12;

/// The whole picture: table, lanes, summary.
pub fn render(run: &Run, analysis: &Analysis, opts: &RenderOptions) -> String {
    let mut lanes = String::new();
    lanes_into(&mut lanes, run, analysis, opts);
    let summary = render_summary(run, analysis, opts);
    // The rows left of one screen once the lanes, the summary, the two
    // blank lines between them and the table's header and footer are in.
    let rows = opts.max_rows.map(|max| {
        let others = lanes.lines().count() + summary.lines().count() + 2 + 2;
        max.min(SCREEN_LINES.saturating_sub(others).max(MIN_ROWS))
    });
    let mut out = String::new();
    render_table(
        &mut out,
        run,
        &RenderOptions {
            max_rows: rows,
            ..opts.clone()
        },
    );
    out.push('\n');
    out.push_str(&lanes);
    out.push('\n');
    out.push_str(&summary);
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

/// Columns `c` takes in a terminal: two for wide characters (CJK, most
/// emoji), none for combining marks and control characters.
fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Columns a terminal gives `text`: display width, with colour codes
/// (`ESC [ … m`) taking no room.
pub(super) fn display_width(text: &str) -> usize {
    asynclab_kit::text::without_sgr(text).map(char_width).sum()
}

/// `text` cut to at most `max` columns, a `…` marking the cut. For plain
/// text: a colour code cut in half would bleed into the rest of the line.
pub(super) fn truncate(text: &str, max: usize) -> String {
    if display_width(text) <= max {
        return text.to_string();
    }
    let room = max.saturating_sub(1);
    let mut used = 0;
    let mut cut = String::new();
    for c in text.chars() {
        let w = char_width(c);
        if used + w > room {
            break;
        }
        used += w;
        cut.push(c);
    }
    if max > 0 {
        cut.push('…');
    }
    cut
}

/// `text` followed by spaces up to `width` columns.
pub(super) fn pad(text: &str, width: usize) -> String {
    let len = display_width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// `text` wrapped to `width` at spaces (never at a hyphen), every line
/// starting with `indent`: for lines whose every word matters (counts, a
/// legend), where cutting would lose facts.
pub(super) fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let options = textwrap::Options::new(width.max(20))
        .initial_indent(indent)
        .subsequent_indent(indent)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

pub(super) fn name_width(run: &Run) -> usize {
    // ASCII (names are escaped when recorded) is one column a byte: no
    // need to measure a million port names character by character.
    run.tasks
        .iter()
        .map(|t| {
            if t.name.is_ascii() {
                t.name.len()
            } else {
                display_width(t.name)
            }
        })
        .max()
        .unwrap_or(4)
        .clamp(4, 18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_display_columns() {
        for (text, width) in [
            ("port-1", 6),
            ("扫描器", 6),
            ("\u{1b}[32m✓ done\u{1b}[0m", 6),
            ("e\u{301}", 1),
            ("", 0),
        ] {
            assert_eq!(display_width(text), width, "{text:?}");
        }
    }

    #[test]
    fn truncate_and_pad_count_columns() {
        for (text, max, cut) in [
            ("request", 10, "request"),
            ("request sent", 8, "request…"),
            ("扫描器扫描器", 5, "扫描…"),
            ("扫描器扫描器", 6, "扫描…"),
            ("扫描器扫描器", 7, "扫描器…"),
            ("abc", 0, ""),
        ] {
            let got = truncate(text, max);
            assert_eq!(got, cut, "{text:?} in {max}");
            assert!(display_width(&got) <= max);
        }
        assert_eq!(display_width(&pad("扫描", 8)), 8);
    }
}
