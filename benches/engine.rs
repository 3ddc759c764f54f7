//! The engine's cost as the work grows, against bare tokio.
//!
//! `cargo bench --bench engine` prints a markdown table:
//! - the virtual port-check demo at 10k, 100k and 1M simulated ports,
//!   concurrency 1000, recorded and analysed, vs the same workload in bare
//!   tokio with no recorder (same seeded latencies, same semaphore): nine
//!   pairs in turn, the median of each figure;
//! - rendering the text timeline and the SVG of a 100k-task run;
//! - start-up to the first prompt (piped `quit`), and the full
//!   `replay --check` of every lesson.
//!
//! Each engine measurement runs in a fresh child process (this binary,
//! re-executed), so its peak memory is its own.
//!
//! Built with `--features ablation`, it prints instead where the recorded
//! run's time goes: the same run with parts of the recording switched off
//! (`asynclab_kit::recorder::ablation`), step by step, against bare tokio,
//! starting from the demo's logic with every recorder call taken out.

mod common;

use common::{measure as measured, peak_rss_mb};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use asynclab::demo::{self, Params, Sim, run::run};
use asynclab::lab::scope::Scope;
use asynclab::timeline::{RenderOptions, analyze, render, to_svg};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const SIZES: [u64; 3] = [10_000, 100_000, 1_000_000];
const CONCURRENCY: usize = 1000;
const ROUNDS: usize = 9;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let kind = &args[i + 1];
        let n: u64 = args[i + 2].parse().expect("size");
        return child(kind, n);
    }
    let me = std::env::current_exe().expect("own path");
    if cfg!(feature = "ablation") {
        return breakdown(&me);
    }
    println!(
        "| ports | asynclab run, recorded | peak after the run | analysis + render | whole process | CPU | peak | bare tokio | CPU | peak | ratio (run) | ratio (all) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for n in SIZES {
        // Nine pairs, in turn, so both see the same machine; the median
        // of each figure.
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            ours.push(measure(&me, "asynclab", n));
            theirs.push(measure(&me, "bare", n));
        }
        let (a, b) = (Row::median(ours), Row::median(theirs));
        let ratio = |d: Duration| d.as_secs_f64() / b.all.as_secs_f64().max(1e-9);
        println!(
            "| {n} | {:.0} ms | {:.0} MB | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} MB | {:.0} ms | {:.0} ms | {:.0} MB | {:.2}x | {:.2}x |",
            ms(a.run),
            a.run_peak_mb,
            ms(a.all.saturating_sub(a.run)),
            ms(a.all),
            ms(a.cpu),
            a.peak_mb,
            ms(b.all),
            ms(b.cpu),
            b.peak_mb,
            ratio(a.run),
            ratio(a.all)
        );
    }

    // Rendering a 100k-task run.
    let params = port_check_params(100_000);
    let port_check = demo::find("port-check").expect("port-check");
    let done = run(
        port_check,
        &params,
        Scope::default(),
        &CancellationToken::new(),
        None,
    )
    .expect("run");
    let analysis = analyze(&done);
    let opts = RenderOptions::default();
    let t = Instant::now();
    let text = render(&done, &analysis, &opts);
    let text_time = t.elapsed();
    let t = Instant::now();
    let svg = to_svg(&done, &analysis, Some("100k ports"));
    let svg_time = t.elapsed();
    println!();
    println!("| render (100k tasks) | time | size |");
    println!("|---|---|---|");
    println!(
        "| text timeline | {:.1} ms | {} lines, {} KB |",
        ms(text_time),
        text.lines().count(),
        text.len() / 1024
    );
    println!("| SVG | {:.1} ms | {} KB |", ms(svg_time), svg.len() / 1024);

    // Start-up to the first prompt, and replay of every lesson.
    let bin = env!("CARGO_BIN_EXE_asynclab");
    let mut starts: Vec<Duration> = (0..20)
        .map(|_| timed(Command::new(bin).arg("--lessons").arg(lessons()), "quit\n"))
        .collect();
    starts.sort();
    let mut lessons_md: Vec<String> = std::fs::read_dir(lessons())
        .expect("lessons/")
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".md"))
        .collect();
    lessons_md.sort();
    let replay = timed(
        Command::new(bin)
            .arg("replay")
            .arg("--check")
            .args(&lessons_md),
        "",
    );
    println!();
    println!("| command | time |");
    println!("|---|---|");
    println!(
        "| start-up to first prompt, piped `quit` (median of 20) | {:.1} ms |",
        ms(starts[10])
    );
    println!(
        "| `replay --check` of all {} lessons | {:.0} ms |",
        lessons_md.len(),
        ms(replay)
    );
}

