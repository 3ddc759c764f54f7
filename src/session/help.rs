//! The tables a learner reads to find their way: `help` and `lessons`.

use std::io::{self, Write};

use super::{Session, SessionError, Transcript};
use crate::command::{self, COMMANDS};
use crate::text::closest;

impl Session {
    pub(super) fn help(&self, topic: Option<&str>, out: &mut Transcript) -> io::Result<()> {
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

    pub(super) fn lessons(&self, out: &mut Transcript) -> io::Result<()> {
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
}

impl Session {
    pub(super) fn show_code(&self, out: &mut Transcript) -> Result<(), SessionError> {
        let info = self.open_ref()?.resolved.demo.info();
        out.aside(&format!(
            "// the source of the `{}` demo, exactly as compiled",
            info.name
        ))?;
        write!(out, "{}", info.source)?;
        Ok(())
    }
}
