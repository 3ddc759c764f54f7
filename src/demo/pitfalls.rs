//! # Pitfalls, shown happening
//!
//! Four classic mistakes, each behind a switch: `set pitfall …`, then
//! `set fixed off` to watch it go wrong and `set fixed on` for the cure.
//!
//! - `blocking-sleep`: `std::thread::sleep` in async code holds the thread;
//!   every other task on it stalls. Cure: `tokio::time::sleep(..).await`.
//! - `lock-across-await`: every host task locks a shared tally and keeps
//!   the guard across a slow lookup's `.await`: the lookups, which could
//!   all overlap, run one at a time. Cure (tokio's shared-state guide):
//!   copy out what you need and drop the guard before awaiting. With a
//!   `std::sync::MutexGuard` the broken version does not even compile in a
//!   spawned task: the guard is `!Send`.
//! - `unbounded-spawn`: a task per target with no limit: every socket open
//!   at once. Cure: a `Semaphore`.
//! - `ignored-handle`: `let _ = tokio::spawn(..)`: the error a task returns
//!   and the panic another one raises go nowhere. Cure: await the handles.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{
    Clock, Ctx, Demo, DemoError, DemoInfo, ParamSpec, Params, WaitOn, acquire_permit, heartbeat,
};

static INFO: DemoInfo = DemoInfo {
    name: "pitfalls",
    title: "Pitfalls, shown happening",
    about: "blocking sleep, a lock held across .await, unbounded spawning and ignored JoinHandles, each with its fix",
    params: &[
        ParamSpec::choice(
            "pitfall",
            &[
                "lock-across-await",
                "unbounded-spawn",
                "ignored-handle",
                "blocking-sleep",
            ],
            "lock-across-await",
            "which mistake to run",
        ),
        ParamSpec::choice(
            "fixed",
            &["off", "on"],
            "off",
            "off: the mistake; on: the fix",
        ),
        ParamSpec::int("count", 1, 10_000, "20", "unbounded-spawn: targets"),
        ParamSpec::int(
            "concurrency",
            1,
            10_000,
            "5",
            "unbounded-spawn (fixed): the limit",
        ),
        ParamSpec::int(
            "hosts",
            1,
            10_000,
            "5",
            "lock-across-await: host tasks sharing one lock",
        ),
    ],
    source: include_str!("pitfalls.rs"),
    single_thread: true,
};

pub struct Pitfalls;

#[async_trait]
impl Demo for Pitfalls {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    /// Only the fixed unbounded spawn has a limit: `concurrency` means
    /// nothing to the other pitfalls.
    fn limit(&self, params: &Params) -> Option<(&'static str, u64)> {
        let capped = params.choice("pitfall").ok() == Some("unbounded-spawn")
            && params.choice("fixed").ok() == Some("on");
        capped
            .then(|| params.int("concurrency").ok())
            .flatten()
            .map(|v| ("concurrency", v))
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let fixed = ctx.params.choice("fixed")? == "on";
        match ctx.params.choice("pitfall")? {
            "blocking-sleep" => blocking_sleep(&ctx, fixed).await,
            "unbounded-spawn" => unbounded_spawn(&ctx, fixed).await,
            "ignored-handle" => ignored_handle(&ctx, fixed).await,
            _ => lock_across_await(&ctx, fixed).await,
        }
    }
}

async fn blocking_sleep(ctx: &Ctx, fixed: bool) -> Result<(), DemoError> {
    if ctx.clock == Clock::Virtual {
        return Err(DemoError::Setup(
            "a blocking sleep stalls a real thread, invisible to virtual time: `set clock real`"
                .into(),
        ));
    }
    // Two tasks on the runtime's one thread: the heartbeat's late beats
    // come from the worker taking that thread, not from any await between
    // them.
    let heart = tokio::spawn(heartbeat(
        ctx.rec.task("heartbeat"),
        Duration::from_millis(200),
    ));
    let worker = ctx.rec.task("worker");
    let work = tokio::spawn(async move {
        worker.waiting(WaitOn::Timer, "lets the heartbeat start first");
        time::sleep(Duration::from_millis(20)).await;
        if fixed {
            worker.waiting(
                WaitOn::Timer,
                "tokio::time::sleep(100ms): the thread is free",
            );
            time::sleep(Duration::from_millis(100)).await; // yields the thread
        } else {
            // Not a wait the runtime knows of: the thread itself is asleep.
            worker.started("std::thread::sleep(100ms): the thread is held");
            std::thread::sleep(Duration::from_millis(100)); // holds the thread
        }
        worker.completed("back-off over");
    });
    let (Ok(gap), Ok(())) = tokio::join!(heart, work) else {
        return Err(DemoError::Setup("a task of the demo panicked".into()));
    };
    ctx.rec
        .set_metric("heartbeat_gap_ms", gap.as_millis() as u64);
    Ok(())
}

