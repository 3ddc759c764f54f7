//! Plain data: one [`Event`] per thing a task did, and the finished [`Run`].
//!
//! Everything here is serializable and versioned ([`FORMAT_VERSION`]) so a
//! run can be exported and read back; nothing here knows about terminals.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::events::Events;

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

    /// A number for each kind, below 32, for a run's compact list.
    #[inline(always)]
    pub(crate) fn code(self) -> u8 {
        match self {
            EventKind::Spawned => 0,
            EventKind::Started => 1,
            EventKind::Acquired => 2,
            EventKind::Sent => 3,
            EventKind::Received => 4,
            EventKind::Completed => 5,
            EventKind::Failed => 6,
            EventKind::TimedOut => 7,
            EventKind::Cancelled => 8,
            EventKind::Panicked => 9,
            EventKind::Note => 10,
            EventKind::Waiting(on) => 16 + on as u8,
        }
    }

    /// The kind [`EventKind::code`] gave `code` (a note for a code it
    /// never gives): one load from a table.
    #[inline(always)]
    pub(crate) fn from_code(code: u8) -> EventKind {
        use EventKind::*;
        const N: EventKind = Note;
        const KINDS: [EventKind; 32] = [
            Spawned,
            Started,
            Acquired,
            Sent,
            Received,
            Completed,
            Failed,
            TimedOut,
            Cancelled,
            Panicked,
            Note,
            N,
            N,
            N,
            N,
            N,
            Waiting(WaitOn::Permit),
            Waiting(WaitOn::Channel),
            Waiting(WaitOn::Lock),
            Waiting(WaitOn::Timer),
            Waiting(WaitOn::Io),
            Waiting(WaitOn::Join),
            N,
            N,
            N,
            N,
            N,
            N,
            N,
            N,
            N,
            N,
        ];
        KINDS[usize::from(code & 31)]
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
///
/// Sixteen bytes, copied freely: how a run's events are read. A run keeps
/// them in eight ([`Events`]). The note is an index into the run's
/// [`Notes`]; [`Run::note`] gives its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub at_ns: u64,
    pub task: TaskId,
    pub kind: EventKind,
    /// Why: "all 3 permits held: queues".
    pub note: NoteId,
}

/// An event with its note as text: how events travel in saved runs and on
/// the stream from a learner's program (the JSON shape of format 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventText<'a> {
    pub at_ns: u64,
    pub task: TaskId,
    #[serde(flatten)]
    pub kind: EventKind,
    pub note: Cow<'a, str>,
}

/// The text of a note, shared rather than copied: the table of a run's
/// notes and the recorder's lookup both hold the same allocation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Note(Arc<str>);

impl std::ops::Deref for Note {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Note {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

/// Which note an event carries: an index into its run's [`Notes`], three
/// bytes wide so an [`Event`] stays at sixteen. 0 is the empty note.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoteId([u8; 3]);

impl NoteId {
    /// The empty note.
    pub const EMPTY: NoteId = NoteId([0; 3]);
    /// How many distinct notes a run can hold: more than any run's events
    /// (the recorder's capacity is capped below it).
    pub const LIMIT: usize = 1 << 24;

    pub(crate) fn new(index: usize) -> Option<NoteId> {
        let [a, b, c, rest @ ..] = index.to_le_bytes();
        rest.iter().all(|&x| x == 0).then_some(NoteId([a, b, c]))
    }

    fn index(self) -> usize {
        self.bits() as usize
    }

    /// The id as a number below [`NoteId::LIMIT`].
    #[inline(always)]
    pub(crate) fn bits(self) -> u32 {
        let [a, b, c] = self.0;
        u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16
    }

