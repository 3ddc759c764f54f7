//! # `tokio::spawn` needs `Send + 'static`
//!
//! A spawned task may outlive the function that spawned it, and on a
//! multi-thread runtime it may move to another worker at any `.await`. So
//! `tokio::spawn` requires its future to be:
//!
//! - `'static`: it borrows nothing from the spawner's stack. Move owned
//!   values in (`async move`), or share through an `Arc`.
//! - `Send`: everything it holds across an `.await` can cross threads. An
//!   `Rc` or a `std::sync::MutexGuard` cannot.
//!
//! Here a scan shares one target list and one user agent with every
//! task: each task gets an `Arc::clone` (a pointer copy and a count bump,
//! not a copy of the data). The demo records how many handles exist while
//! the tasks run and after they end.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "send-static",
    title: "spawn needs Send + 'static: move and Arc",
    about: "tasks share a target list through Arc clones moved into each task",
    params: &[
        ParamSpec::int("count", 1, 10_000, "6", "scan tasks to spawn"),
        ParamSpec::duration("latency", "50ms", "typical time one scan takes"),
    ],
    source: include_str!("send_static.rs"),
    single_thread: false,
};

pub struct SendStatic;

/// What every task needs to read. Owned `String`s: nothing borrowed.
struct ScanPlan {
    targets: Vec<String>,
    user_agent: String,
}

#[async_trait]
impl Demo for SendStatic {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let plan = Arc::new(ScanPlan {
            // 10.0.0.1, 10.0.0.2, …, 10.0.1.0, …: a valid address for any count.
            targets: (1..=count)
                .map(|i| format!("10.0.{}.{}:443", i / 256, i % 256))
                .collect(),
            user_agent: "asynclab/0.1".into(),
        });

        let mut scans = JoinSet::new();
        for i in 0..count {
            // A handle of its own for each task, made *before* the spawn:
            // `async move` then moves this clone (not `plan`) into the task.
            let plan = Arc::clone(&plan);
            let task = ctx.rec.task(format!("scan-{}", i + 1));
            let took = ctx.sim(i as u64).latency(latency);
            scans.spawn(async move {
                let target = &plan.targets[i]; // borrowed from the task's own Arc
                task.waiting(
                    WaitOn::Io,
                    format!("GET https://{target}/ as {}", plan.user_agent),
                );
                time::sleep(took).await;
                task.completed(format!("{target} answered"));
                // `plan` (this task's clone) is dropped here.
            });
        }
        // Every task holds one handle, and `run` still holds the first.
        ctx.rec
            .set_metric("handles_while_running", Arc::strong_count(&plan) as u64);
        while scans.join_next().await.is_some() {}
        ctx.rec
            .set_metric("handles_after", Arc::strong_count(&plan) as u64);
        Ok(())
    }
    // ANCHOR_END: core
}
