//! From events to facts: per-task spans, the in-flight curve and the
//! [`Summary`]. Every number a learner sees is computed here from the run,
//! never typed in a lesson.

use super::event::{
    Event, EventKind, Events, NoteId, Outcome, REAL_CLOCK_METRIC, Run, TaskId, WaitOn,
};
pub use super::metrics::{Metric, SUMMARY_METRICS, Summary};

/// What a task was doing during a [`Span`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanState {
    /// Spawned, not yet started (e.g. a stream future not yet polled).
    Queued,
    /// Doing its own work.
    Running,
    /// Blocked on something.
    Waiting(WaitOn),
}

impl SpanState {
    /// Counts toward "in flight": running, or awaiting its own I/O or timer.
    pub fn in_flight(self) -> bool {
        match self {
            SpanState::Running => true,
            SpanState::Waiting(on) => on.is_work(),
            SpanState::Queued => false,
        }
    }
}

/// One stretch of one task in one state, `[from_ns, to_ns)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub task: TaskId,
    pub from_ns: u64,
    pub to_ns: u64,
    pub state: SpanState,
}

/// What one task did, condensed: 32 bytes, kept for every task. (What
/// each waited on is in its spans; the longest wait of all, with its note,
/// in the summary.)
#[derive(Clone, Debug, Default)]
pub struct TaskFacts {
    pub spawned_ns: u64,
    pub end: Option<(u64, EventKind)>,
    /// Time spent in flight: the task's own work.
    pub work_ns: u64,
}

// The size the doc gives: a million tasks keep a million of these.
const _: () = assert!(std::mem::size_of::<TaskFacts>() == 32);

/// Everything derived from one run, computed once and shared by the
/// renderer, `explain` and `expect`.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub spans: Vec<Span>,
    pub facts: Vec<TaskFacts>,
    /// Step function of tasks in flight: (time, count from then on).
    pub in_flight: Vec<(u64, u64)>,
    pub summary: Summary,
}

fn next_state(kind: EventKind, current: Option<SpanState>) -> Option<SpanState> {
    match kind {
        // A lane's first event; or, for a planned lane, the spawn of a task
        // that already holds its slot (a permit): it stays as it was.
        EventKind::Spawned => current.or(Some(SpanState::Queued)),
        EventKind::Started | EventKind::Acquired | EventKind::Received | EventKind::Sent => {
            Some(SpanState::Running)
        }
        EventKind::Waiting(on) => Some(SpanState::Waiting(on)),
        EventKind::Note => current,
        _ => None,
    }
}

