//! A run's events, stored compactly: [`Events`] keeps each event in eight
//! bytes, writes each instant's time once before the events at it, and
//! writes a queue of consecutive lanes that start waiting together as one
//! range.
//!
//! A million-port scan records about five million events. As sixteen-byte
//! [`Event`]s they were 80 MB written while the scan ran; here the same
//! run keeps about 33 MB. On the virtual clock many events share an
//! instant (timers fire in whole milliseconds), and the scan's queue of a
//! million ports is two words. On the real clock nearly every event has
//! its own instant: sixteen bytes each, as before.
//!
//! Readers never see the words: [`Events::iter`] gives plain [`Event`]s,
//! in the order they were pushed.

use std::fmt;
use std::ops::Range;

use crate::event::{Event, EventKind, NoteId, TaskId};

/// A word's kind is in its top two bits.
const TAG: u32 = 62;
/// An event at the time of the last mark: its kind, note and task.
const EVENT: u64 = 0;
/// A time mark: the events after it happened at this time.
const TIME: u64 = 1;
/// Like an event, for its task and the lanes after it; the next word, a
/// [`COUNT`], says how many lanes in all.
const RANGE: u64 = 2;
const COUNT: u64 = 3;
/// The latest time a mark holds (146 years in nanoseconds); a later one is
/// stored as this.
pub const MAX_TIME_NS: u64 = (1 << TAG) - 1;
/// No time mark written yet: no time a mark holds.
const UNMARKED: u64 = u64::MAX;

/// A run's events, in the order they were recorded. See the module.
#[derive(Clone)]
pub struct Events {
    words: Vec<u64>,
    /// How many events (a range counts each of its lanes).
    len: usize,
    /// The time of the last mark ([`UNMARKED`] before the first).
    at_ns: u64,
    /// Some event is earlier than the one before it.
    unsorted: bool,
}

/// Where reading stopped, to go on from there later ([`Events::since`]):
/// the run may have grown meanwhile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    word: usize,
    at_ns: u64,
    events: usize,
}

impl Default for Events {
    fn default() -> Events {
        Events {
            words: Vec::new(),
            len: 0,
            at_ns: UNMARKED,
            unsorted: false,
        }
    }
}

impl Events {
    pub fn new() -> Events {
        Events::default()
    }

