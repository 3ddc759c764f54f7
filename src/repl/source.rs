//! Where lines come from: rustyline on a terminal, plain lines otherwise
//! (piped stdin, tests). The loop in `repl` cannot tell them apart. On a
//! terminal the same editor also answers `ask` cells ([`Terminal::asker`]),
//! and a paste of several lines is handed out one line at a time.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Editor, Event, EventContext,
    EventHandler, KeyEvent, RepeatCount,
};

use super::helper::ReplHelper;
use crate::session::{Answer, AskFn, Completions};

/// The longest line a session reads: far more than any command, and a
/// bound, so a stream without newlines cannot grow memory until the
/// process aborts.
pub const MAX_LINE: usize = 64 * 1024;

/// One read from a [`LineSource`].
pub enum Input {
    Line(String),
    /// A line that could not be read as a command (over [`MAX_LINE`], not
    /// UTF-8): skipped, with why.
    Skipped(String),
    /// Ctrl-C at an empty prompt.
    Interrupted,
    /// Ctrl-C on a half-typed line: the line is dropped, as in a shell,
    /// and it does not count toward "Ctrl-C twice leaves".
    Cleared,
    /// Ctrl-D, or the end of piped input.
    Eof,
}

pub trait LineSource {
    fn read(&mut self, prompt: &str) -> io::Result<Input>;
    /// What completion may offer now (after `open`, `set`, …).
    fn update(&mut self, _completions: Completions) {}
    fn remember(&mut self, _line: &str) {}
    /// Drops the lines of a paste not run yet (after Ctrl-C).
    fn discard_pending(&mut self) {}
}

/// Plain lines, no prompt, no editing: piped stdin.
pub struct Plain<R> {
    pub reader: R,
}

impl<R: BufRead> LineSource for Plain<R> {
    fn read(&mut self, _prompt: &str) -> io::Result<Input> {
        let mut buf = Vec::new();
        let limit = MAX_LINE as u64 + 1;
        let n = self
            .reader
            .by_ref()
            .take(limit)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(Input::Eof);
        }
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            // Drop the rest of this line in bounded pieces.
            loop {
                buf.clear();
                let n = self
                    .reader
                    .by_ref()
                    .take(limit)
                    .read_until(b'\n', &mut buf)?;
                if n == 0 || buf.last() == Some(&b'\n') {
                    break;
                }
            }
            return Ok(Input::Skipped(format!(
                "a line of more than {} KiB was skipped: no command is that long",
                MAX_LINE / 1024
            )));
        }
        match String::from_utf8(buf) {
            Ok(line) => Ok(Input::Line(line.trim_end_matches(['\n', '\r']).to_string())),
            Err(_) => Ok(Input::Skipped(
                "a line that was not UTF-8 was skipped".into(),
            )),
        }
    }
}

/// rustyline: editing, completion, hints, history.
///
/// One editor reads every line, commands and the answers to `ask` cells
/// alike (see [`Terminal::asker`]): lines typed ahead or sent in a burst
/// wait in that editor's buffer, so a second editor would not see them and
/// a guess typed early would run later as a command.
pub struct Terminal {
    editor: Arc<Mutex<Editor<ReplHelper, DefaultHistory>>>,
    /// Lines of a bracketed paste not read yet: the next commands, or the
    /// answer to a question one of them asks.
    pending: Arc<Mutex<VecDeque<String>>>,
    /// Where history is kept between sessions (`None`: not kept).
    history: Option<PathBuf>,
    /// Set by Ctrl-C when it dropped a half-typed line (see [`CtrlC`]).
    cleared: Arc<AtomicBool>,
}

/// Ctrl-C notes whether the line it interrupts held anything: dropping a
/// half-typed line is not asking to leave.
struct CtrlC {
    cleared: Arc<AtomicBool>,
}

impl ConditionalEventHandler for CtrlC {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        self.cleared
            .store(!ctx.line().is_empty(), Ordering::Relaxed);
        Some(Cmd::Interrupt)
    }
}

impl Terminal {
    pub fn new(color: bool, history: Option<PathBuf>) -> rustyline::Result<Terminal> {
        let config = Config::builder()
            .auto_add_history(false)
            .completion_type(CompletionType::List)
            .max_history_size(1000)?
            .build();
        let mut editor = Editor::with_config(config)?;
        editor.set_helper(Some(ReplHelper {
            completions: Completions::default(),
            color,
        }));
        if let Some(path) = &history {
            // A missing file just means a first session.
            let _ = editor.load_history(path);
        }
        let cleared = Arc::new(AtomicBool::new(false));
        editor.bind_sequence(
            KeyEvent::ctrl('C'),
            EventHandler::Conditional(Box::new(CtrlC {
                cleared: cleared.clone(),
            })),
        );
        Ok(Terminal {
            editor: Arc::new(Mutex::new(editor)),
            pending: Arc::default(),
            history,
            cleared,
        })
    }

