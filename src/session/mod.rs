//! The session: the open lesson, the cursor, the parameters and the last
//! runs. This file is the dispatcher: [`Session::execute`] hands each
//! [`Command`] to the module that does that job.
//!
//! | job | module |
//! |---|---|
//! | `open`, `next`, `prev`, `where` and the cells they show | `navigate` |
//! | `run`, `compare`, reproducer, exports of a run | `running` |
//! | `set`, `params`, completion of parameters | `parameters` |
//! | `ask`, `predict`, `expect` | `predict` |
//! | `explain` | `explain` |
//! | `help`, `lessons` | `help` |
//! | `play`, `at` | `playback` |
//! | `edit`, `diff`, `restore` | `edit` |
//! | `exercise`, `check`, `hint`, `solution`, what `run` runs | `exercise` |
//!
//! The REPL and `replay` drive the same `Session` with the same parser, so
//! a replayed lesson behaves exactly like typed input. Every command writes
//! to a [`Transcript`] (text for people, JSON lines for machines). The
//! session never touches the terminal: no prompt, no colour detection, no
//! escape sequences, no reading of input (`clear` and `play`'s animation
//! are the REPL's).

pub mod check;
mod compare;
mod edit;
mod error;
mod exercise;
mod explain;
mod export;
mod help;
mod navigate;
mod parameters;
mod playback;
mod predict;
pub mod progress;
pub mod resolve;
mod running;
mod transcript;

use std::io::Write;

use crate::command::{self, Command};
use crate::demo::Params;
use crate::demo::run::ProgressFn;
use crate::interrupt::Interrupts;
use crate::lab::scope::Scope;
use crate::lesson::Catalog;
use crate::timeline::{Analysis, Metric, RenderOptions, Run, Summary};
pub use error::SessionError;
pub use playback::Frames;
use progress::LessonProgress;
use resolve::Resolved;
pub use transcript::Transcript;

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
    /// Where lesson progress is kept; `None` (replay, tests) keeps none.
    pub progress_file: Option<std::path::PathBuf>,
    /// Machine-readable output: one JSON object a line for each lesson,
    /// run, expectation and error, and nothing else (`replay --format json`).
    pub json: bool,
    /// Write every run's exports into this folder (`replay --export DIR`).
    pub export_dir: Option<std::path::PathBuf>,
    /// The folder the session's lessons came from (`--lessons DIR`, or
    /// `./lessons` laid over the built-ins), as an absolute path: a
    /// reproducer names it, or `asynclab run <id>` elsewhere would find
    /// another lesson (or none).
    pub lessons_dir: Option<std::path::PathBuf>,
    /// Asks the person at the keyboard one question (`ask` cells); `None`
    /// when nobody is there (replay, piped input, tests).
    pub ask: Option<AskFn>,
    /// The editor `edit` opens files in ($VISUAL or $EDITOR), when a person
    /// is at a terminal; `None`: `edit` prints the path instead.
    pub editor: Option<String>,
}

/// Shows a question, returns what the person did about it.
pub type AskFn = std::sync::Arc<dyn Fn(&str) -> Answer + Send + Sync>;

/// What came back from an [`AskFn`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A line was typed (perhaps empty: Enter skips).
    Line(String),
    /// Ctrl-C: the rest of the cell is not run.
    Interrupted,
    /// No answer can come (end of input, or the terminal failed).
    Gone,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            width: 100,
            follow_width: false,
            color: false,
            rows: 24,
            scope: Scope::default(),
            progress: None,
            progress_file: None,
            json: false,
            export_dir: None,
            lessons_dir: None,
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

/// One finished run, with what it ran with.
pub struct FinishedRun {
    pub demo: &'static str,
    /// The learner's own code ran (an exercise, or their copy of the demo).
    pub yours: bool,
    pub params: Params,
    pub run: Run,
    pub analysis: Analysis,
}

impl FinishedRun {
    /// What a later run is compared with: this run without its events.
    fn baseline(&self) -> Baseline {
        Baseline {
            demo: self.demo,
            params: self.params.clone(),
            summary: self.analysis.summary.clone(),
        }
    }
}

/// How things stood when a command cell first ran: `prev` then `next`
/// runs it again from there, not from wherever the learner went since.
struct CellStart {
    params: Params,
    /// The last run then: `prev.` in this cell's expectations.
    last: Option<Baseline>,
}

/// The run before the last, as `prev.` in `expect` and `explain` see it.
#[derive(Clone)]
pub struct Baseline {
    pub demo: &'static str,
    pub params: Params,
    pub summary: Summary,
}

struct OpenLesson {
    resolved: Resolved,
    /// 1-based position in the catalog (0 for a demo opened without one).
    number: usize,
    /// Index of the next cell `next` shows.
    cursor: usize,
    params: Params,
    /// Where a reproducer finds this lesson again.
    origin: Origin,
    /// For each cell run so far, how things stood when it first ran.
    started: std::collections::BTreeMap<usize, CellStart>,
}

