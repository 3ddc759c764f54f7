//! `asynclab replay`: lessons run cell by cell without a person, and with
//! `--check`, a test: the loop, what counts as a failure, and the exit
//! code. A lesson that checks nothing fails a check: a ```rust fence
//! where ```asynclab was meant would otherwise pass silently.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::lesson::{self, Cell, Lesson};
use crate::session::{Session, SessionError};

/// How `replay` was asked to run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Replay {
    /// Failed expectations and lessons that check nothing fail the replay.
    pub check: bool,
    /// One JSON object a line instead of the transcript.
    pub json: bool,
}

/// How a replay ended, as the process's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Every lesson ran (and, with `--check`, every expectation held): 0.
    Passed,
    /// A lesson could not be opened, or (with `--check`) something failed: 1.
    Failed,
    /// Ctrl-C: 130, as a shell reports a SIGINT.
    Interrupted,
}

impl Ended {
    pub fn code(self) -> u8 {
        match self {
            Ended::Passed => 0,
            Ended::Failed => 1,
            Ended::Interrupted => 130,
        }
    }
}

/// Why a lesson cannot serve as a test, if it cannot: it has no command
/// cells, or no `expect` line.
pub fn untestable(lesson: &Lesson) -> Option<&'static str> {
    let lines: Vec<&str> = lesson
        .cells
        .iter()
        .filter_map(|c| match c {
            Cell::Commands { lines, .. } => Some(lines),
            Cell::Prose { .. } => None,
        })
        .flatten()
        .map(|l| l.text.trim())
        .collect();
    if lines.is_empty() {
        Some("it has no ```asynclab cells, so nothing runs (a ```rust fence is prose)")
    } else if !lines.iter().any(|l| l.starts_with("expect ")) {
        Some("it has no `expect` line, so nothing it claims is checked")
    } else {
        None
    }
}

/// Opens `item`: a lesson file, else an id or number of the catalog.
fn load(session: &Session, item: &str) -> Result<Lesson, SessionError> {
    if Path::new(item).is_file() {
        Ok(lesson::load(Path::new(item))?)
    } else {
        Ok(session.catalog().find(item).cloned()?)
    }
}

/// Replays each lesson to its end. Errors and failures are reported on
/// stderr through `report`; the transcript goes to `out`.
pub fn replay(
    session: &mut Session,
    out: &mut dyn Write,
    items: &[String],
    how: Replay,
    report: &dyn Fn(&SessionError),
) -> Ended {
    let mut broken = Vec::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let result = load(session, item).and_then(|l| {
            if let Some(first) = ids.insert(l.meta.id.clone(), l.source.clone()) {
                eprintln!(
                    "warning: {} has the id '{}' of {first} too: `open {}` finds only one",
                    l.source, l.meta.id, l.meta.id
                );
            }
            if how.check
                && let Some(why) = untestable(&l)
            {
                broken.push(format!("{}: checks nothing: {why}", l.source));
            }
            if i > 0 && !how.json {
                writeln!(out)?;
            }
            session.open_lesson(l, 0, out)?;
            while !session.at_end() && !session.interrupted {
                session.execute_line("next", out)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(e) if crate::repl::is_broken_pipe(&e) => return Ended::Passed,
            Err(e) => {
                report(&e);
                broken.push(e.to_string());
            }
        }
        if session.interrupted {
            eprintln!("replay stopped: Ctrl-C");
            return Ended::Interrupted;
        }
    }
    let failed = session.failures.len() + broken.len();
    if how.json {
        let line = serde_json::json!({"type": "summary", "lessons": items.len(), "held": session.passed, "failed": failed});
        let _ = writeln!(out, "{line}");
    } else if how.check {
        let _ = writeln!(
            out,
            "\nreplay --check: {} lesson{}, {} expectations held, {} failed",
            items.len(),
            if items.len() == 1 { "" } else { "s" },
            session.passed,
            failed
        );
    }
    if how.check {
        for f in session.failures.iter().chain(&broken) {
            eprintln!("FAILED {f}");
        }
        if failed > 0 {
            return Ended::Failed;
        }
    }
    // A lesson that could not even be opened is an error with or without
    // --check; failed expectations only count with it.
    if broken.is_empty() {
        Ended::Passed
    } else {
        Ended::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(body: &str) -> Lesson {
        let text = format!("---\nid: t\ntitle: T\ndemo: select\n---\n{body}");
        crate::lesson::parse("t.md", &text).expect("parses")
    }

    #[test]
    fn a_lesson_that_checks_nothing_is_untestable() {
        let rust_fence = lesson("# T\n\n```rust\nrun\nexpect total < 1s\n```\n");
        assert!(untestable(&rust_fence).is_some_and(|w| w.contains("no ```asynclab")));
        let no_expect = lesson("# T\n\n```asynclab\nrun\n```\n");
        assert!(untestable(&no_expect).is_some_and(|w| w.contains("no `expect`")));
        let fine = lesson("# T\n\n```asynclab\nrun\nexpect total < 1s\n```\n");
        assert_eq!(untestable(&fine), None);
    }
}
