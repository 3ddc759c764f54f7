//! `run` and `compare`: the demo (or the learner's program) run once or
//! over a grid, the header that says what ran, the reproducer line, the
//! run's JSON record, and the exports a run leaves behind.

use std::io::Write;

use super::{
    FinishedRun, OpenLesson, Origin, Session, SessionError, Transcript, compare, exercise, explain,
    export,
};
use crate::demo::run::run as run_demo;
use crate::demo::{self, Kind, Params};
use crate::lab::scope::Scope;
use crate::timeline::{Analysis, Metric, Outcome, Run, analyze, render};
use tokio_util::sync::CancellationToken;

impl Session {
    /// The shell command that reproduces this run exactly, every word
    /// shell-quoted: pasting it runs asynclab and nothing else, whatever a
    /// parameter or a lesson id contains.
    fn reproducer(open: &OpenLesson, scope: Scope) -> String {
        Session::reproducer_words(open, scope)
            .map(|words| words.join(" "))
            .unwrap_or_else(|| {
                "(no shell line can reproduce this run: a parameter, or the lesson's folder, cannot be written as one)".into()
            })
    }

    /// The reproducer's words, each quoted for the shell on its own; `None`
    /// when a parameter holds a NUL byte, which no shell word can, or the
    /// lesson's folder cannot be named (see [`Origin`]).
    fn reproducer_words(open: &OpenLesson, scope: Scope) -> Option<Vec<String>> {
        // Every word quoted on its own; `name=value` as two quoted halves
        // around a bare `=` (an argument, never an assignment), so the
        // common `--set count=500` needs no quotes at all.
        let quote = |word: &str| shlex::try_quote(word).map(|q| q.into_owned());
        let assign = |name: &str, value: &str| Ok(format!("{}={}", quote(name)?, quote(value)?));
        let mut words: Vec<Result<String, shlex::QuoteError>> = vec![Ok("asynclab".into())];
        match &open.origin {
            Origin::BuiltIn => {}
            Origin::Folder(dir) => {
                // Quoting makes a word safe for the shell, not for the
                // terminal that shows it: a folder named with a control
                // character (or not in UTF-8) gets no reproducer.
                let dir = dir.to_str()?;
                if dir.chars().any(asynclab_kit::text::is_unsafe) {
                    return None;
                }
                words.extend([Ok("--lessons".into()), quote(dir)]);
            }
            Origin::Unknown => return None,
        }
        // A run that needed it cannot be reproduced without it.
        if scope.allow_external {
            words.push(Ok("--allow-external".into()));
        }
        words.push(Ok("run".into()));
        // A bare demo (no lesson) is named with --demo: a lesson may share
        // its name but not its defaults.
        if open.resolved.lesson.cells.is_empty()
            && open.number == 0
            && open.resolved.lesson.meta.demo_line == 0
        {
            words.push(Ok("--demo".into()));
        }
        words.push(quote(&open.resolved.lesson.meta.id));
        for (name, value) in open.params.changed_from(&open.resolved.defaults) {
            if name == "seed" {
                words.extend([Ok("--seed".into()), quote(&value)]);
            } else {
                words.extend([Ok("--set".into()), assign(name, &value)]);
            }
        }
        words.into_iter().collect::<Result<Vec<_>, _>>().ok()
    }

    /// The `reproduce:` line for the terminal: too wide for the window, it
    /// breaks between words with a shell line continuation (` \`), so it
    /// still pastes as one command.
    fn reproduce_lines(open: &OpenLesson, scope: Scope, width: usize) -> String {
        let Some(words) = Session::reproducer_words(open, scope) else {
            return format!("reproduce: {}", Session::reproducer(open, scope));
        };
        let mut lines = vec![format!("reproduce: {}", words[0])];
        for word in &words[1..] {
            let last = lines.len() - 1;
            // Room for the word and, should more follow, ` \`.
            if crate::layout::width(&lines[last]) + 1 + word.len() + 2 <= width {
                lines[last].push(' ');
                lines[last].push_str(word);
            } else {
                lines[last].push_str(" \\");
                lines.push(format!("    {word}"));
            }
        }
        lines.join("\n")
    }

