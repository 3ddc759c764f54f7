//! The exercise loop, driven through the real binary: the learner's code
//! built in a workspace, run as a child process, drawn on the timeline and
//! graded by what its tasks did.
//!
//! Every test shares one workspace (and so one cargo target directory)
//! under cargo's temporary directory: the first build compiles tokio once,
//! the rest take about a second. The tests edit the learner's files in it,
//! so they take turns.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use asynclab::exercise::EXERCISES;
use common::{summary_values, text};

fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exercise-workspace")
}

fn state_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exercise-state")
}

fn bin() -> Command {
    let mut cmd = common::bin();
    cmd.env("ASYNCLAB_WORKSPACE", workspace())
        .env("ASYNCLAB_STATE_DIR", state_dir())
        .env_remove("VISUAL")
        .env_remove("EDITOR");
    cmd
}

fn run(args: &[&str], input: &str) -> Output {
    let mut cmd = bin();
    cmd.args(args);
    common::feed(cmd, input)
}

fn both(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

fn exercise_file(name: &str) -> PathBuf {
    workspace()
        .join("exercises")
        .join(format!("{}.rs", name.replace('-', "_")))
}

/// Writes the exercise source to a scratch file for `asynclab check`.
fn scratch(name: &str, which: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exercise-files");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(format!("{name}.{which}.rs"));
    std::fs::write(&path, text).expect("write scratch file");
    path
}

#[test]
fn every_starter_fails_check_and_every_solution_passes() {
    let _turn = exclusive();
    assert!(
        EXERCISES.len() >= 12,
        "the curriculum has at least 12 exercises"
    );
    for e in EXERCISES {
        let said = checked(e.name, "starter", e.starter, 1);
        assert!(
            said.contains(&format!("FAILED {}", e.name)),
            "{}: the starter compiles and is graded, not rejected:\n{said}",
            e.name
        );
        assert!(!said.contains("does not compile"), "{}:\n{said}", e.name);
        let said = checked(e.name, "solution", e.solution, 0);
        assert!(
            said.contains(&format!("PASSED {}", e.name)),
            "{}:\n{said}",
            e.name
        );
    }
}

/// Answers that look right and are not fail: the grading is by behaviour,
/// not by whether the code compiles.
#[test]
fn near_misses_fail_check() {
    let _turn = exclusive();
    let exercise = |name: &str| {
        EXERCISES
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no exercise {name}"))
    };
    // `Skip` keeps the grid: after the slow re-scan its next tick comes
    // 0.3 of a period after the late one, a burst. (`Burst` is the
    // starter's default, failed above.)
    let skip = exercise("steady-rescan")
        .solution
        .replace("MissedTickBehavior::Delay", "MissedTickBehavior::Skip");
    let said = checked("steady-rescan", "skip", &skip, 1);
    assert!(said.contains("✗ expect bursts == 0"), "{said}");
}

/// `asynclab check NAME` of `code` (saved as a scratch file), which must
/// exit with `status`; returns what it said.
fn checked(name: &str, label: &str, code: &str, status: i32) -> String {
    let file = scratch(name, label, code);
    let out = run(&["check", name, file.to_str().expect("utf-8 path")], "");
    let said = both(&out);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{name} ({label}) must exit {status}:\n{said}"
    );
    said
}

