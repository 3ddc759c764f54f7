//! The transcript: where a command's output goes, in one of two forms.
//!
//! For people it is text: prose, bold headings, dim asides. For machines
//! (`replay --format json`) it is one JSON object a line for each lesson,
//! run, expectation and error, and nothing else. A command writes its
//! output once: prose through [`Write`] (which the JSON form drops), and
//! each fact a machine needs through [`Transcript::record`], which takes
//! both of its forms. No command asks which form it is writing.

use std::io::{self, Write};

use crate::timeline::Style;

pub struct Transcript<'a> {
    out: &'a mut dyn Write,
    json: bool,
    style: Style,
}

impl<'a> Transcript<'a> {
    pub fn new(out: &'a mut dyn Write, json: bool, style: Style) -> Transcript<'a> {
        Transcript { out, json, style }
    }

    /// A line in bold, for people.
    pub fn heading(&mut self, text: &str) -> io::Result<()> {
        let line = self.style.bold(text);
        writeln!(self, "{line}")
    }

    /// A line in dim, for people: hints, what to type next.
    pub fn aside(&mut self, text: &str) -> io::Result<()> {
        let line = self.style.dim(text);
        writeln!(self, "{line}")
    }

    /// A table laid out to `width` (`layout::table`), its first row, the
    /// header, in bold.
    pub fn table(&mut self, rows: &[Vec<String>], width: usize) -> io::Result<()> {
        for (i, lines) in crate::layout::table_rows(rows, width)
            .into_iter()
            .enumerate()
        {
            for line in lines {
                // The header's every line: a narrow window puts its last
                // column on a line of its own.
                if i == 0 {
                    self.heading(&line)?;
                } else {
                    writeln!(self, "{line}")?;
                }
            }
        }
        Ok(())
    }

    /// One fact in both of its forms: `text` writes it for people, `json`
    /// builds it for machines. Only the form this transcript is in is made.
    pub fn record(
        &mut self,
        text: impl FnOnce(&mut dyn Write) -> io::Result<()>,
        json: impl FnOnce() -> serde_json::Value,
    ) -> io::Result<()> {
        if self.json {
            writeln!(self.out, "{}", json())
        } else {
            text(self.out)
        }
    }
}

/// Prose: written for people, dropped from the JSON form.
impl Write for Transcript<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.json {
            Ok(buf.len())
        } else {
            self.out.write(buf)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(json: bool, f: impl FnOnce(&mut Transcript) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut Transcript::new(&mut buf, json, Style { color: false }))
            .expect("a Vec takes every write");
        String::from_utf8(buf).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn prose_is_for_people_and_records_have_two_forms() {
        let both = |t: &mut Transcript| {
            writeln!(t, "prose")?;
            t.aside("a hint")?;
            t.record(
                |o| writeln!(o, "✓ held"),
                || serde_json::json!({"type": "expect"}),
            )
        };
        assert_eq!(written(false, both), "prose\na hint\n✓ held\n");
        assert_eq!(written(true, both), "{\"type\":\"expect\"}\n");
    }
}
