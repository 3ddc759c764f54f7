//! The table of commands: name, arguments, one-line summary, help text and
//! what the argument completes to. `help`, tab completion and hints all read
//! this one table, so they cannot disagree.

/// What a command's argument completes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    None,
    Command,
    Lesson,
    Param,
    Topic,
    /// A metric of the summary or of the last run (`predict`, `expect`).
    Metric,
    Exercise,
    Fixed(&'static [&'static str]),
}

/// One row of the command table.
#[derive(Debug)]
pub struct CommandSpec {
    pub name: &'static str,
    /// Argument synopsis, shown by `help` and as the hint while typing.
    pub args: &'static str,
    pub summary: &'static str,
    pub help: &'static str,
    pub completes: ArgKind,
}

/// Every command, in the order `help` lists them.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        args: "[command]",
        summary: "list commands, or explain one",
        help: "`help` lists every command; `help set` explains one.",
        completes: ArgKind::Command,
    },
    CommandSpec {
        name: "lessons",
        args: "",
        summary: "list the lessons",
        help: "Lists the lessons in teaching order with their numbers, ids and demos. `open` takes either.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "open",
        args: "<id|number>",
        summary: "open a lesson",
        help: "Opens a lesson by id (`open rate-limit`) or number (`open 10`) and loads its parameters. Then `next` steps through it.",
        completes: ArgKind::Lesson,
    },
    CommandSpec {
        name: "next",
        args: "",
        summary: "show the next cell; run it if it is a command cell",
        help: "Advances one cell, like \"run cell and advance\" in a notebook: prose is printed, a command cell is shown and then executed.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "prev",
        args: "",
        summary: "go back one cell (shown, not run)",
        help: "Steps back one cell and shows it without running it.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "where",
        args: "",
        summary: "where you are: lesson, cell, changed parameters",
        help: "Shows the open lesson, the cell you are at, and the parameters you changed.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "run",
        args: "",
        summary: "run the lesson's demo with the current parameters",
        help: "Runs the open lesson's demo and prints its annotated timeline: the event table, one lane per task, and a summary. Ctrl-C cancels a running demo.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "explain",
        args: "[topic]",
        summary: "explain the last run, or one topic",
        help: "With no topic, explains the last run: which events mattered and why, with facts measured in it. `explain <topic>` shows one of the lesson's notes.",
        completes: ArgKind::Topic,
    },
    CommandSpec {
        name: "set",
        args: "<param> <value>",
        summary: "change a parameter: set concurrency 10",
        help: "Changes a parameter of the open lesson's demo; the next `run` uses it. `params` shows names, values and ranges. Durations need a unit: 100ms, 1.5s.",
        completes: ArgKind::Param,
    },
    CommandSpec {
        name: "params",
        args: "",
        summary: "show parameters, defaults, ranges and help",
        help: "Shows every parameter of the open demo: current value, default, allowed range and what it does.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "reset",
        args: "[progress]",
        summary: "restore the lesson's parameters (or: reset progress)",
        help: "`reset` puts every parameter back to the lesson's defaults. `reset progress` forgets which lessons you finished.",
        completes: ArgKind::Fixed(&["progress"]),
    },
    CommandSpec {
        name: "show",
        args: "code [--all]",
        summary: "show the demo's teaching core (--all: the whole file)",
        help: "`show code` prints the teaching core of the demo module that `run` executes: the lines the lesson is about, as compiled. `show code --all` prints the whole file, which is what `edit` gives you to change.",
        completes: ArgKind::Fixed(&["code"]),
    },
    CommandSpec {
        name: "edit",
        args: "[exercise]",
        summary: "edit the demo (or an exercise) in your editor",
        help: "Copies the open lesson's demo (or, during an exercise, your exercise file) into your workspace and opens it in $VISUAL or $EDITOR; without an editor it prints the path. From then on `run` builds and runs your version on the same timeline. `edit <exercise>` starts that exercise first. `diff` shows your changes, `restore` puts the original back.",
        completes: ArgKind::Exercise,
    },
    CommandSpec {
        name: "diff",
        args: "",
        summary: "what you changed in your copy",
        help: "Shows your copy of the demo (or your exercise file) against the original, as a unified diff.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "restore",
        args: "",
        summary: "put the original back in your copy",
        help: "Overwrites your copy of the demo with the original (then `run` runs the built-in demo again), or your exercise file with the starter.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "exercises",
        args: "",
        summary: "list the exercises: code you write yourself",
        help: "Lists every exercise, this lesson's first: its name, its lesson and its goal. ✓ marks those whose `check` passed.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "exercise",
        args: "<name|off>",
        summary: "start an exercise: exercise bound-scan",
        help: "Starts an exercise: opens its lesson, writes the starter into your workspace and shows its goal and how it is graded. Then `edit`, `run`, `check`, `hint`. `exercise off` goes back to the lesson's demo.",
        completes: ArgKind::Exercise,
    },
    CommandSpec {
        name: "check",
        args: "[exercise]",
        summary: "grade your exercise over several parameter sets and seeds",
        help: "Builds your exercise and runs it under the exercise's grid of parameter sets and seeds; every `expect` line must hold in every run. It reads what your tasks did, not your code: any correct pattern passes. `check <exercise>` starts that exercise first.",
        completes: ArgKind::Exercise,
    },
    CommandSpec {
        name: "hint",
        args: "",
        summary: "the next hint for the exercise",
        help: "Shows the exercise's hints one at a time.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "solution",
        args: "",
        summary: "a reference solution (after a check)",
        help: "Shows the exercise's reference solution, once a `check` of yours has failed (or passed). Yours may differ and still pass.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "timeline",
        args: "[--all]",
        summary: "show the last run's timeline again",
        help: "Prints the last run's timeline again; `--all` lists every event instead of the first rows.",
        completes: ArgKind::Fixed(&["--all"]),
    },
    CommandSpec {
        name: "expect",
        args: "<metric> <op> <value>",
        summary: "check the last run: expect peak_in_flight == 3",
        help: "Checks a fact of the last run. Operators: == != < <= > >=. The value is a number, a duration (400ms), a parameter (concurrency) or the previous run's metric (prev.total), optionally `* n` or `/ n`. Lessons use it to test their claims.",
        completes: ArgKind::Metric,
    },
    CommandSpec {
        name: "compare",
        args: "<param>=<v1,v2,...> [<param>=<w1,w2,...>]",
        summary: "run once per value and compare: compare concurrency=1,3,10",
        help: "Runs the open lesson's demo once for each value (or each pair of values, for two parameters) and prints one table of the measured totals with a bar chart. At most 64 runs. Ctrl-C stops the remaining runs.",
        completes: ArgKind::Param,
    },
    CommandSpec {
        name: "predict",
        args: "<metric> <value>",
        summary: "guess a metric before `run`: predict peak_in_flight 3",
        help: "Records your guess for a metric of the next run; after `run`, asynclab shows your guess next to the measured value. Counts must match exactly, durations within 10%; a duration needs its unit (300ms).",
        completes: ArgKind::Metric,
    },
    CommandSpec {
        name: "ask",
        args: "<metric>",
        summary: "ask the learner to predict a metric (for lesson cells)",
        help: "In the REPL, asks you to predict a metric of the next run and records your answer as `predict` would. Skipped in `replay` and piped input, where nobody is there to answer.",
        completes: ArgKind::Metric,
    },
    CommandSpec {
        name: "at",
        args: "<time>",
        summary: "every task's state at one instant: at 150ms",
        help: "Shows what every task of the last run was doing at that instant: running, waiting and on what, done, not yet spawned.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "play",
        args: "[speed]",
        summary: "animate the last run's lanes from start to end",
        help: "Replays the last run's lanes in the terminal as they grew. `play 2` is twice as fast as the run; without a speed it lasts about three seconds. Ctrl-C stops it. Not in a terminal, it prints four stills instead.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "export",
        args: "[-f] <file>",
        summary: "save the last run: .json .trace.json .svg .html",
        help: "Writes the last run to a file, by extension: .json (the timeline, versioned), .trace.json (Chrome trace: open in ui.perfetto.dev), .svg (a Gantt chart), .html (one page: the chart, the event table and the explanation). An existing file is kept unless you add `-f`; a symbolic link is never written through.",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "clear",
        args: "",
        summary: "clear the screen",
        help: "Clears the terminal screen (does nothing when output is not a terminal).",
        completes: ArgKind::None,
    },
    CommandSpec {
        name: "quit",
        args: "",
        summary: "leave asynclab (also: exit, Ctrl-D, Ctrl-C twice)",
        help: "Leaves asynclab. Ctrl-D, `exit` or Ctrl-C twice at the prompt do the same.",
        completes: ArgKind::None,
    },
];
