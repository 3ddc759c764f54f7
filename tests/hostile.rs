//! Hostile input, one row each, through the real binary: what a careless or
//! malicious user, lesson or command line can send, and the outcome each
//! must have. Every row is also checked for what must never happen: a
//! panic, an internal error, an ESC byte on the terminal, or a hang.
//!
//! Rows that need a network namespace (redirects, proxies, DNS) live in
//! `tests/scope.rs`, which checks the sockets actually opened.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// One hostile input: the command line, what is piped in, whether it must
/// succeed (exit 0), and a phrase the output must contain.
struct Row {
    name: &'static str,
    args: &'static [&'static str],
    input: &'static str,
    ok: bool,
    says: &'static str,
}

const fn row(
    name: &'static str,
    args: &'static [&'static str],
    input: &'static str,
    ok: bool,
    says: &'static str,
) -> Row {
    Row {
        name,
        args,
        input,
        ok,
        says,
    }
}

/// Lines typed at the prompt: the session goes on (exit 0) and answers.
const REPL: &[Row] = &[
    row(
        "outside ip",
        &[],
        "open port-check\nset clock real\nset target 10.0.0.1\nrun\n",
        true,
        "refusing to touch 10.0.0.1",
    ),
    row(
        "outside name",
        &[],
        "open port-check\nset clock real\nset target example.com\nrun\n",
        true,
        "not even looked up",
    ),
    row(
        "outside name, said at set",
        &[],
        "open port-check\nset target example.com\n",
        true,
        "on the real clock `run` will refuse it",
    ),
    row(
        "mapped v6",
        &[],
        "open port-check\nset clock real\nset target [::ffff:10.0.0.1]\nrun\n",
        true,
        "refusing to touch",
    ),
    row(
        "any address",
        &[],
        "open port-check\nset clock real\nset target 0.0.0.0\nrun\n",
        true,
        "refusing to touch 0.0.0.0",
    ),
    row(
        "localhost suffix",
        &[],
        "open port-check\nset clock real\nset target localhost.evil\nrun\n",
        true,
        "refusing to touch",
    ),
    row(
        "shell in target",
        &[],
        "open port-check\nset target a;touch${IFS}/tmp/x\nrun\n",
        true,
        "--set target='a;touch${IFS}/tmp/x'",
    ),
    row(
        "escape in value",
        &[],
        "open port-check\nset target \u{1b}]52;c;aGk=\u{7}\n",
        true,
        "control characters",
    ),
    row(
        "bidi in value",
        &[],
        "open port-check\nset target abc\u{202e}fed\n",
        true,
        "control characters",
    ),
    row(
        "port zero",
        &[],
        "open port-check\nset ports 0\n",
        true,
        "port 0 is not a port",
    ),
    row(
        "port too big",
        &[],
        "open port-check\nset ports 70000\n",
        true,
        "past the last port",
    ),
    row(
        "port backwards",
        &[],
        "open port-check\nset ports 10-1\n",
        true,
        "runs backwards",
    ),
    row(
        "port empty entry",
        &[],
        "open port-check\nset ports 22,,80\n",
        true,
        "an empty entry",
    ),
    row(
        "count zero",
        &[],
        "open port-check\nset count 0\n",
        true,
        "must be in",
    ),
    row(
        "count huge",
        &[],
        "open port-check\nset count 99999999999999999999999\n",
        true,
        // All digits, only too many: the range is what is wrong.
        "must be in 1..=1000000",
    ),
    row(
        "duration unitless",
        &[],
        "open port-check\nset latency 100\n",
        true,
        "needs a unit",
    ),
    row(
        "duration negative",
        &[],
        "open port-check\nset latency -5ms\n",
        true,
        "latency = '-5ms' is not valid",
    ),
    row(
        "duration enormous",
        &[],
        "open port-check\nset timeout 99999999999h\n",
        true,
        "timeout = '99999999999h' is not valid",
    ),
    row(
        "unknown clock",
        &[],
        "open port-check\nset clock fake\n",
        true,
        "choose one of virtual|real",
    ),
    row(
        "unknown param",
        &[],
        "open port-check\nset concurency 3\n",
        true,
        "did you mean 'concurrency'",
    ),
    row(
        "set alone",
        &[],
        "open port-check\nset\n",
        true,
        "'set' needs a parameter and a value",
    ),
    row(
        "path as lesson",
        &[],
        "open ../../etc/passwd\n",
        true,
        "no lesson",
    ),
    row("lesson out of range", &[], "open 99999\n", true, "99999"),
    row("negative lesson", &[], "open -1\n", true, "no lesson"),
    row(
        "export a system file",
        &[],
        "open rate-limit\nrun\nexport /etc/passwd\n",
        true,
        "has no known ending",
    ),
    row(
        "export nowhere",
        &[],
        "open rate-limit\nrun\nexport /nonexistent/dir/x.json\n",
        true,
        "cannot write /nonexistent/dir/x.json",
    ),
    row(
        "expect bad operator",
        &[],
        "open rate-limit\nrun\nexpect total ~ 3\n",
        true,
        "unknown operator",
    ),
    row(
        "expect unknown metric",
        &[],
        "open rate-limit\nrun\nexpect nosuch == 1\n",
        true,
        "unknown metric 'nosuch'",
    ),
    row(
        "expect unitless time",
        &[],
        "open rate-limit\nrun\nexpect total < 5\n",
        true,
        "is a duration",
    ),
    row(
        "compare nothing",
        &[],
        "open rate-limit\ncompare concurrency=\n",
        true,
        "compare",
    ),
    row(
        "compare too many",
        &[],
        "open rate-limit\ncompare concurrency=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65\n",
        true,
        "64",
    ),
    row(
        "predict nonsense",
        &[],
        "open rate-limit\npredict total banana\n",
        true,
        "banana",
    ),
    row(
        "at negative",
        &[],
        "open rate-limit\nrun\nat -1ms\n",
        true,
        "-1ms",
    ),
    row(
        "play zero",
        &[],
        "open rate-limit\nrun\nplay 0\n",
        true,
        "play",
    ),
    row(
        "play forever",
        &[],
        "open rate-limit\nrun\nplay 0.000000001\n",
        true,
        "at 164.8ms:",
    ),
    row(
        "help unknown",
        &[],
        "help nosuch\n",
        true,
        "no command 'nosuch'",
    ),
    row(
        "explain unknown",
        &[],
        "open rate-limit\nrun\nexplain nosuch\n",
        true,
        "no explain topic 'nosuch'",
    ),
    row(
        "reset nonsense",
        &[],
        "open rate-limit\nreset everything\n",
        true,
        "cannot reset 'everything'",
    ),
    row(
        "timeline flag",
        &[],
        "open rate-limit\nrun\ntimeline --bogus\n",
        true,
        "unknown option '--bogus'",
    ),
    row(
        "no-break space",
        &[],
        "open\u{a0}rate-limit\n",
        true,
        "Capping requests in flight with a Semaphore",
    ),
    row(
        "exercise path",
        &[],
        "exercise ../../etc/passwd\n",
        true,
        "no exercise '../../etc/passwd'",
    ),
    row(
        "edit unknown",
        &[],
        "edit nosuch\n",
        true,
        "no exercise 'nosuch'",
    ),
    row(
        "check unknown",
        &[],
        "check nosuch\n",
        true,
        "no exercise 'nosuch'",
    ),
    row(
        "solution idle",
        &[],
        "solution\n",
        true,
        "no exercise is active",
    ),
    row("hint idle", &[], "hint\n", true, "no exercise is active"),
    row("restore idle", &[], "restore\n", true, "no lesson is open"),
    row(
        "export flag only",
        &[],
        "open rate-limit\nrun\nexport -f\n",
        true,
        "needs a file name",
    ),
    row("not utf-8", &[], "\u{fffd}\n", true, "unknown command"),
];