    /// Runs `demo` once with this session's scope and progress display. A
    /// demo that could not even start (a refused target, a lab that could
    /// not bind) has no timeline to show: that is one error line instead.
    pub(super) fn run_once(
        &self,
        demo: &'static dyn demo::Demo,
        params: &Params,
        cancel: &CancellationToken,
    ) -> Result<Run, SessionError> {
        let run = run_demo(
            demo,
            params,
            self.opts.scope,
            cancel,
            self.opts.progress.clone(),
        )?;
        match (&run.outcome, run.tasks.is_empty()) {
            (Outcome::Failed { message }, true) => Err(SessionError::DemoFailed(message.clone())),
            _ => Ok(run),
        }
    }

    pub(super) fn run(&mut self, out: &mut Transcript) -> Result<(), SessionError> {
        let program = self.program(out)?;
        let open = self.open_ref()?;
        let demo = open.resolved.demo;
        let params = open.params.clone();
        let reproduce = Session::reproduce_lines(open, self.opts.scope, self.opts.width);
        // Numbers always (they are what a learner varies); words and
        // lists only when changed from the lesson's value.
        let base = &open.resolved.defaults;
        let values: Vec<String> = params
            .specs()
            .iter()
            .filter(|s| s.name != "clock" && s.name != "seed")
            .filter(|s| {
                matches!(s.kind, Kind::Int { .. } | Kind::Duration { .. })
                    || params.get(s.name) != base.get(s.name)
            })
            .filter_map(|s| params.get(s.name).map(|v| (s.name, v.to_string())))
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let clock = params.choice("clock")?;
        let name = self.exercise.map_or(demo.info().name, |e| e.name);
        let mut parts = vec![format!("run {name}")];
        if let Some(label) = self.program_label(&program) {
            parts.push(label);
        }
        parts.extend(values);
        parts.push(format!("{clock} clock"));
        parts.push(format!("seed {}", params.int("seed")?));
        for line in wrap(&parts, self.opts.width) {
            out.heading(&line)?;
        }
        if clock == "real" {
            out.aside(&self.wrapped("running on the real clock… Ctrl-C cancels", "  "))?;
        }
        out.flush()?;

        // The run before the last is kept only as its summary, and the last
        // run becomes that before this one starts: a run of a million tasks
        // never has another beside it in memory.
        match self.rewound.take() {
            Some(then) => {
                self.last = None;
                self.prev = then;
            }
            None => {
                if let Some(last) = self.last.take() {
                    self.prev = Some(last.baseline());
                }
            }
        }
        let armed = self.interrupts.arm();
        let (run, printed) = self.run_program(&program, &params, &armed.token)?;
        drop(armed);
        let analysis = analyze(&run);
        let rendered = render(&run, &analysis, &self.render_options(Some(self.opts.rows)));
        // A terminal echoes Ctrl-C as `^C` where the cursor is: start the
        // timeline on a line of its own so its columns stay in line.
        let cancelled = matches!(run.outcome, Outcome::Cancelled { .. });
        let gap = if cancelled { "\n" } else { "" };
        out.record(
            |o| write!(o, "{gap}{rendered}"),
            || self.run_json(&params, &run, &analysis),
        )?;
        if !printed.is_empty() {
            out.aside("your program printed:")?;
            for line in &printed {
                writeln!(out, "  {}", crate::text::sanitize(line, false))?;
            }
        }
        if matches!(program, exercise::Program::BuiltIn(_)) {
            for line in reproduce.lines() {
                out.aside(&crate::text::sanitize(line, false))?;
            }
        }
        self.settle_predictions(&analysis.summary, out)?;
        let yours = !matches!(program, exercise::Program::BuiltIn(_));
        // A failed export (`replay --export`) is reported after the run is
        // kept, so the lesson's later `expect` lines still check it.
        let exported = match self.opts.export_dir.clone() {
            Some(dir) => self.export_run(&dir, &run, &analysis, yours, out),
            None => Ok(()),
        };
        if matches!(run.outcome, Outcome::Cancelled { .. }) {
            self.interrupted = true;
        }
        self.last = Some(FinishedRun {
            demo: name,
            yours,
            params,
            run,
            analysis,
        });
        exported
    }