/// Where `asynclab run <id>` finds an open lesson again.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origin {
    /// Built in, word for word (or a demo on its own): anywhere.
    BuiltIn,
    /// In this folder (absolute): the reproducer names it with `--lessons`.
    Folder(std::path::PathBuf),
    /// Nowhere a shell line can name: no reproducer.
    Unknown,
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
    /// Metrics `predict` and `expect` can name: the summary's, and the
    /// last run's own.
    pub metrics: Vec<String>,
}

pub struct Session {
    catalog: Catalog,
    opts: Options,
    interrupts: Interrupts,
    open: Option<OpenLesson>,
    last: Option<FinishedRun>,
    prev: Option<Baseline>,
    /// What the next run is compared with instead of the last run: set when
    /// a cell runs again after `prev` (its `prev.` is what it was then).
    rewound: Option<Option<Baseline>>,
    /// Expectations that held / failures (with `file:line` in cells).
    pub passed: usize,
    pub failures: Vec<String>,
    /// Set when a run was cancelled by Ctrl-C; `replay` stops on it.
    pub interrupted: bool,
    /// Guesses for the next run: (metric, value as typed).
    predictions: Vec<(String, Metric)>,
    /// Finished lessons and the current one (kept only with a progress file).
    progress: LessonProgress,
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
    /// Who answers `ask` cells from now on (the REPL's own editor).
    pub fn set_ask(&mut self, ask: Option<AskFn>) {
        self.opts.ask = ask;
    }

    pub fn new(catalog: Catalog, opts: Options, interrupts: Interrupts) -> Session {
        let (progress, note) = opts
            .progress_file
            .as_deref()
            .map(LessonProgress::load)
            .unwrap_or_default();
        Session {
            catalog,
            opts,
            interrupts,
            open: None,
            last: None,
            prev: None,
            rewound: None,
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

    /// True when the output width should follow the terminal's.
    /// The width everything is laid out for now.
    pub fn width(&self) -> usize {
        self.opts.width
    }

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

    /// The Ctrl-C listener, for work the caller does on the session's
    /// behalf (the REPL's animation of `play`).
    pub fn interrupts(&self) -> &Interrupts {
        &self.interrupts
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn last(&self) -> Option<&FinishedRun> {
        self.last.as_ref()
    }

    /// Parses and executes one typed line.
    pub fn execute_line(&mut self, line: &str, out: &mut dyn Write) -> Result<Flow, SessionError> {
        match command::parse(line)? {
            Some(command) => self.execute(&command, out),
            None => Ok(Flow::Continue),
        }
    }

    /// Executes one command, writing its output to `out` in this
    /// session's form (text, or JSON lines for `replay --format json`).
    pub fn execute(
        &mut self,
        command: &Command,
        out: &mut dyn Write,
    ) -> Result<Flow, SessionError> {
        let mut transcript = Transcript::new(out, self.opts.json, self.style());
        self.dispatch(command, &mut transcript)
    }

    /// Hands `command` to the module that does its job.
    fn dispatch(&mut self, command: &Command, out: &mut Transcript) -> Result<Flow, SessionError> {
        match command {
            Command::Help(topic) => self.help(topic.as_deref(), out)?,
            Command::Lessons => self.lessons(out)?,
            Command::Open(key) => self.open_and_read(key, out)?,
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
                let said = "parameters reset to the lesson's defaults";
                writeln!(out, "{}", self.wrapped(said, "  "))?;
            }
            Command::Reset { progress: true } => {
                self.progress = LessonProgress::default();
                if let Some(path) = &self.opts.progress_file {
                    // Replace, not merge: forgetting is the point.
                    let _ = self.progress.replace(path);
                }
                writeln!(out, "progress cleared: no lesson is marked finished")?;
            }
            Command::ShowCode { all } => self.show_code(*all, out)?,
            Command::Timeline { all } => self.timeline(*all, out)?,
            Command::Expect(e) => self.expect(e, out)?,
            Command::Compare(axes) => self.compare(axes, out)?,
            Command::Predict { metric, value } => self.predict(metric, value, out)?,
            Command::At(time) => self.at(time, out)?,
            // On a terminal the REPL animates instead (`repl::play`).
            Command::Play(_) => self.play(out)?,
            Command::Ask(metric) => self.ask(metric, out)?,
            Command::Export { file, force } => self.export(file, *force, out)?,
            Command::Edit(name) => self.edit(name.as_deref(), out)?,
            Command::Diff => self.diff(out)?,
            Command::Restore => self.restore(out)?,
            Command::Exercises => self.list_exercises(out)?,
            Command::Exercise(name) if name == "off" => self.stop_exercise(out)?,
            Command::Exercise(name) => self.start_exercise(name, out)?,
            Command::Hint => self.hint(out)?,
            // Clearing is the terminal's: the REPL does it; a pipe or a
            // transcript gets nothing.
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

    /// `text` wrapped at word boundaries to the output width; lines after
    /// the first start with `indent`.
    /// Forgets the runs so far: they were of another program (another
    /// lesson, the demo before an exercise or the exercise after it), so
    /// `predict`, `expect`, `explain` and `prev.` start afresh.
    fn forget_runs(&mut self) {
        self.last = None;
        self.prev = None;
    }

    fn wrapped(&self, text: &str, indent: &str) -> String {
        crate::layout::fill(text, self.opts.width, indent)
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
}
