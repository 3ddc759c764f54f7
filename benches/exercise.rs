//! The exercise loop's speed, as a learner feels it (the release binary,
//! a workspace of its own under cargo's temporary directory):
//!
//! - the first build of a fresh workspace (tokio and the kit compiled once),
//!   timed as `asynclab check` of a passing solution;
//! - a one-line change to the learner's file, then `run`: the wall time
//!   from the command to its rendered timeline (cargo's incremental rebuild,
//!   the child run, the render);
//! - `check` of a passing exercise with nothing changed (all its runs).
//!
//! Goals (issue 9, 2-core machine): warm change-to-timeline ≤ 1 s, first
//! build ≤ 30 s, warm check ≤ 2 s. `cargo bench --bench exercise [-- N]`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn asynclab(ws: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asynclab"));
    cmd.env("ASYNCLAB_WORKSPACE", ws)
        .env("ASYNCLAB_STATE_DIR", ws.join("state"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs the command with `input` on stdin; returns its wall time.
fn timed(mut cmd: Command, input: &str, expect: &str) -> Duration {
    let started = Instant::now();
    let mut child = cmd.stdin(Stdio::piped()).spawn().expect("start asynclab");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("asynclab runs");
    let took = started.elapsed();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(expect), "expected {expect:?} in:\n{said}");
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    format!(
        "{:.0} ms | {:.0} ms | {:.0} ms",
        ms(v[v.len() / 2]),
        ms(v[0]),
        ms(v[v.len() - 1])
    )
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let ws = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-workspace");
    let _ = std::fs::remove_dir_all(&ws);
    let exercise = asynclab::exercise::catalog::find("bound-scan").expect("exercise");
    let mine = ws.join("exercises").join("bound_scan.rs");

    // Cold: a fresh workspace, the solution as the learner's file.
    std::fs::create_dir_all(mine.parent().expect("dir")).expect("dir");
    std::fs::write(&mine, exercise.solution).expect("write");
    let mut cmd = asynclab(&ws);
    cmd.args(["check", "bound-scan"]);
    let cold = timed(cmd, "", "PASSED");

    // Warm: one line changed, then `run` to the rendered timeline.
    let mut change = Vec::new();
    for i in 0..rounds {
        let edited = exercise.solution.replace(
            "let permits = Arc::new",
            &format!("let _round = {i};\n    let permits = Arc::new"),
        );
        std::fs::write(&mine, edited).expect("write");
        change.push(timed(
            asynclab(&ws),
            "exercise bound-scan\nrun\n",
            "peak in flight",
        ));
    }

    // Warm check of the passing file, nothing changed.
    std::fs::write(&mine, exercise.solution).expect("write");
    let mut cmd = asynclab(&ws);
    cmd.args(["check", "bound-scan"]);
    timed(cmd, "", "PASSED");
    let mut checks = Vec::new();
    for _ in 0..rounds {
        let mut cmd = asynclab(&ws);
        cmd.args(["check", "bound-scan"]);
        checks.push(timed(cmd, "", "PASSED"));
    }

    println!("| step (bound-scan, {rounds} rounds) | median | min | max | goal |");
    println!("|---|---|---|---|---|");
    println!(
        "| first build of a fresh workspace + check | {:.1} s | | | ≤ 30 s |",
        cold.as_secs_f64()
    );
    println!(
        "| one-line change → rendered timeline | {} | ≤ 1 s |",
        stats(change)
    );
    println!(
        "| check, 4 runs, nothing changed | {} | ≤ 2 s |",
        stats(checks)
    );
}
