//! `at`: every task's state at one instant of a run, counted and then
//! listed. Pure, like the rest of the renderer.

use std::fmt::Write as _;

use super::analysis::{Analysis, SpanState};
use super::event::{NoteId, Run};
use super::format::format_duration;
use super::render::{RenderOptions, name_width, pad, truncate, wrap};

/// Every task's state at one instant: counts per state, then (for up to
/// 40 tasks) each task with the last thing it said.
pub fn render_at(run: &Run, analysis: &Analysis, at_ns: u64, opts: &RenderOptions) -> String {
    // A future's lane is created, not spawned (a select! branch, an inline
    // re-scan).
    let mut states: Vec<String> = run
        .tasks
        .iter()
        .map(|t| {
            if t.future {
                "not created yet"
            } else {
                "not spawned yet"
            }
            .to_string()
        })
        .collect();
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
        .filter(|e| e.at_ns <= at_ns && e.note != NoteId::EMPTY)
    {
        if let Some(slot) = last_note.get_mut(e.task.index()) {
            *slot = run.note(&e);
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
    for line in wrap(&summary.join(" · "), opts.width, "  ") {
        let _ = writeln!(out, "{line}");
    }
    if run.tasks.len() <= 40 {
        let name_w = name_width(run);
        for (i, task) in run.tasks.iter().enumerate() {
            let note = if last_note[i].is_empty() {
                String::new()
            } else {
                format!(": {}", last_note[i])
            };
            let name = pad(&truncate(task.name, name_w), name_w);
            let line = format!("  {name}  {}{note}", states[i]);
            let _ = writeln!(out, "{}", truncate(&line, opts.width));
        }
    }
    out
}
