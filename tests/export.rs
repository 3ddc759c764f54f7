//! Exports of a virtual run: the Chrome trace's structure, the JSON round
//! trip, the SVG and HTML shapes, and that lessons cannot write files.

mod common;

use std::collections::BTreeSet;
use std::fs;

use asynclab::timeline::Run;
use common::*;
use serde_json::Value;

/// Runs the channels lesson in a temp dir and exports every format.
fn exported(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("asynclab-export-{name}-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let lessons = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons");
    let input = "open channels\nrun\nexport run.json\nexport run.trace.json\nexport run.svg\nexport run.html\n";
    let mut cmd = bin();
    cmd.current_dir(&dir).args(["--lessons", lessons]);
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("runs");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        text(&out.stderr)
    );
    (dir, text(&out.stdout))
}

#[test]
fn the_trace_is_chrome_trace_event_format() {
    let (dir, stdout) = exported("trace");
    assert!(stdout.contains("wrote run.trace.json"), "{stdout}");
    let trace: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("run.trace.json")).expect("read"))
            .expect("valid JSON");
    let run: Run = serde_json::from_str(&fs::read_to_string(dir.join("run.json")).expect("read"))
        .expect("a Run");
    let _ = fs::remove_dir_all(&dir);

    assert_eq!(trace["displayTimeUnit"], "ms");
    let events = trace["traceEvents"].as_array().expect("traceEvents");
    let of = |ph: &'static str| events.iter().filter(move |e| e["ph"] == ph);

    // Metadata: the process, and one thread name per task, each its own tid.
    assert_eq!(of("M").filter(|e| e["name"] == "process_name").count(), 1);
    let tids: BTreeSet<u64> = of("M")
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["tid"].as_u64().expect("tid"))
        .collect();
    assert_eq!(tids.len(), run.tasks.len());
    let names: BTreeSet<&str> = of("M").filter_map(|e| e["args"]["name"].as_str()).collect();
    assert!(run.tasks.iter().all(|t| names.contains(t.name)));

    // Complete spans in microseconds: the consumer handles 15 messages of
    // 50 ms each, so its running spans add up to at least 750 000 us.
    let spans: Vec<&Value> = of("X").collect();
    assert!(
        spans
            .iter()
            .all(|e| e["dur"].as_f64().is_some_and(|d| d > 0.0) && e["ts"].is_number())
    );
    let consumer = run
        .tasks
        .iter()
        .position(|t| t.name == "consumer")
        .expect("consumer") as u64
        + 1;
    let running: f64 = spans
        .iter()
        .filter(|e| e["tid"] == consumer && e["name"] == "running")
        .map(|e| e["dur"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(running >= 750_000.0, "consumer ran {running} us");
    let last_end = spans
        .iter()
        .map(|e| e["ts"].as_f64().unwrap_or(0.0) + e["dur"].as_f64().unwrap_or(0.0))
        .fold(0.0, f64::max);
    assert!(
        (last_end - 760_000.0).abs() < 1.0,
        "the run ends at 760 ms: {last_end}"
    );

    // Instants for every event, the in-flight counter, and one flow per
    // message from its send to its receive.
    assert_eq!(of("i").count(), run.events.len());
    assert!(of("C").all(|e| e["name"] == "in flight" && e["args"]["tasks"].is_u64()));
    assert!(of("C").count() > 2);
    let starts: Vec<&Value> = of("s").collect();
    let finishes: Vec<&Value> = of("f").collect();
    assert_eq!(starts.len(), 15, "3 producers x 5 messages");
    assert_eq!(finishes.len(), 15);
    for (s, f) in starts.iter().zip(&finishes) {
        assert_eq!(s["id"], f["id"]);
        assert!(s["ts"].as_f64() <= f["ts"].as_f64());
        assert_eq!(f["tid"], consumer);
    }
}

#[test]
fn json_svg_and_html_exports() {
    let (dir, _) = exported("files");
    let json = fs::read_to_string(dir.join("run.json")).expect("read");
    let svg = fs::read_to_string(dir.join("run.svg")).expect("read");
    let html = fs::read_to_string(dir.join("run.html")).expect("read");
    let _ = fs::remove_dir_all(&dir);

    let run: Run = serde_json::from_str(&json).expect("the JSON reads back as a Run");
    assert_eq!(run.format_version, asynclab::timeline::FORMAT_VERSION);
    assert_eq!(run.tasks.len(), 4);
    assert_eq!(
        serde_json::to_string_pretty(&run).expect("serialize"),
        json,
        "a lossless round trip"
    );

    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.matches("<rect").count() > 20, "lanes are drawn");
    for label in ["consumer", "producer-1", "in flight", "760ms"] {
        assert!(svg.contains(label), "svg lacks {label}");
    }
    assert!(html.contains("<svg") && html.contains("<table>") && html.contains("What happened"));
    assert!(html.contains("queue full (2/2): send waits"));

    // What the run ran with, and the line that runs it again.
    for shown in [
        "<dt>producers</dt><dd><code>3</code></dd>",
        "<dt>capacity</dt><dd><code>2</code></dd>",
        "<dt>clock</dt><dd><code>virtual</code></dd>",
        "<dt>seed</dt><dd><code>42</code></dd>",
        "<pre><code>asynclab run channels</code></pre>",
    ] {
        assert!(html.contains(shown), "the page lacks {shown}");
    }
    // The title once where a reader sees it (the heading), not again in
    // the chart; the chart on its own keeps it.
    let title = "channels · Producers, a consumer and back-pressure";
    assert_eq!(visible(&html).matches(title).count(), 1, "{html}");
    assert_eq!(svg.matches(title).count(), 1);
}

