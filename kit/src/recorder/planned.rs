//! Many lanes registered at once, for work that waits before it starts: a
//! scan puts every port on the timeline at 0 ms, each spawned only once it
//! holds its permit.
//!
//! [`Recorder::planned`] would do the same one lane at a time, but a scan
//! of a million ports would then hold a million handles (16 MB) and take
//! the recorder's lock three million times before its first connect.
//! [`PlannedLanes`] is one handle for them all, and records the queue in
//! one go.

use std::fmt::{self, Write as _};
use std::ops::Range;

use super::ablation::{self, Part};
use super::{Lane, NoteText, Recorder, TaskRec};
use crate::event::{EventKind, NoteId, TaskId, WaitOn};
use crate::text::is_plain;

/// Lanes registered together by [`Recorder::planned_lanes`], in order.
#[derive(Clone)]
pub struct PlannedLanes {
    rec: Recorder,
    ids: Range<u32>,
}

/// A lane's name, written straight into the recorder's list of names:
/// a `&str`, a `String`, a `fmt::from_fn`, or a closure that writes it
/// (`|out: &mut String| ...`), so a million names need no million
/// `String`s.
pub trait LaneName {
    fn write_to(self, out: &mut String);
}

impl LaneName for &str {
    fn write_to(self, out: &mut String) {
        out.push_str(self);
    }
}

impl LaneName for String {
    fn write_to(self, out: &mut String) {
        out.push_str(&self);
    }
}

