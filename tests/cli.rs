//! The binary as a learner uses it: piped sessions, the reproducer, the
//! one-shot forms, bad input, and compare.

mod common;

use std::process::{Command, Stdio};

use common::*;

#[test]
fn the_rate_limit_session_from_the_issue() {
    let out = run_with_input(
        &[],
        "lessons\nopen rate-limit\nrun\nset concurrency 10\nrun\nexplain\nquit\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(summary_values(&stdout, "peak in flight"), ["3", "10"]);
    let totals: Vec<u64> = summary_values(&stdout, "total")
        .iter()
        .map(|t| nanos(t))
        .collect();
    assert_eq!(totals.len(), 2);
    // The lesson's claim: ten permits more than halve the run.
    assert!(totals[1] * 2 < totals[0], "totals {totals:?}");
    assert!(
        stdout.contains("exactly the limit, concurrency = 10"),
        "{stdout}"
    );
    assert!(stdout.contains("concurrency 3 → 10"), "{stdout}");
    // Piped: no prompt, no colour.
    assert!(!stdout.contains("asynclab>"));
    assert!(!stdout.contains('\x1b'));
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

#[test]
fn explain_holds_the_peak_against_a_limit_only_where_one_applies() {
    // pitfalls' `concurrency` caps only the fixed unbounded spawn: the
    // lock pitfall's peak of 1 (and its fix's 5, one per host) owe nothing
    // to it.
    let out = run_with_input(
        &[],
        "open pitfalls\nrun\nexplain\nset fixed on\nrun\nexplain\n\
         set pitfall unbounded-spawn\nrun\nexplain\n",
    );
    let stdout = text(&out.stdout);
    let explains: Vec<&str> = stdout.split("What happened in this run").skip(1).collect();
    assert_eq!(explains.len(), 3, "{stdout}");
    assert!(!explains[0].contains("the limit"), "{}", explains[0]);
    assert!(!explains[1].contains("the limit"), "{}", explains[1]);
    assert!(
        explains[2].contains("exactly the limit, concurrency = 5"),
        "{}",
        explains[2]
    );
}

#[test]
fn virtual_runs_are_byte_identical() {
    let input = "open port-check\nset count 200\nrun\ntimeline --all\n";
    let a = run_with_input(&[], input);
    let b = run_with_input(&[], input);
    assert!(a.status.success());
    assert!(
        text(&a.stdout).contains("lanes ("),
        "200 tasks aggregate into grouped lanes"
    );
    assert_eq!(a.stdout, b.stdout);
    // Another seed draws other latencies: the timeline itself differs, not
    // only the header line that names the seed.
    let other_seed = run_with_input(
        &[],
        "open port-check\nset count 200\nset seed 7\nrun\ntimeline --all\n",
    );
    let timeline = |out: &[u8]| -> Vec<String> {
        text(out)
            .lines()
            .filter(|l| !l.contains("seed") && !l.starts_with("reproduce:"))
            .map(str::to_string)
            .collect()
    };
    assert_ne!(timeline(&other_seed.stdout), timeline(&a.stdout));
}

#[test]
fn a_pasted_reproducer_runs_asynclab_and_nothing_else() {
    let dir = std::env::temp_dir().join(format!("asynclab-quote-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let canary = dir.join("pwned");
    let hostile = [
        format!("a;touch${{IFS}}{}", canary.display()),
        format!("$(touch {})", canary.display()),
        format!("`touch {}`'\"", canary.display()),
        "x y z".to_string(),
    ];
    for value in &hostile {
        let out = run_with_input(&[], &format!("open port-check\nset target {value}\nrun\n"));
        let stdout = text(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("reproduce: "))
            .unwrap_or_else(|| panic!("a reproducer line for {value:?}:\n{stdout}"));
        // Paste it into a shell, with `asynclab` standing for a program
        // that prints its arguments one per line.
        let shell = Command::new("sh")
            .arg("-c")
            .arg(format!("asynclab() {{ printf '%s\\n' \"$@\"; }}; {line}"))
            .output()
            .expect("sh runs");
        let args = text(&shell.stdout);
        assert!(
            args.lines().any(|a| a == format!("target={value}")),
            "{value:?} reaches asynclab as one argument, unchanged: {line}\n{args}"
        );
        assert!(!canary.exists(), "{value:?} ran a command: {line}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_reproducer_line_reproduces_the_timeline() {
    let out = run_with_input(&[], "open rate-limit\nset concurrency 5\nset seed 9\nrun\n");
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("reproduce: "))
        .expect("a reproducer line");
    assert_eq!(line, "asynclab run rate-limit --set concurrency=5 --seed 9");
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let again = bin().args(&args).output().expect("rerun");
    assert!(again.status.success());
    let timeline = |s: &str| {
        s.lines()
            .skip_while(|l| !l.starts_with("run "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(timeline(&text(&again.stdout)), timeline(&stdout));
}

#[test]
fn bad_input_gets_one_line_and_the_session_goes_on() {
    let cases: &[(&str, &str)] = &[
        (
            "rn",
            "error: unknown command 'rn' (did you mean 'run'?); type `help` for the list",
        ),
        (
            "run",
            "error: no lesson is open: `lessons` lists them, `open 1` starts the first",
        ),
        (
            "open nosuch",
            "error: no lesson 'nosuch'; `lessons` lists them",
        ),
        (
            "open rate-limt",
            "error: no lesson 'rate-limt' (did you mean 'rate-limit'?); `lessons` lists them",
        ),
        (
            "open 99",
            "error: there is no lesson 99: lessons are numbered 1 to ",
        ),
        (
            "open 0",
            "error: there is no lesson 0: lessons are numbered 1 to ",
        ),
    ];
    let lesson_cases: &[(&str, &str)] = &[
        (
            "set concurency 10",
            "error: unknown parameter 'concurency' (did you mean 'concurrency'?); `params` lists them",
        ),
        (
            "set concurrency 0",
            "error: concurrency = '0' is not valid: must be in 1..=10000",
        ),
        (
            "set concurrency lots",
            "error: concurrency = 'lots' is not valid: expected a whole number in 1..=10000",
        ),
        (
            "set count 1000000000000",
            "error: count = '1000000000000' is not valid: must be in 1..=1000000",
        ),
        (
            "set latency 100",
            "error: latency = '100' is not valid: '100' needs a unit: try 100ms or 100s",
        ),
        (
            "set latency -5ms",
            "error: latency = '-5ms' is not valid: '-5ms' is not a duration: try 100ms or 1.5s",
        ),
        (
            "set clock fast",
            "error: clock = 'fast' is not valid: choose one of virtual|real",
        ),
        (
            "set concurrency",
            "error: 'set' needs a parameter and a value, e.g. `set concurrency 10`: usage `set <param> <value>`",
        ),
        (
            "explain",
            "error: nothing has run yet in this lesson: type `run` first",
        ),
        (
            "timeline",
            "error: nothing has run yet in this lesson: type `run` first",
        ),
        (
            "expect total < 1s",
            "error: nothing has run yet in this lesson: type `run` first",
        ),
        (
            "explain nosuch",
            "error: no explain topic 'nosuch' in this lesson; it has: permit-wait, prediction, io-wait",
        ),
        (
            "show stuff",
            "error: cannot show 'stuff': usage `show code [--all]`",
        ),
        (
            "run twice",
            "error: 'run' takes no arguments (got 'twice'): usage `run`",
        ),
    ];
    let after_run: &[(&str, &str)] = &[
        (
            "expect total < 400",
            "error: cannot check that: total is a duration: write the value with a unit, e.g. 400ms",
        ),
        (
            "expect peak < 4",
            "error: cannot check that: unknown metric 'peak'",
        ),
        (
            "expect total < prev.total",
            "error: cannot check that: prev.total needs an earlier run in this session: `run` twice",
        ),
        (
            // Nanoseconds against a count: it would hold by accident.
            "expect total > peak_in_flight",
            "error: cannot check that: total is a time and peak_in_flight is not: compare a time with a time (`total > 300ms`) or a count with a count",
        ),
        (
            "expect peak_in_flight == 2",
            "error: expectation failed: expect peak_in_flight == 2: measured 3, expected 2",
        ),
    ];
    let mut input = String::new();
    for (line, _) in cases {
        input.push_str(line);
        input.push('\n');
    }
    input.push_str("open rate-limit\n");
    for (line, _) in lesson_cases {
        input.push_str(line);
        input.push('\n');
    }
    input.push_str("run\n");
    for (line, _) in after_run {
        input.push_str(line);
        input.push('\n');
    }
    input.push_str("where\n");
    let out = run_with_input(&[], &input);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let expected: Vec<&str> = cases
        .iter()
        .chain(lesson_cases)
        .chain(after_run)
        .map(|c| c.1)
        .collect();
    assert_eq!(lines.len(), expected.len(), "{stderr}");
    for (got, want) in lines.iter().zip(&expected) {
        assert!(got.starts_with(want), "\n got: {got}\nwant: {want}");
    }
    // The session went on to the end.
    assert!(
        text(&out.stdout).contains("last run: "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn cli_misuse_exits_non_zero_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["bogus"], "unrecognized subcommand 'bogus'"),
        (&["replay"], "required arguments were not provided"),
        (&["rate-limit", "--requests", "x"], "invalid value 'x'"),
        // A negative number is a value out of range, not an unknown flag.
        (
            &["rate-limit", "--concurrency", "-1"],
            "-1 is not in 1..=10000",
        ),
        (&["run", "nosuch"], "no lesson 'nosuch'"),
        (
            &["run", "rate-limit", "--set", "concurrency"],
            "must be NAME=VALUE",
        ),
        (
            &["run", "rate-limit", "--set", "concurrency=0"],
            "must be in 1..=10000",
        ),
        (&["--width", "5"], "5 is not in 40..=1000"),
        (
            &["replay", "no/such/file.md"],
            "no lesson 'no/such/file.md'",
        ),
    ];
    for (args, want) in cases {
        let out = bin()
            .args(*args)
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            text(&out.stderr).contains(want),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn show_code_prints_the_teaching_core_and_all_the_whole_source() {
    let out = run_with_input(&[], "open port-check\nshow code\n");
    let core = text(&out.stdout);
    let source = include_str!("../src/demo/port_check.rs");
    // The core is the lesson's lines, taken verbatim from the file.
    assert!(core.contains("Semaphore::new(concurrency)"), "{core}");
    assert!(!core.contains("fn simulated("), "{core}");
    let shown = core.lines().filter(|l| l.starts_with("    ")).count();
    assert!(shown <= 90 && shown > 10, "{shown} lines:\n{core}");
    let out = run_with_input(&[], "open rate-limit\nshow code --all\n");
    let stdout = text(&out.stdout);
    let source_rl = include_str!("../src/demo/rate_limit.rs");
    assert!(
        stdout.contains(source_rl),
        "show code --all must print the module verbatim"
    );
    assert!(source.contains("Semaphore::new(concurrency)"));
    // The kit's helper that is the lesson comes with the core.
    let out = run_with_input(&[], "open rate-limit\nshow code\n");
    let core = text(&out.stdout);
    assert!(core.contains("pub async fn acquire_permit("), "{core}");
    assert!(core.contains("acquire_owned().await"), "{core}");
}

#[test]
fn compare_shows_totals_falling_as_concurrency_rises() {
    let out = run_with_input(&[], "open rate-limit\ncompare concurrency=1,3,10\n");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Table rows: "  <concurrency>  <total>  …"
    let totals: Vec<u64> = stdout
        .lines()
        .filter(|l| !l.contains('│'))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let c = w.next()?.parse::<u32>().ok()?;
            [1, 3, 10]
                .contains(&c)
                .then(|| nanos(w.next().unwrap_or("0ms")))
        })
        .collect();
    assert_eq!(totals.len(), 3, "{stdout}");
    assert!(totals[0] > totals[1] && totals[1] > totals[2], "{totals:?}");
    // The bar chart agrees: bars shrink in the same order.
    let bars: Vec<usize> = stdout
        .lines()
        .filter(|l| l.contains('│'))
        .map(|l| l.matches('█').count())
        .collect();
    assert_eq!(bars.len(), 3, "{stdout}");
    assert!(bars[0] > bars[1] && bars[1] > bars[2], "{bars:?}");
}

#[test]
fn prev_then_next_runs_a_cell_as_it_first_ran() {
    // The spawn lesson's last cell turns failures off; stepping back and
    // forward again once showed three failed expectations.
    let out = run_with_input(
        &[],
        "open spawn\nnext\nnext\nnext\nprev\nprev\nnext\nnext\n",
    );
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("✗ built-in:"), "{stdout}");
    assert!(
        stdout.contains("as they were before this cell first ran: failures=on"),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("✓ expect results == count").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn a_narrow_reproducer_breaks_between_words_and_pastes_as_one_command() {
    let input = "open rate-limit\nset concurrency 5\nset count 7\nset latency 120ms\nrun\n";
    let reproducer = |width: &str| -> Vec<String> {
        let out = run_with_input(&["--width", width], input);
        text(&out.stdout)
            .lines()
            .skip_while(|l| !l.starts_with("reproduce: "))
            .map(str::to_string)
            .collect()
    };
    let narrow = reproducer("60");
    let wide = reproducer("200");
    assert_eq!(wide.len(), 1, "{wide:?}");
    assert!(narrow.len() > 1, "{narrow:?}");
    assert!(narrow.iter().all(|l| l.chars().count() <= 60), "{narrow:?}");
    // What a shell makes of the continued lines: the one-line command.
    let joined = narrow.join("\n").replace(" \\\n    ", " ");
    assert_eq!(joined, wide[0]);
}

/// A whole session through a 60-column pipe: every command's output keeps
/// inside it (`compare`'s wide table goes into blocks, `explain`'s notes
/// reflow).
#[test]
fn a_session_at_60_columns_keeps_every_line_inside_them() {
    let input = "open 1\nrun\nexplain\nexplain permit-wait\ncompare concurrency=1,5,10\ncompare concurrency=1,5 timeout=100ms,300ms\nparams\nhelp\nlessons\nwhere\nat 100ms\ntimeline\nopen 26\nopen 28\nset pitfall unbounded-spawn\n";
    let out = run_with_input(&["--width", "60"], input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let wide: Vec<&str> = stdout
        .lines()
        .filter(|l| unicode_width::UnicodeWidthStr::width(*l) > 60)
        .collect();
    assert!(wide.is_empty(), "lines over 60 columns: {wide:#?}");
    assert!(stdout.contains("open_ports"), "{stdout}");
    // The event table's notes are not cut to a few letters: too narrow a
    // column, and each goes whole under its row. The footer still names
    // `timeline --all`.
    assert!(
        stdout.contains("\n          permit acquired: connecting (10 tasks)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(`timeline --all` shows every one)"),
        "{stdout}"
    );
    // A lesson note's paragraph reads as one wrapped paragraph: no short
    // line left where the lesson's own line ended.
    assert!(
        stdout.contains(
            "A port waiting on a permit has not been spawned yet: the\n    loop acquires a permit"
        ),
        "{stdout}"
    );
}

#[test]
fn a_wall_of_pasted_text_is_not_echoed_back_whole() {
    let wall = "x".repeat(5000);
    let out = run_with_input(&[], &format!("{wall}\nopen 1\nprev\nprev\n"));
    let said = text(&out.stderr);
    assert!(said.len() < 300, "{said}");
    assert!(said.contains("unknown command 'xxxx"), "{said}");
    // `prev` at the first cell stays there.
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.matches("Already at the first cell.").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn small_things_a_newcomer_tries_answer_sensibly() {
    let workspace = std::env::temp_dir().join(format!("asynclab-restore-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&workspace);
    let mut cmd = bin();
    cmd.env("ASYNCLAB_WORKSPACE", &workspace)
        // NO_COLOR wins over CLICOLOR_FORCE (no-color.org).
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1");
    let out = feed(cmd, "open rate-limit\nrestore\nhelp exit\nrun\n");
    let stdout = text(&out.stdout);
    // `restore` before any `edit`: nothing to restore, and no error.
    assert!(stdout.contains("no copy yet: `edit` makes one"), "{stdout}");
    assert!(
        !text(&out.stderr).contains("cannot write"),
        "{}",
        text(&out.stderr)
    );
    // `exit` is `quit` to `help` too.
    assert!(stdout.contains("Leaves asynclab."), "{stdout}");
    assert!(
        !stdout.contains('\x1b'),
        "colour despite NO_COLOR: {stdout:?}"
    );
    let _ = std::fs::remove_dir_all(&workspace);
}

/// What clap quotes back from a bad command line, and what `help` and
/// `ask` quote back from a bad argument, is escaped: no ESC, C1 control
/// or bidi override reaches the terminal.
#[test]
fn bad_arguments_are_quoted_back_escaped() {
    let hostile = "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{9b}31m\u{202e}";
    let raw = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.contains('\u{1b}')
            || text.contains('\u{9b}')
            || text.contains('\u{202e}')
            || text.contains('\u{7}')
    };
    for args in [
        vec!["run", "port-check", "--seed", hostile],
        vec!["port-check", "--count", hostile],
        vec![hostile],
    ] {
        let out = bin().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!raw(&out.stderr), "{args:?}: {:?}", text(&out.stderr));
        assert!(!raw(&out.stdout), "{args:?}: {:?}", text(&out.stdout));
    }
    let out = run_with_input(
        &[],
        &format!("help {hostile}\nopen port-check\nask {hostile}\n"),
    );
    assert!(!raw(&out.stdout), "{:?}", text(&out.stdout));
    assert!(!raw(&out.stderr), "{:?}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("no command '\\e]52"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn help_and_the_lists_keep_inside_a_narrow_window() {
    let mut input = String::from("help\nlessons\nopen rate-limit\nparams\n");
    for command in asynclab::command::COMMANDS {
        input.push_str(&format!("help {}\n", command.name));
    }
    let out = run_with_input(&["--width", "50"], &input);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let wide: Vec<&str> = stdout
        .lines()
        .filter(|l| unicode_width::UnicodeWidthStr::width(*l) > 50)
        .collect();
    assert!(wide.is_empty(), "lines over 50 columns: {wide:#?}");
    // Too narrow for a column of titles: each goes under its row.
    assert!(
        stdout.contains("\n    Capping requests in flight with a Semaphore\n"),
        "{stdout}"
    );
}

#[test]
fn a_guess_is_read_as_the_kind_of_value_its_metric_holds() {
    let out = run_with_input(
        &[],
        "open await\npredict totl 300ms\npredict total 543\npredict peak_in_flight 100ms\npredict total 520ms\nrun\n",
    );
    let said = text(&out.stderr);
    // A typo is not taken for a demo's own metric.
    assert!(
        said.contains("unknown metric 'totl' (did you mean 'total'?)"),
        "{said}"
    );
    // A bare number for a time would be nanoseconds: refused, with how.
    assert!(
        said.contains("total is a time: give '543' a unit, like 543ms or 543s"),
        "{said}"
    );
    assert!(
        said.contains("peak_in_flight is a count, not a time"),
        "{said}"
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("prediction: total = 520ms, measured 543ms: your guess held"),
        "{stdout}"
    );
    // A demo's own metric, guessed before the lesson's first run (as its
    // `ask` cells do), and one no run measures.
    let out = run_with_input(
        &[],
        "open channels
predict send_waits 13
predict send_wait 13
run
",
    );
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("prediction: send_waits = 13, measured 13: your guess held"),
        "{stdout}"
    );
    assert!(
        stdout.contains("prediction: send_wait: this run measured no such metric"),
        "{stdout}"
    );
}

#[test]
fn export_and_compare_refuse_what_would_mislead() {
    let dir = std::env::temp_dir().join(format!("asynclab-export-name-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut cmd = bin();
    cmd.current_dir(&dir);
    let out = feed(
        cmd,
        "open await\nrun\nexport a\u{7}b.json\nexport \u{202e}nosj.json\ncompare latency=10ms,,20ms\n",
    );
    let said = text(&out.stderr);
    // A file name that would drive the terminal of whoever lists the
    // folder is refused, and nothing is written.
    assert_eq!(
        said.matches("holds a control character or a bidirectional override")
            .count(),
        2,
        "{said}"
    );
    let written: Vec<_> = std::fs::read_dir(&dir).expect("read").collect();
    assert!(written.is_empty(), "{written:?}");
    // `1,,2` is not silently run as two values.
    assert!(
        said.contains("has an empty value between its commas"),
        "{said}"
    );
    assert!(
        !text(&out.stdout).contains("compare latency"),
        "{}",
        text(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_lesson_from_elsewhere_is_reproduced_from_its_folder() {
    let dir = std::env::temp_dir().join(format!("asynclab-elsewhere-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lesson = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/lessons/01-port-check.md"
    ))
    .expect("lesson")
    .replace("id: port-check", "id: my-scan");
    let file = dir.join("01-my-scan.md");
    std::fs::write(&file, lesson).expect("write");
    let out = bin().arg("replay").arg(&file).output().expect("replays");
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("reproduce: "))
        .unwrap_or_else(|| panic!("no reproducer in {stdout}"));
    let command = line.trim_start_matches("reproduce: ");
    assert_eq!(
        command,
        format!("asynclab --lessons {} run my-scan", dir.display())
    );
    // Pasted in another folder, it finds the lesson and runs it.
    let shell = Command::new("sh")
        .arg("-c")
        .arg(command.replacen("asynclab", env!("CARGO_BIN_EXE_asynclab"), 1))
        .current_dir(std::env::temp_dir())
        .output()
        .expect("sh runs");
    assert!(shell.status.success(), "{}", text(&shell.stderr));
    assert_eq!(metric(&text(&shell.stdout), "open_ports"), 5);
    // Named relative, the folder is still named absolute: the line works
    // from anywhere.
    let out = bin()
        .args(["replay", "01-my-scan.md"])
        .current_dir(&dir)
        .output()
        .expect("replays");
    assert!(text(&out.stdout).contains(line), "{}", text(&out.stdout));
    // A `./lessons` laid over the built-ins, its port-check changed: the
    // line names that folder, or elsewhere it would run the built-in one.
    let overlay = dir.join("lessons");
    std::fs::create_dir_all(&overlay).expect("overlay");
    let changed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/lessons/01-port-check.md"
    ))
    .expect("lesson")
    .replace("concurrency: 10", "concurrency: 7");
    std::fs::write(overlay.join("01-port-check.md"), changed).expect("write");
    let out = bin()
        .args(["run", "port-check"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert!(
        text(&out.stdout).contains(&format!(
            "reproduce: asynclab --lessons {} run port-check",
            overlay.display()
        )),
        "{}",
        text(&out.stdout)
    );
    // Two files of one folder with one id: `--lessons` would find the
    // first, so replaying the second gives no line rather than a wrong one.
    let twins = dir.join("twins");
    std::fs::create_dir_all(&twins).expect("twins");
    let lesson =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/03-await.md"))
            .expect("lesson");
    std::fs::write(twins.join("a.md"), lesson.replace("count: ", "count: 1")).expect("a");
    std::fs::write(twins.join("b.md"), lesson.replace("count: ", "count: 2")).expect("b");
    let out = bin()
        .arg("replay")
        .arg(twins.join("b.md"))
        .output()
        .expect("replays");
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("reproduce: asynclab"), "{stdout}");
    assert!(
        stdout.contains("no shell line can reproduce this run"),
        "{stdout}"
    );
    // A built-in lesson, word for word, needs no folder.
    let out = bin()
        .args([
            "replay",
            concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/01-port-check.md"),
        ])
        .output()
        .expect("replays");
    assert!(
        text(&out.stdout).contains("\nreproduce: asynclab run port-check\n"),
        "{}",
        text(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn folder_names_from_the_command_line_reach_the_terminal_escaped() {
    let base = std::env::temp_dir().join(format!("asynclab-esc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("temp dir");
    std::fs::write(base.join("file"), "").expect("a file");
    let lesson = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/03-await.md");
    let raw = |out: &std::process::Output| {
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        (all.contains('\u{1b}') || all.contains('\u{7}')).then_some(all)
    };
    // Written: the folder is named, escaped, in "exported to".
    let out = bin()
        .args(["replay", lesson, "--export"])
        .arg(base.join("exp\u{1b}]0;X\u{7}"))
        .output()
        .expect("replays");
    assert_eq!(raw(&out), None);
    assert!(
        text(&out.stdout).contains("exp\\e]0;X\\u{7}/await-01."),
        "{}",
        text(&out.stdout)
    );
    // Not writable (under a file): the cell's error quotes it escaped.
    let out = bin()
        .args(["replay", lesson, "--export"])
        .arg(base.join("file").join("x\u{1b}[2J"))
        .output()
        .expect("replays");
    assert_eq!(raw(&out), None);
    assert!(
        format!("{}{}", text(&out.stdout), text(&out.stderr)).contains("cannot create"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&base);
}
