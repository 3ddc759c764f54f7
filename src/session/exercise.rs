//! The learner's own code in the session: what `run` runs, and the
//! exercise loop (`exercises`, `exercise`, `hint`, `check`,
//! `solution`). Building and running live in `crate::exercise`; this file
//! decides *what* runs and says so. Editing the file is `edit.rs`'s.
//!
//! What `run` runs follows from the files, not from a flag: an active
//! exercise runs the learner's exercise file; otherwise a copy of the
//! lesson's demo in the workspace that differs from the shipped source
//! runs as "your version"; otherwise the built-in demo.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Session, SessionError};
use crate::demo::{Demo, Params};
use crate::exercise::grade::{self, Grade};
use crate::exercise::{Entry, Exercise, ExerciseError, Workspace, catalog};

/// What `run` (and `compare`) execute.
pub(super) enum Program {
    BuiltIn(&'static dyn Demo),
    /// The learner's code, built: its executable and what to call it.
    Yours {
        exe: PathBuf,
        file: PathBuf,
    },
}

/// The learner's file for the current target, and how to build it.
pub(super) struct Target {
    pub(super) file: PathBuf,
    pub(super) bin: String,
    pub(super) original: &'static str,
    pub(super) exercise: Option<&'static Exercise>,
}

impl Session {
    pub(super) fn workspace(&self) -> Result<Workspace, SessionError> {
        Ok(Workspace::locate()?)
    }

    /// The file `edit`, `diff` and `restore` work on now.
    pub(super) fn target(&self) -> Result<Target, SessionError> {
        let ws = self.workspace()?;
        if let Some(exercise) = self.exercise {
            return Ok(Target {
                file: ws.exercise_file(exercise.name),
                bin: format!("ex-{}", exercise.name),
                original: exercise.starter,
                exercise: Some(exercise),
            });
        }
        let info = self.open_ref()?.resolved.demo.info();
        // A demo that reaches into asynclab itself (`crate::`) needs more
        // than the kit: the HTTP lab and its web framework.
        if info.source.contains("use crate::") {
            return Err(ExerciseError::NotEditable {
                demo: info.name,
                why: "it runs asynclab's HTTP lab, which your workspace does not build; every other demo can be edited, and `exercises` lists what to write yourself",
            }
            .into());
        }
        Ok(Target {
            file: ws.demo_file(&module_file(info.source, info.name)),
            bin: format!("demo-{}", info.name),
            original: info.source,
            exercise: None,
        })
    }

    /// Decides what `run` runs, building the learner's code if that is it.
    pub(super) fn program(&self, out: &mut dyn Write) -> Result<Program, SessionError> {
        let open = self.open_ref()?;
        let demo = open.resolved.demo;
        let target = match self.target() {
            Ok(target) => target,
            Err(e) if self.exercise.is_some() => return Err(e),
            // No workspace, or a demo that cannot be edited: the built-in one.
            Err(_) => return Ok(Program::BuiltIn(demo)),
        };
        if self.exercise.is_none() {
            // No copy, or an unchanged one: the built-in demo, without
            // touching cargo.
            match std::fs::read_to_string(&target.file) {
                Ok(text) if text != target.original => {}
                _ => return Ok(Program::BuiltIn(demo)),
            }
        }
        let exe = self.build(&target, out)?;
        Ok(Program::Yours {
            exe,
            file: target.file,
        })
    }

    fn build(&self, target: &Target, out: &mut dyn Write) -> Result<PathBuf, SessionError> {
        let ws = self.workspace()?;
        ws.seed(&target.file, target.original)?;
        let params: Vec<_> = self
            .open_ref()?
            .params
            .specs()
            .iter()
            .copied()
            .filter(|s| s.name != "clock" && s.name != "seed")
            .collect();
        let entry = match target.exercise {
            Some(e) => Entry::Exercise {
                name: e.name,
                params: &params,
                single_thread: self.open_ref()?.resolved.demo.info().single_thread,
            },
            None => Entry::Demo,
        };
        // The file's name: its whole path was shown when it was opened,
        // and a narrow window would break it.
        let name = target
            .file
            .file_name()
            .map_or(target.file.as_path(), Path::new);
        writeln!(
            out,
            "{}",
            self.dim(&format!(
                "building {} …",
                asynclab_kit::text::shown_path(name)
            ))
        )?;
        out.flush()?;
        let armed = self.interrupts.arm();
        let exe = ws.build(
            &target.bin,
            &target.file,
            entry,
            self.opts.color,
            out,
            &armed.token,
        );
        drop(armed);
        match exe {
            Err(ExerciseError::Cancelled) => {
                Err(SessionError::Invalid("build cancelled (Ctrl-C)".into()))
            }
            other => Ok(other?),
        }
    }

