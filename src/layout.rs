//! Laying text out for a terminal of a given width: wrapping at word
//! boundaries, Markdown prose reflowed, and tables whose last column wraps
//! inside itself. Widths are display columns (textwrap measures with
//! unicode-width: a wide character counts two, a colour code none).

use textwrap::core::display_width;

/// Display columns `text` takes.
pub fn width(text: &str) -> usize {
    display_width(text)
}

/// `text` wrapped to `width` at word boundaries; lines after the first of
/// each paragraph start with `indent`.
pub fn fill(text: &str, width: usize, indent: &str) -> String {
    textwrap::fill(text, options(width).subsequent_indent(indent))
}

/// [`fill`] with every line indented, the first too: a paragraph set in
/// under a heading, as wide as `width` in all.
pub fn fill_indented(text: &str, width: usize, indent: &str) -> String {
    textwrap::fill(
        text,
        options(width)
            .initial_indent(indent)
            .subsequent_indent(indent),
    )
}

/// Wrapping at spaces only: a hyphen is part of what the learner types
/// (`bound-scan`, `built-in:01-port-check.md`), and `tokio::select!` is
/// one word even where Unicode's rules would break after its `!`.
fn options<'a>(width: usize) -> textwrap::Options<'a> {
    textwrap::Options::new(width.max(20))
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// `text` padded with spaces to `columns` display columns.
pub fn pad(text: &str, columns: usize) -> String {
    let gap = columns.saturating_sub(width(text));
    format!("{text}{}", " ".repeat(gap))
}

/// The widest prose reads well at: lines longer than this are hard to
/// follow, so a wide terminal gets prose this wide, and a narrow one less.
pub const PROSE_MEASURE: usize = 80;

/// Markdown prose reflowed to `width` (at most [`PROSE_MEASURE`]): the lines of a paragraph or a list
/// item joined and wrapped again (a list item's lines hang under its
/// text), a heading wrapped under its own text; fenced code, tables and
/// indented code kept as written.
pub fn reflow(markdown: &str, width: usize) -> String {
    let width = width.min(PROSE_MEASURE);
    let mut out: Vec<String> = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut in_fence = false;
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<String>| {
        if paragraph.is_empty() {
            return;
        }
        let first = paragraph[0];
        let marker = list_marker(first);
        let hang = " ".repeat(marker.map_or(0, |m| m.len()));
        let joined = paragraph
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        let options = options(width).subsequent_indent(&hang);
        out.extend(
            textwrap::wrap(&joined, options)
                .into_iter()
                .map(|l| l.into_owned()),
        );
        paragraph.clear();
    };
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush(&mut paragraph, &mut out);
            in_fence = !in_fence;
            out.push(line.to_string());
        } else if !in_fence && line.starts_with('#') {
            // (At the line's start: `    #[tokio::main]` is indented code.)
            // A heading wraps under its own text, past its `# `.
            flush(&mut paragraph, &mut out);
            let marks = line.find(' ').map_or(0, |i| i + 1);
            let hang = " ".repeat(marks);
            out.extend(
                textwrap::wrap(line, options(width).subsequent_indent(&hang))
                    .into_iter()
                    .map(|l| l.into_owned()),
            );
        } else if in_fence
            || line.trim().is_empty()
            || trimmed.starts_with('|')
            || line.starts_with("    ")
        {
            flush(&mut paragraph, &mut out);
            out.push(line.to_string());
        } else {
            // A new list item starts a new paragraph of its own.
            if list_marker(line).is_some() {
                flush(&mut paragraph, &mut out);
            }
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut out);
    let mut text = out.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// `- `, `* ` or `1. ` at the start of a list item.
fn list_marker(line: &str) -> Option<&str> {
    if line.starts_with("- ") || line.starts_with("* ") {
        return Some(&line[..2]);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then(|| &line[..digits + 2])
}

/// A table: each row's columns padded to the widest cell, the last column
/// wrapped inside what is left of `width`. Where that is under 20 columns
/// (a narrow window), the last column goes under its row instead, set in
/// by four.
pub fn table(rows: &[Vec<String>], width: usize) -> Vec<String> {
    table_rows(rows, width).into_iter().flatten().collect()
}

/// [`table`], each row's lines apart (a row may take several).
pub fn table_rows(rows: &[Vec<String>], width: usize) -> Vec<Vec<String>> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let widths: Vec<usize> = (0..columns - 1)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| self::width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let lead: usize = widths.iter().map(|w| w + 2).sum();
    let under = width.saturating_sub(lead) < 20;
    let last_width = width.saturating_sub(lead).max(20);
    let mut laid = Vec::new();
    for row in rows {
        let mut lines = Vec::new();
        let mut head = String::new();
        for (c, w) in widths.iter().enumerate() {
            head.push_str(&pad(row.get(c).map_or("", String::as_str), *w));
            head.push_str("  ");
        }
        let last = row.get(columns - 1).map_or("", String::as_str);
        if under {
            let indent = "    ";
            // Leading columns wider than the window (a long value): they
            // wrap too, set in like the last column, so no line runs past
            // the edge.
            let head = head.trim_end();
            if self::width(head) > width {
                let wrapped = textwrap::wrap(head, options(width).subsequent_indent(indent));
                lines.extend(wrapped.iter().map(|part| part.to_string()));
            } else {
                lines.push(head.to_string());
            }
            let wrapped = textwrap::wrap(last, options(width.saturating_sub(indent.len())));
            lines.extend(
                wrapped
                    .iter()
                    .filter(|part| !part.is_empty())
                    .map(|part| format!("{indent}{part}")),
            );
            laid.push(lines);
            continue;
        }
        let wrapped = textwrap::wrap(last, options(last_width));
        let mut parts = wrapped.iter();
        let first = parts.next().map_or("", |l| l.as_ref());
        lines.push(format!("{head}{first}").trim_end().to_string());
        for part in parts {
            lines.push(format!("{}{part}", " ".repeat(lead)));
        }
        laid.push(lines);
    }
    laid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_reflows_to_the_width_and_keeps_code_and_headings() {
        let text = "# Title\n\n## A heading long enough to wrap\n\n    #[tokio::main] // indented code, kept as it is\n\nA long line of prose that goes on and on\nacross two lines.\n\n- an item that is long enough to wrap here\n  and continues\n\n```asynclab\nrun a very long command line that must stay as it is\n```\n";
        let out = reflow(text, 24);
        for line in out
            .lines()
            .filter(|l| !l.starts_with("run ") && !l.starts_with("    #"))
        {
            assert!(width(line) <= 24, "{line:?} in\n{out}");
        }
        assert!(out.contains("# Title"));
        // A long heading wraps under its own text.
        assert!(
            out.contains("## A heading long enough\n   to wrap"),
            "{out}"
        );
        assert!(
            out.contains("\n    #[tokio::main] // indented code, kept as it is\n"),
            "{out}"
        );
        assert!(out.contains("run a very long command line that must stay as it is"));
        // The item's second line hangs under its text.
        assert!(
            out.lines()
                .any(|l| l.starts_with("  ") && !l.starts_with("   ")),
            "{out}"
        );
    }

    #[test]
    fn code_is_not_broken_inside_a_word() {
        // Unicode's line breaking allows a break after `!`; a code span is
        // one word to a learner.
        for width in 20..40 {
            let text = fill(
                "Here `tokio::select!` polls all of its branches.",
                width,
                "",
            );
            // Each line holds whole code spans: an even count of backticks.
            assert!(
                text.lines().all(|l| l.matches('`').count() % 2 == 0),
                "width {width}:\n{text}"
            );
        }
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(width("端口"), 4);
        assert_eq!(width("\u{1b}[1mok\u{1b}[0m"), 2);
        assert_eq!(pad("端口", 6), "端口  ");
    }

    #[test]
    fn a_tables_last_column_wraps_inside_itself() {
        let rows = vec![
            vec!["name".to_string(), "help".to_string()],
            vec![
                "concurrency".to_string(),
                "connects allowed in flight at once (semaphore permits)".to_string(),
            ],
        ];
        let lines = table(&rows, 40);
        assert!(lines.iter().all(|l| width(l) <= 40), "{lines:#?}");
        assert!(lines[2].starts_with(&" ".repeat(13)), "{lines:#?}");
        // Too narrow for a column: the last cell goes under its row, the
        // header's too, and each row's lines stay together.
        let rows = table_rows(&rows, 30);
        assert_eq!(rows[0], ["name", "    help"], "{rows:#?}");
        assert!(
            rows[1].len() > 2 && rows[1][0] == "concurrency",
            "{rows:#?}"
        );
        assert!(rows.iter().flatten().all(|l| width(l) <= 30), "{rows:#?}");
    }

    /// A value wider than the window (a parameter set to a long text)
    /// wraps with its row, set in, rather than running past the edge.
    #[test]
    fn leading_columns_wider_than_the_window_wrap_too() {
        let rows = vec![
            vec!["parameter", "value", "default", "what it does"],
            vec![
                "target",
                "127.0.0.1; rm -rf ~",
                "127.0.0.1; rm -rf ~",
                "a value passed to `echo`",
            ],
        ];
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(String::from).collect())
            .collect();
        let laid = table_rows(&rows, 50);
        assert!(laid.iter().flatten().all(|l| width(l) <= 50), "{laid:#?}");
        assert!(
            laid[1][0].starts_with("target     127.0.0.1; rm -rf ~"),
            "{laid:#?}"
        );
        assert!(laid[1][1].starts_with("    "), "{laid:#?}");
        assert!(laid[1].iter().any(|l| l.contains("passed to")), "{laid:#?}");
    }
}
