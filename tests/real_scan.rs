//! The real-clock port checker against the loopback lab: descriptor limits,
//! loopback false positives, and bad port lists. Every scan here targets
//! 127.0.0.1 only and is bounded by its port list.

mod common;

use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use common::*;

/// Real scans see every listener on loopback, including another test's lab:
/// run them one at a time.
static LOOPBACK: Mutex<()> = Mutex::new(());

fn exclusive() -> MutexGuard<'static, ()> {
    LOOPBACK.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn a_low_descriptor_limit_caps_concurrency_instead_of_failing() {
    let _one_at_a_time = exclusive();
    // A child shell lowers both limits to 256, then runs the scanner asking
    // for 1000 sockets at once over 1000 ports: more than the limit allows.
    let bin = env!("CARGO_BIN_EXE_asynclab");
    let script = format!(
        "ulimit -n 256 && exec '{bin}' port-check --clock real --set count=1000 --max-concurrent 1000 --width 160"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("concurrency capped at 128: only 256 descriptors may be open"),
        "{stdout}"
    );
    // count 1000 -> 20 lab listeners; every other port is known closed.
    assert_eq!(metric(&stdout, "open_ports"), 20);
    assert_eq!(metric(&stdout, "closed_ports"), 980);
    assert_eq!(metric(&stdout, "peak in flight"), 128);
    assert!(!stdout.contains("connect error"), "{stdout}");
    assert!(!stdout.contains("Too many open files"), "{stdout}");
}

#[test]
fn scanning_the_ephemeral_range_reports_only_real_listeners() {
    let _one_at_a_time = exclusive();
    // High concurrency over the kernel's ephemeral range is where loopback
    // self-connects and simultaneous opens happen. Twice, to give them a
    // chance; every run must report exactly the lab's 4 listeners.
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .unwrap_or_else(|_| "32768 60999".into());
    let bounds: Vec<u16> = range
        .split_whitespace()
        .filter_map(|b| b.parse().ok())
        .collect();
    let (low, high) = (bounds[0], bounds[1]);
    let ports = format!("ports={low}-{high}");
    for _ in 0..2 {
        // Other programs may listen there too (a developer's servers, CI's
        // neighbours): those are real open ports, not false positives.
        let others = loopback_listeners(low..=high);
        let out = bin()
            .args([
                "port-check",
                "--clock",
                "real",
                "--max-concurrent",
                "2000",
                "--set",
                &ports,
                "--width",
                "160",
            ])
            .output()
            .expect("runs");
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            metric(&stdout, "open_ports"),
            4 + others,
            "the lab's 4 listeners and the {others} already there, nothing more:\n{stdout}"
        );
    }
}

/// How many TCP listeners a connect to 127.0.0.1 can reach on `ports`:
/// bound to 127.0.0.1 or any address, over IPv4 or (dual-stack) IPv6.
fn loopback_listeners(ports: std::ops::RangeInclusive<u16>) -> u64 {
    let reachable = [
        "0100007F",
        "00000000",
        "00000000000000000000000000000000",
        "0000000000000000FFFF00000100007F",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((addr, port)) = local.split_once(':') else {
                continue;
            };
            let port = u16::from_str_radix(port, 16).unwrap_or(0);
            if *state == "0A" && reachable.contains(&addr) && ports.contains(&port) {
                seen.insert(port);
            }
        }
    }
    seen.len() as u64
}

#[test]
fn banners_are_read_from_open_ports() {
    let _one_at_a_time = exclusive();
    let out = bin()
        .args([
            "port-check",
            "--clock",
            "real",
            "--set",
            "banner=on",
            "--width",
            "160",
        ])
        .arg("--set")
        .arg("count=20")
        .output()
        .expect("runs");
    let stdout = text(&out.stdout);
    let all = run_with_input(
        &["--width", "160"],
        "open port-check\nset clock real\nset banner on\nset count 20\nrun\ntimeline --all\n",
    );
    let all = text(&all.stdout);
    assert!(out.status.success());
    assert!(all.contains("banner: SSH-2.0-asynclab-lab-0"), "{all}");
    assert_eq!(metric(&stdout, "open_ports"), 2);
}

#[test]
fn bad_port_lists_are_refused_with_a_fix() {
    let cases: &[(&str, &str)] = &[
        (
            "set ports 80-1",
            "error: ports = '80-1' is not valid: the range 80-1 runs backwards: write 1-80",
        ),
        (
            "set ports 0",
            "error: ports = '0' is not valid: port 0 is not a port: ports are 1-65535",
        ),
        (
            "set ports 70000",
            "error: ports = '70000' is not valid: 70000 is past the last port, 65535",
        ),
        (
            "set ports 22,,80",
            "error: ports = '22,,80' is not valid: an empty entry: write ports like 22,80,8000-8100",
        ),
    ];
    let mut input = String::from("open port-check\n");
    for (line, _) in cases {
        input.push_str(line);
        input.push('\n');
    }
    let out = run_with_input(&[], &input);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines, cases.iter().map(|c| c.1).collect::<Vec<_>>());
}

#[test]
fn targets_outside_loopback_are_refused_before_any_packet() {
    let out = run_with_input(
        &[],
        "open port-check\nset clock real\nset target 192.0.2.1\nrun\n",
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refusing to touch 192.0.2.1"), "{stderr}");
    assert!(stderr.contains("--allow-external"), "{stderr}");
}
