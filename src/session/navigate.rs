//! Moving through lessons like a notebook: `open`, `next`, `prev` and
//! `where`, the cells they show, and the commands a cell runs.

use std::io::{self, Write};
use std::path::Path;

use colored::Colorize;

use super::resolve::{ResolvedCell, resolve};
use super::{CellStart, OpenLesson, Origin, Session, SessionError, Transcript};
use crate::command::Command;
use crate::demo;
use crate::lesson::{Catalog, CatalogError, Lesson, Meta};
use crate::text::closest;
use crate::timeline::format_duration;

impl Session {
    /// The prompt's lesson label: `rate-limit 3/7`.
    pub fn label(&self) -> Option<String> {
        self.open.as_ref().map(|o| {
            let cells = o.resolved.cells.len();
            if cells == 0 {
                o.resolved.lesson.meta.id.clone()
            } else {
                format!("{} {}/{}", o.resolved.lesson.meta.id, o.cursor, cells)
            }
        })
    }

    pub(super) fn open(&mut self, key: &str, out: &mut Transcript) -> Result<(), SessionError> {
        let lesson = self.catalog.find(key)?.clone();
        let number = self
            .catalog
            .entries
            .iter()
            .position(|e| e.lesson.as_ref().is_ok_and(|l| l.source == lesson.source));
        self.open_numbered(lesson, number.map_or(0, |n| n + 1), out)?;
        self.progress.current = self
            .open
            .as_ref()
            .map(|o| o.resolved.lesson.meta.id.clone());
        self.save_progress();
        Ok(())
    }

    /// `open`: the lesson, and its first cell when that is prose to read
    /// (a command cell waits for `next`, so nothing runs unasked).
    pub(super) fn open_and_read(
        &mut self,
        key: &str,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        self.open(key, out)?;
        let open = self.open_ref()?;
        if matches!(open.resolved.cells.first(), Some(ResolvedCell::Prose(_))) {
            self.next(out)?;
        }
        Ok(())
    }

    /// Opens a lesson that need not be in the catalog (`replay FILE`).
    pub fn open_lesson(
        &mut self,
        lesson: Lesson,
        number: usize,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        let mut transcript = Transcript::new(out, self.opts.json, self.style());
        self.open_numbered(lesson, number, &mut transcript)
    }

    fn open_numbered(
        &mut self,
        lesson: Lesson,
        number: usize,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        let origin = self.origin_of(&lesson);
        let resolved = resolve(lesson)?;
        let params = self.base_params(&resolved)?;
        let meta = &resolved.lesson.meta;
        let cells = resolved.cells.len();
        let numbered = if number > 0 {
            format!("Lesson {number} · ")
        } else {
            String::new()
        };
        let heading =
            self.bold(&self.wrapped(&format!("{numbered}{} ({})", meta.title, meta.id), "  "));
        let hint = self.dim(&self.wrapped(
            &format!(
                "demo {} · {cells} cells · `next` steps through it, `run` runs the demo, `params` shows its knobs",
                resolved.demo.info().name
            ),
            "",
        ));
        out.record(
            |o| writeln!(o, "{heading}\n{hint}"),
            || serde_json::json!({"type": "lesson", "id": meta.id, "file": resolved.lesson.source}),
        )?;
        if let Some(e) = self
            .exercise
            .filter(|e| e.lesson != resolved.lesson.meta.id)
        {
            self.exercise = None;
            out.aside(&format!(
                "(exercise {} is off: it belongs to another lesson)",
                e.name
            ))?;
        }
        self.open = Some(OpenLesson {
            resolved,
            number,
            cursor: 0,
            started: Default::default(),
            params,
            origin,
        });
        self.forget_runs();
        Ok(())
    }

