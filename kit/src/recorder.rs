//! The [`Recorder`]: a cheap, cloneable handle demos record events through.
//!
//! Timestamps are virtual time under a paused (virtual) clock and wall
//! time under the real clock (`time.rs` says how each is read). A recorder
//! must therefore be created *inside* the runtime that runs the demo.
//!
//! It never blocks the code it observes on more than its own bookkeeping:
//! the lock is never held across an `.await` or the demo's work, only for
//! a clock reading and a push into a `Vec` (the clock is read under it, so
//! events are stored in the order of their times), or once for a batch
//! ([`PlannedLanes`]). It never lies: past its capacity it drops events and
//! counts them, and the summary shows that count.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::mem;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::{Mutex, MutexGuard};

use crate::event::FORMAT_VERSION;
use crate::event::{
    Event, EventKind, EventText, NoteId, Notes, Outcome, Run, TaskId, TaskInfo, Tasks, WaitOn,
};
use crate::events::{Events, Mark};
use crate::text::sanitize;

pub mod ablation;
mod notes;
mod planned;
mod time;
mod tokio_lanes;
use ablation::Part;
use notes::FixedNotes;
pub use notes::{KeptNote, NoteText};
pub use planned::{LaneName, PlannedLanes};
pub use time::BetweenParks;
use time::TimeSource;
use tokio_lanes::TokioLanes;

/// Default bound on stored events: eight bytes each, sixteen when every
/// event has an instant of its own (see [`Events`]), so 8 M is ~130 MB at
/// the very worst. Runs that would exceed it are told how much was dropped.
pub const DEFAULT_CAPACITY: usize = 8_000_000;

thread_local! {
    /// The message of the panic unwinding on this thread, if any, set by the
    /// application's panic hook through [`Recorder::note_panic`].
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records what tasks do. Clone it freely: clones share one timeline.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    time: TimeSource,
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// This recorder's number: a [`KeptNote`] is only read by its own.
    serial: u32,
    tasks: Tasks,
    /// Where each lane is: planned (its task not spawned yet), open, or
    /// ended. A task ends once; whatever it records afterwards (a drop
    /// guard firing after `completed`) is ignored.
    lanes: Vec<Lane>,
    events: Events,
    /// How many tasks have ended, for progress reports.
    finished: u64,
    metrics: BTreeMap<String, u64>,
    findings: BTreeMap<String, String>,
    dropped: u64,
    /// Set when the run is over; late events (tasks dropped while the runtime
    /// shuts down) are ignored rather than stamped with a wrong time.
    closed: bool,
    /// Set when [`Recorder::finish`] has handed the run over: what is
    /// left here is empty, and a reader's cursor must stay where it is.
    handed_over: bool,
    /// Lanes for plain tokio tasks, when the runtime reports them (see
    /// [`Recorder::track_tokio_tasks`]); `None` otherwise, at no cost.
    tokio: Option<TokioLanes>,
    /// Every note's text, each stored once.
    notes: Notes,
    /// Recent fixed annotations' ids by the address of their text.
    fixed_notes: FixedNotes,
    /// The last note built at run time, and its id: the same words are
    /// often built for many tasks in a row (`connect error: …`).
    last_built: Option<(String, NoteId)>,
}

/// A lane's place in its life, for the recorder's own bookkeeping.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// Registered by [`Recorder::planned`] or [`Recorder::planned_lanes`];
    /// its task not spawned yet.
    Planned,
    Open,
    Ended,
}

impl Lane {
    /// Planned or open: what it records is kept.
    fn is_live(self) -> bool {
        self != Lane::Ended
    }
}

/// Keeps `event` if there is room below `capacity`, else counts it.
#[inline(always)]
fn store(events: &mut Events, dropped: &mut u64, capacity: usize, event: Event) {
    if events.len() < capacity && !ablation::off(Part::Keeping) {
        events.push(event);
    } else {
        *dropped += 1;
    }
}

impl State {
    /// The tokio task running now records for `task`: its own hook lane
    /// would only repeat it, so it is linked (and left out). Inlined into
    /// every recording call: without tokio's lanes it is one test.
    #[inline(always)]
    fn link_current_tokio_task(&mut self, task: TaskId) {
        if self.tokio.is_some() {
            self.link_tokio_task(task);
        }
    }

