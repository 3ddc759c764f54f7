//! Where lines come from: rustyline on a terminal, plain lines otherwise
//! (piped stdin, tests). The loop in `repl` cannot tell them apart.

use std::io::{self, BufRead, Read};
use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};

use super::helper::ReplHelper;
use crate::session::Completions;

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
    /// Ctrl-C at the prompt.
    Interrupted,
    /// Ctrl-D, or the end of piped input.
    Eof,
}

pub trait LineSource {
    fn read(&mut self, prompt: &str) -> io::Result<Input>;
    /// What completion may offer now (after `open`, `set`, …).
    fn update(&mut self, _completions: Completions) {}
    fn remember(&mut self, _line: &str) {}
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
pub struct Terminal {
    editor: Editor<ReplHelper, DefaultHistory>,
    /// Where history is kept between sessions (`None`: not kept).
    history: Option<PathBuf>,
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
        Ok(Terminal { editor, history })
    }
}

impl LineSource for Terminal {
    fn read(&mut self, prompt: &str) -> io::Result<Input> {
        match self.editor.readline(prompt) {
            Ok(line) if line.len() > MAX_LINE => Ok(Input::Skipped(format!(
                "a line of more than {} KiB was skipped: no command is that long",
                MAX_LINE / 1024
            ))),
            Ok(line) => Ok(Input::Line(line)),
            Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
            Err(ReadlineError::Eof) => Ok(Input::Eof),
            Err(ReadlineError::Io(e)) => Err(e),
            Err(other) => Err(io::Error::other(other.to_string())),
        }
    }

    fn update(&mut self, completions: Completions) {
        if let Some(helper) = self.editor.helper_mut() {
            helper.completions = completions;
        }
    }

    fn remember(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        let _ = self.editor.add_history_entry(line);
        if let Some(path) = &self.history {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            // Saved after every line, so a killed terminal loses nothing.
            let _ = self.editor.save_history(path);
        }
    }
}
