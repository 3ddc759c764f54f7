//! # FuturesUnordered: results as they finish
//!
//! A `FuturesUnordered` is a set of futures polled together, which yields
//! each result the moment its future finishes: *completion* order. The
//! collector can act on the fast answers while the slow ones are still out.
//!
//! `FuturesOrdered` polls just as concurrently, but yields in *submission*
//! order: a result that finished early is held back until everything
//! submitted before it has finished. Same total time, later first results.
//!
//! The collector notes both orders for every result it receives.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::{FuturesOrdered, FuturesUnordered};
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "unordered",
    title: "FuturesUnordered: completion order",
    about: "results processed in completion order, which differs from submission order",
    params: &[
        ParamSpec::int("count", 1, 10_000, "8", "hosts to query"),
        ParamSpec::duration("latency", "100ms", "typical answer time"),
        ParamSpec::choice(
            "mode",
            &["unordered", "ordered"],
            "unordered",
            "FuturesUnordered or FuturesOrdered",
        ),
    ],
    source: include_str!("unordered.rs"),
    single_thread: false,
};

pub struct Unordered;

#[async_trait]
impl Demo for Unordered {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let queries = (0..count).map(|i| {
            query(
                ctx.rec.future(format!("host-{}", i + 1)),
                i + 1,
                ctx.sim(i as u64).latency(latency),
            )
        });
        let collector = ctx.rec.future("collector");

        match ctx.params.choice("mode")? {
            "ordered" => collect(&ctx, &collector, queries.collect::<FuturesOrdered<_>>()).await,
            _ => collect(&ctx, &collector, queries.collect::<FuturesUnordered<_>>()).await,
        }
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
/// Receives results in whatever order the stream yields them.
async fn collect(
    ctx: &Ctx,
    collector: &TaskRec,
    mut results: impl futures::Stream<Item = usize> + Unpin,
) {
    let mut arrived = 0;
    loop {
        collector.waiting(WaitOn::Join, "awaiting the next result");
        let Some(submitted) = results.next().await else {
            break;
        };
        arrived += 1;
        collector.received(format!(
            "host-{submitted}: submitted #{submitted}, arrived #{arrived}"
        ));
        if submitted != arrived {
            ctx.rec.add_metric("out_of_order", 1);
        }
    }
    ctx.rec.add_metric("out_of_order", 0); // present even when zero
    collector.completed(format!("all {arrived} results in"));
}
// ANCHOR_END: core

// ANCHOR: core
async fn query(task: TaskRec, index: usize, took: Duration) -> usize {
    let _guard = task.guard("dropped");
    task.waiting(WaitOn::Io, "querying");
    time::sleep(took).await;
    task.completed(format!("answered in {}ms", took.as_millis()));
    index
}
// ANCHOR_END: core