#[test]
fn a_learner_removes_the_semaphore_from_lesson_one_and_sees_every_port_in_flight() {
    let _turn = exclusive();
    let copy = workspace().join("demos").join("port_check.rs");
    let _ = std::fs::remove_file(&copy);
    let out = run(&[], "open port-check\nedit\n");
    assert!(
        text(&out.stdout).contains(&copy.display().to_string()),
        "{}",
        both(&out)
    );
    let original = std::fs::read_to_string(&copy).expect("edit wrote the copy");
    assert_eq!(
        original,
        asynclab::demo::find("port-check")
            .expect("demo")
            .info()
            .source,
        "the first copy is exactly what `show code --all` shows"
    );

    // What a learner does in the editor: delete the acquire and the permit.
    let edited = original
        .replace(
            "            let Ok(permit) = permits.clone().acquire_owned().await else {\n                break;\n            };\n",
            "",
        )
        .replace("                let _permit = permit; // released when this task ends\n", "");
    assert_ne!(
        edited, original,
        "the demo still acquires a permit where the test expects"
    );
    std::fs::write(&copy, edited).expect("edit the copy");

    let out = run(&[], "open port-check\nrun\ndiff\nrestore\nrun\n");
    let said = text(&out.stdout);
    assert!(out.status.success(), "{}", both(&out));
    let peaks = summary_values(&said, "peak in flight");
    assert_eq!(
        peaks,
        ["40", "10"],
        "yours: all 40 ports at once; restored: the limit, 10\n{said}"
    );
    assert_eq!(said.matches("· your version (").count(), 1, "{said}");
    assert!(
        said.contains("-            let Ok(permit) = permits.clone().acquire_owned().await else {"),
        "diff shows the deleted line:\n{said}"
    );
    assert!(
        said.contains("is the original demo (`run` runs the built-in one) again")
            && said.contains("your version is kept as"),
        "{said}"
    );
}

#[test]
fn the_exercise_loop_in_the_repl_check_fails_hints_solution_then_passes() {
    let _turn = exclusive();
    let _ = std::fs::remove_dir_all(state_dir());
    let _ = std::fs::remove_file(exercise_file("bound-scan"));
    let e = asynclab::exercise::catalog::find("bound-scan").expect("exercise");

    let out = run(
        &[],
        "exercise bound-scan\nsolution\ncheck\nhint\nhint\nhint\nhint\nsolution\n",
    );
    let said = both(&out);
    assert!(
        said.contains("exercise bound-scan: keep at most `concurrency` checks in flight"),
        "{said}"
    );
    assert!(
        said.contains("try first: `check` your code"),
        "no solution before a failed check:\n{said}"
    );
    assert!(
        said.contains("✗ expect peak_in_flight == concurrency"),
        "{said}"
    );
    assert!(
        said.contains("measured 40, expected 3"),
        "the failure shows the measured number:\n{said}"
    );
    assert!(
        said.contains("hint 1/3") && said.contains("hint 3/3"),
        "{said}"
    );
    assert!(
        said.contains(e.solution),
        "after a failed check, `solution` prints it:\n{said}"
    );
    assert_eq!(
        std::fs::read_to_string(exercise_file("bound-scan")).expect("starter written"),
        e.starter
    );

    // The learner writes a correct answer (their own words: the reference).
    std::fs::write(exercise_file("bound-scan"), e.solution).expect("write answer");
    let out = run(
        &[],
        "exercise bound-scan\ncheck\nrun\nexercises\nsolution\nnext\nnext\nwhere\n",
    );
    let said = both(&out);
    assert!(said.contains("PASSED bound-scan"), "{said}");
    // A pass opens the solution too: they have tried.
    assert!(
        !said.contains("try first") && said.contains("a reference solution of bound-scan"),
        "{said}"
    );
    // The lesson's own cells run its demo with its parameters, so its
    // expectations hold; the exercise stays active for `run` and `check`.
    assert!(
        said.contains("the lesson's cells run its demo with its parameters"),
        "{said}"
    );
    assert!(
        said.contains("✓ expect waits == 30") && !said.contains("✗ built-in:"),
        "{said}"
    );
    assert!(said.contains("exercise: bound-scan"), "{said}");
    // The header wraps at the output width, and the file's path is in it:
    // where it breaks depends on where the workspace is.
    assert!(
        said.contains("run bound-scan") && said.contains("your bound-scan ("),
        "run header names the learner's code:\n{said}"
    );
    // Starting the exercise set check's first parameters (concurrency 3,
    // not the lesson's 10), so `run` shows what is graded.
    assert!(
        said.contains("parameters set as in check's first run: count=40 concurrency=3"),
        "{said}"
    );
    assert_eq!(
        summary_values(&text(&out.stdout), "peak in flight")[0],
        "3",
        "run uses the graded parameters"
    );
    assert!(
        said.lines().any(|l| l.starts_with("✓ bound-scan")),
        "passing marks it done:\n{said}"
    );
}