    #[inline(never)]
    fn link_tokio_task(&mut self, task: TaskId) {
        if let Some(tokio) = self.tokio.as_mut()
            && let Some(lane) = tokio::task::try_id().and_then(|id| tokio.lanes.get_mut(&id))
            && lane.lane != task
            && !lane.linked
        {
            lane.linked = true;
            tokio.linked.push(lane.lane);
        }
    }
}

/// Formats `text` (a lane's name, a finding) into a buffer this thread
/// reuses, and hands it to `register`: a million names allocate nothing.
/// The buffer is filled before the recorder is locked, so a `Display`
/// that records cannot deadlock it.
fn formatted<R>(text: impl fmt::Display, register: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static NAME: RefCell<String> = const { RefCell::new(String::new()) };
    }
    NAME.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let _ = write!(buffer, "{text}");
            register(&buffer)
        }
        // A `Display` that itself names a lane or adds a finding: rare
        // enough for an allocation.
        Err(_) => register(&text.to_string()),
    })
}

/// `h2:80` as `["h", 2, ":", 80]`: numbers compare as numbers (ports sort
/// 9, 14, 80) and before words (the first host's ports before `h2:`'s).
fn natural(item: &str) -> Vec<(u8, u64, &str)> {
    let mut parts = Vec::new();
    let mut rest = item;
    while let Some(c) = rest.chars().next() {
        let digits = c.is_ascii_digit();
        let end = rest
            .find(|x: char| x.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (part, tail) = rest.split_at(end);
        parts.push(match part.parse::<u64>() {
            Ok(n) if digits => (0, n, ""),
            _ => (1, 0, part),
        });
        rest = tail;
    }
    parts
}

impl Recorder {
    /// Starts the clock at "now", read from tokio's clock at every event.
    /// Call inside the demo's runtime.
    pub fn new() -> Recorder {
        Recorder::with_capacity(DEFAULT_CAPACITY)
    }

    pub fn with_capacity(capacity: usize) -> Recorder {
        Recorder::reading(TimeSource::Tokio(tokio::time::Instant::now()), capacity)
    }

    /// A recorder for the real clock: wall time, read from std rather than
    /// through tokio's clock (the same time, without its lock).
    pub fn on_wall_clock() -> Recorder {
        Recorder::reading(
            TimeSource::Wall(std::time::Instant::now()),
            DEFAULT_CAPACITY,
        )
    }

    /// A recorder for the virtual clock of a demo that never moves tokio's
    /// clock itself: it reads the clock once between the runtime's parks,
    /// which `parks` is told of (see [`BetweenParks`]). Call inside the
    /// demo's runtime.
    pub fn between_parks(parks: Arc<BetweenParks>) -> Recorder {
        Recorder::reading(
            TimeSource::BetweenParks(tokio::time::Instant::now(), parks),
            DEFAULT_CAPACITY,
        )
    }

    fn reading(time: TimeSource, capacity: usize) -> Recorder {
        Recorder {
            inner: Arc::new(Inner {
                time,
                // Each event brings at most one new note: note ids do not
                // run out below this, but for the few notes kept ahead
                // (`keep_note`) and a cancel's two. Past the limit a new
                // note would be recorded empty, never wrong.
                capacity: capacity.min(NoteId::LIMIT - 2),
                state: Mutex::new(State {
                    serial: notes::next_serial(),
                    ..State::default()
                }),
            }),
        }
    }

    /// Nanoseconds since the recorder started, on the run's clock (read
    /// as `time.rs` says).
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.inner.time.now_ns()
    }

    #[inline]
    fn state(&self) -> MutexGuard<'_, State> {
        // parking_lot's lock: no poisoning to check on every event, and the
        // uncontended path is one compare-and-swap each way. (Were a panic
        // to unwind while it is held, the data would still be consistent.)
        self.inner.state.lock()
    }

    /// Registers a task and records that it was spawned.
    pub fn task(&self, name: impl fmt::Display) -> TaskRec {
        formatted(name, |name| self.lane(name, false))
    }

    /// Registers a lane for a future that is not a task of its own (a
    /// `select!` branch, one of the futures `join!` polls): it records like
    /// a task, but the summary counts it apart from spawned tasks.
    pub fn future(&self, name: impl fmt::Display) -> TaskRec {
        formatted(name, |name| self.lane(name, true))
    }

    /// Registers a lane for a task that does not exist yet (a port still
    /// queued for its permit): nothing is recorded until it says so, and
    /// [`TaskRec::spawned`] marks the moment it is really spawned. The
    /// timeline can then show work waiting to start without claiming it
    /// was spawned.
    /// (One lane of [`Recorder::planned_lanes`].)
    pub fn planned(&self, name: impl fmt::Display) -> TaskRec {
        self.planned_lanes([|out: &mut String| {
            let _ = write!(out, "{name}");
        }])
        .get(0)
    }

    fn lane(&self, name: &str, future: bool) -> TaskRec {
        let mut state = self.state();
        let at_ns = self.now_ns();
        let id = self.register(&mut state, name, future);
        self.push(&mut state, at_ns, id, EventKind::Spawned, "".into());
        drop(state);
        TaskRec::new(self.clone(), id)
    }

    fn register(&self, state: &mut State, name: &str, future: bool) -> TaskId {
        // Escaped now, like a built note: a name may carry outside words.
        let id = state.tasks.push(&sanitize(name, false), future);
        state.lanes.push(Lane::Open);
        id
    }

    #[inline(always)]
    fn record(&self, task: TaskId, kind: EventKind, note: NoteText) {
        if ablation::off(Part::Recording) {
            return;
        }
        let mut guard = self.state();
        let state = &mut *guard;
        let Some(lane) = state.lanes.get_mut(task.index()) else {
            return;
        };
        if !lane.is_live() || state.closed {
            // Ended already (a call after `completed`, or a drop guard
            // whose handle did not see the end), or the run is closed:
            // ignored before the clock is read.
            return;
        }
        // Read under the lock: the events' order is their times' order,
        // even with two workers recording at once.
        let at_ns = self.now_ns();
        if kind.is_terminal() {
            *lane = Lane::Ended;
            state.finished += 1;
        } else if kind == EventKind::Spawned {
            // A planned lane's task exists from now on.
            *lane = Lane::Open;
        }
        state.link_current_tokio_task(task);
        self.push(state, at_ns, task, kind, note);
    }

    #[inline(always)]
    fn push(&self, state: &mut State, at_ns: u64, task: TaskId, kind: EventKind, note: NoteText) {
        // The note enters the table only with an event that is kept: an
        // event brings at most one new note. `push_id` counts a drop.
        let note = if state.events.len() < self.inner.capacity {
            state.note(note)
        } else {
            NoteId::EMPTY
        };
        self.push_id(state, at_ns, task, kind, note);
    }

    /// [`Recorder::push`] with the note already in the table.
    #[inline(always)]
    fn push_id(&self, state: &mut State, at_ns: u64, task: TaskId, kind: EventKind, note: NoteId) {
        let event = Event {
            at_ns,
            task,
            kind,
            note,
        };
        store(
            &mut state.events,
            &mut state.dropped,
            self.inner.capacity,
            event,
        );
    }

    fn is_open(&self, task: TaskId) -> bool {
        let state = self.state();
        !state.closed && state.lanes.get(task.index()).is_some_and(|l| l.is_live())
    }

    /// Makes room for `tasks` more tasks and `events` more events at once,
    /// so a run that knows its size does not copy its timeline as it grows.
    /// Never beyond the recorder's capacity.
    pub fn reserve(&self, tasks: usize, events: usize) {
        let mut state = self.state();
        let room = self.inner.capacity.saturating_sub(state.events.len());
        // A word an event, and a time mark for each new instant: on the
        // real clock nearly every event has one; on the virtual clock
        // many events share an instant (timers fire in whole milliseconds).
        let words = match self.inner.time {
            TimeSource::Wall(_) => 2 * events.min(room),
            _ => events.min(room) + events.min(room) / 8,
        };
        state.events.reserve(words);
        // Names of a dozen bytes or so (`port-12345`, `h2:port-80`): room
        // enough that the buffer is not grown, and copied, as it fills.
        state.tasks.reserve(tasks, tasks * 16);
        state.lanes.reserve(tasks);
    }

    /// (tasks registered, tasks ended) so far: for a progress display.
    pub fn progress(&self) -> (u64, u64) {
        let state = self.state();
        (state.tasks.len() as u64, state.finished)
    }

    /// Sets a demo-specific measured count ("open_ports").
    pub fn set_metric(&self, name: &str, value: u64) {
        self.state().metrics.insert(name.to_string(), value);
    }

    /// Adds `item` to the finding `name` (a comma-separated list), as soon
    /// as it is found: `rec.add_finding("open", "8080")`.
    pub fn add_finding(&self, name: &str, item: impl fmt::Display) {
        formatted(item, |item| {
            let mut state = self.state();
            match state.findings.get_mut(name) {
                Some(list) => {
                    if !list.is_empty() {
                        list.push_str(", ");
                    }
                    list.push_str(item);
                }
                None => {
                    state.findings.insert(name.to_string(), item.to_string());
                }
            }
        })
    }

    /// Replaces the finding `name` (the final, sorted list).
    pub fn set_finding(&self, name: &str, text: impl Into<String>) {
        self.state().findings.insert(name.to_string(), text.into());
    }

    /// Adds to a demo-specific count, creating it at zero.
    pub fn add_metric(&self, name: &str, delta: u64) {
        *self.state().metrics.entry(name.to_string()).or_insert(0) += delta;
    }

    /// Marks every unfinished task cancelled *now* and closes the timeline.
    /// Used when the user presses Ctrl-C or the watchdog fires: the tasks
    /// are about to be dropped, and this is the instant it happens.
    pub fn cancel_unfinished(&self, note: &'static str) {
        let mut state = self.state();
        let at_ns = self.now_ns();
        // Findings were added as tasks finished; a finished run would have
        // replaced them with its sorted list, so sort what there is.
        for list in state.findings.values_mut() {
            let mut items: Vec<&str> = list.split(", ").collect();
            items.sort_by_cached_key(|item| natural(item));
            *list = items.join(", ");
        }
        // A port still queued for its permit had no task to drop: say so.
        let dropped = state.note(note.into());
        let never = state.note(format!("{note} (its task was never spawned)").into());
        for index in 0..state.lanes.len() {
            let why = match state.lanes[index] {
                Lane::Ended => continue,
                Lane::Planned => never,
                Lane::Open => dropped,
            };
            state.lanes[index] = Lane::Ended;
            self.push_id(
                &mut state,
                at_ns,
                TaskId(index as u32),
                EventKind::Cancelled,
                why,
            );
        }
        state.closed = true;
    }

    /// Closes the recorder and hands over the finished run. Text from
    /// outside (a TCP banner, an HTTP status line, a refused URL in an
    /// error) is escaped once, so no renderer has to: names and notes as
    /// they were recorded, the outcome and the findings here. A run never
    /// carries a control character to the terminal.
    pub fn finish(&self, outcome: Outcome) -> Run {
        let mut state = self.state();
        state.closed = true;
        state.handed_over = true;
        // Names and notes were escaped as they were recorded.
        let outcome = match outcome {
            Outcome::Failed { message } => Outcome::Failed {
                message: sanitize(&message, false).into_owned(),
            },
            other => other,
        };
        Run {
            format_version: FORMAT_VERSION,
            tasks: mem::take(&mut state.tasks),
            events: mem::take(&mut state.events),
            notes: mem::take(&mut state.notes),
            metrics: mem::take(&mut state.metrics),
            findings: mem::take(&mut state.findings)
                .into_iter()
                .map(|(k, v)| (k, sanitize(&v, false).into_owned()))
                .collect(),
            dropped: state.dropped,
            outcome,
        }
    }

    /// What was recorded since `cursor`, for streaming a run while it is
    /// still going: new tasks (with their ids), new events, and the tokio
    /// lanes newly found to repeat a named task (each registered, so sent
    /// among the tasks, before it is linked).
    pub fn drain_since(&self, cursor: &mut Cursor) -> Drained {
        let state = self.state();
        if state.handed_over {
            // The rest is read from the finished run, from this cursor.
            return Drained {
                tasks: Vec::new(),
                events: Vec::new(),
                hidden: Vec::new(),
            };
        }
        let (tasks, events) = cursor.unsent(&state.tasks, &state.events, &state.notes);
        let linked = state.tokio.as_ref().map_or(&[][..], |t| &t.linked[..]);
        let hidden = linked.get(cursor.linked..).unwrap_or_default().to_vec();
        cursor.tasks = cursor.tasks.max(state.tasks.len());
        cursor.events = state.events.end();
        cursor.linked = cursor.linked.max(linked.len());
        Drained {
            tasks,
            events,
            hidden,
        }
    }

    /// Called by the application's panic hook so a task's drop guard can
    /// say *why* it panicked.
    pub fn note_panic(message: String) {
        PANIC_MESSAGE.with(|slot| *slot.borrow_mut() = Some(message));
    }

    /// The message of this thread's last panic that no task's guard took:
    /// a panic in the demo's own code, outside its tasks.
    pub fn take_panic_message() -> Option<String> {
        PANIC_MESSAGE.with(|slot| slot.borrow_mut().take())
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

/// How far [`Recorder::drain_since`] has read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cursor {
    pub tasks: usize,
    pub events: Mark,
    pub linked: usize,
}

