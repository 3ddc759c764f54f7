//! # Exercise `timeout-and-deadline`: a reference solution
//!
//! `tokio::time::timeout(limit, future)` is a race between the future and
//! a sleep: `Err(Elapsed)` means the sleep won and the future was dropped.
//! One around each request bounds that request; one around the whole loop
//! bounds the batch, dropping the request in flight and the ones not sent.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, TaskRec, WaitOn};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;
    let timeout = ctx.params.duration("timeout")?;
    let deadline = ctx.params.duration("deadline")?;

    // The batch as one future, so one `timeout` can bound all of it.
    let batch = async {
        for i in 1..=count {
            let task = ctx.rec.task(format!("request-{i:02}"));
            let _guard = task.guard("dropped: the batch's deadline passed");
            let mut sim = ctx.sim(i as u64);
            let hangs = i == 2 || sim.percent(20);
            let took = if hangs {
                latency * 20
            } else {
                sim.latency(latency)
            };
            // The guard lives outside the timeout: a request that times out
            // is recorded as such, not as cancelled.
            if time::timeout(timeout, request(&task, took)).await.is_err() {
                task.timed_out(format!("no answer within {}ms", timeout.as_millis()));
            }
        }
    };
    // Past the deadline the batch future is dropped, request in flight and all.
    let _ = time::timeout(deadline, batch).await;
    Ok(())
}

/// One request; it answers after `took`.
async fn request(task: &TaskRec, took: Duration) {
    task.waiting(WaitOn::Io, "request sent");
    time::sleep(took).await;
    task.completed(format!("answered in {}ms", took.as_millis()));
}