    /// One run as a JSON line: lesson, demo, parameters, outcome, metrics
    /// (durations in milliseconds).
    pub(super) fn run_json(
        &self,
        params: &Params,
        run: &Run,
        analysis: &Analysis,
    ) -> serde_json::Value {
        let (lesson, demo) = match &self.open {
            Some(open) => (
                open.resolved.lesson.meta.id.as_str(),
                open.resolved.demo.info().name,
            ),
            None => ("", ""),
        };
        let values: serde_json::Map<String, serde_json::Value> = params
            .specs()
            .iter()
            .filter_map(|s| {
                params
                    .get(s.name)
                    .map(|v| (s.name.to_string(), serde_json::Value::from(v.to_string())))
            })
            .collect();
        let summary = &analysis.summary;
        let metrics: serde_json::Map<String, serde_json::Value> = summary
            .metric_names()
            .into_iter()
            .filter_map(|name| {
                let value = match summary.metric(&name)? {
                    Metric::Count(n) => serde_json::Value::from(n),
                    Metric::Duration(ns) => serde_json::Value::from(ns as f64 / 1e6),
                    Metric::Ratio(r) => serde_json::Value::from(r),
                };
                Some((name, value))
            })
            .collect();
        // An outcome is plain data: it always serialises.
        let outcome = serde_json::to_value(&run.outcome).unwrap_or_default();
        serde_json::json!({
            "type": "run",
            "lesson": lesson,
            "demo": demo,
            "params": values,
            "outcome": outcome,
            "metrics": metrics,
        })
    }

    pub(super) fn compare(
        &mut self,
        axes: &[(String, Vec<String>)],
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        let program = self.program(out)?;
        let open = self.open_ref()?;
        let demo = open.resolved.demo;
        // Check every value before running anything.
        let mut runs = Vec::new();
        for combo in compare::grid(axes) {
            let mut params = open.params.clone();
            for (name, value) in &combo {
                params.set(name, value)?;
            }
            runs.push((
                combo.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
                params,
            ));
        }
        let names: Vec<String> = axes.iter().map(|(n, _)| n.clone()).collect();
        let clock = open.params.choice("clock")?;
        writeln!(
            out,
            "{}",
            self.bold(&self.wrapped(
                &format!(
                    "compare {} on {}: {} runs · {clock} clock",
                    names.join(" × "),
                    // The learner's code is named as theirs, as `run` does.
                    self.program_label(&program)
                        .unwrap_or_else(|| demo.info().name.to_string()),
                    runs.len()
                ),
                "  "
            ))
        )?;
        out.flush()?;

        let armed = self.interrupts.arm();
        let mut rows = Vec::with_capacity(runs.len());
        for (values, params) in runs {
            if armed.token.is_cancelled() {
                break;
            }
            let (run, _) = self.run_program(&program, &params, &armed.token)?;
            let stopped = match run.outcome {
                Outcome::Cancelled { .. } => Some(compare::Stopped::Cancelled),
                Outcome::Watchdog { .. } => Some(compare::Stopped::Watchdog),
                _ => None,
            };
            rows.push(compare::Row {
                values,
                summary: analyze(&run).summary,
                stopped,
            });
        }
        drop(armed);
        if rows.len() < axes.iter().map(|(_, v)| v.len()).product::<usize>() {
            self.interrupted = true;
            writeln!(
                out,
                "{}",
                self.dim("(Ctrl-C: the remaining runs were skipped)")
            )?;
        }
        write!(out, "{}", compare::render(&names, &rows, self.opts.width))?;
        if rows
            .iter()
            .any(|r| r.stopped == Some(compare::Stopped::Watchdog))
        {
            let note = "(a run stopped by the watchdog measured only the work that fit in its time: `run` it alone to see how far it got)";
            out.aside(&self.wrapped(note, " "))?;
        }
        Ok(())
    }

