//! What can go wrong in a session, each error saying what to type next.

use std::io;

use thiserror::Error;

use crate::command::CommandError;
use crate::demo::ParamError;
use crate::demo::run::RunError;
use crate::lesson::{CatalogError, LessonError};

#[derive(Debug, Error)]
pub enum SessionError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("no lesson is open: `lessons` lists them, `open 1` starts the first")]
    NoLesson,
    #[error("nothing has run yet in this lesson: type `run` first")]
    NoRun,
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Lesson(#[from] LessonError),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("the demo could not start: {0}")]
    DemoFailed(String),
    #[error("cannot check that: {0}")]
    Check(String),
    /// A command's argument is wrong; the message says what to type.
    #[error("{0}")]
    Invalid(String),
    #[error("expectation failed: {0}")]
    ExpectFailed(String),
    #[error("no explain topic '{topic}' in this lesson; it has: {available}")]
    Topic { topic: String, available: String },
    #[error(transparent)]
    Exercise(#[from] crate::exercise::ExerciseError),
    #[error(transparent)]
    Io(#[from] io::Error),
}
