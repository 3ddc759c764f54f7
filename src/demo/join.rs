//! # join!: a fixed set of steps at once
//!
//! Reconnaissance of one host has three independent steps: scan the ports,
//! probe the services, check for known vulnerabilities. Awaiting them one
//! after another costs the sum of the three. `tokio::join!` polls all three
//! futures together on the current task and returns when *all* have
//! finished, so the total is the slowest step, not the sum.
//!
//! `join!` is for a fixed number of futures known when you write the code;
//! for a list built at run time, use `join_all` or a `JoinSet`.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "join",
    title: "join!: recon steps at once",
    about: "three independent recon steps with join!: the total is the slowest, not the sum",
    params: &[
        ParamSpec::duration(
            "latency",
            "100ms",
            "typical time of one step (vulns takes twice as long)",
        ),
        ParamSpec::choice(
            "mode",
            &["sequential", "join"],
            "sequential",
            "await the steps one by one, or all with join!",
        ),
    ],
    source: include_str!("join.rs"),
    single_thread: false,
};

pub struct Join;

#[async_trait]
impl Demo for Join {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let latency = ctx.params.duration("latency")?;
        let ports = step(
            ctx.rec.future("ports"),
            "22, 80, 443 open",
            ctx.sim(1).latency(latency),
        );
        let services = step(
            ctx.rec.future("services"),
            "OpenSSH 9.6, nginx 1.25",
            ctx.sim(2).latency(latency),
        );
        let vulns = step(
            ctx.rec.future("vulns"),
            "1 advisory matches",
            ctx.sim(3).latency(latency * 2),
        );

        let (ports, services, vulns) = match ctx.params.choice("mode")? {
            "join" => tokio::join!(ports, services, vulns),
            _ => (ports.await, services.await, vulns.await),
        };
        // The report is this demo's own code, not a spawned task.
        let report = ctx.rec.future("report");
        report.completed(format!("{ports}; {services}; {vulns}"));
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
async fn step(task: TaskRec, finding: &'static str, took: Duration) -> &'static str {
    let _guard = task.guard("dropped");
    task.waiting(WaitOn::Io, "working");
    time::sleep(took).await;
    task.completed(format!("{finding} ({}ms)", took.as_millis()));
    finding
}
// ANCHOR_END: core
