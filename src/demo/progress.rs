//! # Progress over an mpsc channel
//!
//! A long scan should say how far along it is, but printing is slow (a
//! terminal, a log file, a web socket) and the scan must not wait for it.
//! So scan tasks *send* progress updates over an `mpsc` channel and a
//! separate printer task receives and shows them.
//!
//! Two choices keep the scan fast. The printer is its own task, so a slow
//! terminal delays the printing, never the scanning. And updates are sent
//! with `try_send`: if the queue is full, that update is dropped (counted in
//! `dropped_updates`) instead of making a scan task wait. A later update
//! carries newer numbers, unless the dropped one was the last: a display
//! that must end on the final count sends it once more, with
//! `send().await`, after the scan.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn, acquire_permit};

static INFO: DemoInfo = DemoInfo {
    name: "progress",
    title: "Progress over mpsc",
    about: "scan tasks report progress on a channel; a separate printer task lags behind, the scan never waits",
    params: &[
        ParamSpec::int("count", 1, 100_000, "30", "targets to scan"),
        ParamSpec::int("concurrency", 1, 10_000, "10", "scans in flight at once"),
        ParamSpec::duration("latency", "60ms", "typical time one scan takes"),
        ParamSpec::duration(
            "print",
            "15ms",
            "time the printer needs per update (a slow terminal)",
        ),
        ParamSpec::int("capacity", 1, 100_000, "64", "updates the channel can hold"),
    ],
    source: include_str!("progress.rs"),
    single_thread: false,
};

pub struct ProgressDemo;

/// One progress update: how many targets are done.
struct Update {
    done: usize,
}

#[async_trait]
impl Demo for ProgressDemo {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let concurrency = ctx.params.usize("concurrency")?;
        let latency = ctx.params.duration("latency")?;
        let print = ctx.params.duration("print")?;
        let (tx, mut rx) = mpsc::channel::<Update>(ctx.params.usize("capacity")?);

        let started = time::Instant::now();
        // The printer in a set of its own, so the scans' end can be seen.
        let mut printing = JoinSet::new();
        let printer = ctx.rec.task("printer");
        let rec = ctx.rec.clone();
        printing.spawn(async move {
            let _guard = printer.guard("aborted");
            let mut backlog_peak = 0;
            loop {
                printer.waiting(WaitOn::Channel, "waiting for an update");
                let Some(update) = rx.recv().await else { break };
                backlog_peak = backlog_peak.max(rx.len());
                printer.received(format!(
                    "{}/{count} done ({} more queued)",
                    update.done,
                    rx.len()
                ));
                time::sleep(print).await; // writing to a slow terminal
            }
            rec.set_metric("max_backlog", backlog_peak as u64);
            printer.completed("every sender dropped: the scan is over");
        });

        let mut tasks = JoinSet::new();
        let permits = Arc::new(Semaphore::new(concurrency));
        let done = Arc::new(AtomicUsize::new(0));
        for i in 0..count {
            let task = ctx.rec.task(format!("scan-{:02}", i + 1));
            let (tx, permits, done, rec) =
                (tx.clone(), permits.clone(), done.clone(), ctx.rec.clone());
            let took = ctx.sim(i as u64).latency(latency);
            tasks.spawn(async move {
                let _guard = task.guard("aborted");
                let _permit = acquire_permit(&task, &permits, concurrency).await;
                task.waiting(WaitOn::Io, "scanning");
                time::sleep(took).await;
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                // Never wait for the printer: drop the update if it is busy.
                if tx.try_send(Update { done }).is_err() {
                    rec.add_metric("dropped_updates", 1);
                }
                task.completed(format!("done ({done}/{count})"));
            });
        }
        drop(tx); // the printer stops when the last scan's sender is gone

        while tasks.join_next().await.is_some() {}
        // Every scan is over, whatever the printer is still doing.
        let scan_ms = started.elapsed().as_millis() as u64;
        ctx.rec.set_metric("scan_ms", scan_ms);
        while printing.join_next().await.is_some() {} // the printer catches up
        ctx.rec
            .set_metric("print_ms", started.elapsed().as_millis() as u64);
        ctx.rec.add_metric("dropped_updates", 0); // present even when zero
        Ok(())
    }
    // ANCHOR_END: core
}