    /// The id [`NoteId::bits`] gave (only its low 24 bits are read).
    #[inline(always)]
    pub(crate) fn from_bits(bits: u32) -> NoteId {
        let [a, b, c, _] = bits.to_le_bytes();
        NoteId([a, b, c])
    }
}

/// A run's notes, each distinct text stored once: the same words on a
/// million events are one entry.
#[derive(Clone, Debug, Default)]
pub struct Notes {
    /// Note `i` (from 1) is `texts[i - 1]`; 0 is the empty note.
    texts: Vec<Note>,
    ids: HashMap<Note, NoteId>,
}

impl Notes {
    /// The id of `text`, adding it if it is new. Past [`NoteId::LIMIT`]
    /// distinct notes (not reached in practice: see the recorder's
    /// capacity) a new text gets the empty note.
    pub fn intern(&mut self, text: &str) -> NoteId {
        if text.is_empty() {
            return NoteId::EMPTY;
        }
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let Some(id) = NoteId::new(self.texts.len() + 1) else {
            return NoteId::EMPTY;
        };
        let note = Note(Arc::from(text));
        self.texts.push(note.clone());
        self.ids.insert(note, id);
        id
    }

    /// The text of `id` ("" for an id this table never gave out).
    pub fn get(&self, id: NoteId) -> &str {
        id.index()
            .checked_sub(1)
            .and_then(|i| self.texts.get(i))
            .map_or("", |n| n)
    }

    /// How many distinct non-empty notes there are.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

impl PartialEq for Notes {
    fn eq(&self, other: &Notes) -> bool {
        self.texts == other.texts
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

/// A run's tasks: every name in one buffer, each with whether it is a
/// future. A million tasks would otherwise be a million small allocations
/// (and 56 bytes a name where this takes the name's length and five).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tasks {
    text: String,
    /// Task `i`'s name is `text[start..ends[i]]`, `start` the end before.
    ends: Vec<u32>,
    futures: Vec<bool>,
}

/// One task of [`Tasks`], borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Task<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    pub future: bool,
}

impl Task<'_> {
    /// An owned copy, as the stream sends it.
    pub fn to_info(self) -> TaskInfo {
        TaskInfo {
            name: self.name.to_string(),
            future: self.future,
        }
    }
}

impl Tasks {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Adds a task and returns its id. Past 4 GiB of names a name is left
    /// empty.
    pub fn push(&mut self, name: &str, future: bool) -> TaskId {
        let id = TaskId(u32::try_from(self.ends.len()).unwrap_or(u32::MAX));
        if u32::try_from(self.text.len() + name.len()).is_ok() {
            self.text.push_str(name);
        }
        self.ends.push(self.text.len() as u32);
        self.futures.push(future);
        id
    }

    /// Adds the tasks named `text[..ends[0]]`, `text[ends[0]..ends[1]]`,
    /// ... (spawned tasks, not futures), and returns their ids. The names
    /// are copied once, however many; the first tasks' names are not
    /// copied at all (the buffers become the list). `ends` must rise on
    /// character boundaries and the last must be the end of `text`; where
    /// they do not, nothing is added.
    pub fn push_all(&mut self, text: String, ends: Vec<u32>) -> std::ops::Range<u32> {
        let first = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        let base = self.text.len();
        let fits = ends.is_sorted()
            && ends.iter().all(|&end| text.is_char_boundary(end as usize))
            && ends.last().map_or(0, |&end| end as usize) == text.len()
            && u32::try_from(base + text.len()).is_ok();
        if !fits {
            return first..first;
        }
        if self.ends.is_empty() {
            // The first names: their buffers become the list, uncopied.
            self.text = text;
            self.ends = ends;
        } else {
            self.text.push_str(&text);
            self.ends
                .extend(ends.iter().map(|&end| (base + end as usize) as u32));
        }
        self.futures.resize(self.ends.len(), false);
        first..u32::try_from(self.ends.len()).unwrap_or(u32::MAX)
    }

    /// Room for `tasks` more tasks with names of `bytes` in all.
    pub fn reserve(&mut self, tasks: usize, bytes: usize) {
        self.ends.reserve(tasks);
        self.futures.reserve(tasks);
        self.text.reserve(bytes);
    }

    pub fn get(&self, index: usize) -> Option<Task<'_>> {
        let end = *self.ends.get(index)? as usize;
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.ends[before] as usize);
        Some(Task {
            name: self.text.get(start..end).unwrap_or(""),
            future: self.futures[index],
        })
    }