    /// `exercises`: this lesson's first, then the rest.
    pub(super) fn list_exercises(&self, out: &mut dyn Write) -> Result<(), SessionError> {
        let here = self
            .open
            .as_ref()
            .map(|o| o.resolved.lesson.meta.id.as_str());
        let ws = self.workspace().ok();
        let mut listed: Vec<&Exercise> = catalog::EXERCISES.iter().collect();
        listed.sort_by_key(|e| Some(e.lesson) != here);
        let name_width = listed.iter().map(|e| e.name.len()).max().unwrap_or(0);
        let lesson_width = listed.iter().map(|e| e.lesson.len()).max().unwrap_or(0);
        for e in listed {
            let done = self.progress.exercises.contains(e.name);
            let mark = if done {
                "✓"
            } else if Some(e.lesson) == here {
                "▶"
            } else {
                " "
            };
            let started = ws
                .as_ref()
                .is_some_and(|w| w.exercise_file(e.name).exists());
            let note = if started && !done { " (started)" } else { "" };
            let head = format!(
                "{mark} {:<name_width$}  lesson {:<lesson_width$}  ",
                e.name, e.lesson
            );
            let hang = " ".repeat(name_width + lesson_width + 13);
            if self.opts.width.saturating_sub(hang.len()) >= 30 {
                let line = self.wrapped(&format!("{head}{}{note}", e.goal), &hang);
                writeln!(out, "{line}")?;
            } else {
                // Too narrow for a column: the goal goes under the name,
                // and the name and lesson are not padded into columns.
                let head = format!("{mark} {}  lesson {}", e.name, e.lesson);
                writeln!(out, "{}", self.wrapped(&head, "    "))?;
                let goal = format!("    {}{note}", e.goal);
                writeln!(out, "{}", self.wrapped(&goal, "    "))?;
            }
        }
        writeln!(
            out,
            "{}",
            self.dim(&self.wrapped(
                "▶ this lesson's · ✓ passed `check` · (started): your file exists · `exercise <name>` starts one",
                ""
            ))
        )?;
        Ok(())
    }

    /// `exercise <name>`: opens its lesson if needed, writes the starter.
    pub(super) fn start_exercise(
        &mut self,
        name: &str,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        let exercise = catalog::find(name)?;
        let here = self
            .open
            .as_ref()
            .map(|o| o.resolved.lesson.meta.id.clone());
        if here.as_deref() != Some(exercise.lesson) {
            self.open_lesson_quietly(exercise.lesson)?;
            let note = format!(
                "opened lesson {} (the exercise uses its parameters)",
                exercise.lesson
            );
            writeln!(out, "{}", self.wrapped(&note, "  "))?;
        }
        self.exercise = Some(exercise);
        // Runs from here on are of the exercise, not the demo.
        self.forget_runs();
        // `run` shows what `check` grades: the parameters of its first run
        // (the lesson's own may hide the behaviour, e.g. no timeouts).
        let first: Vec<(String, String)> = exercise
            .runs()
            .into_iter()
            .next()
            .unwrap_or_default()
            .into_iter()
            .filter(|(name, _)| name != "seed")
            .collect();
        if !first.is_empty() {
            let open = self.open_mut()?;
            for (name, value) in &first {
                open.params.set(name, value)?;
            }
            let shown: Vec<String> = first.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let note = format!(
                "parameters set as in check's first run: {} (`reset` restores the lesson's)",
                shown.join(" ")
            );
            writeln!(out, "{}", self.dim(&self.wrapped(&note, "  ")))?;
        }
        let ws = self.workspace()?;
        ws.prepare()?;
        let file = ws.exercise_file(exercise.name);
        let fresh = ws.seed(&file, exercise.starter)?;
        writeln!(
            out,
            "{}",
            self.bold(&self.wrapped(
                &format!("exercise {}: {}", exercise.name, exercise.goal),
                "  "
            ))
        )?;
        // The path on a line of its own, whole: wrapped, it would not
        // paste back.
        writeln!(
            out,
            "your file ({}):\n  {}",
            if fresh {
                "the starter"
            } else {
                "kept from before"
            },
            asynclab_kit::text::shown_path(&file),
        )?;
        writeln!(out, "graded by:")?;
        for e in exercise.expects {
            writeln!(out, "{}", self.wrapped(&format!("  expect {e}"), "    "))?;
        }
        writeln!(
            out,
            "{}",
            self.dim(&self.wrapped("`edit` opens it · `run` runs it on the timeline · `check` grades it · `hint` helps · `exercise off` goes back to the demo", ""))
        )?;
        Ok(())
    }

