//! # Exercise `buffer-unordered`: a reference solution
//!
//! `stream::iter` turns the hosts into a stream; `map` turns each host into
//! a probe future (not started yet); `buffer_unordered(concurrency)` polls
//! up to `concurrency` of them at once and yields each result as soon as it
//! is ready, starting the next probe in its place.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, WaitOn};
use futures::{StreamExt, stream};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let concurrency = ctx.params.usize("concurrency")?;
    let latency = ctx.params.duration("latency")?;

    // All in this one task: no `spawn`, so the probes can borrow `ctx`.
    let open_ports: u64 = stream::iter(1..=count)
        .map(|host| probe(&ctx, host, latency))
        // Unordered: a slow host does not hold back the results behind it.
        .buffer_unordered(concurrency)
        .collect::<Vec<u64>>()
        .await
        .into_iter()
        .sum();
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
