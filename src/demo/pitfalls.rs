//! # Pitfalls, shown happening
//!
//! Four classic mistakes, each behind a switch: `set pitfall …`, then
//! `set fixed off` to watch it go wrong and `set fixed on` for the cure.
//!
//! - `blocking-sleep`: `std::thread::sleep` in async code holds the thread;
//!   every other task on it stalls. Cure: `tokio::time::sleep(..).await`.
//! - `lock-across-await`: two tasks take two locks in opposite orders and
//!   hold the first across an `.await`: a deadlock. A watchdog notices that
//!   nothing moved and stops the demo. Cure: one global lock order (or hold
//!   no lock across an await at all). The locks are tokio's; a std `Mutex`
//!   would block the thread itself, and not even the watchdog could run.
//! - `unbounded-spawn`: a task per target with no limit: every socket open
//!   at once. Cure: a `Semaphore`.
//! - `ignored-handle`: `let _ = tokio::spawn(..)`: the error a task returns
//!   and the panic another one raises go nowhere. Cure: await the handles.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::{
    Clock, Ctx, Demo, DemoError, DemoInfo, ParamSpec, TaskRec, WaitOn, acquire_permit, heartbeat,
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
        ParamSpec::duration(
            "watchdog",
            "1s",
            "lock-across-await: how long without progress means deadlock",
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
    let worker = ctx.rec.task("worker");
    let work = async {
        time::sleep(Duration::from_millis(20)).await;
        worker.waiting(WaitOn::Timer, "backing off for 100ms");
        if fixed {
            time::sleep(Duration::from_millis(100)).await; // yields the thread
        } else {
            std::thread::sleep(Duration::from_millis(100)); // holds the thread
        }
        worker.completed("back-off over");
    };
    let (gap, ()) = tokio::join!(
        heartbeat(ctx.rec.task("heartbeat"), Duration::from_millis(200)),
        work
    );
    ctx.rec
        .set_metric("heartbeat_gap_ms", gap.as_millis() as u64);
    Ok(())
}

async fn lock_across_await(ctx: &Ctx, fixed: bool) -> Result<(), DemoError> {
    let results = Arc::new(Mutex::new(Vec::<u16>::new()));
    let stats = Arc::new(Mutex::new(0u64));

    // Task A: results, then stats. Task B: stats, then results (unless fixed).
    let a = locker(
        ctx.rec.task("task-a"),
        ("results", results.clone()),
        ("stats", stats.clone()),
    );
    // Boxed: the two lock orders are two different future types.
    let b = if fixed {
        locker(
            ctx.rec.task("task-b"),
            ("results", results.clone()),
            ("stats", stats.clone()),
        )
        .boxed()
    } else {
        locker(
            ctx.rec.task("task-b"),
            ("stats", stats.clone()),
            ("results", results.clone()),
        )
        .boxed()
    };

    let watchdog = ctx.rec.task("watchdog");
    watchdog.waiting(WaitOn::Timer, "watching for progress");
    let limit = ctx.params.duration("watchdog")?;
    match time::timeout(limit, async { tokio::join!(a, b) }).await {
        Ok(_) => {
            watchdog.completed("both tasks finished");
            ctx.rec.set_metric("deadlocked", 0);
        }
        Err(_) => {
            // Dropping the joined futures releases the locks they hold.
            watchdog.failed(format!(
                "deadlock: no progress for {}ms; each task holds the lock the other waits for",
                limit.as_millis()
            ));
            ctx.rec.set_metric("deadlocked", 1);
        }
    }
    Ok(())
}

/// Takes `first`, holds it across an `.await`, then takes `second`.
async fn locker<T, U>(
    task: TaskRec,
    first: (&'static str, Arc<Mutex<T>>),
    second: (&'static str, Arc<Mutex<U>>),
) {
    let _guard = task.guard("stopped by the watchdog");
    task.waiting(WaitOn::Lock, format!("locking {}", first.0));
    let _one = first.1.lock().await;
    task.acquired(format!("holds {}; works 10ms with it held", first.0));
    time::sleep(Duration::from_millis(10)).await; // the await the lock is held across
    task.waiting(
        WaitOn::Lock,
        format!("holds {}, waits for {}", first.0, second.0),
    );
    let _two = second.1.lock().await;
    task.completed(format!("got both locks ({} then {})", first.0, second.0));
}

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
