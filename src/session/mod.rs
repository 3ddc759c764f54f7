//! The session: the open lesson, the cursor, the parameters and the last
//! runs, and the execution of every [`Command`].
//!
//! The REPL and `replay` drive the same `Session` with the same parser, so
//! a replayed lesson behaves exactly like typed input. The session writes
//! to the `Write` it is handed and never touches the terminal itself: no
//! prompt, no colour detection, no reading of input.

pub mod check;
mod compare;
mod exercise;
mod explain;
mod export;
pub mod progress;
pub mod resolve;

use std::io::{self, Write};

use colored::Colorize;
use thiserror::Error;

use crate::command::{self, COMMANDS, Command, CommandError};
use crate::demo::run::{ProgressFn, RunError, run as run_demo};
use crate::demo::{self, Kind, ParamError, Params, Value};
use crate::interrupt::Interrupts;
use crate::lab::scope::Scope;
use crate::lesson::{Catalog, CatalogError, Lesson, LessonError, Meta};
use crate::text::closest;
use crate::timeline::{
    Analysis, Metric, Outcome, RenderOptions, Run, analyze, format_duration, render,
};
use progress::Progress;
use resolve::{Resolved, ResolvedCell, resolve};
use tokio_util::sync::CancellationToken;

/// How the session renders.
#[derive(Clone)]
pub struct Options {
    pub width: usize,
    pub color: bool,
    /// `width` follows the terminal: the REPL sets it before each command.
    pub follow_width: bool,
    /// Event rows shown after `run` (`timeline --all` shows every one).
    pub rows: usize,
    pub scope: Scope,
    /// Where to report progress of long runs (a terminal's stderr), if
    /// anywhere. The session itself never draws it.
    pub progress: Option<ProgressFn>,
    /// Output is a terminal: `play` may redraw in place.
    pub animate: bool,
    /// Where lesson progress is kept; `None` (replay, tests) keeps none.
    pub progress_file: Option<std::path::PathBuf>,
    /// Machine-readable output: one JSON object a line for each lesson,
    /// run, expectation and error, and nothing else (`replay --format json`).
    pub json: bool,
    /// Write every run's exports into this folder (`replay --export DIR`).
    pub export_dir: Option<std::path::PathBuf>,
    /// Asks the person at the keyboard one question (`ask` cells); `None`
    /// when nobody is there (replay, piped input, tests).
    pub ask: Option<AskFn>,
    /// The editor `edit` opens files in ($VISUAL or $EDITOR), when a person
    /// is at a terminal; `None`: `edit` prints the path instead.
    pub editor: Option<String>,
}

/// Shows a question, returns the typed answer (`None`: no answer).
pub type AskFn = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

impl Default for Options {
    fn default() -> Self {
        Options {
            width: 100,
            follow_width: false,
            color: false,
            rows: 24,
            scope: Scope::default(),
            progress: None,
            animate: false,
            progress_file: None,
            json: false,
            export_dir: None,
            ask: None,
            editor: None,
        }
    }
}

/// What the caller should do after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

#[derive(Debug, Error)]
pub enum SessionError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("no lesson is open: `lessons` lists them, `open 1` starts the first")]
    NoLesson,
    #[error("nothing has run yet in this lesson: type `run` first")]
    NoRun,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Lesson(#[from] LessonError),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("the demo could not start: {0}")]
    DemoFailed(String),
    #[error("cannot check that: {0}")]
    Check(String),
    /// A command's argument is wrong; the message says what to type.
    #[error("{0}")]
    Invalid(String),
    #[error("expectation failed: {0}")]
    ExpectFailed(String),
    #[error("no explain topic '{topic}' in this lesson; it has: {available}")]
    Topic { topic: String, available: String },
    #[error("no command '{word}'{}; type `help` for the list", crate::text::did_you_mean(*.suggestion))]
    NoHelp {
        word: String,
        suggestion: Option<&'static str>,
    },
    #[error(transparent)]
    Exercise(#[from] crate::exercise::ExerciseError),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Joins `parts` with " · " into lines no wider than `width` (a single
/// part longer than that gets a line of its own).
fn wrap(parts: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 3 + part.chars().count() <= width => {
                line.push_str(" · ");
                line.push_str(part);
            }
            _ => lines.push(part.clone()),
        }
    }
    lines
}

/// One finished run, with what it ran with.
pub struct Report {
    pub demo: &'static str,
    /// The learner's own code ran (an exercise, or their copy of the demo).
    pub yours: bool,
    pub params: Params,
    pub run: Run,
    pub analysis: Analysis,
}

struct OpenLesson {
    resolved: Resolved,
    /// 1-based position in the catalog (0 for a demo opened without one).
    number: usize,
    /// Index of the next cell `next` shows.
    cursor: usize,
    params: Params,
}