    /// `exercise off`: `run` runs the lesson's demo again.
    pub(super) fn stop_exercise(&mut self, out: &mut dyn Write) -> Result<(), SessionError> {
        match self.exercise.take() {
            Some(e) => {
                // The last run was the exercise's; the demo's come next.
                self.forget_runs();
                let said = format!("left exercise {}; `run` runs the lesson's demo", e.name);
                writeln!(out, "{}", self.wrapped(&said, "  "))?
            }
            None => writeln!(out, "no exercise is active")?,
        }
        Ok(())
    }

    fn active_exercise(&self) -> Result<&'static Exercise, SessionError> {
        self.exercise.ok_or_else(|| {
            SessionError::Invalid(
                "no exercise is active: `exercises` lists them, `exercise <name>` starts one"
                    .into(),
            )
        })
    }

    /// `hint`: the next hint of the active exercise.
    pub(super) fn hint(&mut self, out: &mut dyn Write) -> Result<(), SessionError> {
        let exercise = self.active_exercise()?;
        let total = exercise.hints.len();
        let shown = self.hints_shown.get(exercise.name).copied().unwrap_or(0);
        let index = shown.min(total.saturating_sub(1));
        let Some(text) = exercise.hints.get(index) else {
            return Err(SessionError::Invalid(format!(
                "{} has no hints",
                exercise.name
            )));
        };
        let hint = format!("hint {}/{total}: {text}", index + 1);
        writeln!(out, "{}", self.wrapped(&hint, "  "))?;
        self.hints_shown
            .insert(exercise.name, (index + 1).min(total));
        if index + 1 == total {
            writeln!(out, "{}", self.dim("that was the last hint; after a failed `check`, `solution` shows a reference solution"))?;
        }
        Ok(())
    }

    /// `solution`: only after a `check` (failed in this session, or passed
    /// ever), so it is not the first thing tried.
    pub(super) fn solution(&self, out: &mut dyn Write) -> Result<(), SessionError> {
        let exercise = self.active_exercise()?;
        let tried = self.failed_checks.contains(exercise.name)
            || self.progress.exercises.contains(exercise.name);
        if !tried {
            let shown = self.hints_shown.get(exercise.name).copied().unwrap_or(0);
            let left = match exercise.hints.len().saturating_sub(shown) {
                0 => "every hint is shown already".to_string(),
                1 => "1 hint waits behind `hint`".to_string(),
                n => format!("{n} hints wait behind `hint`"),
            };
            return Err(SessionError::Invalid(format!(
                "try first: `check` your code; after a failed check, `solution` shows the reference ({left})"
            )));
        }
        writeln!(
            out,
            "{}",
            self.dim(&format!(
                "// a reference solution of {}; yours may differ and still pass",
                exercise.name
            ))
        )?;
        write!(out, "{}", exercise.solution)?;
        Ok(())
    }

    /// `check`: builds the learner's exercise and grades it.
    pub(super) fn check_exercise(&mut self, out: &mut dyn Write) -> Result<bool, SessionError> {
        let exercise = self.active_exercise()?;
        let target = self.target()?;
        self.build_and_grade(exercise, &target, out)
    }

    /// Builds and grades; records the outcome: a pass in the learner's
    /// progress, a failure (a compile error included: they tried) as what
    /// opens `solution`.
    fn build_and_grade(
        &mut self,
        exercise: &'static Exercise,
        target: &Target,
        out: &mut dyn Write,
    ) -> Result<bool, SessionError> {
        let graded = self
            .build(target, out)
            .and_then(|exe| self.grade(exercise, &exe, out));
        let passed = match graded {
            Ok(grade) => grade.passed(),
            Err(e) => {
                if matches!(e, SessionError::Exercise(ExerciseError::Compile { .. })) {
                    self.failed_checks.insert(exercise.name);
                }
                return Err(e);
            }
        };
        if passed {
            self.failed_checks.remove(exercise.name);
            if self.progress.exercises.insert(exercise.name.to_string()) {
                self.save_progress();
            }
        } else {
            self.failed_checks.insert(exercise.name);
        }
        Ok(passed)
    }