// ANCHOR: lock
async fn lock_across_await(ctx: &Ctx, fixed: bool) -> Result<(), DemoError> {
    // One shared tally of findings, behind tokio's Mutex.
    let stats = Arc::new(Mutex::new(Stats {
        resolver: "127.0.0.53".into(),
        lookups: 0,
    }));
    let mut tasks = JoinSet::new();
    for i in 0..ctx.params.usize("hosts")? {
        let (task, stats) = (ctx.rec.task(format!("host-{:02}", i + 1)), stats.clone());
        let took = ctx.sim(i as u64).latency(Duration::from_millis(50));
        tasks.spawn(async move {
            let _guard = task.guard("aborted");
            task.waiting(WaitOn::Lock, "locking stats");
            let mut held = stats.lock().await;
            if fixed {
                // The fix (tokio's shared-state guide): copy out what the
                // slow part needs, and let the guard go *before* awaiting.
                let resolver = held.resolver.clone();
                drop(held);
                task.waiting(WaitOn::Io, format!("asking {resolver}, lock released"));
                time::sleep(took).await;
                task.waiting(WaitOn::Lock, "locking stats again, briefly");
                stats.lock().await.lookups += 1;
                task.completed("recorded; the lock was held only to count");
            } else {
                // The pitfall: the guard lives across the slow `.await`, so
                // every other task queues on the lock for the whole lookup.
                task.waiting(
                    WaitOn::Io,
                    format!("asking {}, lock still held", held.resolver),
                );
                time::sleep(took).await;
                held.lookups += 1;
                task.completed("recorded; lock released only now");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    ctx.rec.set_metric("lookups", stats.lock().await.lookups);
    Ok(())
}

/// What the hosts share: where to ask, and how many lookups were made.
struct Stats {
    resolver: String,
    lookups: u64,
}
// ANCHOR_END: lock

// ANCHOR: core
async fn unbounded_spawn(ctx: &Ctx, fixed: bool) -> Result<(), DemoError> {
    let concurrency = ctx.params.usize("concurrency")?;
    // The fix is this one line: a limit shared by every task.
    let permits = fixed.then(|| Arc::new(Semaphore::new(concurrency)));
    let mut tasks = JoinSet::new();
    for i in 0..ctx.params.usize("count")? {
        let (task, permits) = (ctx.rec.task(format!("conn-{:02}", i + 1)), permits.clone());
        let took = ctx.sim(i as u64).latency(Duration::from_millis(50));
        tasks.spawn(async move {
            let _guard = task.guard("aborted");
            let _permit = match &permits {
                Some(permits) => acquire_permit(&task, permits, concurrency).await,
                None => None, // no limit: straight in
            };
            task.waiting(WaitOn::Io, "socket open");
            time::sleep(took).await;
            task.completed("closed");
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}
// ANCHOR_END: core

async fn ignored_handle(ctx: &Ctx, fixed: bool) -> Result<(), DemoError> {
    let failing = ctx.rec.task("export");
    let crashing = ctx.rec.task("parser");
    let export = tokio::spawn(async move {
        let _guard = failing.guard("aborted");
        failing.waiting(WaitOn::Io, "writing the export");
        time::sleep(Duration::from_millis(30)).await;
        failing.failed("disk full");
        Err::<(), String>("export failed: disk full".into())
    });
    let parse = tokio::spawn(async move {
        let _guard = crashing.guard("aborted");
        crashing.waiting(WaitOn::Io, "reading banners");
        time::sleep(Duration::from_millis(50)).await;
        panic!("index out of bounds in the banner parser");
    });

    let mut seen = 0;
    if fixed {
        // Awaiting each handle is where the error and the panic surface.
        seen += u64::from(matches!(export.await, Ok(Err(_))));
        seen += u64::from(matches!(parse.await, Err(e) if e.is_panic()));
    } else {
        // The mistake: drop the handles. The tasks run on, detached; their
        // error and their panic go nowhere.
        drop((export, parse));
        time::sleep(Duration::from_millis(100)).await; // and hope they finished?
    }
    ctx.rec.set_metric("errors_seen", seen);
    Ok(())
}
