//! Parse, then resolve: a parsed [`Lesson`] is checked against the demo
//! registry and the command parser, so every mistake in a lesson file is
//! reported with its `file:line` when it is opened, not halfway through.

use crate::command::{self, Command};
use crate::demo::{self, Demo, Params};
use crate::lesson::{Cell, Lesson, LessonError};

/// A lesson whose demo, parameters and commands are known to be valid.
pub struct Resolved {
    pub lesson: Lesson,
    pub demo: &'static dyn Demo,
    /// The demo's defaults with the lesson's own values applied.
    pub defaults: Params,
    pub cells: Vec<ResolvedCell>,
}

pub enum ResolvedCell {
    Prose(String),
    Commands(Vec<CellCommand>),
}

pub struct CellCommand {
    pub line: usize,
    pub text: String,
    pub command: Command,
}

/// Commands that make sense inside a lesson; navigation would make a
/// replay go in circles, `quit` would end it, and a lesson never writes a
/// file (`export`): only the person at the keyboard decides that.
/// A lesson file is data: its cells may run and check the demo, never
/// navigate, write files, or touch the learner's own work (their copies,
/// exercises and progress).
fn allowed_in_cell(command: &Command) -> bool {
    !matches!(
        command,
        Command::Open(_)
            | Command::Next
            | Command::Prev
            | Command::Lessons
            | Command::Quit
            | Command::Export { .. }
            | Command::Reset { progress: true }
            | Command::Edit(_)
            | Command::Diff
            | Command::Restore
            | Command::Exercises
            | Command::Exercise(_)
            | Command::Check(_)
            | Command::Hint
            | Command::Solution
            | Command::Clear
    )
}

pub fn resolve(lesson: Lesson) -> Result<Resolved, LessonError> {
    let demo = demo::find(&lesson.meta.demo).ok_or_else(|| {
        let names: Vec<&str> = demo::registry().iter().map(|d| d.info().name).collect();
        let wanted = lesson.meta.demo.replace('_', "-");
        let hint = crate::text::did_you_mean(crate::text::closest(&wanted, names.iter().copied()));
        lesson.error(
            lesson.meta.demo_line,
            format!(
                "unknown demo '{}'{hint}; demos: {}",
                lesson.meta.demo,
                names.join(", ")
            ),
        )
    })?;
    let mut defaults = Params::defaults(demo.info().params)
        .map_err(|e| lesson.error(lesson.meta.demo_line, e.to_string()))?;
    for p in &lesson.meta.params {
        defaults
            .set(&p.name, &p.value)
            .map_err(|e| lesson.error(p.line, e.to_string()))?;
    }
    let mut cells = Vec::with_capacity(lesson.cells.len());
    for cell in &lesson.cells {
        cells.push(match cell {
            Cell::Prose { text, .. } => ResolvedCell::Prose(text.clone()),
            Cell::Commands { lines, .. } => {
                let mut commands = Vec::with_capacity(lines.len());
                for l in lines {
                    let command = command::parse(&l.text)
                        .map_err(|e| lesson.error(l.line, e.to_string()))?
                        .ok_or_else(|| lesson.error(l.line, "empty command"))?;
                    if !allowed_in_cell(&command) {
                        return Err(lesson.error(
                            l.line,
                            format!("'{}' cannot be used inside a lesson cell", l.text),
                        ));
                    }
                    if let Command::Set { param, value } = &command {
                        // Check the value now, on a scratch copy.
                        defaults
                            .clone()
                            .set(param, value)
                            .map_err(|e| lesson.error(l.line, e.to_string()))?;
                    }
                    commands.push(CellCommand {
                        line: l.line,
                        text: l.text.clone(),
                        command,
                    });
                }
                ResolvedCell::Commands(commands)
            }
        });
    }
    Ok(Resolved {
        lesson,
        demo,
        defaults,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use crate::demo::{self, Params};
    use crate::lesson::Catalog;

    /// The registry as a whole: names unique, every default parses, and
    /// every demo taught by a built-in lesson that resolves against it.
    #[test]
    fn every_demo_is_declared_soundly_and_taught() {
        let catalog = Catalog::embedded();
        let mut names = std::collections::BTreeSet::new();
        for demo in demo::registry() {
            let info = demo.info();
            assert!(
                names.insert(info.name),
                "two demos are called {}",
                info.name
            );
            let params = Params::defaults(info.params);
            assert!(params.is_ok(), "{}: {:?}", info.name, params.err());
            let mut own = std::collections::BTreeSet::new();
            for spec in info.params {
                assert!(own.insert(spec.name), "{}: {} twice", info.name, spec.name);
            }
            assert!(
                catalog.lessons().any(|l| l.meta.demo == info.name),
                "no built-in lesson teaches {}",
                info.name
            );
        }
        for lesson in catalog.lessons() {
            assert!(
                super::resolve(lesson.clone()).is_ok(),
                "{} does not resolve",
                lesson.source
            );
        }
    }
}
