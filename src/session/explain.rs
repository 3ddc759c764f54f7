//! `explain`: what happened in *this* run, in sentences, from measured
//! facts, followed by the lesson's notes on the events that occurred.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use super::{Baseline, FinishedRun, Session, SessionError, Transcript};
use crate::lesson::Lesson;
use crate::timeline::{Analysis, EventKind, Run, SpanState, WaitOn, format_duration};

/// The lesson-note topics this run touched, in a stable order: a note
/// `## explain permit-wait` is shown when some task waited on a permit.
pub fn topics(run: &Run) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |t: String| {
        if !found.contains(&t) {
            found.push(t);
        }
    };
    for e in &run.events {
        match e.kind {
            EventKind::Waiting(on) => add(format!("{}-wait", wait_topic(on))),
            EventKind::TimedOut => add("timeout".into()),
            EventKind::Cancelled => add("cancelled".into()),
            EventKind::Panicked => add("panic".into()),
            EventKind::Failed => add("failed".into()),
            _ => {}
        }
    }
    found
}

fn wait_topic(on: WaitOn) -> &'static str {
    match on {
        WaitOn::Io => "io",
        other => other.label(),
    }
}

/// Up to three "task (why)" examples of tasks that ended with `kind`.
fn examples(run: &Run, kind: EventKind) -> String {
    let hits: Vec<String> = run
        .events
        .iter()
        .filter(|e| e.kind == kind)
        .take(3)
        .map(|e| format!("{} ({})", run.task_name(e.task), run.note(&e)))
        .collect();
    hits.join("; ")
}

/// "was" for one, "were" for any other count.
fn were(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 { "was" } else { "were" }
}

