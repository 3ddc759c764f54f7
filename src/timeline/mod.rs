//! The timeline: what every task of a run did, when, and why.
//!
//! Owns the event model ([`Event`], [`Run`]), the cheap cloneable
//! [`Recorder`] demos write through, the analysis that turns events into
//! per-task spans and a [`Summary`], and the pure text renderer.
//!
//! It must not import anything else from the crate: demos, the session and
//! the exports all depend on it, never the other way round. Rendering is a
//! pure function of a [`Run`] and [`RenderOptions`]; nothing here prints.

mod analysis;
mod export;
mod render;
mod style;

// Events, the recorder and durations live in `asynclab-kit`, the crate the
// learner's own programs build on too; the timeline reads them from there.
pub(crate) use asynclab_kit::{event, format};

pub use analysis::{
    Analysis, Metric, SUMMARY_METRICS, Span, SpanState, Summary, TaskFacts, analyze,
};
pub use asynclab_kit::recorder::{Recorder, TaskGuard, TaskRec};
pub use event::{Event, EventKind, FORMAT_VERSION, Outcome, Run, TaskId, TaskInfo, WaitOn};
pub use export::{to_chrome_trace, to_json, to_svg};
pub use format::{format_duration, parse_duration};
pub use render::{RenderOptions, render, render_at, render_lanes, render_summary};
pub use style::Style;
