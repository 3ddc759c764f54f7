//! The line stream a learner's program sends its run back on.
//!
//! The program runs as a child process of asynclab. Every line it writes to
//! stdout that carries [`MARK`] is one JSON [`Message`]; every other line is
//! the program's own printing (`println!` while debugging), which asynclab
//! shows apart. Events are streamed while the run goes on, so a program that
//! is killed (Ctrl-C, the watchdog, a deadlock) still leaves its partial
//! timeline behind. The first message names [`STREAM_VERSION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::event::{Event, EventKind, EventText, Events, Notes, Outcome, Run, TaskId, Tasks};
use crate::recorder::DEFAULT_CAPACITY;
use crate::text::sanitize;

/// Bumped whenever a [`Message`] changes shape.
/// 2: [`Message::Hide`], so a run cut short still leaves out linked lanes.
pub const STREAM_VERSION: u32 = 2;

/// Starts every stream line: a control character no program prints by
/// accident, then a word.
pub const MARK: &str = "\u{1e}asynclab ";

/// The latest time an event may carry: a day. No run lasts that long (the
/// watchdogs stop them far sooner), and times beyond it would overflow the
/// renderer's arithmetic.
pub const MAX_AT_NS: u64 = 86_400 * 1_000_000_000;

/// Longest task name and note kept, in bytes; longer ones are cut.
const MAX_NAME: usize = 200;
const MAX_NOTE: usize = 1_000;

/// Most text (names and notes) a run may bring, in bytes: past it events
/// are counted as dropped, so a flood cannot fill memory.
const MAX_TEXT: usize = 64 * 1024 * 1024;