    /// Task `index`'s name ("?" for no such task).
    pub fn name(&self, index: usize) -> &str {
        self.get(index).map_or("?", |t| t.name)
    }

    pub fn is_future(&self, index: usize) -> bool {
        self.futures.get(index).copied().unwrap_or(false)
    }

    pub fn set_future(&mut self, index: usize, future: bool) {
        if let Some(slot) = self.futures.get_mut(index) {
            *slot = future;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Task<'_>> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The tasks for which `keep(index)` holds, in order.
    fn retained(&self, keep: impl Fn(usize) -> bool) -> Tasks {
        let mut out = Tasks::default();
        for (i, task) in self.iter().enumerate() {
            if keep(i) {
                out.push(task.name, task.future);
            }
        }
        out
    }
}

impl FromIterator<TaskInfo> for Tasks {
    fn from_iter<I: IntoIterator<Item = TaskInfo>>(infos: I) -> Tasks {
        let mut tasks = Tasks::default();
        for info in infos {
            tasks.push(&info.name, info.future);
        }
        tasks
    }
}

impl Serialize for Tasks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tasks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<TaskInfo>::deserialize(d)?.into_iter().collect())
    }
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
///
/// Saved as JSON with each event's note written out (see [`EventText`]);
/// read back, the notes are gathered into one table again.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub format_version: u32,
    pub tasks: Tasks,
    pub events: Events,
    /// The text of every event's note.
    pub notes: Notes,
    /// Demo-specific counts ("open_ports", "send_waits"), measured in the run.
    pub metrics: BTreeMap<String, u64>,
    /// Events the recorder had to drop because it was full. Never hidden:
    /// the summary shows the count.
    pub dropped: u64,
    /// What the run found, in words, shown first in the summary: `open` →
    /// `22, 80, 8080`. Recorded as found, so a cancelled run keeps what it
    /// had found so far. (Absent from version-1 files.)
    pub findings: BTreeMap<String, String>,
    pub outcome: Outcome,
}

/// A run as saved: the same fields, each event with its note's text.
#[derive(Serialize, Deserialize)]
struct RunFile<'a> {
    format_version: u32,
    tasks: Cow<'a, Tasks>,
    events: EventsFile<'a>,
    metrics: Cow<'a, BTreeMap<String, u64>>,
    dropped: u64,
    #[serde(default)]
    findings: Cow<'a, BTreeMap<String, String>>,
    outcome: Cow<'a, Outcome>,
}

/// A run's events as saved: written from the run's table without copying
/// it, read into a fresh one.
enum EventsFile<'a> {
    Out(&'a Run),
    In(Events, Notes),
}

impl Serialize for EventsFile<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EventsFile::Out(run) => s.collect_seq(run.events.iter().map(|e| run.event_text(&e))),
            EventsFile::In(..) => s.collect_seq(std::iter::empty::<EventText>()),
        }
    }
}

impl<'de> Deserialize<'de> for EventsFile<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texts = Vec::<EventText>::deserialize(d)?;
        let mut notes = Notes::default();
        let events = texts.iter().map(|t| t.event(&mut notes)).collect();
        Ok(EventsFile::In(events, notes))
    }
}

impl Serialize for Run {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RunFile {
            format_version: self.format_version,
            tasks: Cow::Borrowed(&self.tasks),
            events: EventsFile::Out(self),
            metrics: Cow::Borrowed(&self.metrics),
            dropped: self.dropped,
            findings: Cow::Borrowed(&self.findings),
            outcome: Cow::Borrowed(&self.outcome),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Run {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let file = RunFile::deserialize(d)?;
        let (events, notes) = match file.events {
            EventsFile::In(events, notes) => (events, notes),
            EventsFile::Out(_) => (Events::new(), Notes::default()),
        };
        Ok(Run {
            format_version: file.format_version,
            tasks: file.tasks.into_owned(),
            events,
            notes,
            metrics: file.metrics.into_owned(),
            dropped: file.dropped,
            findings: file.findings.into_owned(),
            outcome: file.outcome.into_owned(),
        })
    }
}

impl<'a> EventText<'a> {
    /// `event` with its note's text from `notes`.
    pub fn of(event: &Event, notes: &'a Notes) -> EventText<'a> {
        EventText {
            at_ns: event.at_ns,
            task: event.task,
            kind: event.kind,
            note: Cow::Borrowed(notes.get(event.note)),
        }
    }

    /// The same event owning its note, to be sent on.
    pub fn into_owned(self) -> EventText<'static> {
        EventText {
            note: Cow::Owned(self.note.into_owned()),
            ..self
        }
    }