/// The command line: refused with a message (or run, where it is safe).
const CLI: &[Row] = &[
    row("run unknown", &["run", "nosuch"], "", false, "nosuch"),
    row(
        "run bad set",
        &["run", "--demo", "port-check", "--set", "count=abc"],
        "",
        false,
        "expected a whole number",
    ),
    row(
        "run set without =",
        &["run", "rate-limit", "--set", "count"],
        "",
        false,
        "must be NAME=VALUE",
    ),
    row(
        "replay a device",
        &["replay", "/dev/zero"],
        "",
        false,
        "no lesson '/dev/zero'",
    ),
    row(
        "replay missing",
        &["replay", "/nonexistent/lesson.md"],
        "",
        false,
        "nonexistent",
    ),
    row(
        "width too small",
        &["--width", "5", "lessons"],
        "",
        false,
        "5",
    ),
    row(
        "check a device",
        &["check", "bound-scan", "/dev/null"],
        "",
        false,
        "no file /dev/null",
    ),
    row(
        "starter path",
        &["starter", "../etc"],
        "",
        false,
        "no exercise '../etc'",
    ),
    row(
        "real outside target",
        &[
            "run",
            "--demo",
            "port-check",
            "--clock",
            "real",
            "--set",
            "target=10.0.0.1",
        ],
        "",
        false,
        "refusing to touch 10.0.0.1",
    ),
    row(
        "fetch outside",
        &["http-fetch", "--urls", "http://10.0.0.1/"],
        "",
        false,
        "refusing to touch 10.0.0.1",
    ),
    row(
        "fetch a file url",
        &["http-fetch", "--urls", "file:///etc/passwd"],
        "",
        false,
        "file:///etc/passwd",
    ),
    row(
        "lessons from /etc",
        &["--lessons", "/etc/nonexistent", "lessons"],
        "",
        false,
        "nonexistent",
    ),
    row(
        "start at unknown lesson",
        &["--lesson", "nosuch"],
        "",
        false,
        "nosuch",
    ),
];

#[test]
fn every_hostile_input_gets_its_outcome_and_nothing_worse() {
    let rows: Vec<&Row> = REPL.iter().chain(CLI).collect();
    assert!(rows.len() >= 60, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in rows {
        let started = Instant::now();
        let out = run_with_input(row.args, row.input);
        let took = started.elapsed();
        let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        let said = text(&all);
        let mut wrong = Vec::new();
        if out.status.success() != row.ok {
            wrong.push(format!(
                "exit {:?}, wanted success = {}",
                out.status.code(),
                row.ok
            ));
        }
        if !said.contains(row.says) {
            wrong.push(format!("does not say {:?}", row.says));
        }
        // ("! panicked" is the legend of every timeline: look for the real thing.)
        if said.contains("panicked at") || said.contains("internal error") {
            wrong.push("panicked".into());
        }
        if all.contains(&0x1b) {
            wrong.push("an ESC byte reached the terminal".into());
        }
        if took > Duration::from_secs(30) {
            wrong.push(format!("took {took:?}"));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n{said}", row.name, wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