/// What tab completion can offer right now.
#[derive(Clone, Debug, Default)]
pub struct Completions {
    pub lessons: Vec<String>,
    /// Parameter names, each with its enumerated values (if any).
    pub params: Vec<(String, Vec<String>)>,
    /// What `set <param> ` hints: the allowed values and the current one.
    pub param_hints: Vec<(String, String)>,
    pub topics: Vec<String>,
}

pub struct Session {
    catalog: Catalog,
    opts: Options,
    interrupts: Interrupts,
    open: Option<OpenLesson>,
    last: Option<Report>,
    prev: Option<Report>,
    /// Expectations that held / failures (with `file:line` in cells).
    pub passed: usize,
    pub failures: Vec<String>,
    /// Set when a run was cancelled by Ctrl-C; `replay` stops on it.
    pub interrupted: bool,
    /// Guesses for the next run: (metric, value as typed).
    predictions: Vec<(String, Metric)>,
    /// Finished lessons and the current one (kept only with a progress file).
    progress: Progress,
    /// Parameters injected into every lesson opened (`replay --set`).
    overrides: Vec<(String, String)>,
    /// Runs exported so far (numbers the files of `--export`).
    exported: usize,
    /// Things to tell the user once, at start (a progress file set aside).
    notes: Vec<String>,
    /// The exercise `run`, `check` and `edit` work on, if one is active.
    exercise: Option<&'static crate::exercise::Exercise>,
    /// Exercises whose last `check` failed: `solution` is offered then.
    failed_checks: std::collections::BTreeSet<&'static str>,
    /// How many hints of each exercise were shown.
    hints_shown: std::collections::BTreeMap<&'static str, usize>,
}

impl Session {
    pub fn new(catalog: Catalog, opts: Options, interrupts: Interrupts) -> Session {
        let (progress, note) = opts
            .progress_file
            .as_deref()
            .map(Progress::load)
            .unwrap_or_default();
        Session {
            catalog,
            opts,
            interrupts,
            open: None,
            last: None,
            prev: None,
            passed: 0,
            failures: Vec::new(),
            interrupted: false,
            predictions: Vec::new(),
            progress,
            overrides: Vec::new(),
            exported: 0,
            notes: note.into_iter().collect(),
            exercise: None,
            failed_checks: Default::default(),
            hints_shown: Default::default(),
        }
    }

    /// Parameters applied to every lesson opened from now on, after its
    /// own defaults (and again after `reset`), as papermill injects them.
    pub fn set_overrides(&mut self, overrides: Vec<(String, String)>) {
        self.overrides = overrides;
    }

    /// The lesson's defaults with the injected overrides; a parameter the
    /// lesson's demo does not have is skipped.
    fn base_params(&self, resolved: &Resolved) -> Result<Params, ParamError> {
        let mut params = resolved.defaults.clone();
        for (name, value) in &self.overrides {
            if params.spec(name).is_ok() {
                params.set(name, value)?;
            }
        }
        Ok(params)
    }

    /// True when the output width should follow the terminal's.
    pub fn follows_width(&self) -> bool {
        self.opts.follow_width
    }

    /// The width everything is laid out for, from the next command on.
    pub fn set_width(&mut self, width: usize) {
        self.opts.width = width;
    }

    /// What the session has to tell the user once, at start.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// The lesson the learner had open when they last left, if any.
    pub fn last_lesson(&self) -> Option<&str> {
        self.progress.current.as_deref()
    }

