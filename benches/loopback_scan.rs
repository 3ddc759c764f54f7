//! Full loopback scan: asynclab's real-clock port checker over 127.0.0.1
//! ports 1-65535 with the timeline recorded, run N times against a farm of
//! listeners kept up for the whole benchmark, and nmap on the same farm when
//! it is installed.
//!
//! `cargo bench --bench loopback_scan` (10 pairs), or with a count:
//! `cargo bench --bench loopback_scan -- 5`. Traffic goes to 127.0.0.1 only.

use std::collections::BTreeSet;
mod common;

use common::{Measured, measure, median};
use std::process::Command;
use std::time::Duration;

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
        .unwrap_or(10);
    // The farm lives on its own runtime for the whole benchmark, so both
    // scanners see exactly the same listeners.
    let farm_runtime = tokio::runtime::Runtime::new().expect("runtime for the lab");
    let farm = farm_runtime
        .block_on(ListenerFarm::start(5))
        .expect("lab listeners on 127.0.0.1");
    let farm_ports: BTreeSet<u16> = farm.ports().iter().copied().collect();
    let nmap_here = Command::new("nmap").arg("--version").output().is_ok();

    println!(
        "127.0.0.1 ports 1-65535: asynclab at concurrency {CONCURRENCY}, timeline recorded, \
         and nmap -sT -p- -T4 -n -Pn, {runs} pairs run in turn, each a fresh process"
    );
    let me = std::env::current_exe().expect("the benchmark's own path");
    let mut ours: Vec<Measured> = Vec::with_capacity(runs);
    let mut theirs: Vec<Measured> = Vec::with_capacity(runs);
    let mut found_sets = Vec::with_capacity(runs);
    let mut nmap_sets = Vec::with_capacity(runs);
    for i in 1..=runs {
        // In turn, so both see the same machine at about the same moment.
        let scan = measure(Command::new(&me).arg("--single"));
        let open: BTreeSet<u16> = scan
            .stdout
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        print!(
            "  pair {i:>2}: asynclab {} ({} open)",
            row(&scan),
            open.len()
        );
        found_sets.push(open);
        ours.push(scan);
        if nmap_here {
            let nmap = measure(Command::new("nmap").args([
                "-sT",
                "-p-",
                "-T4",
                "-n",
                "-Pn",
                "-oG",
                "-",
                "127.0.0.1",
            ]));
            print!("  nmap {}", row(&nmap));
            nmap_sets.push(nmap_open(&nmap.stdout));
            theirs.push(nmap);
        }
        println!();
    }

    // The truth: the farm, plus whatever else listens here, as nmap saw it
    // (or, without nmap, as the first of our runs saw it).
    let reference: BTreeSet<u16> = nmap_sets
        .first()
        .or(found_sets.first())
        .cloned()
        .unwrap_or_default();
    let all_farm_found = found_sets.iter().all(|s| farm_ports.is_subset(s));
    let consistent = found_sets.iter().filter(|s| **s == reference).count();

    println!();
    println!(
        "| scanner | wall (median) | wall min | CPU user+sys (median) | peak memory (max) | ports found |"
    );
    println!("|---|---|---|---|---|---|");
    let summary = |name: &str, runs: &[Measured], found: String| {
        let mut walls: Vec<f64> = runs.iter().map(|m| ms(m.wall)).collect();
        let mut cpus: Vec<f64> = runs.iter().map(|m| ms(m.cpu)).collect();
        let peak = runs.iter().map(|m| m.peak_mb).fold(0.0, f64::max);
        let min = walls.iter().copied().fold(f64::MAX, f64::min);
        let (wall, cpu) = (median(&mut walls), median(&mut cpus));
        println!("| {name} | {wall:.0} ms | {min:.0} ms | {cpu:.0} ms | {peak:.1} MB | {found} |");
        (wall, cpu, peak)
    };
    let (a_wall, a_cpu, a_peak) = summary(
        "asynclab (timeline recorded)",
        &ours,
        format!("{consistent} of {runs} runs found exactly {reference:?}"),
    );
    if theirs.is_empty() {
        println!("\n(nmap is not installed: `apt-get install nmap` to compare)");
    } else {
        let (n_wall, n_cpu, n_peak) = summary(
            "nmap 7.93 -sT -p- -T4 -n -Pn",
            &theirs,
            format!("{reference:?}"),
        );
        println!();
        println!(
            "asynclab / nmap: wall {:.2}x, CPU {:.2}x, peak memory {:.2}x",
            a_wall / n_wall,
            a_cpu / n_cpu,
            a_peak / n_peak
        );
    }
    println!("every lab listener found in every run: {all_farm_found}");
    drop(farm);
}

/// One measurement on one line.
fn row(m: &Measured) -> String {
    format!(
        "{:>6.0} ms wall, {:>5.0} ms CPU, {:>5.1} MB",
        ms(m.wall),
        ms(m.cpu),
        m.peak_mb
    )
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
    let result = run(
        port_check,
        &params,
        Scope::default(),
        &CancellationToken::new(),
        None,
    )
    .expect("scan runs");
    let ports: Vec<String> = open_ports(&result).iter().map(u16::to_string).collect();
    println!("{}", ports.join(" "));
}

/// Ports the run reported open: tasks named `port-N` that completed "open".
fn open_ports(run: &Run) -> BTreeSet<u16> {
    run.events
        .iter()
        .filter(|e| e.kind == EventKind::Completed && run.note(e).starts_with("open"))
        .filter_map(|e| run.task_name(e.task).strip_prefix("port-")?.parse().ok())
        .collect()
}

/// The open ports in nmap's grepable output.
fn nmap_open(text: &str) -> BTreeSet<u16> {
    text.lines()
        .filter_map(|l| l.split("Ports: ").nth(1))
        .flat_map(|list| list.split(", "))
        .filter(|entry| entry.contains("/open/"))
        .filter_map(|entry| entry.split('/').next()?.trim().parse().ok())
        .collect()
}