/// One line of the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "m", rename_all = "snake_case")]
pub enum Message {
    /// First: who is speaking, in which version.
    Hello { version: u32, demo: String },
    /// A task was registered (ids count up from 0).
    Task { id: TaskId, name: String },
    /// Something a task did.
    Event { event: EventText<'static> },
    /// Lanes to leave out: tokio tasks that record under a name of their
    /// own. Sent as they are found, so a run that is killed before its
    /// end still counts each task once.
    Hide { lanes: Vec<TaskId> },
    /// Last: how the run ended, its metrics, and the lanes to leave out
    /// (tokio tasks that recorded under a name of their own).
    End {
        outcome: Outcome,
        metrics: BTreeMap<String, u64>,
        #[serde(default)]
        findings: BTreeMap<String, String>,
        dropped: u64,
        hidden: Vec<TaskId>,
    },
}

impl Message {
    /// The line to write (without its newline).
    pub fn encode(&self) -> String {
        // Serializing plain data into a String cannot fail.
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{MARK}{json}")
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum StreamError {
    #[error(
        "the program speaks stream version {0}, this asynclab reads {STREAM_VERSION}: `restore` rewrites the workspace's library"
    )]
    Version(u32),
    #[error("a garbled stream line from the program: {0}")]
    Garbled(String),
}

/// Rebuilds a [`Run`] from the lines a child wrote, in order.
///
/// The child is the learner's program: whatever it sends is checked here,
/// once, so nothing downstream has to trust it. Task ids must arrive in
/// order and events must name a registered task; names, notes and metric
/// names are stripped of control characters; past the recorder's own
/// capacity events are counted as dropped, not stored.
#[derive(Default)]
pub struct Decoder {
    tasks: Tasks,
    ended: Vec<bool>,
    events: Events,
    notes: Notes,
    /// By lane: the program said to leave it out ([`Message::Hide`]), so
    /// progress does not count it and the run drops it.
    hidden: Vec<bool>,
    /// The [`Message::End`], once it arrived.
    end: Option<Message>,
    hello: bool,
    /// Events past the capacity, counted instead of stored.
    dropped: u64,
    /// Bytes of names and notes kept so far (bounded by `MAX_TEXT`).
    text_bytes: usize,
    /// Lines the program printed itself, in order.
    pub output: Vec<String>,
}

impl Decoder {
    /// Takes one line of the child's stdout.
    pub fn line(&mut self, line: &str) -> Result<(), StreamError> {
        let Some(at) = line.find(MARK) else {
            self.output.push(line.to_string());
            return Ok(());
        };
        // A `print!` without a newline ends up in front of the mark.
        if at > 0 {
            self.output.push(line[..at].to_string());
        }
        let json = &line[at + MARK.len()..];
        let message: Message =
            serde_json::from_str(json).map_err(|e| StreamError::Garbled(e.to_string()))?;
        match message {
            Message::Hello { version, .. } if version != STREAM_VERSION => {
                return Err(StreamError::Version(version));
            }
            Message::Hello { .. } => self.hello = true,
            Message::Task { id, name } => {
                // The recorder numbers tasks 0, 1, 2, … and sends each once.
                if id.index() != self.tasks.len() || self.tasks.len() >= DEFAULT_CAPACITY {
                    return Err(StreamError::Garbled(format!(
                        "task {} registered out of order (expected {})",
                        id.0,
                        self.tasks.len()
                    )));
                }
                let name = cut(sanitize(&name, false).into_owned(), MAX_NAME);
                self.text_bytes += name.len();
                self.tasks.push(&name, false);
                self.ended.push(false);
                self.hidden.push(false);
            }
            Message::Hide { lanes } => {
                for id in lanes {
                    if let Some(hidden) = self.hidden.get_mut(id.index()) {
                        *hidden = true;
                    }
                }
            }
            Message::Event { event } => {
                let Some(ended) = self.ended.get_mut(event.task.index()) else {
                    return Err(StreamError::Garbled(format!(
                        "an event for task {}, which was never registered",
                        event.task.0
                    )));
                };
                if event.at_ns > MAX_AT_NS {
                    return Err(StreamError::Garbled(format!(
                        "an event at {} ns, more than a day into the run",
                        event.at_ns
                    )));
                }
                if event.kind.is_terminal() {
                    *ended = true;
                }
                if self.events.len() >= DEFAULT_CAPACITY || self.text_bytes >= MAX_TEXT {
                    self.dropped += 1;
                    return Ok(());
                }
                let note = cut(sanitize(&event.note, false).into_owned(), MAX_NOTE);
                let known = self.notes.len();
                let note = self.notes.intern(&note);
                if self.notes.len() > known {
                    self.text_bytes += self.notes.get(note).len();
                }
                self.events.push(Event {
                    at_ns: event.at_ns,
                    task: event.task,
                    kind: event.kind,
                    note,
                });
            }
            Message::End {
                outcome,
                metrics,
                findings,
                dropped,
                mut hidden,
            } => {
                let findings = findings
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            cut(sanitize(&k, false).into_owned(), MAX_NAME),
                            cut(sanitize(&v, false).into_owned(), MAX_NOTE * 64),
                        )
                    })
                    .collect();
                hidden.retain(|id| id.index() < self.tasks.len());
                let metrics = metrics
                    .into_iter()
                    .map(|(name, value)| (sanitize(&name, false).into_owned(), value))
                    .collect();
                let outcome = match outcome {
                    Outcome::Failed { message } => Outcome::Failed {
                        message: sanitize(&message, false).into_owned(),
                    },
                    other => other,
                };
                self.end = Some(Message::End {
                    outcome,
                    metrics,
                    findings,
                    dropped,
                    hidden,
                });
            }
        }
        Ok(())
    }

    /// True once the program said hello: it is an asynclab program.
    pub fn started(&self) -> bool {
        self.hello
    }

    /// (tasks registered, tasks ended) so far, for a progress display.
    /// A tokio lane that repeats a named task is not counted: the task is.
    pub fn progress(&self) -> (u64, u64) {
        let shown = || self.ended.iter().zip(&self.hidden).filter(|(_, h)| !**h);
        let total = shown().count();
        let ended = shown().filter(|(e, _)| **e).count();
        (total as u64, ended as u64)
    }

    /// The run. A stream that never reached its end (the program was
    /// killed or crashed) ends with `cut_short`: every unfinished task is
    /// marked cancelled at `at_ns`, with `why`.
    pub fn finish(self, cut_short: (Outcome, u64, &'static str)) -> Run {
        let mut run = Run::new(self.tasks, Outcome::Finished);
        run.events = self.events;
        run.notes = self.notes;
        run.dropped = self.dropped;
        let mut hidden: Vec<TaskId> = (0..)
            .zip(&self.hidden)
            .filter(|(_, hidden)| **hidden)
            .map(|(id, _)| TaskId(id))
            .collect();
        match self.end {
            Some(Message::End {
                outcome,
                metrics,
                findings,
                dropped,
                hidden: more,
            }) => {
                run.outcome = outcome;
                run.metrics = metrics;
                run.findings = findings;
                run.dropped += dropped;
                hidden.extend(more);
            }
            _ => {
                let (outcome, at_ns, why) = cut_short;
                run.outcome = outcome;
                let at_ns = at_ns.max(run.events.last().map_or(0, |e| e.at_ns));
                for (index, ended) in self.ended.iter().enumerate() {
                    if !ended {
                        run.push(at_ns, TaskId(index as u32), EventKind::Cancelled, why);
                    }
                }
            }
        }
        run.remove_tasks(&hidden);
        run
    }
}

