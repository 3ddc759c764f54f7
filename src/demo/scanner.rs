//! # A bounded scanner type
//!
//! Passing a semaphore around by hand works for one loop. A real tool wants
//! a `Scanner` value that *owns* its limit: every part of the program that
//! scans goes through it, and the cap holds for all of them together
//! without any of them knowing about it.
//!
//! `Scanner` is cheap to clone: the clones share one `Arc<Semaphore>`. Two
//! campaigns (web servers and databases) start together through clones of
//! one scanner, and between them never exceed `concurrency` connects. The
//! semaphore is fair (first come, first served), not balanced: the checks
//! that asked first get the permits first, whichever campaign they are in.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn, acquire_permit};

static INFO: DemoInfo = DemoInfo {
    name: "scanner",
    title: "A Scanner that owns its limit",
    about: "a Scanner type owning an Arc<Semaphore>: two campaigns share one cap on connects in flight",
    params: &[
        ParamSpec::int(
            "count",
            1,
            100_000,
            "10",
            "targets in each of the two campaigns",
        ),
        ParamSpec::int(
            "concurrency",
            1,
            10_000,
            "4",
            "the scanner's limit on connects in flight",
        ),
        ParamSpec::duration("latency", "80ms", "typical time one connect takes"),
    ],
    source: include_str!("scanner.rs"),
    single_thread: false,
};

// ANCHOR: core
/// A port scanner with a built-in concurrency limit.
#[derive(Clone)]
struct Scanner {
    /// Shared by every clone: the one place the limit lives.
    permits: Arc<Semaphore>,
    limit: usize,
}
// ANCHOR_END: core

// ANCHOR: core
impl Scanner {
    fn new(limit: usize) -> Scanner {
        Scanner {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// Checks one target; waits for a permit first if the scanner is busy.
    async fn check(&self, task: &TaskRec, took: Duration) -> bool {
        let Some(_permit) = acquire_permit(task, &self.permits, self.limit).await else {
            return false; // the semaphore was closed: scanner shut down
        };
        task.waiting(WaitOn::Io, "connecting");
        time::sleep(took).await;
        true
    }
}
// ANCHOR_END: core

pub struct ScannerDemo;

#[async_trait]
impl Demo for ScannerDemo {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let scanner = Scanner::new(ctx.params.usize("concurrency")?);

        let mut checks = JoinSet::new();
        // Two campaigns started together, each with its own clone.
        for (c, campaign) in ["web", "db"].into_iter().enumerate() {
            for i in 0..count {
                let task = ctx.rec.task(format!("{campaign}-{:02}", i + 1));
                let took = ctx.sim((c * count + i) as u64).latency(latency);
                let scanner = scanner.clone();
                checks.spawn(async move {
                    let _guard = task.guard("aborted");
                    if scanner.check(&task, took).await {
                        task.completed(format!("checked in {}ms", took.as_millis()));
                    }
                });
            }
        }
        while checks.join_next().await.is_some() {}
        Ok(())
    }
    // ANCHOR_END: core
}
