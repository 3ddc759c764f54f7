//! # Exercise `fail-fast`: a reference solution
//!
//! `tokio::try_join!` polls the three steps together like `join!`, but
//! returns the first `Err` as soon as it happens and drops the futures that
//! are still running: their guards record them cancelled at that instant.

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
    // `try_join!`, not `join!`: a report needs all three, so the first
    // error ends the wait and the other two steps are dropped.
    match tokio::try_join!(ports, services, vulns) {
        Ok(((), (), ())) => report.completed("all three steps succeeded"),
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
