//! Loopback means loopback, proved with the sockets actually opened.
//!
//! Each case runs asynclab inside a network namespace with no route out
//! (`unshare -n`, loopback up) under `strace -e connect`, and asserts that
//! every `connect` went to 127.0.0.0/8 or ::1. A control run with
//! `--allow-external` must show the outside connect attempt, so the method
//! itself is shown to see one. Needs root (CI runs as root), strace and
//! python3 (for a tiny redirecting server); skips with a message otherwise.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::text;

/// A one-shot HTTP server on 127.0.0.1:PORT answering every request (at
/// most 20, for at most 20 s) with `302 Location: LOCATION`.
const REDIRECTOR: &str = r#"
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(20)
end = time.time() + 20
for _ in range(20):
    if time.time() > end: break
    try: c, _ = s.accept()
    except OSError: break
    c.recv(4096)
    c.sendall(("HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % sys.argv[2]).encode())
    c.close()
"#;

fn usable() -> bool {
    let ok = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    let tools = ok(Command::new("strace").arg("-V"))
        && ok(Command::new("python3").arg("-V"))
        && ok(Command::new("unshare").args(["-n", "true"]));
    if !tools {
        eprintln!("scope tests skipped: they need root, unshare, strace and python3 (CI has them)");
    }
    tools
}

/// Runs `asynclab ARGS` in a fresh namespace under strace, with a
/// redirector on 127.0.0.1:8099 pointing at `location` and `env` set.
/// Returns (asynclab's output, every connect target strace saw).
fn traced(args: &[&str], location: &str, env: &[(&str, &str)]) -> (String, Vec<String>) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scope");
    std::fs::create_dir_all(&dir).expect("dir");
    // One file a call: the tests of this file run in parallel, and a shared
    // name let one test delete the trace another's strace was writing.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let trace = dir.join(format!("trace-{}-{call}", std::process::id()));
    let _ = std::fs::remove_file(&trace);
    let exports: String = env
        .iter()
        .map(|(k, v)| format!("export {k}='{v}'; "))
        .collect();
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let server = dir.join("redirector.py");
    std::fs::write(&server, REDIRECTOR).expect("write the redirector");
    let script = format!(
        "ip link set lo up || exit 97\n\
         python3 '{}' 8099 '{location}' </dev/null >/dev/null 2>&1 &\n\
         server=$!\n\
         sleep 0.5\n\
         {exports} timeout 60 strace -f -qq -e trace=connect -o '{}' '{}' {}\n\
         status=$?\n\
         kill $server 2>/dev/null\n\
         exit $status\n",
        server.display(),
        trace.display(),
        env!("CARGO_BIN_EXE_asynclab"),
        quoted.join(" ")
    );
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("unshare runs");
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let log = std::fs::read_to_string(&trace).unwrap_or_default();
    let _ = std::fs::remove_file(&trace);
    (said, connect_targets(&log))
}

/// The inet addresses in strace's `connect` lines (AF_UNIX is local).
fn connect_targets(log: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in log.lines().filter(|l| l.contains("connect(")) {
        for marker in ["inet_addr(\"", "inet_pton(AF_INET6, \""] {
            if let Some(at) = line.find(marker) {
                let rest = &line[at + marker.len()..];
                found.push(rest.split('"').next().unwrap_or("").to_string());
            }
        }
    }
    found
}

fn outside(targets: &[String]) -> Vec<&String> {
    targets
        .iter()
        .filter(|t| !(t.starts_with("127.") || *t == "::1" || t.starts_with("::ffff:127.")))
        .collect()
}

#[test]
fn redirects_out_of_scope_are_refused_before_any_connect() {
    if !usable() {
        return;
    }
    for location in [
        "http://10.0.0.1:8080/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0:9/",
        "http://example.com/",
    ] {
        let args = [
            "run",
            "--demo",
            "http-fetch",
            "--clock",
            "real",
            "--set",
            "urls=http://127.0.0.1:8099/",
        ];
        let (said, targets) = traced(&args, location, &[]);
        assert!(
            targets.iter().any(|t| t == "127.0.0.1"),
            "{location}: the request to the redirector was made\n{said}"
        );
        assert!(
            outside(&targets).is_empty(),
            "{location}: connects outside loopback: {targets:?}\n{said}"
        );
        assert!(
            said.contains("redirect refused"),
            "{location}: the learner is told why:\n{said}"
        );
    }
    // Control: allowed, the same redirect is followed, and strace sees it.
    let args = [
        "--allow-external",
        "run",
        "--demo",
        "http-fetch",
        "--clock",
        "real",
        "--set",
        "urls=http://127.0.0.1:8099/",
    ];
    let (said, targets) = traced(&args, "http://10.0.0.1:8080/", &[]);
    assert!(
        targets.iter().any(|t| t == "10.0.0.1"),
        "the method sees an outside connect: {targets:?}\n{said}"
    );
}

#[test]
fn proxy_variables_never_receive_lab_traffic() {
    if !usable() {
        return;
    }
    let proxy = "http://10.0.0.2:3128";
    let env = [
        ("http_proxy", proxy),
        ("HTTP_PROXY", proxy),
        ("https_proxy", proxy),
        ("HTTPS_PROXY", proxy),
        ("ALL_PROXY", proxy),
        ("all_proxy", proxy),
    ];
    let args = ["run", "http-fetch", "--clock", "real"];
    let (said, targets) = traced(&args, "http://127.0.0.1:1/", &env);
    assert!(
        outside(&targets).is_empty(),
        "connects outside loopback: {targets:?}\n{said}"
    );
    assert!(
        said.contains("200"),
        "the lab's requests still succeed, directly:\n{said}"
    );
}

#[test]
fn names_outside_loopback_send_no_dns_query() {
    if !usable() {
        return;
    }
    let fetch = [
        "run",
        "--demo",
        "http-fetch",
        "--clock",
        "real",
        "--set",
        "urls=http://scanme.example/",
    ];
    let scan = [
        "run",
        "--demo",
        "port-check",
        "--clock",
        "real",
        "--set",
        "target=scanme.example",
        "--set",
        "ports=22",
    ];
    for args in [&fetch[..], &scan[..]] {
        let (said, targets) = traced(args, "http://127.0.0.1:1/", &[]);
        assert!(
            targets.is_empty() || outside(&targets).is_empty(),
            "{args:?}: {targets:?}\n{said}"
        );
        assert!(
            said.contains("--allow-external"),
            "{args:?}: the error says what to do:\n{said}"
        );
    }
    // localhost is answered here, without a resolver.
    let local = [
        "run",
        "--demo",
        "port-check",
        "--clock",
        "real",
        "--set",
        "target=localhost",
        "--set",
        "ports=8099",
    ];
    let (said, targets) = traced(&local, "http://127.0.0.1:1/", &[]);
    assert!(
        !targets.is_empty() && outside(&targets).is_empty(),
        "{targets:?}\n{said}"
    );
    // Control: allowed, the name is looked up, and the query's connect shows.
    let allowed: Vec<&str> = ["--allow-external"].into_iter().chain(fetch).collect();
    let (said, targets) = traced(&allowed, "http://127.0.0.1:1/", &[]);
    let resolver_configured = std::fs::read_to_string("/etc/resolv.conf").is_ok_and(|r| {
        r.lines()
            .any(|l| l.starts_with("nameserver") && !l.contains("127."))
    });
    if resolver_configured {
        assert!(
            !outside(&targets).is_empty(),
            "the method sees the DNS query: {targets:?}\n{said}"
        );
    }
}