/// The page's text as a reader sees it: no head, no SVG tooltips, no tags.
fn visible(html: &str) -> String {
    let body = html.split("<body>").nth(1).unwrap_or(html);
    let mut text = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("<title>") {
        text.push_str(&rest[..start]);
        rest = rest[start..].split_once("</title>").map_or("", |(_, r)| r);
    }
    text.push_str(rest);
    let mut in_tag = false;
    text.chars()
        .filter(|&c| {
            let shown = !in_tag && c != '<';
            in_tag = match c {
                '<' => true,
                '>' => false,
                _ => in_tag,
            };
            shown && c != '>'
        })
        .collect()
}

/// A `select!` race: the losing branches are hatched as cancelled work,
/// not drawn as green bars; a page exported after `set` says what the run
/// ran with and offers no reproduce line that would run something else.
#[test]
fn cancelled_branches_and_a_changed_parameter() {
    let dir = std::env::temp_dir().join(format!("asynclab-export-select-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    let mut cmd = bin();
    cmd.current_dir(&dir)
        .args(["--lessons", concat!(env!("CARGO_MANIFEST_DIR"), "/lessons")]);
    let out = feed(
        cmd,
        "open select\nrun\nexport run.svg\nexport before.html\nset count 4\nexport after.html\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let svg = fs::read_to_string(dir.join("run.svg")).expect("read");
    let before = fs::read_to_string(dir.join("before.html")).expect("read");
    let after = fs::read_to_string(dir.join("after.html")).expect("read");
    let _ = fs::remove_dir_all(&dir);

    // The row of the first backup branch, which lost the race: its label
    // sits at y + 11 of the row, its bars at y + 2.
    let label = svg
        .lines()
        .find(|l| l.contains(">lookup-1/backup</text>"))
        .expect("a lookup-1/backup row");
    let label_y: usize = label
        .split("y=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|y| y.parse().ok())
        .expect("the label's y");
    let y = label_y - 9;
    let bars: Vec<&str> = svg
        .lines()
        .filter(|l| l.starts_with("<rect") && l.contains(&format!(" y=\"{y}\" ")))
        .filter(|l| l.contains("running") || l.contains("waiting"))
        .collect();
    assert!(!bars.is_empty(), "{svg}");
    assert!(
        bars.iter().all(|b| b.contains("url(#cancelled)")),
        "{bars:#?}"
    );
    assert!(svg.contains("work of a cancelled task"));

    assert!(before.contains("<dt>count</dt><dd><code>6</code></dd>"));
    assert!(before.contains("<pre><code>asynclab run select</code></pre>"));
    assert!(after.contains("<dt>count</dt><dd><code>6</code></dd>"));
    assert!(!after.contains("reproduce"), "{after}");
}

#[test]
fn a_large_run_exports_a_bounded_svg() {
    let dir = std::env::temp_dir().join(format!("asynclab-export-big-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let session = run_with_input(
        &["--lessons", concat!(env!("CARGO_MANIFEST_DIR"), "/lessons")],
        &format!(
            "open port-check\nset count 20000\nset concurrency 500\nrun\nexport {}\n",
            dir.join("big.svg").display()
        ),
    );
    assert!(session.status.success(), "{}", text(&session.stderr));
    let svg = fs::read_to_string(dir.join("big.svg")).expect("read");
    let _ = fs::remove_dir_all(&dir);
    assert!(
        svg.len() < 600_000,
        "20 000 tasks aggregate into at most 60 rows: {} bytes",
        svg.len()
    );
}

#[test]
fn lessons_cannot_export() {
    let dir = std::env::temp_dir().join(format!("asynclab-export-lesson-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("sneaky.md");
    fs::write(&file, "---\nid: sneaky\ntitle: S\ndemo: select\n---\n```asynclab\nrun\nexport /tmp/owned.json\n```\n").expect("write");
    let out = bin()
        .args(["replay", "--check"])
        .arg(&file)
        .output()
        .expect("runs");
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("sneaky.md:8: 'export /tmp/owned.json' cannot be used inside a lesson cell"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn export_never_overwrites_silently_nor_writes_through_a_link() {
    let dir = std::env::temp_dir().join(format!("asynclab-export-safe-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, dir.join("link.json")).expect("symlink");
    let mut cmd = common::bin();
    cmd.current_dir(&dir)
        .args(["--lessons", concat!(env!("CARGO_MANIFEST_DIR"), "/lessons")]);
    let out = common::feed(
        cmd,
        "open rate-limit\nrun\nexport run.json\nexport run.json\nexport -f run.json\nexport link.json\nexport -f link.json\n",
    );
    let err = common::text(&out.stderr);
    let said = common::text(&out.stdout);
    assert_eq!(said.matches("wrote run.json").count(), 2, "{said}{err}");
    assert!(
        err.contains("it exists: `export -f run.json` replaces it"),
        "{err}"
    );
    assert_eq!(
        err.matches("symbolic link").count(),
        2,
        "with and without -f: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_replay_export_is_reported_and_the_run_still_checked() {
    let dir = std::env::temp_dir().join(format!("asynclab-export-fail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    // A file where the export folder should be: nothing can be written.
    let blocked = dir.join("out");
    std::fs::write(&blocked, "not a folder").expect("file");
    let out = common::bin()
        .args(["replay", "lessons/10-rate-limit.md", "--check", "--export"])
        .arg(&blocked)
        .output()
        .expect("runs");
    let err = common::text(&out.stderr);
    let said = common::text(&out.stdout);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot create"),
        "the failure is reported: {err}"
    );
    assert!(
        said.contains("✓ expect"),
        "later expects still checked the run:\n{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
