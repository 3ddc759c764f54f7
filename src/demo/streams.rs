//! # Streams: pipelines of async work
//!
//! A `Stream` is an async iterator, and `StreamExt` gives it the adapters an
//! iterator has, plus concurrency:
//!
//! - `buffer_unordered(n)`: run up to `n` of the futures a stream yields at
//!   once, yielding results as they finish;
//! - `filter`: keep only some items (here: hosts with open ports);
//! - `try_for_each_concurrent(n, f)`: run `f` on every item, `n` at a time,
//!   and stop at the first `Err`: the remaining work is dropped.
//!
//! `set mode pipeline` builds probe → buffer_unordered → filter → collect;
//! `set mode try-each` runs the same probes with `try_for_each_concurrent`,
//! where one unreachable host aborts the whole batch.

use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt, future, stream};
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, Recorder, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "streams",
    title: "Streams: buffer_unordered, filter, try_for_each_concurrent",
    about: "a stream pipeline that keeps only hosts with open ports, and a batch that stops at the first error",
    params: &[
        ParamSpec::int("count", 1, 100_000, "16", "hosts to probe"),
        ParamSpec::int("concurrency", 1, 10_000, "4", "probes in flight at once"),
        ParamSpec::duration("latency", "60ms", "typical time one probe takes"),
        ParamSpec::choice(
            "mode",
            &["pipeline", "try-each"],
            "pipeline",
            "filter pipeline, or try_for_each_concurrent",
        ),
    ],
    source: include_str!("streams.rs"),
    single_thread: false,
};

pub struct Streams;

/// What a probe found on one host.
struct Host {
    name: String,
    open_ports: u32,
}

#[async_trait]
impl Demo for Streams {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let concurrency = ctx.params.usize("concurrency")?;
        let latency = ctx.params.duration("latency")?;
        // Host 11 is unreachable: harmless to the pipeline, fatal to try-each.
        let probes = (1..=count).map(|i| {
            let mut sim = ctx.sim(i as u64);
            let (took, open) = (
                sim.latency(latency),
                if sim.percent(40) {
                    1 + sim.below(3) as u32
                } else {
                    0
                },
            );
            probe(&ctx.rec, format!("host-{i:02}"), took, open, i == 11)
        });

        match ctx.params.choice("mode")? {
            "try-each" => {
                let outcome = stream::iter(probes)
                    .map(Ok::<_, String>)
                    .try_for_each_concurrent(
                        concurrency,
                        |probe| async move { probe.await.map(|_| ()) },
                    )
                    .await;
                ctx.rec
                    .set_metric("batch_failed", u64::from(outcome.is_err()));
            }
            _ => {
                let interesting: Vec<Host> = stream::iter(probes)
                    .buffer_unordered(concurrency)
                    .filter_map(|probed| future::ready(probed.ok()))
                    .filter(|host| future::ready(host.open_ports > 0))
                    .collect()
                    .await;
                let report = ctx.rec.future("report");
                let names: Vec<&str> = interesting.iter().map(|h| h.name.as_str()).collect();
                report.completed(format!(
                    "{} hosts with open ports: {}",
                    names.len(),
                    names.join(", ")
                ));
                ctx.rec
                    .set_metric("hosts_with_open_ports", interesting.len() as u64);
            }
        }
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
/// A lazy probe of one host: its lane starts when the stream polls it.
fn probe(
    rec: &Recorder,
    name: String,
    took: Duration,
    open_ports: u32,
    unreachable: bool,
) -> impl Future<Output = Result<Host, String>> + use<> {
    let task = rec.future(name.clone());
    async move {
        let _guard = task.guard("dropped: the batch stopped at an error");
        task.waiting(WaitOn::Io, "probing");
        time::sleep(took).await;
        if unreachable {
            task.failed("host unreachable");
            return Err(format!("{name}: host unreachable"));
        }
        task.completed(format!("{open_ports} open ports"));
        Ok(Host { name, open_ports })
    }
}
// ANCHOR_END: core
