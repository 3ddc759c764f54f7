//! # Exercise `buffer-unordered`: a stream of probes, `concurrency` at a time
//!
//! This sweep probes `count` hosts one after another: each probe waits for
//! the one before it, so the sweep takes the sum of every probe's time.
//! Spawning a task per host would be the other extreme: every probe at
//! once, and a flood.
//!
//! Goal: keep exactly `concurrency` probes in flight until the hosts run
//! out, using a stream (no spawning needed: the probes are futures). `check`
//! runs your code with several `count`/`concurrency`/`latency` values and
//! seeds: it wants the peak in flight to be `concurrency`, the mean in
//! flight until the last probe starts (`steady_in_flight`) to stay there
//! too (chunks of `concurrency` leave slots idle while the slowest probe of
//! a chunk finishes), and every host probed.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, WaitOn};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let _concurrency = ctx.params.usize("concurrency")?;
    let latency = ctx.params.duration("latency")?;

    // TODO: one probe at a time. Turn the hosts into a stream of probes
    // and run `concurrency` of them at once.
    let mut open_ports = 0;
    for host in 1..=count {
        open_ports += probe(&ctx, host, latency).await;
    }
    ctx.rec.set_metric("open_ports", open_ports);
    Ok(())
}

/// Probes one host; returns how many open ports it found.
async fn probe(ctx: &Ctx, host: usize, latency: Duration) -> u64 {
    let task = ctx.rec.future(format!("probe 10.0.0.{host}"));
    let _guard = task.guard("dropped before it answered");
    let mut sim = ctx.sim(host as u64);
    let took = sim.latency(latency);
    task.waiting(WaitOn::Io, "SYN sent to the top 10 ports");
    time::sleep(took).await;
    let open = sim.below(4);
    task.completed(format!("{open} open ports in {}ms", took.as_millis()));
    open
}