impl Cursor {
    /// The tasks (with their ids) and events past this cursor, owned, for
    /// sending on: from the live recorder, or from the finished run.
    pub fn unsent(
        &self,
        tasks: &Tasks,
        events: &Events,
        notes: &Notes,
    ) -> (Vec<(TaskId, TaskInfo)>, Vec<EventText<'static>>) {
        let tasks = (self.tasks..tasks.len())
            .filter_map(|i| Some((TaskId(i as u32), tasks.get(i)?.to_info())))
            .collect();
        let events = events
            .since(self.events)
            .map(|e| EventText::of(&e, notes).into_owned())
            .collect();
        (tasks, events)
    }
}

/// What [`Recorder::drain_since`] found new.
pub struct Drained {
    pub tasks: Vec<(TaskId, TaskInfo)>,
    pub events: Vec<EventText<'static>>,
    /// Lanes to leave out: tokio tasks that speak through a named task.
    pub hidden: Vec<TaskId>,
}

/// One task's handle on the recorder: `task.waiting(WaitOn::Permit, "…")`.
pub struct TaskRec {
    rec: Recorder,
    id: TaskId,
    /// Set once this handle has ended the task, so its drop guard knows
    /// without taking the recorder's lock. (The recorder's own record of
    /// the lane is what counts: a clone may have ended it unseen.)
    ended: AtomicBool,
}

