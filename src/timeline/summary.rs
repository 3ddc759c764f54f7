//! The summary block: the run's findings first, then totals, peak,
//! throughput, how tasks ended, the longest wait, the demo's own metrics
//! and how the run ended. Pure, like the rest of the renderer.

use std::fmt::Write as _;

use colored::Color;

use super::analysis::Analysis;
use super::event::{Outcome, Run, WaitOn};
use super::format::format_duration;
use super::render::{RenderOptions, display_width, truncate};

/// The summary block alone (also used by `compare` and the CLI).
pub fn render_summary(run: &Run, analysis: &Analysis, opts: &RenderOptions) -> String {
    let s = &analysis.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{}", opts.bold("summary"));
    // Each row: a key, then its value word-wrapped under the value column.
    let row = |out: &mut String, key: &str, value: String| {
        // A key longer than its column (a demo's own metric) pushes the
        // value right; the value wraps in what is left.
        let indent = 18.max(display_width(key) + 3);
        let room = opts.width.saturating_sub(indent).max(20);
        let mut line = format!("  {key:<15} ");
        let mut used = 0;
        for word in value.split(' ') {
            // A word longer than the whole column is cut, not overflowed
            // (a word that long is plain text: only short counts are
            // coloured).
            let cut;
            let word = if display_width(word) > room {
                cut = truncate(word, room);
                cut.as_str()
            } else {
                word
            };
            let len = display_width(word);
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
    // the learner came for, listed in full. Only a list longer than a few
    // lines (ten thousand simulated open ports) is cut in the short view;
    // `timeline --all` lists every one.
    for (name, found) in &run.findings {
        let shown = match opts.max_rows {
            Some(_) => first_of(found, 6 * opts.width.saturating_sub(18).max(20)),
            None => found.clone(),
        };
        row(&mut out, name, opts.bold(&shown));
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
        // Futures end too: when there are any, say what was counted.
        match s.futures {
            0 => format!("{:.1} tasks/s", s.throughput()),
            _ => format!("{:.1} tasks and futures done/s", s.throughput()),
        },
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
        // The ends count every lane: tasks and the futures beside them.
        match (s.tasks, s.futures) {
            (tasks, 0) => format!("{tasks}: {}", ends.join(", ")),
            // Spawned tasks may exist without lanes of their own (workers
            // whose checks have the lanes): "0 tasks" would deny them.
            (0, futures) => format!("{}: {}", lanes_ran(0, futures), ends.join(", ")),
            (tasks, futures) => format!(
                "{tasks} (+{futures} {}): {}",
                plural(futures, "future"),
                ends.join(", ")
            ),
        },
    );
    if let Some((task, len, on, note)) = &s.longest_wait {
        let why = if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        };
        // The one row made of a free-text note: at most three lines.
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
            truncate(&line, 3 * opts.width.saturating_sub(18).max(20)),
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
                // The virtual clock's limit reached: the work did not fit.
                // Short of it, a wall-clock watchdog (a learner's program)
                // stopped a run whose clock stood still: a blocked thread.
                &if s.real_clock
                    || *at_ns < asynclab_kit::run::watchdog(asynclab_kit::Clock::Virtual).as_nanos() as u64
                {
                    format!(
                        "stopped by the watchdog at {} on the timeline: the run did not finish in time (a deadlock, or a thread blocked by std::thread::sleep or a busy loop?)",
                        format_duration(*at_ns)
                    )
                } else {
                    format!(
                        "stopped by the watchdog at {}, the most virtual time a run may take: more work than fits (lower count or raise concurrency), or a deadlock",
                        format_duration(*at_ns)
                    )
                },
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

/// `list` (comma-separated items) cut to about `budget` characters at an
/// item boundary, saying how many more there are.
fn first_of(list: &str, budget: usize) -> String {
    if list.len() <= budget {
        return list.to_string();
    }
    let items: Vec<&str> = list.split(", ").collect();
    let mut kept = Vec::new();
    let mut used = 0;
    for item in &items {
        if used + item.len() + 2 > budget.saturating_sub(60) {
            break;
        }
        used += item.len() + 2;
        kept.push(*item);
    }
    format!(
        "{}, … and {} more (`timeline --all` lists every one)",
        kept.join(", "),
        items.len() - kept.len()
    )
}

fn on_label(on: WaitOn) -> &'static str {
    match on {
        WaitOn::Permit => "a permit",
        WaitOn::Channel => "a channel",
        WaitOn::Lock => "a lock",
        WaitOn::Timer => "a timer",
        WaitOn::Io => "i/o",
        WaitOn::Join => "other tasks or futures",
    }
}

/// What ran, counted in lanes: `6 tasks`, `6 tasks (+12 futures)`, or
/// `12 futures, no spawned task on the timeline` (tasks may exist without
/// lanes of their own: cancel's workers).
pub fn lanes_ran(tasks: u64, futures: u64) -> String {
    match (tasks, futures) {
        (tasks, 0) => format!("{tasks} {}", plural(tasks, "task")),
        (0, futures) => format!(
            "{futures} {}, no spawned task on the timeline",
            plural(futures, "future")
        ),
        (tasks, futures) => format!(
            "{tasks} {} (+{futures} {})",
            plural(tasks, "task"),
            plural(futures, "future")
        ),
    }
}

/// `future` or `futures`, as `n` asks.
fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::first_of;
    use crate::timeline::{Outcome, RenderOptions, Run, Tasks, analyze, render_summary};

    /// The virtual clock's limit reached means more work than fits; a
    /// watchdog that fired while the virtual clock stood still (a
    /// learner's program spinning) means a blocked thread.
    #[test]
    fn the_watchdog_says_why_by_where_the_clock_stopped() {
        let said = |at_ns: u64| {
            let run = Run::new(Tasks::default(), Outcome::Watchdog { at_ns });
            render_summary(&run, &analyze(&run), &RenderOptions::default())
        };
        assert!(said(0).contains("a thread blocked"), "{}", said(0));
        let limit = 3_600_000_000_000;
        assert!(
            said(limit).contains("the most virtual time"),
            "{}",
            said(limit)
        );
    }

    #[test]
    fn a_long_finding_is_cut_at_an_item_and_counts_the_rest() {
        assert_eq!(first_of("22, 80", 100), "22, 80");
        let many: Vec<String> = (1..=1000).map(|p| p.to_string()).collect();
        let cut = first_of(&many.join(", "), 200);
        assert!(cut.chars().count() <= 200, "{cut}");
        assert!(cut.starts_with("1, 2, 3, "), "{cut}");
        let shown = cut.split(", ").filter(|i| i.parse::<u32>().is_ok()).count();
        assert!(
            cut.contains(&format!("… and {} more", 1000 - shown)),
            "{cut}"
        );
    }
}
