//! The lesson file format: Markdown with front matter, prose, fenced
//! `asynclab` command cells and `## explain <topic>` notes.
//!
//! This module only *parses*: text becomes a [`Lesson`] of raw cells, with
//! errors that name `file:line` and say how to fix it. Checking a lesson
//! against the demo registry (does the demo exist, do the parameters and
//! commands make sense) is the session's job ("parse, then resolve").
//! A lesson is data: nothing here runs, reads or sends anything. This
//! module imports nothing else from the crate.

mod catalog;
mod expect;
mod parse;

pub use catalog::{Catalog, CatalogError, Entry, MAX_LESSON_BYTES, load};
pub use expect::{Expectation, Op, Operand};
pub use parse::parse;

use thiserror::Error;

/// A parsed lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Where it came from, for error messages: `lessons/10-rate-limit.md`.
    pub source: String,
    pub meta: Meta,
    pub cells: Vec<Cell>,
    pub explains: Vec<ExplainNote>,
}

/// The front matter.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub demo: String,
    pub demo_line: usize,
    /// Parameter defaults in the lesson, in file order, with their lines.
    pub params: Vec<ParamDefault>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamDefault {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// One notebook cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Markdown text shown to the learner.
    Prose { line: usize, text: String },
    /// An `asynclab` fenced block: commands run one after another.
    Commands { line: usize, lines: Vec<CellLine> },
}

impl Cell {
    pub fn line(&self) -> usize {
        match self {
            Cell::Prose { line, .. } | Cell::Commands { line, .. } => *line,
        }
    }
}

/// One command inside a command cell, with its line in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct CellLine {
    pub line: usize,
    pub text: String,
}

/// A `## explain <topic>` section.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplainNote {
    pub topic: String,
    pub line: usize,
    pub text: String,
}

/// A problem in a lesson file, located: `lessons/x.md:12: …`, or just
/// `lessons/x.md: …` (line 0) when it is about the whole file.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{}", located(.file, *.line, .message))]
pub struct LessonError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

fn located(file: &str, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{file}: {message}")
    } else {
        format!("{file}:{line}: {message}")
    }
}

impl Lesson {
    pub fn explain(&self, topic: &str) -> Option<&ExplainNote> {
        self.explains.iter().find(|e| e.topic == topic)
    }

    pub fn error(&self, line: usize, message: impl Into<String>) -> LessonError {
        LessonError {
            file: self.source.clone(),
            line,
            message: message.into(),
        }
    }
}
