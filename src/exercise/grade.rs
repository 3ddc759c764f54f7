//! `check`: runs the learner's program over the exercise's grid of
//! parameter sets and seeds, and checks every `expect` line in every run.
//!
//! Grading is behavioural: it reads what the tasks did (peak in flight, who
//! was cancelled, how long the run took), never the code. Any correct
//! pattern passes; an answer hard-coded for one parameter set fails another.

use std::io::Write;
use std::path::Path;

use tokio_util::sync::CancellationToken;

use super::{Exercise, ExerciseError, program};
use crate::demo::Params;
use crate::demo::run::ProgressFn;
use crate::lab::scope::Scope;
use crate::lesson::Expectation;
use crate::session::check::check;
use crate::timeline::{Outcome, analyze};

/// One expectation over every run of the grid.
pub struct Verdict {
    pub expect: &'static str,
    /// Runs in which it held.
    pub held: usize,
    pub runs: usize,
    /// The first run where it did not hold: which run, and why.
    pub first_failure: Option<String>,
}

/// The result of `check`.
pub struct Grade {
    pub verdicts: Vec<Verdict>,
    /// Runs that did not finish by themselves (watchdog, a crash).
    pub unfinished: Vec<String>,
}

impl Grade {
    pub fn passed(&self) -> bool {
        self.unfinished.is_empty() && self.verdicts.iter().all(|v| v.held == v.runs)
    }
}

/// Runs `exe` once per grid entry and checks every expectation. `base` is
/// the lesson's parameters; the grid's values go on top of them. A run
/// that lasts reports to `progress`, as `run` does.
pub fn grade(
    exercise: &Exercise,
    exe: &Path,
    base: &Params,
    scope: Scope,
    cancel: &CancellationToken,
    progress: Option<ProgressFn>,
) -> Result<Grade, ExerciseError> {
    let expects: Vec<Expectation> = exercise
        .expects
        .iter()
        .map(|line| Expectation::parse(line).map_err(ExerciseError::Invalid))
        .collect::<Result<_, _>>()?;
    let runs = exercise.runs();
    // `runs` counts the runs that finished: an unfinished run measured
    // nothing and is reported apart.
    let mut verdicts: Vec<Verdict> = exercise
        .expects
        .iter()
        .map(|expect| Verdict {
            expect,
            held: 0,
            runs: 0,
            first_failure: None,
        })
        .collect();
    let mut unfinished = Vec::new();
    for pairs in runs {
        if cancel.is_cancelled() {
            return Err(ExerciseError::Cancelled);
        }
        let mut params = base.clone();
        for (name, value) in &pairs {
            params.set(name, value)?;
        }
        let label = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let done = program::run(exe, &params, scope, cancel, progress.clone())?;
        match &done.run.outcome {
            Outcome::Finished => {}
            Outcome::Cancelled { .. } => return Err(ExerciseError::Cancelled),
            Outcome::Watchdog { .. } => {
                unfinished.push(format!(
                    "{label}: stopped by the watchdog (a deadlock, or a blocked thread?)"
                ));
            }
            Outcome::Failed { message } => unfinished.push(format!("{label}: {message}")),
        }
        // A program that hangs in one run hangs in the next: one watchdog
        // wait is enough to say so, and the unfinished run measures nothing.
        if !unfinished.is_empty() {
            break;
        }
        let summary = analyze(&done.run).summary;
        for (verdict, e) in verdicts.iter_mut().zip(&expects) {
            verdict.runs += 1;
            match check(e, &summary, None, &params) {
                Ok(c) if c.held => verdict.held += 1,
                Ok(c) => {
                    verdict.first_failure.get_or_insert_with(|| {
                        format!(
                            "measured {}, {} {} ({label})",
                            c.measured,
                            e.op.wanted(),
                            c.limit
                        )
                    });
                }
                Err(why) => {
                    verdict
                        .first_failure
                        .get_or_insert_with(|| format!("{why} ({label})"));
                }
            }
        }
    }
    Ok(Grade {
        verdicts,
        unfinished,
    })
}

/// Prints a grade: one line per expectation, then the verdict.
pub fn report(
    exercise: &Exercise,
    grade: &Grade,
    color: bool,
    width: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let style = crate::timeline::Style { color };
    // Every line wrapped to the output width, later lines indented.
    let fill = |text: &str, indent: &str| crate::layout::fill(text, width, indent);
    let runs = exercise.runs().len();
    let seeds: Vec<String> = exercise.seeds.iter().map(u64::to_string).collect();
    let header = format!(
        "check {} · {runs} runs: {} × seeds {}",
        exercise.name,
        exercise.grid.join(" | "),
        seeds.join(", ")
    );
    writeln!(out, "{}", fill(&header, "    "))?;
    for v in &grade.verdicts {
        let ok = v.first_failure.is_none() && v.runs > 0;
        let (line, why) = match &v.first_failure {
            _ if v.runs == 0 => (
                format!("  · expect {}: not measured, no run finished", v.expect),
                None,
            ),
            None => (
                format!(
                    "  ✓ expect {:<40} held in {}/{} runs",
                    v.expect, v.held, v.runs
                ),
                None,
            ),
            Some(why) => (
                format!(
                    "  ✗ expect {:<40} held in {}/{} runs",
                    v.expect, v.held, v.runs
                ),
                Some(why),
            ),
        };
        writeln!(out, "{}", style.verdict(&fill(&line, "      "), ok))?;
        if let Some(why) = why {
            writeln!(out, "{}", fill(&format!("      {why}"), "      "))?;
        }
    }
    for why in &grade.unfinished {
        let line = fill(&format!("  ✗ did not finish: {why}"), "      ");
        writeln!(out, "{}", style.verdict(&line, false))?;
    }
    let verdict = if grade.passed() {
        format!(
            "PASSED {}: every expectation held in every run.",
            exercise.name
        )
    } else if !grade.unfinished.is_empty() {
        format!(
            "FAILED {}: your program did not finish a run; the timeline (`run`) shows where it stopped.",
            exercise.name
        )
    } else {
        let failed = grade
            .verdicts
            .iter()
            .filter(|v| v.first_failure.is_some())
            .count();
        format!(
            "FAILED {}: {failed} of {} expectations did not hold. `run` shows your timeline; `hint` gives a hint.",
            exercise.name,
            grade.verdicts.len()
        )
    };
    writeln!(
        out,
        "{}",
        style.verdict(&fill(&verdict, ""), grade.passed())
    )?;
    Ok(())
}