    fn grade(
        &self,
        exercise: &'static Exercise,
        exe: &Path,
        out: &mut dyn Write,
    ) -> Result<Grade, SessionError> {
        let base = self.open_ref()?.resolved.defaults.clone();
        // Said before the runs start: a program that hangs keeps this the
        // last line until the watchdog (or Ctrl-C) stops it.
        writeln!(
            out,
            "{}",
            self.dim(&self.wrapped(
                &format!(
                    "running it {} times, as `check` grades it · Ctrl-C cancels",
                    exercise.runs().len()
                ),
                "  "
            ))
        )?;
        out.flush()?;
        let armed = self.interrupts.arm();
        let grade = grade::grade(
            exercise,
            exe,
            &base,
            self.opts.scope,
            &armed.token,
            self.opts.progress.clone(),
        );
        drop(armed);
        let grade = match grade {
            Err(ExerciseError::Cancelled) => {
                return Err(SessionError::Invalid("check cancelled (Ctrl-C)".into()));
            }
            other => other?,
        };
        grade::report(exercise, &grade, self.opts.color, self.opts.width, out)?;
        Ok(grade)
    }

    /// `asynclab check NAME [FILE]`: grades FILE (default: the learner's
    /// copy, made from the starter if missing). Ok(true) when it passed.
    pub fn check_file(
        &mut self,
        name: &str,
        file: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<bool, SessionError> {
        let exercise = catalog::find(name)?;
        // A check from the shell grades a file; the REPL's place (the
        // lesson it reopens next time) stays where the learner left it.
        let place = self.progress.current.clone();
        self.open_lesson_quietly(exercise.lesson)?;
        if self.progress.current != place {
            self.progress.current = place;
            self.save_progress();
        }
        self.exercise = Some(exercise);
        let ws = self.workspace()?;
        let file = match file {
            Some(f) => std::path::absolute(f).map_err(|source| ExerciseError::Workspace {
                path: f.to_path_buf(),
                source,
            })?,
            None => {
                let mine = ws.exercise_file(exercise.name);
                ws.seed(&mine, exercise.starter)?;
                mine
            }
        };
        if !file.is_file() {
            return Err(SessionError::Invalid(format!(
                "no file {}",
                asynclab_kit::text::shown_path(&file)
            )));
        }
        let target = Target {
            file,
            bin: format!("check-{}", exercise.name),
            original: exercise.starter,
            exercise: Some(exercise),
        };
        self.build_and_grade(exercise, &target, out)
    }

    /// What the run header calls the learner's code ("your version (…)");
    /// `None` for the built-in demo.
    pub(super) fn program_label(&self, program: &Program) -> Option<String> {
        match program {
            Program::BuiltIn(_) => None,
            Program::Yours { file, .. } => Some(match self.exercise {
                Some(e) => format!("your {} ({})", e.name, asynclab_kit::text::shown_path(file)),
                None => format!("your version ({})", asynclab_kit::text::shown_path(file)),
            }),
        }
    }

    /// Runs `program` once with `params`: the built-in demo in-process, the
    /// learner's build as a child. Returns the run and what the learner's
    /// program printed itself.
    pub(super) fn run_program(
        &self,
        program: &Program,
        params: &Params,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<(crate::timeline::Run, Vec<String>), SessionError> {
        match program {
            Program::BuiltIn(demo) => Ok((self.run_once(*demo, params, cancel)?, Vec::new())),
            Program::Yours { exe, .. } => {
                let done = crate::exercise::program::run(
                    exe,
                    params,
                    self.opts.scope,
                    cancel,
                    self.opts.progress.clone(),
                )?;
                let mut printed = done.printed;
                if done.printed_dropped > 0 {
                    printed.push(format!("… and {} more lines", done.printed_dropped));
                }
                Ok((done.run, printed))
            }
        }
    }
}

/// The demo's file name (`rate_limit.rs`), read from its own
/// `include_str!("…")`; the name with `_` for `-` otherwise.
fn module_file(source: &str, name: &str) -> String {
    source
        .split("include_str!(\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|f| f.ends_with(".rs") && !f.contains('/'))
        .map_or_else(|| format!("{}.rs", name.replace('-', "_")), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_file_is_named_by_its_own_include() {
        assert_eq!(
            module_file("source: include_str!(\"await_.rs\"),", "await"),
            "await_.rs"
        );
        assert_eq!(module_file("no include", "rate-limit"), "rate_limit.rs");
    }
}