/// The explanation of one run. `yours`: the run was of the learner's own
/// code, which the lesson's notes (written about its demo) do not describe.
/// `width`: the notes are reflowed to fit it under their indent.
/// `limit`: the parameter that capped tasks in flight, and its value
/// ([`Demo::limit`](asynclab_kit::Demo::limit)), held against the peak.
pub fn explain_run(
    run: &Run,
    a: &Analysis,
    lesson: &Lesson,
    limit: Option<(&str, u64)>,
    yours: bool,
    width: usize,
) -> String {
    let s = &a.summary;
    let mut out = String::new();
    let mut say = |line: String| {
        let _ = writeln!(out, "  • {line}");
    };

    // "1 task", "6 tasks (+12 futures)", as the summary counts them.
    let work = crate::timeline::lanes_ran(s.tasks, s.futures);
    // On the real clock there is no honest one-at-a-time figure to give.
    if s.real_clock || s.sequential_ns == 0 {
        say(format!(
            "{work}; the run took {}.",
            format_duration(s.total_ns)
        ));
    } else {
        say(format!(
            "{work}; the run took {}. Done one at a time the same work takes {} ({:.1}x).",
            format_duration(s.total_ns),
            format_duration(s.sequential_ns),
            s.speedup()
        ));
    }
    let mut peak = format!(
        "At most {} {} in flight at once (first at {})",
        s.peak_in_flight,
        were(s.peak_in_flight),
        format_duration(s.peak_at_ns)
    );
    if let Some((name, value)) = limit {
        if value == s.peak_in_flight {
            peak.push_str(&format!(": exactly the limit, {name} = {value}"));
        } else if s.peak_in_flight < value {
            peak.push_str(&format!(
                ": below the limit {name} = {value}, so the limit never bit"
            ));
        }
    }
    say(format!("{peak}."));

    // Blocked time per kind of wait, from the spans.
    let mut blocked: BTreeMap<WaitOn, (u64, u64)> = BTreeMap::new();
    for span in &a.spans {
        if let SpanState::Waiting(on) = span.state
            && !on.is_work()
        {
            let entry = blocked.entry(on).or_default();
            entry.0 += 1;
            entry.1 += span.to_ns - span.from_ns;
        }
    }
    for (on, (count, ns)) in &blocked {
        say(format!(
            "{count} times a {} sat blocked on a {}, {} in all.",
            if s.futures > 0 {
                "task or future"
            } else {
                "task"
            },
            on.label(),
            format_duration(*ns)
        ));
    }
    if let Some((task, len, on, note)) = &s.longest_wait {
        say(format!(
            "The longest wait: {} waited {} on a {} because \"{}\".",
            run.task_name(*task),
            format_duration(*len),
            on.label(),
            note
        ));
    }
    for (kind, verb) in [
        (EventKind::TimedOut, "timed out"),
        (EventKind::Failed, "failed"),
        (EventKind::Cancelled, "cancelled"),
        (EventKind::Panicked, "panicked"),
    ] {
        let n = run.events.iter().filter(|e| e.kind == kind).count();
        let verb = if kind == EventKind::Cancelled {
            format!("{} {verb}", were(n as u64))
        } else {
            verb.to_string()
        };
        if n > 0 {
            say(format!(
                "{n} {verb}: {}{}",
                examples(run, kind),
                if n > 3 { "; …" } else { "" }
            ));
        }
    }
    for (name, value) in &s.metrics {
        say(format!("{name} = {value}"));
    }

    let touched = topics(run);
    let notes: Vec<_> = lesson
        .explains
        .iter()
        .filter(|n| touched.contains(&n.topic))
        .collect();
    if !notes.is_empty() {
        let heading = if yours {
            "\nFrom the lesson, about its demo (your code may do this another way):"
        } else {
            "\nWhy, from the lesson:"
        };
        let _ = writeln!(out, "{heading}");
        for note in notes {
            let _ = writeln!(out, "  [{}]", note.topic);
            // Reflowed under its indent: the lesson's own line breaks,
            // wrapped again, would leave the paragraph ragged.
            for line in crate::layout::reflow(&note.text, width.saturating_sub(4)).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    let others: Vec<&str> = lesson
        .explains
        .iter()
        .filter(|n| !touched.contains(&n.topic))
        .map(|n| n.topic.as_str())
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "\nMore notes: {}",
            others
                .iter()
                .map(|t| format!("`explain {t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

/// One sentence on how `now` differs from the run before it.
pub fn compare(prev: &Baseline, now: &FinishedRun) -> String {
    let changed: Vec<String> = now
        .params
        .changed_from(&prev.params)
        .into_iter()
        .map(|(name, value)| {
            let before = prev
                .params
                .get(name)
                .map(ToString::to_string)
                .unwrap_or_default();
            format!("{name} {before} → {value}")
        })
        .collect();
    let what = if changed.is_empty() {
        "nothing changed".to_string()
    } else {
        changed.join(", ")
    };
    let (p, n) = (&prev.summary, &now.analysis.summary);
    format!(
        "Compared with the run before ({what}): total {} → {}, peak in flight {} → {}.",
        format_duration(p.total_ns),
        format_duration(n.total_ns),
        p.peak_in_flight,
        n.peak_in_flight
    )
}

impl Session {
    pub(super) fn explain(
        &self,
        topic: Option<&str>,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        let open = self.open_ref()?;
        let lesson = &open.resolved.lesson;
        if let Some(topic) = topic {
            let note = lesson.explain(topic).ok_or_else(|| SessionError::Topic {
                topic: topic.to_string(),
                available: if lesson.explains.is_empty() {
                    "no notes".to_string()
                } else {
                    lesson
                        .explains
                        .iter()
                        .map(|e| e.topic.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })?;
            writeln!(out, "{}", self.bold(&format!("[{}]", note.topic)))?;
            write!(
                out,
                "{}",
                crate::layout::reflow(&note.text, self.opts.width)
            )?;
            if !note.text.ends_with('\n') {
                writeln!(out)?;
            }
            return Ok(());
        }
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        writeln!(
            out,
            "{}",
            self.bold(&format!("What happened in this run of {}:", report.demo))
        )?;
        if let Some(prev) = self.prev.as_ref().filter(|p| p.demo == report.demo) {
            let line = format!("  • {}", compare(prev, report));
            writeln!(out, "{}", self.wrapped(&line, "    "))?;
        }
        let limit = self.open_ref()?.resolved.demo.limit(&report.params);
        let text = explain_run(
            &report.run,
            &report.analysis,
            lesson,
            limit,
            report.yours,
            self.opts.width,
        );
        // Each sentence wraps under its bullet.
        for line in text.lines() {
            writeln!(out, "{}", self.wrapped(line, "    "))?;
        }
        Ok(())
    }
}
