//! `compare`: one table (and a bar chart of totals) for a sweep of one or
//! two parameters. Pure formatting of measured summaries; running the
//! demos is the session's job.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::timeline::{Metric, Summary, format_duration};

/// One run of the sweep: the parameter values it used, and what it measured.
pub struct Row {
    pub values: Vec<String>,
    pub summary: Summary,
    /// Why the run ended early, if it did: its numbers are a part only.
    pub stopped: Option<Stopped>,
}

/// How a run of the sweep was cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    Cancelled,
    Watchdog,
}

fn show(metric: Option<Metric>) -> String {
    match metric {
        Some(Metric::Count(n)) => n.to_string(),
        Some(Metric::Duration(ns)) => format_duration(ns),
        Some(Metric::Ratio(r)) => format!("{r:.1}"),
        None => "-".to_string(),
    }
}

/// Every combination of the axes' values, first axis slowest.
pub fn grid(axes: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (name, values) in axes {
        combos = combos
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((name.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    combos
}

/// The table and the bar chart.
pub fn render(names: &[String], rows: &[Row], width: usize) -> String {
    let mut columns: Vec<String> = [
        "total",
        "peak_in_flight",
        "throughput",
        "completed",
        "failed",
        "timed_out",
        "cancelled",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let extra: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.summary.metrics.keys().cloned())
        .collect();
    columns.extend(extra);

    let mut cells: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    cells.push(
        names
            .iter()
            .cloned()
            .chain(
                columns
                    .iter()
                    .map(|c| c.replace("_in_flight", " in flight")),
            )
            .collect(),
    );
    for row in rows {
        let mut line = row.values.clone();
        line.extend(columns.iter().map(|c| show(row.summary.metric(c))));
        if let (Some(stopped), Some(first)) = (row.stopped, line.last_mut()) {
            first.push_str(match stopped {
                Stopped::Cancelled => " (cancelled)",
                Stopped::Watchdog => " (stopped by the watchdog)",
            });
        }
        cells.push(line);
    }
    let widths: Vec<usize> = (0..cells[0].len())
        .map(|i| {
            cells
                .iter()
                .map(|r| crate::layout::width(&r[i]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Too wide for the terminal: the metric columns go into several blocks,
    // one under the other, each led by the parameters' columns again.
    let keys = names.len().min(widths.len());
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut block: Vec<usize> = (0..keys).collect();
    let mut used: usize = 2 + block.iter().map(|&c| widths[c] + 2).sum::<usize>();
    for column in keys..widths.len() {
        if used + widths[column] > width && block.len() > keys {
            blocks.push(std::mem::replace(&mut block, (0..keys).collect()));
            used = 2 + block.iter().map(|&c| widths[c] + 2).sum::<usize>();
        }
        block.push(column);
        used += widths[column] + 2;
    }
    blocks.push(block);
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for line in &cells {
            let padded: Vec<String> = block
                .iter()
                .map(|&c| {
                    let gap = widths[c].saturating_sub(crate::layout::width(&line[c]));
                    format!("{}{}", " ".repeat(gap), line[c])
                })
                .collect();
            let _ = writeln!(out, "  {}", padded.join("  "));
        }
    }

    // Bar chart of the totals, scaled to the longest.
    let longest = rows
        .iter()
        .map(|r| r.summary.total_ns)
        .max()
        .unwrap_or(1)
        .max(1);
    let labels: Vec<String> = rows.iter().map(|r| r.values.join(" ")).collect();
    let label_w = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
    let bar_w = width.saturating_sub(label_w + 16).clamp(10, 60) as u64;
    let _ = writeln!(out, "\n  total");
    for (label, row) in labels.iter().zip(rows) {
        let len = (row.summary.total_ns * bar_w).div_ceil(longest) as usize;
        let _ = writeln!(
            out,
            "  {label:>label_w$} │{} {}",
            "█".repeat(len.max(1)),
            format_duration(row.summary.total_ns)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_every_combination_in_order() {
        let axes = vec![
            ("a".to_string(), vec!["1".to_string(), "2".to_string()]),
            ("b".to_string(), vec!["x".to_string(), "y".to_string()]),
        ];
        let flat: Vec<String> = grid(&axes)
            .iter()
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(flat, ["a=1 b=x", "a=1 b=y", "a=2 b=x", "a=2 b=y"]);
    }

    #[test]
    fn a_wide_table_goes_into_blocks_that_fit_each_led_by_the_parameters() {
        let row = |c: &str, total: u64| Row {
            values: vec![c.to_string()],
            summary: Summary {
                total_ns: total,
                metrics: [
                    ("closed_ports".to_string(), 28),
                    ("filtered_ports".to_string(), 7),
                    ("open_ports".to_string(), 5),
                ]
                .into(),
                ..Summary::default()
            },
            stopped: None,
        };
        let rows = [row("1", 3_720_000_000), row("10", 508_000_000)];
        let names = ["concurrency".to_string()];
        let wide = render(&names, &rows, 200);
        let header = |text: &str| text.lines().filter(|l| l.contains("concurrency")).count();
        assert_eq!(header(&wide), 1, "{wide}");
        let narrow = render(&names, &rows, 60);
        assert!(
            narrow.lines().all(|l| crate::layout::width(l) <= 60),
            "{narrow}"
        );
        assert!(header(&narrow) > 1, "{narrow}");
        for column in ["total", "peak in flight", "cancelled", "open_ports"] {
            assert!(narrow.contains(column), "{column} missing:\n{narrow}");
        }
    }

    #[test]
    fn a_run_cut_short_says_how_on_its_row() {
        let row = |c: &str, stopped| Row {
            values: vec![c.to_string()],
            summary: Summary {
                total_ns: 3_600_000_000_000,
                ..Summary::default()
            },
            stopped,
        };
        let rows = [
            row("1", Some(Stopped::Watchdog)),
            row("2", Some(Stopped::Cancelled)),
            row("3", None),
        ];
        let table = render(&["concurrency".to_string()], &rows, 200);
        let line = |value: &str| {
            table
                .lines()
                .find(|l| l.trim_start().starts_with(value))
                .unwrap_or_default()
                .to_string()
        };
        assert!(line("1 ").ends_with("(stopped by the watchdog)"), "{table}");
        assert!(line("2 ").ends_with("(cancelled)"), "{table}");
        assert!(!line("3 ").contains('('), "{table}");
    }
}