impl LaneName for &String {
    fn write_to(self, out: &mut String) {
        out.push_str(self);
    }
}

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> LaneName for fmt::FromFn<F> {
    fn write_to(self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl<F: FnOnce(&mut String)> LaneName for F {
    fn write_to(self, out: &mut String) {
        self(out);
    }
}

impl Recorder {
    /// Registers a planned lane (see [`Recorder::planned`]) for each name,
    /// in order: nothing is recorded until a lane says so.
    pub fn planned_lanes(&self, names: impl IntoIterator<Item = impl LaneName>) -> PlannedLanes {
        // Written before the lock is taken (a closure may record), and
        // registered under one lock, so the lanes' ids are consecutive.
        // Sized up front (names of a dozen bytes, `port-12345`): grown by
        // doubling, the copies would outlast the call in the allocator.
        let names = names.into_iter();
        // A size hint is only a hint: room for at most a few million.
        let count = names.size_hint().0.min(1 << 24);
        let mut text = String::with_capacity(count * 16);
        // A few more ends than names: the list becomes the recorder's when
        // these are its first lanes, and a scan adds its `report` after.
        let mut ends: Vec<u32> = Vec::with_capacity(count + 8);
        for name in names {
            if !ablation::off(Part::Names) {
                name.write_to(&mut text);
            }
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        let plain = is_plain(&text);
        let mut state = self.state();
        if state.closed {
            // The run is over: nothing would be recorded.
            let end = u32::try_from(state.tasks.len()).unwrap_or(u32::MAX);
            return PlannedLanes {
                rec: self.clone(),
                ids: end..end,
            };
        }
        let ids = if plain {
            // Nothing to escape: every name in one go, the buffer itself
            // when these are the run's first lanes.
            let ids = state.tasks.push_all(text, ends);
            let lanes = state.tasks.len();
            state.lanes.resize(lanes, Lane::Planned);
            ids
        } else {
            let first = u32::try_from(state.tasks.len()).unwrap_or(u32::MAX);
            let mut start = 0;
            for end in ends {
                let end = end as usize;
                let id = self.register(&mut state, text.get(start..end).unwrap_or(""), false);
                state.lanes[id.index()] = Lane::Planned;
                start = end;
            }
            first..u32::try_from(state.tasks.len()).unwrap_or(u32::MAX)
        };
        PlannedLanes {
            rec: self.clone(),
            ids,
        }
    }
}

impl PlannedLanes {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Lane `i`'s handle. Past the end, a handle that records nothing.
    pub fn get(&self, i: usize) -> TaskRec {
        let id = match u32::try_from(i) {
            Ok(i) if (i as usize) < self.ids.len() => self.ids.start + i,
            _ => u32::MAX,
        };
        TaskRec::new(self.rec.clone(), TaskId(id))
    }

    /// Lanes `from..` all start waiting on `on` now, for one reason: as if
    /// each said `waiting`, with one reading of the clock and one lock.
    pub fn waiting_from(&self, from: usize, on: WaitOn, note: impl Into<NoteText>) {
        let rec = &self.rec;
        if ablation::off(Part::Recording) {
            return;
        }
        let mut state = rec.state();
        if state.closed {
            return;
        }
        let at_ns = rec.now_ns();
        let first = self
            .ids
            .start
            .saturating_add(u32::try_from(from).unwrap_or(u32::MAX));
        let lanes = first.min(self.ids.end)..self.ids.end;
        if let Some(task) = lanes.clone().next() {
            state.link_current_tokio_task(TaskId(task));
        }
        let capacity = rec.inner.capacity;
        let state = &mut *state;
        let range = lanes.start as usize..lanes.end as usize;
        // The note goes into the run's table only if an event is stored
        // with it: an event brings at most one new note.
        let stores = state.events.len() < capacity
            && state
                .lanes
                .get(range.clone())
                .is_some_and(|lanes| lanes.iter().any(|lane| lane.is_live()));
        let id = if stores {
            state.note(note.into())
        } else {
            NoteId::EMPTY
        };
        if ablation::off(Part::Keeping) {
            let live = state.lanes.get(range).unwrap_or_default();
            state.dropped += live.iter().filter(|lane| lane.is_live()).count() as u64;
            return;
        }
        let kind = EventKind::Waiting(on);
        // Each stretch of live lanes is one range of events: two words
        // for a queue of a million ports.
        let mut start = lanes.start;
        while start < lanes.end {
            let live = |task: u32| state.lanes.get(task as usize).is_some_and(|l| l.is_live());
            let Some(first) = (start..lanes.end).find(|&task| live(task)) else {
                break;
            };
            let end = (first..lanes.end)
                .find(|&task| !live(task))
                .unwrap_or(lanes.end);
            // As many as there is room for; the rest are counted.
            let room = capacity.saturating_sub(state.events.len());
            let kept = (end - first).min(u32::try_from(room).unwrap_or(u32::MAX));
            state
                .events
                .push_range(at_ns, first..first + kept, kind, id);
            state.dropped += u64::from(end - first - kept);
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use super::*;
    use crate::event::{Outcome, Run, Tasks};
    use crate::recorder::DEFAULT_CAPACITY;

    /// What `body` records on a paused runtime, with room for `capacity`
    /// events.
    fn recorded<F: Future<Output = ()>>(capacity: usize, body: impl FnOnce(Recorder) -> F) -> Run {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let rec = Recorder::with_capacity(capacity);
            body(rec.clone()).await;
            rec.finish(Outcome::Finished)
        })
    }

    fn names(run: &Run) -> Vec<&str> {
        run.tasks.iter().map(|t| t.name).collect()
    }

    #[test]
    fn planned_lanes_queue_together_and_start_one_by_one() {
        let run = recorded(DEFAULT_CAPACITY, |rec| async move {
            let before = rec.task("before");
            let ports = rec.planned_lanes((1..=4).map(|p| format!("port-{p}")));
            // Port 1 runs at once; ports 2..=4 queue.
            ports.get(0).spawned("spawned");
            ports.waiting_from(1, WaitOn::Permit, "queued");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            ports.get(1).acquired("permit");
            // Past the end: a handle that records nothing.
            ports.get(4).completed("nobody");
            before.completed("done");
        });
        assert_eq!(
            names(&run),
            ["before", "port-1", "port-2", "port-3", "port-4"]
        );
        assert!(run.tasks.iter().all(|t| !t.future));
        let events: Vec<_> = run
            .events
            .iter()
            .map(|e| (e.at_ns / 1_000_000, e.task.0, e.kind))
            .collect();
        assert_eq!(
            events,
            [
                (0, 0, EventKind::Spawned),
                (0, 1, EventKind::Spawned),
                (0, 2, EventKind::Waiting(WaitOn::Permit)),
                (0, 3, EventKind::Waiting(WaitOn::Permit)),
                (0, 4, EventKind::Waiting(WaitOn::Permit)),
                (5, 2, EventKind::Acquired),
                (5, 0, EventKind::Completed),
            ]
        );
    }

    #[test]
    fn names_written_by_closures_and_later_lanes_follow_the_first() {
        let run = recorded(DEFAULT_CAPACITY, |rec| async move {
            // The first lanes hand over their buffer; later ones append.
            let first = rec.planned_lanes((80..82).map(|port| {
                move |out: &mut String| {
                    out.push_str("port-");
                    out.push_str(&port.to_string());
                }
            }));
            let later = rec.planned_lanes(["x", "y"]);
            let single = rec.task("z");
            assert_eq!((first.len(), later.len()), (2, 2));
            later.get(1).spawned("");
            single.completed("");
        });
        assert_eq!(names(&run), ["port-80", "port-81", "x", "y", "z"]);
        let tasks: Vec<u32> = run.events.iter().map(|e| e.task.0).collect();
        assert_eq!(tasks, [4, 3, 4]);
    }

    #[test]
    fn names_formatted_as_before_still_register() {
        // A learner's copy of an older port-check names its lanes with
        // `fmt::from_fn`, or with `&String`s.
        let owned = String::from("b");
        let run = recorded(DEFAULT_CAPACITY, |rec| async move {
            rec.planned_lanes([std::fmt::from_fn(|f| write!(f, "port-{}", 1))]);
            rec.planned_lanes([&owned]);
        });
        assert_eq!(names(&run), ["port-1", "b"]);
    }

    #[test]
    fn a_queue_from_past_the_end_records_nothing() {
        let run = recorded(DEFAULT_CAPACITY, |rec| async move {
            let lanes = rec.planned_lanes(["a", "b"]);
            lanes.waiting_from(usize::MAX, WaitOn::Permit, "never");
            lanes.waiting_from(2, WaitOn::Permit, "never");
        });
        assert!(run.events.is_empty());
        assert_eq!(run.notes.len(), 0);
    }

    #[test]
    fn a_name_from_outside_is_escaped_with_the_rest_kept_in_order() {
        let run = recorded(DEFAULT_CAPACITY, |rec| async move {
            let lanes = rec.planned_lanes(["a", "\u{1b}]0;x\u{7}", "c"]);
            assert_eq!(lanes.len(), 3);
            lanes.get(2).spawned("");
        });
        assert_eq!(names(&run), ["a", "\\e]0;x\\u{7}", "c"]);
        assert_eq!(run.events.len(), 1);
        assert_eq!(run.events.iter().next().map(|e| e.task), Some(TaskId(2)));
    }

    #[test]
    fn a_queue_past_the_capacity_is_counted_and_brings_no_note() {
        let run = recorded(1, |rec| async move {
            let lanes = rec.planned_lanes(["a", "b", "c"]);
            lanes.get(0).spawned("first");
            lanes.waiting_from(1, WaitOn::Permit, "queued");
        });
        assert_eq!((run.events.len(), run.dropped), (1, 2));
        assert_eq!(run.notes.len(), 1, "only the stored event's note");
    }

    #[test]
    fn names_that_do_not_end_where_the_text_does_are_refused() {
        let mut tasks = Tasks::default();
        assert!(tasks.push_all("abcdef".into(), vec![3]).is_empty());
        assert!(tasks.push_all("ab".into(), vec![2, 1]).is_empty());
        assert_eq!(tasks.push_all("abcdef".into(), vec![3, 6]), 0..2);
        tasks.push("x", false);
        let names: Vec<&str> = tasks.iter().map(|t| t.name).collect();
        assert_eq!(names, ["abc", "def", "x"]);
    }
}
