//! # Exercise `first-mirror`: a reference solution
//!
//! `tokio::select!` polls both queries and runs the branch of the first
//! one to finish. The other future is dropped right there: not paused, not
//! left running, gone. Its guard records it cancelled at that instant.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, Recorder, WaitOn};
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;

    let mut lookups = JoinSet::new();
    for i in 1..=count {
        let task = ctx.rec.task(format!("lookup-{i}"));
        let mut sim = ctx.sim(i as u64);
        let mut took = || {
            let slow = sim.percent(25);
            sim.latency(latency) * if slow { 3 } else { 1 }
        };
        let primary = query(&ctx.rec, format!("lookup-{i}/primary"), took());
        let mirror = query(&ctx.rec, format!("lookup-{i}/mirror"), took());
        lookups.spawn(async move {
            let _guard = task.guard("aborted");
            task.waiting(WaitOn::Join, "asking the primary and the mirror");
            // `select!`, not `join!`: one answer is enough, so the
            // slower query is dropped as soon as the faster one answers.
            let winner = tokio::select! {
                () = primary => "primary",
                () = mirror => "mirror",
            };
            task.completed(format!("the {winner} answered first"));
        });
    }
    while lookups.join_next().await.is_some() {}
    Ok(())
}

/// One server answering after `took`. Nothing runs until it is polled; if
/// it is dropped before it answers, the guard records it cancelled.
fn query(rec: &Recorder, name: String, took: Duration) -> impl Future<Output = ()> + use<> {
    let task = rec.task(name);
    async move {
        let _guard = task.guard("dropped: the other server answered first");
        task.waiting(WaitOn::Io, "query sent");
        time::sleep(took).await;
        task.completed(format!("answered in {}ms", took.as_millis()));
    }
}
