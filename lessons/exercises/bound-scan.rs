//! # Exercise `bound-scan`: at most `concurrency` checks in flight
//!
//! This scan spawns one task per port, all at once. Against a real host
//! that is `count` sockets open together: the scanner runs out of file
//! descriptors and the target sees a flood.
//!
//! Goal: keep at most `concurrency` checks in flight, start the next check
//! the moment one ends, and still check every port. `check` runs your code
//! with several `count`/`concurrency` values and seeds and reads the
//! timeline: it wants the peak in flight to be exactly `concurrency`, the
//! slots kept busy until the last check starts (`steady_in_flight`, the
//! mean in flight until then: waiting for a whole batch to finish leaves
//! slots idle), and every port checked.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::sync::Arc;

use asynclab_kit::{Ctx, DemoError, WaitOn};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let concurrency = ctx.params.usize("concurrency")?;
    let latency = ctx.params.duration("latency")?;

    // TODO: create the limit here, shared by every task.
    let _limit: Option<Arc<Semaphore>> = None;

    let mut checks = JoinSet::new();
    for port in 1..=count {
        let task = ctx.rec.task(format!("port-{port}"));
        let took = ctx.sim(port as u64).latency(latency);
        checks.spawn(async move {
            let _guard = task.guard("dropped before it finished");
            // TODO: wait for your turn before connecting (and record the
            // wait with `task.waiting(WaitOn::Permit, "…")` if you like).
            task.waiting(WaitOn::Io, "connect sent: awaiting SYN-ACK or RST");
            time::sleep(took).await; // the simulated connect
            task.completed(format!("checked in {}ms", took.as_millis()));
        });
    }
    while checks.join_next().await.is_some() {}
    Ok(())
}
