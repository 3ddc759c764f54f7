//! # try_join!: all must succeed
//!
//! Sometimes partial results are worthless: a host report needs the ports,
//! the services *and* the vulnerability check. `tokio::try_join!` polls
//! futures that return `Result` together and returns `Ok((a, b, c))` when all
//! succeed, or the **first** `Err` the moment it happens.
//!
//! On that first error the other futures are dropped, right then: no point
//! waiting for work whose result will be thrown away. The timeline shows
//! them cancelled at the exact instant the error arrived.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "try-join",
    title: "try_join!: all must succeed",
    about: "one early failure returns at once and drops the other futures, shown cancelled at that instant",
    params: &[
        ParamSpec::duration("latency", "100ms", "typical time of one step"),
        ParamSpec::choice(
            "fail",
            &["services", "none"],
            "services",
            "which step fails",
        ),
        ParamSpec::duration("fail_after", "40ms", "when the failing step fails"),
    ],
    source: include_str!("try_join.rs"),
    single_thread: false,
};

pub struct TryJoin;

#[async_trait]
impl Demo for TryJoin {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let latency = ctx.params.duration("latency")?;
        let fail_services = ctx.params.choice("fail")? == "services";
        let fail_after = ctx.params.duration("fail_after")?;

        let ports = step(ctx.rec.future("ports"), ctx.sim(1).latency(latency), false);
        let services_time = if fail_services {
            fail_after
        } else {
            ctx.sim(2).latency(latency)
        };
        let services = step(ctx.rec.future("services"), services_time, fail_services);
        let vulns = step(
            ctx.rec.future("vulns"),
            ctx.sim(3).latency(latency * 2),
            false,
        );

        // The report is this demo's own code, not a spawned task.
        let report = ctx.rec.future("report");
        report.waiting(WaitOn::Join, "awaiting try_join! of the three steps");
        // Returns at the first Err, dropping whatever is still running.
        match tokio::try_join!(ports, services, vulns) {
            Ok(_) => report.completed("all three steps succeeded"),
            Err(error) => report.failed(format!("no report: {error}")),
        }
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
async fn step(task: TaskRec, took: Duration, fails: bool) -> Result<(), String> {
    let _guard = task.guard("dropped by try_join!: another step failed");
    task.waiting(WaitOn::Io, "working");
    time::sleep(took).await;
    if fails {
        task.failed("connection reset by the target");
        return Err("services: connection reset by the target".to_string());
    }
    task.completed(format!("done in {}ms", took.as_millis()));
    Ok(())
}
// ANCHOR_END: core
