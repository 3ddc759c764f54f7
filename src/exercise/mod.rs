//! Exercises: the learner's own code on the timeline.
//!
//! The learner edits a real `.rs` file in a workspace asynclab writes
//! ([`workspace`]); asynclab builds it with cargo, runs it as a child
//! process that streams its events back ([`program`]), and draws the same
//! timeline as for a built-in demo. An exercise ([`catalog`]) has a starter
//! with a TODO, a goal, hints, a reference solution and `expect` lines;
//! [`grade`] runs the learner's program over a grid of parameter sets and
//! seeds and checks every expectation in every run, so any correct pattern
//! passes and a hard-coded answer does not.
//!
//! The same path runs a learner's edited copy of a built-in demo (`edit`
//! in the REPL): demos and exercises both build on `asynclab-kit`.
//! Nothing here prints to the terminal: output goes to the `Write` given.

pub mod catalog;
pub mod grade;
pub mod program;
pub mod workspace;

use std::path::PathBuf;

use asynclab_kit::stream::StreamError;
use thiserror::Error;

use crate::demo::ParamError;
pub use catalog::{EXERCISES, Exercise};
pub use workspace::{Entry, Workspace};

#[derive(Debug, Error)]
pub enum ExerciseError {
    #[error("no exercise '{name}'{}; `exercises` lists them", crate::text::did_you_mean(*.suggestion))]
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error(
        "cannot find a data directory for your workspace: set ASYNCLAB_WORKSPACE to a folder of your choice"
    )]
    NoWorkspace,
    #[error(
        "cannot write your workspace at {path}: {source}; set ASYNCLAB_WORKSPACE to a writable folder"
    )]
    Workspace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run {cargo}: {source}. Building your code needs cargo (https://rustup.rs)")]
    Cargo {
        cargo: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{file} does not compile: fix the errors above, then `run` or `check` again (`diff` shows what you changed)"
    )]
    Compile { file: PathBuf },
    #[error(
        "{file} has no `impl Demo for …`: a copy of a demo needs one (`restore` puts the original back)"
    )]
    NoDemoImpl { file: PathBuf },
    #[error("the `{demo}` demo cannot be edited: {why}")]
    NotEditable {
        demo: &'static str,
        why: &'static str,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("cannot start your program {exe}: {source}")]
    Launch {
        exe: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Stream(StreamError),
    #[error(
        "your program ended ({status}) before it started its run: is its `main` the one asynclab wrote?{}",
        if printed.is_empty() { String::new() } else { format!(" It printed:\n{printed}") }
    )]
    NotAProgram { status: String, printed: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("internal: {0}")]
    Internal(&'static str),
}
