//! The event table: one row per event, time first, then the task, what it
//! did and why. Owns how a short table (`max_rows: Some(n)`) reads: like
//! rows of one family of tasks folded into one (`req-04 … req-20
//! waiting:permit (17 tasks)`), and the outcomes of the tasks it shows kept
//! rather than cut off. `max_rows: None` keeps every event as its own row.
//! Pure, like the rest of the renderer.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::event::{Event, EventKind, Run, TaskId};
use super::format::format_duration;
use super::render::{RenderOptions, display_width, kind_color, pad, truncate, wrap};

/// Width of the event column: fits `waiting:channel`.
const EVENT_W: usize = 15;

/// Widest task column: room for a folded row's `target-01 … target-12`.
const TASK_W: usize = 22;

/// One row of the table: an event, or like events of several tasks of one
/// family folded together. What the row shows of its tasks is kept, not
/// the list: a million-task run folds into a million rows.
struct Row {
    first: Event,
    /// The family of the first task's name (see [`family`]), as a number
    /// ([`Kin`]): found once a task, compared as an integer.
    kin: u32,
    /// How many tasks are folded in.
    count: usize,
    /// The second and the last task folded in (in the order their events
    /// came), and whether every task's id follows the one before.
    second: Option<TaskId>,
    last: TaskId,
    consecutive: bool,
    /// When the last folded event happened.
    last_at: u64,
}

impl Row {
    fn of(e: Event, kin: u32) -> Row {
        Row {
            first: e,
            kin,
            count: 1,
            second: None,
            last: e.task,
            consecutive: true,
            last_at: e.at_ns,
        }
    }

    fn join(&mut self, e: &Event) {
        self.count += 1;
        self.second.get_or_insert(e.task);
        self.consecutive &= e.task.0 == self.last.0.wrapping_add(1);
        self.last = e.task;
        self.last_at = e.at_ns;
    }
}

/// The rows of a short table, and for each task the first row that holds
/// how it ended.
struct Folded {
    rows: Vec<Row>,
    /// Row numbers as `u32` (a run holds at most 8 M events): two of
    /// these a task would otherwise be 32 MB at a million tasks.
    ends: Vec<Option<u32>>,
}

