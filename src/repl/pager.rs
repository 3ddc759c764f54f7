//! Long listings on a terminal go through a pager, as git does: `$PAGER`,
//! else `less` told to quit when the text fits, keep colours and leave the
//! screen as it was (`LESS=FRX`, unless the user set `LESS`). The REPL
//! pages only when stdout is a terminal, and only listings (`timeline`,
//! `show code`, `help`, …): never a pipe, never a run in progress.

use std::io::{self, Write};
use std::process::{Command, Stdio};

/// Writes `text` to `out`, or through the pager when it is taller than
/// `height` lines. A pager that cannot start, or fails, is no reason to
/// lose the text.
pub fn show(text: &[u8], height: usize, out: &mut dyn Write) -> io::Result<()> {
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    // The prompt needs a line of its own after the text.
    if lines < height.saturating_sub(1) {
        return out.write_all(text);
    }
    out.flush()?;
    match page(text) {
        Ok(()) => Ok(()),
        Err(_) => out.write_all(text),
    }
}

/// The pager command: `$PAGER` split as a shell would (no shell runs it),
/// else `less`; `None` when `$PAGER` is empty or `cat` (no paging wanted).
fn pager() -> Option<Vec<String>> {
    match std::env::var("PAGER") {
        Ok(value) => {
            let words = shlex::split(&value)?;
            match words.first().map(String::as_str) {
                None | Some("cat") => None,
                Some(_) => Some(words),
            }
        }
        Err(_) => Some(vec!["less".to_string()]),
    }
}

fn page(text: &[u8]) -> io::Result<()> {
    let words = pager().ok_or_else(|| io::Error::other("no pager"))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| io::Error::other("no pager"))?;
    // A bare name is looked for in PATH's absolute folders only: a `less`
    // in the current folder (a lesson folder) never runs.
    let program = if program.contains('/') {
        std::path::PathBuf::from(program)
    } else {
        asynclab_kit::lab::children::find_program(program)?
    };
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    let mut child = command.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The reader may quit early: a closed pipe is not an error here.
        match stdin.write_all(text) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                let _ = child.kill();
                return Err(e);
            }
            _ => {}
        }
    }
    // A pager that failed (`PAGER=false`, a bad option) may have shown
    // nothing: the caller writes the text itself. `less` quit with `q`
    // succeeds.
    if child.wait()?.success() {
        Ok(())
    } else {
        Err(io::Error::other("the pager failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_written_as_it_is() {
        let mut out = Vec::new();
        show(b"one\ntwo\n", 24, &mut out).expect("writes");
        assert_eq!(out, b"one\ntwo\n");
    }
}
