//! The timeline: what every task of a run did, when, and why.
//!
//! Owns the event model ([`Event`], [`Run`]), the cheap cloneable
//! [`Recorder`] demos write through, the analysis that turns events into
//! per-task spans and a [`Summary`], and the pure text renderer (options
//! in `render`, then `table`, `lanes`, `summary` and `at`, one view each).
//!
//! It must not import anything else from the crate: demos, the session and
//! the exports all depend on it, never the other way round. Rendering is a
//! pure function of a [`Run`] and [`RenderOptions`]; nothing here prints.

mod analysis;
mod at;
mod export;
mod lanes;
mod metrics;
mod render;
mod style;
mod summary;
mod table;

// Events, the recorder and durations live in `asynclab-kit`, the crate the
// learner's own programs build on too; the timeline reads them from there.
pub(crate) use asynclab_kit::{event, format};

pub use analysis::{
    Analysis, Metric, SUMMARY_METRICS, Span, SpanState, Summary, TaskFacts, analyze,
};
pub use asynclab_kit::recorder::{Recorder, TaskGuard, TaskRec};
pub use at::render_at;
pub use event::{
    Event, EventKind, EventText, FORMAT_VERSION, NoteId, Notes, Outcome, Run, Task, TaskId,
    TaskInfo, Tasks, WaitOn,
};
pub use export::{to_chrome_trace, to_json, to_svg};
pub use format::{format_duration, parse_duration};
pub use lanes::render_lanes;
pub use render::{RenderOptions, render};
pub use style::Style;
pub use summary::{lanes_ran, render_summary};