    fn save_progress(&self) {
        if let Some(path) = &self.opts.progress_file {
            // Progress is a convenience: failing to save it must not stop a
            // lesson, so an error is not fatal.
            let _ = self.progress.save(path);
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn last(&self) -> Option<&Report> {
        self.last.as_ref()
    }

    /// Parses and executes one typed line.
    pub fn execute_line(&mut self, line: &str, out: &mut dyn Write) -> Result<Flow, SessionError> {
        match command::parse(line)? {
            Some(command) => self.execute(&command, out),
            None => Ok(Flow::Continue),
        }
    }

    pub fn execute(
        &mut self,
        command: &Command,
        out: &mut dyn Write,
    ) -> Result<Flow, SessionError> {
        match command {
            Command::Help(topic) => self.help(topic.as_deref(), out)?,
            Command::Lessons => self.lessons(out)?,
            Command::Open(key) => self.open(key, out)?,
            Command::Next => self.next(out)?,
            Command::Prev => self.prev(out)?,
            Command::Where => self.where_(out)?,
            Command::Run => self.run(out)?,
            Command::Explain(topic) => self.explain(topic.as_deref(), out)?,
            Command::Set { param, value } => self.set(param, value, out)?,
            Command::Params => self.params(out)?,
            Command::Reset { progress: false } => {
                let params = self.base_params(&self.open_ref()?.resolved)?;
                let open = self.open_mut()?;
                open.params = params;
                writeln!(out, "parameters reset to the lesson's defaults")?;
            }
            Command::Reset { progress: true } => {
                self.progress = Progress::default();
                if let Some(path) = &self.opts.progress_file {
                    // Replace, not merge: forgetting is the point.
                    let _ = self.progress.replace(path);
                }
                writeln!(out, "progress cleared: no lesson is marked finished")?;
            }
            Command::ShowCode => {
                let info = self.open_ref()?.resolved.demo.info();
                writeln!(
                    out,
                    "{}",
                    self.dim(&format!(
                        "// the source of the `{}` demo, exactly as compiled",
                        info.name
                    ))
                )?;
                write!(out, "{}", info.source)?;
            }
            Command::Timeline { all } => {
                let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
                let rows = if *all { None } else { Some(self.opts.rows) };
                write!(
                    out,
                    "{}",
                    render(&report.run, &report.analysis, &self.render_options(rows))
                )?;
            }
            Command::Expect(e) => self.expect(e, out)?,
            Command::Compare(axes) => self.compare(axes, out)?,
            Command::Predict { metric, value } => self.predict(metric, value, out)?,
            Command::At(time) => {
                let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
                let at = crate::timeline::parse_duration(time).map_err(SessionError::Invalid)?;
                let at_ns = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
                write!(
                    out,
                    "{}",
                    crate::timeline::render_at(
                        &report.run,
                        &report.analysis,
                        at_ns,
                        &self.render_options(None)
                    )
                )?;
            }
            Command::Play(speed) => self.play(*speed, out)?,
            Command::Ask(metric) => self.ask(metric, out)?,
            Command::Export { file, force } => self.export(file, *force, out)?,
            Command::Edit(name) => self.edit(name.as_deref(), out)?,
            Command::Diff => self.diff(out)?,
            Command::Restore => self.restore(out)?,
            Command::Exercises => self.list_exercises(out)?,
            Command::Exercise(name) if name == "off" => self.stop_exercise(out)?,
            Command::Exercise(name) => self.start_exercise(name, out)?,
            Command::Hint => self.hint(out)?,
            // Only a terminal is cleared: a pipe or a transcript gets nothing.
            Command::Clear if self.opts.animate => write!(out, "\x1b[2J\x1b[H")?,
            Command::Clear => {}
            Command::Solution => self.solution(out)?,
            Command::Check(name) => {
                if let Some(name) = name
                    && self.exercise.is_none_or(|e| e.name != name)
                {
                    self.start_exercise(name, out)?;
                }
                if !self.check_exercise(out)? {
                    self.failures.push(format!(
                        "check of {} failed",
                        self.exercise.map_or("?", |e| e.name)
                    ));
                }
            }
            Command::Quit => return Ok(Flow::Quit),
        }
        Ok(Flow::Continue)
    }

    fn render_options(&self, rows: Option<usize>) -> RenderOptions {
        RenderOptions {
            width: self.opts.width,
            color: self.opts.color,
            max_rows: rows,
            ..RenderOptions::default()
        }
    }

    fn style(&self) -> crate::timeline::Style {
        crate::timeline::Style {
            color: self.opts.color,
        }
    }

    fn dim(&self, text: &str) -> String {
        self.style().dim(text)
    }

    fn bold(&self, text: &str) -> String {
        self.style().bold(text)
    }

    fn open_ref(&self) -> Result<&OpenLesson, SessionError> {
        self.open.as_ref().ok_or(SessionError::NoLesson)
    }

    fn open_mut(&mut self) -> Result<&mut OpenLesson, SessionError> {
        self.open.as_mut().ok_or(SessionError::NoLesson)
    }

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

    pub fn completions(&self) -> Completions {
        let mut lessons: Vec<String> = self.catalog.lessons().map(|l| l.meta.id.clone()).collect();
        lessons.extend((1..=self.catalog.entries.len()).map(|n| n.to_string()));
        // One pass over the open demo's parameters: what each completes to
        // (its choices) and what `set <param> ` hints (range, value now).
        let (params, param_hints): (Vec<_>, Vec<_>) = self
            .open
            .as_ref()
            .map(|o| {
                o.params
                    .specs()
                    .iter()
                    .map(|s| {
                        let values = match s.kind {
                            Kind::Choice(names) => names.iter().map(|n| n.to_string()).collect(),
                            _ => Vec::new(),
                        };
                        let now = o
                            .params
                            .get(s.name)
                            .map(|v| v.to_string())
                            .unwrap_or_default();
                        (
                            (s.name.to_string(), values),
                            (s.name.to_string(), format!("{} (now {now})", s.range())),
                        )
                    })
                    .unzip()
            })
            .unwrap_or_default();
        let topics = self
            .open
            .as_ref()
            .map(|o| {
                o.resolved
                    .lesson
                    .explains
                    .iter()
                    .map(|e| e.topic.clone())
                    .collect()
            })
            .unwrap_or_default();
        Completions {
            lessons,
            params,
            param_hints,
            topics,
        }
    }

    fn help(&self, topic: Option<&str>, out: &mut dyn Write) -> io::Result<()> {
        match topic {
            None => {
                writeln!(
                    out,
                    "{}",
                    self.bold("commands (`help <command>` for more):")
                )?;
                for c in COMMANDS {
                    let usage = format!("{} {}", c.name, c.args);
                    let usage = usage.trim_end();
                    if usage.chars().count() > 30 {
                        // A long synopsis gets its own line.
                        writeln!(out, "  {usage}\n  {:<30} {}", "", c.summary)?;
                    } else {
                        writeln!(out, "  {usage:<30} {}", c.summary)?;
                    }
                }
                writeln!(out, "{}", self.dim("Tab completes commands, lesson ids and parameters. Ctrl-C cancels a running demo."))
            }
            Some(word) => match command::spec(word) {
                Some(c) => writeln!(out, "{} {}\n  {}", self.bold(c.name), c.args, c.help),
                None => {
                    let suggestion = closest(word, COMMANDS.iter().map(|c| c.name));
                    writeln!(
                        out,
                        "no command '{word}'{}; type `help` for the list",
                        crate::text::did_you_mean(suggestion)
                    )
                }
            },
        }
    }

    fn lessons(&self, out: &mut dyn Write) -> io::Result<()> {
        let id_w = self
            .catalog
            .lessons()
            .map(|l| l.meta.id.chars().count())
            .max()
            .unwrap_or(2)
            .max(2);
        let title_w = self
            .catalog
            .lessons()
            .map(|l| l.meta.title.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let header = format!("  {:>2}  {:<id_w$}  {:<title_w$}  demo", "#", "id", "title");
        writeln!(out, "{}", self.bold(&header))?;
        let current = self.open.as_ref().map(|o| o.number);
        for (i, entry) in self.catalog.entries.iter().enumerate() {
            let finished = entry
                .lesson
                .as_ref()
                .is_ok_and(|l| self.progress.finished.contains(&l.meta.id));
            let mark = match (current == Some(i + 1), finished) {
                (true, _) => "▶",
                (false, true) => "✓",
                _ => " ",
            };
            match &entry.lesson {
                Ok(l) => writeln!(
                    out,
                    "{mark} {:>2}  {:<id_w$}  {:<title_w$}  {}",
                    i + 1,
                    l.meta.id,
                    l.meta.title,
                    l.meta.demo
                )?,
                Err(e) => writeln!(out, "{mark} {:>2}  {:<id_w$}  broken: {e}", i + 1, "?")?,
            }
        }
        writeln!(
            out,
            "{}",
            self.dim("`open <id>` or `open <number>` to start one")
        )
    }

    fn open(&mut self, key: &str, out: &mut dyn Write) -> Result<(), SessionError> {
        let lesson = self.catalog.find(key)?.clone();
        let number = self
            .catalog
            .entries
            .iter()
            .position(|e| e.lesson.as_ref().is_ok_and(|l| l.source == lesson.source));
        self.open_lesson(lesson, number.map_or(0, |n| n + 1), out)?;
        self.progress.current = self
            .open
            .as_ref()
            .map(|o| o.resolved.lesson.meta.id.clone());
        self.save_progress();
        Ok(())
    }

    /// Opens a lesson that need not be in the catalog (`replay FILE`).
    pub fn open_lesson(
        &mut self,
        lesson: Lesson,
        number: usize,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        let resolved = resolve(lesson)?;
        let params = self.base_params(&resolved)?;
        let meta = &resolved.lesson.meta;
        let cells = resolved.cells.len();
        if self.opts.json {
            let line = serde_json::json!({"type": "lesson", "id": meta.id, "file": resolved.lesson.source});
            writeln!(out, "{line}")?;
        } else {
            let numbered = if number > 0 {
                format!("Lesson {number} · ")
            } else {
                String::new()
            };
            writeln!(
                out,
                "{}",
                self.bold(&format!("{numbered}{} ({})", meta.title, meta.id))
            )?;
            let hint = format!(
                "demo {} · {cells} cells · `next` steps through it, `run` runs the demo, `params` shows its knobs",
                resolved.demo.info().name
            );
            writeln!(out, "{}", self.dim(&hint))?;
        }
        if self
            .exercise
            .is_some_and(|e| e.lesson != resolved.lesson.meta.id)
        {
            self.exercise = None;
        }
        self.open = Some(OpenLesson {
            resolved,
            number,
            cursor: 0,
            params,
        });
        self.last = None;
        self.prev = None;
        Ok(())
    }

    /// Opens a lesson of the catalog by id without printing its header
    /// (an exercise opening its lesson).
    fn open_lesson_quietly(&mut self, id: &str) -> Result<(), SessionError> {
        if self
            .open
            .as_ref()
            .is_some_and(|o| o.resolved.lesson.meta.id == id)
        {
            return Ok(());
        }
        let exercise = self.exercise;
        let json = std::mem::replace(&mut self.opts.json, false);
        let opened = self.open(id, &mut io::sink());
        self.opts.json = json;
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
            params,
        });
        Ok(())
    }

    /// The lesson after the open one in the catalog, if there is one that
    /// loads: (number, id, title).
    fn next_lesson(&self) -> Option<(usize, String, String)> {
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

    fn next(&mut self, out: &mut dyn Write) -> Result<(), SessionError> {
        let open = self.open_mut()?;
        let total = open.resolved.cells.len();
        if open.cursor >= total {
            // Past the end, like a notebook's next notebook: open it.
            return match self.next_lesson() {
                Some((number, _, _)) => self.open(&number.to_string(), out),
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
        self.show_cell(index, true, out)?;
        if last && !self.interrupted {
            if self.progress.finished.insert(id.clone()) {
                self.save_progress();
            }
            if !self.opts.json {
                let then = match self.next_lesson() {
                    Some((number, next_id, title)) => {
                        format!("Next: lesson {number} · {title} ({next_id}): `next` opens it.")
                    }
                    None => "That was the last lesson.".to_string(),
                };
                writeln!(
                    out,
                    "{}",
                    self.dim(&format!("✓ lesson '{id}' finished. {then}"))
                )?;
                // Reading is half of it: name the code to write next.
                for e in crate::exercise::catalog::of_lesson(&id) {
                    writeln!(
                        out,
                        "{}",
                        self.dim(&format!("  your turn: `exercise {}`: {}", e.name, e.goal))
                    )?;
                }
            }
        }
        Ok(())
    }

    fn prev(&mut self, out: &mut dyn Write) -> Result<(), SessionError> {
        let open = self.open_mut()?;
        if open.cursor <= 1 {
            writeln!(out, "Already at the first cell: `next` shows it.")?;
            open.cursor = 0;
            return Ok(());
        }
        open.cursor -= 1;
        let index = open.cursor - 1;
        self.show_cell(index, false, out)
    }

    /// Shows cell `index`; a command cell's commands are run if `execute`.
    fn show_cell(
        &mut self,
        index: usize,
        execute: bool,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        let json = self.opts.json;
        let open = self.open_ref()?;
        let total = open.resolved.cells.len();
        let file = open.resolved.lesson.source.clone();
        if !json {
            writeln!(
                out,
                "{}",
                self.dim(&format!("── cell {}/{total} ──", index + 1))
            )?;
        }
        let commands: Vec<(usize, String, Command)> = match &open.resolved.cells[index] {
            ResolvedCell::Prose(_) if json => return Ok(()),
            ResolvedCell::Prose(text) => {
                for line in text.lines() {
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
        for (line, text, command) in commands {
            if !json {
                writeln!(out, "{}", self.bold(&format!("» {text}")))?;
            }
            if !execute {
                continue;
            }
            // In JSON mode only runs and expectations speak; the rest of
            // what a cell prints is for people.
            let speaks = !json || matches!(command, Command::Run | Command::Expect(_));
            let result = if speaks {
                self.execute(&command, out)
            } else {
                self.execute(&command, &mut io::sink())
            };
            match result {
                Ok(_) => {}
                Err(SessionError::Io(e)) => return Err(SessionError::Io(e)),
                Err(e) => {
                    let located = format!("{file}:{line}: {e}");
                    if json {
                        writeln!(
                            out,
                            "{}",
                            serde_json::json!({"type": "error", "at": format!("{file}:{line}"), "message": e.to_string()})
                        )?;
                    } else {
                        let shown = if self.opts.color {
                            located.red().to_string()
                        } else {
                            located.clone()
                        };
                        writeln!(out, "✗ {shown}")?;
                    }
                    self.failures.push(located);
                }
            }
            if self.interrupted {
                break;
            }
        }
        Ok(())
    }

    fn where_(&self, out: &mut dyn Write) -> Result<(), SessionError> {
        let open = self.open_ref()?;
        let meta = &open.resolved.lesson.meta;
        writeln!(
            out,
            "lesson {} · {}: {} ({})",
            open.number, meta.id, meta.title, open.resolved.lesson.source
        )?;
        writeln!(out, "cell {} of {}", open.cursor, open.resolved.cells.len())?;
        let changed = open.params.changed_from(&open.resolved.defaults);
        if changed.is_empty() {
            writeln!(out, "parameters: the lesson's defaults")?;
        } else {
            let list: Vec<String> = changed.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(out, "changed: {}", list.join(" "))?;
        }
        if let Some(r) = &self.last {
            let s = &r.analysis.summary;
            writeln!(
                out,
                "last run: {} total, peak in flight {}",
                format_duration(s.total_ns),
                s.peak_in_flight
            )?;
        }
        Ok(())
    }

    fn set(&mut self, param: &str, value: &str, out: &mut dyn Write) -> Result<(), SessionError> {
        let open = self.open_mut()?;
        let before = open.params.get(param).map(Value::to_string);
        open.params.set(param, value)?;
        let now = open
            .params
            .get(param)
            .map(Value::to_string)
            .unwrap_or_default();
        match before {
            Some(b) if b != now => writeln!(
                out,
                "{param} = {now} (was {b}); `run` to see the difference"
            )?,
            _ => writeln!(out, "{param} = {now}")?,
        }
        Ok(())
    }

    fn params(&self, out: &mut dyn Write) -> Result<(), SessionError> {
        let open = self.open_ref()?;
        writeln!(
            out,
            "{}",
            self.bold(&format!(
                "{:<12} {:<10} {:<10} {:<18} help",
                "parameter", "value", "default", "range"
            ))
        )?;
        for spec in open.params.specs() {
            let value = open
                .params
                .get(spec.name)
                .map(Value::to_string)
                .unwrap_or_default();
            let default = open
                .resolved
                .defaults
                .get(spec.name)
                .map(Value::to_string)
                .unwrap_or_default();
            let mark = if value != default { "*" } else { " " };
            writeln!(
                out,
                "{:<12} {:<10} {:<10} {:<18} {}",
                spec.name,
                format!("{value}{mark}"),
                default,
                spec.range(),
                spec.help
            )?;
        }
        writeln!(out, "{}", self.dim("* changed from the lesson's default · `set <param> <value>` to change, `reset` to restore"))?;
        Ok(())
    }

    /// The shell command that reproduces this run exactly, every word
    /// shell-quoted: pasting it runs asynclab and nothing else, whatever a
    /// parameter or a lesson id contains.
    fn reproducer(open: &OpenLesson, scope: Scope) -> String {
        // Every word quoted on its own; `name=value` as two quoted halves
        // around a bare `=` (an argument, never an assignment), so the
        // common `--set count=500` needs no quotes at all.
        let quote = |word: &str| shlex::try_quote(word).map(|q| q.into_owned());
        let assign = |name: &str, value: &str| Ok(format!("{}={}", quote(name)?, quote(value)?));
        let mut words: Vec<Result<String, shlex::QuoteError>> = vec![Ok("asynclab".into())];
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
        words
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map(|words| words.join(" "))
            .unwrap_or_else(|_| {
                "(a parameter holds a NUL byte: no shell line can reproduce this run)".into()
            })
    }

    /// Runs `demo` once with this session's scope and progress display. A
    /// demo that could not even start (a refused target, a lab that could
    /// not bind) has no timeline to show: that is one error line instead.
    fn run_once(
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

    fn run(&mut self, out: &mut dyn Write) -> Result<(), SessionError> {
        let program = self.program(out)?;
        let open = self.open_ref()?;
        let demo = open.resolved.demo;
        let params = open.params.clone();
        let reproduce = Session::reproducer(open, self.opts.scope);
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
        for line in wrap(&parts, self.opts.width)
            .into_iter()
            .filter(|_| !self.opts.json)
        {
            writeln!(out, "{}", self.bold(&line))?;
        }
        if clock == "real" && !self.opts.json {
            writeln!(
                out,
                "{}",
                self.dim("running on the real clock… Ctrl-C cancels")
            )?;
        }
        out.flush()?;

        // The session keeps two runs, the last and the one before: the
        // oldest goes before this one starts, so a run of a million tasks
        // never has two others beside it in memory.
        self.prev = None;
        let armed = self.interrupts.arm();
        let (run, printed) = self.run_program(&program, &params, &armed.token)?;
        drop(armed);
        let analysis = analyze(&run);
        if self.opts.json {
            writeln!(out, "{}", self.run_json(&params, &run, &analysis)?)?;
        } else {
            write!(
                out,
                "{}",
                render(&run, &analysis, &self.render_options(Some(self.opts.rows)))
            )?;
            if !printed.is_empty() {
                writeln!(out, "{}", self.dim("your program printed:"))?;
                for line in &printed {
                    writeln!(out, "  {}", crate::text::sanitize(line, false))?;
                }
            }
            if matches!(program, exercise::Program::BuiltIn(_)) {
                let line = format!("reproduce: {reproduce}");
                writeln!(out, "{}", self.dim(&crate::text::sanitize(&line, false)))?;
            }
            self.settle_predictions(&analysis.summary, out)?;
        }
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
        self.prev = self.last.take();
        self.last = Some(Report {
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
    fn run_json(
        &self,
        params: &Params,
        run: &Run,
        analysis: &Analysis,
    ) -> Result<serde_json::Value, SessionError> {
        let open = self.open_ref()?;
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
        let outcome =
            serde_json::to_value(&run.outcome).map_err(|e| SessionError::Invalid(e.to_string()))?;
        Ok(serde_json::json!({
            "type": "run",
            "lesson": open.resolved.lesson.meta.id,
            "demo": open.resolved.demo.info().name,
            "params": values,
            "outcome": outcome,
            "metrics": metrics,
        }))
    }

    /// What an exported page says about a run: title, explanation, what
    /// it ran with, and the shell line that reproduces it (none for the
    /// learner's own code, nor once `set` changed a parameter since).
    fn export_texts(
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
            explanation: explain::explain_run(run, analysis, &open.resolved.lesson, params, yours),
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
    fn export_run(
        &mut self,
        dir: &std::path::Path,
        run: &Run,
        analysis: &Analysis,
        yours: bool,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        self.exported += 1;
        let open = self.open_ref()?;
        let stem = format!("{}-{:02}", open.resolved.lesson.meta.id, self.exported);
        let info = self.export_texts(&open.params, run, analysis, yours)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| SessionError::Invalid(format!("cannot create {}: {e}", dir.display())))?;
        for ext in export::FORMATS {
            let path = dir.join(format!("{stem}{ext}"));
            let text =
                export::render(&path, run, analysis, &info).map_err(SessionError::Invalid)?;
            // The folder was named for this: its files are replaced, but
            // never through a link.
            export::write_file(&path, &text, true)?;
        }
        if !self.opts.json {
            writeln!(
                out,
                "{}",
                self.dim(&format!(
                    "exported to {}/{stem}.{{json,trace.json,svg,html}}",
                    dir.display()
                ))
            )?;
        }
        Ok(())
    }

    fn explain(&self, topic: Option<&str>, out: &mut dyn Write) -> Result<(), SessionError> {
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
            writeln!(out, "{}", note.text)?;
            return Ok(());
        }
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        writeln!(
            out,
            "{}",
            self.bold(&format!("What happened in this run of {}:", report.demo))
        )?;
        if let Some(prev) = self.prev.as_ref().filter(|p| p.demo == report.demo) {
            writeln!(out, "  • {}", explain::compare(prev, report))?;
        }
        write!(
            out,
            "{}",
            explain::explain_run(
                &report.run,
                &report.analysis,
                lesson,
                &report.params,
                report.yours
            )
        )?;
        Ok(())
    }

    fn compare(
        &mut self,
        axes: &[(String, Vec<String>)],
        out: &mut dyn Write,
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
            self.bold(&format!(
                "compare {} on {}: {} runs · {clock} clock",
                names.join(" × "),
                demo.info().name,
                runs.len()
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
            let cancelled = matches!(run.outcome, Outcome::Cancelled { .. });
            rows.push(compare::Row {
                values,
                summary: analyze(&run).summary,
                cancelled,
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
        Ok(())
    }

    fn ask(&mut self, metric: &str, out: &mut dyn Write) -> Result<(), SessionError> {
        let Some(ask) = self.opts.ask.clone() else {
            if !self.opts.json {
                writeln!(
                    out,
                    "{}",
                    self.dim(&format!(
                        "(a guess for {metric} is asked only in the REPL: skipped)"
                    ))
                )?;
            }
            return Ok(());
        };
        loop {
            out.flush()?;
            let Some(answer) = ask(&format!(
                "Your guess for {metric} in the next run (Enter skips): "
            )) else {
                return Ok(());
            };
            let answer = answer.trim();
            if answer.is_empty() {
                return Ok(());
            }
            match self.predict(metric, answer, out) {
                Ok(()) => return Ok(()),
                // A typo is not the end: say why and ask again.
                Err(SessionError::Invalid(why)) => writeln!(out, "{why}")?,
                Err(other) => return Err(other),
            }
        }
    }

    fn predict(
        &mut self,
        metric: &str,
        value: &str,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        self.open_ref()?;
        let known = crate::timeline::SUMMARY_METRICS.contains(&metric)
            || self
                .last
                .as_ref()
                .is_some_and(|r| r.analysis.summary.metric(metric).is_some());
        if !known {
            return Err(SessionError::Invalid(format!(
                "unknown metric '{metric}'; predict one of: {}",
                crate::timeline::SUMMARY_METRICS.join(", ")
            )));
        }
        let guess = match crate::timeline::parse_duration(value) {
            Ok(d) => Metric::Duration(d.as_nanos() as u64),
            Err(_) => Metric::Ratio(value.parse::<f64>().map_err(|_| {
                SessionError::Invalid(format!(
                    "'{value}' is not a number or a duration (like 3, 2.5 or 300ms)"
                ))
            })?),
        };
        self.predictions.retain(|(m, _)| m != metric);
        self.predictions.push((metric.to_string(), guess));
        writeln!(
            out,
            "noted: you predict {metric} = {value} for the next `run`"
        )?;
        Ok(())
    }

    /// After a run: each prediction next to what was measured.
    fn settle_predictions(
        &mut self,
        summary: &crate::timeline::Summary,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for (metric, guess) in std::mem::take(&mut self.predictions) {
            let Some(measured) = summary.metric(&metric) else {
                continue;
            };
            let (g, m) = (guess.as_f64(), measured.as_f64());
            // Counts must match; times and ratios within 10%.
            let held = match measured {
                Metric::Count(_) => g == m,
                _ => (g - m).abs() <= m.abs() * 0.1,
            };
            let shown = |x: Metric| match x {
                Metric::Count(n) => n.to_string(),
                Metric::Duration(ns) => format_duration(ns),
                Metric::Ratio(r) if r.fract() == 0.0 => format!("{r:.0}"),
                Metric::Ratio(r) => format!("{r:.2}"),
            };
            // The rule a guess is judged by, said with the verdict.
            let rule = match measured {
                Metric::Count(_) => "counts must match exactly",
                _ => "within 10% counts",
            };
            let verdict = if held {
                format!("your guess held ({rule})")
            } else {
                format!("not this time ({rule})")
            };
            writeln!(
                out,
                "prediction: {metric} = {}, measured {}: {verdict}",
                shown(guess),
                shown(measured)
            )?;
        }
        Ok(())
    }

    fn play(&mut self, speed: Option<f64>, out: &mut dyn Write) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        let total = report.analysis.summary.total_ns.max(1);
        let frame = |at: u64| {
            let opts = RenderOptions {
                cutoff: Some(at),
                ..self.render_options(None)
            };
            crate::timeline::render_lanes(&report.run, &report.analysis, &opts)
        };
        if !self.opts.animate {
            // Not a terminal: four stills instead of an animation.
            for quarter in 1..=4u64 {
                let at = total * quarter / 4;
                writeln!(
                    out,
                    "{}",
                    self.bold(&format!("at {}:", format_duration(at)))
                )?;
                write!(out, "{}", frame(at))?;
            }
            return Ok(());
        }
        // Real seconds the animation lasts: the run's own length at `speed`,
        // or about three seconds.
        let seconds = match speed {
            Some(speed) => total as f64 / 1e9 / speed,
            None => 3.0,
        };
        if seconds > 60.0 {
            return Err(SessionError::Invalid(format!(
                "that would take {seconds:.0}s: use a higher speed, e.g. `play {:.0}`",
                seconds / 5.0
            )));
        }
        // Paced by the wall clock, not by a frame count: each frame shows
        // the run where it was at this instant of the animation, so a big
        // run that renders slowly skips frames instead of overrunning.
        let length = std::time::Duration::from_secs_f64(seconds);
        let pause = std::time::Duration::from_millis(50);
        let started = std::time::Instant::now();
        let armed = self.interrupts.arm();
        let mut drawn = 0;
        loop {
            let elapsed = started.elapsed().min(length);
            let at = (total as f64 * elapsed.as_secs_f64() / seconds.max(1e-9)) as u64;
            let text = frame(at.min(total));
            if drawn > 0 {
                write!(out, "\x1b[{drawn}A")?; // back to the top of the last frame
            }
            for line in text.lines() {
                writeln!(out, "\x1b[2K{line}")?;
            }
            drawn = text.lines().count();
            out.flush()?;
            if armed.token.is_cancelled() {
                writeln!(out, "(stopped)")?;
                break;
            }
            if elapsed >= length {
                break;
            }
            std::thread::sleep(pause.min(length - elapsed));
        }
        Ok(())
    }

    fn export(&self, file: &str, force: bool, out: &mut dyn Write) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        let info =
            self.export_texts(&report.params, &report.run, &report.analysis, report.yours)?;
        let path = std::path::Path::new(file);
        let text = export::render(path, &report.run, &report.analysis, &info)
            .map_err(SessionError::Invalid)?;
        export::write_file(path, &text, force)?;
        writeln!(out, "wrote {file} ({} bytes)", text.len())?;
        Ok(())
    }

    fn expect(
        &mut self,
        e: &crate::lesson::Expectation,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        let report = self.last.as_ref().ok_or(SessionError::NoRun)?;
        let params = &report.params;
        let checked = check::check(
            e,
            &report.analysis.summary,
            self.prev.as_ref().map(|p| &p.analysis.summary),
            params,
        )
        .map_err(SessionError::Check)?;
        let text = format!(
            "expect {e}: measured {}, {} {}",
            checked.measured,
            e.op.wanted(),
            checked.limit
        );
        if checked.held && self.opts.json {
            self.passed += 1;
            let line = serde_json::json!({"type": "expect", "expect": e.to_string(), "held": true, "measured": checked.measured, "limit": checked.limit});
            writeln!(out, "{line}")?;
            Ok(())
        } else if checked.held {
            self.passed += 1;
            let mark = if self.opts.color {
                "✓".green().to_string()
            } else {
                "✓".to_string()
            };
            writeln!(out, "{mark} {text}")?;
            Ok(())
        } else {
            Err(SessionError::ExpectFailed(text))
        }
    }
}
