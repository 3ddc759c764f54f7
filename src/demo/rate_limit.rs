//! # Capping requests in flight with a `Semaphore`
//!
//! Twenty requests, each one a task. Without a limit all twenty hit the
//! server at once; a real scanner doing that gets blocked, or knocks the
//! target over. A `tokio::sync::Semaphore` holds `concurrency` permits: a
//! task must hold one to send its request, so at most `concurrency`
//! requests are ever in flight. The others wait in a fair (FIFO) queue.
//!
//! Why a semaphore and not, say, spawning in batches of N? A batch waits
//! for its slowest member before the next batch starts; a semaphore hands a
//! freed permit to the next task at once, so the pipe stays full.
//!
//! A semaphore caps requests in flight, not requests per second: the
//! faster the server answers, the more requests the same permits send each
//! second. Capping the rate itself takes pacing (an `interval` tick before
//! each request, or a token bucket).

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn, acquire_permit};

static INFO: DemoInfo = DemoInfo {
    name: "rate-limit",
    title: "Capping requests in flight with a Semaphore",
    about: "requests throttled by a Semaphore: peak in flight never exceeds the permits",
    params: &[
        ParamSpec::int("count", 1, 1_000_000, "20", "how many requests to send"),
        ParamSpec::int(
            "concurrency",
            1,
            10_000,
            "3",
            "semaphore permits: requests allowed in flight at once",
        ),
        ParamSpec::duration(
            "latency",
            "100ms",
            "typical time one request takes (each varies 50%..150%)",
        ),
    ],
    single_thread: false,
    source: include_str!("rate_limit.rs"),
};

pub struct RateLimit;

#[async_trait]
impl Demo for RateLimit {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let concurrency = ctx.params.usize("concurrency")?;
        let latency = ctx.params.duration("latency")?;
        let digits = count.to_string().len();

        // One semaphore, shared: `Arc` because every task holds a handle.
        let permits = Arc::new(Semaphore::new(concurrency));
        // A JoinSet owns every task: none is fire-and-forget, and dropping
        // the set (Ctrl-C) aborts whatever is still running.
        let mut requests = JoinSet::new();

        for i in 0..count {
            let task = ctx.rec.task(format!("req-{:0digits$}", i + 1));
            let permits = permits.clone();
            let took = ctx.sim(i as u64).latency(latency);
            requests.spawn(async move {
                // Records `cancelled` if this future is dropped mid-way.
                let _guard = task.guard("aborted while in flight");
                // The permit is released when `_permit` is dropped, at the
                // end of this block: after the request has completed.
                let _permit = acquire_permit(&task, &permits, concurrency).await;
                task.waiting(WaitOn::Io, "request sent: awaiting response");
                time::sleep(took).await;
                task.completed(format!("200 OK in {}ms", took.as_millis()));
            });
        }

        // Wait for all of them. `join_next` yields in completion order.
        while requests.join_next().await.is_some() {}
        Ok(())
    }
    // ANCHOR_END: core
}
