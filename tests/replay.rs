//! `asynclab replay`: lessons as tests, broken lesson files, progress
//! kept by the REPL and never by replay, and the JSON form.

mod common;

use std::fs;
use std::io::Write;
use std::process::Stdio;

use common::*;

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
            "concurrency=20",
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
    assert_eq!(runs.len(), 3, "{stdout}");
    // Injected before the first run; the lesson's own `set` wins after it.
    assert_eq!(runs[0]["params"]["concurrency"], "20");
    assert_eq!(runs[0]["params"]["seed"], "7");
    assert_eq!(runs[0]["metrics"]["peak_in_flight"], 20);
    assert_eq!(runs[1]["params"]["concurrency"], "10");
    assert_eq!(runs[2]["params"]["latency"], "50ms");
    // With a permit for each of the 20 requests nobody waits: the lesson's
    // claim that some do fails, and the error names its line.
    let lesson = fs::read_to_string("lessons/10-rate-limit.md").expect("lesson");
    let line = lesson
        .lines()
        .position(|l| l == "expect waits > 0")
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
fn a_lesson_that_checks_nothing_fails_replay_check() {
    let dir = std::env::temp_dir().join(format!("asynclab-nocheck-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("dir");
    // A ```rust fence where ```asynclab was meant: nothing runs.
    let file = dir.join("fence.md");
    fs::write(
        &file,
        "---\nid: fence\ntitle: F\ndemo: select\n---\n# F\n\n```rust\nrun\nexpect total < 1s\n```\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let checked = bin()
        .args(["replay", "--check", &path])
        .output()
        .expect("runs");
    let plain = bin().args(["replay", &path]).output().expect("runs");
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked.stdout));
    assert!(
        text(&checked.stderr).contains("checks nothing"),
        "{}",
        text(&checked.stderr)
    );
    assert!(plain.status.success(), "without --check it only runs");
}
