//! # Exercise `fail-fast`: stop at the first failure
//!
//! A host report needs three steps: the open ports, the services behind
//! them and a vulnerability check. A report with a step missing is
//! worthless, so once one step has failed, waiting for the others only
//! wastes time (and keeps probing the target for nothing).
//!
//! Here the `services` step fails after `fail_after`, but `join!` waits for
//! all three anyway. Goal: return the moment a step fails, and stop the
//! others. `check` runs your code with several `latency`/`fail_after`
//! values and seeds: it wants the run over by `fail_after` and the two
//! other steps cancelled (not left running: the scan goes on after this
//! host, and a step still running then would finish).
//!
//! `run` shows your timeline; `hint` gives a hint; `check` grades it.

use std::time::Duration;

use asynclab_kit::{Ctx, DemoError, TaskRec, WaitOn};
use tokio::time;

pub async fn run(ctx: Ctx) -> Result<(), DemoError> {
    let latency = ctx.params.duration("latency")?;
    let fails = ctx.params.choice("fail")? == "services";
    let fail_after = ctx.params.duration("fail_after")?;

    let services_time = if fails {
        fail_after
    } else {
        ctx.sim(2).latency(latency)
    };
    let ports = step(ctx.rec.future("ports"), ctx.sim(1).latency(latency), false);
    let services = step(ctx.rec.future("services"), services_time, fails);
    let vulns = step(
        ctx.rec.future("vulns"),
        ctx.sim(3).latency(latency * 2),
        false,
    );

    let report = ctx.rec.future("report"); // this code itself: no task of its own
    report.waiting(WaitOn::Join, "awaiting the three steps");
    // TODO: `join!` waits for all three, even after one has failed.
    let (ports, services, vulns) = tokio::join!(ports, services, vulns);
    match ports.and(services).and(vulns) {
        Ok(()) => report.completed("all three steps succeeded"),
        Err(error) => report.failed(format!("no report: {error}")),
    }

    // Not part of the exercise: the scanner goes on to its next host. This
    // pause stands in for that, as long as the slowest step can take: a
    // step still running behind your back would finish meanwhile, and the
    // timeline would show it done, not cancelled.
    time::sleep(latency * 3).await;
    Ok(())
}

/// One step of the report; the guard records it cancelled if it is dropped.
async fn step(task: TaskRec, took: Duration, fails: bool) -> Result<(), String> {
    let _guard = task.guard("dropped: another step failed");
    task.waiting(WaitOn::Io, "probing the target");
    time::sleep(took).await;
    if fails {
        task.failed("connection reset by the target");
        return Err("services: connection reset by the target".to_string());
    }
    task.completed(format!("done in {}ms", took.as_millis()));
    Ok(())
}