    /// This event with its note taken into `notes`.
    pub fn event(&self, notes: &mut Notes) -> Event {
        Event {
            at_ns: self.at_ns,
            task: self.task,
            kind: self.kind,
            note: notes.intern(&self.note),
        }
    }
}

impl Run {
    /// An empty finished run, to fill (tests, and runs rebuilt from a
    /// stream).
    pub fn new(tasks: Tasks, outcome: Outcome) -> Run {
        Run {
            format_version: FORMAT_VERSION,
            tasks,
            events: Events::new(),
            notes: Notes::default(),
            metrics: BTreeMap::new(),
            dropped: 0,
            findings: BTreeMap::new(),
            outcome,
        }
    }

    pub fn task_name(&self, id: TaskId) -> &str {
        self.tasks.name(id.index())
    }

    /// The text of `event`'s note.
    pub fn note(&self, event: &Event) -> &str {
        self.notes.get(event.note)
    }

    /// `event` with its note as text, as it is saved and streamed.
    pub fn event_text(&self, event: &Event) -> EventText<'_> {
        EventText::of(event, &self.notes)
    }

    /// Adds an event whose note is `note`.
    pub fn push(&mut self, at_ns: u64, task: TaskId, kind: EventKind, note: &str) {
        let note = self.notes.intern(note);
        self.events.push(Event {
            at_ns,
            task,
            kind,
            note,
        });
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
        self.tasks = self.tasks.retained(|i| new_id[i].is_some());
        self.events = self
            .events
            .iter()
            .filter_map(|e| {
                let task = new_id.get(e.task.index()).copied().flatten()?;
                Some(Event { task, ..e })
            })
            .collect();
    }
}

#[cfg(test)]
mod size {
    use super::*;

    /// Events are read one by one, by value: kept small to copy.
    #[test]
    fn an_event_is_16_bytes_and_a_note_is_stored_once() {
        assert_eq!(std::mem::size_of::<Event>(), 16);
        let mut notes = Notes::default();
        let a = notes.intern("queued");
        assert_eq!(notes.intern(&String::from("queued")), a);
        assert_eq!(notes.intern(""), NoteId::EMPTY);
        assert_eq!(
            (notes.len(), notes.get(a), notes.get(NoteId::EMPTY)),
            (1, "queued", "")
        );
    }

    #[test]
    fn a_note_id_holds_every_index_below_its_limit() {
        for index in [0, 1, 255, 256, 65_536, NoteId::LIMIT - 1] {
            assert_eq!(NoteId::new(index).map(NoteId::index), Some(index));
        }
        assert_eq!(NoteId::new(NoteId::LIMIT), None);
    }

    #[test]
    fn a_saved_run_keeps_its_json_shape_and_reads_back() {
        let mut tasks = Tasks::default();
        tasks.push("t", false);
        tasks.push("f", true);
        let mut run = Run::new(tasks, Outcome::Finished);
        run.push(5, TaskId(0), EventKind::Waiting(WaitOn::Permit), "queued");
        run.push(9, TaskId(0), EventKind::Completed, "");
        let json = serde_json::to_string(&run).expect("json");
        assert!(
            json.contains(r#"{"at_ns":5,"task":0,"kind":"waiting","on":"permit","note":"queued"}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""outcome":{"outcome":"finished"}"#),
            "{json}"
        );
        let back: Run = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, run);
        let first = back.events.iter().next().expect("an event");
        assert_eq!(back.note(&first), "queued");
    }
}
