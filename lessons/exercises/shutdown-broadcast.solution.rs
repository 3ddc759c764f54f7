//! # Exercise `shutdown-broadcast`: a reference solution
//!
//! A `broadcast` channel gives every worker its own receiver of the one
//! shutdown message. Each worker checks it with `try_recv` between two
//! targets, never during one: the check in hand always finishes, and the
//! worker exits before taking another.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use asynclab_kit::{Ctx, DemoError, Sim, WaitOn};
use tokio::sync::broadcast::{self, error::TryRecvError};
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
        let mut stop = shutdown.subscribe();
        workers.spawn(async move {
            // `try_recv` never waits: `Empty` means no shutdown yet. The
            // message, or a closed channel, both mean stop.
            while let Err(TryRecvError::Empty) = stop.try_recv() {
                let Some(i) = next_target(&queue) else { break };
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