/// `text` cut to at most `max` bytes, on a character boundary, marked.
fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::event::WaitOn;

    fn event(at_ns: u64, task: u32, kind: EventKind) -> Message {
        Message::Event {
            event: EventText {
                at_ns,
                task: TaskId(task),
                kind,
                note: "n".into(),
            },
        }
    }

    /// A stream's start: its hello, then a task named `name` and a plain
    /// tokio task's lane (id 1) beside it.
    fn hello_and_two_lanes(name: &str) -> [Message; 3] {
        [
            Message::Hello {
                version: STREAM_VERSION,
                demo: "x".into(),
            },
            Message::Task {
                id: TaskId(0),
                name: name.into(),
            },
            Message::Task {
                id: TaskId(1),
                name: "task@x.rs:3".into(),
            },
        ]
    }

    #[test]
    fn progress_counts_a_hidden_tokio_lane_once() {
        let mut d = Decoder::default();
        let lines = hello_and_two_lanes("scan-1").into_iter().chain([
            event(0, 0, EventKind::Spawned),
            event(1, 0, EventKind::Completed),
        ]);
        for m in lines {
            d.line(&m.encode()).expect("decodes");
        }
        assert_eq!(d.progress(), (2, 1));
        // The tokio lane repeats scan-1: one task, and it is done.
        let hide = Message::Hide {
            lanes: vec![TaskId(1)],
        };
        d.line(&hide.encode()).expect("decodes");
        assert_eq!(d.progress(), (1, 1));
    }

    #[test]
    fn a_whole_stream_becomes_the_same_run() {
        let mut d = Decoder::default();
        let lines = hello_and_two_lanes("a").into_iter().chain([
            event(0, 0, EventKind::Spawned),
            event(5, 0, EventKind::Waiting(WaitOn::Io)),
            event(6, 1, EventKind::Spawned),
            event(9, 0, EventKind::Completed),
            Message::End {
                outcome: Outcome::Finished,
                metrics: BTreeMap::from([("open_ports".to_string(), 2)]),
                findings: BTreeMap::from([("open".to_string(), "22, 80".to_string())]),
                dropped: 0,
                hidden: vec![TaskId(1)],
            },
        ]);
        for m in lines {
            d.line(&m.encode()).expect("decodes");
        }
        d.line("hello from println").expect("plain text is output");
        let run = d.finish((Outcome::Finished, 0, "unused"));
        assert_eq!(run.tasks.len(), 1, "the hidden tokio lane is gone");
        assert_eq!(run.events.len(), 3);
        assert_eq!(run.metrics["open_ports"], 2);
        assert_eq!(run.findings["open"], "22, 80");
    }

    #[test]
    fn a_cut_stream_marks_unfinished_tasks_and_keeps_printed_text() {
        let mut d = Decoder::default();
        d.line(
            &Message::Task {
                id: TaskId(0),
                name: "a".into(),
            }
            .encode(),
        )
        .expect("task");
        let partial = format!("half a line{}", event(3, 0, EventKind::Spawned).encode());
        d.line(&partial).expect("event after printed text");
        assert_eq!(d.output, ["half a line"]);
        let run = d.finish((Outcome::Cancelled { at_ns: 10 }, 10, "killed"));
        let last = run.events.last().expect("events");
        assert_eq!((last.at_ns, last.kind), (10, EventKind::Cancelled));
    }

    /// Ctrl-C kills the program before its end: the lanes it said to hide
    /// are still left out, so each task is counted once.
    #[test]
    fn a_cut_stream_still_leaves_out_the_lanes_it_hid() {
        let mut d = Decoder::default();
        for (id, name) in [
            (0, "port-1"),
            (1, "task@scan.rs:19"),
            (2, "task@scan.rs:30"),
        ] {
            let task = Message::Task {
                id: TaskId(id),
                name: name.into(),
            };
            d.line(&task.encode()).expect("task");
        }
        // A lane not sent yet is not hidden, and a hide never fails.
        let hide = Message::Hide {
            lanes: vec![TaskId(1), TaskId(7)],
        };
        d.line(&hide.encode()).expect("hide");
        let run = d.finish((Outcome::Cancelled { at_ns: 10 }, 10, "killed"));
        let names: Vec<&str> = run.tasks.iter().map(|t| t.name).collect();
        assert_eq!(names, ["port-1", "task@scan.rs:30"]);
        let cancelled = run.events.iter().filter(|e| e.kind == EventKind::Cancelled);
        assert_eq!(cancelled.count(), 2);
    }

    #[test]
    fn a_newer_stream_version_is_refused_with_what_to_do() {
        let mut d = Decoder::default();
        let hello = Message::Hello {
            version: 99,
            demo: "x".into(),
        };
        assert_eq!(d.line(&hello.encode()), Err(StreamError::Version(99)));
        assert!(matches!(
            d.line(&format!("{MARK}{{not json")),
            Err(StreamError::Garbled(_))
        ));
    }

    #[test]
    fn a_forged_stream_is_refused_not_trusted() {
        let task = |id: u32, name: &str| {
            Message::Task {
                id: TaskId(id),
                name: name.into(),
            }
            .encode()
        };
        let mut d = Decoder::default();
        // A huge id would otherwise allocate a lane for every id below it.
        assert!(matches!(
            d.line(&task(u32::MAX, "x")),
            Err(StreamError::Garbled(_))
        ));
        assert!(matches!(
            d.line(&event(0, 0, EventKind::Spawned).encode()),
            Err(StreamError::Garbled(_))
        ));
        d.line(&task(0, "\u{1b}]0;pwned\u{7}")).expect("in order");
        d.line(&task(1, "b")).expect("in order");
        assert!(matches!(
            d.line(&task(1, "again")),
            Err(StreamError::Garbled(_))
        ));
        let sneaky = Message::Event {
            event: EventText {
                at_ns: 1,
                task: TaskId(0),
                kind: EventKind::Note,
                note: "\u{1b}[2J".into(),
            },
        };
        d.line(&sneaky.encode()).expect("event");
        let late = Message::Event {
            event: EventText {
                at_ns: u64::MAX,
                task: TaskId(0),
                kind: EventKind::Note,
                note: "overflow".into(),
            },
        };
        assert!(matches!(
            d.line(&late.encode()),
            Err(StreamError::Garbled(_))
        ));
        let huge = Message::Event {
            event: EventText {
                at_ns: 2,
                task: TaskId(1),
                kind: EventKind::Note,
                note: "é".repeat(60_000).into(),
            },
        };
        d.line(&huge.encode())
            .expect("a long note is cut, not refused");
        let run = d.finish((Outcome::Finished, 0, "cut"));
        assert!(
            run.note(&run.events.iter().nth(1).expect("an event")).len()
                <= MAX_NOTE + '…'.len_utf8()
        );
        assert_eq!(run.tasks.name(0), "\\e]0;pwned\\u{7}");
        assert_eq!(
            run.note(&run.events.iter().next().expect("an event")),
            "\\e[2J"
        );
    }
}
