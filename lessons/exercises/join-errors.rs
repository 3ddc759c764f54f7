//! # Exercise `join-errors`: hear back from every task
//!
//! Each target gets a scan task of its own with `tokio::spawn`. Some scans
//! fail (the task returns `Err`) and some panic (a malformed banner crashes
//! the parser). A panic in a spawned task does not crash the program: the
//! runtime catches it and keeps it in the task's `JoinHandle`. Whoever
//! awaits the handle hears about it; if nobody looks, it is lost.
//!
//! Goal: await every handle and report each outcome exactly once: a banner,
//! a scan error, or a panic. `check` runs your code with several `count`
//! values and seeds, and compares what you reported (`reported_ok`,
//! `reported_failed`, `reported_panicked`) with how the tasks really ended
//! on the timeline (`completed`, `failed`, `panicked`).
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, TaskRec, WaitOn};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let count = ctx.params.usize("count")?;
    let latency = ctx.params.duration("latency")?;
    let failures = ctx.params.choice("failures")? == "on";

    let mut handles = Vec::with_capacity(count);
    for i in 1..=count {
        let task = ctx.rec.task(format!("scan-{i}"));
        let mut sim = ctx.sim(i as u64);
        let took = sim.latency(latency);
        // One scan in five fails and one in five panics (seeded).
        let fate = if failures { sim.below(5) } else { 4 };
        handles.push(tokio::spawn(scan(task, i, took, fate)));
    }

    for handle in handles {
        // TODO: tell the outcomes apart and count each one with
        // `ctx.rec.add_metric("reported_ok", 1)` (or "reported_failed",
        // "reported_panicked").
        let _ = handle.await;
    }
    for metric in ["reported_ok", "reported_failed", "reported_panicked"] {
        ctx.rec.add_metric(metric, 0); // present even when zero
    }
    Ok(())
}

/// Grabs the banner of host `i`: `Ok(banner)`, `Err(reason)`, or a panic.
async fn scan(task: TaskRec, i: usize, took: Duration, fate: u64) -> Result<String, String> {
    let _guard = task.guard("aborted"); // records `panicked` if this unwinds
    task.waiting(WaitOn::Io, format!("grabbing the banner of 10.0.0.{i}"));
    time::sleep(took).await;
    match fate {
        0 => {
            task.failed("connection reset by peer");
            Err(format!("10.0.0.{i}: connection reset by peer"))
        }
        1 => panic!("banner parser crashed on a malformed banner from 10.0.0.{i}"),
        _ => {
            task.completed("banner: SSH-2.0-OpenSSH_9.6");
            Ok("SSH-2.0-OpenSSH_9.6".to_string())
        }
    }
}
