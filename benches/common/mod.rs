//! What the benchmarks measure the same way: a child process's wall time,
//! CPU time (user + system) and peak memory, read from /proc (Linux).

// Each benchmark includes this module and uses only part of it.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One child process, measured.
pub struct Measured {
    pub wall: Duration,
    /// User plus system time, 10 ms resolution (the kernel's USER_HZ).
    pub cpu: Duration,
    /// Its resident memory's high-water mark, sampled while it ran.
    pub peak_mb: f64,
    pub stdout: String,
}

/// This process's peak resident memory so far, in MB.
pub fn peak_rss_mb() -> f64 {
    vm_hwm_kb("/proc/self/status").map_or(0.0, |kb| kb / 1024.0)
}

fn vm_hwm_kb(status: &str) -> Option<f64> {
    let text = std::fs::read_to_string(status).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of this process's children that have been waited for: the
/// `cutime` and `cstime` fields of /proc/self/stat, in USER_HZ ticks.
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces: count fields after its `)`.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // Fields 16 and 17 of the whole line are 14 and 15 after `)`.
    let ticks = fields.get(13).copied().unwrap_or(0) + fields.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Runs `cmd` to its end: stdout captured, stderr dropped. Peak memory is
/// the child's VmHWM, sampled every few milliseconds (the high-water mark
/// only rises, so the last sample misses at most the final moments).
pub fn measure(cmd: &mut Command) -> Measured {
    let cpu_before = children_cpu();
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the command starts");
    let status = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let mut peak_kb: f64 = 0.0;
    loop {
        if let Some(kb) = vm_hwm_kb(&status) {
            peak_kb = peak_kb.max(kb);
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let wall = started.elapsed();
    Measured {
        wall,
        cpu: children_cpu().saturating_sub(cpu_before),
        peak_mb: peak_kb / 1024.0,
        stdout: reader.join().unwrap_or_default(),
    }
}

/// The median of `values` (sorted in place).
pub fn median<T: PartialOrd + Copy>(values: &mut [T]) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}
