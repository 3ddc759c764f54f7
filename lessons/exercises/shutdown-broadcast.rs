//! # Exercise `shutdown-broadcast`: stop after the check in hand
//!
//! `concurrency` workers take targets from a shared queue, one at a time.
//! At `stop_after` the operator presses stop: a shutdown message goes out
//! on a `tokio::sync::broadcast` channel, one receiver per worker. Nobody
//! listens, so the scan runs to the end of the queue.
//!
//! Goal: each worker finishes the check it is doing (a half-done check
//! leaves a half-open connection and no result), then takes no new target
//! and exits. `check` runs your code with several `count`, `concurrency`,
//! `latency` and `stop_after` values and seeds: it wants the run over soon
//! after the stop, targets left unchecked (`checked`, the targets checked
//! to the end, below `count`), and no check abandoned.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use asynclab_kit::{Ctx, DemoError, Sim, WaitOn};
use tokio::sync::broadcast;
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;

    let queue = Arc::new(Mutex::new((1..=count).collect::<VecDeque<_>>()));
    let (shutdown, _) = broadcast::channel::<()>(1);
    // Targets checked to the end: `check` wants fewer than `count`.
    ctx.rec.set_metric("checked", 0);
    let mut workers = JoinSet::new();
    for w in 1..=ctx.params.usize("concurrency")? {
        let (queue, rec, seed) = (queue.clone(), ctx.rec.clone(), ctx.seed);
        // Subscribed now, before the stop: a receiver only gets messages
        // sent after it exists.
        let stop = shutdown.subscribe();
        workers.spawn(async move {
            // TODO: before taking the next target, see whether the
            // shutdown message has arrived on `stop`.
            while let Some(i) = next_target(&queue) {
                let task = rec.future(format!("target-{i:02} (w{w})"));
                let _guard = task.guard("abandoned mid-check");
                let took = Sim::new(seed, i as u64).latency(latency);
                task.waiting(WaitOn::Io, "checking");
                time::sleep(took).await;
                task.completed(format!("checked in {}ms", took.as_millis()));
                rec.add_metric("checked", 1);
            }
        });
    }

    let operator = ctx.rec.future("operator"); // this code itself: no task of its own
    operator.waiting(WaitOn::Timer, "watching the scan");
    time::sleep(ctx.params.duration("stop_after")?).await;
    let _ = shutdown.send(());
    operator.completed("stop pressed: shutdown sent");
    while workers.join_next().await.is_some() {}
    Ok(())
}

fn next_target(queue: &Mutex<VecDeque<usize>>) -> Option<usize> {
    queue.lock().ok()?.pop_front()
}