/// Analyses a run in one pass over its events (in time order).
pub fn analyze(run: &Run) -> Analysis {
    // Recorded order is time order: the recorder reads the clock under its
    // lock. A run rebuilt from a stream or a file need not be: sort a copy
    // then (stable: ties keep the order they were recorded in). Already
    // sorted, read as is: a copy of a million-task run's events would take
    // 80 MB sorted and about half that again kept.
    let sorted: Option<Events> = (!run.events.is_sorted()).then(|| {
        let mut copy: Vec<Event> = run.events.iter().collect();
        copy.sort_by_key(|e| e.at_ns);
        copy.into()
    });
    let events = sorted.as_ref().unwrap_or(&run.events);

    let end_ns = match run.outcome {
        Outcome::Cancelled { at_ns } | Outcome::Watchdog { at_ns } => at_ns,
        _ => 0,
    }
    .max(events.last().map_or(0, |e| e.at_ns));

    let n = run.tasks.len();
    let futures = run.tasks.iter().filter(|t| t.future).count() as u64;
    let mut metrics = run.metrics.clone();
    let real_clock = metrics.remove(REAL_CLOCK_METRIC).is_some();
    let mut current: Vec<Option<(SpanState, u64)>> = vec![None; n];
    let mut facts: Vec<TaskFacts> = vec![TaskFacts::default(); n];
    let mut notes: Vec<NoteId> = vec![NoteId::EMPTY; n];
    let mut spans = Vec::with_capacity(run.events.len());
    let mut summary = Summary {
        tasks: n as u64 - futures,
        futures,
        events: run.events.len() as u64,
        dropped: run.dropped,
        metrics,
        real_clock,
        total_ns: end_ns,
        ..Summary::default()
    };
    let mut in_flight: Vec<(u64, u64)> = vec![(0, 0)];
    let mut flying: u64 = 0;
    // Has each task been in flight yet (a byte a task: a million-task run
    // keeps its memory), and the first and last instant one first was.
    let mut flown: Vec<bool> = vec![false; n];
    let mut starts: Option<(u64, u64)> = None;

    let mut close = |task: TaskId,
                     state: SpanState,
                     from: u64,
                     to: u64,
                     note: NoteId,
                     facts: &mut [TaskFacts],
                     summary: &mut Summary| {
        if to <= from {
            return;
        }
        spans.push(Span {
            task,
            from_ns: from,
            to_ns: to,
            state,
        });
        let f = &mut facts[task.index()];
        let len = to - from;
        if state.in_flight() {
            f.work_ns += len;
        } else if let SpanState::Waiting(on) = state {
            summary.waits += 1;
            if summary.longest_wait.as_ref().is_none_or(|w| len > w.1) {
                summary.longest_wait = Some((task, len, on, run.notes.get(note).to_string()));
            }
        }
    };

    let mut events = events.iter();
    let mut pending = events.next();
    while let Some(Event { at_ns: at, .. }) = pending {
        // Settle every event at this instant before sampling the in-flight
        // count: a task finishing and the next one starting "at the same
        // time" must not look like one more in flight.
        while let Some(e) = pending.filter(|e| e.at_ns == at) {
            pending = events.next();
            let Some(slot) = current.get_mut(e.task.index()) else {
                continue;
            };
            if e.kind == EventKind::Spawned {
                facts[e.task.index()].spawned_ns = at;
            }
            let before = slot.map(|(s, _)| s);
            let after = next_state(e.kind, before);
            if after != before || e.kind.is_terminal() {
                if let Some((state, since)) = *slot {
                    close(
                        e.task,
                        state,
                        since,
                        at,
                        notes[e.task.index()],
                        &mut facts,
                        &mut summary,
                    );
                    if state.in_flight() {
                        flying -= 1;
                    }
                }
                *slot = after.map(|s| (s, at));
                if after.is_some_and(SpanState::in_flight) {
                    flying += 1;
                    if !flown[e.task.index()] {
                        flown[e.task.index()] = true;
                        starts = Some(starts.map_or((at, at), |(first, _)| (first, at)));
                    }
                }
            }
            if matches!(e.kind, EventKind::Waiting(_)) {
                notes[e.task.index()] = e.note;
            }
            if e.kind.is_terminal() && facts[e.task.index()].end.is_none() {
                facts[e.task.index()].end = Some((at, e.kind));
                match e.kind {
                    EventKind::Completed => summary.completed += 1,
                    EventKind::Failed => summary.failed += 1,
                    EventKind::TimedOut => summary.timed_out += 1,
                    EventKind::Cancelled => summary.cancelled += 1,
                    EventKind::Panicked => summary.panicked += 1,
                    _ => {}
                }
            }
        }
        match in_flight.last_mut() {
            // The same instant as the last step: that step's count changes.
            Some(last) if last.0 == at => last.1 = flying,
            Some(&mut (_, count)) if count == flying => {}
            _ => in_flight.push((at, flying)),
        }
        if flying > summary.peak_in_flight {
            summary.peak_in_flight = flying;
            summary.peak_at_ns = at;
        }
    }

    // Tasks that never recorded an end (events dropped, or a demo bug) run
    // to the end of the timeline, and are counted as unfinished.
    for (index, slot) in current.iter().enumerate() {
        if let Some((state, since)) = *slot {
            let id = TaskId(index as u32);
            close(
                id,
                state,
                since,
                end_ns,
                notes[index],
                &mut facts,
                &mut summary,
            );
            summary.unfinished += 1;
        }
    }

    if !real_clock {
        summary.sequential_ns = facts
            .iter()
            .filter(|f| !matches!(f.end, Some((_, EventKind::Cancelled))))
            .map(|f| f.work_ns)
            .sum();
    }
    summary.steady_in_flight = starts.map_or(0.0, |(first, last)| mean_of(&in_flight, first, last));

    Analysis {
        spans,
        facts,
        in_flight,
        summary,
    }
}

