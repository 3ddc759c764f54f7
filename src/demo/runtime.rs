//! # The runtime: who polls your futures
//!
//! `#[tokio::main]` is a macro for "build a runtime, `block_on` my `main`".
//! A runtime owns the threads that poll tasks (its *workers*), a timer and
//! the I/O reactor. Two flavours:
//!
//! - `current_thread`: one thread runs every task, interleaving them at
//!   each `.await`. Cheap, no cross-thread wake-ups; `#[tokio::test]` uses it.
//! - `multi_thread` (the `#[tokio::main]` default): one worker per core,
//!   each with a run queue; idle workers steal tasks from busy ones.
//!
//! Waiting costs no thread, so for pure I/O one thread goes far. CPU work
//! between awaits is different: it needs a thread for as long as it runs.
//! This demo builds a runtime with `workers` threads (1 = current-thread)
//! and spawns port checks on it that each parse a banner for `work` of real
//! CPU time, then measures how many threads ran them and how long it took.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::runtime::Builder;
use tokio::task::JoinSet;

use asynclab_kit::{Clock, Ctx, Demo, DemoError, DemoInfo, Kind, ParamSpec};

static INFO: DemoInfo = DemoInfo {
    name: "runtime",
    title: "The runtime: current-thread vs multi-thread",
    about: "the same CPU-heavy port checks on a runtime with one worker thread, then two",
    params: &[
        // Real CPU time is the point: the real clock by default.
        asynclab_kit::params::REAL_CLOCK_DEFAULT,
        ParamSpec::int(
            "workers",
            1,
            2,
            "1",
            "worker threads (1: a current-thread runtime)",
        ),
        ParamSpec::int("count", 1, 64, "4", "port checks to spawn"),
        ParamSpec {
            name: "work",
            kind: Kind::Duration {
                min: Duration::from_millis(1),
                max: Duration::from_millis(500),
            },
            default: "40ms",
            help: "real CPU time each check spends parsing its banner",
        },
    ],
    source: include_str!("runtime.rs"),
    single_thread: false,
};

pub struct Runtime;

/// CPU work that never awaits: it holds its worker thread while it runs.
fn parse_banner(work: Duration) -> u64 {
    let started = Instant::now();
    let mut sum = 0u64;
    while started.elapsed() < work {
        sum = sum.wrapping_mul(31).wrapping_add(7);
    }
    sum
}

#[async_trait]
impl Demo for Runtime {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        if ctx.clock == Clock::Virtual {
            return Err(DemoError::Setup(
                "worker threads run real CPU work, which the virtual clock cannot see: `set clock real`".into(),
            ));
        }
        let (workers, count) = (ctx.params.usize("workers")?, ctx.params.usize("count")?);
        let work = ctx.params.duration("work")?;
        let rec = ctx.rec.clone();

        // A runtime of our own, built the way `#[tokio::main]` would build
        // one. It must not run on this runtime's thread (a runtime cannot
        // block_on inside another), so it gets a blocking-pool thread.
        let threads = tokio::task::spawn_blocking(move || {
            let runtime = match workers {
                1 => Builder::new_current_thread().enable_all().build(),
                n => Builder::new_multi_thread()
                    .worker_threads(n)
                    .enable_all()
                    .build(),
            }?;
            // Which OS threads ran a check: shared by every task.
            let seen = Arc::new(Mutex::new(HashSet::new()));
            runtime.block_on(async {
                let mut checks = JoinSet::new();
                for i in 0..count {
                    let (task, seen) = (rec.task(format!("check-{}", i + 1)), seen.clone());
                    checks.spawn(async move {
                        task.started("connected; parsing the banner (CPU)");
                        if let Ok(mut seen) = seen.lock() {
                            seen.insert(std::thread::current().id());
                        }
                        parse_banner(work); // no .await: holds this worker
                        task.completed("banner parsed");
                    });
                }
                while checks.join_next().await.is_some() {}
            });
            let threads = seen.lock().map(|s| s.len()).unwrap_or(0);
            Ok::<_, std::io::Error>(threads)
        })
        .await
        .map_err(|e| DemoError::Setup(format!("the runtime's thread failed: {e}")))??;

        ctx.rec.set_metric("worker_threads", workers as u64);
        ctx.rec.set_metric("threads_used", threads as u64);
        Ok(())
    }
    // ANCHOR_END: core
}
