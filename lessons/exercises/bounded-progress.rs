//! # Exercise `bounded-progress`: a backlog that cannot grow without end
//!
//! Scan tasks report progress to one printer task over a channel. The
//! printer is slow (a terminal takes `print` per line) and the scans are
//! fast, so updates pile up in the channel. An unbounded channel never
//! says no: with a million targets the backlog is a million updates in
//! memory, shown long after the scan they describe.
//!
//! Goal: hold at most `capacity` updates in the channel, and still print
//! every one: a scan that finds the channel full waits for room. `check`
//! runs your code with several `count`/`capacity` values and seeds: it
//! measures the largest backlog (`max_backlog`) and counts the updates
//! printed (`printed`).
//!
//! The lesson's `capacity` is more than this backlog ever reaches:
//! `set capacity 4` before `run` to see the limit at work.
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use asynclab_kit::{Ctx, DemoError, WaitOn, acquire_permit};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let concurrency = ctx.params.usize("concurrency")?;
    let latency = ctx.params.duration("latency")?;
    let print = ctx.params.duration("print")?;
    let _capacity = ctx.params.usize("capacity")?;

    // TODO: a channel that holds at most `capacity` updates.
    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();

    // The backlog: updates sent and not yet received, and its peak.
    let (queued, peak) = (Arc::new(AtomicI64::new(0)), Arc::new(AtomicI64::new(0)));
    let mut tasks = JoinSet::new();
    let (printer, rec, backlog) = (ctx.rec.task("printer"), ctx.rec.clone(), queued.clone());
    tasks.spawn(async move {
        let _guard = printer.guard("aborted");
        let mut printed = 0;
        loop {
            printer.waiting(WaitOn::Channel, "waiting for an update");
            let Some(done) = rx.recv().await else { break };
            let left = backlog.fetch_sub(1, Ordering::SeqCst) - 1;
            printer.received(format!("{done}/{count} done ({left} more queued)"));
            time::sleep(print).await; // writing to a slow terminal
            printed += 1;
        }
        rec.set_metric("printed", printed);
        printer.completed("every sender dropped: the scan is over");
    });

    let permits = Arc::new(Semaphore::new(concurrency));
    for i in 1..=count {
        let task = ctx.rec.task(format!("scan-{i:02}"));
        let (tx, permits, queued, peak) =
            (tx.clone(), permits.clone(), queued.clone(), peak.clone());
        let took = ctx.sim(i as u64).latency(latency);
        tasks.spawn(async move {
            let _guard = task.guard("aborted");
            let _permit = acquire_permit(&task, &permits, concurrency).await;
            task.waiting(WaitOn::Io, "scanning");
            time::sleep(took).await;
            // TODO: wait here while the channel is full (record it with
            // `task.waiting(WaitOn::Channel, "…")` if you like).
            let _ = tx.send(i);
            peak.fetch_max(queued.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            task.completed("update sent");
        });
    }
    drop(tx); // the printer stops when the last scan's sender is gone

    while tasks.join_next().await.is_some() {}
    ctx.rec
        .set_metric("max_backlog", peak.load(Ordering::SeqCst).max(0) as u64);
    Ok(())
}
