//! Bad input of every kind, through the real binary: lesson files that are
//! broken in every way we could think of, and the terminal's edge cases.
//! Each bad lesson must give exactly its one error line; none may panic.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;

const HEAD: &str = "---\nid: bad\ntitle: Bad\ndemo: rate-limit\n---\n";

#[test]
fn broken_lesson_files_each_give_their_one_line() {
    let dir = std::env::temp_dir().join(format!("asynclab-hardening-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let long_line = format!("{HEAD}Intro\n{}\n", "x".repeat(5000));
    let mut invalid_utf8 = HEAD.as_bytes().to_vec();
    invalid_utf8.extend_from_slice(b"fine\n\xff\xfe broken\n");
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        ("empty", b"".to_vec(), ":1: a lesson starts with front matter: a line `---`, then id/title/demo, then `---`".into()),
        ("garbage", vec![0, 159, 146, 150, 0, 1, 2, 255], ":1: not valid UTF-8 text: save the lesson as UTF-8".into()),
        ("utf8", invalid_utf8, ":7: not valid UTF-8 text: save the lesson as UTF-8".into()),
        ("huge", format!("{HEAD}{}", "word ".repeat(300_000)).into_bytes(), ": larger than 1024 KiB: is this really a lesson?".into()),
        ("long", long_line.into_bytes(), ":7: line is longer than 4096 bytes: wrap it".into()),
        ("key", b"---\nid: bad\nauthor: me\n---\n".to_vec(), ":3: unknown front-matter key 'author': expected one of id, title, demo, params".into()),
        ("demo", b"---\nid: bad\ntitle: Bad\ndemo: sleep\n---\n".to_vec(), ":4: unknown demo 'sleep'".into()),
        ("param", b"---\nid: bad\ntitle: Bad\ndemo: rate-limit\nparams: { concurency: 3 }\n---\n".to_vec(),
            ":5: unknown parameter 'concurency' (did you mean 'concurrency'?); `params` lists them".into()),
        ("value", b"---\nid: bad\ntitle: Bad\ndemo: rate-limit\nparams: { concurrency: many }\n---\n".to_vec(),
            ":5: concurrency = 'many' is not valid: expected a whole number in 1..=10000".into()),
        ("command", format!("{HEAD}```asynclab\nrn\n```\n").into_bytes(), ":7: unknown command 'rn' (did you mean 'run'?); type `help` for the list".into()),
        ("navigate", format!("{HEAD}```asynclab\nopen 1\n```\n").into_bytes(), ":7: 'open 1' cannot be used inside a lesson cell".into()),
        ("progress", format!("{HEAD}```asynclab\nreset progress\n```\n").into_bytes(), ":7: 'reset progress' cannot be used inside a lesson cell".into()),
        ("restore", format!("{HEAD}```asynclab\nrestore\n```\n").into_bytes(), ":7: 'restore' cannot be used inside a lesson cell".into()),
        ("edit", format!("{HEAD}```asynclab\nedit bound-scan\n```\n").into_bytes(), ":7: 'edit bound-scan' cannot be used inside a lesson cell".into()),
        ("check", format!("{HEAD}```asynclab\nexercise bound-scan\n```\n").into_bytes(), ":7: 'exercise bound-scan' cannot be used inside a lesson cell".into()),
        ("unclosed", format!("{HEAD}```asynclab\nrun\n").into_bytes(), ":6: this ```asynclab cell is never closed: add a line ``` after its commands".into()),
        ("expect", format!("{HEAD}```asynclab\nrun\nexpect total ~ 3\n```\n").into_bytes(), ":8: unknown operator '~': use == != < <= > >=".into()),
        ("setvalue", format!("{HEAD}```asynclab\nset latency 100\n```\n").into_bytes(),
            ":7: latency = '100' is not valid: '100' needs a unit: try 100ms or 100s".into()),
        ("external", b"---\nid: bad\ntitle: Bad\ndemo: http-fetch\n---\n```asynclab\nset clock real\nset urls http://10.255.255.1/\nrun\n```\n".to_vec(),
            ":9: the demo could not start: refusing to touch 10.255.255.1".into()),
    ];
    for (name, bytes, want) in &cases {
        let file = dir.join(format!("{name}.md"));
        fs::write(&file, bytes).expect("write");
        let out = bin()
            .args(["replay", "--check"])
            .arg(&file)
            .output()
            .expect("replay runs");
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{name} should fail");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{name}: {stderr}"
        );
        let expected = format!("{}{want}", file.display());
        assert!(
            stderr.lines().any(|l| l.contains(&expected)),
            "{name}:\n got: {stderr}\nwant: {expected}"
        );
    }
    // Deep nesting is not an error, and does not overflow anything.
    let nested: String = (1..=600)
        .map(|depth| format!("{}item\n", "> ".repeat(depth)))
        .collect();
    let deep = format!("{HEAD}{nested}```asynclab\nrun\n```\n");
    let file = dir.join("deep.md");
    fs::write(&file, deep).expect("write");
    let out = bin()
        .arg("replay")
        .arg(&file)
        .output()
        .expect("replay runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_narrow_terminal_gets_narrow_output() {
    let out = bin()
        .args(["--width", "40", "run", "rate-limit"])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    for line in stdout.lines().filter(|l| !l.starts_with("reproduce:")) {
        assert!(
            line.chars().count() <= 40,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}

#[test]
fn colour_follows_the_environment() {
    let plain = bin().args(["run", "select"]).output().expect("runs");
    assert!(
        !text(&plain.stdout).contains('\x1b'),
        "piped output has no colour"
    );
    let forced = bin()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["run", "select"])
        .output()
        .expect("runs");
    assert!(
        text(&forced.stdout).contains('\x1b'),
        "CLICOLOR_FORCE=1 forces colour"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // `asynclab replay lessons/*.md | head -1`
    let mut child = bin()
        .args([
            "replay",
            "lessons/01-port-check.md",
            "lessons/10-rate-limit.md",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read");
    // The reader is dropped here: the pipe is closed mid-transcript.
    let out = child.wait_with_output().expect("wait");
    assert!(
        first.starts_with("Lesson") || first.contains("Port checks"),
        "{first}"
    );
    assert!(out.status.success(), "exit {:?}", out.status.code());
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

#[test]
fn lines_too_long_or_not_utf8_are_skipped_and_the_session_goes_on() {
    let mut input = "x".repeat(300_000).into_bytes();
    input.extend_from_slice(b"\nlessons\n\xff\xfe\nwhere\n");
    let mut child = bin()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&input).expect("write");
    }
    let out = child.wait_with_output().expect("runs");
    let err = text(&out.stderr);
    assert!(
        err.contains("error: a line of more than 64 KiB was skipped"),
        "{err}"
    );
    assert!(
        err.contains("error: a line that was not UTF-8 was skipped"),
        "{err}"
    );
    assert!(
        text(&out.stdout).contains("port-check"),
        "the next line still ran"
    );
    assert!(
        err.contains("no lesson is open"),
        "and the one after: {err}"
    );
}

#[test]
fn a_fifo_named_like_a_lesson_is_skipped_not_opened() {
    let dir = std::env::temp_dir().join(format!("asynclab-fifo-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("dir");
    fs::copy("lessons/10-rate-limit.md", dir.join("04-rate-limit.md")).expect("copy");
    let fifo = dir.join("99-pipe.md");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let started = std::time::Instant::now();
    let out = bin()
        .args(["--lessons", dir.to_str().expect("utf-8"), "lessons"])
        .output()
        .expect("runs");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "it did not wait on the FIFO"
    );
    let said = text(&out.stdout);
    // The lessons table wraps its last column: read it as flowing text.
    let flat = said.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "not a regular file (a FIFO, socket, device or folder): skipped, never opened"
        ),
        "{said}"
    );
    assert!(
        said.contains("rate-limit"),
        "the real lesson is still listed: {said}"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_tiny_descriptor_limit_is_a_clear_error_or_is_raised() {
    let asynclab = env!("CARGO_BIN_EXE_asynclab");
    // Hard limit too low: nothing can help, so say what to do.
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -n 8 && exec '{asynclab}' run rate-limit"),
        ])
        .output()
        .expect("sh");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("may open only 8 files") && err.contains("ulimit -n 1024"),
        "{err}"
    );
    assert!(
        !err.contains("internal error") && !err.contains("panicked"),
        "{err}"
    );
    // Only the soft limit low: raised, and the run works.
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -Sn 8 && exec '{asynclab}' run rate-limit"),
        ])
        .output()
        .expect("sh");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("peak in flight"));
}

