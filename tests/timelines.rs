//! Snapshots of rendered virtual timelines: same parameters and seed, same
//! bytes. A change here is a change a learner sees; review it with
//! `cargo insta review` (or INSTA_UPDATE=always) and commit the snapshot.

use asynclab::interrupt::Interrupts;
use asynclab::lesson::Catalog;
use asynclab::session::{Options, Session};

/// Runs the typed lines in a fresh session (width 100, no colour).
fn transcript(lines: &[&str]) -> String {
    // As in the binary: a panicking demo task's message goes to its timeline.
    asynclab::demo::run::install_panic_hook();
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
fn compare_and_predict() {
    insta::assert_snapshot!(transcript(&[
        "open select",
        "compare timeout=40ms,80ms,150ms count=4,8",
        "predict timed_out 2",
        "predict total 150ms",
        "run",
    ]));
}

#[test]
fn a_whole_lesson_stepped_with_next() {
    let mut lines = vec!["open select"];
    lines.extend(std::iter::repeat_n("next", 12));
    insta::assert_snapshot!(transcript(&lines));
}

/// Every lesson's first run with its own parameters, one snapshot each.
/// Lessons that need the real clock (child processes, CPU time) are not
/// deterministic and are covered by `replay --check` instead.
#[test]
fn every_virtual_lesson_run() {
    let catalog = Catalog::embedded();
    let mut seen = 0;
    for lesson in catalog.lessons() {
        let real = lesson
            .meta
            .params
            .iter()
            .any(|p| p.name == "clock" && p.value == "real");
        if real {
            continue;
        }
        let id = &lesson.meta.id;
        insta::assert_snapshot!(
            format!("lesson_{id}"),
            transcript(&[&format!("open {id}"), "run"])
        );
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} lessons run on the virtual clock");
}
