//! # Exercise `bound-scan`: a reference solution
//!
//! A `Semaphore` with `concurrency` permits. Each task holds a permit while
//! its connect is in flight; the permit goes back when `_permit` is dropped
//! at the end of the task, and the next queued task (FIFO) takes it.

use std::sync::Arc;

use asynclab_kit::{Ctx, DemoError, WaitOn, acquire_permit};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let concurrency = ctx.params.usize("concurrency")?;
    let latency = ctx.params.duration("latency")?;

    // `Arc`: every task holds a handle on the one semaphore.
    let permits = Arc::new(Semaphore::new(concurrency));

    let mut checks = JoinSet::new();
    for port in 1..=count {
        let task = ctx.rec.task(format!("port-{port}"));
        let took = ctx.sim(port as u64).latency(latency);
        let permits = permits.clone();
        checks.spawn(async move {
            let _guard = task.guard("dropped before it finished");
            // Records `waiting:permit` when all permits are taken.
            let _permit = acquire_permit(&task, &permits, concurrency).await;
            task.waiting(WaitOn::Io, "connect sent: awaiting SYN-ACK or RST");
            time::sleep(took).await; // the simulated connect
            task.completed(format!("checked in {}ms", took.as_millis()));
        });
    }
    while checks.join_next().await.is_some() {}
    Ok(())
}
