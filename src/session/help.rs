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
                // Summaries wrap in their own column; a synopsis wider
                // than the column gets a line of its own.
                let column = 30.min(self.opts.width / 3);
                let indent = " ".repeat(column + 3);
                let summary_width = self.opts.width.saturating_sub(column + 3);
                for c in COMMANDS {
                    let usage = format!("{} {}", c.name, c.args);
                    let usage = usage.trim_end();
                    let summary = crate::layout::fill(c.summary, summary_width, "");
                    let mut lines = summary.lines();
                    let first = lines.next().unwrap_or_default();
                    if crate::layout::width(usage) > column {
                        // Wider than the window too: wrapped at its spaces.
                        let usage = crate::layout::fill_indented(usage, self.opts.width, "  ");
                        writeln!(out, "{usage}\n{indent}{first}")?;
                    } else {
                        writeln!(out, "  {} {first}", crate::layout::pad(usage, column))?;
                    }
                    for line in lines {
                        writeln!(out, "{indent}{line}")?;
                    }
                }
                let tip = "Tab completes commands, lesson ids and parameters. Ctrl-C cancels a running demo.";
                out.aside(&self.wrapped(tip, ""))
            }
            Some(word) => match command::spec(command::canonical(word)) {
                Some(c) => {
                    // The synopsis wraps under itself; the text is set in by
                    // two columns, counted in the width.
                    let synopsis = crate::layout::fill(
                        format!("{} {}", c.name, c.args).trim_end(),
                        self.opts.width,
                        "    ",
                    );
                    let rest = synopsis.strip_prefix(c.name).unwrap_or(&synopsis);
                    writeln!(
                        out,
                        "{}{rest}\n{}",
                        self.bold(c.name),
                        crate::layout::fill_indented(c.help, self.opts.width, "  ")
                    )
                }
                None => {
                    let suggestion = closest(word, COMMANDS.iter().map(|c| c.name));
                    writeln!(
                        out,
                        "no command '{}'{}; type `help` for the list",
                        // Typed or pasted: shown escaped, never run by the terminal.
                        crate::text::quoted(word, 40),
                        crate::text::did_you_mean(suggestion)
                    )
                }
            },
        }
    }

    pub(super) fn lessons(&self, out: &mut Transcript) -> io::Result<()> {
        // The title is the last column, so it is the one that wraps.
        let mut rows = vec![vec![
            "  #".to_string(),
            "id".to_string(),
            "demo".to_string(),
            "title".to_string(),
        ]];
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
            let number = format!("{mark} {:>2}", i + 1);
            rows.push(match &entry.lesson {
                Ok(l) => vec![
                    number,
                    l.meta.id.clone(),
                    l.meta.demo.clone(),
                    l.meta.title.clone(),
                ],
                Err(e) => vec![number, "?".into(), String::new(), format!("broken: {e}")],
            });
        }
        out.table(&rows, self.opts.width)?;
        writeln!(
            out,
            "{}",
            self.dim(&self.wrapped("`open <id>` or `open <number>` to start one", ""))
        )
    }
}

impl Session {
    /// `show code`: the lines the lesson is about; `--all`: the file.
    pub(super) fn show_code(&self, all: bool, out: &mut Transcript) -> Result<(), SessionError> {
        let info = self.open_ref()?.resolved.demo.info();
        if all {
            out.aside(&format!(
                "// the source of the `{}` demo, exactly as compiled",
                info.name
            ))?;
            write!(out, "{}", info.source)?;
        } else {
            out.aside(&self.wrapped(
                &format!(
                    "// the teaching core of the `{}` demo (`show code --all`: the whole file)",
                    info.name
                ),
                "// ",
            ))?;
            write!(out, "{}", crate::demo::teaching_core(info.source))?;
            if let Some(helpers) = crate::demo::kit_helpers_used(info.source) {
                out.aside("\n// and from asynclab-kit (kit/src/demo.rs), called above:")?;
                write!(out, "{helpers}")?;
            }
        }
        Ok(())
    }
}