#[test]
fn escape_sequences_from_lessons_and_values_never_reach_the_terminal() {
    let dir = std::env::temp_dir().join(format!("asynclab-esc-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("dir");
    let lesson = "---\nid: esc\ntitle: Title \u{1b}]0;pwned\u{7}\ndemo: rate-limit\n---\n\
                  Prose \u{1b}]52;c;aGk=\u{7} and \u{1b}[2J and \u{1b}[8mhidden\n\
                  ```asynclab\nrun\n```\n";
    fs::write(dir.join("01-esc.md"), lesson).expect("write");
    let input = "open esc\nnext\nnext\nset count \u{1b}[2J\n\u{1b}]52;c;aGk=\u{7}\nlessons\n";
    let out = run_with_input(&["--lessons", dir.to_str().expect("utf-8")], input);
    let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    assert!(
        !all.contains(&0x1b),
        "an ESC byte reached the terminal:\n{}",
        text(&all)
    );
    let said = text(&all);
    assert!(
        said.contains("Title \\e]0;pwned\\u{7}"),
        "shown escaped instead:\n{said}"
    );
    assert!(said.contains("\\e]52;c;aGk="), "{said}");
    assert!(
        said.contains("control characters"),
        "the value is refused with why:\n{said}"
    );
    let _ = fs::remove_dir_all(&dir);
}