#[test]
fn compile_errors_panics_and_plain_tokio_code_all_reach_the_timeline_not_the_repl() {
    let _turn = exclusive();
    let file = exercise_file("bound-scan");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");

    std::fs::write(
        &file,
        "pub async fn run(ctx: Ctx) -> Result<(), DemoError> { nope }\n",
    )
    .expect("write");
    let out = run(&[], "exercise bound-scan\nrun\nparams\n");
    let said = both(&out);
    assert!(
        said.contains("error"),
        "rustc's diagnostics are shown:\n{said}"
    );
    assert!(
        said.contains(&format!("{}:1:", file.display())),
        "with a path the learner can open:\n{said}"
    );
    assert!(
        said.contains("does not compile: fix the errors above"),
        "{said}"
    );
    assert!(
        said.contains("concurrency"),
        "the session goes on after the error:\n{said}"
    );

    // Plain tokio, no recording calls, one task panics: lanes still appear.
    std::fs::write(
        &file,
        "use asynclab_kit::{Ctx, DemoError};\n\
         pub async fn run(_ctx: Ctx) -> Result<(), DemoError> {\n\
             let a = tokio::spawn(async { tokio::time::sleep(std::time::Duration::from_millis(30)).await });\n\
             let b = tokio::spawn(async { panic!(\"boom\") });\n\
             println!(\"hello from the learner\");\n\
             let _ = a.await;\n\
             let _ = b.await;\n\
             Ok(())\n\
         }\n",
    )
    .expect("write");
    let out = run(&[], "exercise bound-scan\nrun\n");
    let said = both(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("task@bound_scan.rs:3"),
        "a spawned task gets a lane named by its spawn site:\n{said}"
    );
    assert!(said.contains("panicked: boom"), "{said}");
    assert!(
        said.contains("hello from the learner"),
        "what the program printed is shown:\n{said}"
    );
    assert_eq!(
        summary_values(&text(&out.stdout), "total"),
        ["30ms"],
        "{said}"
    );
}

#[test]
fn ctrl_c_kills_a_blocked_program_and_keeps_the_session() {
    use std::io::Write;
    let _turn = exclusive();
    let file = exercise_file("bound-scan");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    // A learner's `std::thread::sleep` in async code: the runtime is stuck.
    std::fs::write(
        &file,
        "use asynclab_kit::{Ctx, DemoError};\n\
         pub async fn run(ctx: Ctx) -> Result<(), DemoError> {\n\
             let t = ctx.rec.task(\"sleeper\");\n\
             t.started(\"about to block the thread\");\n\
             std::thread::sleep(std::time::Duration::from_secs(60));\n\
             Ok(())\n\
         }\n",
    )
    .expect("write");
    let mut child = bin()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"exercise bound-scan\nrun\n")
        .expect("write");
    // Read stdout as it comes: Ctrl-C once the run (not the build) started.
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while !seen
        .iter()
        .any(|l: &String| l.starts_with("run bound-scan"))
    {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("the run never started:\n{}", seen.join("\n")));
        seen.push(line);
    }
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("SIGINT");
    std::thread::sleep(Duration::from_millis(500));
    stdin
        .write_all(b"params\n")
        .expect("the session still reads");
    drop(stdin);
    let status = child.wait().expect("exits");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "Ctrl-C did not wait out the sleep"
    );
    reader.join().expect("reader");
    seen.extend(lines.try_iter());
    let said = seen.join("\n");
    assert!(status.success(), "{said}");
    assert!(
        said.contains("sleeper"),
        "the partial timeline is kept:\n{said}"
    );
    assert!(said.contains("Ctrl-C: the run was cancelled"), "{said}");
    assert!(said.contains("concurrency"), "the session went on:\n{said}");
    let survivors = Command::new("pgrep").args(["-f", "ex-bound-scan"]).output();
    if let Ok(p) = survivors {
        assert!(
            text(&p.stdout).trim().is_empty(),
            "no learner program survives: {}",
            text(&p.stdout)
        );
    }
}

