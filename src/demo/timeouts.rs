//! # Timeouts: per operation, or one deadline for the whole scan
//!
//! Two different promises:
//!
//! - **per operation**: `timeout(d, check)` around each check. No single
//!   slow target costs more than `d`, but a scan of many slow targets can
//!   still take long.
//! - **one deadline**: the whole scan must end by a fixed instant. Results
//!   are collected from a `FuturesUnordered` with `timeout_at(deadline, …)`;
//!   when the deadline passes, whatever has not finished is dropped, and the
//!   results gathered so far are kept.
//!
//! Pick per-operation timeouts to stop one target from hanging you; pick a
//! deadline when someone is waiting for the answer at a given time.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::time::{self, Instant};

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "timeouts",
    title: "Timeouts: per operation or one deadline",
    about: "a timeout on each check vs one deadline for the whole scan: what each does to slow targets",
    params: &[
        ParamSpec::int("count", 1, 10_000, "12", "targets, all checked at once"),
        ParamSpec::duration(
            "latency",
            "60ms",
            "typical answer time; one target in four is five times slower",
        ),
        ParamSpec::choice(
            "mode",
            &["per-op", "deadline"],
            "per-op",
            "a timeout per check, or one deadline for the scan",
        ),
        ParamSpec::duration("timeout", "150ms", "per-op: the longest one check may take"),
        ParamSpec::duration(
            "deadline",
            "120ms",
            "deadline: when the whole scan must be over",
        ),
    ],
    source: include_str!("timeouts.rs"),
    single_thread: false,
};

pub struct Timeouts;

#[async_trait]
impl Demo for Timeouts {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let timeout = ctx.params.duration("timeout")?;
        let per_op = ctx.params.choice("mode")? == "per-op";

        // The limit in force: each check's timeout, or the scan's deadline.
        let limit = if per_op {
            timeout
        } else {
            ctx.params.duration("deadline")?
        };
        let mut slow = 0;
        let mut pending = FuturesUnordered::new();
        for i in 0..count {
            let mut sim = ctx.sim(i as u64);
            let took = if sim.percent(25) {
                sim.latency(latency) * 5
            } else {
                sim.latency(latency)
            };
            // Known from the plan: the targets that will not beat the limit.
            slow += u64::from(took > limit);
            let task = ctx.rec.future(format!("target-{:02}", i + 1));
            pending.push(check(task, took, per_op.then_some(timeout)));
        }
        ctx.rec.set_metric("slow_targets", slow);

        let mut results = 0;
        if per_op {
            while let Some(answered) = pending.next().await {
                results += u64::from(answered);
            }
        } else {
            let deadline = Instant::now() + ctx.params.duration("deadline")?;
            // Each wait for the next result is bounded by the same instant.
            while let Ok(Some(answered)) = time::timeout_at(deadline, pending.next()).await {
                results += u64::from(answered);
            }
            // Dropping the set cancels every check still running.
            drop(pending);
        }
        ctx.rec.set_metric("results", results);
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
/// One check, with its own timeout if `limit` is set. True if it answered.
async fn check(task: TaskRec, took: Duration, limit: Option<Duration>) -> bool {
    let _guard = task.guard("the scan's deadline passed: dropped");
    task.waiting(WaitOn::Io, "connecting");
    let answer = time::sleep(took);
    let answered = match limit {
        Some(limit) => time::timeout(limit, answer).await.is_ok(),
        None => {
            answer.await;
            true
        }
    };
    if answered {
        task.completed(format!("answered in {}ms", took.as_millis()));
    } else {
        task.timed_out(format!(
            "its own timeout passed (it needed {}ms)",
            took.as_millis()
        ));
    }
    answered
}
// ANCHOR_END: core