    fn editor(&self) -> MutexGuard<'_, Editor<ReplHelper, DefaultHistory>> {
        lock(&self.editor)
    }

    /// Answers `ask` cells from the same editor. A paste's next line
    /// answers only if it reads as a guess (a number, a duration, or blank
    /// to skip); a command stays waiting to run after the question.
    pub fn asker(&self) -> AskFn {
        let (editor, pending) = (self.editor.clone(), self.pending.clone());
        Arc::new(move |question: &str| {
            if let Some(line) = next_pasted_if(&pending, is_guess) {
                // Shown as if typed at the question.
                let mut out = io::stdout().lock();
                let _ = writeln!(out, "{question}{line}");
                return Answer::Line(line);
            }
            match lock(&editor).readline(question) {
                Ok(line) if line.len() > MAX_LINE => Answer::Line(String::new()),
                // A paste at the question: its first line answers.
                Ok(line) => {
                    // Lines still waiting came before this one.
                    let waiting = lock(&pending).len();
                    let first = first_of(&pending, &line);
                    if is_guess(&first) || !is_command(&first) {
                        return Answer::Line(first);
                    }
                    // A command typed (or typed ahead) at the question: the
                    // guess is skipped, and the command waits its turn after
                    // this cell, before the rest of its own paste.
                    let said = super::fit_to_terminal(
                        "(not a guess: the question is skipped; that command runs after this cell)",
                    );
                    let mut out = io::stdout().lock();
                    let _ = writeln!(out, "{said}");
                    lock(&pending).insert(waiting, first);
                    Answer::Line(String::new())
                }
                Err(ReadlineError::Interrupted) => Answer::Interrupted,
                Err(_) => Answer::Gone,
            }
        })
    }
}

/// A line that answers a question for a guess rather than runs as a
/// command: blank (skip), a number or a duration.
fn is_guess(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.parse::<f64>().is_ok() || crate::timeline::parse_duration(line).is_ok()
}

/// A line that reads as one of the REPL's commands (`next`, `run`, …).
fn is_command(line: &str) -> bool {
    matches!(crate::command::parse(line), Ok(Some(_)))
}

/// The editor or the pending lines, locked. A panic while one was held
/// (reading a line) leaves it usable: it holds no half-made state.
fn lock<T>(shared: &Mutex<T>) -> MutexGuard<'_, T> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// The paste's next line, if `wanted` takes it.
fn next_pasted_if(pending: &Mutex<VecDeque<String>>, wanted: fn(&str) -> bool) -> Option<String> {
    let mut pending = lock(pending);
    let take = pending.front().is_some_and(|line| wanted(line));
    take.then(|| pending.pop_front()).flatten()
}

/// The first line of what was read; the others wait in `pending`, after
/// anything already waiting (which came before them).
fn first_of(pending: &Mutex<VecDeque<String>>, text: &str) -> String {
    let mut lines = text.lines().map(str::to_string);
    let first = lines.next().unwrap_or_default();
    lock(pending).extend(lines);
    first
}

impl LineSource for Terminal {
    fn read(&mut self, prompt: &str) -> io::Result<Input> {
        if let Some(line) = next_pasted_if(&self.pending, |_| true) {
            return Ok(Input::Line(line));
        }
        let read = self.editor().readline(prompt);
        match read {
            Ok(line) if line.len() > MAX_LINE => Ok(Input::Skipped(format!(
                "a line of more than {} KiB was skipped: no command is that long",
                MAX_LINE / 1024
            ))),
            // A bracketed paste of several lines arrives as one string:
            // one line now, the rest as the next reads (or answers).
            Ok(line) => Ok(Input::Line(first_of(&self.pending, &line))),
            Err(ReadlineError::Interrupted) if self.cleared.swap(false, Ordering::Relaxed) => {
                Ok(Input::Cleared)
            }
            Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
            Err(ReadlineError::Eof) => Ok(Input::Eof),
            Err(ReadlineError::Io(e)) => Err(e),
            Err(other) => Err(io::Error::other(other.to_string())),
        }
    }

    fn discard_pending(&mut self) {
        lock(&self.pending).clear();
    }

    fn update(&mut self, completions: Completions) {
        if let Some(helper) = self.editor().helper_mut() {
            helper.completions = completions;
        }
    }

    fn remember(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let mut editor = self.editor();
        let _ = editor.add_history_entry(line);
        if let Some(path) = &self.history {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            // Saved after every line, so a killed terminal loses nothing.
            let _ = editor.save_history(path);
        }
    }
}
