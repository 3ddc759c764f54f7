//! Snapshots of rendered virtual timelines: same parameters and seed, same
//! bytes. A change here is a change a learner sees; review it with
//! `cargo insta review` (or INSTA_UPDATE=always) and commit the snapshot.

use asynclab::interrupt::Interrupts;
use asynclab::lesson::Catalog;
use asynclab::session::{Options, Session};

/// Runs the typed lines in a fresh session (width 100, no colour).
fn transcript(lines: &[&str]) -> String {
    let mut session = Session::new(
        Catalog::embedded(),
        Options::default(),
        Interrupts::default(),
    );
    let mut out = Vec::new();
    for line in lines {
        if let Err(e) = session.execute_line(line, &mut out) {
            panic!("{line}: {e}");
        }
    }
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn port_check() {
    insta::assert_snapshot!(transcript(&["open port-check", "run"]));
}

#[test]
fn port_check_aggregated_lanes() {
    insta::assert_snapshot!(transcript(&[
        "open port-check",
        "set count 500",
        "set concurrency 50",
        "run"
    ]));
}

#[test]
fn http_fetch() {
    insta::assert_snapshot!(transcript(&["open http-fetch", "run"]));
}

#[test]
fn channels() {
    insta::assert_snapshot!(transcript(&["open channels", "run"]));
}

#[test]
fn rate_limit_and_explain() {
    insta::assert_snapshot!(transcript(&[
        "open rate-limit",
        "run",
        "set concurrency 10",
        "run",
        "explain"
    ]));
}

#[test]
fn select() {
    insta::assert_snapshot!(transcript(&[
        "open select",
        "set timeout 60ms",
        "run",
        "timeline --all"
    ]));
}

#[test]
fn a_whole_lesson_stepped_with_next() {
    let mut lines = vec!["open select"];
    lines.extend(std::iter::repeat_n("next", 12));
    insta::assert_snapshot!(transcript(&lines));
}
