//! # spawn_blocking: keep CPU work off the async threads
//!
//! An async runtime runs many tasks on few threads, and a task only gives
//! its thread back at an `.await`. Work that computes for a long time
//! without awaiting (parsing a big scan report, hashing, compressing) keeps
//! its thread, and every other task scheduled there waits.
//!
//! This demo runs on a *current-thread* runtime, on the real clock, so the
//! effect is plain: a heartbeat, spawned as a task of its own, ticks every
//! 10 ms while another task parses a report for `work` of real CPU time.
//! Nobody awaits the parse on the heartbeat's behalf: it misses beats only
//! because the thread they share is taken, and notes each late beat.
//!
//! - `inline`: the parse runs inside an async task. The only thread is busy;
//!   the heartbeat stops for the whole parse.
//! - `spawn-blocking`: `tokio::task::spawn_blocking` runs the parse on
//!   tokio's blocking thread pool. The async thread stays free; the
//!   heartbeat never misses a beat.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::time;

use asynclab_kit::{Clock, Ctx, Demo, DemoError, DemoInfo, Kind, ParamSpec, WaitOn, heartbeat};

static INFO: DemoInfo = DemoInfo {
    name: "blocking",
    title: "spawn_blocking for CPU-heavy work",
    about: "CPU-heavy parsing inline on a current-thread runtime stalls every task; spawn_blocking keeps them running",
    params: &[
        // Capped at 2 s: inline, the parse holds the only thread, and not even
        // Ctrl-C is handled until it ends.
        ParamSpec {
            name: "work",
            kind: Kind::Duration {
                min: Duration::from_millis(1),
                max: Duration::from_secs(2),
            },
            default: "150ms",
            help: "real CPU time the parse needs",
        },
        // Real CPU time is the point: the real clock by default.
        asynclab_kit::params::REAL_CLOCK_DEFAULT,
        ParamSpec::choice(
            "mode",
            &["inline", "spawn-blocking"],
            "inline",
            "where the parse runs",
        ),
    ],
    source: include_str!("blocking.rs"),
    single_thread: true,
};

pub struct Blocking;

// ANCHOR: core
/// CPU-bound "parsing": checksums a buffer over and over until `work` of
/// real time has passed. Never awaits: this is the code that blocks.
fn parse_report(work: Duration) -> u64 {
    let report = vec![7u8; 64 * 1024];
    let started = Instant::now();
    let mut sum = 0u64;
    while started.elapsed() < work {
        sum = report.iter().fold(sum, |acc, b| {
            acc.wrapping_mul(31).wrapping_add(u64::from(*b))
        });
    }
    sum
}
// ANCHOR_END: core

#[async_trait]
impl Demo for Blocking {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        if ctx.clock == Clock::Virtual {
            return Err(DemoError::Setup(
                "this demo measures real CPU time, which the virtual clock cannot see: `set clock real`".into(),
            ));
        }
        let work = ctx.params.duration("work")?;

        let offload = ctx.params.choice("mode")? == "spawn-blocking";

        // Two tasks of their own on the runtime's one thread. The heartbeat
        // knows nothing of the parser: if it misses beats, it is because the
        // thread they share was taken, not because anyone awaited the parse.
        let heart = tokio::spawn(heartbeat(
            ctx.rec.task("heartbeat"),
            work + Duration::from_millis(100),
        ));
        let parser = ctx.rec.task("parser");
        let parse = tokio::spawn(async move {
            // Let the heartbeat start first.
            parser.waiting(WaitOn::Timer, "lets the heartbeat start first");
            time::sleep(Duration::from_millis(20)).await;
            parser.started("parsing the scan report");
            if offload {
                parser.waiting(WaitOn::Join, "on the blocking pool; this thread is free");
                let _ = tokio::task::spawn_blocking(move || parse_report(work)).await;
            } else {
                parse_report(work); // holds the only thread: nothing else runs
            }
            parser.completed("report parsed");
        });

        let (worst, parsed) = tokio::join!(heart, parse);
        let (Ok(worst), Ok(())) = (worst, parsed) else {
            return Err(DemoError::Setup("a task of the demo panicked".into()));
        };
        ctx.rec
            .set_metric("heartbeat_gap_ms", worst.as_millis() as u64);
        ctx.rec.set_metric("work_ms", work.as_millis() as u64);
        Ok(())
    }
    // ANCHOR_END: core
}