#[test]
fn the_command_line_lists_prints_and_refuses_clearly() {
    let out = run(&["exercises"], "");
    let said = text(&out.stdout);
    for e in EXERCISES {
        assert!(
            said.lines()
                .any(|l| l.trim_start_matches(['✓', '▶', ' ']).starts_with(e.name)),
            "{} listed, name first:\n{said}",
            e.name
        );
    }
    let out = run(&["starter", "bound-scan"], "");
    assert_eq!(text(&out.stdout), EXERCISES[0].starter);
    let out = run(&["solution", "bound-scan"], "");
    assert_eq!(text(&out.stdout), EXERCISES[0].solution);
    let out = run(&["check", "bound-scna"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean 'bound-scan'?"),
        "{}",
        both(&out)
    );
    let out = run(&["check", "bound-scan", "/nonexistent/file.rs"], "");
    assert_eq!(out.status.code(), Some(2), "{}", both(&out));
    let out = run(&["starter", "nope"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hard_coded_answers_and_near_misses_fail() {
    let _turn = exclusive();
    let find = |name| asynclab::exercise::catalog::find(name).expect("exercise");
    let cases = [
        // Tuned to the first parameter set: the grid's second one catches it.
        (
            "bound-scan",
            "hard-coded",
            "peak_in_flight == concurrency",
            find("bound-scan")
                .solution
                .replace("Semaphore::new(concurrency)", "Semaphore::new(3)"),
        ),
        // Batches: a JoinSet drained whenever it holds `concurrency`
        // tasks reaches the peak but idles slots while the slowest of
        // each batch finishes.
        (
            "bound-scan",
            "batches",
            "steady_in_flight >= concurrency * 0.95",
            find("bound-scan").starter.replace(
                "        checks.spawn(async move {",
                "        if checks.len() == concurrency {\n            while checks.join_next().await.is_some() {}\n        }\n        checks.spawn(async move {",
            ),
        ),
        // The same with a stream: chunks of `concurrency`, each joined.
        (
            "buffer-unordered",
            "chunks",
            "steady_in_flight >= concurrency * 0.95",
            find("buffer-unordered").solution.replace(
                ".buffer_unordered(concurrency)",
                ".chunks(concurrency).then(futures::future::join_all).flat_map(stream::iter)",
            ),
        ),
        // The loser is dropped, so it ends cancelled, but 500 ms after the
        // race was decided.
        (
            "first-mirror",
            "late-drop",
            "loser_kept_ms == 0",
            find("first-mirror").solution.replace(
                "            let winner = tokio::select! {\n                () = primary => \"primary\",\n                () = mirror => \"mirror\",\n            };\n",
                "            let (mut primary, mut mirror) = (Box::pin(primary), Box::pin(mirror));\n            let winner = tokio::select! {\n                () = &mut primary => \"primary\",\n                () = &mut mirror => \"mirror\",\n            };\n            time::sleep(Duration::from_millis(500)).await;\n",
            ),
        ),
        // Spawned steps and `try_join!` on their handles: it returns at
        // the failure, but the other steps run on and finish.
        (
            "fail-fast",
            "spawn-leak",
            "cancelled == 2",
            find("fail-fast").solution.replace(
                "tokio::try_join!(ports, services, vulns)",
                "tokio::try_join!(leak(ports), leak(services), leak(vulns))",
            ) + "\nfn leak(\n    step: impl Future<Output = Result<(), String>> + Send + 'static,\n) -> impl Future<Output = Result<(), String>> {\n    let handle = tokio::spawn(step);\n    async move { handle.await.map_err(|e| e.to_string()).and_then(|r| r) }\n}\n",
        ),
        // `tokio::spawn` moves the parse to another task, not off the
        // runtime's one thread: the heartbeat still stalls.
        (
            "offload-parse",
            "tokio-spawn",
            "heartbeat_gap_ms < 40",
            find("offload-parse").solution.replace(
                "tokio::task::spawn_blocking(move || parse_report(work))",
                "tokio::spawn(async move { parse_report(work) })",
            ),
        ),
    ];
    for (name, label, caught, code) in cases {
        assert_ne!(
            code,
            find(name).solution,
            "{name}: the variant differs from the solution"
        );
        let said = checked(name, label, &code, 1);
        assert!(said.contains(&format!("FAILED {name}")), "{said}");
        assert!(
            said.contains(&format!("✗ expect {caught} ")),
            "{name} ({label}): `{caught}` catches it:\n{said}"
        );
    }
}

/// Pids of processes whose command line is exactly `cmd` (from /proc).
fn pids_running(cmd: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let line = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let line = String::from_utf8_lossy(&line).replace('\0', " ");
        let state = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rsplit(") ")
            .next()
            .is_some_and(|s| s.starts_with('Z'));
        if line.trim() == cmd && !zombie {
            found.push(pid);
        }
    }
    found
}

#[test]
fn what_a_learners_program_starts_dies_with_asynclab() {
    use std::io::Write;
    let _turn = exclusive();
    let file = exercise_file("bound-scan");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    for (signal, secs) in [
        (rustix::process::Signal::KILL, 317),
        (rustix::process::Signal::TERM, 318),
    ] {
        // The program starts a process of its own, then blocks its thread.
        std::fs::write(
            &file,
            format!(
                "use asynclab_kit::{{Ctx, DemoError}};\n\
                 pub async fn run(_ctx: Ctx) -> Result<(), DemoError> {{\n\
                     let _child = std::process::Command::new(\"sleep\").arg(\"{secs}\").spawn();\n\
                     std::thread::sleep(std::time::Duration::from_secs(60));\n\
                     Ok(())\n\
                 }}\n"
            ),
        )
        .expect("write");
        let mut child = bin()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"exercise bound-scan\nrun\n")
            .expect("write");
        let cmd = format!("sleep {secs}");
        let deadline = Instant::now() + Duration::from_secs(180);
        while pids_running(&cmd).is_empty() {
            assert!(
                Instant::now() < deadline,
                "the program never started its child"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("pid");
        rustix::process::kill_process(pid, signal).expect("signal");
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(3);
        while !pids_running(&cmd).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            pids_running(&cmd).is_empty(),
            "{signal:?}: `{cmd}` outlived asynclab"
        );
    }
}

#[test]
fn a_descendant_holding_the_pipes_cannot_hang_the_session() {
    let _turn = exclusive();
    let file = exercise_file("bound-scan");
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    // `setsid` leaves the process group, so no group kill reaches it, and
    // it keeps the program's stdout and stderr open after the program ends.
    std::fs::write(
        &file,
        "use asynclab_kit::{Ctx, DemoError};\n\
         pub async fn run(ctx: Ctx) -> Result<(), DemoError> {\n\
             let _ = std::process::Command::new(\"setsid\").args([\"sleep\", \"319\"]).spawn();\n\
             ctx.rec.task(\"done\").completed(\"returned at once\");\n\
             Ok(())\n\
         }\n",
    )
    .expect("write");
    let started = Instant::now();
    let out = run(&[], "exercise bound-scan\nrun\nparams\n");
    let said = both(&out);
    for pid in pids_running("sleep 319") {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("returned at once") && said.contains("concurrency"),
        "{said}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the session waited on the escaped process's pipes"
    );
}