impl Clone for TaskRec {
    fn clone(&self) -> Self {
        TaskRec {
            rec: self.rec.clone(),
            id: self.id,
            ended: AtomicBool::new(self.ended.load(Ordering::Relaxed)),
        }
    }
}

impl TaskRec {
    fn new(rec: Recorder, id: TaskId) -> TaskRec {
        TaskRec {
            rec,
            id,
            ended: AtomicBool::new(false),
        }
    }

    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The recorder this lane records to, for a finding or a metric: a
    /// task holding its lane needs no clone of the recorder besides.
    pub fn recorder(&self) -> &Recorder {
        &self.rec
    }

    /// The task of a [`Recorder::planned`] lane was spawned just now.
    pub fn spawned(&self, note: impl Into<NoteText>) {
        self.rec.record(self.id, EventKind::Spawned, note.into());
    }
    pub fn started(&self, note: impl Into<NoteText>) {
        self.rec.record(self.id, EventKind::Started, note.into());
    }
    pub fn waiting(&self, on: WaitOn, note: impl Into<NoteText>) {
        self.rec
            .record(self.id, EventKind::Waiting(on), note.into());
    }
    pub fn acquired(&self, note: impl Into<NoteText>) {
        self.rec.record(self.id, EventKind::Acquired, note.into());
    }
    pub fn sent(&self, note: impl Into<NoteText>) {
        self.rec.record(self.id, EventKind::Sent, note.into());
    }
    pub fn received(&self, note: impl Into<NoteText>) {
        self.rec.record(self.id, EventKind::Received, note.into());
    }
    pub fn completed(&self, note: impl Into<NoteText>) {
        self.end(EventKind::Completed, note.into());
    }
    pub fn failed(&self, note: impl Into<NoteText>) {
        self.end(EventKind::Failed, note.into());
    }
    pub fn timed_out(&self, note: impl Into<NoteText>) {
        self.end(EventKind::TimedOut, note.into());
    }
    pub fn cancelled(&self, note: impl Into<NoteText>) {
        self.end(EventKind::Cancelled, note.into());
    }
    pub fn panicked(&self, note: impl Into<NoteText>) {
        self.end(EventKind::Panicked, note.into());
    }
    pub fn note(&self, note: impl Into<NoteText>) {
        self.rec.record(self.id, EventKind::Note, note.into());
    }