/// The time-average of a step function (`(time, value from then on)`,
/// sorted by time) over `[from, to)`; its value at `from` when `to <= from`.
fn mean_of(steps: &[(u64, u64)], from: u64, to: u64) -> f64 {
    let at = |t: u64| {
        steps
            .iter()
            .take_while(|s| s.0 <= t)
            .last()
            .map_or(0, |s| s.1)
    };
    if to <= from {
        return at(from) as f64;
    }
    // Integrated in whole nanoseconds (u128: no overflow, and a level held
    // over the whole window comes out as exactly that level).
    let mut area: u128 = 0;
    for (i, &(start, value)) in steps.iter().enumerate() {
        let end = steps.get(i + 1).map_or(u64::MAX, |s| s.0);
        let (lo, hi) = (start.max(from), end.min(to));
        if hi > lo {
            area += u128::from(value) * u128::from(hi - lo);
        }
    }
    area as f64 / (to - from) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::TaskInfo;

    fn run(events: &[(u64, u32, EventKind)]) -> Run {
        let tasks = events.iter().map(|e| e.1).max().map_or(0, |m| m + 1);
        let tasks = (0..tasks)
            .map(|i| TaskInfo {
                name: format!("t{i}"),
                future: false,
            })
            .collect();
        let mut run = Run::new(tasks, Outcome::Finished);
        for &(ms, task, kind) in events {
            run.push(ms * 1_000_000, TaskId(task), kind, "why");
        }
        run
    }

    use EventKind::*;

    #[test]
    fn handoff_at_the_same_instant_does_not_raise_the_peak() {
        // t0 runs 0..100; t1 waits for t0's permit and starts at 100.
        let r = run(&[
            (0, 0, Spawned),
            (0, 1, Spawned),
            (0, 0, Acquired),
            (0, 1, Waiting(WaitOn::Permit)),
            (100, 1, Acquired),
            (100, 0, Completed),
            (200, 1, Completed),
        ]);
        let s = analyze(&r).summary;
        assert_eq!(s.peak_in_flight, 1);
        assert_eq!(s.total_ns, 200_000_000);
        assert_eq!(s.sequential_ns, 200_000_000);
        assert_eq!(s.completed, 2);
        assert_eq!(s.waits, 1);
        assert_eq!(
            s.longest_wait.map(|w| (w.0, w.1)),
            Some((TaskId(1), 100_000_000))
        );
    }

    #[test]
    fn io_waits_count_in_flight_and_queueing_does_not() {
        let r = run(&[
            (0, 0, Spawned),
            (0, 1, Spawned),
            (0, 2, Spawned),
            (0, 0, Waiting(WaitOn::Io)),
            (0, 1, Started),
            (0, 2, Waiting(WaitOn::Lock)),
            (50, 0, TimedOut),
            (60, 1, Failed),
            (70, 2, Cancelled),
        ]);
        let a = analyze(&r);
        assert_eq!(a.summary.peak_in_flight, 2);
        assert_eq!(
            (a.summary.timed_out, a.summary.failed, a.summary.cancelled),
            (1, 1, 1)
        );
        assert_eq!(a.in_flight, [(0, 2), (50_000_000, 1), (60_000_000, 0)]);
    }

    #[test]
    fn steady_in_flight_is_the_mean_from_the_first_start_to_the_last() {
        let steady =
            |events: &[(u64, u32, EventKind)]| analyze(&run(events)).summary.steady_in_flight;
        // A sliding window of two: a slot is refilled the instant it frees,
        // so two stay in flight until the last start (at 100), whatever
        // the wind-down after it.
        let sliding = steady(&[
            (0, 0, Spawned),
            (0, 1, Spawned),
            (0, 2, Spawned),
            (0, 3, Spawned),
            (0, 0, Acquired),
            (0, 1, Acquired),
            (0, 2, Waiting(WaitOn::Permit)),
            (0, 3, Waiting(WaitOn::Permit)),
            (40, 0, Completed),
            (40, 2, Acquired),
            (100, 1, Completed),
            (100, 3, Acquired),
            (110, 2, Completed),
            (300, 3, Completed),
        ]);
        assert_eq!(sliding, 2.0);
        // Batches of two: the second batch waits for the slower of the
        // first (100), so one slot idles from 40 to 100.
        let batches = steady(&[
            (0, 0, Started),
            (0, 1, Started),
            (40, 0, Completed),
            (100, 1, Completed),
            (100, 2, Started),
            (100, 3, Started),
            (300, 2, Completed),
            (300, 3, Completed),
        ]);
        assert_eq!(batches, (2.0 * 40.0 + 60.0) / 100.0);
        // Everything at once: the number in flight at that instant.
        let at_once = steady(&[
            (0, 0, Started),
            (0, 1, Started),
            (0, 2, Started),
            (50, 0, Completed),
            (60, 1, Completed),
            (70, 2, Completed),
        ]);
        assert_eq!(at_once, 3.0);
        // One task after the other: one in flight; and no task, none.
        let one_by_one = steady(&[
            (0, 0, Started),
            (30, 0, Completed),
            (30, 1, Started),
            (90, 1, Completed),
        ]);
        assert_eq!(one_by_one, 1.0);
        assert_eq!(steady(&[(0, 0, Spawned), (10, 0, Cancelled)]), 0.0);
        let s = analyze(&run(&[(0, 0, Started), (10, 0, Completed)])).summary;
        assert_eq!(s.metric("steady_in_flight"), Some(Metric::Ratio(1.0)));
        assert!(s.metric_names().contains(&"steady_in_flight".to_string()));
    }

    #[test]
    fn cancelled_work_is_not_in_the_one_at_a_time_estimate() {
        // A race: t1 wins at 40, t2 is dropped at 40; both are futures
        // inside t0, which waited on them.
        let mut r = run(&[
            (0, 0, Spawned),
            (0, 1, Spawned),
            (0, 2, Spawned),
            (0, 0, Waiting(WaitOn::Join)),
            (0, 1, Waiting(WaitOn::Io)),
            (0, 2, Waiting(WaitOn::Io)),
            (40, 1, Completed),
            (40, 2, Cancelled),
            (40, 0, Completed),
        ]);
        r.tasks.set_future(1, true);
        r.tasks.set_future(2, true);
        let s = analyze(&r).summary;
        assert_eq!(s.sequential_ns, 40_000_000);
        assert_eq!((s.tasks, s.futures), (1, 2));
        assert_eq!(s.metric("futures"), Some(Metric::Count(2)));
    }

    #[test]
    fn the_real_clock_makes_no_one_at_a_time_claim() {
        let mut r = run(&[(0, 0, Started), (10, 0, Completed)]);
        r.metrics.insert(REAL_CLOCK_METRIC.to_string(), 1);
        let s = analyze(&r).summary;
        assert!(s.real_clock);
        assert_eq!(s.sequential_ns, 0);
        // Not a demo metric: not shown, not expectable.
        assert!(!s.metrics.contains_key(REAL_CLOCK_METRIC));
    }

    #[test]
    fn unfinished_tasks_run_to_the_end() {
        let r = run(&[
            (0, 0, Spawned),
            (0, 0, Started),
            (0, 1, Spawned),
            (30, 1, Completed),
        ]);
        let s = analyze(&r).summary;
        assert_eq!(s.unfinished, 1);
        assert_eq!(s.sequential_ns, 30_000_000);
    }
}
