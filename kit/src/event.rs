//! Plain data: one [`Event`] per thing a task did, and the finished [`Run`].
//!
//! Everything here is serializable and versioned ([`FORMAT_VERSION`]) so a
//! run can be exported and read back; nothing here knows about terminals.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Bumped whenever the serialized shape of [`Run`] changes.
/// 2: `findings`.
pub const FORMAT_VERSION: u32 = 2;

/// Index of a task in [`Run::tasks`]; cheap to copy and to store per event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskId(pub u32);

impl TaskId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a task is blocked on while it waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitOn {
    /// A semaphore permit: the concurrency cap is full.
    Permit,
    /// A channel: full on send (back-pressure) or empty on receive.
    Channel,
    /// A mutex or rwlock held by another task.
    Lock,
    /// A timer the task chose to sleep on (an interval tick, a back-off).
    Timer,
    /// The network, a disk or a child process: the task's real work.
    Io,
    /// Another task's result (a JoinHandle).
    Join,
}

impl WaitOn {
    pub fn label(self) -> &'static str {
        match self {
            WaitOn::Permit => "permit",
            WaitOn::Channel => "channel",
            WaitOn::Lock => "lock",
            WaitOn::Timer => "timer",
            WaitOn::Io => "i/o",
            WaitOn::Join => "join",
        }
    }

    /// Waiting on I/O or a timer is the task's own work, so it counts as "in
    /// flight"; waiting on a permit, a channel, a lock or a join is queueing.
    pub fn is_work(self) -> bool {
        matches!(self, WaitOn::Io | WaitOn::Timer)
    }
}

/// The kinds of event a task can record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "on")]
pub enum EventKind {
    Spawned,
    Started,
    Waiting(WaitOn),
    Acquired,
    Sent,
    Received,
    Completed,
    Failed,
    TimedOut,
    Cancelled,
    Panicked,
    Note,
}

impl EventKind {
    /// True for the kinds that end a task.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            EventKind::Completed
                | EventKind::Failed
                | EventKind::TimedOut
                | EventKind::Cancelled
                | EventKind::Panicked
        )
    }

    /// The word shown in the event table.
    pub fn label(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            EventKind::Spawned => "spawned",
            EventKind::Started => "started",
            EventKind::Waiting(on) => return Cow::Owned(format!("waiting:{}", on.label())),
            EventKind::Acquired => "acquired",
            EventKind::Sent => "sent",
            EventKind::Received => "received",
            EventKind::Completed => "completed",
            EventKind::Failed => "failed",
            EventKind::TimedOut => "timed out",
            EventKind::Cancelled => "cancelled",
            EventKind::Panicked => "panicked",
            EventKind::Note => "note",
        })
    }
}

/// One thing one task did, `at` nanoseconds after the run began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ns: u64,
    pub task: TaskId,
    #[serde(flatten)]
    pub kind: EventKind,
    /// Why: "all 3 permits held: queues".
    pub note: Note,
}

/// The text of an event's "why", shared rather than copied: a fixed
/// annotation is stored once per run however many events carry it. Two
/// words wide (an `Arc<str>`), so an [`Event`] is 32 bytes; a
/// million-task run records about five million of them.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Note(Arc<str>);

impl std::ops::Deref for Note {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Note {
    fn from(text: &str) -> Note {
        Note(Arc::from(text))
    }
}

impl From<String> for Note {
    fn from(text: String) -> Note {
        Note(Arc::from(text))
    }
}

impl PartialEq<str> for Note {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Note {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

/// A task as the timeline knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub name: String,
    /// A lane for a future polled inside some task (a `select!` branch),
    /// not a task of its own: the summary counts these apart. Absent (false)
    /// for spawned tasks, so older files read the same.
    #[serde(default, skip_serializing_if = "is_false")]
    pub future: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The metric the runner sets to 1 on the real clock. Analysis takes it out
/// of the demo's metrics: on the real clock a task's time "in flight" also
/// counts the time it waited for a worker thread, so no honest one-at-a-time
/// estimate can be summed from it.
pub const REAL_CLOCK_METRIC: &str = "real_clock";

/// How a run ended, as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Finished,
    /// Stopped by the user (Ctrl-C) at `at_ns`.
    Cancelled {
        at_ns: u64,
    },
    /// Stopped by the watchdog: the demo did not finish in its time budget.
    Watchdog {
        at_ns: u64,
    },
    /// The demo itself returned an error or panicked outside a task.
    Failed {
        message: String,
    },
}

/// A finished run: the timeline's whole input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub format_version: u32,
    pub tasks: Vec<TaskInfo>,
    pub events: Vec<Event>,
    /// Demo-specific counts ("open_ports", "send_waits"), measured in the run.
    pub metrics: BTreeMap<String, u64>,
    /// Events the recorder had to drop because it was full. Never hidden:
    /// the summary shows the count.
    pub dropped: u64,
    /// What the run found, in words, shown first in the summary: `open` →
    /// `22, 80, 8080`. Recorded as found, so a cancelled run keeps what it
    /// had found so far. (Absent from version-1 files.)
    #[serde(default)]
    pub findings: BTreeMap<String, String>,
    pub outcome: Outcome,
}

impl Run {
    pub fn task_name(&self, id: TaskId) -> &str {
        self.tasks.get(id.index()).map_or("?", |t| t.name.as_str())
    }

    /// Leaves out these tasks and their events, renumbering the rest.
    pub fn remove_tasks(&mut self, gone: &[TaskId]) {
        if gone.is_empty() {
            return;
        }
        let mut hidden = vec![false; self.tasks.len()];
        for id in gone {
            if let Some(flag) = hidden.get_mut(id.index()) {
                *flag = true;
            }
        }
        let mut next = 0u32;
        let new_id: Vec<Option<TaskId>> = hidden
            .iter()
            .map(|&h| {
                (!h).then(|| {
                    next += 1;
                    TaskId(next - 1)
                })
            })
            .collect();
        let mut index = 0;
        self.tasks.retain(|_| {
            index += 1;
            new_id[index - 1].is_some()
        });
        self.events
            .retain_mut(|e| match new_id.get(e.task.index()).copied().flatten() {
                Some(id) => {
                    e.task = id;
                    true
                }
                None => false,
            });
    }
}

#[cfg(test)]
mod size {
    use super::*;

    /// A million-task run holds about five million events: their size is
    /// the run's memory. A wider field here shows up in every benchmark.
    #[test]
    fn an_event_is_32_bytes_and_a_fixed_note_is_shared() {
        assert_eq!(std::mem::size_of::<Event>(), 32);
        let a = Note::from("queued");
        let b = a.clone();
        assert!(std::ptr::eq(a.as_ptr(), b.as_ptr()));
        assert_eq!(serde_json::to_string(&a).expect("json"), "\"queued\"");
    }
}