    /// Room for `words` more words (an event takes one, a new instant one
    /// more) without growing, and copying, the list.
    pub fn reserve(&mut self, words: usize) {
        self.words.reserve(words);
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The last event, read back from the last word or two.
    pub fn last(&self) -> Option<Event> {
        let (&tail, before) = self.words.split_last()?;
        Some(match tail >> TAG {
            COUNT => {
                let head = *before.last()?;
                let lanes = (tail & MAX_TIME_NS) as u32;
                event(
                    head,
                    self.at_ns,
                    (head as u32).wrapping_add(lanes.saturating_sub(1)),
                )
            }
            _ => event(tail, self.at_ns, tail as u32),
        })
    }

    /// Whether every event's time is at or after the one's before it.
    /// (The recorder's are; a file's need not be.)
    pub fn is_sorted(&self) -> bool {
        !self.unsorted
    }

    /// Adds `event` (a time past [`MAX_TIME_NS`] is stored as that). On
    /// the recorder's hottest path: a compare and a push.
    #[inline(always)]
    pub fn push(&mut self, event: Event) {
        self.mark(event.at_ns);
        self.words
            .push(EVENT << TAG | word(event.task, event.kind, event.note));
        self.len += 1;
    }

    /// Adds one event for each lane of `tasks`, all at `at_ns`, of `kind`
    /// with `note`: two words however many lanes.
    pub fn push_range(&mut self, at_ns: u64, tasks: Range<u32>, kind: EventKind, note: NoteId) {
        if tasks.len() <= 1 {
            for task in tasks {
                self.push(Event {
                    at_ns,
                    task: TaskId(task),
                    kind,
                    note,
                });
            }
            return;
        }
        self.mark(at_ns);
        self.words
            .push(RANGE << TAG | word(TaskId(tasks.start), kind, note));
        self.words.push(COUNT << TAG | tasks.len() as u64);
        self.len += tasks.len();
    }

    /// Writes a time mark unless the last one says `at_ns`.
    #[inline(always)]
    fn mark(&mut self, at_ns: u64) {
        let at_ns = at_ns.min(MAX_TIME_NS);
        if at_ns != self.at_ns {
            self.unsorted |= self.at_ns != UNMARKED && at_ns < self.at_ns;
            self.words.push(TIME << TAG | at_ns);
            self.at_ns = at_ns;
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.since(Mark::default())
    }

    /// Where the list ends now.
    pub fn end(&self) -> Mark {
        Mark {
            word: self.words.len(),
            at_ns: self.at_ns,
            events: self.len,
        }
    }

    /// The events added after `mark` (from [`Events::end`] of this list).
    pub fn since(&self, mark: Mark) -> Iter<'_> {
        Iter {
            words: self.words.get(mark.word..).unwrap_or_default().iter(),
            at_ns: mark.at_ns,
            head: 0,
            next_lane: 0,
            more: 0,
            left: self.len.saturating_sub(mark.events),
        }
    }
}

/// An event's word, but for its tag: kind, note, task.
#[inline(always)]
fn word(task: TaskId, kind: EventKind, note: NoteId) -> u64 {
    u64::from(kind.code()) << 56 | u64::from(note.bits()) << 32 | u64::from(task.0)
}

/// The event a word (or a range's head) says, for `task`.
#[inline(always)]
fn event(word: u64, at_ns: u64, task: u32) -> Event {
    Event {
        at_ns,
        task: TaskId(task),
        kind: EventKind::from_code((word >> 56) as u8),
        note: NoteId::from_bits((word >> 32) as u32),
    }
}

/// The events of an [`Events`], in order.
pub struct Iter<'a> {
    words: std::slice::Iter<'a, u64>,
    at_ns: u64,
    /// A range being read: its head word, the next lane, how many lanes
    /// are left after that one (none: `more` is 0 and `head` unused).
    head: u64,
    next_lane: u32,
    more: u64,
    left: usize,
}

