//! Lanes for plain tokio tasks: the runtime's task hooks ([`crate::hooks`])
//! report each spawn, first poll and end, and the recorder gives the task a
//! lane of its own, so a learner's plain tokio code shows on the timeline
//! without a single recording call.

use std::collections::HashMap;
use std::mem;

use super::{PANIC_MESSAGE, Recorder};
use crate::event::{EventKind, TaskId};

/// One lane per tokio task, from the runtime's task hooks. A task that
/// records through a named [`TaskRec`] already has a better lane, so its
/// hook lane is marked `linked` and left out when the run finishes.
#[derive(Default)]
pub(super) struct TokioLanes {
    pub(super) lanes: HashMap<tokio::task::Id, TokioLane>,
    /// The linked lanes, in the order they were found: a streaming
    /// reader takes the new ones from its cursor on.
    pub(super) linked: Vec<TaskId>,
}

pub(super) struct TokioLane {
    pub(super) lane: TaskId,
    started: bool,
    pub(super) linked: bool,
}

impl Recorder {
    /// Lanes of tokio tasks that recorded under a name of their own: the
    /// named lane says it better, so these are left out of the timeline.
    pub fn linked_lanes(&self) -> Vec<TaskId> {
        let state = self.state();
        state.tokio.as_ref().map_or_else(Vec::new, |tokio| {
            let mut lanes = tokio.linked.clone();
            lanes.sort();
            lanes
        })
    }

    /// Gives every tokio task spawned from now on a lane of its own, fed by
    /// the runtime's task hooks ([`crate::hooks`]). Plain tokio code then
    /// shows on the timeline without a single recording call.
    pub fn track_tokio_tasks(&self) {
        self.state().tokio.get_or_insert_with(TokioLanes::default);
    }

    /// A tokio task was spawned at `at` (`file:line`).
    pub fn tokio_spawned(&self, id: tokio::task::Id, at: &str) {
        let mut state = self.state();
        let at_ns = self.now_ns();
        if state.closed || state.tokio.is_none() {
            return;
        }
        let lane = self.register(&mut state, &format!("task@{at}"), false);
        let note = format!("tokio::spawn at {at}").into();
        self.push(&mut state, at_ns, lane, EventKind::Spawned, note);
        if let Some(tokio) = state.tokio.as_mut() {
            tokio.lanes.insert(
                id,
                TokioLane {
                    lane,
                    started: false,
                    linked: false,
                },
            );
        }
    }

    /// The runtime is about to poll tokio task `id`: its first poll is when
    /// it starts running.
    pub fn tokio_polled(&self, id: tokio::task::Id) {
        let lane = {
            let mut state = self.state();
            let Some(lane) = state.tokio.as_mut().and_then(|t| t.lanes.get_mut(&id)) else {
                return;
            };
            if mem::replace(&mut lane.started, true) {
                return;
            }
            lane.lane
        };
        self.record(lane, EventKind::Started, "first poll".into());
    }

    /// Tokio task `id` is gone: it returned, panicked or was aborted.
    pub fn tokio_ended(&self, id: tokio::task::Id) {
        let lane = {
            let state = self.state();
            match state.tokio.as_ref().and_then(|t| t.lanes.get(&id)) {
                Some(lane) => lane.lane,
                None => return,
            }
        };
        match PANIC_MESSAGE.with(|slot| slot.borrow_mut().take()) {
            Some(message) => self.record(
                lane,
                EventKind::Panicked,
                format!("panicked: {message}").into(),
            ),
            None => self.record(
                lane,
                EventKind::Completed,
                "the task ended (returned, or was aborted)".into(),
            ),
        }
    }
}
