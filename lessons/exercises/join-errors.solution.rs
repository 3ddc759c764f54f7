//! # Exercise `join-errors`: a reference solution
//!
//! Awaiting a `JoinHandle<Result<String, String>>` gives two nested
//! `Result`s: the outer one says whether the *task* ran to the end
//! (`Err(JoinError)`: it panicked or was aborted), the inner one whether
//! its *work* succeeded. One `match` over both tells the three apart.

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

    // Awaited in spawn order: each `.await` waits for that task only, and
    // the others keep running meanwhile.
    for handle in handles {
        let reported = match handle.await {
            Ok(Ok(_banner)) => "reported_ok",
            // The task ran fine; its scan returned an error.
            Ok(Err(_reason)) => "reported_failed",
            // The runtime caught the panic and kept it for us.
            Err(join_error) if join_error.is_panic() => "reported_panicked",
            // Aborted: nothing here aborts a task.
            Err(_) => continue,
        };
        ctx.rec.add_metric(reported, 1);
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
