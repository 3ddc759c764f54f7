//! asynclab: an interactive notebook that teaches tokio concurrency through
//! security operations.
//!
//! A tour in the order data flows:
//!
//! - [`lesson`]: Markdown lesson files become [`lesson::Lesson`]s (front
//!   matter, prose and command cells, `expect` lines, explain notes).
//! - [`command`]: one typed line becomes a [`command::Command`]; one table
//!   of commands drives help, completion and hints.
//! - [`session`]: the open lesson, cursor, parameters and last runs; it
//!   executes commands for the REPL and for `replay` alike.
//! - [`demo`]: the [`demo::Demo`] trait, typed parameters, the registry and
//!   the runner; one module per demo, written for learners to read.
//! - [`clock`]: the virtual (paused, seeded) and real runtimes.
//! - [`lab`]: loopback targets (TCP listeners, an HTTP server) and the
//!   scope guard that keeps traffic on this machine.
//! - [`timeline`]: events, the recorder, analysis and rendering, the
//!   product a learner reads after every run.
//! - [`repl`] and [`interrupt`]: the terminal loop and Ctrl-C handling.
//!
//! Dependencies point one way: `lesson`, `timeline` and `lab` import
//! nothing else from the crate; demos import `timeline` and `lab`; only
//! `session` and `repl` tie everything together.

pub use asynclab_kit::clock;
pub mod command;
pub mod demo;
pub mod exercise;
pub mod interrupt;
pub mod lab;
pub mod lesson;
pub mod repl;
pub mod session;
pub mod text;
pub mod timeline;