/// The recorded run built up step by step, from the demo's logic with no
/// recorder at all, through the demo with nothing recorded, to the full
/// run: `--child` kinds and what each one adds.
const STEPS: [(&str, &str); 5] = [
    ("no-recorder", "the demo's logic, no recorder"),
    ("unnamed", "demo, nothing recorded, no names"),
    ("unrecorded", "+ lane names"),
    ("unkept", "+ every event made, none kept"),
    ("asynclab", "+ events kept: the full run"),
];

/// Where the recorded run's time goes: each step's run time (median of
/// `ROUNDS`, all kinds in turn) and its ratio to bare tokio.
fn breakdown(me: &std::path::Path) {
    let heads: Vec<&str> = STEPS.iter().map(|(_, head)| *head).collect();
    println!("| ports | bare tokio | {} |", heads.join(" | "));
    println!("|---|---|{}", "---|".repeat(STEPS.len()));
    for n in [100_000, 1_000_000] {
        let mut bare = Vec::new();
        let mut steps = vec![Vec::new(); STEPS.len()];
        for _ in 0..ROUNDS {
            bare.push(measure(me, "bare", n).run);
            for ((kind, _), times) in STEPS.iter().zip(&mut steps) {
                times.push(measure(me, kind, n).run);
            }
        }
        let bare = mid(bare);
        let cells: Vec<String> = steps
            .into_iter()
            .map(|times| {
                let t = mid(times);
                format!(
                    "{:.0} ms ({:.2}x)",
                    ms(t),
                    t.as_secs_f64() / bare.as_secs_f64().max(1e-9)
                )
            })
            .collect();
        println!("| {n} | {:.0} ms | {} |", ms(bare), cells.join(" | "));
    }
}

/// The middle value of `v` (of an odd count: `ROUNDS` is 9).
fn mid<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn lessons() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/lessons").to_string()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn timed(cmd: &mut Command, input: &str) -> Duration {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes())
        .expect("write");
    child.wait().expect("wait");
    started.elapsed()
}

/// One measurement in a fresh process: the run alone and its peak memory,
/// the run with its analysis and render, the process's CPU time and its
/// peak memory.
struct Row {
    run: Duration,
    run_peak_mb: f64,
    all: Duration,
    cpu: Duration,
    peak_mb: f64,
}

impl Row {
    /// Each figure's median over the rounds (figures taken apart: the
    /// median run and the median peak may come from different rounds).
    fn median(rows: Vec<Row>) -> Row {
        Row {
            run: mid(rows.iter().map(|r| r.run).collect()),
            run_peak_mb: mid(rows.iter().map(|r| r.run_peak_mb).collect()),
            all: mid(rows.iter().map(|r| r.all).collect()),
            cpu: mid(rows.iter().map(|r| r.cpu).collect()),
            peak_mb: mid(rows.iter().map(|r| r.peak_mb).collect()),
        }
    }
}

fn measure(me: &std::path::Path, kind: &str, n: u64) -> Row {
    let child = measured(Command::new(me).args(["--child", kind, &n.to_string()]));
    let mut fields = child.stdout.split_whitespace();
    let mut micros =
        || Duration::from_micros(fields.next().and_then(|f| f.parse().ok()).expect("a time"));
    let (run, all) = (micros(), micros());
    let mut mb = || -> f64 { fields.next().and_then(|f| f.parse().ok()).expect("a peak") };
    let (run_peak_mb, peak_mb) = (mb(), mb());
    Row {
        run,
        run_peak_mb,
        all,
        cpu: child.cpu,
        peak_mb,
    }
}

fn port_check_params(n: u64) -> Params {
    let port_check = demo::find("port-check").expect("port-check");
    let mut params = Params::defaults(port_check.info().params).expect("port-check defaults parse");
    params.set("count", &n.to_string()).expect("count");
    params
        .set("concurrency", &CONCURRENCY.to_string())
        .expect("concurrency");
    params
}

