//! # Exercise `timeout-and-deadline`: a limit per request, and one for all
//!
//! A batch of `count` requests to a slow API, sent one after another. Most
//! answer in about `latency`, but some hang (the second always does), and
//! one hung request holds up every request behind it.
//!
//! Two limits are needed, and neither is enough alone: each request may
//! take at most `timeout` (then it is given up, *timed out*, and the batch
//! goes on), and the whole batch must be over by `deadline` (whatever is
//! still running then is dropped, and the rest never sent). `check` runs
//! your code with several `count`/`latency`/`timeout`/`deadline` values
//! and seeds: it wants the run over by `deadline` and at least one request
//! timed out on its own limit.
//!
//! The lesson's `deadline` is shorter than one `timeout`: `set deadline
//! 400ms` before `run` to see both limits at work.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, TaskRec, WaitOn};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;
    let _timeout = ctx.params.duration("timeout")?;
    let _deadline = ctx.params.duration("deadline")?;

    // TODO: the whole batch must be over by `deadline`.
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
        // TODO: give this request at most `timeout`, and record
        // `task.timed_out("…")` when it takes longer.
        request(&task, took).await;
    }
    Ok(())
}

/// One request; it answers after `took`.
async fn request(task: &TaskRec, took: Duration) {
    task.waiting(WaitOn::Io, "request sent");
    time::sleep(took).await;
    task.completed(format!("answered in {}ms", took.as_millis()));
}
