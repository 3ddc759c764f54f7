//! asynclab-kit: the one recording API that asynclab's built-in demos and a
//! learner's own code compile against. The file `edit` opens is the file
//! that ships, because both build on this crate.
//!
//! A tour in the order a run uses it:
//!
//! - [`params`]: typed, validated demo parameters ([`ParamSpec`], [`Params`]).
//! - [`demo`]: the [`Demo`] trait, [`DemoInfo`], the run context [`Ctx`],
//!   and helpers demos teach with ([`acquire_permit`], [`heartbeat`]).
//! - [`clock`]: the virtual (paused, seeded) and real runtimes; [`sim`]
//!   the seeded latencies of the virtual clock.
//! - [`recorder`]: the cheap cloneable [`Recorder`] every task writes its
//!   [`event`]s through ([`PlannedLanes`] for many lanes registered at
//!   once, each name a [`LaneName`] written straight into the list;
//!   `recorder/notes.rs` turns what an event says, a [`NoteText`], into
//!   an index in the run's table, a [`KeptNote`] for words many tasks
//!   say; `recorder/time.rs` says how each event's time is read;
//!   `recorder/ablation.rs`, only with the `ablation` feature, switches
//!   parts of the recording off for the engine bench);
//!   [`format`](mod@format) reads and writes durations.
//! - [`event`]: what a run is made of: [`Event`]s, [`Tasks`], [`Notes`],
//!   the finished [`Run`]; [`events`] keeps a run's events in eight bytes
//!   each ([`Events`]).
//! - [`run`]: runs one demo on one clock against Ctrl-C and a watchdog.
//! - [`stream`] and [`child`]: a learner's program runs as a child process
//!   of asynclab and sends its events back as a versioned line stream.
//! - [`lab`]: loopback listeners, descriptor limits and the scope guard.
//! - [`text`]: text from outside made safe for a terminal.
//!
//! It depends on nothing of asynclab's: asynclab depends on it.

pub mod child;
pub mod clock;
pub mod demo;
pub mod event;
pub mod events;
pub mod format;
pub mod hooks;
pub mod lab;
pub mod params;
pub mod recorder;
pub mod run;
pub mod sim;
pub mod stream;
pub mod text;

pub use clock::Clock;
pub use demo::{Ctx, Demo, DemoError, DemoInfo, acquire_permit, heartbeat};
pub use event::{
    Event, EventKind, EventText, Events, FORMAT_VERSION, NoteId, Notes, Outcome, REAL_CLOCK_METRIC,
    Run, Task, TaskId, TaskInfo, Tasks, WaitOn,
};
pub use format::{format_duration, parse_duration};
pub use params::{Kind, ParamError, ParamSpec, Params, Value, parse_ports};
pub use recorder::{KeptNote, LaneName, NoteText, PlannedLanes, Recorder, TaskGuard, TaskRec};
pub use sim::Sim;
