//! asynclab: an interactive notebook that teaches tokio concurrency through
//! security operations.
//!
//! A tour in the order data flows:
//!
//! - `asynclab-kit` (the `kit/` workspace member): the recording API every
//!   demo and every learner's program builds on: events, the `Recorder`,
//!   typed parameters, the `Demo` trait, the clocks and the runner.
//! - [`lesson`]: Markdown lesson files become [`lesson::Lesson`]s (front
//!   matter, prose and command cells, `expect` lines, explain notes).
//! - [`command`]: one typed line becomes a [`command::Command`]; one table
//!   of commands drives help, completion and hints.
//! - [`session`]: the open lesson, cursor, parameters and last runs; it
//!   executes commands for the REPL and for `replay` alike. `session/mod.rs`
//!   dispatches each command to the module that does its job, and every
//!   command writes to a [`session::Transcript`] (text or JSON lines).
//! - [`demo`]: the [`demo::Demo`] trait, typed parameters, the registry and
//!   the runner; one module per demo, written for learners to read.
//! - [`clock`]: the virtual (paused, seeded) and real runtimes.
//! - [`lab`]: loopback targets (TCP listeners, an HTTP server) and the
//!   scope guard that keeps traffic on this machine.
//! - [`exercise`]: the learner's own code: a workspace asynclab writes, a
//!   cargo build, the program run as a child process that streams its
//!   events back, and `check`, which grades it over a grid of runs.
//! - [`timeline`]: events, the recorder, analysis and rendering, the
//!   product a learner reads after every run.
//! - [`text`]: what came from outside (a program's output) made safe to print.
//! - [`layout`]: wrapping and tables to the terminal's width, in display
//!   columns.
//! - [`repl`] and [`interrupt`]: the terminal loop (with what drives the
//!   terminal itself: `clear`, `play`'s animation) and Ctrl-C handling.
//! - [`replay`]: lessons run without a person, `--check` as a test.
//! - [`shortcuts`]: a command-line subcommand per demo, made from the
//!   registry's parameter declarations.
//!
//! The call path of `run`: `Session::execute` → `Session::program` (the
//! built-in demo, or the learner's build) → `demo::run::run` in-process or
//! `exercise::program::run` in a child → `timeline::analyze` → `render`.
//!
//! Dependencies point one way: `lesson`, `timeline` and `lab` import
//! nothing else from the crate; demos import only `asynclab-kit` (and the
//! HTTP lab); only `session` and `repl` tie everything together.

pub use asynclab_kit::clock;
pub mod command;
pub mod demo;
pub mod exercise;
pub mod interrupt;
pub mod lab;
pub mod layout;
pub mod lesson;
pub mod repl;
pub mod replay;
pub mod session;
pub mod shortcuts;
pub use asynclab_kit::text;
pub mod timeline;