    /// What an exported page says about a run: title, explanation, what
    /// it ran with, and the shell line that reproduces it (none for the
    /// learner's own code, nor once `set` changed a parameter since).
    pub(super) fn export_texts(
        &self,
        params: &Params,
        run: &Run,
        analysis: &Analysis,
        yours: bool,
    ) -> Result<export::ExportInfo, SessionError> {
        let open = self.open_ref()?;
        let title = format!(
            "{} · {}",
            open.resolved.demo.info().name,
            open.resolved.lesson.meta.title
        );
        let same = params.changed_from(&open.params).is_empty();
        Ok(export::ExportInfo {
            title,
            explanation: explain::explain_run(
                run,
                analysis,
                &open.resolved.lesson,
                open.resolved.demo.limit(params),
                yours,
                crate::layout::PROSE_MEASURE + 4,
            ),
            params: params
                .specs()
                .iter()
                .filter(|s| s.name != "clock" && s.name != "seed")
                .filter_map(|s| Some((s.name.to_string(), params.get(s.name)?.to_string())))
                .collect(),
            clock: params.choice("clock")?.to_string(),
            seed: params.int("seed")?.to_string(),
            reproduce: (!yours && same).then(|| Session::reproducer(open, self.opts.scope)),
        })
    }

    /// `--export DIR`: every format of this run, as `<lesson>-<n>.<ext>`.
    pub(super) fn export_run(
        &mut self,
        dir: &std::path::Path,
        run: &Run,
        analysis: &Analysis,
        yours: bool,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        self.exported += 1;
        let open = self.open_ref()?;
        let stem = format!("{}-{:02}", open.resolved.lesson.meta.id, self.exported);
        let info = self.export_texts(&open.params, run, analysis, yours)?;
        std::fs::create_dir_all(dir).map_err(|e| {
            SessionError::Invalid(format!(
                "cannot create {}: {e}",
                asynclab_kit::text::shown_path(dir)
            ))
        })?;
        for ext in export::FORMATS {
            let path = dir.join(format!("{stem}{ext}"));
            let text =
                export::render(&path, run, analysis, &info).map_err(SessionError::Invalid)?;
            // The folder was named for this: its files are replaced, but
            // never through a link.
            export::write_file(&path, &text, true)?;
        }
        out.aside(&format!(
            "exported to {}/{stem}.{{json,trace.json,svg,html}}",
            asynclab_kit::text::shown_path(dir)
        ))?;
        Ok(())
    }

    pub(super) fn export(
        &self,
        file: &str,
        force: bool,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        // A file name that drives a terminal would do so from every `ls`
        // of its folder: refused, like such a value in `set`.
        if file.chars().any(asynclab_kit::text::is_unsafe) {
            return Err(SessionError::Invalid(format!(
                "'{}' holds a control character or a bidirectional override: choose a plain file name",
                crate::text::quoted(file, 60)
            )));
        }
        let info =
            self.export_texts(&report.params, &report.run, &report.analysis, report.yours)?;
        let path = std::path::Path::new(file);
        let text = export::render(path, &report.run, &report.analysis, &info)
            .map_err(SessionError::Invalid)?;
        export::write_file(path, &text, force)?;
        writeln!(
            out,
            "wrote {} ({} bytes)",
            crate::text::sanitize(file, false),
            text.len()
        )?;
        Ok(())
    }
}

/// Joins `parts` with " · " into lines no wider than `width`; a single
/// part wider than that (a long list of ports) is broken across lines of
/// its own.
fn wrap(parts: &[String], width: usize) -> Vec<String> {
    use crate::layout::width as columns;
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        match lines.last_mut() {
            Some(line) if columns(line) + 3 + columns(part) <= width => {
                line.push_str(" · ");
                line.push_str(part);
            }
            _ if columns(part) > width => lines.extend(
                crate::layout::fill(part, width, "")
                    .lines()
                    .map(String::from),
            ),
            _ => lines.push(part.clone()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn the_parameter_line_stays_inside_the_window() {
        let parts = [
            "concurrency=10".to_string(),
            "ports=1-100,200-300,400-500,600-700,800-900,1000-1100".to_string(),
            "seed 42".to_string(),
        ];
        let lines = wrap(&parts, 40);
        assert!(lines.iter().all(|l| l.len() <= 40), "{lines:#?}");
        assert_eq!(lines[0], "concurrency=10");
        assert_eq!(lines.concat().matches("1000-1100").count(), 1, "{lines:#?}");
        assert_eq!(wrap(&parts[..1], 40), ["concurrency=10"]);
    }
}
