//! Helpers shared by the integration tests: run the real binary.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asynclab"));
    // Run from the crate root so ./lessons is the catalog, with a fixed
    // width and no colour whatever the developer's environment says.
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// Runs `asynclab ARGS` with `input` piped to stdin.
pub fn run_with_input(args: &[&str], input: &str) -> Output {
    let mut cmd = bin();
    cmd.args(args);
    feed(cmd, input)
}

/// Runs `cmd` with `input` piped to stdin and its output captured.
pub fn feed(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start asynclab");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("asynclab runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every value printed on a summary line `  <key>  <value> …`.
pub fn summary_values(out: &str, key: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_prefix(key))
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_string))
        .collect()
}

/// The number after `  <key>` in the summary, as a number.
pub fn metric(stdout: &str, key: &str) -> u64 {
    summary_values(stdout, key)
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in:\n{stdout}"))
}

/// Parses `659ms`, `1.94s`, `850us` into nanoseconds.
pub fn nanos(text: &str) -> u64 {
    let (num, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = text.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e9)
    } else {
        panic!("not a duration: {text}")
    };
    (num.parse::<f64>().expect("number") * scale) as u64
}
