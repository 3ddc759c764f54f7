//! # Futures do nothing until awaited
//!
//! `check(host)` is an `async fn`: calling it builds a future and runs none
//! of its body. The body runs when the future is *polled*, which is what
//! `.await` does. So where you put your `.await`s is the shape of your run:
//!
//! - `sequential`: `for check in checks { check.await }`. Each check starts
//!   only after the previous one finished. Total = the sum.
//! - `concurrent`: `join_all(checks).await` polls them all from this one
//!   task, so their waits overlap. Total = the slowest.
//!
//! Every future is created at 0 ms in both modes. In the sequential run,
//! watch them sit queued (`·`) until their turn comes.

use std::time::Duration;

use async_trait::async_trait;
use futures::future::join_all;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "await",
    title: "Futures do nothing until awaited",
    about: "checking hosts one after another vs concurrently: the same futures, awaited differently",
    params: &[
        ParamSpec::int("count", 1, 10_000, "5", "hosts to check"),
        ParamSpec::duration("latency", "100ms", "typical time one check takes"),
        ParamSpec::choice(
            "mode",
            &["sequential", "concurrent"],
            "sequential",
            "await one by one, or all together with join_all",
        ),
    ],
    source: include_str!("await_.rs"),
    single_thread: false,
};

pub struct Await;

#[async_trait]
impl Demo for Await {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;

        // Building the futures: no check has started after this line.
        let checks: Vec<_> = (0..count)
            .map(|i| {
                check(
                    ctx.rec.future(format!("host-{}", i + 1)),
                    ctx.sim(i as u64).latency(latency),
                )
            })
            .collect();

        match ctx.params.choice("mode")? {
            "concurrent" => {
                join_all(checks).await;
            }
            _ => {
                for check in checks {
                    check.await;
                }
            }
        }
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
/// One host check. Nothing in here runs until the future is polled.
async fn check(task: TaskRec, took: Duration) {
    let _guard = task.guard("dropped before it finished");
    task.waiting(WaitOn::Io, "first polled: connecting");
    time::sleep(took).await;
    task.completed(format!("up, answered in {}ms", took.as_millis()));
}
// ANCHOR_END: core