    /// Opens a lesson of the catalog by id without printing its header
    /// (an exercise opening its lesson).
    pub(super) fn open_lesson_quietly(&mut self, id: &str) -> Result<(), SessionError> {
        if self
            .open
            .as_ref()
            .is_some_and(|o| o.resolved.lesson.meta.id == id)
        {
            return Ok(());
        }
        let exercise = self.exercise;
        let mut sink = io::sink();
        let opened = self.open(id, &mut Transcript::new(&mut sink, false, self.style()));
        self.exercise = exercise;
        opened
    }

    /// Opens a bare demo with its own defaults: the CLI's `run <demo>` and
    /// the original `asynclab rate-limit ...` forms.
    pub fn open_demo(&mut self, name: &str) -> Result<(), SessionError> {
        let demo = demo::find(name).ok_or_else(|| CatalogError::Unknown {
            key: name.to_string(),
            suggestion: closest(name, demo::registry().iter().map(|d| d.info().name))
                .map(str::to_string),
        })?;
        let info = demo.info();
        let lesson = Lesson {
            source: format!("demo {}", info.name),
            meta: Meta {
                id: info.name.to_string(),
                title: info.title.to_string(),
                demo: info.name.to_string(),
                demo_line: 0,
                params: Vec::new(),
            },
            cells: Vec::new(),
            explains: Vec::new(),
        };
        let resolved = resolve(lesson)?;
        let params = resolved.defaults.clone();
        self.open = Some(OpenLesson {
            resolved,
            number: 0,
            cursor: 0,
            started: Default::default(),
            params,
            origin: Origin::BuiltIn,
        });
        Ok(())
    }

    /// Where `asynclab run <id>` finds `lesson` again: anywhere for a
    /// built-in lesson word for word; the folder this session's lessons
    /// came from when they hold it; else the folder of its file (`replay
    /// mine/01-x.md`). Folders are named absolute, so the line works from
    /// any directory.
    fn origin_of(&self, lesson: &Lesson) -> Origin {
        if Catalog::embedded().holds(lesson) {
            return Origin::BuiltIn;
        }
        // A folder is named only if `--lessons <folder> run <id>` finds
        // this very lesson there: another file of the folder may have its
        // id too.
        let finds = |dir: &Path| Catalog::from_dir(dir).is_ok_and(|c| c.holds(lesson));
        if let Some(dir) = &self.opts.lessons_dir
            && self.catalog.holds(lesson)
            && finds(dir)
        {
            return Origin::Folder(dir.clone());
        }
        // `source` is the path as shown (escaped): only a file that exists
        // under that very name is named.
        let file = Path::new(&lesson.source);
        let parent = file.parent().map(|dir| match dir.as_os_str().is_empty() {
            true => Path::new("."),
            false => dir,
        });
        match parent.map(std::path::absolute) {
            Some(Ok(dir)) if file.is_file() && finds(&dir) => Origin::Folder(dir),
            _ => Origin::Unknown,
        }
    }

    /// The lesson after the open one in the catalog, if there is one that
    /// loads: (number, id, title).
    pub(super) fn next_lesson(&self) -> Option<(usize, String, String)> {
        let number = self.open.as_ref()?.number;
        if number == 0 {
            return None;
        }
        let entry = self.catalog.entries.get(number)?;
        let lesson = entry.lesson.as_ref().ok()?;
        Some((
            number + 1,
            lesson.meta.id.clone(),
            lesson.meta.title.clone(),
        ))
    }

    /// True when the open lesson has no cells left.
    pub fn at_end(&self) -> bool {
        self.open
            .as_ref()
            .is_none_or(|o| o.cursor >= o.resolved.cells.len())
    }

