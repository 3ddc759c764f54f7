//! # spawn and JoinHandle: nothing is lost
//!
//! `tokio::spawn` hands a future to the runtime as a separate task,
//! scheduled at once: it runs as soon as a worker is free (on a
//! current-thread runtime, when the spawning code next yields at an
//! `.await`). It gives back a `JoinHandle<T>`. Awaiting the
//! handle yields `Result<T, JoinError>`:
//!
//! - `Ok(value)`: whatever the task returned. Our scans return a `Result`
//!   themselves, so a scan error arrives as `Ok(Err(e))`.
//! - `Err(join_error)`: the task panicked (`is_panic()`) or was aborted.
//!
//! A panic in a spawned task does not crash the program; it is caught and
//! handed to whoever awaits the handle. If nobody does, it is lost. So every
//! handle here is awaited. A plain `JoinHandle` *detaches* its task when
//! dropped; wrapping it in tokio-util's `AbortOnDropHandle` makes dropping
//! the list (on Ctrl-C) abort the tasks instead.

use std::time::Duration;

use async_trait::async_trait;
use tokio::time;
use tokio_util::task::AbortOnDropHandle;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "spawn",
    title: "spawn and JoinHandle",
    about: "a task per target; a failing task and a panicking task both surface through their JoinHandles",
    params: &[
        ParamSpec::int("count", 3, 10_000, "8", "targets, one task each"),
        ParamSpec::duration("latency", "100ms", "typical time one scan takes"),
        ParamSpec::choice(
            "failures",
            &["on", "off"],
            "on",
            "on: one scan returns an error and one panics",
        ),
    ],
    source: include_str!("spawn.rs"),
    single_thread: false,
};

pub struct Spawn;

/// What happens to one target.
#[derive(Clone, Copy)]
enum Fate {
    Answers,
    Errors,
    Panics,
}

#[async_trait]
impl Demo for Spawn {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let count = ctx.params.usize("count")?;
        let latency = ctx.params.duration("latency")?;
        let failures = ctx.params.choice("failures")? == "on";

        let mut handles = Vec::with_capacity(count);
        for i in 0..count {
            let fate = match (failures, i) {
                (true, 2) => Fate::Errors,
                (true, 4) => Fate::Panics,
                _ => Fate::Answers,
            };
            let task = ctx.rec.task(format!("scan-{}", i + 1));
            let took = ctx.sim(i as u64).latency(latency);
            // Scheduled now, run when a worker is free; the handle is how
            // we hear back from it.
            let handle = tokio::spawn(scan(task, format!("10.0.0.{}", i + 1), took, fate));
            handles.push(AbortOnDropHandle::new(handle));
        }

        // Await every handle: this is where errors and panics surface.
        for handle in handles {
            match handle.await {
                Ok(Ok(_banner)) => ctx.rec.add_metric("results", 1),
                Ok(Err(_error)) => ctx.rec.add_metric("errors_seen", 1),
                Err(join_error) if join_error.is_panic() => ctx.rec.add_metric("panics_seen", 1),
                Err(_aborted) => {}
            }
        }
        for metric in ["results", "errors_seen", "panics_seen"] {
            ctx.rec.add_metric(metric, 0); // present even when zero
        }
        Ok(())
    }
    // ANCHOR_END: core
}

// ANCHOR: core
/// Scans one host and returns its banner, or an error.
async fn scan(task: TaskRec, host: String, took: Duration, fate: Fate) -> Result<String, String> {
    let _guard = task.guard("aborted");
    task.waiting(WaitOn::Io, format!("grabbing the banner of {host}"));
    time::sleep(took).await;
    match fate {
        Fate::Answers => {
            task.completed("banner: SSH-2.0-OpenSSH_9.6");
            Ok("SSH-2.0-OpenSSH_9.6".to_string())
        }
        Fate::Errors => {
            let error = format!("{host}: connection reset by peer");
            task.failed(error.clone());
            Err(error)
        }
        // The guard above records this as `panicked`, with the message.
        Fate::Panics => panic!("banner parser crashed on a malformed banner from {host}"),
    }
}
// ANCHOR_END: core
