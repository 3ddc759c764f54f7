//! The numbers of a run: the [`Summary`] the analysis computes, and the
//! named, typed [`Metric`]s that `expect`, `predict`, `compare` and the
//! JSON form read from it.

use std::collections::BTreeMap;

use super::event::{TaskId, WaitOn};

/// A measured value, typed so `expect total < 400` can say "write 400ms".
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    Count(u64),
    Duration(u64),
    Ratio(f64),
}

impl Metric {
    pub fn as_f64(self) -> f64 {
        match self {
            Metric::Count(n) | Metric::Duration(n) => n as f64,
            Metric::Ratio(r) => r,
        }
    }
}

/// Totals of a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub total_ns: u64,
    /// Lanes that are tasks of their own (spawned, or the demo's own).
    pub tasks: u64,
    /// Lanes that are futures polled inside a task (`select!` branches):
    /// counted apart, so six spawned lookups racing two mirrors each are
    /// six tasks and twelve futures, not eighteen tasks.
    pub futures: u64,
    pub events: u64,
    pub peak_in_flight: u64,
    pub peak_at_ns: u64,
    /// The mean number of tasks in flight while work was still starting:
    /// from the first task's start to the last task's start (the first time
    /// each went in flight). A bound that keeps its slots busy holds it at
    /// the bound; batches, which leave slots idle while the slowest of a
    /// batch finishes, fall below it. The wind-down after the last start is
    /// left out: every correct bound empties then. When every task started
    /// at one instant, it is the number in flight at that instant.
    pub steady_in_flight: f64,
    pub completed: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub cancelled: u64,
    pub panicked: u64,
    /// Tasks with no terminal event (only when events were dropped).
    pub unfinished: u64,
    /// What doing the same work one lane at a time would take: the sum of
    /// every lane's work, leaving out lanes that were cancelled (a losing
    /// `select!` branch, a check dropped at a deadline): a sequential run
    /// would never have started work whose result nobody waited for.
    /// Zero on the real clock, where a lane's time in flight includes the
    /// time it waited for a thread to poll it, so no honest sum exists; the
    /// renderer then makes no "one at a time" claim.
    pub sequential_ns: u64,
    /// The run was on the real clock (see [`Summary::sequential_ns`]).
    pub real_clock: bool,
    /// Blocked stretches (permit, channel, lock, join) of any length.
    pub waits: u64,
    /// The longest blocked stretch of the run: task, length, on what, why.
    pub longest_wait: Option<(TaskId, u64, WaitOn, String)>,
    pub dropped: u64,
    pub metrics: BTreeMap<String, u64>,
}

/// The built-in metric names, for `expect`, completion and error messages.
pub const SUMMARY_METRICS: &[&str] = &[
    "total",
    "tasks",
    "futures",
    "events",
    "peak_in_flight",
    "steady_in_flight",
    "completed",
    "failed",
    "timed_out",
    "cancelled",
    "panicked",
    "sequential",
    "speedup",
    "throughput",
    "waits",
    "max_wait",
    "dropped",
];

impl Summary {
    /// Looks a metric up by the name lessons use in `expect` lines.
    pub fn metric(&self, name: &str) -> Option<Metric> {
        Some(match name {
            "total" => Metric::Duration(self.total_ns),
            "tasks" => Metric::Count(self.tasks),
            "futures" => Metric::Count(self.futures),
            "events" => Metric::Count(self.events),
            "peak_in_flight" => Metric::Count(self.peak_in_flight),
            "steady_in_flight" => Metric::Ratio(self.steady_in_flight),
            "completed" => Metric::Count(self.completed),
            "failed" => Metric::Count(self.failed),
            "timed_out" => Metric::Count(self.timed_out),
            "cancelled" => Metric::Count(self.cancelled),
            "panicked" => Metric::Count(self.panicked),
            "sequential" => Metric::Duration(self.sequential_ns),
            "speedup" => Metric::Ratio(self.speedup()),
            "throughput" => Metric::Ratio(self.throughput()),
            "waits" => Metric::Count(self.waits),
            "max_wait" => Metric::Duration(self.longest_wait.as_ref().map_or(0, |w| w.1)),
            "dropped" => Metric::Count(self.dropped),
            other => Metric::Count(*self.metrics.get(other)?),
        })
    }

    /// Every name [`Summary::metric`] answers for this run.
    pub fn metric_names(&self) -> Vec<String> {
        let mut names: Vec<String> = SUMMARY_METRICS.iter().map(|s| s.to_string()).collect();
        names.extend(self.metrics.keys().cloned());
        names
    }

    /// How many times faster than doing the same work one task at a time
    /// (0 on the real clock, which has no honest estimate of that).
    pub fn speedup(&self) -> f64 {
        if self.total_ns == 0 {
            return 1.0;
        }
        self.sequential_ns as f64 / self.total_ns as f64
    }

    /// Completed tasks per second of the run.
    pub fn throughput(&self) -> f64 {
        if self.total_ns == 0 {
            return 0.0;
        }
        self.completed as f64 / (self.total_ns as f64 / 1e9)
    }
}