    pub(super) fn next(&mut self, out: &mut Transcript) -> Result<(), SessionError> {
        let open = self.open_mut()?;
        let total = open.resolved.cells.len();
        if open.cursor >= total {
            // Past the end, like a notebook's next notebook: open it.
            return match self.next_lesson() {
                Some((number, _, _)) => self.open_and_read(&number.to_string(), out),
                None => {
                    writeln!(
                        out,
                        "That was the last lesson. `exercises` lists code to write."
                    )?;
                    Ok(())
                }
            };
        }
        let index = open.cursor;
        open.cursor += 1;
        let last = open.cursor == total;
        let id = open.resolved.lesson.meta.id.clone();
        let note = self.rewind_to(index)?;
        self.show_cell(index, true, note, out)?;
        self.rewound = None;
        if last && !self.interrupted {
            if self.progress.finished.insert(id.clone()) {
                self.save_progress();
            }
            // A lesson opened from a file (`replay FILE`) has no place in
            // the catalog: nothing is said of a next one.
            let numbered = self.open_ref().is_ok_and(|o| o.number > 0);
            let then = match self.next_lesson() {
                Some((number, next_id, title)) => {
                    format!(" Next: lesson {number} · {title} ({next_id}): `next` opens it.")
                }
                None if numbered => " That was the last lesson.".to_string(),
                None => String::new(),
            };
            out.aside(&self.wrapped(&format!("✓ lesson '{id}' finished.{then}"), "  "))?;
            // Reading is half of it: name the code to write next.
            for e in crate::exercise::catalog::of_lesson(&id) {
                let line = format!("  your turn: `exercise {}`: {}", e.name, e.goal);
                out.aside(&self.wrapped(&line, "    "))?;
            }
        }
        Ok(())
    }

    /// Before cell `index` runs: the first time, remember how things
    /// stand; again (after `prev`), put back the parameters and the run to
    /// compare with that it had then, and say so if they had changed.
    /// Returns what to tell the learner, if anything changed back.
    fn rewind_to(&mut self, index: usize) -> Result<Option<String>, SessionError> {
        let last = self.last.as_ref().map(|r| r.baseline());
        let open = self.open_mut()?;
        if !matches!(
            open.resolved.cells.get(index),
            Some(ResolvedCell::Commands(_))
        ) {
            return Ok(None);
        }
        let Some(start) = open.started.get(&index) else {
            let params = open.params.clone();
            open.started.insert(index, CellStart { params, last });
            return Ok(None);
        };
        let changed: Vec<String> = start
            .params
            .changed_from(&open.params)
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        open.params = start.params.clone();
        self.rewound = Some(start.last.clone());
        Ok((!changed.is_empty()).then(|| {
            format!(
                "(parameters as they were before this cell first ran: {})",
                changed.join(" ")
            )
        }))
    }

    pub(super) fn prev(&mut self, out: &mut Transcript) -> Result<(), SessionError> {
        let open = self.open_mut()?;
        if open.cursor <= 1 {
            // Nothing before it: stay where the learner is.
            let said = if open.cursor == 0 {
                "Nothing shown yet: `next` shows the first cell."
            } else {
                "Already at the first cell."
            };
            writeln!(out, "{said}")?;
            return Ok(());
        }
        open.cursor -= 1;
        let index = open.cursor - 1;
        self.show_cell(index, false, None, out)
    }

