//! # Don't panic in async code (and what happens when you do)
//!
//! A panic inside a spawned task unwinds *that task only*. The runtime
//! catches it, the task's other work is lost, and the task's `JoinHandle`
//! (or `JoinSet::join_next`) returns `Err(JoinError)` whose `is_panic()`
//! is true. Every other task keeps running; the program does not crash.
//!
//! So a panic is contained, but it is still the wrong tool for a bad input:
//! the task's result is gone and whatever it held is dropped mid-way. A
//! banner the parser cannot read is an *expected* failure: return `Err`
//! (`parse = result`) and the task hands the caller a value it can report
//! and act on (the join loop counts it in `errors_returned`).

use async_trait::async_trait;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "panics",
    title: "Don't panic in async code: JoinError",
    about: "one banner-grabbing task panics on a malformed banner; its JoinError is caught and the others carry on",
    params: &[
        ParamSpec::int("count", 1, 10_000, "8", "hosts to grab banners from"),
        ParamSpec::duration("latency", "40ms", "typical time one banner takes"),
        ParamSpec::choice(
            "parse",
            &["panic", "result"],
            "panic",
            "panic: the parser panics on a bad banner; result: it returns Err",
        ),
    ],
    source: include_str!("panics.rs"),
    single_thread: false,
};

pub struct Panics;

// ANCHOR: core
/// The banner's version number. Host 3 sends garbage.
fn parse_banner(banner: &str, may_panic: bool) -> Result<u32, String> {
    let version = banner
        .strip_prefix("SSH-2.0-OpenSSH_")
        .and_then(|v| v.parse().ok());
    match version {
        Some(v) => Ok(v),
        // The mistake: treating bad input from the network as a bug.
        None if may_panic => panic!("malformed banner: {banner:?}"),
        None => Err(format!("malformed banner: {banner:?}")),
    }
}

#[async_trait]
impl Demo for Panics {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let may_panic = ctx.params.choice("parse")? == "panic";
        let mut grabs = JoinSet::new();
        for i in 1..=ctx.params.usize("count")? {
            let task = ctx.rec.task(format!("host-{i}"));
            let took = ctx.sim(i as u64).latency(ctx.params.duration("latency")?);
            grabs.spawn(async move {
                // Records `panicked` if the task unwinds before completing.
                let _guard = task.guard("aborted");
                task.waiting(WaitOn::Io, "reading the banner");
                time::sleep(took).await;
                let banner = if i == 3 {
                    "\u{0}\u{1}garbage".to_string()
                } else {
                    format!("SSH-2.0-OpenSSH_{}", 7 + i % 3)
                };
                let parsed = parse_banner(&banner, may_panic);
                match &parsed {
                    Ok(v) => task.completed(format!("OpenSSH {v}")),
                    Err(e) => task.failed(e.clone()),
                }
                // The result, error or not, goes back to whoever joins.
                parsed
            });
        }

        let (mut returned, mut errors, mut panics) = (0, 0, 0);
        while let Some(joined) = grabs.join_next().await {
            match joined {
                Ok(parsed) => {
                    returned += 1;
                    // An error is a value the caller can report or retry.
                    if parsed.is_err() {
                        errors += 1;
                    }
                }
                // The panic arrives here, as a value: log it, count it, go on.
                Err(e) if e.is_panic() => panics += 1,
                Err(_) => {} // cancelled (aborted): not this demo
            }
        }
        ctx.rec.set_metric("tasks_returned", returned);
        ctx.rec.set_metric("errors_returned", errors);
        ctx.rec.set_metric("panics_caught", panics);
        Ok(())
    }
}
// ANCHOR_END: core
