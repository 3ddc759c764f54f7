//! # Exercise `watch-cleanup`: stop now, then clean up
//!
//! `concurrency` workers take targets from a shared queue. At `stop_after`
//! the operator presses stop: the `tokio::sync::watch` channel's value
//! turns `true`. This time a stop means *now* (the scope of the engagement
//! ended): a check in flight must be abandoned, not finished. But each
//! worker must still run its cleanup, which flushes the partial results.
//!
//! Nobody watches the channel yet, so the scan runs to the end. Goal: on
//! stop, every worker drops its check at once, runs its cleanup, and
//! exits. `check` runs your code with several `count`, `concurrency`,
//! `latency` and `stop_after` values and seeds: it wants the run over
//! right after the stop, checks cancelled, and one cleanup per worker.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

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
        let stop = stop_rx.clone();
        workers.spawn(async move {
            // TODO: take no new target once `stop` is true, and abandon the
            // check in flight the moment it turns true.
            while let Some(i) = next_target(&queue) {
                let task = rec.task(format!("target-{i:02} (w{w})"));
                let _guard = task.guard("abandoned: stop pressed");
                let took = Sim::new(seed, i as u64).latency(latency);
                task.waiting(WaitOn::Io, "checking");
                time::sleep(took).await;
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
