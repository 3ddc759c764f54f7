//! The REPL in a real terminal (tmux): lines sent in one burst are all
//! run, and after the window is resized the next output fits it. Skipped
//! with a message where tmux is missing (`.ci/run` installs it).

use std::process::Command;
use std::time::{Duration, Instant};

/// One tmux server and session of our own, killed when dropped.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    /// `name`: this test's own tmux server (tests run side by side).
    fn start(name: &str, command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("-Lasynclab-{name}-{}", std::process::id()),
            session: "repl".into(),
        };
        t.run(&[
            "new-session",
            "-d",
            "-s",
            "repl",
            "-x",
            "120",
            "-y",
            "50",
            command,
        ]);
        t
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Resizes the window to `columns` and gives the REPL a moment to
    /// see it (it reads the width before each command).
    fn resize(&self, columns: u16) {
        self.run(&["resize-window", "-t", "repl", "-x", &columns.to_string()]);
        std::thread::sleep(Duration::from_millis(300));
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// The screen and its history, wrapped lines joined back (`-J`): a
    /// line longer than the window is one the program printed too wide.
    fn screen(&self) -> String {
        self.run(&[
            "capture-pane",
            "-J",
            "-p",
            "-S",
            "-500",
            "-t",
            &self.session,
        ])
    }

    fn wait_for(&self, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let shown = self.screen();
            if shown.contains(what) || Instant::now() > deadline {
                return shown;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// asynclab's REPL in a tmux server of its own (`name`), without colour
    /// and with progress kept in a state folder of its own, up to its first
    /// prompt; `None`, said, where tmux is missing.
    fn repl(name: &str) -> Option<(Tmux, std::path::PathBuf)> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux is not installed (.ci/run installs it)");
            return None;
        }
        let state =
            std::env::temp_dir().join(format!("asynclab-tmux-{name}-{}", std::process::id()));
        let tmux = Tmux::start(
            name,
            &format!(
                "env NO_COLOR=1 ASYNCLAB_STATE_DIR={} {} --lessons {}/lessons",
                state.display(),
                env!("CARGO_BIN_EXE_asynclab"),
                env!("CARGO_MANIFEST_DIR")
            ),
        );
        tmux.wait_for("asynclab>");
        Some((tmux, state))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn a_burst_of_lines_all_runs_and_a_resized_window_is_honoured() {
    let Some((tmux, state)) = Tmux::repl("burst") else {
        return;
    };
    // Three lines in one write, as a paste or fast typing delivers them.
    tmux.keys(&[
        "open rate-limit",
        "Enter",
        "where",
        "Enter",
        "params",
        "Enter",
    ]);
    let shown = tmux.wait_for("semaphore permits");
    assert!(
        shown.contains("Lesson 10 · Capping requests in flight"),
        "open ran:\n{shown}"
    );
    // `open` showed the lesson's first cell, its opening prose.
    assert!(shown.contains("cell 1 of 7"), "where ran:\n{shown}");
    assert!(shown.contains("semaphore permits"), "params ran:\n{shown}");

    tmux.resize(60);
    tmux.keys(&["clear", "Enter", "run", "Enter"]);
    let after = tmux.wait_for("reproduce:");
    let run: Vec<&str> = after
        .lines()
        .skip_while(|l| !l.starts_with("run rate-limit"))
        .take_while(|l| !l.starts_with("asynclab["))
        .collect();
    assert!(run.len() > 10, "the run was drawn:\n{after}");
    // Every character of the timeline (text, box and block characters)
    // takes one column.
    let wide: Vec<&&str> = run.iter().filter(|l| l.chars().count() > 60).collect();
    assert!(
        wide.is_empty(),
        "lines wider than the 60-column window: {wide:#?}"
    );

    // A wide window is used: lanes and rows spread to its width (the
    // terminal width was once clamped to 160).
    tmux.resize(200);
    tmux.keys(&["clear", "Enter"]);
    tmux.run(&["clear-history", "-t", "repl"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.screen().contains("reproduce:") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        tmux.run(&["clear-history", "-t", "repl"]);
    }
    tmux.keys(&["run", "Enter"]);
    // Only this run's lines: the history before it was cleared.
    let wide_run = tmux.wait_for("reproduce:");
    let widest = wide_run
        .lines()
        .skip_while(|l| !l.starts_with("run rate-limit"))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(
        (161..=200).contains(&widest),
        "a 200-column window gets lines up to its width, widest {widest}:\n{wide_run}"
    );
    let _ = std::fs::remove_dir_all(state);
}

#[test]
fn a_guess_typed_ahead_answers_the_question_and_ctrl_c_there_stops_the_cell() {
    let Some((tmux, state)) = Tmux::repl("ask") else {
        return;
    };
    // The guess arrives with the command that asks for it, in one write:
    // it must answer the question, not wait and then run as a command.
    tmux.keys(&["open join", "Enter", "next", "Enter", "150ms", "Enter"]);
    let shown = tmux.wait_for("prediction: total = 150ms");
    assert!(
        shown.contains("noted: you predict total = 150ms"),
        "the typed-ahead guess answered:\n{shown}"
    );
    assert!(!shown.contains("unknown command"), "{shown}");

    // Ctrl-C at the question: the cell's run does not happen.
    tmux.keys(&["open rate-limit", "Enter", "next", "Enter"]);
    tmux.wait_for("Your guess for peak_in_flight");
    tmux.keys(&["C-c"]);
    tmux.wait_for("the rest of this cell was not run");
    // The next prompt: whatever the cell would have done is done by now.
    let stopped = tmux.wait_for("asynclab[rate-limit 2/7]>");
    let after: String = stopped
        .lines()
        .skip_while(|l| !l.contains("Your guess for peak_in_flight"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        after.contains("the rest of this cell was not run"),
        "{stopped}"
    );
    assert!(
        !after.contains("run rate-limit"),
        "the cell ran on:\n{after}"
    );
    let _ = std::fs::remove_dir_all(state);
}

#[test]
fn a_paste_keeps_its_commands_and_ctrl_c_drops_the_rest_of_it() {
    let Some((tmux, state)) = Tmux::repl("paste") else {
        return;
    };
    let paste = |text: &str| {
        tmux.run(&["set-buffer", "-b", "p", text]);
        // `-p`: as a bracketed paste, the way a terminal pastes; the
        // editor holds it until Enter.
        tmux.run(&["paste-buffer", "-p", "-b", "p", "-t", "repl"]);
        tmux.keys(&["Enter"]);
    };
    tmux.keys(&["open rate-limit", "Enter"]);
    tmux.wait_for("cell 1/7");
    // `where` is a command, not a guess: the question waits for one...
    paste("next\nwhere");
    tmux.wait_for("Your guess for peak_in_flight");
    // ...and a paste at the question answers with its first line.
    paste("3\nparams");
    let shown = tmux.wait_for("semaphore permits");
    assert!(
        shown.contains("noted: you predict peak_in_flight = 3"),
        "{shown}"
    );
    assert!(!shown.contains("is not a whole number"), "{shown}");
    // Both commands ran after the cell, in the order they came.
    let after_cell: String = shown
        .lines()
        .skip_while(|l| !l.contains("prediction: peak_in_flight"))
        .collect::<Vec<_>>()
        .join("\n");
    let (at_where, at_params) = (
        after_cell.find("cell 2 of 7"),
        after_cell.find("semaphore permits"),
    );
    assert!(
        at_where.is_some() && at_params.is_some() && at_where < at_params,
        "{after_cell}"
    );

    // Ctrl-C during a pasted run: the paste's later lines do not run.
    tmux.run(&["clear-history", "-t", "repl"]);
    paste("set clock real\nset count 300\nrun\nlessons");
    tmux.wait_for("running on the real clock");
    tmux.keys(&["C-c"]);
    let stopped = tmux.wait_for("cancelled by Ctrl-C");
    std::thread::sleep(Duration::from_millis(500));
    let screen = tmux.screen();
    assert!(stopped.contains("cancelled by Ctrl-C"), "{stopped}");
    assert!(
        !screen.contains("Port checks, many at once"),
        "`lessons` ran after Ctrl-C:\n{screen}"
    );
    let _ = std::fs::remove_dir_all(state);
}

#[test]
fn ctrl_c_drops_a_half_typed_line_and_a_command_at_a_question_runs() {
    let Some((tmux, state)) = Tmux::repl("ctrlc") else {
        return;
    };
    // Ctrl-C on a half-typed line drops the line, as a shell does, and
    // does not count toward "Ctrl-C twice leaves": twice, and still here.
    for typed in ["abc", "def"] {
        tmux.keys(&[typed]);
        tmux.wait_for(typed);
        tmux.keys(&["C-c"]);
    }
    tmux.keys(&["where", "Enter"]);
    let shown = tmux.wait_for("no lesson is open");
    assert!(shown.contains("no lesson is open"), "{shown}");
    assert!(!shown.contains("Ctrl-C again"), "{shown}");

    // `next` typed ahead reaches the question of cell 2: not a guess, so
    // the question is skipped and `next` runs after the cell.
    tmux.keys(&["open rate-limit", "Enter", "next", "Enter", "next", "Enter"]);
    let shown = tmux.wait_for("asynclab[rate-limit 3/7]>");
    assert!(
        shown.contains("(not a guess: the question is skipped;"),
        "{shown}"
    );
    // Not refused as a guess either.
    assert!(!shown.contains("is not a whole number"), "{shown}");
    assert!(shown.contains("run rate-limit"), "the cell ran: {shown}");

    // Ctrl-C at an empty prompt says how to leave, wrapped to the window
    // as it is now (resized since the last command).
    tmux.resize(50);
    tmux.run(&["clear-history", "-t", "repl"]);
    tmux.keys(&["C-c"]);
    let shown = tmux.wait_for("cancels the run)");
    let hint: Vec<&str> = shown
        .lines()
        .skip_while(|l| !l.contains("Ctrl-C again"))
        .take_while(|l| !l.starts_with("asynclab["))
        .collect();
    assert!(hint.len() > 1, "{shown}");
    assert!(hint.iter().all(|l| l.chars().count() <= 50), "{hint:#?}");
    let _ = std::fs::remove_dir_all(state);
}

/// At 40 columns, the narrowest window the REPL lays out for, what
/// asynclab prints itself stays inside the window: its messages, a run of
/// a long ports list, a question (asked above a short prompt), errors.
#[test]
fn a_forty_column_window_gets_no_line_past_its_edge() {
    let Some((tmux, state)) = Tmux::repl("narrow") else {
        return;
    };
    tmux.resize(40);
    tmux.run(&["clear-history", "-t", "repl"]);
    let sent = [
        "where",
        "open 1",
        "set ports 1-100,200-300,400-500,600-700,800-900",
        "run",
        "where",
        "reset",
        "set concurrency -5",
        "open 10",
        "next",
    ];
    for line in sent {
        tmux.keys(&[line, "Enter"]);
        std::thread::sleep(Duration::from_millis(200));
    }
    tmux.wait_for("guess: ");
    tmux.keys(&["3", "Enter"]);
    let shown = tmux.wait_for("prediction: peak_in_flight");
    for said in [
        "ports=1-100",
        "guess: 3",
        "noted: you predict",
        "prediction: peak_in_flight",
    ] {
        assert!(shown.contains(said), "{said}:\n{shown}");
    }
    // Lines the window wrapped are joined back (`-J`): any line over 40
    // columns was printed too wide. The prompts carry what was typed, and
    // the reproducer keeps its shell words whole on purpose.
    let wide: Vec<&str> = shown
        .lines()
        .filter(|l| l.chars().count() > 40)
        .filter(|l| !l.starts_with("asynclab") && !l.contains("ports='"))
        // A line typed while a command still ran is echoed on its own.
        .filter(|l| !sent.contains(&l.trim()))
        .collect();
    assert!(wide.is_empty(), "lines wider than 40 columns: {wide:#?}");
    let _ = std::fs::remove_dir_all(state);
}
