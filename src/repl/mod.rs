//! The read-eval-print loop: read a line from a [`LineSource`], hand it to
//! the [`Session`], print what it wrote, repeat.
//!
//! The loop is synchronous; demos run inside their own runtime in the
//! session. Ctrl-C while a demo runs cancels the demo (see `interrupt`);
//! Ctrl-C at the prompt once warns, twice in a row leaves; Ctrl-D or `quit`
//! leaves. Errors are one line on stderr and the loop goes on.

mod helper;
mod pager;
mod play;
pub mod source;

use std::io::{self, Write};

use colored::Colorize;

use crate::command::{self, Command};
use crate::session::{Flow, Session, SessionError};
pub use source::{Input, LineSource, Plain, Terminal};

/// The terminal's width in columns, kept within what the renderer lays
/// out well; `None` when stdout is not a terminal.
pub fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0).clamp(40, 400))
}

/// `text` wrapped to the terminal's width as it is now (the window may
/// have been resized since the last command); as it is off a terminal.
pub fn fit_to_terminal(text: &str) -> String {
    match terminal_width() {
        Some(width) => crate::layout::fill(text, width, " "),
        None => text.to_string(),
    }
}

/// Prints a session error as one line on stderr.
pub fn report(error: &SessionError, color: bool) {
    report_within(error, color, None);
}

/// Prints a session error on stderr: one line, or on a terminal of
/// `width` columns wrapped at word boundaries (continuation lines
/// indented), so a long message does not break mid-word.
pub fn report_within(error: &SessionError, color: bool, width: Option<usize>) {
    // Errors quote what the user or a lesson typed: escaped, never sent.
    let line = format!(
        "error: {}",
        crate::text::sanitize(&error.to_string(), false)
    );
    let line = match width {
        Some(width) => crate::layout::fill(&line, width, "       "),
        None => line,
    };
    if color {
        eprintln!("{}", line.red());
    } else {
        eprintln!("{line}");
    }
}

pub fn is_broken_pipe(e: &SessionError) -> bool {
    matches!(e, SessionError::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
}

/// The width errors wrap to: the session's, on a terminal only (a pipe
/// or a log keeps each error on one line, for grep).
fn wrap_at(session: &Session, terminal: bool) -> Option<usize> {
    terminal.then(|| session.width())
}

/// Commands that only print what is already known: these may be paged.
fn is_listing(command: &Command) -> bool {
    matches!(
        command,
        Command::Help(_)
            | Command::Lessons
            | Command::Params
            | Command::ShowCode { .. }
            | Command::Timeline { .. }
            | Command::At(_)
            | Command::Explain(_)
            | Command::Diff
            | Command::Exercises
    )
}

/// The terminal's height in lines (24 when it cannot be read).
fn terminal_height() -> usize {
    terminal_size::terminal_size().map_or(24, |(_, h)| usize::from(h.0))
}

/// Executes one line. On a terminal (`animate`), the two commands that
/// drive the terminal itself are done here: `clear`, and `play`'s
/// animation of the frames the session makes. The rest is the session's.
fn execute(
    session: &mut Session,
    line: &str,
    out: &mut dyn Write,
    animate: bool,
) -> Result<Flow, SessionError> {
    match command::parse(line)? {
        Some(Command::Clear) if animate => write!(out, "\x1b[2J\x1b[H")?,
        Some(Command::Play(speed)) if animate => {
            play::animate(&session.frames()?, speed, session.interrupts(), out)?
        }
        // A long listing goes through the pager; whatever runs something
        // streams as it goes.
        Some(command) if animate && is_listing(&command) => {
            let mut text = Vec::new();
            let flow = session.execute(&command, &mut text);
            pager::show(&text, terminal_height(), out)?;
            return flow;
        }
        Some(command) => return session.execute(&command, out),
        None => {}
    }
    Ok(Flow::Continue)
}

/// Runs the loop until `quit`, Ctrl-D, end of input, or a closed stdout.
/// `animate`: `out` is a terminal, which may be cleared and redrawn.
pub fn run(
    session: &mut Session,
    source: &mut dyn LineSource,
    out: &mut dyn Write,
    color: bool,
    animate: bool,
) -> io::Result<()> {
    let mut interrupted_once = false;
    loop {
        let prompt = match session.label() {
            Some(label) => format!("asynclab[{label}]> "),
            None => "asynclab> ".to_string(),
        };
        source.update(session.completions());
        match source.read(&prompt)? {
            Input::Line(text) => {
                interrupted_once = false;
                // A source hands out one line at a time (a terminal keeps a
                // paste's other lines waiting); piped text may still hold
                // several: run (and remember) each as if it had been typed.
                for line in text.lines() {
                    source.remember(line);
                    // A window resized since the last command: lay out for
                    // the width it has now.
                    if session.follows_width()
                        && let Some(width) = terminal_width()
                    {
                        session.set_width(width);
                    }
                    session.interrupted = false;
                    match execute(session, line, out, animate) {
                        Ok(Flow::Quit) => return Ok(()),
                        Ok(Flow::Continue) => {}
                        Err(e) if is_broken_pipe(&e) => return Ok(()),
                        Err(e) => report_within(&e, color, wrap_at(session, animate)),
                    }
                    out.flush()?;
                    if session.interrupted {
                        // Ctrl-C stops what was pasted along with it.
                        source.discard_pending();
                        break;
                    }
                }
            }
            Input::Cleared => interrupted_once = false,
            Input::Interrupted if interrupted_once => return Ok(()),
            Input::Interrupted => {
                interrupted_once = true;
                let hint = "(Ctrl-C again, Ctrl-D or `quit` to leave; Ctrl-C during a run cancels the run)";
                if animate {
                    writeln!(out, "{}", fit_to_terminal(hint))?;
                } else {
                    writeln!(out, "{hint}")?;
                }
            }
            Input::Skipped(why) => report_within(
                &SessionError::Invalid(why),
                color,
                wrap_at(session, animate),
            ),
            Input::Eof => return Ok(()),
        }
    }
}
