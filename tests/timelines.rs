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

/// Columns a terminal gives `line`: colour codes take none, wide
/// characters two.
fn columns(line: &str) -> usize {
    asynclab_kit::text::without_sgr(line)
        .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
        .sum()
}

/// A task named `name`, read the way a saved run is: fields a newer
/// format adds take their defaults, so the test keeps compiling.
fn task_info(name: &str) -> asynclab::timeline::TaskInfo {
    serde_json::from_value(serde_json::json!({ "name": name })).expect("a TaskInfo")
}

/// A run whose task names and notes hold wide characters.
fn wide_run() -> asynclab::timeline::Run {
    use asynclab::timeline::{EventKind, Outcome, Run, TaskId};
    let names = ["扫描器-1", "扫描器-2", "监视器🦀"];
    let mut run = Run::new(
        names.iter().map(|n| task_info(n)).collect(),
        Outcome::Finished,
    );
    for (t, _) in names.iter().enumerate() {
        let task = TaskId(t as u32);
        let note = "正在连接目标主机，等待握手完成后再继续下一步的扫描工作";
        run.push(t as u64 * 1_000_000, task, EventKind::Started, note);
        let done = 50_000_000 + t as u64 * 7_000_000;
        run.push(done, task, EventKind::Completed, "完成 ✓ 端口开放");
    }
    run.findings = [("open".to_string(), "扫描器 22, 80, 443".to_string())].into();
    run
}

/// Every view of every virtual lesson's run (and of a run with wide
/// characters) keeps inside the width, in colour or not; at 200 columns
/// the lanes use the room.
#[test]
fn rendered_lines_keep_to_the_width() {
    use asynclab::timeline::{RenderOptions, analyze, render, render_at, render_lanes};
    asynclab::demo::run::install_panic_hook();
    let mut runs = vec![("wide characters".to_string(), wide_run())];
    for lesson in Catalog::embedded().lessons() {
        let real = lesson
            .meta
            .params
            .iter()
            .any(|p| p.name == "clock" && p.value == "real");
        if real {
            continue;
        }
        let id = &lesson.meta.id;
        let mut session = Session::new(
            Catalog::embedded(),
            Options::default(),
            Interrupts::default(),
        );
        for line in [format!("open {id}"), "run".to_string()] {
            if let Err(e) = session.execute_line(&line, &mut Vec::new()) {
                panic!("{id}: {line}: {e}");
            }
        }
        let report = session.last().expect("a run");
        runs.push((id.clone(), report.run.clone()));
    }
    for width in [60, 200] {
        let mut widest = 0;
        for (name, run) in &runs {
            let analysis = analyze(run);
            for (color, max_rows) in [(false, Some(24)), (true, Some(24)), (false, None)] {
                let opts = RenderOptions {
                    width,
                    color,
                    max_rows,
                    ..RenderOptions::default()
                };
                let middle = analysis.summary.total_ns / 2;
                for text in [
                    render(run, &analysis, &opts),
                    render_lanes(run, &analysis, &opts),
                    render_at(run, &analysis, middle, &opts),
                ] {
                    for line in text.lines() {
                        let used = columns(line);
                        assert!(
                            used <= width,
                            "{name} at {width} columns: {used} columns:\n{line}"
                        );
                        widest = widest.max(used);
                    }
                }
            }
        }
        assert!(
            widest > width - 20,
            "at {width} columns the widest line is {widest}"
        );
    }
}