fn child(kind: &str, n: u64) {
    let started = Instant::now();
    #[cfg(feature = "ablation")]
    {
        use asynclab_kit::recorder::ablation::{Part, switch_off};
        match kind {
            "unnamed" => switch_off(&[Part::Recording, Part::Names]),
            "unrecorded" => switch_off(&[Part::Recording]),
            "unkept" => switch_off(&[Part::Keeping]),
            _ => {}
        }
    }
    let (ran, run_peak) = match kind {
        "bare" => {
            bare(n);
            (started.elapsed(), peak_rss_mb())
        }
        "asynclab" | "unkept" | "unrecorded" | "unnamed" => {
            let port_check = demo::find("port-check").expect("port-check");
            let done = run(
                port_check,
                &port_check_params(n),
                Scope::default(),
                &CancellationToken::new(),
                None,
            )
            .expect("run");
            let ran = (started.elapsed(), peak_rss_mb());
            // What a learner gets: the analysis and the rendered timeline.
            let analysis = analyze(&done);
            std::hint::black_box(render(&done, &analysis, &RenderOptions::default()));
            ran
        }
        "no-recorder" => {
            let params = port_check_params(n);
            let cancel = CancellationToken::new();
            run(
                &no_recorder::PortCheck,
                &params,
                Scope::default(),
                &cancel,
                None,
            )
            .expect("run");
            (started.elapsed(), peak_rss_mb())
        }
        other => panic!("no child kind '{other}'"),
    };
    let wall = started.elapsed();
    println!(
        "{} {} {run_peak:.1} {:.1}",
        ran.as_micros(),
        wall.as_micros(),
        peak_rss_mb()
    );
}

/// The port-check workload with nothing recorded: same seeded answers, same
/// permits-before-spawn, same per-connect timeout, on a paused clock.
fn bare(n: u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let mut checks = JoinSet::new();
        let (latency, timeout) = (Duration::from_millis(50), Duration::from_millis(300));
        let mut open = 0u64;
        for i in 0..n {
            let (host, port) = (i / 65_535, i % 65_535 + 1);
            let mut sim = Sim::new(42, host * 65_536 + port);
            let answer = match sim.below(100) {
                0..10 => Some((sim.latency(latency), true)),
                10..30 => None,
                _ => Some((sim.latency(latency), false)),
            };
            let permit = permits.clone().acquire_owned().await.expect("permit");
            checks.spawn(async move {
                let _permit = permit;
                let connect = async {
                    match answer {
                        Some((after, is_open)) => {
                            tokio::time::sleep(after).await;
                            is_open
                        }
                        None => std::future::pending().await,
                    }
                };
                tokio::time::timeout(timeout, connect)
                    .await
                    .unwrap_or(false)
            });
            while let Some(done) = checks.try_join_next() {
                open += u64::from(done.unwrap_or(false));
            }
        }
        while let Some(done) = checks.join_next().await {
            open += u64::from(done.unwrap_or(false));
        }
        std::hint::black_box(open);
    });
}

/// port-check's scan with every recorder call taken out, run through
/// asynclab's own harness (`run`: its runtime, watchdog and Ctrl-C race):
/// what the demo's logic costs before anything is recorded. The same
/// targets, seeded answers, permits-before-spawn, per-connect timeout and
/// tally of results through the `JoinSet`.
mod no_recorder {
    use super::*;
    use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo};

    pub struct PortCheck;

    static INFO: DemoInfo = DemoInfo {
        name: "port-check, no recorder",
        title: "",
        about: "",
        params: &[],
        source: "",
        single_thread: false,
    };

    #[derive(Clone, Copy)]
    enum State {
        Open,
        Closed,
        Filtered,
    }

    #[async_trait::async_trait]
    impl Demo for PortCheck {
        fn info(&self) -> &'static DemoInfo {
            &INFO
        }

        async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
            let count = ctx.params.usize("count")?;
            let timeout = ctx.params.duration("timeout")?;
            let (latency, seed) = (ctx.params.duration("latency")?, ctx.seed);
            let permits = Arc::new(Semaphore::new(ctx.params.usize("concurrency")?));
            let mut checks = JoinSet::new();
            let (mut open, mut closed, mut filtered) = (Vec::new(), 0u64, 0u64);
            let mut tally = |joined: Result<((u32, u16), State), _>| match joined {
                Ok((target, State::Open)) => open.push(target),
                Ok((_, State::Closed)) => closed += 1,
                Ok((_, State::Filtered)) => filtered += 1,
                Err(_) => {}
            };
            for i in 0..count {
                let (host, port) = ((i / 65_535) as u32, (i % 65_535 + 1) as u16);
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                checks.spawn(async move {
                    let _permit = permit;
                    let connect = async {
                        let mut sim = Sim::new(seed, u64::from(host) * 65_536 + u64::from(port));
                        let state = match sim.below(100) {
                            0..10 => State::Open,
                            10..30 => return std::future::pending().await,
                            _ => State::Closed,
                        };
                        tokio::time::sleep(sim.latency(latency)).await;
                        state
                    };
                    let state = tokio::time::timeout(timeout, connect)
                        .await
                        .unwrap_or(State::Filtered);
                    ((host, port), state)
                });
                while let Some(joined) = checks.try_join_next() {
                    tally(joined);
                }
            }
            while let Some(joined) = checks.join_next().await {
                tally(joined);
            }
            std::hint::black_box((open.len(), closed, filtered));
            Ok(())
        }
    }
}