    fn end(&self, kind: EventKind, note: NoteText) {
        self.rec.record(self.id, kind, note);
        self.ended.store(true, Ordering::Relaxed);
    }

    /// A guard that records how this task ended if it never said so itself:
    /// `cancelled` when its future is dropped (a lost `select!` race, an
    /// aborted task), `panicked` when it unwinds. Hold it for the task's
    /// whole body: `let _guard = task.guard("…");`.
    /// It borrows the task's handle, so it costs no clone of it.
    pub fn guard(&self, on_drop: &'static str) -> TaskGuard<'_> {
        TaskGuard {
            task: self,
            on_drop,
        }
    }
}

/// See [`TaskRec::guard`].
pub struct TaskGuard<'a> {
    task: &'a TaskRec,
    on_drop: &'static str,
}

impl Drop for TaskGuard<'_> {
    fn drop(&mut self) {
        if self.task.ended.load(Ordering::Relaxed) {
            // The task said how it ended: nothing to add.
            return;
        }
        if !std::thread::panicking() {
            // Ignored if the task already said how it ended.
            self.task.cancelled(self.on_drop);
            return;
        }
        // Only a task still open may take the panic's message: it is this
        // task's own panic.
        if self.task.rec.is_open(self.task.id) {
            let message = PANIC_MESSAGE
                .with(|slot| slot.borrow_mut().take())
                .unwrap_or_else(|| "the task panicked".to_string());
            self.task.panicked(format!("panicked: {message}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime")
    }

    #[test]
    fn stamps_virtual_time_and_ignores_events_after_the_end() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            let task = rec.task("t");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            task.completed("done");
            task.failed("ignored: the task already ended");
            rec.finish(Outcome::Finished)
        });
        let kinds: Vec<_> = run.events.iter().map(|e| (e.at_ns, e.kind)).collect();
        assert_eq!(
            kinds,
            [(0, EventKind::Spawned), (250_000_000, EventKind::Completed)]
        );
    }

    #[test]
    fn outside_text_leaves_the_recorder_escaped() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            let task = rec.task("\u{1b}]0;title\u{7}");
            task.completed(format!("banner: {}", "\u{1b}]52;c;aGk=\u{7}"));
            rec.finish(Outcome::Failed {
                message: "bad \u{1b}[2J".into(),
            })
        });
        assert_eq!(run.tasks.name(0), "\\e]0;title\\u{7}");
        assert_eq!(
            run.note(&run.events.iter().nth(1).expect("an event")),
            "banner: \\e]52;c;aGk=\\u{7}"
        );
        assert_eq!(
            run.outcome,
            Outcome::Failed {
                message: "bad \\e[2J".into()
            }
        );
    }

    #[test]
    fn findings_made_before_a_cancel_are_kept_in_order() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            let task = rec.task("port-22");
            // Found as tasks finish; numbers sort as numbers, a further
            // host's ports after the first's.
            for port in ["h2:80", "443", "9", "h2:7", "22", "h10:1", "h3:1"] {
                rec.add_finding("open", port);
            }
            let _still_running = rec.task("port-9999");
            let _still_queued = rec.planned("port-10000");
            task.completed("open");
            rec.cancel_unfinished("Ctrl-C");
            rec.finish(Outcome::Cancelled { at_ns: 0 })
        });
        assert_eq!(run.findings["open"], "9, 22, 443, h2:7, h2:80, h3:1, h10:1");
        // A running task was dropped; a queued port's task never existed.
        let why = |task: u32| {
            let e = run.events.iter().filter(|e| e.task == TaskId(task)).last();
            e.map(|e| (e.kind, run.note(&e)))
        };
        assert_eq!(why(1), Some((EventKind::Cancelled, "Ctrl-C")));
        assert_eq!(
            why(2),
            Some((EventKind::Cancelled, "Ctrl-C (its task was never spawned)"))
        );
    }

    #[test]
    fn a_planned_lane_says_nothing_until_it_is_spawned() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            let queued = rec.planned("port-2");
            queued.waiting(WaitOn::Permit, "queued");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            queued.acquired("permit");
            queued.spawned("spawned with its permit");
            queued.completed("done");
            rec.finish(Outcome::Finished)
        });
        let kinds: Vec<_> = run
            .events
            .iter()
            .map(|e| (e.at_ns / 1_000_000, e.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                (0, EventKind::Waiting(WaitOn::Permit)),
                (5, EventKind::Acquired),
                (5, EventKind::Spawned),
                (5, EventKind::Completed)
            ]
        );
    }

    #[test]
    fn counts_what_it_drops() {
        let run = paused().block_on(async {
            let rec = Recorder::with_capacity(3);
            let task = rec.task("t");
            for _ in 0..5 {
                task.note("n");
            }
            rec.finish(Outcome::Finished)
        });
        assert_eq!(run.events.len(), 3);
        assert_eq!(run.dropped, 3);
    }

    #[test]
    fn guard_records_cancellation_on_drop_only_if_unfinished() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            let a = rec.task("a");
            let b = rec.task("b");
            {
                let _ga = a.guard("dropped");
                let _gb = b.guard("dropped");
                b.completed("ok");
            }
            rec.finish(Outcome::Finished)
        });
        let ends: Vec<_> = run
            .events
            .iter()
            .filter(|e| e.kind.is_terminal())
            .map(|e| (e.task, e.kind))
            .collect();
        assert_eq!(
            ends,
            [
                (TaskId(1), EventKind::Completed),
                (TaskId(0), EventKind::Cancelled)
            ]
        );
    }

    #[test]
    fn a_kept_note_is_said_by_many_tasks_and_read_only_by_its_own_recorder() {
        let (run, other) = paused().block_on(async {
            let rec = Recorder::new();
            let other = Recorder::new();
            let filtered = rec.keep_note("filtered: no answer in 300ms \u{1b}[2J");
            for name in ["a", "b"] {
                rec.task(name).timed_out(filtered);
            }
            // A note kept by one recorder means nothing to another.
            other.task("c").timed_out(filtered);
            (
                rec.finish(Outcome::Finished),
                other.finish(Outcome::Finished),
            )
        });
        let said: Vec<_> = run.events.iter().map(|e| (e.kind, run.note(&e))).collect();
        let words = "filtered: no answer in 300ms \\e[2J";
        assert_eq!(
            said,
            [
                (EventKind::Spawned, ""),
                (EventKind::TimedOut, words),
                (EventKind::Spawned, ""),
                (EventKind::TimedOut, words),
            ]
        );
        assert_eq!(run.notes.len(), 1, "kept once, said twice");
        assert_eq!(
            other.note(&other.events.iter().nth(1).expect("an event")),
            "(a note kept by another run)"
        );
    }

    /// A streamer drains while the run goes on, once more after it was
    /// handed over, and the finished run gives the rest from its cursor:
    /// every event is sent once.
    #[test]
    fn a_cursor_reads_each_event_once_across_the_finish() {
        let (sent, rest) = paused().block_on(async {
            let rec = Recorder::new();
            let mut cursor = Cursor::default();
            let a = rec.task("a");
            a.waiting(WaitOn::Io, "connecting");
            let first = rec.drain_since(&mut cursor).events.len();
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            a.completed("open");
            let run = rec.finish(Outcome::Finished);
            let late = rec.drain_since(&mut cursor).events.len();
            let (_, rest) = cursor.unsent(&run.tasks, &run.events, &run.notes);
            ((first, late), rest)
        });
        assert_eq!(sent, (2, 0));
        let rest: Vec<_> = rest.iter().map(|e| (e.at_ns, e.kind)).collect();
        assert_eq!(rest, [(3_000_000, EventKind::Completed)]);
    }

    #[test]
    fn a_guard_still_sees_an_end_said_through_a_clone() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            let task = rec.task("t");
            {
                let _guard = task.guard("dropped");
                // Another handle on the same lane ends it: this handle's
                // guard does not know, and the recorder ignores it.
                task.clone().completed("done by a clone");
            }
            rec.finish(Outcome::Finished)
        });
        let kinds: Vec<_> = run.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventKind::Spawned, EventKind::Completed]);
    }

    #[test]
    fn findings_take_anything_displayed() {
        let run = paused().block_on(async {
            let rec = Recorder::new();
            rec.add_finding("open", 22);
            rec.add_finding("open", format_args!("h{}:{}", 2, 80));
            // A finding set empty takes its first item without a comma.
            rec.set_finding("closed", "");
            rec.add_finding("closed", 23);
            rec.finish(Outcome::Finished)
        });
        assert_eq!(run.findings["open"], "22, h2:80");
        assert_eq!(run.findings["closed"], "23");
    }
}
