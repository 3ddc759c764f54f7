//! The real clock end to end: the loopback lab found by a real scan and a
//! real fetch, the scope refusing what is not loopback, and Ctrl-C and
//! signals ending real work (and every child) cleanly.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;

/// Real-clock lab runs see every listener on loopback, including another
/// test's: run them one at a time.
static LOOPBACK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    LOOPBACK.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn real_clock_port_check_finds_the_lab_listeners() {
    let _one_at_a_time = exclusive();
    let out = bin()
        .args(["port-check", "--clock", "real", "--count", "50"])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    // 50 ports: the lab opens 5 listeners and 45 known-closed ports.
    assert_eq!(summary_values(&stdout, "open_ports"), ["5"], "{stdout}");
    assert_eq!(summary_values(&stdout, "closed_ports"), ["45"], "{stdout}");
    assert_eq!(
        summary_values(&stdout, "peak in flight"),
        ["10"],
        "{stdout}"
    );
}

#[test]
fn real_clock_http_fetch_against_the_lab() {
    let _one_at_a_time = exclusive();
    let out = bin()
        .args(["http-fetch", "--clock", "real"])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    // The same seeded plan as the virtual run: 8 ok, one 404/500, 3 too slow.
    let tasks = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("tasks "))
        .unwrap_or_default();
    assert!(
        tasks.contains(
            "12 futures, no spawned task on the timeline: 8 completed, 1 failed, 3 timed out"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("HTTP 404") || stdout.contains("HTTP 500"),
        "{stdout}"
    );
}

#[test]
fn explicit_urls_outside_loopback_are_refused() {
    let out = bin()
        .args([
            "http-fetch",
            "--urls",
            "http://10.255.255.1/,http://127.0.0.1:9/",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: the demo could not start: refusing to touch 10.255.255.1: it is not on this \
         machine's loopback (127.0.0.0/8 or ::1). Scan only what you own; start asynclab with \
         --allow-external to target other hosts"
    );
}

#[test]
fn ctrl_c_cancels_a_real_run_and_the_session_goes_on() {
    let mut child = bin()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start asynclab");
    let mut stdin = child.stdin.take().expect("stdin");
    // 20 requests of ~5 s each, 3 at a time: about 35 s if not cancelled.
    stdin
        .write_all(b"open rate-limit\nset clock real\nset latency 5s\nrun\n")
        .expect("write");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "asynclab ended early: {seen}"
        );
        seen.push_str(&line);
        if line.contains("Ctrl-C cancels") {
            break;
        }
    }
    // Let the demo spawn its tasks (it takes microseconds; a loaded CI
    // machine gets a wide margin) before pressing Ctrl-C.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    stdin
        .write_all(b"where\ntimeline --all\nquit\n")
        .expect("write");
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("read the rest");
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "{rest}");
    assert!(rest.contains("cancelled by Ctrl-C at"), "{rest}");
    assert!(
        rest.contains("Ctrl-C: the run was cancelled, this task dropped"),
        "{rest}"
    );
    assert!(
        rest.contains("20 cancelled"),
        "every request was in flight or queued: {rest}"
    );
    // The session answered the command typed after the cancelled run.
    assert!(rest.contains("last run: "), "{rest}");
}

#[test]
fn ctrl_c_stops_a_replay_with_status_130() {
    let dir = std::env::temp_dir().join(format!("asynclab-replay-ctrl-c-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("slow.md");
    let lesson = "---\nid: slow\ntitle: Slow\ndemo: rate-limit\n---\n```asynclab\nset clock real\nset latency 5s\nrun\nexpect completed == 20\n```\nNever reached.\n";
    fs::write(&file, lesson).expect("write");
    let mut child = bin()
        .args(["replay", "--check"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while !line.contains("Ctrl-C cancels") {
        line.clear();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "replay ended before the run"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("read");
    let out = child.wait_with_output().expect("wait");
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(130), "{rest}");
    assert!(rest.contains("cancelled by Ctrl-C"), "{rest}");
    assert!(
        !rest.contains("Never reached."),
        "the replay stopped: {rest}"
    );
    assert!(text(&out.stderr).contains("replay stopped: Ctrl-C"));
}

/// The state letter of a process (`Z`: a zombie, dead but not yet reaped
/// by its new parent), or None when it is gone.
fn process_state(pid: u32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(") ").next()?.chars().next()
}

#[test]
fn no_child_outlives_asynclab_whatever_signal_ends_it() {
    for signal in [
        rustix::process::Signal::KILL,
        rustix::process::Signal::TERM,
        rustix::process::Signal::HUP,
    ] {
        let mut child = bin()
            .args([
                "run",
                "process",
                "--set",
                "count=5",
                "--set",
                "timeout=5s",
                "--set",
                "latency=2s",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start");
        let me = child.id();
        // Wait (at most 10 s) for the five `sleep` children to be running.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let kids = loop {
            let out = Command::new("pgrep")
                .args(["-P", &me.to_string(), "sleep"])
                .output();
            let kids: Vec<u32> = out
                .map(|o| {
                    text(&o.stdout)
                        .lines()
                        .filter_map(|l| l.trim().parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            if kids.len() == 5 || std::time::Instant::now() > deadline {
                break kids;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(kids.len(), 5, "the demo started its children");
        let pid = rustix::process::Pid::from_raw(me as i32).expect("pid");
        rustix::process::kill_process(pid, signal).expect("signal");
        let _ = child.wait();
        std::thread::sleep(std::time::Duration::from_millis(300));
        for kid in kids {
            let state = process_state(kid);
            assert!(
                matches!(state, None | Some('Z')),
                "{signal:?}: child {kid} still runs (state {state:?})"
            );
        }
    }
}

/// A server on loopback that streams a body without end: the fetch reads
/// a bounded amount and says so.
#[test]
fn an_endless_body_is_read_only_so_far() {
    let _one_at_a_time = exclusive();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        // The request first (at most 8 KiB of it), then the answer.
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
            match std::io::Read::read(&mut conn, &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n");
        // Bounded: 64 MiB at most, or until the client hangs up.
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..64 {
            if conn.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let url = format!("http://127.0.0.1:{port}/");
    let out = bin()
        .args([
            "http-fetch",
            "--clock",
            "real",
            "--urls",
            &url,
            "--set",
            "timeout=20s",
        ])
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("reading stopped"), "{stdout}");
    let bytes = metric(&stdout, "bytes");
    assert!(
        bytes > 16 * 1024 * 1024 && bytes < 20 * 1024 * 1024,
        "read {bytes} bytes:\n{stdout}"
    );
    let _ = server.join();
}
