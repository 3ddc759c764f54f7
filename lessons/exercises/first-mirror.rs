//! # Exercise `first-mirror`: the first answer wins
//!
//! Each lookup asks the same question of two servers, a primary and a
//! mirror, so that one slow server does not slow the lookup down. Their
//! response times vary (one answer in four is three times slower).
//!
//! This code waits for both answers, so every lookup is as slow as its
//! slower server. Goal: take the first answer and stop waiting for the
//! other. `check` runs your code with several `count`/`latency` values and
//! seeds: in every lookup one query must answer and the other be dropped
//! (cancelled) the moment the race is decided.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

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
            // TODO: this waits for both answers.
            tokio::join!(primary, mirror);
            task.completed("answered");
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
