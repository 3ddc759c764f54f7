//! The binary as a learner uses it: piped sessions, replay, the one-shot
//! forms, bad input, and Ctrl-C.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;

/// Real-clock lab runs see every listener on loopback, including another
/// test's: run them one at a time.
static LOOPBACK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    LOOPBACK.lock().unwrap_or_else(|e| e.into_inner())
}

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
    let other_seed = run_with_input(&[], "open port-check\nset count 200\nset seed 7\nrun\n");
    assert_ne!(
        text(&other_seed.stdout).lines().last(),
        text(&a.stdout).lines().last()
    );
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
fn every_lesson_replays_and_passes_its_checks() {
    let out = bin()
        .args(["replay", "--check"])
        .args(lesson_files())
        .output()
        .expect("replay");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, text(&out.stderr));
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with(" 0 failed"), "{last}");
    assert!(!stdout.lines().any(|l| l.starts_with("✗ ")), "{stdout}");
}

fn lesson_files() -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
        .expect("lessons/")
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".md"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    files
}

#[test]
fn a_wrong_expectation_fails_with_its_file_and_line() {
    let dir = std::env::temp_dir().join(format!("asynclab-wrong-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("wrong.md");
    let lesson = "---\nid: wrong\ntitle: Wrong\ndemo: rate-limit\nparams: { count: 6 }\n---\nText.\n```asynclab\nrun\nexpect peak_in_flight == 4\nexpect peak_in_flight == concurrency\n```\n";
    fs::write(&file, lesson).expect("write lesson");
    let out = bin()
        .args(["replay", "--check"])
        .arg(&file)
        .output()
        .expect("replay");
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let want = format!(
        "FAILED {}:10: expectation failed: expect peak_in_flight == 4: measured 3, expected 4",
        file.display()
    );
    assert!(stderr.lines().any(|l| l == want), "{stderr}");
    assert!(text(&out.stdout).contains("1 expectations held, 1 failed"));
    // Without --check the same replay reports but exits 0.
    let lenient = bin()
        .arg("replay")
        .arg(lesson_files()[0].clone())
        .output()
        .expect("replay");
    assert!(lenient.status.success());
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
            "error: no explain topic 'nosuch' in this lesson; it has: permit-wait, io-wait",
        ),
        (
            "show stuff",
            "error: cannot show 'stuff': usage `show code`",
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
fn broken_lesson_files_are_reported_not_fatal() {
    let dir = std::env::temp_dir().join(format!("asynclab-broken-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    fs::write(
        dir.join("01-good.md"),
        "---\nid: good\ntitle: Good\ndemo: select\n---\nHi.\n",
    )
    .expect("write");
    fs::write(
        dir.join("02-bad.md"),
        "---\nid: bad\ntitle: Bad\ndemo: slect\n---\n",
    )
    .expect("write");
    fs::write(dir.join("03-binary.md"), [0xff, 0xfe, 0x00, 0x01]).expect("write");
    let out = run_with_input(
        &["--lessons", dir.to_str().expect("utf-8 path")],
        "lessons\nopen bad\nopen 3\nopen good\nnext\n",
    );
    let _ = fs::remove_dir_all(&dir);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success());
    assert!(stdout.contains("broken: "), "{stdout}");
    assert!(
        stderr.contains("02-bad.md:4: unknown demo 'slect' (did you mean 'select'?)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("03-binary.md:1: not valid UTF-8 text"),
        "{stderr}"
    );
    assert!(stdout.contains("Hi."), "{stdout}");
}

#[test]
fn show_code_prints_the_demo_source_that_runs() {
    let out = run_with_input(&[], "open rate-limit\nshow code\n");
    let stdout = text(&out.stdout);
    let source = include_str!("../src/demo/rate_limit.rs");
    assert!(
        stdout.contains(source),
        "show code must print the module verbatim"
    );
}

#[test]
fn real_clock_port_check_finds_the_lab_listeners() {
    let _one_at_a_time = exclusive();
    let out = bin()
        .args(["port-check", "--clock", "real", "--count", "50"])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    // 50 ports: the lab opens 5 listeners and 45 known-closed ports.
    assert_eq!(summary_values(&stdout, "open_ports"), ["5"], "{stdout}");
    assert_eq!(summary_values(&stdout, "closed_ports"), ["45"], "{stdout}");
    assert_eq!(
        summary_values(&stdout, "peak in flight"),
        ["10"],
        "{stdout}"
    );
}

#[test]
fn real_clock_http_fetch_against_the_lab() {
    let _one_at_a_time = exclusive();
    let out = bin()
        .args(["http-fetch", "--clock", "real"])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    // The same seeded plan as the virtual run: 8 ok, one 404/500, 3 too slow.
    let tasks = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("tasks "))
        .unwrap_or_default();
    assert!(
        tasks.contains("12: 8 completed, 1 failed, 3 timed out"),
        "{stdout}"
    );
    assert!(
        stdout.contains("HTTP 404") || stdout.contains("HTTP 500"),
        "{stdout}"
    );
}

#[test]
fn explicit_urls_outside_loopback_are_refused() {
    let out = bin()
        .args([
            "http-fetch",
            "--urls",
            "http://10.255.255.1/,http://127.0.0.1:9/",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: the demo could not start: refusing to touch 10.255.255.1: it is not on this \
         machine's loopback (127.0.0.0/8 or ::1). Scan only what you own; start asynclab with \
         --allow-external to target other hosts"
    );
}

#[test]
fn ctrl_c_cancels_a_real_run_and_the_session_goes_on() {
    let mut child = bin()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start asynclab");
    let mut stdin = child.stdin.take().expect("stdin");
    // 20 requests of ~5 s each, 3 at a time: about 35 s if not cancelled.
    stdin
        .write_all(b"open rate-limit\nset clock real\nset latency 5s\nrun\n")
        .expect("write");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "asynclab ended early: {seen}"
        );
        seen.push_str(&line);
        if line.contains("Ctrl-C cancels") {
            break;
        }
    }
    // Let the demo spawn its tasks (it takes microseconds; a loaded CI
    // machine gets a wide margin) before pressing Ctrl-C.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    stdin
        .write_all(b"where\ntimeline --all\nquit\n")
        .expect("write");
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("read the rest");
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "{rest}");
    assert!(rest.contains("cancelled by Ctrl-C at"), "{rest}");
    assert!(
        rest.contains("Ctrl-C: the run was cancelled, this task dropped"),
        "{rest}"
    );
    assert!(
        rest.contains("20 cancelled"),
        "every request was in flight or queued: {rest}"
    );
    // The session answered the command typed after the cancelled run.
    assert!(rest.contains("last run: "), "{rest}");
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
fn lesson_progress_survives_a_restart_and_replay_never_touches_it() {
    let state = std::env::temp_dir().join(format!("asynclab-progress-test-{}", std::process::id()));
    let _ = fs::remove_dir_all(&state);
    let session = |input: &str| {
        let mut cmd = bin();
        cmd.env("ASYNCLAB_STATE_DIR", &state)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = cmd.spawn().expect("start");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
        text(&child.wait_with_output().expect("runs").stdout)
    };
    // Finish the select lesson: every cell.
    let first = session(&format!("open select\n{}", "next\n".repeat(5)));
    assert!(first.contains("✓ lesson 'select' finished"), "{first}");
    // A new session remembers it.
    let second = session("lessons\n");
    let row = second
        .lines()
        .find(|l| l.contains(" select "))
        .unwrap_or_default();
    assert!(row.trim_start().starts_with('✓'), "{second}");
    assert!(state.join("progress.json").is_file());
    // reset progress forgets it.
    let third = session("reset progress\nlessons\n");
    let row = third
        .lines()
        .rfind(|l| l.contains(" select "))
        .unwrap_or_default();
    assert!(!row.trim_start().starts_with('✓'), "{third}");

    // replay runs every cell but keeps no progress.
    let replay_state = state.join("replay");
    let out = bin()
        .env("ASYNCLAB_STATE_DIR", &replay_state)
        .args(["replay", "lessons/09-select.md"])
        .output()
        .expect("replay");
    assert!(out.status.success());
    assert!(!replay_state.exists(), "replay wrote progress");
    let _ = fs::remove_dir_all(&state);
}

#[test]
fn replay_as_a_tool_injects_parameters_and_speaks_json() {
    let dir = std::env::temp_dir().join(format!("asynclab-replay-export-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let out = bin()
        .args([
            "replay",
            "lessons/10-rate-limit.md",
            "--format",
            "json",
            "--set",
            "concurrency=4",
            "--seed",
            "7",
            "--export",
        ])
        .arg(&dir)
        .output()
        .expect("replay");
    let stdout = text(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let runs: Vec<&serde_json::Value> = lines.iter().filter(|l| l["type"] == "run").collect();
    assert_eq!(runs.len(), 2, "{stdout}");
    // Injected before the first run; the lesson's own `set` wins after it.
    assert_eq!(runs[0]["params"]["concurrency"], "4");
    assert_eq!(runs[0]["params"]["seed"], "7");
    assert_eq!(runs[0]["metrics"]["peak_in_flight"], 4);
    assert_eq!(runs[1]["params"]["concurrency"], "10");
    // The lesson's own claim about 3 permits fails with concurrency 4.
    let lesson = fs::read_to_string("lessons/10-rate-limit.md").expect("lesson");
    let line = lesson
        .lines()
        .position(|l| l == "expect peak_in_flight == 3")
        .expect("the claim")
        + 1;
    let at = format!("lessons/10-rate-limit.md:{line}");
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "error" && l["at"] == at.as_str()),
        "{stdout}"
    );
    assert_eq!(
        lines.last().map(|l| l["type"].clone()),
        Some("summary".into())
    );
    for ext in ["json", "trace.json", "svg", "html"] {
        assert!(
            dir.join(format!("rate-limit-01.{ext}")).is_file(),
            "missing rate-limit-01.{ext}"
        );
        assert!(
            dir.join(format!("rate-limit-02.{ext}")).is_file(),
            "missing rate-limit-02.{ext}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_stops_a_replay_with_status_130() {
    let dir = std::env::temp_dir().join(format!("asynclab-replay-ctrl-c-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("slow.md");
    let lesson = "---\nid: slow\ntitle: Slow\ndemo: rate-limit\n---\n```asynclab\nset clock real\nset latency 5s\nrun\nexpect completed == 20\n```\nNever reached.\n";
    fs::write(&file, lesson).expect("write");
    let mut child = bin()
        .args(["replay", "--check"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while !line.contains("Ctrl-C cancels") {
        line.clear();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "replay ended before the run"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("read");
    let out = child.wait_with_output().expect("wait");
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(130), "{rest}");
    assert!(rest.contains("cancelled by Ctrl-C"), "{rest}");
    assert!(
        !rest.contains("Never reached."),
        "the replay stopped: {rest}"
    );
    assert!(text(&out.stderr).contains("replay stopped: Ctrl-C"));
}

/// The state letter of a process (`Z`: a zombie, dead but not yet reaped
/// by its new parent), or None when it is gone.
fn process_state(pid: u32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(") ").next()?.chars().next()
}

#[test]
fn no_child_outlives_asynclab_whatever_signal_ends_it() {
    for signal in [
        rustix::process::Signal::KILL,
        rustix::process::Signal::TERM,
        rustix::process::Signal::HUP,
    ] {
        let mut child = bin()
            .args([
                "run",
                "process",
                "--set",
                "count=5",
                "--set",
                "timeout=5s",
                "--set",
                "latency=2s",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start");
        let me = child.id();
        // Wait (at most 10 s) for the five `sleep` children to be running.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let kids = loop {
            let out = Command::new("pgrep")
                .args(["-P", &me.to_string(), "sleep"])
                .output();
            let kids: Vec<u32> = out
                .map(|o| {
                    text(&o.stdout)
                        .lines()
                        .filter_map(|l| l.trim().parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            if kids.len() == 5 || std::time::Instant::now() > deadline {
                break kids;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(kids.len(), 5, "the demo started its children");
        let pid = rustix::process::Pid::from_raw(me as i32).expect("pid");
        rustix::process::kill_process(pid, signal).expect("signal");
        let _ = child.wait();
        std::thread::sleep(std::time::Duration::from_millis(300));
        for kid in kids {
            let state = process_state(kid);
            assert!(
                matches!(state, None | Some('Z')),
                "{signal:?}: child {kid} still runs (state {state:?})"
            );
        }
    }
}