impl Iterator for Iter<'_> {
    type Item = Event;

    #[inline]
    fn next(&mut self) -> Option<Event> {
        if self.more > 0 {
            self.more -= 1;
            self.left -= 1;
            let task = self.next_lane;
            self.next_lane = task.wrapping_add(1);
            return Some(event(self.head, self.at_ns, task));
        }
        loop {
            let word = *self.words.next()?;
            match word >> TAG {
                EVENT => {
                    self.left -= 1;
                    return Some(event(word, self.at_ns, word as u32));
                }
                TIME => self.at_ns = word & MAX_TIME_NS,
                RANGE => {
                    let lanes = self.words.next().map_or(0, |count| count & MAX_TIME_NS);
                    let Some(more) = lanes.checked_sub(1) else {
                        continue;
                    };
                    let first = word as u32;
                    (self.head, self.next_lane, self.more) = (word, first.wrapping_add(1), more);
                    self.left -= 1;
                    return Some(event(word, self.at_ns, first));
                }
                // A count is read with its range's head.
                _ => {}
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Events {
    type Item = Event;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<Event> for Events {
    fn from_iter<I: IntoIterator<Item = Event>>(events: I) -> Events {
        let mut out = Events::new();
        for event in events {
            out.push(event);
        }
        out
    }
}

impl From<Vec<Event>> for Events {
    fn from(events: Vec<Event>) -> Events {
        events.into_iter().collect()
    }
}

/// Equal when they hold the same events, however they were written.
impl PartialEq for Events {
    fn eq(&self, other: &Events) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::WaitOn;

    fn at(at_ns: u64, task: u32, kind: EventKind, note: usize) -> Event {
        Event {
            at_ns,
            task: TaskId(task),
            kind,
            note: NoteId::new(note).expect("note"),
        }
    }

    #[test]
    fn events_read_back_as_pushed_with_one_mark_an_instant() {
        let pushed = [
            at(0, 0, EventKind::Spawned, 0),
            at(0, 1, EventKind::Waiting(WaitOn::Permit), 1),
            at(5, u32::MAX, EventKind::Panicked, NoteId::LIMIT - 1),
            at(5, 7, EventKind::Waiting(WaitOn::Join), 2),
            at(MAX_TIME_NS, 3, EventKind::Note, 3),
        ];
        let events: Events = pushed.iter().copied().collect();
        assert_eq!(events.iter().collect::<Vec<_>>(), pushed);
        assert_eq!((events.len(), events.iter().len()), (5, 5));
        // Three instants, five events.
        assert_eq!(events.words.len(), 8);
        assert_eq!(events.last(), Some(pushed[4]));
        assert!(events.is_sorted());
        assert_eq!(Events::new().last(), None);
    }

    #[test]
    fn every_kind_survives_its_code() {
        let waits = [
            WaitOn::Permit,
            WaitOn::Channel,
            WaitOn::Lock,
            WaitOn::Timer,
            WaitOn::Io,
            WaitOn::Join,
        ];
        let kinds = [
            EventKind::Spawned,
            EventKind::Started,
            EventKind::Acquired,
            EventKind::Sent,
            EventKind::Received,
            EventKind::Completed,
            EventKind::Failed,
            EventKind::TimedOut,
            EventKind::Cancelled,
            EventKind::Panicked,
            EventKind::Note,
        ]
        .into_iter()
        .chain(waits.map(EventKind::Waiting));
        for kind in kinds {
            assert_eq!(EventKind::from_code(kind.code()), kind);
        }
    }

    #[test]
    fn a_range_reads_as_one_event_a_lane() {
        let mut events = Events::new();
        events.push(at(1, 9, EventKind::Spawned, 0));
        let queued = EventKind::Waiting(WaitOn::Permit);
        let note = NoteId::new(4).expect("note");
        events.push_range(1, 10..1_000_010, queued, note);
        events.push_range(2, 5..6, EventKind::Acquired, note);
        events.push_range(2, 6..6, EventKind::Acquired, note);
        events.push(at(2, 3, EventKind::Completed, 0));
        assert_eq!(events.len(), 1_000_003);
        assert_eq!(events.words.len(), 7);
        let read: Vec<Event> = events.iter().collect();
        assert_eq!(read.len(), 1_000_003);
        assert_eq!(read[0], at(1, 9, EventKind::Spawned, 0));
        assert!(
            read[1..=1_000_000]
                .iter()
                .enumerate()
                .all(|(i, e)| *e == at(1, 10 + i as u32, queued, 4))
        );
        assert_eq!(read[1_000_001], at(2, 5, EventKind::Acquired, 4));
        assert_eq!(events.last(), Some(read[1_000_002]));
        // A range last: its last lane.
        events.push_range(3, 20..30, queued, note);
        assert_eq!(events.last(), Some(at(3, 29, queued, 4)));
    }

    #[test]
    fn reading_goes_on_from_a_mark() {
        let mut events = Events::new();
        events.push(at(3, 0, EventKind::Spawned, 0));
        events.push_range(3, 1..4, EventKind::Waiting(WaitOn::Permit), NoteId::EMPTY);
        let mark = events.end();
        assert_eq!(events.since(mark).count(), 0);
        // The same instant as before the mark: no new time mark, yet the
        // events after it read at that time.
        events.push(at(3, 1, EventKind::Acquired, 0));
        events.push(at(8, 1, EventKind::Completed, 0));
        let after: Vec<Event> = events.since(mark).collect();
        assert_eq!(
            after,
            [
                at(3, 1, EventKind::Acquired, 0),
                at(8, 1, EventKind::Completed, 0)
            ]
        );
        assert_eq!(events.since(mark).len(), 2);
    }

    #[test]
    fn order_and_equality_are_by_the_events() {
        let backwards: Events = [
            at(5, 0, EventKind::Spawned, 0),
            at(2, 1, EventKind::Spawned, 0),
        ]
        .into_iter()
        .collect();
        assert!(!backwards.is_sorted());
        let mut ranged = Events::new();
        ranged.push_range(1, 0..3, EventKind::Spawned, NoteId::EMPTY);
        let one_by_one: Events = (0..3).map(|t| at(1, t, EventKind::Spawned, 0)).collect();
        assert_eq!(ranged, one_by_one);
        assert_ne!(ranged, backwards);
    }
}