/// The family a task belongs to: its name without the trailing number,
/// so `req-04` and `req-20` are kin and `producer` and `consumer` are not.
fn family(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// Each task's family as a number, found the first time the task is seen:
/// a run's half a million events belong to a hundred thousand tasks, and
/// a family found by its name's characters for every event was a fifth of
/// the table's time.
struct Kin<'a> {
    run: &'a Run,
    /// Per task: its family's number, or `u32::MAX` until it is seen.
    of_task: Vec<u32>,
    numbers: std::collections::HashMap<&'a str, u32>,
    /// The family found last: the next task is most often of it too, and
    /// then needs no hash of its name.
    last: Option<(&'a str, u32)>,
}

impl<'a> Kin<'a> {
    fn new(run: &'a Run) -> Kin<'a> {
        Kin {
            run,
            of_task: vec![u32::MAX; run.tasks.len()],
            numbers: std::collections::HashMap::new(),
            last: None,
        }
    }

    fn of(&mut self, task: TaskId) -> u32 {
        if let Some(&kin) = self.of_task.get(task.index())
            && kin != u32::MAX
        {
            return kin;
        }
        let name = family(self.run.task_name(task));
        let kin = match self.last {
            Some((last, kin)) if last == name => kin,
            _ => {
                let next = u32::try_from(self.numbers.len()).unwrap_or(u32::MAX - 1);
                let kin = *self.numbers.entry(name).or_insert(next);
                self.last = Some((name, kin));
                kin
            }
        };
        if let Some(slot) = self.of_task.get_mut(task.index()) {
            *slot = kin;
        }
        kin
    }
}

/// The rows, folding like events. An event joins the row before it when it
/// has the same kind and note and comes from another task of the same
/// family; at the same instant it may also join an earlier row of that
/// instant, unless its own task has a row in between (a task's events stay
/// in the order they happened).
fn fold(run: &Run, events: impl Iterator<Item = Event>) -> Folded {
    let mut rows: Vec<Row> = Vec::new();
    let mut ends: Vec<Option<u32>> = vec![None; run.tasks.len()];
    // The newest row holding each task: a row the task is in (or one
    // before it) is where the search for a row to join stops. Kept per task
    // so a fold of 60,000 tasks is not searched for each event.
    let mut last_row: Vec<Option<u32>> = vec![None; run.tasks.len()];
    let mut kins = Kin::new(run);
    for e in events {
        let kin = kins.of(e.task);
        let own = last_row
            .get(e.task.index())
            .copied()
            .flatten()
            .map(|j| j as usize);
        let mut target = None;
        for (j, row) in rows.iter().enumerate().rev() {
            if own.is_some_and(|own| j <= own) {
                break;
            }
            let newest = j + 1 == rows.len();
            if !newest && row.last_at != e.at_ns {
                break;
            }
            if row.first.kind == e.kind && row.first.note == e.note && row.kin == kin {
                target = Some(j);
                break;
            }
        }
        let j = match target {
            Some(j) => {
                rows[j].join(&e);
                j
            }
            None => {
                rows.push(Row::of(e, kin));
                rows.len() - 1
            }
        };
        let row = u32::try_from(j).unwrap_or(u32::MAX);
        if let Some(slot) = last_row.get_mut(e.task.index()) {
            *slot = Some(row);
        }
        if e.kind.is_terminal()
            && let Some(end) = ends.get_mut(e.task.index())
        {
            *end = Some(end.map_or(row, |k| k.min(row)));
        }
    }
    Folded { rows, ends }
}

/// Which rows of `rows` to show within `budget` rows. Rows are taken in
/// order; each one that starts a task's story reserves room for how that
/// task ends (its `completed`, `failed`, `timed out`, `cancelled` or
/// `panicked` row), so the table never shows a task start and then cuts
/// off its outcome. Once a row no longer fits, only outcomes follow: the
/// reserved ones, then other tasks' outcomes while room is left.
fn choose(Folded { rows, ends }: &Folded, budget: usize) -> Vec<bool> {
    let mut keep = vec![false; rows.len()];
    let mut pending: BTreeSet<usize> = BTreeSet::new();
    let mut used = 0;
    let mut cut = false;
    for (i, row) in rows.iter().enumerate() {
        if pending.remove(&i) {
            keep[i] = true;
            used += 1;
            continue;
        }
        if cut && !row.first.kind.is_terminal() {
            continue;
        }
        // A folded row stands for its first task: reserving every folded
        // task's outcome would fill the table with outcomes alone.
        let reserve = ends
            .get(row.first.task.index())
            .copied()
            .flatten()
            .map(|j| j as usize)
            .filter(|&j| j > i && !pending.contains(&j));
        if used + 1 + pending.len() + usize::from(reserve.is_some()) <= budget {
            keep[i] = true;
            used += 1;
            pending.extend(reserve);
        } else {
            cut = true;
        }
    }
    keep
}

/// The task column of a row: a name, or the tasks of a fold. A fold of
/// consecutive tasks is a range, in full (`req-04 … req-20`) when it fits,
/// else sharing the family (`target-01…12`); any other fold names its
/// first tasks (`scan-8, scan-2`, `scan-1, scan-7, …`), the note saying how
/// many there are.
fn task_label(run: &Run, row: &Row, width: usize) -> String {
    let name = |t: TaskId| run.task_name(t);
    let (a, b) = (row.first.task, row.second.unwrap_or(row.last));
    let label = match row.count {
        0 | 1 => name(a).to_string(),
        2 => format!("{}, {}", name(a), name(b)),
        _ if row.consecutive => {
            let (first, last) = (name(a), name(row.last));
            let full = format!("{first} … {last}");
            if display_width(&full) <= width {
                full
            } else {
                let tail = last.get(family(last).len()..).unwrap_or(last);
                format!("{first}…{tail}")
            }
        }
        _ => format!("{}, {}, …", name(a), name(b)),
    };
    if display_width(&label) <= width {
        return label;
    }
    // Too wide: the first task, and a mark that there are more.
    match row.count {
        0 | 1 => truncate(&label, width),
        _ => {
            let first = truncate(name(a), width.saturating_sub(3));
            format!("{first}, …")
        }
    }
}

/// What a folded row adds after its note: how many tasks (or futures: a
/// family's lanes are of one kind), and (when `until`) when the last of
/// them did it, if not all at once.
fn fold_suffix(run: &Run, row: &Row, until: bool) -> String {
    let lanes = if run.tasks.is_future(row.first.task.index()) {
        "futures"
    } else {
        "tasks"
    };
    match row.count {
        0 | 1 => String::new(),
        n if !until || row.last_at == row.first.at_ns => format!(" ({n} {lanes})"),
        n => format!(" ({n} {lanes}, until {})", format_duration(row.last_at)),
    }
}

/// The note column of a row, in `width` columns: the note, then the fold's
/// count and when the last of its tasks did it. Those are facts of the
/// run: the note is cut first, and the "until" goes only when even the
/// suffix alone does not fit (the row's time would otherwise read as every
/// task's).
fn note_cell(run: &Run, row: &Row, width: usize) -> String {
    let note = run.note(&row.first);
    let full = fold_suffix(run, row, true);
    let spread = row.count > 1 && row.last_at != row.first.at_ns;
    // Short of room: `(3 to 145ms)` still says when the last one did it.
    let compact = format!(" ({} to {})", row.count, format_duration(row.last_at));
    let suffix = if display_width(&full) + 4 <= width {
        full
    } else if spread && display_width(&compact) <= width {
        compact
    } else {
        fold_suffix(run, row, false)
    };
    let room = width.saturating_sub(display_width(&suffix));
    truncate(&format!("{}{suffix}", truncate(note, room)), width)
}

/// The note column of a row as lines of `width` columns: the note with its
/// fold's count wraps onto lines of its own under the column, up to
/// [`NOTE_LINES`], rather than being cut. A column too narrow to wrap into
/// (or a note longer than that) is cut as [`note_cell`] cuts it.
fn note_lines(run: &Run, row: &Row, width: usize) -> Vec<String> {
    let whole = format!("{}{}", run.note(&row.first), fold_suffix(run, row, true));
    if whole.trim().is_empty() {
        // Nothing to say: no line, not even an empty one under the row.
        return Vec::new();
    }
    if display_width(&whole) <= width {
        return vec![whole];
    }
    if width >= NOTE_WRAP_MIN {
        let lines = wrap(&whole, width, "");
        if lines.len() <= NOTE_LINES {
            return lines;
        }
    }
    vec![note_cell(run, row, width)]
}

/// Where a note under its row starts: past the time column.
const UNDER: usize = 8 + 2;
/// A note wraps onto at most this many lines.
const NOTE_LINES: usize = 3;
/// Narrower than this, a note column is cut, not wrapped: a word a line
/// would be harder to read.
const NOTE_WRAP_MIN: usize = 20;

/// The event column's word: a future's lane is `created`, not `spawned`.
fn event_label(run: &Run, e: &Event) -> String {
    match e.kind {
        EventKind::Spawned if run.tasks.is_future(e.task.index()) => "created".to_string(),
        kind => kind.label().into_owned(),
    }
}

pub(super) fn render_table(out: &mut String, run: &Run, opts: &RenderOptions) {
    // A short table skips `spawned` rows: the lanes show when each task
    // appeared, and the rows are better spent on what tasks did.
    let shown = |e: &Event| opts.max_rows.is_none() || e.kind != EventKind::Spawned;
    let (rows, keep) = match opts.max_rows {
        None => {
            let rows: Vec<Row> = run.events.iter().map(|e| Row::of(e, 0)).collect();
            let keep = vec![true; rows.len()];
            (rows, keep)
        }
        Some(max) => {
            let folded = fold(run, run.events.iter().filter(shown));
            // When rows are left out, one line says so in the middle.
            let keep = if folded.rows.len() <= max {
                vec![true; folded.rows.len()]
            } else {
                choose(&folded, max.saturating_sub(1))
            };
            (folded.rows, keep)
        }
    };

    // The task column fits the labels shown; names give way first on a
    // narrow terminal (down to 8 columns).
    let widest = rows
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(row, _)| display_width(&task_label(run, row, TASK_W)))
        .max()
        .unwrap_or(4);
    let name_w = widest
        .clamp(4, TASK_W)
        .min(opts.width.saturating_sub(8 + 2 + 2 + EVENT_W).max(8));
    // Whatever is left for the note; too little, and the column is left out.
    let note_w = opts.width.saturating_sub(8 + 2 + name_w + 2 + EVENT_W + 2);
    let why = if note_w < NOTE_WRAP_MIN { "" } else { "why" };
    let header = format!(
        "{:>8}  {}  {:<EVENT_W$}  {why}",
        "time",
        pad("task", name_w),
        "event"
    );
    let _ = writeln!(out, "{}", opts.bold(header.trim_end()));

    let mut skipped = false;
    let mut marked = false;
    for (row, shown) in rows.iter().zip(&keep) {
        if !shown {
            skipped = true;
            continue;
        }
        if skipped && !marked {
            // Everything after this line is an outcome (see `choose`); the
            // footer counts what was left out.
            marked = true;
            let line = "       ⋮  later, how tasks ended:";
            let _ = writeln!(out, "{}", opts.dim(&truncate(line, opts.width)));
        }
        let e = row.first;
        // Too narrow a column to wrap in: the note goes under the row, as
        // wide as the terminal allows after the time.
        let under = note_w < NOTE_WRAP_MIN;
        let notes = if under {
            note_lines(run, row, opts.width.saturating_sub(UNDER))
        } else {
            note_lines(run, row, note_w)
        };
        let mut notes = notes.iter().map(|n| n.trim());
        let first = if under {
            ""
        } else {
            notes.next().unwrap_or_default()
        };
        let line = format!(
            "{:>8}  {}  {}  {}",
            format_duration(e.at_ns),
            pad(&task_label(run, row, name_w), name_w),
            opts.paint(
                &pad(&truncate(&event_label(run, &e), EVENT_W), EVENT_W),
                kind_color(e.kind)
            ),
            first,
        );
        let _ = writeln!(out, "{}", line.trim_end());
        // The rest of a wrapped note, under its column (or under the row).
        let indent = " ".repeat(if under {
            UNDER
        } else {
            8 + 2 + name_w + 2 + EVENT_W + 2
        });
        for more in notes {
            let _ = writeln!(out, "{indent}{more}");
        }
    }

    let hidden: usize = rows
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .map(|(row, _)| row.count)
        .sum();
    // Lanes of futures are created, not spawned: name the rows for what
    // they are (`11 spawned`, `1 spawned and 10 created`).
    // Every row stands for `count` events shown: no pass over the events.
    let listed: usize = rows.iter().map(|row| row.count).sum();
    let created = if listed < run.events.len() {
        run.events
            .iter()
            .filter(|e| e.kind == EventKind::Spawned && run.tasks.is_future(e.task.index()))
            .count()
    } else {
        0
    };
    let spawned = run.events.len() - listed - created;
    let words = match (spawned, created) {
        (0, 0) => None,
        (s, 0) => Some(format!("{s} `spawned` rows")),
        (0, c) => Some(format!("{c} `created` rows")),
        (s, c) => Some(format!("{s} `spawned` and {c} `created` rows")),
    };
    let footer = match (hidden, words) {
        (0, None) => None,
        (0, Some(w)) => Some(format!(
            "   ({w} not shown; `timeline --all` shows every event)"
        )),
        (h, None) => Some(format!(
            "   … {h} events not shown (`timeline --all` shows every one)"
        )),
        (h, Some(w)) => Some(format!(
            "   … {h} events not shown, and {w} (`timeline --all` shows every one)"
        )),
    };
    if let Some(line) = footer {
        // Wrapped, not cut: its end says how to see what was left out.
        let mut parts = wrap(&line, opts.width, "").into_iter();
        if let Some(first) = parts.next() {
            let _ = writeln!(out, "{}", opts.dim(&first));
        }
        let rest = parts.collect::<Vec<_>>().join(" ");
        if !rest.is_empty() {
            for part in wrap(&rest, opts.width, "     ") {
                let _ = writeln!(out, "{}", opts.dim(&part));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{TaskInfo, WaitOn};

    /// A task named `name`, read the way a saved run is: fields a newer
    /// format adds take their defaults, so the test keeps compiling.
    fn task_info(name: &str) -> TaskInfo {
        serde_json::from_value(serde_json::json!({ "name": name })).expect("a TaskInfo")
    }

    /// A run of tasks named `names`, with `(ms, task, kind, note)` events.
    fn run(names: &[&str], events: &[(u64, u32, EventKind, &str)]) -> Run {
        let tasks = names.iter().map(|n| task_info(n)).collect();
        let mut run = Run::new(tasks, crate::timeline::Outcome::Finished);
        for &(ms, task, kind, note) in events {
            run.push(ms * 1_000_000, TaskId(task), kind, note);
        }
        run
    }

    fn table(run: &Run, max_rows: Option<usize>) -> String {
        let mut out = String::new();
        let opts = RenderOptions {
            max_rows,
            ..RenderOptions::default()
        };
        render_table(&mut out, run, &opts);
        out
    }

    #[test]
    fn a_fold_spread_over_time_keeps_when_it_ended_at_any_width() {
        let note = "a long note about why these tasks all completed as they did";
        let done = EventKind::Completed;
        let run = run(
            &["get-1", "get-2", "get-3"],
            &[
                (113, 0, done, note),
                (141, 1, done, note),
                (145, 2, done, note),
            ],
        );
        for width in [60, 100] {
            let mut out = String::new();
            let opts = RenderOptions {
                width,
                max_rows: Some(24),
                ..RenderOptions::default()
            };
            render_table(&mut out, &run, &opts);
            let said = out.contains("(3 tasks, until 145ms)") || out.contains("(3 to 145ms)");
            assert!(said, "{width}:\n{out}");
        }
    }

    #[test]
    fn a_family_has_one_number_however_its_tasks_are_interleaved() {
        let run = run(&["req-1", "db", "req-2", "db-1", "req-30", "x9"], &[]);
        let mut kins = Kin::new(&run);
        let of: Vec<u32> = (0..6).map(|t| kins.of(TaskId(t))).collect();
        // req-1, req-2 and req-30 are kin; `db` and `db-1` are not.
        assert_eq!(of[0], of[2]);
        assert_eq!(of[0], of[4]);
        assert_ne!(of[1], of[3]);
        let distinct: std::collections::BTreeSet<u32> = of.iter().copied().collect();
        assert_eq!(distinct.len(), 4, "{of:?}");
        // Asked again, the same numbers.
        assert_eq!(kins.of(TaskId(4)), of[0]);
    }

    #[test]
    fn families() {
        for (name, kin) in [
            ("req-04", "req-"),
            ("port-1", "port-"),
            ("producer", "producer"),
            ("t10", "t"),
            ("42", ""),
        ] {
            assert_eq!(family(name), kin, "{name}");
        }
    }

    /// Twenty requests queue for three permits: the queue is one row, and
    /// the first requests' completions are kept although they come last.
    #[test]
    fn like_rows_fold_and_outcomes_are_kept() {
        let names: Vec<String> = (1..=20).map(|i| format!("req-{i:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let permits = ["permit 1/3", "permit 2/3", "permit 3/3"];
        let done: Vec<String> = (0..20)
            .map(|t| format!("200 OK in {}ms", 100 + t))
            .collect();
        let mut events = Vec::new();
        for t in 0..3 {
            events.push((0, t, EventKind::Acquired, permits[t as usize]));
        }
        for t in 3..20 {
            events.push((0, t, EventKind::Waiting(WaitOn::Permit), "all permits held"));
        }
        // Filler: forty notes from one task, between the starts and the ends.
        for ms in 1..=40 {
            events.push((ms, 19, EventKind::Note, "tick"));
        }
        for t in 0..20 {
            let note = done[t as usize].as_str();
            events.push((100 + u64::from(t), t, EventKind::Completed, note));
        }
        let text = table(&run(&names, &events), Some(12));
        assert!(
            text.contains("req-04 … req-20  waiting:permit   all permits held (17 tasks)"),
            "{text}"
        );
        for name in ["req-01", "req-02", "req-03", "req-04"] {
            assert!(
                text.lines()
                    .any(|l| l.contains(name) && l.contains("completed")),
                "{name}'s completion was cut off:\n{text}"
            );
        }
        let rows = text.lines().count() - 1;
        // Header aside: 12 rows at most, the marker line among them, and
        // the footer that says how much is hidden.
        assert!(rows <= 12 + 1, "{text}");
        assert!(text.contains("how tasks ended"), "{text}");
        assert!(text.contains("events not shown"), "{text}");
        // The whole table keeps one row per event, unfolded.
        let all = table(&run(&names, &events), None);
        assert_eq!(all.lines().count(), 1 + events.len(), "{all}");
        assert!(!all.contains("tasks)"), "{all}");
    }

    /// A task's events never jump ahead of its own earlier ones to fold.
    #[test]
    fn folding_keeps_each_tasks_order() {
        let events = [
            (0, 0, EventKind::Acquired, "permit 1/2"),
            (0, 0, EventKind::Waiting(WaitOn::Io), "sent"),
            (0, 1, EventKind::Acquired, "permit 2/2"),
            (0, 1, EventKind::Waiting(WaitOn::Io), "sent"),
        ];
        let text = table(&run(&["w1", "w2"], &events), Some(24));
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), 4, "{text}");
        assert!(
            rows[2].contains("w2") && rows[2].contains("acquired"),
            "{text}"
        );
    }

    #[test]
    fn wide_names_keep_the_columns() {
        let events = [
            (0, 0, EventKind::Started, "开始"),
            (1, 1, EventKind::Started, "start"),
        ];
        let text = table(&run(&["扫描器", "scanner"], &events), Some(24));
        let columns: Vec<usize> = text
            .lines()
            .skip(1)
            .map(|l| display_width(&l[..l.find("started").unwrap_or(0)]))
            .collect();
        assert_eq!(columns[0], columns[1], "{text}");
    }
}
