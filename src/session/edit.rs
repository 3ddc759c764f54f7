//! `edit`, `diff` and `restore`: the learner's copy of a demo (or their
//! exercise file) in the workspace, opened in their editor, compared with
//! the original, and put back.

use std::io::Write;

use similar::{ChangeTag, TextDiff};

use super::{Session, SessionError};
use crate::exercise::ExerciseError;
use crate::text::sanitize;

impl Session {
    /// `edit [exercise]`: the learner's copy, in their editor.
    pub(super) fn edit(
        &mut self,
        name: Option<&str>,
        out: &mut dyn Write,
    ) -> Result<(), SessionError> {
        if let Some(name) = name {
            self.start_exercise(name, out)?;
        }
        let target = self.target()?;
        let ws = self.workspace()?;
        ws.prepare()?;
        if ws.seed(&target.file, target.original)? {
            writeln!(
                out,
                "wrote {} (a copy of the original)",
                asynclab_kit::text::shown_path(&target.file)
            )?;
        }
        match &self.opts.editor {
            Some(editor) => {
                writeln!(
                    out,
                    "opening {} in {editor} …",
                    asynclab_kit::text::shown_path(&target.file)
                )?;
                out.flush()?;
                // `sh -c` so EDITOR may carry flags (`code -w`); the path
                // goes in as "$1", never as shell text.
                // `sh` from PATH's absolute folders only, as every child,
                // and the editor looked up by that shell in them alone.
                let sh = asynclab_kit::lab::children::find_program("sh")
                    .unwrap_or_else(|_| "/bin/sh".into());
                let status = std::process::Command::new(sh)
                    .env("PATH", asynclab_kit::lab::children::absolute_path())
                    .arg("-c")
                    .arg(format!("{editor} \"$1\""))
                    .arg("sh")
                    .arg(&target.file)
                    .status();
                match status {
                    Ok(s) if s.success() => writeln!(
                        out,
                        "saved? `run` builds and runs your version; `diff` shows what you changed"
                    )?,
                    Ok(s) => writeln!(
                        out,
                        "the editor exited with {s}; your file is still {}",
                        asynclab_kit::text::shown_path(&target.file)
                    )?,
                    Err(e) => writeln!(
                        out,
                        "could not start '{editor}': {e}; open {} yourself",
                        asynclab_kit::text::shown_path(&target.file)
                    )?,
                }
            }
            None => {
                writeln!(
                    out,
                    "your copy: {}",
                    asynclab_kit::text::shown_path(&target.file)
                )?;
                writeln!(
                    out,
                    "{}",
                    self.wrapped(
                        "open it in your editor (set $VISUAL or $EDITOR, e.g. `export EDITOR=nano`, and `edit` opens it for you); `run` builds and runs your version",
                        ""
                    )
                )?;
            }
        }
        Ok(())
    }

    /// `diff`: what the learner changed, as a unified diff.
    pub(super) fn diff(&self, out: &mut dyn Write) -> Result<(), SessionError> {
        let target = self.target()?;
        let mine = match std::fs::read_to_string(&target.file) {
            Ok(text) => text,
            Err(_) => {
                writeln!(out, "no copy yet: `edit` makes one")?;
                return Ok(());
            }
        };
        let original = if target.exercise.is_some() {
            "the starter"
        } else {
            "the original demo"
        };
        if mine == target.original {
            // The path whole on its own line: wrapped, it would not paste.
            let said = format!("nothing changed: your file is {original}");
            writeln!(
                out,
                "{}\n  {}",
                self.wrapped(&said, "  "),
                asynclab_kit::text::shown_path(&target.file)
            )?;
            return Ok(());
        }
        let diff = TextDiff::from_lines(target.original, mine.as_str());
        writeln!(
            out,
            "--- {original}\n+++ {}",
            asynclab_kit::text::shown_path(&target.file)
        )?;
        for hunk in diff.unified_diff().context_radius(2).iter_hunks() {
            writeln!(out, "{}", self.dim(&hunk.header().to_string()))?;
            for change in hunk.iter_changes() {
                let text = sanitize(change.value().trim_end_matches('\n'), false);
                let line = match change.tag() {
                    ChangeTag::Delete => self.style().verdict(&format!("-{text}"), false),
                    ChangeTag::Insert => self.style().verdict(&format!("+{text}"), true),
                    ChangeTag::Equal => format!(" {text}"),
                };
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }

    /// `restore`: the original back in the learner's file; their version
    /// is kept beside it (`.bak`), so no work is ever lost to one word.
    pub(super) fn restore(&self, out: &mut dyn Write) -> Result<(), SessionError> {
        let target = self.target()?;
        let io = |source| ExerciseError::Workspace {
            path: target.file.clone(),
            source,
        };
        match std::fs::read_to_string(&target.file) {
            Ok(mine) if mine == target.original => {
                let original = if target.exercise.is_some() {
                    "the starter"
                } else {
                    "the original"
                };
                writeln!(
                    out,
                    "{} is {original} already: nothing to restore",
                    asynclab_kit::text::shown_path(&target.file)
                )?;
                return Ok(());
            }
            Ok(mine) => {
                let backup = target.file.with_extension("rs.bak");
                std::fs::write(&backup, mine).map_err(io)?;
                writeln!(
                    out,
                    "your version is kept as {}",
                    asynclab_kit::text::shown_path(&backup)
                )?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Nothing to restore: there is no copy of the learner's yet.
                writeln!(out, "no copy yet: `edit` makes one")?;
                return Ok(());
            }
            Err(_) => {}
        }
        std::fs::write(&target.file, target.original).map_err(io)?;
        let what = if target.exercise.is_some() {
            "the starter"
        } else {
            "the original demo (`run` runs the built-in one)"
        };
        writeln!(
            out,
            "{} is {what} again",
            asynclab_kit::text::shown_path(&target.file)
        )?;
        Ok(())
    }
}