    /// Shows cell `index`; a command cell's commands are run if `execute`.
    pub(super) fn show_cell(
        &mut self,
        index: usize,
        execute: bool,
        note: Option<String>,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        let open = self.open_ref()?;
        let total = open.resolved.cells.len();
        let file = open.resolved.lesson.source.clone();
        out.aside(&format!("── cell {}/{total} ──", index + 1))?;
        if let Some(note) = note {
            out.aside(&note)?;
        }
        let commands: Vec<(usize, String, Command)> = match &open.resolved.cells[index] {
            ResolvedCell::Prose(text) => {
                for line in crate::layout::reflow(text, self.opts.width).lines() {
                    let shown = if line.starts_with('#') {
                        self.bold(line)
                    } else {
                        line.to_string()
                    };
                    writeln!(out, "{shown}")?;
                }
                return Ok(());
            }
            ResolvedCell::Commands(cmds) => cmds
                .iter()
                .map(|c| (c.line, c.text.clone(), c.command.clone()))
                .collect(),
        };
        // A lesson's cells and their `expect`s are about its demo: while
        // they run, an active exercise steps aside, and comes back after.
        // The exercise set check's parameters; the cell gets the lesson's.
        let exercise = if execute { self.exercise.take() } else { None };
        let mut kept = None;
        if let Some(e) = exercise {
            let note = format!(
                "(the lesson's cells run its demo with its parameters, not your {}; `run` and `check` go back to yours)",
                e.name
            );
            out.aside(&self.wrapped(&note, " "))?;
            let open = self.open_mut()?;
            kept = Some(std::mem::replace(
                &mut open.params,
                open.resolved.defaults.clone(),
            ));
        }
        let ran = self.run_cell_commands(commands, &file, execute, out);
        if exercise.is_some() {
            self.exercise = exercise;
            if let (Some(params), Ok(open)) = (kept, self.open_mut()) {
                open.params = params;
            }
        }
        ran
    }

    /// The commands of a cell, each shown, then run if `execute`; a failure
    /// is reported with the lesson line it came from, and the rest go on.
    fn run_cell_commands(
        &mut self,
        commands: Vec<(usize, String, Command)>,
        file: &str,
        execute: bool,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        for (line, text, command) in commands {
            out.heading(&format!("» {text}"))?;
            if !execute {
                continue;
            }
            match self.dispatch(&command, out) {
                Ok(_) => {}
                Err(SessionError::Io(e)) => return Err(SessionError::Io(e)),
                Err(e) => {
                    let at = format!("{file}:{line}");
                    // An error may quote outside text (a folder named on
                    // the command line): escaped like everything shown.
                    let located =
                        asynclab_kit::text::sanitize(&format!("{at}: {e}"), false).into_owned();
                    let shown = if self.opts.color {
                        located.red().to_string()
                    } else {
                        located.clone()
                    };
                    out.record(
                        |o| writeln!(o, "✗ {shown}"),
                        || serde_json::json!({"type": "error", "at": at, "message": e.to_string()}),
                    )?;
                    self.failures.push(located);
                }
            }
            if self.interrupted {
                break;
            }
        }
        Ok(())
    }

    pub(super) fn where_(&self, out: &mut Transcript) -> Result<(), SessionError> {
        let open = self.open_ref()?;
        let meta = &open.resolved.lesson.meta;
        let line = format!(
            "lesson {} · {}: {} ({})",
            open.number, meta.id, meta.title, open.resolved.lesson.source
        );
        writeln!(out, "{}", self.wrapped(&line, "  "))?;
        let cells = open.resolved.cells.len();
        let mut said = vec![match (open.cursor, cells) {
            (_, 0) => "a demo on its own: no cells to step through".to_string(),
            (0, _) => format!("no cell read yet: `next` shows cell 1 of {cells}"),
            (cursor, _) => format!("cell {cursor} of {cells}"),
        }];
        let changed = open.params.changed_from(&open.resolved.defaults);
        if changed.is_empty() {
            said.push("parameters: the lesson's defaults".to_string());
        } else {
            let list: Vec<String> = changed.iter().map(|(k, v)| format!("{k}={v}")).collect();
            said.push(format!("changed: {}", list.join(" ")));
        }
        if let Some(r) = &self.last {
            let s = &r.analysis.summary;
            said.push(format!(
                "last run: {} total, peak in flight {}",
                format_duration(s.total_ns),
                s.peak_in_flight
            ));
        }
        for line in said {
            writeln!(out, "{}", self.wrapped(&line, "  "))?;
        }
        if let Some(e) = self.exercise {
            writeln!(
                out,
                "{}",
                self.wrapped(
                    &format!(
                        "exercise: {} (`run` and `check` use your code; `exercise off` leaves it)",
                        e.name
                    ),
                    "  "
                )
            )?;
        }
        Ok(())
    }
}
