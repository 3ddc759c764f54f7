//! Full loopback scan: asynclab's real-clock port checker over 127.0.0.1
//! ports 1-65535 with the timeline recorded, run N times against a farm of
//! listeners kept up for the whole benchmark, and nmap on the same farm when
//! it is installed.
//!
//! `cargo bench --bench loopback_scan` (20 runs), or with a count:
//! `cargo bench --bench loopback_scan -- 5`. Traffic goes to 127.0.0.1 only.

use std::collections::BTreeSet;
mod common;

use common::peak_rss_mb;
use std::process::Command;
use std::time::{Duration, Instant};

use asynclab::demo::{self, Params, run::run};
use asynclab::lab::scope::Scope;
use asynclab::lab::tcp::ListenerFarm;
use asynclab::timeline::{EventKind, Run};
use tokio_util::sync::CancellationToken;

const CONCURRENCY: &str = "5000";

fn main() {
    if std::env::args().any(|a| a == "--single") {
        return single_scan();
    }
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    // The farm lives on its own runtime for the whole benchmark, so both
    // scanners see exactly the same listeners.
    let farm_runtime = tokio::runtime::Runtime::new().expect("runtime for the lab");
    let farm = farm_runtime
        .block_on(ListenerFarm::start(5))
        .expect("lab listeners on 127.0.0.1");
    let farm_ports: BTreeSet<u16> = farm.ports().iter().copied().collect();

    println!(
        "asynclab: 127.0.0.1 ports 1-65535, concurrency {CONCURRENCY}, timeline recorded, {runs} runs"
    );
    let me = std::env::current_exe().expect("the benchmark's own path");
    let mut walls = Vec::with_capacity(runs);
    let mut peaks = Vec::with_capacity(runs);
    let mut found_sets = Vec::with_capacity(runs);
    for i in 1..=runs {
        // A fresh process per scan: its peak memory is that scan's alone.
        let out = Command::new(&me)
            .arg("--single")
            .output()
            .expect("run one scan");
        let line = String::from_utf8_lossy(&out.stdout);
        let mut fields = line.split_whitespace();
        let wall = Duration::from_micros(
            fields
                .next()
                .and_then(|f| f.parse().ok())
                .expect("wall time"),
        );
        let peak: f64 = fields
            .next()
            .and_then(|f| f.parse().ok())
            .expect("peak memory");
        let open: BTreeSet<u16> = fields.filter_map(|f| f.parse().ok()).collect();
        println!(
            "  run {i:>2}: {:>7.1} ms  peak {:>5.1} MB  {} open",
            ms(wall),
            peak,
            open.len()
        );
        walls.push(wall);
        peaks.push(peak);
        found_sets.push(open);
    }

    // nmap's time varies run to run too: take its median over up to 5.
    let mut nmap_runs: Vec<(Duration, BTreeSet<u16>)> =
        (0..runs.min(5)).map_while(|_| nmap_scan()).collect();
    nmap_runs.sort_by_key(|(wall, _)| *wall);
    if !nmap_runs.is_empty() {
        let walls: Vec<String> = nmap_runs
            .iter()
            .map(|(w, _)| format!("{:.0}", ms(*w)))
            .collect();
        println!("nmap: {} runs: {} ms", nmap_runs.len(), walls.join(", "));
    }
    let nmap = nmap_runs.get(nmap_runs.len() / 2).cloned();
    // The truth: the farm, plus whatever else listens here, as nmap saw it
    // (or, without nmap, as the first of our runs saw it).
    let reference: BTreeSet<u16> = match &nmap {
        Some((_, ports)) => ports.clone(),
        None => found_sets.first().cloned().unwrap_or_default(),
    };
    let all_farm_found = found_sets.iter().all(|s| farm_ports.is_subset(s));
    let consistent = found_sets.iter().filter(|s| **s == reference).count();

    walls.sort();
    let median = walls[walls.len() / 2];
    let peak = peaks.iter().copied().fold(0.0, f64::max);
    println!();
    println!("| scanner | median | min | max | peak memory | ports found |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| asynclab (timeline recorded) | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} MB | {} of {runs} runs found exactly {:?} |",
        ms(median),
        ms(walls[0]),
        ms(walls[walls.len() - 1]),
        peak,
        consistent,
        reference
    );
    match &nmap {
        Some((wall, ports)) => {
            println!(
                "| nmap -sT -p- -T4 -n -Pn | {:.0} ms | {:.0} ms | {:.0} ms | | {:?} |",
                ms(*wall),
                ms(nmap_runs[0].0),
                ms(nmap_runs[nmap_runs.len() - 1].0),
                ports
            );
            println!();
            println!(
                "asynclab is {:.2}x faster than nmap; same ports in {consistent}/{runs} runs",
                ms(*wall) / ms(median)
            );
        }
        None => println!("\n(nmap is not installed: `apt-get install nmap` to compare)"),
    }
    println!("every lab listener found in every run: {all_farm_found}");
    drop(farm);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One scan in this process; prints `wall_us peak_mb port port …`.
fn single_scan() {
    let port_check = demo::find("port-check").expect("the port-check demo");
    let mut params = Params::defaults(port_check.info().params).expect("port-check defaults parse");
    for (name, value) in [
        ("clock", "real"),
        ("ports", "1-65535"),
        ("concurrency", CONCURRENCY),
        ("lab", "off"),
    ] {
        params.set(name, value).expect("valid benchmark parameter");
    }
    let started = Instant::now();
    let result = run(
        port_check,
        &params,
        Scope::default(),
        &CancellationToken::new(),
        None,
    )
    .expect("scan runs");
    let wall = started.elapsed();
    let ports: Vec<String> = open_ports(&result).iter().map(u16::to_string).collect();
    println!(
        "{} {:.1} {}",
        wall.as_micros(),
        peak_rss_mb(),
        ports.join(" ")
    );
}

/// Ports the run reported open: tasks named `port-N` that completed "open".
fn open_ports(run: &Run) -> BTreeSet<u16> {
    run.events
        .iter()
        .filter(|e| e.kind == EventKind::Completed && e.note.starts_with("open"))
        .filter_map(|e| run.task_name(e.task).strip_prefix("port-")?.parse().ok())
        .collect()
}

/// nmap's connect scan of every port, if nmap is installed: (wall, open).
fn nmap_scan() -> Option<(Duration, BTreeSet<u16>)> {
    let started = Instant::now();
    let out = Command::new("nmap")
        .args(["-sT", "-p-", "-T4", "-n", "-Pn", "-oG", "-", "127.0.0.1"])
        .output()
        .ok()?;
    let wall = started.elapsed();
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let ports = text
        .lines()
        .filter_map(|l| l.split("Ports: ").nth(1))
        .flat_map(|list| list.split(", "))
        .filter(|entry| entry.contains("/open/"))
        .filter_map(|entry| entry.split('/').next()?.trim().parse().ok())
        .collect();
    Some((wall, ports))
}
