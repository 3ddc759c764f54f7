//! # Exercise `watch-cleanup`: a reference solution
//!
//! A `watch` channel holds one value every receiver can read at any time
//! (`borrow`) or wait on (`changed`). The loop reads it before taking a
//! target; `select!` races each check against `changed()`, so the stop
//! drops the check mid-flight. `break`, not `return`: the loop ends and the
//! cleanup after it still runs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, Recorder, Sim, WaitOn};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;

    let queue = Arc::new(Mutex::new((1..=count).collect::<VecDeque<_>>()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut workers = JoinSet::new();
    for w in 1..=ctx.params.usize("concurrency")? {
        let (queue, rec, seed) = (queue.clone(), ctx.rec.clone(), ctx.seed);
        let mut stop = stop_rx.clone();
        workers.spawn(async move {
            // `borrow()` reads the current value without waiting.
            while !*stop.borrow() {
                let Some(i) = next_target(&queue) else { break };
                let task = rec.task(format!("target-{i:02} (w{w})"));
                let _guard = task.guard("abandoned: stop pressed");
                let took = Sim::new(seed, i as u64).latency(latency);
                task.waiting(WaitOn::Io, "checking");
                tokio::select! {
                    // The stop wins: the check's sleep is dropped, and the
                    // guard records it cancelled.
                    _ = stop.changed() => break,
                    () = time::sleep(took) => {}
                }
                task.completed(format!("checked in {}ms", took.as_millis()));
            }
            cleanup(&rec, w).await;
        });
    }

    let operator = ctx.rec.future("operator"); // this code itself: no task of its own
    operator.waiting(WaitOn::Timer, "watching the scan");
    time::sleep(ctx.params.duration("stop_after")?).await;
    let _ = stop_tx.send(true);
    operator.completed("stop pressed");
    while workers.join_next().await.is_some() {}
    ctx.rec.add_metric("cleanups", 0); // present even when zero
    Ok(())
}

fn next_target(queue: &Mutex<VecDeque<usize>>) -> Option<usize> {
    queue.lock().ok()?.pop_front()
}

/// Flushes worker `w`'s partial results: every worker must run it once.
async fn cleanup(rec: &Recorder, w: usize) {
    let task = rec.task(format!("cleanup (w{w})"));
    task.waiting(WaitOn::Io, "flushing partial results");
    time::sleep(Duration::from_millis(10)).await;
    task.completed("results saved");
    rec.add_metric("cleanups", 1);
}
